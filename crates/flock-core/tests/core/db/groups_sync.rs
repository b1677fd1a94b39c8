//! Group sync: the simulator's demo scenario (three team phones, 25 groups,
//! privacy-id members) recorded through `apply_snapshot`, then changed.

use std::collections::{BTreeMap, BTreeSet};

use flock_core::entities::{account_group, contact, contact_tag, group, group_member, tag};
use flock_core::groups::{apply_snapshot, apply_snapshot_with_progress, AccountGroupsSnapshot, GroupSnapshot, ParticipantSnapshot};
use flock_core::repo::tags::{self, BulkEdit, BulkTarget, FieldValue, NewTagRule, OrgField};
use flock_core::repo::{accounts, contacts as contacts_repo};
use flock_testkit::TestDb;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};

/// `"+919800000001"` → `"919800000001@c.us"`; `"lid:123"` → `"123@lid"`.
fn wid(p: &str) -> String {
    match p.strip_prefix("lid:") {
        Some(id) => format!("{id}@lid"),
        None => format!("{}@c.us", p.trim_start_matches('+')),
    }
}

fn group_wa_id(i: usize) -> String {
    format!("1203630000000000{i:02}@g.us")
}

/// The demo world as the bridge would report it, one snapshot per team phone
/// (keyed by phone), with the participants as the simulator lists them
/// (scenario participants, then the team phones that are members).
struct Demo {
    phones: Vec<String>,
    by_phone: BTreeMap<String, Vec<GroupSnapshot>>,
    /// Group index → which team phones are in it.
    members_of: Vec<Vec<String>>,
}

fn demo() -> Demo {
    let scenario = flock_sim::demo_scenario();
    let phones: Vec<String> = scenario.phones.iter().map(|p| p.phone.clone()).collect();
    let mut by_phone: BTreeMap<String, Vec<GroupSnapshot>> = BTreeMap::new();
    let mut members_of = Vec::new();
    for (i, g) in scenario.groups.iter().enumerate() {
        let mut participants: Vec<ParticipantSnapshot> = Vec::new();
        for p in g.participants.iter().chain(g.members_of.iter()) {
            let w = wid(p);
            if participants.iter().any(|x| x.wid == w) {
                continue;
            }
            let admin = g.admins.contains(p);
            participants.push(ParticipantSnapshot {
                wid: w,
                is_admin: admin,
                is_super_admin: admin && g.admins.first() == Some(p),
                phone_e164: None,
                name: None,
            });
        }
        let snap = GroupSnapshot {
            wa_id: group_wa_id(i),
            subject: g.subject.clone(),
            description: g.desc.clone(),
            lid_addressing: participants.iter().any(|p| p.wid.ends_with("@lid")),
            participants,
        };
        for phone in &g.members_of {
            by_phone.entry(phone.clone()).or_default().push(snap.clone());
        }
        members_of.push(g.members_of.clone());
    }
    Demo { phones, by_phone, members_of }
}

/// Three accounts, one per team phone; returns their ids in phone order.
async fn team(db: &DatabaseConnection, phones: &[String]) -> Vec<i64> {
    let mut ids = Vec::new();
    for (i, phone) in phones.iter().enumerate() {
        let a = accounts::create(db, &format!("Team {i}")).await.unwrap();
        accounts::set_identity(db, a.id, phone, &wid(phone), None).await.unwrap();
        ids.push(a.id);
    }
    ids
}

async fn count<E>(db: &DatabaseConnection) -> u64
where
    E: EntityTrait,
    E::Model: Sync,
{
    E::find().count(db).await.unwrap()
}

