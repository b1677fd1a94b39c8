//! Starting a campaign: its outbox materialised, one `messages` row per
//! target (pending with its rendered text, or skipped with the reason), in
//! batched INSERTs inside one transaction with the status change, so the
//! outbox and the status appear together or not at all. The unique key
//! `(campaign_id, target_key)` makes "once per target" a database fact: a
//! later start inserts `ON CONFLICT … DO NOTHING` and adds nothing; the
//! first (no row yet, the campaign locked) inserts plainly, and a duplicate
//! would be refused, never stored twice.

use chrono::{DateTime, Utc};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, SqliteTransactionMode, Statement, TransactionOptions,
    TransactionTrait,
};
use serde::Serialize;

use tokio::sync::mpsc;

use super::plan::{render_one, tally, Outcome, Planned, Problem};
use super::targets::{resolve, Target};
use super::transition::{note, transition};
use super::{load, Loaded};
use crate::campaigns::lifecycle::{CampaignEvent, CampaignStatus, LifecycleError, Transition};
use crate::campaigns::model::AudienceCount;
use crate::campaigns::template::Template;
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
///
/// The texts are rendered on a blocking thread one INSERT's worth ahead of
/// the writes, so rendering and serialising overlap the database's work
/// instead of preceding it. A text that cannot be made stops the start: the
/// transaction is rolled back and nothing of it stays.
pub async fn start(db: &DatabaseConnection, id: i64, now: DateTime<Utc>) -> Result<StartReport, CampaignError> {
    let c = load(db, id).await?;
    let event = start_event(&c, now)?;
    let template = c.template()?;
    let targets = resolve(db, id, &c.audience, &c.options, &template.shape().variables, now).await?;
    if targets.is_empty() {
        return Err(CampaignError::NoTargets);
    }
    let (batches, mut incoming) = mpsc::channel(RENDER_AHEAD);
    let renderer = tokio::task::spawn_blocking(move || render_batches(&template, id, targets, &batches));
    // IMMEDIATE on SQLite: this transaction reads the status, then writes;
    // as a writer from the start it waits its turn instead of failing when
    // the dispatcher wrote in between (see `transition`).
    let txn = db
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..Default::default()
        })
        .await?;
    let written: Result<_, CampaignError> = async {
        let fresh = outbox_empty(&txn, id).await?;
        let made = match &event {
            Some(e) => transition(&txn, id, e, None).await?,
            None => None,
        };
        let mut added = 0;
        while let Some(batch) = incoming.recv().await {
            if let Some(p) = batch.problem {
                return Err(CampaignError::Render { target: p.target, source: p.error });
            }
            added += insert(&txn, id, fresh, batch.json?, now).await?;
        }
        // The channel also ends when the renderer died: only its own end
        // (with the count of every target) lets the outbox be committed.
        let audience = renderer.await.map_err(|e| CampaignError::Corrupt {
            id,
            what: "outbox rendering",
            detail: e.to_string(),
        })?;
        Ok((made, added, audience))
    }
    .await;
    let (made, added, audience) = match written {
        Ok(w) => w,
        Err(e) => {
            drop(incoming);
            if let Err(rollback) = txn.rollback().await {
                tracing::warn!(campaign = id, error = %e, "start failed, then its rollback too");
                return Err(rollback.into());
            }
            return Err(e);
        }
    };
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

/// Rendered batches waiting for their INSERT (each about a megabyte).
const RENDER_AHEAD: usize = 2;

/// One INSERT's rows, rendered and serialised.
struct Batch {
    json: Result<String, CampaignError>,
    /// The first target of the batch whose text cannot be made.
    problem: Option<Problem>,
}

/// The renderer: batches of [`INSERT_ROWS`] targets, in order, until the
/// first problem or until the writer hangs up; returns the audience count.
fn render_batches(template: &Template, id: i64, targets: Vec<Target>, out: &mpsc::Sender<Batch>) -> AudienceCount {
    let mut count = AudienceCount::default();
    let mut rest = targets.into_iter().peekable();
    while rest.peek().is_some() {
        let mut problem = None;
        let rows: Vec<Planned> = rest
            .by_ref()
            .take(INSERT_ROWS)
            .map(|t| {
                let (row, p) = render_one(template, id, t);
                tally(&mut count, &row);
                problem = problem.take().or(p);
                row
            })
            .collect();
        let stop = problem.is_some();
        if out.blocking_send(Batch { json: rows_json(id, &rows), problem }).is_err() || stop {
            break;
        }
    }
    count
}

