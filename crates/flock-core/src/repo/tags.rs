//! Organising: region, state, district, segment and free tags on groups and
//! contacts; bulk edits of a selection; tag rules that a sync applies.

use std::collections::HashMap;

use sea_orm::{
    sea_query::Expr,
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait,
    QueryFilter, QueryOrder, Statement,
};
use serde::{Deserialize, Serialize};

use super::{now, RepoError};
use crate::db::bulk::json_param;
use crate::entities::{contact, contact_tag, group, group_tag, tag, tag_rule};
use crate::error::{ErrorKind, ErrorReport};

/// Bind parameters per statement stay far below PostgreSQL's 65,535 and
/// SQLite's 32,766.
pub(crate) const ID_CHUNK: usize = 5_000;

#[derive(Debug, thiserror::Error)]
pub enum TagsError {
    #[error("{message}")]
    Invalid { message: String, fix: String },
    #[error(transparent)]
    Repo(#[from] RepoError),
}

impl From<sea_orm::DbErr> for TagsError {
    fn from(e: sea_orm::DbErr) -> Self {
        TagsError::Repo(RepoError::Db(e))
    }
}

impl TagsError {
    pub fn report(&self) -> ErrorReport {
        match self {
            TagsError::Invalid { message, fix } => ErrorReport {
                kind: ErrorKind::InvalidInput,
                message: message.clone(),
                fix: Some(fix.clone()),
            },
            TagsError::Repo(e) => e.report(),
        }
    }
}

/// A field that organises contacts (all four) and groups (all but segment).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum OrgField {
    Region,
    State,
    District,
    Segment,
}

impl OrgField {
    pub fn as_str(self) -> &'static str {
        match self {
            OrgField::Region => "region",
            OrgField::State => "state",
            OrgField::District => "district",
            OrgField::Segment => "segment",
        }
    }

    pub fn parse(name: &str) -> Result<Self, TagsError> {
        match name.trim().to_ascii_lowercase().as_str() {
            "region" => Ok(OrgField::Region),
            "state" => Ok(OrgField::State),
            "district" => Ok(OrgField::District),
            "segment" => Ok(OrgField::Segment),
            other => Err(TagsError::Invalid {
                message: format!("\"{other}\" is not a field Flock organises by"),
                fix: "Use region, state, district or segment".into(),
            }),
        }
    }

    pub(crate) fn contact_column(self) -> contact::Column {
        match self {
            OrgField::Region => contact::Column::Region,
            OrgField::State => contact::Column::State,
            OrgField::District => contact::Column::District,
            OrgField::Segment => contact::Column::Segment,
        }
    }

    /// Groups have no segment.
    pub(crate) fn group_column(self) -> Option<group::Column> {
        match self {
            OrgField::Region => Some(group::Column::Region),
            OrgField::State => Some(group::Column::State),
            OrgField::District => Some(group::Column::District),
            OrgField::Segment => None,
        }
    }
}

/// "Set this field to this value".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct FieldValue {
    pub field: OrgField,
    pub value: String,
}

/// A rule a sync applies: a group whose subject contains `contains`
/// (case-insensitive) gets `set` where that field is still empty, and `tag`;
/// so do the members of that group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TagRule {
    pub id: i64,
    pub contains: String,
    pub set: Option<FieldValue>,
    pub tag: Option<String>,
    pub enabled: bool,
}