#[tokio::test]
async fn the_demo_world_arrives_whole_and_once() {
    let test = TestDb::new().await;
    let db = test.open().await;
    let conn = db.conn();
    let demo = demo();
    let ids = team(conn, &demo.phones).await;

    let mut progress = Vec::new();
    let mut memberships = 0;
    for (phone, account_id) in demo.phones.iter().zip(&ids) {
        let snapshot = AccountGroupsSnapshot { account_id: *account_id, groups: demo.by_phone[phone].clone() };
        let summary = apply_snapshot_with_progress(conn, &snapshot, &[], |p| progress.push(p)).await.unwrap();
        assert_eq!(summary.groups_total as usize, snapshot.groups.len());
        assert_eq!(summary.groups_added as usize, snapshot.groups.len(), "every group is new to this account");
        assert_eq!((summary.groups_left, summary.members_removed, summary.contacts_merged), (0, 0, 0));
        assert!(summary.skipped.is_empty());
        memberships += snapshot.groups.len();
        let last = progress.last().unwrap();
        assert_eq!((last.done, last.total), (snapshot.groups.len() as u32, snapshot.groups.len() as u32));
    }
    assert_eq!(progress.iter().filter(|p| p.done == 0).count(), 3, "progress starts at 0 for each account");

    // Every group once, shared ones with one membership per account.
    assert_eq!(count::<group::Entity>(conn).await, 25);
    assert_eq!(count::<account_group::Entity>(conn).await as usize, memberships);
    let shared = demo.members_of.iter().filter(|m| m.len() > 1).count();
    assert!(shared > 0);
    assert_eq!(memberships, 25 + shared);

    // Every member, exactly as listed.
    let all: Vec<&GroupSnapshot> = demo.by_phone.values().flatten().collect();
    let mut distinct_groups: BTreeMap<&str, &GroupSnapshot> = BTreeMap::new();
    for g in &all {
        distinct_groups.insert(&g.wa_id, g);
    }
    let expected_members: usize = distinct_groups.values().map(|g| g.participants.len()).sum();
    assert_eq!(count::<group_member::Entity>(conn).await as usize, expected_members);
    let wids: BTreeSet<&str> =
        distinct_groups.values().flat_map(|g| g.participants.iter().map(|p| p.wid.as_str())).collect();
    let lids: BTreeSet<&str> = wids.iter().copied().filter(|w| w.ends_with("@lid")).collect();
    assert!(!lids.is_empty());
    assert_eq!(count::<contact::Entity>(conn).await as usize, wids.len());
    for g in distinct_groups.values() {
        let row = group::Entity::find().filter(group::Column::WaId.eq(g.wa_id.as_str())).one(conn).await.unwrap().unwrap();
        assert_eq!(row.member_count as usize, g.participants.len());
        assert_eq!(row.subject, g.subject);
        assert_eq!(row.lid_addressing, g.lid_addressing);
    }

    // Privacy-id members are kept, with the phone hidden; nothing invented.
    let hidden = contact::Entity::find().filter(contact::Column::Phone.is_null()).all(conn).await.unwrap();
    assert_eq!(hidden.len(), lids.len());
    assert!(hidden.iter().all(|c| c.lid.as_deref().is_some_and(|l| lids.contains(l))));
    let with_phone = contact::Entity::find().filter(contact::Column::Phone.is_not_null()).all(conn).await.unwrap();
    assert!(with_phone.iter().all(|c| c.lid.is_none() && c.phone.as_deref().unwrap().starts_with("+91")));

    let page = contacts_repo::search(
        conn,
        &contacts_repo::ContactQuery { phone_hidden: Some(true), page_size: 10, ..Default::default() },
    )
    .await
    .unwrap();
    assert_eq!(page.total as usize, lids.len());

    // A resync of the same world changes nothing and duplicates nothing.
    for (phone, account_id) in demo.phones.iter().zip(&ids) {
        let snapshot = AccountGroupsSnapshot { account_id: *account_id, groups: demo.by_phone[phone].clone() };
        let again = apply_snapshot(conn, &snapshot, &[]).await.unwrap();
        assert_eq!(
            (again.groups_added, again.groups_changed, again.groups_left, again.members_added, again.members_removed),
            (0, 0, 0, 0, 0)
        );
        assert_eq!((again.contacts_added, again.contacts_merged), (0, 0));
    }
    assert_eq!(count::<group::Entity>(conn).await, 25);
    assert_eq!(count::<contact::Entity>(conn).await as usize, wids.len());
    assert_eq!(count::<group_member::Entity>(conn).await as usize, expected_members);
}

