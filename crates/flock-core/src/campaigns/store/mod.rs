//! Campaigns in the database: create a draft ([`create`]), move it through
//! its lifecycle ([`transition`], the one writer of `campaigns.status`),
//! start it (materialise its outbox, [`start`]), preview it ([`preview`]),
//! show, list and report it.
//!
//! A campaign row holds its text (`body`), media asset, link, audience,
//! schedule and options (JSON, [`Audience`], [`Schedule`],
//! [`CampaignOptions`]); `campaign_accounts` the accounts it may use (none:
//! every active account), `campaign_variables` its CSV's columns per
//! target, `campaign_events` its history.

mod create;
mod csv;
pub mod desk;
mod materialise;
mod plan;
mod preview;
mod report;
mod show;
mod targets;
mod transition;

pub use create::{create, Created, CsvImported};
pub use materialise::{start, StartReport};
pub use plan::{plan, render_all, Outcome, Plan, Planned, Problem};
pub use preview::{preview, Preview, PreviewOptions, Sample};
pub use report::{report_csv, REPORT_HEADERS};
pub use show::{counts, events, list, show, CampaignEventView, CampaignSummary, CampaignView};
pub use targets::{Basis, Target};
pub use transition::transition;

use chrono_tz::Tz;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::error::CampaignError;
use super::lifecycle::{CampaignState, CampaignStatus, PauseCause};
use super::model::{Audience, CampaignOptions};
use super::schedule::Schedule;
use super::template::Template;
use super::vars::known_variables;
use crate::entities::{campaign, campaign_account};

/// A campaign row with its JSON columns read.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub row: campaign::Model,
    pub state: CampaignState,
    pub audience: Audience,
    /// `None`: any time, from now.
    pub schedule: Option<Schedule>,
    pub options: CampaignOptions,
    /// Chosen accounts (empty: every active account).
    pub accounts: Vec<i64>,
}

impl Loaded {
    /// The variables its template may use: the standard ones and the CSV's columns.
    pub fn known_variables(&self) -> Vec<String> {
        let headers = self.audience.csv.as_ref().map(|c| c.headers.clone()).unwrap_or_default();
        known_variables(headers.iter().map(String::as_str))
    }

    pub fn template(&self) -> Result<Template, CampaignError> {
        Ok(Template::compile(self.row.body.as_deref().unwrap_or_default(), &self.known_variables())?)
    }

    /// The schedule, or any time in `fallback_zone`.
    pub fn schedule_or_anytime(&self, fallback_zone: Tz) -> Schedule {
        self.schedule.clone().unwrap_or_else(|| Schedule::anytime(fallback_zone))
    }
}

fn corrupt(id: i64, what: &'static str, detail: impl ToString) -> CampaignError {
    CampaignError::Corrupt { id, what, detail: detail.to_string() }
}

pub(crate) fn parse_state(row: &campaign::Model) -> Result<CampaignState, CampaignError> {
    let status = CampaignStatus::parse(&row.status).ok_or_else(|| corrupt(row.id, "status", &row.status))?;
    let paused_by = match row.paused_by.as_deref() {
        None => None,
        Some("user") => Some(PauseCause::User),
        Some("no_sender") => Some(PauseCause::NoSender),
        Some(other) => return Err(corrupt(row.id, "paused_by", other)),
    };
    Ok(CampaignState { status, paused_by })
}

pub(crate) fn pause_cause_str(c: PauseCause) -> &'static str {
    match c {
        PauseCause::User => "user",
        PauseCause::NoSender => "no_sender",
    }
}

fn json_or<T: serde::de::DeserializeOwned + Default>(
    id: i64,
    what: &'static str,
    v: &Option<serde_json::Value>,
) -> Result<T, CampaignError> {
    match v {
        None | Some(serde_json::Value::Null) => Ok(T::default()),
        Some(v) => serde_json::from_value(v.clone()).map_err(|e| corrupt(id, what, e)),
    }
}

/// The schedule of a campaign row (`None`: any time, from now).
pub fn schedule_of(row: &campaign::Model) -> Result<Option<Schedule>, CampaignError> {
    match &row.schedule {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(v) => serde_json::from_value(v.clone()).map(Some).map_err(|e| corrupt(row.id, "schedule", e)),
    }
}

/// The schedule of campaign `id` (for the dispatcher: may it send now?).
pub async fn load_schedule(db: &impl ConnectionTrait, id: i64) -> Result<Option<Schedule>, CampaignError> {
    let row = campaign::Entity::find_by_id(id).one(db).await?.ok_or(CampaignError::NotFound(id))?;
    schedule_of(&row)
}

/// The accounts chosen for campaign `id` (empty: every active account).
pub async fn campaign_account_ids(db: &impl ConnectionTrait, id: i64) -> Result<Vec<i64>, CampaignError> {
    Ok(campaign_account::Entity::find()
        .select_only()
        .column(campaign_account::Column::AccountId)
        .filter(campaign_account::Column::CampaignId.eq(id))
        .order_by_asc(campaign_account::Column::AccountId)
        .into_tuple()
        .all(db)
        .await?)
}

/// Campaign `id` with its JSON columns read.
pub async fn load(db: &impl ConnectionTrait, id: i64) -> Result<Loaded, CampaignError> {
    let row = campaign::Entity::find_by_id(id).one(db).await?.ok_or(CampaignError::NotFound(id))?;
    Ok(Loaded {
        state: parse_state(&row)?,
        audience: json_or(id, "audience", &row.audience)?,
        schedule: schedule_of(&row)?,
        options: json_or(id, "options", &row.options)?,
        accounts: campaign_account_ids(db, id).await?,
        row,
    })
}

/// The workstation's time zone (UTC when the system does not say).
pub fn local_time_zone() -> Tz {
    iana_time_zone::get_timezone().ok().and_then(|n| n.parse::<Tz>().ok()).unwrap_or(Tz::UTC)
}
