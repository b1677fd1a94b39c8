//! Recording one account's snapshot of its groups, incrementally and in
//! batches: one transaction per group, a handful of statements per group
//! whatever its size.

use std::collections::{HashMap, HashSet};

use sea_orm::{
    sea_query::{Expr, OnConflict},
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter,
};
use serde::Serialize;

use super::merge::{link_person, merge_hidden_into};
use super::snapshot::{AccountGroupsSnapshot, GroupSnapshot, MemberId};
use super::SyncError;
use crate::entities::{account, account_group, contact, group, group_member, Timestamp};
use flock_wa::WaId;
use crate::repo::tags::{ensure_tags, OrgField, fill_contacts, inserted, link_contacts, link_groups, TagRule, ID_CHUNK};
use crate::repo::contacts::{add_source, ContactSource};
use crate::repo::suppressions::{refresh_models, suppressed_keys};
use crate::repo::RepoError;

/// Contacts per `INSERT`: 11 columns each, well under every bind limit.
const CONTACT_CHUNK: usize = 1_000;

/// What one sync changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SyncSummary {
    pub account_id: i64,
    /// Groups in the snapshot.
    pub groups_total: u32,
    /// Groups this account is newly in (new to Flock, or new to this account).
    pub groups_added: u32,
    /// Known groups whose subject, description or member count changed.
    pub groups_changed: u32,
    /// Groups this account is no longer in.
    pub groups_left: u32,
    /// Of those, groups no account of ours is in any more.
    pub groups_removed: u32,
    pub members_added: u32,
    pub members_removed: u32,
    pub contacts_added: u32,
    /// Hidden-phone contacts that got their phone (joined with an existing
    /// contact of that phone, or given the phone).
    pub contacts_merged: u32,
    /// Participants whose id could not be read: reported, not dropped silently.
    pub skipped: Vec<SkippedParticipant>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SkippedParticipant {
    pub group_wa_id: String,
    pub wid: String,
    pub reason: String,
}

/// Live progress: `done` of `total` groups recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SyncProgress {
    pub account_id: i64,
    pub done: u32,
    pub total: u32,
}

/// Records a snapshot; see [`apply_snapshot_with_progress`].
pub async fn apply_snapshot(
    db: &DatabaseConnection,
    snapshot: &AccountGroupsSnapshot,
    rules: &[TagRule],
) -> Result<SyncSummary, SyncError> {
    apply_snapshot_with_progress(db, snapshot, rules, |_| {}).await
}

/// Records what one account sees of its groups: new, changed and left groups,
/// joined and left members, members as contacts (E.164, or privacy id with
/// the phone hidden, merged once the phone shows), and applies the tag rules
/// to matched groups and their members where a field is still empty.
/// Running it again with the same snapshot changes nothing.
pub async fn apply_snapshot_with_progress(
    db: &DatabaseConnection,
    snapshot: &AccountGroupsSnapshot,
    rules: &[TagRule],
    mut progress: impl FnMut(SyncProgress),
) -> Result<SyncSummary, SyncError> {
    let account_id = snapshot.account_id;
    let account = account::Entity::find_by_id(account_id)
        .one(db)
        .await?
        .ok_or(SyncError::AccountNotFound(account_id))?;
    // The account's own WhatsApp id (flock-wa spells it), to leave itself out of the members.
    let own_wid = account.phone.as_deref().and_then(|p| WaId::from_e164(p).ok()).map(|w| w.to_string());

    // One entry per group id; a group listed twice keeps its last listing.
    let mut order: Vec<&str> = Vec::new();
    let mut by_id: HashMap<&str, &GroupSnapshot> = HashMap::new();
    for g in &snapshot.groups {
        let id = g.wa_id.trim();
        if !id.ends_with("@g.us") || id.len() <= "@g.us".len() {
            return Err(SyncError::InvalidGroupId(g.wa_id.clone()));
        }
        if by_id.insert(id, g).is_none() {
            order.push(id);
        }
    }
    let total = order.len() as u32;
    let mut summary = SyncSummary { account_id, groups_total: total, ..Default::default() };
    let rule_tags: Vec<String> = rules.iter().filter_map(|r| r.tag.clone()).collect();
    let tag_ids = ensure_tags(db, &rule_tags).await?;
    progress(SyncProgress { account_id, done: 0, total });

    for (i, id) in order.iter().enumerate() {
        let at = crate::repo::now();
        let txn = crate::db::begin_write(db).await?;
        apply_group(&txn, account_id, own_wid.as_deref(), by_id[id], rules, &tag_ids, at, &mut summary).await?;
        txn.commit().await?;
        progress(SyncProgress { account_id, done: i as u32 + 1, total });
    }

    let at = crate::repo::now();
    let txn = crate::db::begin_write(db).await?;
    leave_missing_groups(&txn, account_id, &order.iter().copied().collect(), at, &mut summary).await?;
    txn.commit().await?;
    // Members joining touch their contact rows too (new, or a source added).
    let written = (summary.members_added + summary.members_removed + summary.contacts_added) as usize;
    if written >= crate::db::bulk::TIDY_AFTER {
        crate::db::bulk::tidy(db, &["contacts", "group_members"]).await?;
    }
    Ok(summary)
}

