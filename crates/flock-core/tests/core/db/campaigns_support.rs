//! Shared set-up for the campaign tests: a team account, two groups synced
//! from it with overlapping members (one with a hidden phone, one opted
//! out, the account itself), tagged contacts and a CSV.

use std::path::Path;

use flock_core::campaigns::{CampaignOptions, CsvInput, NewCampaign, Schedule};
use flock_core::entities::{account, message};
use flock_core::groups::{apply_snapshot, AccountGroupsSnapshot, GroupSnapshot, ParticipantSnapshot};
use flock_core::repo::accounts;
use flock_core::repo::contacts::ContactQuery;
use sea_orm::{sea_query::Expr, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};

pub const OWN: &str = "+919000000001";
pub const G1: &str = "120363000000000101@g.us";
pub const G2: &str = "120363000000000102@g.us";
/// In both groups.
pub const SHARED: &str = "+919800000001";
/// Only in G1.
pub const ONLY_G1: &str = "+919800000002";
/// Only in G2, and opted out.
pub const OPTED: &str = "+919800000003";
/// In G1 with a hidden phone.
pub const HIDDEN_LID: &str = "777000000000001@lid";

pub fn wid(phone: &str) -> String {
    format!("{}@c.us", phone.trim_start_matches('+'))
}

pub fn member(wid: &str, name: &str) -> ParticipantSnapshot {
    ParticipantSnapshot {
        wid: wid.into(),
        is_admin: false,
        is_super_admin: false,
        phone_e164: None,
        name: Some(name.into()),
    }
}

/// An active account with its own number, and the two groups synced from it.
pub async fn world(db: &DatabaseConnection) -> i64 {
    let a = accounts::create(db, "Team 1").await.unwrap();
    accounts::set_identity(db, a.id, OWN, &wid(OWN), None).await.unwrap();
    account::Entity::update_many()
        .col_expr(account::Column::State, Expr::value("active"))
        .filter(account::Column::Id.eq(a.id))
        .exec(db)
        .await
        .unwrap();
    let g1 = GroupSnapshot {
        wa_id: G1.into(),
        subject: "Salem Mango Growers".into(),
        description: None,
        participants: vec![
            member(&wid(OWN), "Team 1"),
            member(&wid(SHARED), "Dr. Priya Nair"),
            member(&wid(ONLY_G1), "K. Ramesh"),
            member(HIDDEN_LID, "Hidden Harish"),
        ],
        lid_addressing: true,
    };
    let g2 = GroupSnapshot {
        wa_id: G2.into(),
        subject: "Erode Traders".into(),
        description: None,
        participants: vec![
            member(&wid(OWN), "Team 1"),
            member(&wid(SHARED), "Dr. Priya Nair"),
            member(&wid(OPTED), "Opted Olga"),
        ],
        lid_addressing: false,
    };
    apply_snapshot(db, &AccountGroupsSnapshot { account_id: a.id, groups: vec![g1, g2] }, &[]).await.unwrap();
    a.id
}

pub fn new_campaign(name: &str, text: &str) -> NewCampaign {
    NewCampaign {
        name: name.into(),
        text: text.into(),
        media: None,
        link: None,
        groups: Vec::new(),
        filters: Vec::new(),
        contacts: Vec::new(),
        csv: None,
        default_country: "IN".into(),
        accounts: Vec::new(),
        schedule: Schedule::anytime(chrono_tz::Asia::Kolkata),
        options: CampaignOptions::default(),
    }
}

pub fn members_of(group_id: i64) -> ContactQuery {
    ContactQuery { group_id: Some(group_id), ..Default::default() }
}

pub fn tagged(tag: &str) -> ContactQuery {
    ContactQuery { tag: Some(tag.into()), ..Default::default() }
}

pub fn csv_input(path: &Path) -> CsvInput {
    CsvInput { path: path.to_path_buf(), default_country: "IN".into(), mapping: None }
}

pub async fn rows(db: &DatabaseConnection, campaign_id: i64) -> Vec<message::Model> {
    message::Entity::find()
        .filter(message::Column::CampaignId.eq(campaign_id))
        .order_by_asc(message::Column::Id)
        .all(db)
        .await
        .unwrap()
}

pub fn row<'a>(rows: &'a [message::Model], key: &str) -> &'a message::Model {
    rows.iter().find(|r| r.target_key == key).unwrap_or_else(|| panic!("no row for {key}: {rows:#?}"))
}