#[tokio::test]
async fn a_second_snapshot_records_exactly_what_changed() {
    let test = TestDb::new().await;
    let db = test.open().await;
    let conn = db.conn();
    let demo = demo();
    let ids = team(conn, &demo.phones).await;
    for (phone, account_id) in demo.phones.iter().zip(&ids) {
        let snapshot = AccountGroupsSnapshot { account_id: *account_id, groups: demo.by_phone[phone].clone() };
        apply_snapshot(conn, &snapshot, &[]).await.unwrap();
    }
    let (phone, account_id) = (&demo.phones[0], ids[0]);
    let mut groups = demo.by_phone[phone].clone();
    let alone: Vec<usize> = groups
        .iter()
        .enumerate()
        .filter(|(_, g)| {
            let i: usize = g.wa_id[16..18].parse().unwrap();
            demo.members_of[i].len() == 1
        })
        .map(|(n, _)| n)
        .collect();
    let shared_left = groups
        .iter()
        .position(|g| {
            let i: usize = g.wa_id[16..18].parse().unwrap();
            demo.members_of[i].len() > 1
        })
        .unwrap();
    let (renamed_at, left_at) = (alone[0], alone[1]);

    // Rename a group, add two members (one with a phone, one hidden) and remove one.
    let renamed = &mut groups[renamed_at];
    let renamed_id = renamed.wa_id.clone();
    renamed.subject = format!("{} 2026", renamed.subject);
    let removed = renamed.participants.remove(0);
    for w in ["919999900001@c.us", "987654321098765@lid"] {
        renamed.participants.push(ParticipantSnapshot {
            wid: w.into(),
            is_admin: false,
            is_super_admin: false,
            phone_e164: None,
            name: Some("New member".into()),
        });
    }
    // Leave one group only this account was in, and one shared with another account.
    let left_alone_id = groups[left_at].wa_id.clone();
    let left_shared_id = groups[shared_left].wa_id.clone();
    groups.retain(|g| g.wa_id != left_alone_id && g.wa_id != left_shared_id);

    let before = group_member::Entity::find().all(conn).await.unwrap();
    let summary = apply_snapshot(conn, &AccountGroupsSnapshot { account_id, groups }, &[]).await.unwrap();
    assert_eq!(summary.groups_added, 0);
    assert_eq!(summary.groups_changed, 1, "{summary:?}");
    assert_eq!(summary.groups_left, 2);
    assert_eq!(summary.groups_removed, 1, "the shared group still has an account of ours");
    assert_eq!((summary.members_added, summary.members_removed), (2, 1));
    assert_eq!((summary.contacts_added, summary.contacts_merged), (2, 0));

    let g = group::Entity::find().filter(group::Column::WaId.eq(renamed_id.as_str())).one(conn).await.unwrap().unwrap();
    assert!(g.subject.ends_with(" 2026"));
    assert!(g.removed_at.is_none());
    let members = group_member::Entity::find().filter(group_member::Column::GroupId.eq(g.id)).all(conn).await.unwrap();
    let active = members.iter().filter(|m| m.left_at.is_none()).count();
    assert_eq!(active as i32, g.member_count);
    assert_eq!(members.len() - active, 1, "the removed member is kept, marked left");
    let removed_contact = match removed.wid.strip_suffix("@lid") {
        Some(_) => contact::Entity::find().filter(contact::Column::Lid.eq(removed.wid.as_str())).one(conn).await,
        None => {
            let phone = format!("+{}", removed.wid.trim_end_matches("@c.us"));
            contact::Entity::find().filter(contact::Column::Phone.eq(phone)).one(conn).await
        }
    }
    .unwrap()
    .expect("the removed member stays a contact");
    let gone = members.iter().find(|m| m.contact_id == removed_contact.id).unwrap();
    assert!(gone.left_at.is_some());
    // Members who stayed keep when they were first seen.
    for m in members.iter().filter(|m| m.left_at.is_none()) {
        if let Some(old) = before.iter().find(|b| b.group_id == m.group_id && b.contact_id == m.contact_id) {
            assert_eq!(old.first_seen_at, m.first_seen_at);
            assert!(m.last_seen_at >= old.last_seen_at);
        }
    }
    let hidden = contact::Entity::find().filter(contact::Column::Lid.eq("987654321098765@lid")).one(conn).await.unwrap().unwrap();
    assert!(hidden.phone.is_none());
    assert_eq!(hidden.name.as_deref(), Some("New member"));

    for (wa_id, removed_expected) in [(&left_alone_id, true), (&left_shared_id, false)] {
        let g = group::Entity::find().filter(group::Column::WaId.eq(wa_id.as_str())).one(conn).await.unwrap().unwrap();
        let m = account_group::Entity::find_by_id((account_id, g.id)).one(conn).await.unwrap().unwrap();
        assert!(m.left_at.is_some());
        assert_eq!(g.removed_at.is_some(), removed_expected, "{wa_id}");
    }
    assert_eq!(count::<group::Entity>(conn).await, 25, "left groups are kept, marked");
}

