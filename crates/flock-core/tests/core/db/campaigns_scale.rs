//! A campaign at marketing-list scale (100,000 contacts materialised, every
//! one counted), its preview, its report, and its media stored once.

use chrono::Utc;
use flock_core::campaigns::store::{self, PreviewOptions};
use flock_core::campaigns::{CampaignError, ContentKind};
use flock_core::entities::{contact, media_asset};
use flock_core::paths::DataPaths;
use flock_core::repo::contacts::ContactQuery;
use flock_testkit::TestDb;
use sea_orm::{
    sea_query::Query, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
};

use super::campaigns_support::*;

/// `n` contacts `+9170000xxxxx` with names and districts, in multi-row inserts.
async fn many_contacts(db: &DatabaseConnection, n: u32) {
    use contact::Column as C;
    let now = Utc::now();
    let names = ["Arun Kumar", "Bala", "Chitra Devi", "Deepa", "Elango"];
    for start in (0..n).step_by(2_000) {
        let mut q = Query::insert();
        q.into_table(contact::Entity).columns([
            C::Phone,
            C::Name,
            C::District,
            C::FirstSource,
            C::Sources,
            C::CreatedAt,
            C::UpdatedAt,
        ]);
        for i in start..(start + 2_000).min(n) {
            q.values_panic([
                format!("+91700{:07}", i).into(),
                names[(i % 5) as usize].into(),
                ["Salem", "Erode"][(i % 2) as usize].into(),
                "csv".into(),
                2i32.into(),
                now.into(),
                now.into(),
            ]);
        }
        db.execute(&q).await.unwrap();
    }
}

#[tokio::test]
async fn one_hundred_thousand_contacts_are_materialised_each_once() {
    let test = TestDb::new().await;
    let db = test.open().await;
    let db = db.conn();
    let dir = tempfile::tempdir().unwrap();
    many_contacts(db, 100_000).await;
    let mut n = new_campaign("Everyone", "{Hi|Hello|Vanakkam} {{ first_name }} from {{ district }}");
    n.filters = vec![ContactQuery::default()];
    let id = store::create(db, &DataPaths::new(dir.path()), &n).await.unwrap().id;
    let report = store::start(db, id, Utc::now()).await.unwrap();
    assert_eq!((report.added, report.audience.to_send, report.audience.skipped), (100_000, 100_000, 0));
    let counts = store::counts(db, id).await.unwrap();
    assert_eq!((counts.pending, counts.total()), (100_000, 100_000));
    let distinct = flock_core::entities::message::Entity::find()
        .filter(flock_core::entities::message::Column::CampaignId.eq(id))
        .filter(flock_core::entities::message::Column::RenderedText.like("Vanakkam Chitra from %"))
        .count(db)
        .await
        .unwrap();
    assert!(distinct > 1_000 && distinct < 19_000, "spintax spreads the openers: {distinct}");
    assert_eq!(store::start(db, id, Utc::now()).await.unwrap().added, 0, "a second start adds nothing");
    assert_eq!(store::counts(db, id).await.unwrap().total(), 100_000);
}

#[tokio::test]
async fn preview_renders_samples_counts_identical_texts_and_forecasts() {
    let test = TestDb::new().await;
    let db = test.open().await;
    let db = db.conn();
    let dir = tempfile::tempdir().unwrap();
    world(db).await;
    many_contacts(db, 60).await;
    let mut n = new_campaign("Plain", "Big sale this Sunday!");
    n.filters = vec![ContactQuery::default()];
    let id = store::create(db, &DataPaths::new(dir.path()), &n).await.unwrap().id;
    let p = store::preview(db, id, &PreviewOptions::default(), Utc::now(), chrono_tz::UTC).await.unwrap();
    // 60 listed + SHARED, ONLY_G1 and OPTED (the world's members) to send;
    // the hidden member and, if a contact, the account itself skipped.
    assert_eq!(p.audience.to_send, 63, "{:?}", p.audience);
    assert_eq!(p.samples.len(), 3);
    assert!(p.samples.iter().all(|s| s.text.as_deref() == Some("Big sale this Sunday!")));
    assert_eq!((p.identical.largest_group, p.identical.warn), (63, true));
    assert_eq!(p.eta.messages, 63);
    assert!(p.eta.finishes_at.is_some() && p.eta.accounts == 1, "{:?}", p.eta);
    assert!(p.eta.text.ends_with("with 1 account at today's limits"), "{}", p.eta.text);
    assert!(p.shape.variables.is_empty());

    let chosen = PreviewOptions { targets: vec![HIDDEN_LID.into(), "+919999999999".into()], count: 0 };
    let p = store::preview(db, id, &chosen, Utc::now(), chrono_tz::UTC).await.unwrap();
    assert_eq!(p.samples.len(), 1);
    assert_eq!(p.samples[0].skip_code.as_deref(), Some("phone_hidden"));
    assert_eq!(p.not_targets, vec!["+919999999999".to_string()]);
    // A preview writes nothing.
    assert_eq!(store::counts(db, id).await.unwrap().total(), 0);
}

