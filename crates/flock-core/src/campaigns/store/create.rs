//! Creating a campaign (a draft): everything is checked before anything is
//! written (the text against the known variables and the CSV's columns,
//! the schedule, the media file, the link, accounts, groups, tags, numbers),
//! then the media is stored, listed numbers and the CSV's people become
//! contacts, and the campaign row, its accounts and its CSV variables are
//! written in one transaction that is undone when the audience has no
//! target at all.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, QuerySelect,
};
use serde::Serialize;

use super::csv::{import, read, store_vars};
use super::targets::contacts_condition;
use super::transition::note;
use crate::campaigns::lifecycle::CampaignStatus;
use crate::campaigns::media::{self, content_kind};
use crate::campaigns::model::{Audience, ContentKind, CsvSource, NewCampaign};
use crate::campaigns::template::Template;
use crate::campaigns::vars::known_variables;
use crate::campaigns::CampaignError;
use crate::contacts::{ImportRow, ImportTotals, RowOutcome};
use crate::entities::{account, account_group, campaign, campaign_account, contact, group, tag};
use crate::paths::DataPaths;
use crate::phone::PhoneNormalizer;
use crate::repo::contacts::{upsert, ContactKey};

/// What the CSV brought.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CsvImported {
    pub file_name: String,
    pub totals: ImportTotals,
    /// Distinct numbers of the file that are targets.
    pub targets: u64,
    /// The rows that were rejected, with their reasons.
    pub rejected: Vec<ImportRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Created {
    pub id: i64,
    pub kind: ContentKind,
    pub media_asset_id: Option<i64>,
    pub csv: Option<CsvImported>,
}

pub(super) fn check_link(link: &Option<String>) -> Result<Option<String>, CampaignError> {
    let Some(l) = link.as_deref().map(str::trim).filter(|l| !l.is_empty()) else { return Ok(None) };
    match url::Url::parse(l) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(Some(l.to_string())),
        _ => Err(CampaignError::BadLink(l.to_string())),
    }
}

pub(super) async fn check_accounts(db: &impl ConnectionTrait, ids: &[i64]) -> Result<(), CampaignError> {
    for &id in ids {
        if account::Entity::find_by_id(id).one(db).await?.is_none() {
            return Err(CampaignError::UnknownAccount(id));
        }
    }
    Ok(())
}

/// Each group is known, still ours, and has a member among the accounts
/// the campaign may use (the chosen ones, else any of ours).
pub(super) async fn check_groups(
    db: &impl ConnectionTrait,
    wa_ids: &[String],
    accounts: &[i64],
) -> Result<(), CampaignError> {
    for wa_id in wa_ids {
        let g = group::Entity::find()
            .filter(group::Column::WaId.eq(wa_id.as_str()))
            .one(db)
            .await?
            .filter(|g| g.removed_at.is_none())
            .ok_or_else(|| CampaignError::UnknownGroup(wa_id.clone()))?;
        let mut members = account_group::Entity::find()
            .filter(account_group::Column::GroupId.eq(g.id))
            .filter(account_group::Column::LeftAt.is_null());
        if !accounts.is_empty() {
            members = members.filter(account_group::Column::AccountId.is_in(accounts.iter().copied()));
        }
        if members.count(db).await? == 0 {
            return Err(CampaignError::GroupWithoutAccount { wa_id: g.wa_id, subject: g.subject });
        }
    }
    Ok(())
}

async fn check_tags(db: &impl ConnectionTrait, new: &NewCampaign) -> Result<(), CampaignError> {
    for name in new.filters.iter().filter_map(|f| f.tag.as_deref()).map(str::trim).filter(|t| !t.is_empty()) {
        if tag::Entity::find().filter(tag::Column::Name.eq(name)).one(db).await?.is_none() {
            let known: Vec<String> =
                tag::Entity::find().select_only().column(tag::Column::Name).into_tuple().all(db).await?;
            return Err(CampaignError::UnknownTag { name: name.to_string(), known });
        }
    }
    Ok(())
}

pub(super) fn normalise_groups(groups: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for g in groups.iter().map(|g| g.trim()).filter(|g| !g.is_empty()) {
        let id = if g.contains('@') { g.to_string() } else { format!("{g}@g.us") };
        if !out.contains(&id) {
            out.push(id);
        }
    }
    out
}