impl TagRule {
    pub fn matches(&self, subject: &str) -> bool {
        self.enabled
            && !self.contains.trim().is_empty()
            && subject.to_lowercase().contains(&self.contains.trim().to_lowercase())
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct NewTagRule {
    pub contains: String,
    pub set: Option<FieldValue>,
    pub tag: Option<String>,
}

fn rule_from_row(row: tag_rule::Model) -> TagRule {
    let set = match (row.set_field.as_deref().map(OrgField::parse), row.set_value) {
        (Some(Ok(field)), Some(value)) => Some(FieldValue { field, value }),
        _ => None,
    };
    TagRule { id: row.id, contains: row.contains, set, tag: row.tag, enabled: row.enabled }
}

pub async fn add_rule(db: &impl ConnectionTrait, rule: &NewTagRule) -> Result<TagRule, TagsError> {
    let contains = rule.contains.trim();
    if contains.is_empty() {
        return Err(TagsError::Invalid {
            message: "a tag rule needs the text a group subject contains".into(),
            fix: "Give the text to match, e.g. --contains Namakkal".into(),
        });
    }
    let tag = rule.tag.as_deref().map(str::trim).filter(|t| !t.is_empty());
    let set = rule.set.as_ref().filter(|s| !s.value.trim().is_empty());
    if tag.is_none() && set.is_none() {
        return Err(TagsError::Invalid {
            message: "a tag rule must set a field or add a tag".into(),
            fix: "Add --set district=Namakkal or --tag poultry".into(),
        });
    }
    let row = tag_rule::ActiveModel {
        contains: Set(contains.to_string()),
        set_field: Set(set.map(|s| s.field.as_str().to_string())),
        set_value: Set(set.map(|s| s.value.trim().to_string())),
        tag: Set(tag.map(str::to_string)),
        enabled: Set(true),
        created_at: Set(now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(rule_from_row(row))
}

pub async fn list_rules(db: &impl ConnectionTrait) -> Result<Vec<TagRule>, TagsError> {
    Ok(tag_rule::Entity::find()
        .order_by_asc(tag_rule::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(rule_from_row)
        .collect())
}

pub async fn delete_rule(db: &impl ConnectionTrait, id: i64) -> Result<(), TagsError> {
    let res = tag_rule::Entity::delete_by_id(id).exec(db).await?;
    if res.rows_affected == 0 {
        return Err(RepoError::NotFound { what: "tag rule", id }.into());
    }
    Ok(())
}

/// Tag ids by name, creating the missing tags. Names are trimmed; empty ones skipped.
pub async fn ensure_tags(
    db: &impl ConnectionTrait,
    names: &[String],
) -> Result<HashMap<String, i64>, RepoError> {
    let mut wanted: Vec<String> =
        names.iter().map(|n| n.trim().to_string()).filter(|n| !n.is_empty()).collect();
    wanted.sort();
    wanted.dedup();
    let mut out = HashMap::new();
    if wanted.is_empty() {
        return Ok(out);
    }
    for chunk in wanted.chunks(ID_CHUNK) {
        let at = now();
        tag::Entity::insert_many(chunk.iter().map(|name| tag::ActiveModel {
            name: Set(name.clone()),
            color: Set(None),
            created_at: Set(at),
            ..Default::default()
        }))
        .on_conflict_do_nothing_on([tag::Column::Name])
        .exec_without_returning(db)
        .await?;
        for row in tag::Entity::find().filter(tag::Column::Name.is_in(chunk.iter().cloned())).all(db).await? {
            out.insert(row.name, row.id);
        }
    }
    Ok(out)
}

pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<tag::Model>, RepoError> {
    Ok(tag::Entity::find().order_by_asc(tag::Column::Name).all(db).await?)
}

/// Rows an `INSERT … ON CONFLICT DO NOTHING` added.
pub(crate) fn inserted(result: sea_orm::TryInsertResult<u64>) -> u64 {
    match result {
        sea_orm::TryInsertResult::Inserted(n) => n,
        _ => 0,
    }
}

/// Links contacts to tags (`(contact_id, tag_id)`); existing links are left
/// alone. Returns the links added. The pairs travel as one JSON array per
/// statement (`[[contact, tag], …]`, unpacked by the database), like the
/// outbox insert: an import links tens of thousands of contacts, and a bind
/// parameter per id cost more than the insert.
pub(crate) async fn link_contacts(db: &impl ConnectionTrait, pairs: &[(i64, i64)]) -> Result<u64, RepoError> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "INSERT INTO contact_tags (contact_id, tag_id) \
             SELECT (p->>0)::bigint, (p->>1)::bigint FROM json_array_elements($1::json) AS p \
             ON CONFLICT (contact_id, tag_id) DO NOTHING"
        }
        _ => {
            "INSERT INTO contact_tags (contact_id, tag_id) \
             SELECT p.value ->> 0, p.value ->> 1 FROM jsonb_each(?1) AS p WHERE true \
             ON CONFLICT (contact_id, tag_id) DO NOTHING"
        }
    };
    let mut n = 0;
    for chunk in pairs.chunks(LINK_ROWS) {
        n += db.execute_raw(Statement::from_sql_and_values(backend, sql, [json_param(chunk)?])).await?.rows_affected();
    }
    Ok(n)
}

/// Pairs per link insert (about 250 kB of JSON).
const LINK_ROWS: usize = 20_000;

/// Links groups to tags (`(group_id, tag_id)`). Returns the links added.
pub(crate) async fn link_groups(db: &impl ConnectionTrait, pairs: &[(i64, i64)]) -> Result<u64, RepoError> {
    let mut n = 0;
    for chunk in pairs.chunks(ID_CHUNK) {
        n += inserted(
            group_tag::Entity::insert_many(chunk.iter().map(|(group_id, tag_id)| group_tag::ActiveModel {
                group_id: Set(*group_id),
                tag_id: Set(*tag_id),
            }))
            .on_conflict_do_nothing_on([group_tag::Column::GroupId, group_tag::Column::TagId])
            .exec_without_returning(db)
            .await?,
        );
    }
    Ok(n)
}

/// Sets `field` to `value` on the given contacts where it is still empty.
pub(crate) async fn fill_contacts(
    db: &impl ConnectionTrait,
    ids: &[i64],
    field: OrgField,
    value: &str,
) -> Result<u64, RepoError> {
    let col = field.contact_column();
    let mut n = 0;
    for chunk in ids.chunks(ID_CHUNK) {
        n += contact::Entity::update_many()
            .col_expr(col, Expr::value(value))
            .filter(contact::Column::Id.is_in(chunk.iter().copied()))
            .filter(col.is_null())
            .exec(db)
            .await?
            .rows_affected;
    }
    Ok(n)
}

/// Which rows a bulk edit changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum BulkTarget {
    Contacts,
    Groups,
}

/// A field to set (`value: null` clears it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct FieldChange {
    pub field: OrgField,
    pub value: Option<String>,
}