#[tokio::test]
async fn the_report_has_one_line_per_target_with_escaped_cells() {
    let test = TestDb::new().await;
    let db = test.open().await;
    let db = db.conn();
    let dir = tempfile::tempdir().unwrap();
    world(db).await;
    let csv = dir.path().join("r.csv");
    std::fs::write(&csv, "Name,Mobile\n=HYPERLINK(\"x\"),+919800000040\n").unwrap();
    let mut n = new_campaign("Report", "Hello");
    n.groups = vec![G2.into()];
    n.contacts = vec![OPTED.into()];
    n.csv = Some(csv_input(&csv));
    let id = store::create(db, &DataPaths::new(dir.path()), &n).await.unwrap().id;
    store::start(db, id, Utc::now()).await.unwrap();
    let mut out = Vec::new();
    assert_eq!(store::report_csv(db, id, &mut out).await.unwrap(), 3);
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "target,kind,name,status,account,attempts,sent_at,delivered_at,read_at,failed_at,reason");
    assert_eq!(lines[1], format!("{G2},group,Erode Traders,pending,,0,,,,,"));
    assert_eq!(lines[2], format!("{OPTED},phone,Opted Olga,pending,,0,,,,,"));
    assert_eq!(lines[3], "+919800000040,phone,\"'=HYPERLINK(\"\"x\"\")\",pending,,0,,,,,");
    assert!(matches!(store::report_csv(db, 999, std::io::sink()).await, Err(CampaignError::NotFound(999))));
}

const PNG: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, b'I', b'H', b'D', b'R', 0, 0, 0, 1];

#[tokio::test]
async fn media_is_stored_once_by_content_and_checked() {
    let test = TestDb::new().await;
    let db = test.open().await;
    let db = db.conn();
    let dir = tempfile::tempdir().unwrap();
    let paths = DataPaths::new(dir.path().join("data"));
    world(db).await;
    let photo = dir.path().join("offer.png");
    std::fs::write(&photo, PNG).unwrap();
    let copy = dir.path().join("same-offer.jpg");
    std::fs::write(&copy, PNG).unwrap();
    let mut ids = Vec::new();
    for file in [&photo, &copy] {
        let mut n = new_campaign("Photo", "Look {{ first_name | default(\"\") }}");
        n.contacts = vec![SHARED.into()];
        n.media = Some(file.clone());
        let created = store::create(db, &paths, &n).await.unwrap();
        assert_eq!(created.kind, ContentKind::Image);
        ids.push(created.media_asset_id.unwrap());
    }
    assert_eq!(ids[0], ids[1], "one asset for one content");
    let asset = media_asset::Entity::find_by_id(ids[0]).one(db).await.unwrap().unwrap();
    assert_eq!((asset.mime.as_str(), asset.size_bytes, asset.sha256.len()), ("image/png", PNG.len() as i64, 64));
    let stored = flock_core::campaigns::media::asset_path(&paths, &asset);
    assert_eq!(std::fs::read(&stored).unwrap(), PNG);
    assert_eq!(std::fs::read_dir(paths.media_dir()).unwrap().count(), 1);

    // A program renamed .jpg goes as a document, never as an image; an empty file is refused.
    let exe = dir.path().join("photo.jpg");
    std::fs::write(&exe, [b'M', b'Z', 0x90, 0, 3, 0, 0, 0, 4, 0, 0, 0, 0xFF, 0xFF, 0, 0]).unwrap();
    let mut n = new_campaign("Exe", "Hello");
    n.contacts = vec![SHARED.into()];
    n.media = Some(exe);
    assert_eq!(store::create(db, &paths, &n).await.unwrap().kind, ContentKind::Document);
    let empty = dir.path().join("empty.png");
    std::fs::write(&empty, b"").unwrap();
    n.media = Some(empty);
    let err = store::create(db, &paths, &n).await.unwrap_err();
    assert!(matches!(err, CampaignError::Media(_)), "{err:?}");
    assert!(err.to_string().contains("empty"), "{err}");
}