fn participant(wid: &str, phone: Option<&str>, name: Option<&str>) -> ParticipantSnapshot {
    ParticipantSnapshot {
        wid: wid.into(),
        is_admin: false,
        is_super_admin: false,
        phone_e164: phone.map(str::to_string),
        name: name.map(str::to_string),
    }
}

fn one_group(wa_id: &str, subject: &str, participants: Vec<ParticipantSnapshot>) -> GroupSnapshot {
    GroupSnapshot { wa_id: wa_id.into(), subject: subject.into(), description: None, participants, lid_addressing: true }
}

#[tokio::test]
async fn a_hidden_member_is_merged_with_its_phone_when_it_shows() {
    let test = TestDb::new().await;
    let db = test.open().await;
    let conn = db.conn();
    let a = accounts::create(conn, "A").await.unwrap();
    let first = AccountGroupsSnapshot {
        account_id: a.id,
        groups: vec![
            one_group("1@g.us", "Salem Mango Growers", vec![
                participant("111111111111111@lid", None, Some("Kavya")),
                participant("222222222222222@lid", None, None),
            ]),
            one_group("2@g.us", "Erode Turmeric Growers", vec![participant("919876543210@c.us", None, None)]),
        ],
    };
    let s = apply_snapshot(conn, &first, &[]).await.unwrap();
    assert_eq!((s.contacts_added, s.contacts_merged), (3, 0));
    let hidden = contact::Entity::find().filter(contact::Column::Lid.eq("111111111111111@lid")).one(conn).await.unwrap().unwrap();
    tags::bulk_edit(conn, &BulkEdit {
        target: BulkTarget::Contacts,
        ids: vec![hidden.id],
        set: vec![],
        add_tags: vec!["mango".into()],
        remove_tags: vec![],
    })
    .await
    .unwrap();

    // Later the phones show: the first is a known contact, the second is not.
    let second = AccountGroupsSnapshot {
        account_id: a.id,
        groups: vec![
            one_group("1@g.us", "Salem Mango Growers", vec![
                participant("111111111111111@lid", Some("+919876543210"), Some("Kavya")),
                participant("222222222222222@lid", Some("+919812345678"), None),
            ]),
            one_group("2@g.us", "Erode Turmeric Growers", vec![participant("919876543210@c.us", None, None)]),
        ],
    };
    let s = apply_snapshot(conn, &second, &[]).await.unwrap();
    assert_eq!((s.contacts_added, s.contacts_merged), (0, 2), "{s:?}");
    assert_eq!((s.members_added, s.members_removed), (0, 0));
    assert_eq!(count::<contact::Entity>(conn).await, 2, "one contact per person");

    let kavya = contact::Entity::find().filter(contact::Column::Phone.eq("+919876543210")).one(conn).await.unwrap().unwrap();
    assert_eq!(kavya.lid.as_deref(), Some("111111111111111@lid"));
    assert_eq!(kavya.name.as_deref(), Some("Kavya"));
    let in_groups = group_member::Entity::find().filter(group_member::Column::ContactId.eq(kavya.id)).count(conn).await.unwrap();
    assert_eq!(in_groups, 2, "found in both groups");
    let tagged = contact_tag::Entity::find().filter(contact_tag::Column::ContactId.eq(kavya.id)).count(conn).await.unwrap();
    assert_eq!(tagged, 1, "the tag moved with the merge");
    let other = contact::Entity::find().filter(contact::Column::Lid.eq("222222222222222@lid")).one(conn).await.unwrap().unwrap();
    assert_eq!(other.phone.as_deref(), Some("+919812345678"));

    // Stable on resync.
    let s = apply_snapshot(conn, &second, &[]).await.unwrap();
    assert_eq!((s.contacts_added, s.contacts_merged, s.members_added), (0, 0, 0));
}

