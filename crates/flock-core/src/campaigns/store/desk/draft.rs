//! The composer's draft. A draft is a `campaigns` row in `draft` status:
//! created with a name ([`create_draft`]), then saved at every step
//! ([`save_draft`]: the message, the audience, the accounts, the schedule,
//! each when given), reopened where it was left ([`open_draft`]), and
//! started ([`start_draft`]) after the same checks `store::create` makes.
//!
//! A step is saved only when what it holds is valid for a draft (a link
//! that is a web address, known groups and tags, numbers that parse, a
//! readable media file within WhatsApp's limits, a schedule with days);
//! the text is saved as typed, and its problems (with line and column)
//! come back with the draft, so a half-written message is never lost.
//! Whether the groups have a member among the chosen accounts is checked
//! at the start, when both steps are known.

use std::path::PathBuf;

use chrono::{NaiveDateTime, Utc};
use chrono_tz::Tz;
use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait,
    DatabaseConnection, EntityTrait, QueryFilter, QuerySelect,
};
use serde::{Deserialize, Serialize};

use super::super::create::{check_accounts, check_groups, check_link, normalise_groups};
use super::super::csv::{import, read, store_vars};
use super::super::materialise::{start, StartReport};
use super::super::show::{show, CampaignView};
use super::super::transition::note;
use super::super::{load, CsvImported, Loaded};
use super::media_info::{asset_info, MediaInfo};
use crate::campaigns::lifecycle::{CampaignStatus, LifecycleError};
use crate::campaigns::media::{self, content_kind};
use crate::campaigns::model::{Audience, CampaignOptions, ContentKind, CsvInput, CsvSource};
use crate::campaigns::schedule::{local_to_utc, parse_time_zone, Day, QuietHours, Schedule};
use crate::campaigns::template::{Template, TemplateProblem, TemplateShape, MAX_MESSAGE_CHARS};
use crate::campaigns::vars::known_variables;
use crate::campaigns::CampaignError;
use crate::contacts::RowOutcome;
use crate::entities::{campaign, campaign_account, campaign_variable, media_asset, tag};
use crate::paths::DataPaths;
use crate::phone::PhoneNormalizer;
use crate::repo::contacts::{upsert, ContactKey, ContactQuery};

/// The attachment of a saved message step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MediaChoice {
    /// No file: a text (or link) message.
    None,
    /// The file the draft already has.
    Keep,
    /// This file (checked, then stored once by its SHA-256).
    File { path: PathBuf },
}

/// The CSV of a saved audience step.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CsvChoice {
    /// The CSV the draft already has (or none).
    Keep,
    None,
    /// This file: its people are imported as contacts and its columns
    /// become variables of their rows (replacing an earlier CSV's).
    File {
        input: CsvInput,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DraftMessage {
    pub text: String,
    pub media: MediaChoice,
    pub link: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DraftAudience {
    /// Group chats by WhatsApp id (`…@g.us`).
    pub groups: Vec<String>,
    /// Contacts matching any of these filters (the Contacts page's).
    pub filters: Vec<ContactQuery>,
    /// Numbers as typed, normalised with `default_country`.
    pub contacts: Vec<String>,
    pub default_country: String,
    pub csv: CsvChoice,
}

/// One save of the composer: each part that is given replaces the draft's.
#[derive(Debug, Clone, Default, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase", default)]
pub struct DraftUpdate {
    pub name: Option<String>,
    pub message: Option<DraftMessage>,
    pub audience: Option<DraftAudience>,
    /// Accounts that may send (empty: every active account).
    pub accounts: Option<Vec<i64>>,
    pub schedule: Option<ScheduleInput>,
    pub options: Option<CampaignOptions>,
}

/// The schedule step as typed: a start as wall time in the chosen zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleInput {
    /// Local date and time of the start in `time_zone` (`None`: now).
    pub start_local: Option<NaiveDateTime>,
    pub quiet_hours: Option<QuietHours>,
    pub days: Vec<Day>,
    /// IANA name, e.g. `Asia/Kolkata`.
    pub time_zone: String,
}

impl ScheduleInput {
    /// The stored schedule (a start skipped by a DST change is an error).
    pub fn resolve(&self) -> Result<Schedule, CampaignError> {
        let time_zone = parse_time_zone(&self.time_zone)?;
        let start_at = self
            .start_local
            .map(|t| local_to_utc(t.date(), t.time(), time_zone))
            .transpose()?;
        let s = Schedule {
            start_at,
            quiet_hours: self.quiet_hours,
            days: self.days.clone(),
            time_zone,
        };
        s.validate()?;
        Ok(s)
    }
}

/// A draft as the composer reopens it.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DraftView {
    pub campaign: CampaignView,
    /// The attached file, with a thumbnail for an image.
    pub media: Option<MediaInfo>,
    /// The variables the text may use: the standard ones and the CSV's columns.
    pub variables: Vec<String>,
    /// What is wrong with the text now (empty: it compiles).
    pub problems: Vec<TemplateProblem>,
    /// What the CSV brought, when this save imported one.
    pub csv: Option<CsvImported>,
    /// The schedule's start as wall time in its zone (`None`: now).
    pub start_local: Option<NaiveDateTime>,
}