/// A target whose text cannot be made, two INSERT batches into the audience:
/// the start refuses naming it, and the batches written before it, the
/// status change and the history entry are all rolled back.
#[tokio::test]
async fn a_text_that_cannot_be_made_late_in_the_audience_rolls_the_whole_start_back() {
    let test = TestDb::new().await;
    let db = test.open().await;
    let db = db.conn();
    let dir = tempfile::tempdir().unwrap();
    many_contacts(db, 25_000).await;
    let late = "+917000024000";
    let long_name = "x".repeat(70_000);
    let set_name = |name: String| {
        contact::Entity::update_many()
            .col_expr(contact::Column::Name, sea_orm::sea_query::Expr::value(name))
            .filter(contact::Column::Phone.eq(late))
    };
    set_name(long_name).exec(db).await.unwrap();
    let mut n = new_campaign("Long", "Hi {{ first_name }}");
    n.filters = vec![ContactQuery::default()];
    let id = store::create(db, &DataPaths::new(dir.path()), &n).await.unwrap().id;
    match store::start(db, id, Utc::now()).await {
        Err(CampaignError::Render { target, .. }) => assert_eq!(target, late),
        other => panic!("expected the too-long text refused, got {other:?}"),
    }
    assert_eq!(store::counts(db, id).await.unwrap().total(), 0, "no row of the refused start stays");
    let c = flock_core::entities::campaign::Entity::find_by_id(id).one(db).await.unwrap().unwrap();
    assert_eq!(c.status, "draft");
    let events = store::events(db, id).await.unwrap();
    assert!(
        !events.iter().any(|e| e.event == "start" || e.event == "materialise"),
        "no history of a start that did not happen: {events:?}"
    );

    set_name("Zed".into()).exec(db).await.unwrap();
    let report = store::start(db, id, Utc::now()).await.unwrap();
    assert_eq!((report.added, report.audience.to_send), (25_000, 25_000));
}

/// Four starts of one campaign at once: each target is in the outbox once,
/// and the rows added by all of them add up to the audience.
#[tokio::test]
async fn concurrent_starts_write_each_target_once() {
    let test = TestDb::new().await;
    let db = test.open().await;
    let dir = tempfile::tempdir().unwrap();
    many_contacts(db.conn(), 12_000).await;
    let mut n = new_campaign("Race", "Hi {{ first_name }}");
    n.filters = vec![ContactQuery::default()];
    let id = store::create(db.conn(), &DataPaths::new(dir.path()), &n).await.unwrap().id;
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let conn = db.conn().clone();
            tokio::spawn(async move { store::start(&conn, id, Utc::now()).await })
        })
        .collect();
    let mut added = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(report) => added += report.added,
            // Lost the race for the status change, or waited too long for SQLite's lock.
            Err(CampaignError::Stale(_)) | Err(CampaignError::Lifecycle(_)) => {}
            Err(CampaignError::Repo(e)) if e.to_string().contains("lock") => {}
            Err(other) => panic!("{other:?}"),
        }
    }
    assert_eq!(added, 12_000);
    assert_eq!(store::counts(db.conn(), id).await.unwrap().total(), 12_000);
}
