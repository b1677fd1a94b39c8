//! WhatsApp groups and which of our accounts are in them. A group shared by
//! two accounts is one row here with two memberships.

use sea_orm::{
    sea_query::OnConflict, ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait,
    EntityTrait, QueryFilter, QueryOrder,
};

use super::{now, RepoError};
use crate::entities::{account_group, group};

/// What WhatsApp tells us about a group.
#[derive(Debug, Clone)]
pub struct GroupFacts<'a> {
    pub wa_id: &'a str,
    pub subject: &'a str,
    pub description: Option<&'a str>,
    pub member_count: i32,
}

/// Creates or refreshes the group; returns it and whether it is new.
pub async fn upsert(
    db: &impl ConnectionTrait,
    facts: &GroupFacts<'_>,
) -> Result<(group::Model, bool), RepoError> {
    let at = now();
    if let Some(found) =
        group::Entity::find().filter(group::Column::WaId.eq(facts.wa_id)).one(db).await?
    {
        let mut row: group::ActiveModel = found.into();
        row.subject = Set(facts.subject.to_string());
        row.description = Set(facts.description.map(str::to_string));
        row.member_count = Set(facts.member_count);
        row.removed_at = Set(None);
        row.last_synced_at = Set(Some(at));
        row.updated_at = Set(at);
        return Ok((row.update(db).await?, false));
    }
    let row = group::ActiveModel {
        wa_id: Set(facts.wa_id.to_string()),
        subject: Set(facts.subject.to_string()),
        description: Set(facts.description.map(str::to_string)),
        member_count: Set(facts.member_count),
        lid_addressing: Set(false),
        last_synced_at: Set(Some(at)),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok((row, true))
}

/// Records that `account_id` is (still) in `group_id`.
pub async fn add_membership(
    db: &impl ConnectionTrait,
    account_id: i64,
    group_id: i64,
    is_admin: bool,
) -> Result<(), RepoError> {
    record_membership(db, account_id, group_id, is_admin, now()).await
}

/// The same, seen at `at` (a sync stamps every row with one time): first seen
/// on insert; admin flag, last seen and "not left" refreshed on every call.
pub async fn record_membership(
    db: &impl ConnectionTrait,
    account_id: i64,
    group_id: i64,
    is_admin: bool,
    at: crate::entities::Timestamp,
) -> Result<(), RepoError> {
    account_group::Entity::insert(account_group::ActiveModel {
        account_id: Set(account_id),
        group_id: Set(group_id),
        is_admin: Set(is_admin),
        first_seen_at: Set(at),
        last_seen_at: Set(at),
        left_at: Set(None),
    })
    .on_conflict(
        OnConflict::columns([account_group::Column::AccountId, account_group::Column::GroupId])
            .update_columns([
                account_group::Column::IsAdmin,
                account_group::Column::LastSeenAt,
                account_group::Column::LeftAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<group::Model>, RepoError> {
    Ok(group::Entity::find().order_by_asc(group::Column::Subject).all(db).await?)
}

/// The accounts that may send to a group: its members among ours.
pub async fn member_accounts(
    db: &impl ConnectionTrait,
    group_id: i64,
) -> Result<Vec<i64>, RepoError> {
    Ok(account_group::Entity::find()
        .filter(account_group::Column::GroupId.eq(group_id))
        .filter(account_group::Column::LeftAt.is_null())
        .order_by_asc(account_group::Column::AccountId)
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.account_id)
        .collect())
}

/// One of our accounts in a group, as the Groups page shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct GroupAccount {
    pub account_id: i64,
    pub name: String,
    pub phone: Option<String>,
    pub is_admin: bool,
}

/// One row of the Groups page.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct GroupRow {
    pub id: i64,
    pub wa_id: String,
    pub subject: String,
    pub description: Option<String>,
    /// Participants at the last sync.
    pub member_count: i32,
    pub region: Option<String>,
    pub state: Option<String>,
    pub district: Option<String>,
    pub lid_addressing: bool,
    /// No account of ours is in it any more.
    pub removed: bool,
    pub last_synced_at: Option<crate::entities::Timestamp>,
    /// Our accounts currently in the group.
    pub accounts: Vec<GroupAccount>,
    /// Tag names, sorted.
    pub tags: Vec<String>,
}

/// Every group with the accounts in it and its tags, by subject.
pub async fn overview(db: &impl ConnectionTrait) -> Result<Vec<GroupRow>, RepoError> {
    use std::collections::HashMap;

    use crate::entities::{account, group_tag, tag};
    let groups = list(db).await?;
    let accounts: HashMap<i64, account::Model> =
        account::Entity::find().all(db).await?.into_iter().map(|a| (a.id, a)).collect();
    let mut members: HashMap<i64, Vec<GroupAccount>> = HashMap::new();
    for m in account_group::Entity::find()
        .filter(account_group::Column::LeftAt.is_null())
        .order_by_asc(account_group::Column::AccountId)
        .all(db)
        .await?
    {
        if let Some(a) = accounts.get(&m.account_id) {
            members.entry(m.group_id).or_default().push(GroupAccount {
                account_id: a.id,
                name: a.name.clone(),
                phone: a.phone.clone(),
                is_admin: m.is_admin,
            });
        }
    }
    let tag_names: HashMap<i64, String> = tag::Entity::find().all(db).await?.into_iter().map(|t| (t.id, t.name)).collect();
    let mut tags: HashMap<i64, Vec<String>> = HashMap::new();
    for link in group_tag::Entity::find().all(db).await? {
        if let Some(name) = tag_names.get(&link.tag_id) {
            tags.entry(link.group_id).or_default().push(name.clone());
        }
    }
    Ok(groups
        .into_iter()
        .map(|g| {
            let mut t = tags.remove(&g.id).unwrap_or_default();
            t.sort();
            GroupRow {
                accounts: members.remove(&g.id).unwrap_or_default(),
                tags: t,
                id: g.id,
                wa_id: g.wa_id,
                subject: g.subject,
                description: g.description,
                member_count: g.member_count,
                region: g.region,
                state: g.state,
                district: g.district,
                lid_addressing: g.lid_addressing,
                removed: g.removed_at.is_some(),
                last_synced_at: g.last_synced_at,
            }
        })
        .collect())
}