/// The text as the editor checks it while typing (nothing stored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TemplateCheck {
    pub problems: Vec<TemplateProblem>,
    /// Variables and spintax of a text that compiles.
    pub shape: Option<TemplateShape>,
    /// Characters as typed (the template, before variables and spintax).
    pub chars: u64,
    /// WhatsApp's limit on one message.
    pub max_chars: u64,
}

/// Checks `text` against the standard variables and `csv_headers`' columns.
pub fn check_template(text: &str, csv_headers: &[String]) -> TemplateCheck {
    let known = known_variables(csv_headers.iter().map(String::as_str));
    let (problems, shape) = match Template::compile(text, &known) {
        Ok(t) => (Vec::new(), Some(t.shape())),
        Err(e) => (vec![e.problem()], None),
    };
    TemplateCheck {
        problems,
        shape,
        chars: text.chars().count() as u64,
        max_chars: MAX_MESSAGE_CHARS as u64,
    }
}

fn to_json<T: Serialize>(
    id: i64,
    what: &'static str,
    v: &T,
) -> Result<serde_json::Value, CampaignError> {
    serde_json::to_value(v).map_err(|e| CampaignError::Corrupt {
        id,
        what,
        detail: e.to_string(),
    })
}

fn checked_name(name: &str) -> Result<String, CampaignError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(CampaignError::NoName);
    }
    Ok(name.to_string())
}

/// A new, empty draft named `name` (any time, every day, in `zone`).
pub async fn create_draft(
    db: &DatabaseConnection,
    paths: &DataPaths,
    name: &str,
    zone: Tz,
) -> Result<DraftView, CampaignError> {
    let name = checked_name(name)?;
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let row = campaign::ActiveModel {
        name: Set(name),
        kind: Set(ContentKind::Text.as_str().into()),
        body: Set(Some(String::new())),
        status: Set(CampaignStatus::Draft.as_str().into()),
        audience: Set(Some(to_json(0, "audience", &Audience::default())?)),
        schedule: Set(Some(to_json(0, "schedule", &Schedule::anytime(zone))?)),
        options: Set(Some(to_json(0, "options", &CampaignOptions::default())?)),
        status_reason: Set(Some("created".into())),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    note(
        &txn,
        row.id,
        CampaignStatus::Draft,
        "create",
        "created in the composer",
    )
    .await?;
    txn.commit().await?;
    open_draft(db, paths, row.id, zone).await
}

/// Every tag the filters name exists.
async fn check_filter_tags(
    db: &impl ConnectionTrait,
    filters: &[ContactQuery],
) -> Result<(), CampaignError> {
    for name in filters
        .iter()
        .filter_map(|f| f.tag.as_deref())
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        if tag::Entity::find()
            .filter(tag::Column::Name.eq(name))
            .one(db)
            .await?
            .is_none()
        {
            let known: Vec<String> = tag::Entity::find()
                .select_only()
                .column(tag::Column::Name)
                .into_tuple()
                .all(db)
                .await?;
            return Err(CampaignError::UnknownTag {
                name: name.to_string(),
                known,
            });
        }
    }
    Ok(())
}

/// Only the groups that exist (membership is checked at the start).
async fn check_known_groups(
    db: &impl ConnectionTrait,
    wa_ids: &[String],
) -> Result<(), CampaignError> {
    use crate::entities::group;
    for wa_id in wa_ids {
        let found = group::Entity::find()
            .filter(group::Column::WaId.eq(wa_id.as_str()))
            .one(db)
            .await?;
        if found.filter(|g| g.removed_at.is_none()).is_none() {
            return Err(CampaignError::UnknownGroup(wa_id.clone()));
        }
    }
    Ok(())
}

