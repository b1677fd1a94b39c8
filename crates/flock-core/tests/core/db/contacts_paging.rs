//! Paging the Contacts page: keyset pages (`after`) and offset pages give
//! the same rows in the same order as sorting every match, for every sort,
//! with hidden phones and missing names, whichever shape a page is answered
//! with (few matches: sorted from the filter's index; many: a walk of the
//! sort's index).

use std::cmp::Ordering;

use flock_core::contacts::{export_csv, import_csv, ImportOptions};
use flock_core::entities::{contact, contact_tag, group, group_member, tag};
use flock_core::groups::{apply_snapshot, AccountGroupsSnapshot, GroupSnapshot, ParticipantSnapshot};
use flock_core::repo::accounts;
use flock_core::repo::contacts::{self, ContactQuery, ContactSort};
use flock_testkit::TestDb;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

const FIRST: [&str; 5] = ["Arun", "Bala", "Chitra", "Deepa", "Elango"];
const LAST: [&str; 2] = ["Kumar", "Raj"];
const DISTRICTS: [&str; 3] = ["Salem", "Erode", "Madurai"];
const PEOPLE: u32 = 2_000;

/// 2,000 imported contacts (every 7th without a name, every 5th without a
/// region, "vip" on every 2nd, "rare" on every 97th), and a group of 40 with
/// 12 hidden-phone members.
async fn world(db: &DatabaseConnection) -> i64 {
    let mut csv = String::from("name,phone,region,district,tags\n");
    for i in 0..PEOPLE {
        let name = if i % 7 == 3 {
            String::new()
        } else {
            format!("{} {} {:04}", FIRST[(i % 5) as usize], LAST[(i % 2) as usize], PEOPLE - i)
        };
        let region = if i % 5 == 1 { "" } else { ["West", "South"][(i % 2) as usize] };
        let tags = match (i % 2 == 0, i % 97 == 0) {
            (true, true) => "vip;rare",
            (true, false) => "vip",
            (false, true) => "rare",
            _ => "",
        };
        csv.push_str(&format!("{name},98{:08},{region},{},{tags}\n", 10_000_000 + i * 37, DISTRICTS[(i % 3) as usize]));
    }
    let report = import_csv(db, csv.as_bytes(), &ImportOptions::new("people.csv")).await.unwrap();
    assert_eq!(report.totals.imported, PEOPLE as u64);
    let a = accounts::create(db, "A").await.unwrap();
    let mut participants: Vec<ParticipantSnapshot> = (0..28u32)
        .map(|i| ParticipantSnapshot {
            wid: format!("9198{:08}@c.us", 10_000_000 + i * 8 * 37),
            is_admin: false,
            is_super_admin: false,
            phone_e164: None,
            name: None,
        })
        .collect();
    for i in 0..12u32 {
        participants.push(ParticipantSnapshot {
            wid: format!("{}@lid", 700_000_000_000_000u64 + i as u64),
            is_admin: false,
            is_super_admin: false,
            phone_e164: None,
            name: (i % 2 == 0).then(|| format!("Hidden {i:02}")),
        });
    }
    let snapshot = AccountGroupsSnapshot {
        account_id: a.id,
        groups: vec![GroupSnapshot {
            wa_id: "120363000000000001@g.us".into(),
            subject: "Salem Traders".into(),
            description: None,
            participants,
            lid_addressing: true,
        }],
    };
    apply_snapshot(db, &snapshot, &[]).await.unwrap();
    group::Entity::find().one(db).await.unwrap().unwrap().id
}

fn nulls_last(a: &Option<String>, b: &Option<String>) -> Ordering {
    match (a, b) {
        (Some(a), Some(b)) => a.cmp(b),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

/// The order every page must follow, computed here from all the rows.
fn expected(mut all: Vec<contact::Model>, sort: ContactSort) -> Vec<i64> {
    all.sort_by(|a, b| match sort {
        ContactSort::Name => nulls_last(&a.name, &b.name).then(a.id.cmp(&b.id)),
        ContactSort::Phone => nulls_last(&a.phone, &b.phone).then(a.id.cmp(&b.id)),
        ContactSort::Newest => b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)),
        ContactSort::Region => {
            nulls_last(&a.region, &b.region).then(nulls_last(&a.name, &b.name)).then(a.id.cmp(&b.id))
        }
    });
    all.into_iter().map(|c| c.id).collect()
}

async fn by_keyset(db: &DatabaseConnection, query: &ContactQuery) -> (Vec<i64>, u64) {
    let mut ids = Vec::new();
    let mut after = None;
    let mut total = 0;
    for page in 0.. {
        let got = contacts::search(db, &ContactQuery { page, page_size: 25, after, ..query.clone() }).await.unwrap();
        total = got.total;
        ids.extend(got.items.iter().map(|r| r.id));
        after = got.items.last().map(|r| r.id);
        if got.items.len() < 25 {
            break;
        }
        assert!(page < 200, "paging does not end");
    }
    (ids, total)
}