#[allow(clippy::too_many_arguments)]
async fn apply_group(
    db: &impl ConnectionTrait,
    account_id: i64,
    own_wid: Option<&str>,
    snap: &GroupSnapshot,
    rules: &[TagRule],
    tag_ids: &HashMap<String, i64>,
    at: Timestamp,
    summary: &mut SyncSummary,
) -> Result<(), SyncError> {
    let wa_id = snap.wa_id.trim();
    let member_count = snap.participants.len() as i32;
    let description = snap.description.clone().filter(|d| !d.is_empty());
    let found = group::Entity::find().filter(group::Column::WaId.eq(wa_id)).one(db).await?;
    let group = match found {
        None => {
            group::ActiveModel {
                wa_id: Set(wa_id.to_string()),
                subject: Set(snap.subject.clone()),
                description: Set(description),
                member_count: Set(member_count),
                lid_addressing: Set(snap.lid_addressing),
                last_synced_at: Set(Some(at)),
                created_at: Set(at),
                updated_at: Set(at),
                ..Default::default()
            }
            .insert(db)
            .await?
        }
        Some(g) => {
            let changed = g.subject != snap.subject || g.description != description || g.member_count != member_count;
            if changed {
                summary.groups_changed += 1;
            }
            let mut row: group::ActiveModel = g.clone().into();
            row.subject = Set(snap.subject.clone());
            row.description = Set(description);
            row.member_count = Set(member_count);
            row.lid_addressing = Set(snap.lid_addressing);
            row.last_synced_at = Set(Some(at));
            row.removed_at = Set(None);
            if changed || g.lid_addressing != snap.lid_addressing || g.removed_at.is_some() {
                row.updated_at = Set(at);
            }
            row.update(db).await?
        }
    };

    // Our account's own membership.
    let we_are_admin = own_wid.is_some_and(|own| {
        snap.participants.iter().any(|p| p.wid.trim() == own && (p.is_admin || p.is_super_admin))
    });
    let membership = account_group::Entity::find_by_id((account_id, group.id)).one(db).await?;
    if membership.as_ref().is_none_or(|m| m.left_at.is_some()) {
        summary.groups_added += 1;
    }
    crate::repo::groups::record_membership(db, account_id, group.id, we_are_admin, at).await?;

    // Members as contacts.
    let mut members: Vec<(MemberId, Option<String>, bool)> = Vec::with_capacity(snap.participants.len());
    for p in &snap.participants {
        match p.member_id() {
            Ok(id) => {
                let name = p.name.as_deref().map(str::trim).filter(|n| !n.is_empty()).map(str::to_string);
                members.push((id, name, p.is_admin || p.is_super_admin));
            }
            Err(reason) => summary.skipped.push(SkippedParticipant {
                group_wa_id: wa_id.to_string(),
                wid: p.wid.clone(),
                reason,
            }),
        }
    }
    // Where they were found; being in a group is not consent.
    let origin = format!("group:{wa_id}");
    let ids = resolve_contacts(db, &members, &origin, at, summary).await?;
    add_source(db, &ids, ContactSource::GroupSync).await?;
    let mut current: HashMap<i64, bool> = HashMap::with_capacity(ids.len());
    for (contact_id, (_, _, admin)) in ids.iter().zip(&members) {
        let e = current.entry(*contact_id).or_insert(false);
        *e |= *admin;
    }
    record_members(db, group.id, &current, at, summary).await?;

    // Tag rules: the group, then its current members, where still empty.
    let member_ids: Vec<i64> = current.keys().copied().collect();
    let (mut region, mut state, mut district) = (group.region.clone(), group.state.clone(), group.district.clone());
    for rule in rules.iter().filter(|r| r.matches(&snap.subject)) {
        if let Some(set) = &rule.set {
            let slot = match set.field {
                OrgField::Region => Some(&mut region),
                OrgField::State => Some(&mut state),
                OrgField::District => Some(&mut district),
                OrgField::Segment => None,
            };
            if let Some(slot) = slot {
                if slot.is_none() {
                    *slot = Some(set.value.trim().to_string());
                }
            }
            fill_contacts(db, &member_ids, set.field, set.value.trim()).await?;
        }
        if let Some(tag_id) = rule.tag.as_deref().map(str::trim).and_then(|t| tag_ids.get(t)) {
            link_groups(db, &[(group.id, *tag_id)]).await?;
            let pairs: Vec<(i64, i64)> = member_ids.iter().map(|c| (*c, *tag_id)).collect();
            link_contacts(db, &pairs).await?;
        }
    }
    if (&region, &state, &district) != (&group.region, &group.state, &group.district) {
        let mut row: group::ActiveModel = group.into();
        row.region = Set(region);
        row.state = Set(state);
        row.district = Set(district);
        row.updated_at = Set(at);
        row.update(db).await?;
    }
    Ok(())
}