fn phones(a: &DraftAudience) -> Result<Vec<String>, CampaignError> {
    let typed: Vec<&String> = a.contacts.iter().filter(|c| !c.trim().is_empty()).collect();
    if typed.is_empty() {
        return Ok(Vec::new());
    }
    let normalizer =
        PhoneNormalizer::new(&a.default_country).map_err(|source| CampaignError::BadPhone {
            input: a.default_country.clone(),
            source,
        })?;
    let mut out: Vec<String> = Vec::new();
    for input in typed {
        let phone = normalizer
            .to_e164(input)
            .map_err(|source| CampaignError::BadPhone {
                input: input.clone(),
                source,
            })?;
        if !out.contains(&phone) {
            out.push(phone);
        }
    }
    Ok(out)
}

/// What a save writes besides the row's own columns.
#[derive(Default)]
struct Writes {
    media: Option<(Option<i64>, ContentKind)>,
    link: Option<Option<String>>,
    /// `Some(None)`: drop the CSV's variables; `Some(Some(v))`: replace them.
    csv_vars: Option<Option<Vec<(String, serde_json::Value)>>>,
    imported: Option<CsvImported>,
}

/// Saves the parts `update` gives (see the module doc); the draft must
/// still be a draft. Returns it as the composer shows it.
pub async fn save_draft(
    db: &DatabaseConnection,
    paths: &DataPaths,
    id: i64,
    update: &DraftUpdate,
    zone: Tz,
) -> Result<DraftView, CampaignError> {
    let c = load(db, id).await?;
    if c.state.status != CampaignStatus::Draft {
        return Err(LifecycleError::Invalid {
            status: c.state.status,
            event: "be edited",
        }
        .into());
    }
    let name = update.name.as_deref().map(checked_name).transpose()?;
    let mut writes = Writes::default();
    if let Some(m) = &update.message {
        writes.link = Some(check_link(&m.link)?);
        match &m.media {
            MediaChoice::Keep => {}
            MediaChoice::None => writes.media = Some((None, ContentKind::Text)),
            MediaChoice::File { path } => {
                let checked = media::check(path)?;
                let asset = media::store(db, paths, &checked).await?;
                writes.media = Some((Some(asset.id), content_kind(checked.kind)));
            }
        }
    }
    let mut audience = c.audience.clone();
    if let Some(a) = &update.audience {
        let groups = normalise_groups(&a.groups);
        check_known_groups(db, &groups).await?;
        check_filter_tags(db, &a.filters).await?;
        let listed = phones(a)?;
        for phone in &listed {
            upsert(db, ContactKey::Phone(phone), None).await?;
        }
        audience.groups = groups;
        audience.filters = a.filters.clone();
        audience.contacts = listed;
        match &a.csv {
            CsvChoice::Keep => {}
            CsvChoice::None => {
                audience.csv = None;
                writes.csv_vars = Some(None);
            }
            CsvChoice::File { input } => {
                let file = read(input)?;
                let (report, vars) = import(db, &file).await?;
                audience.csv = Some(CsvSource {
                    file_name: file.file_name.clone(),
                    headers: file.headers.clone(),
                    targets: vars.len() as u64,
                });
                writes.imported = Some(CsvImported {
                    file_name: file.file_name.clone(),
                    totals: report.totals.clone(),
                    targets: vars.len() as u64,
                    rejected: report
                        .rows
                        .iter()
                        .filter(|r| r.outcome == RowOutcome::Rejected)
                        .cloned()
                        .collect(),
                });
                writes.csv_vars = Some(Some(vars));
            }
        }
    }
    if let Some(ids) = &update.accounts {
        check_accounts(db, ids).await?;
    }
    let schedule = update
        .schedule
        .as_ref()
        .map(ScheduleInput::resolve)
        .transpose()?;

    let txn = crate::db::begin_write(db).await?;
    let mut q = campaign::Entity::update_many()
        .col_expr(campaign::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(campaign::Column::Id.eq(id))
        .filter(campaign::Column::Status.eq(CampaignStatus::Draft.as_str()));
    if let Some(name) = name {
        q = q.col_expr(campaign::Column::Name, Expr::value(name));
    }
    if let Some(m) = &update.message {
        q = q.col_expr(campaign::Column::Body, Expr::value(m.text.clone()));
    }
    if let Some((asset, kind)) = writes.media {
        q = q
            .col_expr(campaign::Column::MediaAssetId, Expr::value(asset))
            .col_expr(campaign::Column::Kind, Expr::value(kind.as_str()));
    }
    if let Some(link) = writes.link {
        q = q.col_expr(campaign::Column::LinkUrl, Expr::value(link));
    }
    if update.audience.is_some() {
        q = q.col_expr(
            campaign::Column::Audience,
            Expr::value(to_json(id, "audience", &audience)?),
        );
    }
    if let Some(s) = &schedule {
        q = q.col_expr(
            campaign::Column::Schedule,
            Expr::value(to_json(id, "schedule", s)?),
        );
    }
    if let Some(o) = &update.options {
        q = q.col_expr(
            campaign::Column::Options,
            Expr::value(to_json(id, "options", o)?),
        );
    }
    if q.exec(&txn).await?.rows_affected != 1 {
        return Err(CampaignError::Stale(id));
    }
    if let Some(ids) = &update.accounts {
        campaign_account::Entity::delete_many()
            .filter(campaign_account::Column::CampaignId.eq(id))
            .exec(&txn)
            .await?;
        let mut ids = ids.clone();
        ids.sort_unstable();
        ids.dedup();
        if !ids.is_empty() {
            campaign_account::Entity::insert_many(ids.iter().map(|&a| {
                campaign_account::ActiveModel {
                    campaign_id: Set(id),
                    account_id: Set(a),
                }
            }))
            .exec_without_returning(&txn)
            .await?;
        }
    }
    if let Some(vars) = &writes.csv_vars {
        campaign_variable::Entity::delete_many()
            .filter(campaign_variable::Column::CampaignId.eq(id))
            .exec(&txn)
            .await?;
        if let Some(vars) = vars {
            store_vars(&txn, id, vars).await?;
        }
    }
    txn.commit().await?;
    let mut view = open_draft(db, paths, id, zone).await?;
    view.csv = writes.imported;
    Ok(view)
}

/// The draft (or any campaign) as the composer shows it.
pub async fn open_draft(
    db: &DatabaseConnection,
    paths: &DataPaths,
    id: i64,
    zone: Tz,
) -> Result<DraftView, CampaignError> {
    let campaign = show(db, id, Utc::now(), zone).await?;
    let headers = campaign
        .audience
        .csv
        .as_ref()
        .map(|c| c.headers.clone())
        .unwrap_or_default();
    let check = check_template(&campaign.text, &headers);
    let media = match campaign.media_asset_id {
        Some(asset_id) => media_asset::Entity::find_by_id(asset_id)
            .one(db)
            .await?
            .map(|a| asset_info(paths, &a, campaign.kind)),
        None => None,
    };
    let start_local = campaign.schedule.as_ref().and_then(|s| {
        s.start_at
            .map(|at| at.with_timezone(&s.time_zone).naive_local())
    });
    Ok(DraftView {
        start_local,
        variables: known_variables(headers.iter().map(String::as_str)),
        problems: check.problems,
        media,
        campaign,
        csv: None,
    })
}

/// The checks `store::create` makes, on a stored draft.
async fn ensure_ready(db: &impl ConnectionTrait, c: &Loaded) -> Result<(), CampaignError> {
    checked_name(&c.row.name)?;
    c.template()?;
    if let Some(s) = &c.schedule {
        s.validate()?;
    }
    if c.audience.is_empty() {
        return Err(CampaignError::NoAudience);
    }
    check_accounts(db, &c.accounts).await?;
    check_groups(db, &c.audience.groups, &c.accounts).await?;
    check_filter_tags(db, &c.audience.filters).await?;
    Ok(())
}

/// Starts draft `id` after checking it in full (then `store::start`:
/// scheduled for a later start, else running, its outbox written).
pub async fn start_draft(
    db: &DatabaseConnection,
    id: i64,
    now: chrono::DateTime<Utc>,
) -> Result<StartReport, CampaignError> {
    let c = load(db, id).await?;
    if c.state.status == CampaignStatus::Draft {
        ensure_ready(db, &c).await?;
    }
    start(db, id, now).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_editor_gets_the_problem_with_its_position_and_the_csv_columns_as_variables() {
        let ok = check_template(
            "{Hi|Hello} {{ first_name }}, ward {{ ward_no }}",
            &["Ward No.".to_string()],
        );
        assert!(ok.problems.is_empty(), "{:?}", ok.problems);
        assert_eq!(ok.shape.unwrap().variables, ["first_name", "ward_no"]);
        let bad = check_template("Hello\n{{ frist_name }}", &[]);
        let p = &bad.problems[0];
        assert_eq!(p.variable.as_deref(), Some("frist_name"));
        assert_eq!(p.suggestion.as_deref(), Some("first_name"));
        let at = p.position.unwrap();
        assert_eq!((at.line, at.column), (2, 4));
        assert_eq!(bad.chars, 22);
        assert!(check_template("  ", &[]).problems[0]
            .message
            .contains("empty"));
    }
}