async fn by_offset(db: &DatabaseConnection, query: &ContactQuery) -> Vec<i64> {
    let mut ids = Vec::new();
    for page in 0.. {
        let got = contacts::search(db, &ContactQuery { page, page_size: 40, ..query.clone() }).await.unwrap();
        ids.extend(got.items.iter().map(|r| r.id));
        if got.items.len() < 40 {
            break;
        }
    }
    ids
}

#[tokio::test]
async fn keyset_and_offset_pages_follow_the_sort_for_every_filter() {
    let test = TestDb::new().await;
    let db = test.open().await;
    let conn = db.conn();
    let group_id = world(conn).await;
    let all = contact::Entity::find().all(conn).await.unwrap();
    assert_eq!(all.len(), PEOPLE as usize + 12);
    let tagged = |name: &'static str| async move {
        let t = tag::Entity::find().filter(tag::Column::Name.eq(name)).one(conn).await.unwrap().unwrap();
        contact_tag::Entity::find().filter(contact_tag::Column::TagId.eq(t.id)).all(conn).await.unwrap().iter().map(|l| l.contact_id).collect::<Vec<i64>>()
    };
    let (vips, rare) = (tagged("vip").await, tagged("rare").await);
    let rare_too = rare.clone();
    let members: Vec<i64> = group_member::Entity::find().all(conn).await.unwrap().iter().map(|m| m.contact_id).collect();
    // SQLite answers many matches by walking the sort's index and few by
    // sorting them: both shapes run below (PostgreSQL's planner chooses alone).
    let rows = all.len() as u64;
    assert!(contacts::walks_sort_index(rows, vips.len() as u64, 0, 25));
    assert!(!contacts::walks_sort_index(rows, rare.len() as u64, 0, 25));
    assert!(!contacts::walks_sort_index(rows, members.len() as u64, 0, 25));

    let name_has = |text: &'static str| -> Pick { Box::new(move |c: &contact::Model| c.name.as_deref().is_some_and(|n| n.to_lowercase().contains(text))) };
    type Pick = Box<dyn Fn(&contact::Model) -> bool>;
    let cases: Vec<(&str, ContactQuery, Pick)> = vec![
        ("everyone", ContactQuery::default(), Box::new(|_| true)),
        ("tag vip", ContactQuery { tag: Some("vip".into()), ..Default::default() }, Box::new(move |c| vips.contains(&c.id))),
        ("tag rare", ContactQuery { tag: Some("rare".into()), ..Default::default() }, Box::new(move |c| rare.contains(&c.id))),
        ("group", ContactQuery { group_id: Some(group_id), ..Default::default() }, Box::new(move |c| members.contains(&c.id))),
        ("district", ContactQuery { district: Some("Erode".into()), ..Default::default() }, Box::new(|c| c.district.as_deref() == Some("Erode"))),
        ("search name", ContactQuery { search: Some("kumar".into()), ..Default::default() }, name_has("kumar")),
        ("search rare name", ContactQuery { search: Some("deepa kumar 00".into()), ..Default::default() }, name_has("deepa kumar 00")),
        (
            "search short (names and the tag \"rare\")",
            ContactQuery { search: Some("ra".into()), ..Default::default() },
            Box::new(move |c| name_has("ra")(c) || rare_too.contains(&c.id)),
        ),
        (
            "search number",
            ContactQuery { search: Some("0000".into()), ..Default::default() },
            Box::new(|c| c.phone.as_deref().is_some_and(|p| p.contains("0000"))),
        ),
        ("phone hidden", ContactQuery { phone_hidden: Some(true), ..Default::default() }, Box::new(|c| c.phone.is_none())),
        ("unknown tag", ContactQuery { tag: Some("nobody".into()), ..Default::default() }, Box::new(|_| false)),
    ];
    for (name, query, pick) in &cases {
        for sort in [ContactSort::Name, ContactSort::Phone, ContactSort::Newest, ContactSort::Region] {
            let query = ContactQuery { sort, ..query.clone() };
            let want = expected(all.iter().filter(|c| pick(c)).cloned().collect(), sort);
            let (keyset, total) = by_keyset(conn, &query).await;
            assert_eq!(total as usize, want.len(), "{name}, {sort:?}: total");
            assert_eq!(keyset, want, "{name}, {sort:?}: keyset pages");
            assert_eq!(by_offset(conn, &query).await, want, "{name}, {sort:?}: offset pages");
        }
    }

    // A cursor row deleted meanwhile: the page falls back to its number.
    let first = contacts::search(conn, &ContactQuery { page_size: 7, ..Default::default() }).await.unwrap();
    let gone = first.items.last().unwrap().id;
    contacts::delete(conn, &[gone]).await.unwrap();
    let next = contacts::search(conn, &ContactQuery { page: 1, page_size: 7, after: Some(gone), ..Default::default() }).await.unwrap();
    let want = expected(contact::Entity::find().all(conn).await.unwrap(), ContactSort::Name);
    assert_eq!(next.items.iter().map(|r| r.id).collect::<Vec<_>>(), want[7..14].to_vec());

    // The export walks the same pages.
    let mut out = Vec::new();
    let written = export_csv(conn, &ContactQuery { tag: Some("vip".into()), ..Default::default() }, &mut out).await.unwrap();
    assert_eq!(written as usize, String::from_utf8(out).unwrap().lines().count() - 1);
}