/// Finds or creates the contact of every member, in member order.
async fn resolve_contacts(
    db: &impl ConnectionTrait,
    members: &[(MemberId, Option<String>, bool)],
    origin: &str,
    at: Timestamp,
    summary: &mut SyncSummary,
) -> Result<Vec<i64>, SyncError> {
    let mut phones: Vec<String> = Vec::new();
    let mut lids: Vec<String> = Vec::new();
    for (id, _, _) in members {
        match id {
            MemberId::Phone(p) => phones.push(p.clone()),
            MemberId::Lid { lid, phone } => {
                lids.push(lid.clone());
                phones.extend(phone.clone());
            }
        }
    }
    let mut by_phone: HashMap<String, contact::Model> = HashMap::new();
    let mut by_lid: HashMap<String, contact::Model> = HashMap::new();
    load_contacts(db, &phones, &lids, &mut by_phone, &mut by_lid).await?;

    // Privacy ids whose phone is now shown: attach or merge, one by one (rare).
    for (id, _, _) in members {
        let MemberId::Lid { lid, phone: Some(phone) } = id else { continue };
        let with_lid = by_lid.get(lid).cloned();
        let with_phone = by_phone.get(phone).cloned();
        let merged = match (with_lid, with_phone) {
            (Some(h), Some(k)) if h.id != k.id && h.phone.is_none() && k.lid.is_none() => {
                summary.contacts_merged += 1;
                Some(merge_hidden_into(db, h, k, lid, at).await?)
            }
            (Some(h), None) if h.phone.is_none() => {
                summary.contacts_merged += 1;
                let mut row: contact::ActiveModel = h.into();
                row.phone = Set(Some(phone.clone()));
                row.updated_at = Set(at);
                Some(linked(db, row.update(db).await?, phone, lid, at).await?)
            }
            (None, Some(k)) if k.lid.is_none() => {
                let mut row: contact::ActiveModel = k.into();
                row.lid = Set(Some(lid.clone()));
                row.updated_at = Set(at);
                Some(linked(db, row.update(db).await?, phone, lid, at).await?)
            }
            _ => None,
        };
        if let Some(c) = merged {
            if let Some(p) = &c.phone {
                by_phone.insert(p.clone(), c.clone());
            }
            if let Some(l) = &c.lid {
                by_lid.insert(l.clone(), c.clone());
            }
        }
    }

    // New contacts, in batches; a person on the suppression list starts opted out.
    let mut new_keys: Vec<String> = Vec::new();
    for (id, _, _) in members {
        match id {
            MemberId::Phone(p) => new_keys.push(p.clone()),
            MemberId::Lid { lid, phone } => {
                new_keys.push(lid.clone());
                new_keys.extend(phone.clone());
            }
        }
    }
    new_keys.retain(|k| !by_phone.contains_key(k) && !by_lid.contains_key(k));
    let suppressed = suppressed_keys(db, &new_keys).await?;
    let mut new_rows: Vec<contact::ActiveModel> = Vec::new();
    let (mut planned_phones, mut planned_lids) = (HashSet::new(), HashSet::new());
    let (mut new_phones, mut new_lids) = (Vec::new(), Vec::new());
    for (id, name, _) in members {
        let (phone, lid) = match id {
            MemberId::Phone(p) => (Some(p.clone()), None),
            MemberId::Lid { lid, phone } => (phone.clone(), Some(lid.clone())),
        };
        let known = phone.as_ref().is_some_and(|p| by_phone.contains_key(p) || planned_phones.contains(p))
            || lid.as_ref().is_some_and(|l| by_lid.contains_key(l) || planned_lids.contains(l));
        if known {
            continue;
        }
        planned_phones.extend(phone.clone());
        planned_lids.extend(lid.clone());
        new_phones.extend(phone.clone());
        new_lids.extend(lid.clone());
        let opted_out_at = [&phone, &lid].into_iter().flatten().filter_map(|k| suppressed.get(k)).min().copied();
        new_rows.push(contact::ActiveModel {
            phone: Set(phone),
            lid: Set(lid),
            name: Set(name.clone()),
            first_source: Set(ContactSource::GroupSync.as_str().to_string()),
            sources: Set(ContactSource::GroupSync.bit()),
            origin: Set(Some(origin.to_string())),
            opted_out_at: Set(opted_out_at),
            created_at: Set(at),
            updated_at: Set(at),
            ..Default::default()
        });
    }
    while !new_rows.is_empty() {
        let rest = new_rows.split_off(new_rows.len().min(CONTACT_CHUNK));
        let chunk = std::mem::replace(&mut new_rows, rest);
        // Another workstation may have added the same person meanwhile.
        summary.contacts_added += inserted(
            contact::Entity::insert_many(chunk)
                .on_conflict(OnConflict::new().do_nothing().to_owned())
                .try_insert()
                .exec_without_returning(db)
                .await?,
        ) as u32;
    }
    load_contacts(db, &new_phones, &new_lids, &mut by_phone, &mut by_lid).await?;

    // Names where none was known.
    let mut ids = Vec::with_capacity(members.len());
    let mut named: HashSet<i64> = HashSet::new();
    for (id, name, _) in members {
        let found = match id {
            MemberId::Phone(p) => by_phone.get(p),
            MemberId::Lid { lid, phone } => by_lid.get(lid).or_else(|| phone.as_ref().and_then(|p| by_phone.get(p))),
        };
        let Some(c) = found else {
            return Err(RepoError::Conflict {
                message: "a group member could not be stored".into(),
                fix: "Run the sync again".into(),
            }
            .into());
        };
        if let (None, Some(name)) = (&c.name, name) {
            if named.insert(c.id) {
                contact::Entity::update_many()
                    .col_expr(contact::Column::Name, Expr::value(name.clone()))
                    .col_expr(contact::Column::UpdatedAt, Expr::value(at))
                    .filter(contact::Column::Id.eq(c.id))
                    .filter(contact::Column::Name.is_null())
                    .exec(db)
                    .await?;
            }
        }
        ids.push(c.id);
    }
    Ok(ids)
}