#[tokio::test]
async fn tag_rules_fill_empty_fields_of_matched_groups_and_their_members() {
    let test = TestDb::new().await;
    let db = test.open().await;
    let conn = db.conn();
    let demo = demo();
    let ids = team(conn, &demo.phones).await;
    tags::add_rule(conn, &NewTagRule {
        contains: "namakkal".into(),
        set: Some(FieldValue { field: OrgField::District, value: "Namakkal".into() }),
        tag: None,
    })
    .await
    .unwrap();
    tags::add_rule(conn, &NewTagRule { contains: "Poultry".into(), set: None, tag: Some("poultry".into()) })
        .await
        .unwrap();
    assert!(tags::add_rule(conn, &NewTagRule { contains: "x".into(), set: None, tag: None }).await.is_err());
    let rules = tags::list_rules(conn).await.unwrap();
    assert_eq!(rules.len(), 2);

    // A member whose district is already known keeps it.
    let poultry = demo.by_phone.values().flatten().find(|g| g.subject.contains("Poultry")).unwrap().clone();
    let first_phone = poultry.participants.iter().find(|p| p.wid.ends_with("@c.us")).unwrap();
    let known_phone = format!("+{}", first_phone.wid.trim_end_matches("@c.us"));
    let (known, _) = contacts_repo::upsert(conn, contacts_repo::ContactKey::Phone(&known_phone), Some("Known")).await.unwrap();
    tags::bulk_edit(conn, &BulkEdit {
        target: BulkTarget::Contacts,
        ids: vec![known.id],
        set: vec![tags::FieldChange { field: OrgField::District, value: Some("Salem".into()) }],
        add_tags: vec![],
        remove_tags: vec![],
    })
    .await
    .unwrap();

    for (phone, account_id) in demo.phones.iter().zip(&ids) {
        let snapshot = AccountGroupsSnapshot { account_id: *account_id, groups: demo.by_phone[phone].clone() };
        apply_snapshot(conn, &snapshot, &rules).await.unwrap();
    }
    let namakkal = group::Entity::find().filter(group::Column::District.eq("Namakkal")).all(conn).await.unwrap();
    assert_eq!(namakkal.len(), 2);
    assert!(namakkal.iter().all(|g| g.subject.starts_with("Namakkal")));
    let expected: BTreeSet<String> = demo
        .by_phone
        .values()
        .flatten()
        .filter(|g| g.subject.starts_with("Namakkal"))
        .flat_map(|g| g.participants.iter().map(|p| p.wid.clone()))
        .collect();
    let in_namakkal = contact::Entity::find().filter(contact::Column::District.eq("Namakkal")).count(conn).await.unwrap();
    assert_eq!(in_namakkal as usize, expected.len() - usize::from(expected.contains(&first_phone.wid)));
    let known = contact::Entity::find_by_id(known.id).one(conn).await.unwrap().unwrap();
    assert_eq!(known.district.as_deref(), Some("Salem"), "a filled field is not overwritten");

    let tag = tag::Entity::find().filter(tag::Column::Name.eq("poultry")).one(conn).await.unwrap().unwrap();
    let tagged = contact_tag::Entity::find().filter(contact_tag::Column::TagId.eq(tag.id)).count(conn).await.unwrap();
    assert_eq!(tagged as usize, poultry.participants.len());
    let page = contacts_repo::search(
        conn,
        &contacts_repo::ContactQuery { tag: Some("poultry".into()), page_size: 1000, ..Default::default() },
    )
    .await
    .unwrap();
    assert_eq!(page.total as usize, poultry.participants.len());
}

#[tokio::test]
async fn a_group_sync_records_where_members_were_found_not_consent() {
    let test = TestDb::new().await;
    let db = test.open().await;
    let conn = db.conn();
    let a = accounts::create(conn, "A").await.unwrap();
    let snapshot = AccountGroupsSnapshot {
        account_id: a.id,
        groups: vec![one_group("1@g.us", "Salem Mango Growers", vec![
            participant("919876543210@c.us", None, Some("Arun")),
            participant("111111111111111@lid", None, None),
        ])],
    };
    apply_snapshot(conn, &snapshot, &[]).await.unwrap();
    let rows = contacts_repo::search(conn, &contacts_repo::ContactQuery::default()).await.unwrap().items;
    assert_eq!(rows.len(), 2);
    for row in &rows {
        assert_eq!(row.consent_source, None, "being in a group is not consent: {row:?}");
    }
}
