//! A campaign's audience materialised: overlaps give one row per person,
//! every skip reason lands in the outbox, variables and spintax are rendered
//! per target, and a privacy id merged with its phone is one person.

use chrono::{Duration, Utc};
use flock_core::campaigns::seed::target_seed;
use flock_core::campaigns::store::{self, Outcome};
use flock_core::campaigns::{CampaignOptions, TargetVars, Template};
use flock_core::contacts::{import_csv, ImportOptions};
use flock_core::entities::{campaign, contact, group, message};
use flock_core::groups::{apply_snapshot, AccountGroupsSnapshot, GroupSnapshot};
use flock_core::paths::DataPaths;
use flock_core::repo::contacts as contacts_repo;
use flock_core::repo::outbox::LIVE;
use flock_testkit::TestDb;
use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
};

use super::campaigns_support::*;

async fn contact_of(db: &DatabaseConnection, phone: &str) -> contact::Model {
    contact::Entity::find().filter(contact::Column::Phone.eq(phone)).one(db).await.unwrap().unwrap()
}

async fn group_id(db: &DatabaseConnection, wa_id: &str) -> i64 {
    group::Entity::find().filter(group::Column::WaId.eq(wa_id)).one(db).await.unwrap().unwrap().id
}

async fn import(db: &DatabaseConnection, name: &str, csv: &str) {
    import_csv(db, csv.as_bytes(), &ImportOptions::new(name)).await.unwrap();
}

#[tokio::test]
async fn two_groups_a_tag_and_a_csv_give_one_row_per_person_with_skip_reasons() {
    let test = TestDb::new().await;
    let db = test.open().await;
    let db = db.conn();
    let dir = tempfile::tempdir().unwrap();
    let paths = DataPaths::new(dir.path());
    world(db).await;
    let opted = contact_of(db, OPTED).await;
    contacts_repo::opt_out(db, opted.id, "replied STOP", "reply").await.unwrap();
    import(db, "vip.csv", "Name,Mobile,Tags\nPriya N,+919800000001,vip\nTag Only,+919800000009,vip\n").await;
    let csv = dir.path().join("wards.csv");
    std::fs::write(
        &csv,
        "Name,Mobile,Ward No.,Consent\nPriya,+919800000001,12,yes\nMeena Kumari,+919800000010,7,yes\nBad,12345,1,\n",
    )
    .unwrap();
    let (g1, g2) = (group_id(db, G1).await, group_id(db, G2).await);

    let text = "{Hi|Hello} {{ first_name | default(\"friend\") }}{% if ward_no %} of ward {{ ward_no }}{% endif %}!";
    let mut new = new_campaign("Wards", text);
    new.groups = vec![G1.into()];
    new.filters = vec![members_of(g1), members_of(g2), tagged("vip")];
    new.contacts = vec![OWN.into()];
    new.csv = Some(csv_input(&csv));
    let created = store::create(db, &paths, &new).await.unwrap();
    let imported = created.csv.as_ref().unwrap();
    assert_eq!((imported.totals.rows, imported.targets, imported.rejected.len()), (3, 2, 1), "{imported:?}");

    let started = store::start(db, created.id, Utc::now()).await.unwrap();
    let n = &started.audience;
    assert_eq!((n.targets, n.groups, n.people, n.to_send, n.skipped), (8, 1, 7, 5, 3), "{n:?}");
    assert_eq!(n.skipped_by_reason.get("opted_out"), Some(&1));
    assert_eq!(n.skipped_by_reason.get("phone_hidden"), Some(&1));
    assert_eq!(n.skipped_by_reason.get("own_account"), Some(&1));
    // Of the 4 people to send to: SHARED and the new CSV row gave consent,
    // ONLY_G1 is known only from a group, the tag-only contact neither.
    assert_eq!((n.consented, n.permitted, n.wrote_first, n.group_only, n.other), (2, 2, 0, 1, 1), "{n:?}");
    assert_eq!(started.added, 8);
    assert_eq!(started.status.as_str(), "running");

    let rows = rows(db, created.id).await;
    assert_eq!(rows.len(), 8, "one row per person or chat: {rows:#?}");
    let group_row = row(&rows, G1);
    assert_eq!((group_row.target_kind.as_str(), group_row.group_id), ("group", Some(g1)));
    assert!(group_row.rendered_text.as_deref().unwrap().ends_with(" friend!"), "{group_row:?}");
    for (key, code) in [(OPTED, "opted_out"), (HIDDEN_LID, "phone_hidden"), (OWN, "own_account")] {
        let r = row(&rows, key);
        assert_eq!((r.status.as_str(), r.skip_reason.as_deref()), ("skipped", Some(code)), "{key}");
        assert!(r.rendered_text.is_none() && r.last_error.is_some());
    }
    let shared = row(&rows, SHARED);
    assert_eq!((shared.status.as_str(), shared.target_kind.as_str()), ("pending", "phone"));
    assert_eq!(shared.contact_id, Some(contact_of(db, SHARED).await.id));
    // The CSV's own columns for its rows; the stored text is the target's seed's.
    let template = Template::compile(text, &["first_name", "ward_no"]).unwrap();
    let mut vars = TargetVars::new();
    vars.set("ward_no", "12").set_name("Priya");
    let want = template.render(&vars, target_seed(created.id, SHARED)).unwrap();
    assert_eq!(shared.rendered_text.as_deref(), Some(want.as_str()));
    assert!(want.ends_with("Priya of ward 12!"), "{want}");
    assert!(row(&rows, ONLY_G1).rendered_text.as_deref().unwrap().ends_with(" Ramesh!"));
    assert!(row(&rows, "+919800000010").rendered_text.as_deref().unwrap().ends_with(" Meena of ward 7!"));
    assert!(row(&rows, "+919800000009").rendered_text.as_deref().unwrap().ends_with(" Tag!"));
    let openers: std::collections::BTreeSet<&str> =
        rows.iter().filter_map(|r| r.rendered_text.as_deref()).map(|t| t.split(' ').next().unwrap()).collect();
    assert!(openers.iter().all(|o| *o == "Hi" || *o == "Hello"), "{openers:?}");

    // The counts the show gives are the table's.
    let shown = store::show(db, created.id, Utc::now(), chrono_tz::UTC).await.unwrap();
    assert_eq!((shown.counts.pending, shown.counts.skipped, shown.counts.total()), (5, 3, 8));
}