/// A contact that now holds both keys of a person: link them (suppression,
/// outbox) and return the contact as it now is.
async fn linked(
    db: &impl ConnectionTrait,
    c: contact::Model,
    phone: &str,
    lid: &str,
    at: Timestamp,
) -> Result<contact::Model, RepoError> {
    link_person(db, phone, lid, at).await?;
    refresh_models(db, std::slice::from_ref(&c)).await?;
    Ok(contact::Entity::find_by_id(c.id).one(db).await?.unwrap_or(c))
}

async fn load_contacts(
    db: &impl ConnectionTrait,
    phones: &[String],
    lids: &[String],
    by_phone: &mut HashMap<String, contact::Model>,
    by_lid: &mut HashMap<String, contact::Model>,
) -> Result<(), RepoError> {
    let mut rows = Vec::new();
    for chunk in phones.chunks(ID_CHUNK) {
        rows.extend(contact::Entity::find().filter(contact::Column::Phone.is_in(chunk.iter().cloned())).all(db).await?);
    }
    for chunk in lids.chunks(ID_CHUNK) {
        rows.extend(contact::Entity::find().filter(contact::Column::Lid.is_in(chunk.iter().cloned())).all(db).await?);
    }
    for c in rows {
        if let Some(p) = &c.phone {
            by_phone.insert(p.clone(), c.clone());
        }
        if let Some(l) = &c.lid {
            by_lid.insert(l.clone(), c.clone());
        }
    }
    Ok(())
}