/// Whether campaign `id` has no outbox row yet, asked with the campaign row
/// locked (PostgreSQL; on SQLite the IMMEDIATE transaction is the lock), so
/// no other start can add rows until this transaction ends. Then the rows go
/// in without `ON CONFLICT`, which costs a tenth of the insert; the unique
/// key still refuses a duplicate, loudly.
async fn outbox_empty(txn: &impl ConnectionTrait, id: i64) -> Result<bool, CampaignError> {
    let backend = txn.get_database_backend();
    if backend == DbBackend::Postgres {
        // NO KEY UPDATE: the FK checks of rows referencing the campaign
        // (events, messages) take KEY SHARE, which this does not block.
        let lock = "SELECT id FROM campaigns WHERE id = $1 FOR NO KEY UPDATE";
        txn.execute_raw(Statement::from_sql_and_values(backend, lock, [id.into()])).await?;
    }
    let probe = match backend {
        DbBackend::Postgres => "SELECT 1 AS one FROM messages WHERE campaign_id = $1 LIMIT 1",
        _ => "SELECT 1 AS one FROM messages WHERE campaign_id = ?1 LIMIT 1",
    };
    let found = txn.query_one_raw(Statement::from_sql_and_values(backend, probe, [id.into()])).await?;
    Ok(found.is_none())
}

/// The outbox insert: the batch's rows arrive as ONE JSON array parameter
/// (`{"k": key, "t": kind, "c": contact_id, "g": group_id, "s": status,
/// "x": text, "sr": skip code, "le": reason}` per row) unpacked by the
/// database itself (`json_each` on SQLite, `json_to_recordset` on
/// PostgreSQL, which reads the whole array in one pass). A multi-row `VALUES` list needs
/// 12 bind parameters per row, and preparing statements of 30,000
/// parameters cost more than writing the rows.
fn insert_sql(backend: DbBackend, fresh: bool) -> String {
    let insert = match backend {
        DbBackend::Postgres => {
            "INSERT INTO messages (campaign_id, target_key, target_kind, contact_id, group_id, status, attempts, \
             rendered_text, skip_reason, last_error, created_at, updated_at) \
             SELECT $1, r.k, r.t, r.c, r.g, r.s, 0, r.x, r.sr, r.le, $2, $2 \
             FROM json_to_recordset($3::json) AS r(k text, t text, c bigint, g bigint, s text, x text, sr text, le text)"
        }
        _ => {
            "INSERT INTO messages (campaign_id, target_key, target_kind, contact_id, group_id, status, attempts, \
             rendered_text, skip_reason, last_error, created_at, updated_at) \
             SELECT ?1, json_extract(r.value, '$.k'), json_extract(r.value, '$.t'), json_extract(r.value, '$.c'), \
             json_extract(r.value, '$.g'), json_extract(r.value, '$.s'), 0, json_extract(r.value, '$.x'), \
             json_extract(r.value, '$.sr'), json_extract(r.value, '$.le'), ?2, ?2 \
             FROM json_each(?3) AS r WHERE true"
        }
    };
    // `WHERE true` above: SQLite parses `ON CONFLICT` after a bare `FROM` as a join constraint.
    if fresh {
        insert.to_string()
    } else {
        format!("{insert} ON CONFLICT (campaign_id, target_key) DO NOTHING")
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

/// The rows of one INSERT as its JSON parameter.
fn rows_json(campaign_id: i64, rows: &[Planned]) -> Result<String, CampaignError> {
    let batch: Vec<JsonRow> = rows
        .iter()
        .map(|r| {
            let t = &r.target;
            let (status, text, code, why) = match &r.outcome {
                Outcome::Send(text) => (MessageStatus::Pending, Some(text.as_str()), None, None),
                Outcome::Skip(reason) => (MessageStatus::Skipped, None, Some(reason.code()), Some(reason.describe())),
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
    serde_json::to_string(&batch).map_err(|e| CampaignError::Corrupt {
        id: campaign_id,
        what: "outbox row",
        detail: e.to_string(),
    })
}

/// Inserts one batch; returns how many rows it added (fewer than the batch
/// when some were in the outbox already and `fresh` is false).
async fn insert(
    db: &impl ConnectionTrait,
    campaign_id: i64,
    fresh: bool,
    json: String,
    now: DateTime<Utc>,
) -> Result<u64, CampaignError> {
    let backend = db.get_database_backend();
    let stmt = Statement::from_sql_and_values(
        backend,
        insert_sql(backend, fresh),
        [campaign_id.into(), now.into(), json.into()],
    );
    Ok(db.execute_raw(stmt).await?.rows_affected())
}