#[tokio::test]
async fn not_on_whatsapp_recently_contacted_and_no_consent_are_skipped() {
    let test = TestDb::new().await;
    let db = test.open().await;
    let db = db.conn();
    let dir = tempfile::tempdir().unwrap();
    let paths = DataPaths::new(dir.path());
    world(db).await;
    import(db, "cold.csv", "Name,Mobile,Tags,Consent\nCold Chandra,+919800000020,cold,\nWarm Wilma,+919800000021,cold,yes\nReply Ravi,+919800000022,cold,\n")
        .await;
    let ravi = contact_of(db, "+919800000022").await;
    contacts_repo::record_inbound(db, ravi.id, Utc::now() - Duration::days(3)).await.unwrap();
    let ramesh = contact_of(db, ONLY_G1).await;
    contact::Entity::update_many()
        .col_expr(contact::Column::OnWhatsapp, Expr::value(Some(false)))
        .filter(contact::Column::Id.eq(ramesh.id))
        .exec(db)
        .await
        .unwrap();
    // Another campaign sent to SHARED two days ago and to Wilma ten days ago.
    let other = store::create(db, &paths, &{
        let mut n = new_campaign("Earlier", "Hello");
        n.contacts = vec![SHARED.into()];
        n
    })
    .await
    .unwrap();
    for (key, days) in [(SHARED, 2), ("+919800000021", 10)] {
        let now = Utc::now();
        message::ActiveModel {
            campaign_id: Set(other.id),
            target_key: Set(key.into()),
            target_kind: Set("phone".into()),
            status: Set("sent".into()),
            sent_at: Set(Some(now - Duration::days(days))),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await
        .unwrap();
    }

    let (g1, g2) = (group_id(db, G1).await, group_id(db, G2).await);
    let mut new = new_campaign("Careful", "Hello {{ name }}");
    new.filters = vec![members_of(g1), members_of(g2), tagged("cold")];
    new.options = CampaignOptions { skip_contacted_days: Some(7), permitted_only: true };
    let id = store::create(db, &paths, &new).await.unwrap().id;
    let started = store::start(db, id, Utc::now()).await.unwrap();
    let rows = rows(db, id).await;
    let code = |key: &str| row(&rows, key).skip_reason.clone();
    assert_eq!(code(SHARED).as_deref(), Some("recently_contacted"));
    assert_eq!(row(&rows, SHARED).last_error.as_deref(), Some("contacted by a campaign in the last 7 days"));
    assert_eq!(code(ONLY_G1).as_deref(), Some("not_on_whatsapp"));
    assert_eq!(code("+919800000020").as_deref(), Some("no_consent"));
    assert_eq!(code(HIDDEN_LID).as_deref(), Some("phone_hidden"));
    // Consent, or wrote first, and contacted only long ago: sent.
    for key in ["+919800000021", "+919800000022"] {
        assert_eq!(row(&rows, key).status, "pending", "{key}");
    }
    assert_eq!(started.audience.to_send, 2);
    assert_eq!((started.audience.consented, started.audience.wrote_first), (1, 1));
}

#[tokio::test]
async fn a_template_variable_without_a_value_skips_that_target() {
    let test = TestDb::new().await;
    let db = test.open().await;
    let db = db.conn();
    let dir = tempfile::tempdir().unwrap();
    world(db).await;
    import(db, "d.csv", "Name,Mobile,District\nAnbu,+919800000030,Salem\nBarath,+919800000031,\n").await;
    let mut new = new_campaign("Districts", "Hello from {{ district }}");
    new.contacts = vec!["+919800000030".into(), "+91 98000 00031".into()];
    let id = store::create(db, &DataPaths::new(dir.path()), &new).await.unwrap().id;
    let c = store::load(db, id).await.unwrap();
    let plan = store::plan(db, &c, Utc::now()).await.unwrap();
    let outcomes: Vec<(&str, &Outcome)> = plan.rows.iter().map(|r| (r.target.key.as_str(), &r.outcome)).collect();
    assert_eq!(outcomes[0], ("+919800000030", &Outcome::Send("Hello from Salem".into())));
    assert!(
        matches!(outcomes[1].1, Outcome::Skip(flock_core::dispatch::SkipReason::MissingValue { variable }) if variable == "district")
    );
    store::start(db, id, Utc::now()).await.unwrap();
    let rows = rows(db, id).await;
    assert_eq!(row(&rows, "+919800000031").skip_reason.as_deref(), Some("missing_value"));
}

/// The same person seen by privacy id in a group and by phone in a CSV: once
/// the group shows the phone, one contact, one target, one message.
#[tokio::test]
async fn a_privacy_id_merged_with_its_phone_is_one_person_one_message() {
    let test = TestDb::new().await;
    let db = test.open().await;
    let db = db.conn();
    let dir = tempfile::tempdir().unwrap();
    let paths = DataPaths::new(dir.path());
    let account_id = world(db).await;
    let phone = "+919811111111";
    let csv = dir.path().join("h.csv");
    std::fs::write(&csv, format!("Name,Mobile\nHarish,{phone}\n")).unwrap();
    let g1 = group_id(db, G1).await;
    let campaign = |name: &str| {
        let mut n = new_campaign(name, "Hi {{ first_name }}");
        n.filters = vec![members_of(g1)];
        n.csv = Some(csv_input(&csv));
        n
    };
    // Started before the merge: the privacy id is skipped, the phone pending.
    let before = store::create(db, &paths, &campaign("Before")).await.unwrap().id;
    store::start(db, before, Utc::now()).await.unwrap();
    let after = store::create(db, &paths, &campaign("After")).await.unwrap().id;

    // The group now shows the hidden member's phone: the contacts merge.
    let mut hidden = member(HIDDEN_LID, "Hidden Harish");
    hidden.phone_e164 = Some(phone.into());
    let g = GroupSnapshot {
        wa_id: G1.into(),
        subject: "Salem Mango Growers".into(),
        description: None,
        participants: vec![member(&wid(SHARED), "Dr. Priya Nair"), member(&wid(ONLY_G1), "K. Ramesh"), hidden],
        lid_addressing: true,
    };
    apply_snapshot(db, &AccountGroupsSnapshot { account_id, groups: vec![g] }, &[]).await.unwrap();
    let person = contact_of(db, phone).await;
    assert_eq!(person.lid.as_deref(), Some(HIDDEN_LID), "merged");

    store::start(db, after, Utc::now()).await.unwrap();
    let rows_after = rows(db, after).await;
    assert!(rows_after.iter().all(|r| r.target_key != HIDDEN_LID), "{rows_after:#?}");
    let r = row(&rows_after, phone);
    assert_eq!((r.status.as_str(), r.contact_id), ("pending", Some(person.id)));
    assert_eq!(rows_after.len(), 3);
    // The campaign started before the merge still reaches the person once.
    let live = rows(db, before)
        .await
        .into_iter()
        .filter(|r| (r.target_key == phone || r.target_key == HIDDEN_LID) && LIVE.contains(&r.status.as_str()))
        .count();
    assert_eq!(live, 1);
    // And starting it again adds nothing.
    assert_eq!(store::start(db, before, Utc::now()).await.unwrap().added, 0);
    let c = campaign::Entity::find_by_id(after).one(db).await.unwrap().unwrap();
    assert_eq!(c.status, "running");
}