/// Members who joined, are still there, or left since the last sync.
async fn record_members(
    db: &impl ConnectionTrait,
    group_id: i64,
    current: &HashMap<i64, bool>,
    at: Timestamp,
    summary: &mut SyncSummary,
) -> Result<(), SyncError> {
    let existing: HashMap<i64, group_member::Model> = group_member::Entity::find()
        .filter(group_member::Column::GroupId.eq(group_id))
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.contact_id, m))
        .collect();
    let mut new_rows = Vec::new();
    let (mut stay, mut rejoin, mut promote, mut demote) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (contact_id, admin) in current {
        match existing.get(contact_id) {
            None => new_rows.push(group_member::ActiveModel {
                group_id: Set(group_id),
                contact_id: Set(*contact_id),
                is_admin: Set(*admin),
                first_seen_at: Set(at),
                last_seen_at: Set(at),
                left_at: Set(None),
            }),
            Some(m) => {
                if m.left_at.is_some() {
                    rejoin.push(*contact_id);
                } else {
                    stay.push(*contact_id);
                }
                if m.is_admin != *admin {
                    if *admin { promote.push(*contact_id) } else { demote.push(*contact_id) }
                }
            }
        }
    }
    let gone: Vec<i64> = existing
        .values()
        .filter(|m| m.left_at.is_none() && !current.contains_key(&m.contact_id))
        .map(|m| m.contact_id)
        .collect();
    summary.members_added += (new_rows.len() + rejoin.len()) as u32;
    summary.members_removed += gone.len() as u32;
    while !new_rows.is_empty() {
        let rest = new_rows.split_off(new_rows.len().min(CONTACT_CHUNK));
        let chunk = std::mem::replace(&mut new_rows, rest);
        group_member::Entity::insert_many(chunk)
            .on_conflict_do_nothing_on([group_member::Column::GroupId, group_member::Column::ContactId])
            .exec_without_returning(db)
            .await?;
    }
    let updates: [(&[i64], Vec<(group_member::Column, sea_orm::sea_query::SimpleExpr)>); 5] = [
        (&stay, vec![(group_member::Column::LastSeenAt, Expr::value(at))]),
        (
            &rejoin,
            vec![
                (group_member::Column::LastSeenAt, Expr::value(at)),
                (group_member::Column::LeftAt, Expr::value(Option::<Timestamp>::None)),
            ],
        ),
        (&promote, vec![(group_member::Column::IsAdmin, Expr::value(true))]),
        (&demote, vec![(group_member::Column::IsAdmin, Expr::value(false))]),
        (&gone, vec![(group_member::Column::LeftAt, Expr::value(at))]),
    ];
    for (ids, cols) in updates {
        for chunk in ids.chunks(ID_CHUNK) {
            let mut q = group_member::Entity::update_many();
            for (col, value) in &cols {
                q = q.col_expr(*col, value.clone());
            }
            q.filter(group_member::Column::GroupId.eq(group_id))
                .filter(group_member::Column::ContactId.is_in(chunk.iter().copied()))
                .exec(db)
                .await?;
        }
    }
    Ok(())
}

/// Groups this account was in but the snapshot no longer lists.
async fn leave_missing_groups(
    db: &impl ConnectionTrait,
    account_id: i64,
    seen: &HashSet<&str>,
    at: Timestamp,
    summary: &mut SyncSummary,
) -> Result<(), SyncError> {
    let active = account_group::Entity::find()
        .filter(account_group::Column::AccountId.eq(account_id))
        .filter(account_group::Column::LeftAt.is_null())
        .all(db)
        .await?;
    let mut groups: HashMap<i64, group::Model> = HashMap::new();
    let ids: Vec<i64> = active.iter().map(|m| m.group_id).collect();
    for chunk in ids.chunks(ID_CHUNK) {
        for g in group::Entity::find().filter(group::Column::Id.is_in(chunk.iter().copied())).all(db).await? {
            groups.insert(g.id, g);
        }
    }
    for membership in active {
        let Some(group) = groups.remove(&membership.group_id) else { continue };
        if seen.contains(group.wa_id.as_str()) {
            continue;
        }
        let mut row: account_group::ActiveModel = membership.into();
        row.left_at = Set(Some(at));
        row.update(db).await?;
        summary.groups_left += 1;
        let still_in = account_group::Entity::find()
            .filter(account_group::Column::GroupId.eq(group.id))
            .filter(account_group::Column::LeftAt.is_null())
            .count(db)
            .await?;
        if still_in == 0 {
            summary.groups_removed += 1;
            let mut row: group::ActiveModel = group.into();
            row.removed_at = Set(Some(at));
            row.updated_at = Set(at);
            row.update(db).await?;
        }
    }
    Ok(())
}