/// Bulk edit of a selection: set fields, add and remove tags on N ids.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct BulkEdit {
    pub target: BulkTarget,
    pub ids: Vec<i64>,
    #[serde(default)]
    pub set: Vec<FieldChange>,
    #[serde(default)]
    pub add_tags: Vec<String>,
    #[serde(default)]
    pub remove_tags: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct BulkEditResult {
    /// Rows whose fields were set.
    pub updated: u64,
    /// Tag links added (pairs that already existed are not counted).
    pub tagged: u64,
    pub untagged: u64,
}

pub async fn bulk_edit(db: &DatabaseConnection, edit: &BulkEdit) -> Result<BulkEditResult, TagsError> {
    if edit.target == BulkTarget::Groups && edit.set.iter().any(|c| c.field == OrgField::Segment) {
        return Err(TagsError::Invalid {
            message: "groups have no segment".into(),
            fix: "Set region, state or district on groups; segment is for contacts".into(),
        });
    }
    let mut ids = edit.ids.clone();
    ids.sort_unstable();
    ids.dedup();
    let mut result = BulkEditResult::default();
    let txn = crate::db::begin_write(db).await?;
    let at = now();
    for chunk in ids.chunks(ID_CHUNK) {
        if !edit.set.is_empty() {
            result.updated += match edit.target {
                BulkTarget::Contacts => {
                    let mut q = contact::Entity::update_many().col_expr(contact::Column::UpdatedAt, Expr::value(at));
                    for change in &edit.set {
                        q = q.col_expr(change.field.contact_column(), Expr::value(clean(&change.value)));
                    }
                    q.filter(contact::Column::Id.is_in(chunk.iter().copied())).exec(&txn).await?.rows_affected
                }
                BulkTarget::Groups => {
                    let mut q = group::Entity::update_many().col_expr(group::Column::UpdatedAt, Expr::value(at));
                    for change in &edit.set {
                        if let Some(col) = change.field.group_column() {
                            q = q.col_expr(col, Expr::value(clean(&change.value)));
                        }
                    }
                    q.filter(group::Column::Id.is_in(chunk.iter().copied())).exec(&txn).await?.rows_affected
                }
            };
        }
    }
    let add = ensure_tags(&txn, &edit.add_tags).await?;
    for tag_id in add.values() {
        let pairs: Vec<(i64, i64)> = ids.iter().map(|id| (*id, *tag_id)).collect();
        result.tagged += match edit.target {
            BulkTarget::Contacts => link_contacts(&txn, &pairs).await?,
            BulkTarget::Groups => link_groups(&txn, &pairs).await?,
        };
    }
    let names: Vec<String> =
        edit.remove_tags.iter().map(|n| n.trim().to_string()).filter(|n| !n.is_empty()).collect();
    if !names.is_empty() {
        let remove: Vec<i64> = tag::Entity::find()
            .filter(tag::Column::Name.is_in(names))
            .all(&txn)
            .await?
            .into_iter()
            .map(|t| t.id)
            .collect();
        for chunk in ids.chunks(ID_CHUNK) {
            result.untagged += match edit.target {
                BulkTarget::Contacts => {
                    contact_tag::Entity::delete_many()
                        .filter(contact_tag::Column::TagId.is_in(remove.clone()))
                        .filter(contact_tag::Column::ContactId.is_in(chunk.iter().copied()))
                        .exec(&txn)
                        .await?
                        .rows_affected
                }
                BulkTarget::Groups => {
                    group_tag::Entity::delete_many()
                        .filter(group_tag::Column::TagId.is_in(remove.clone()))
                        .filter(group_tag::Column::GroupId.is_in(chunk.iter().copied()))
                        .exec(&txn)
                        .await?
                        .rows_affected
                }
            };
        }
    }
    txn.commit().await?;
    Ok(result)
}

fn clean(value: &Option<String>) -> Option<String> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_string)
}
