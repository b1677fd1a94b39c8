//! Starting a campaign: its outbox materialised, one `messages` row per
//! target (pending with its rendered text, or skipped with the reason), in
//! batched INSERTs inside one transaction with the status change, so the
//! outbox and the status appear together or not at all. The rows are
//! `ON CONFLICT (campaign_id, target_key) DO NOTHING`: a second start adds
//! nothing (the unique key makes it a database fact, whatever races).

use chrono::{DateTime, Utc};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait,
};
use serde::Serialize;

use super::plan::{plan, Outcome, Planned};
use super::transition::{note, transition};
use super::{load, Loaded};
use crate::campaigns::lifecycle::{CampaignEvent, CampaignStatus, LifecycleError, Transition};
use crate::campaigns::model::AudienceCount;
use crate::campaigns::CampaignError;
use crate::dispatch::MessageStatus;

/// Rows per INSERT (one JSON parameter of about a megabyte).
const INSERT_ROWS: usize = 10_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct StartReport {
    pub id: i64,
    pub status: CampaignStatus,
    /// Why it is in that status.
    pub reason: String,
    /// Outbox rows this start wrote (0 when they were all there already).
    pub added: u64,
    /// Targets / to send / skipped by reason.
    pub audience: AudienceCount,
    /// The status change this start made, if any.
    pub transition: Option<Transition>,
}

/// What `start` does in each status: the lifecycle event, if any.
fn start_event(c: &Loaded, now: DateTime<Utc>) -> Result<Option<CampaignEvent>, CampaignError> {
    let later = c.schedule.as_ref().and_then(|s| s.start_at).filter(|at| *at > now);
    Ok(match (c.state.status, later) {
        (CampaignStatus::Draft, Some(start_at)) => Some(CampaignEvent::Schedule { start_at }),
        (CampaignStatus::Draft, None) => Some(CampaignEvent::Start),
        (CampaignStatus::Scheduled, Some(_)) => None,
        (CampaignStatus::Scheduled, None) => Some(CampaignEvent::Start),
        // Started already: the outbox is written again, which adds nothing.
        (CampaignStatus::Running | CampaignStatus::Paused, _) => None,
        (status @ (CampaignStatus::Completed | CampaignStatus::Cancelled), _) => {
            return Err(LifecycleError::Invalid { status, event: "start" }.into())
        }
    })
}

/// Starts campaign `id` (see the module doc): a draft with a start time in
/// the future becomes `scheduled` (the dispatcher starts it then), else
/// `running`. Its audience is resolved and rendered at `now`.
pub async fn start(db: &DatabaseConnection, id: i64, now: DateTime<Utc>) -> Result<StartReport, CampaignError> {
    let c = load(db, id).await?;
    let event = start_event(&c, now)?;
    let plan = plan(db, &c, now).await?;
    if let Some(p) = plan.problems.first() {
        return Err(CampaignError::Render { target: p.target.clone(), source: p.error.clone() });
    }
    if plan.rows.is_empty() {
        return Err(CampaignError::NoTargets);
    }
    let audience = plan.count();
    // IMMEDIATE on SQLite: this transaction reads the status, then writes;
    // as a writer from the start it waits its turn instead of failing when
    // the dispatcher wrote in between (see `transition`).
    let txn = db
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..Default::default()
        })
        .await?;
    let made = match &event {
        Some(e) => transition(&txn, id, e, None).await?,
        None => None,
    };
    let added = write_rows(&txn, id, &plan.rows, now).await?;
    let status = made.as_ref().map_or(c.state.status, |t| t.to.status);
    if added > 0 {
        let what = format!(
            "outbox: {added} rows added ({} targets, {} to send, {} skipped)",
            audience.targets, audience.to_send, audience.skipped
        );
        note(&txn, id, status, "materialise", &what).await?;
    }
    txn.commit().await?;
    let reason = match &made {
        Some(t) => t.reason.clone(),
        None => c.row.status_reason.clone().unwrap_or_default(),
    };
    Ok(StartReport { id, status, reason, added, audience, transition: made })
}

/// The outbox insert: the batch's rows arrive as ONE JSON array parameter
/// (`{"k": key, "t": kind, "c": contact_id, "g": group_id, "s": status,
/// "x": text, "sr": skip code, "le": reason}` per row) unpacked by the
/// database itself (`json_each` on SQLite, `json_to_recordset` on
/// PostgreSQL, which reads the whole array in one pass). A multi-row `VALUES` list needs
/// 12 bind parameters per row, and preparing statements of 30,000
/// parameters cost more than writing the rows.
fn insert_sql(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Postgres => {
            "INSERT INTO messages (campaign_id, target_key, target_kind, contact_id, group_id, status, attempts, \
             rendered_text, skip_reason, last_error, created_at, updated_at) \
             SELECT $1, r.k, r.t, r.c, r.g, r.s, 0, r.x, r.sr, r.le, $2, $2 \
             FROM json_to_recordset($3::json) AS r(k text, t text, c bigint, g bigint, s text, x text, sr text, le text) \
             ON CONFLICT (campaign_id, target_key) DO NOTHING"
        }
        _ => {
            "INSERT INTO messages (campaign_id, target_key, target_kind, contact_id, group_id, status, attempts, \
             rendered_text, skip_reason, last_error, created_at, updated_at) \
             SELECT ?1, json_extract(r.value, '$.k'), json_extract(r.value, '$.t'), json_extract(r.value, '$.c'), \
             json_extract(r.value, '$.g'), json_extract(r.value, '$.s'), 0, json_extract(r.value, '$.x'), \
             json_extract(r.value, '$.sr'), json_extract(r.value, '$.le'), ?2, ?2 \
             FROM json_each(?3) AS r WHERE true \
             ON CONFLICT (campaign_id, target_key) DO NOTHING"
        }
    }
}

#[derive(serde::Serialize)]
struct JsonRow<'a> {
    k: &'a str,
    t: &'a str,
    c: Option<i64>,
    g: Option<i64>,
    s: &'a str,
    x: Option<&'a str>,
    sr: Option<&'static str>,
    le: Option<String>,
}

/// Inserts the planned rows that are not in the outbox yet; returns how many.
pub(crate) async fn write_rows(
    db: &impl ConnectionTrait,
    campaign_id: i64,
    rows: &[Planned],
    now: DateTime<Utc>,
) -> Result<u64, CampaignError> {
    let backend = db.get_database_backend();
    let mut added = 0;
    for chunk in rows.chunks(INSERT_ROWS) {
        let batch: Vec<JsonRow> = chunk
            .iter()
            .map(|r| {
                let t = &r.target;
                let (status, text, code, why) = match &r.outcome {
                    Outcome::Send(text) => (MessageStatus::Pending, Some(text.as_str()), None, None),
                    Outcome::Skip(reason) => {
                        (MessageStatus::Skipped, None, Some(reason.code()), Some(reason.describe()))
                    }
                };
                JsonRow {
                    k: &t.key,
                    t: t.kind.as_str(),
                    c: t.contact_id,
                    g: t.group_id,
                    s: status.as_str(),
                    x: text,
                    sr: code,
                    le: why,
                }
            })
            .collect();
        let json = serde_json::to_string(&batch).map_err(|e| CampaignError::Corrupt {
            id: campaign_id,
            what: "outbox row",
            detail: e.to_string(),
        })?;
        let stmt =
            Statement::from_sql_and_values(backend, insert_sql(backend), [campaign_id.into(), now.into(), json.into()]);
        added += db.execute_raw(stmt).await?.rows_affected();
    }
    Ok(added)
}