/// Checks and stores a new draft campaign (see the module doc).
pub async fn create(db: &DatabaseConnection, paths: &DataPaths, new: &NewCampaign) -> Result<Created, CampaignError> {
    let name = new.name.trim();
    if name.is_empty() {
        return Err(CampaignError::NoName);
    }
    let csv = new.csv.as_ref().map(read).transpose()?;
    let headers = csv.as_ref().map(|c| c.headers.clone()).unwrap_or_default();
    Template::compile(&new.text, &known_variables(headers.iter().map(String::as_str)))?;
    new.schedule.validate()?;
    let checked_media = new.media.as_deref().map(media::check).transpose()?;
    let link = check_link(&new.link)?;
    check_accounts(db, &new.accounts).await?;
    let groups = normalise_groups(&new.groups);
    check_groups(db, &groups, &new.accounts).await?;
    check_tags(db, new).await?;
    let normalizer = PhoneNormalizer::new(&new.default_country)
        .map_err(|source| CampaignError::BadPhone { input: new.default_country.clone(), source })?;
    let mut phones: Vec<String> = Vec::new();
    for input in new.contacts.iter().filter(|c| !c.trim().is_empty()) {
        let phone =
            normalizer.to_e164(input).map_err(|source| CampaignError::BadPhone { input: input.clone(), source })?;
        if !phones.contains(&phone) {
            phones.push(phone);
        }
    }
    let mut audience = Audience { groups, filters: new.filters.clone(), contacts: phones, csv: None };
    if audience.is_empty() && csv.is_none() {
        return Err(CampaignError::NoAudience);
    }

    // Checked: now write.
    let asset = match &checked_media {
        Some(m) => Some(media::store(db, paths, m).await?),
        None => None,
    };
    let kind = checked_media.as_ref().map_or(ContentKind::Text, |m| content_kind(m.kind));
    for phone in &audience.contacts {
        upsert(db, ContactKey::Phone(phone), None).await?;
    }
    let (imported, vars) = match &csv {
        Some(file) => {
            let (report, vars) = import(db, file).await?;
            audience.csv = Some(CsvSource {
                file_name: file.file_name.clone(),
                headers: headers.clone(),
                targets: vars.len() as u64,
            });
            let rejected = report.rows.iter().filter(|r| r.outcome == RowOutcome::Rejected).cloned().collect();
            let imported = CsvImported {
                file_name: file.file_name.clone(),
                totals: report.totals.clone(),
                targets: vars.len() as u64,
                rejected,
            };
            (Some(imported), vars)
        }
        None => (None, Vec::new()),
    };

    let now = chrono::Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let row = campaign::ActiveModel {
        name: Set(name.to_string()),
        kind: Set(kind.as_str().into()),
        body: Set(Some(new.text.clone())),
        media_asset_id: Set(asset.as_ref().map(|a| a.id)),
        link_url: Set(link),
        status: Set(CampaignStatus::Draft.as_str().into()),
        audience: Set(Some(serde_json::to_value(&audience).map_err(|e| json_error(0, e))?)),
        schedule: Set(Some(serde_json::to_value(&new.schedule).map_err(|e| json_error(0, e))?)),
        options: Set(Some(serde_json::to_value(new.options).map_err(|e| json_error(0, e))?)),
        status_reason: Set(Some("created".into())),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let mut accounts = new.accounts.clone();
    accounts.sort_unstable();
    accounts.dedup();
    if !accounts.is_empty() {
        campaign_account::Entity::insert_many(
            accounts.iter().map(|&a| campaign_account::ActiveModel { campaign_id: Set(row.id), account_id: Set(a) }),
        )
        .exec_without_returning(&txn)
        .await?;
    }
    store_vars(&txn, row.id, &vars).await?;
    let has_contacts = match contacts_condition(&audience, row.id, txn.get_database_backend()) {
        Some(cond) => contact::Entity::find().filter(cond).count(&txn).await? > 0,
        None => false,
    };
    if audience.groups.is_empty() && !has_contacts {
        txn.rollback().await?;
        return Err(CampaignError::NoTargets);
    }
    note(&txn, row.id, CampaignStatus::Draft, "create", "created").await?;
    txn.commit().await?;
    Ok(Created { id: row.id, kind, media_asset_id: asset.map(|a| a.id), csv: imported })
}

fn json_error(id: i64, e: serde_json::Error) -> CampaignError {
    CampaignError::Corrupt { id, what: "JSON", detail: e.to_string() }
}
