//! Writing one batch of an import: a handful of statements for thousands of
//! rows (multi-row INSERT … RETURNING for the new ones, the existing ones
//! looked up by phone, one multi-row INSERT of tag links). A batch's INSERT
//! statements are built before its transaction ([`prepare`]), while the
//! batch before it is written.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait,
    QueryFilter, Statement,
};
use tokio::sync::oneshot;

use super::import::{ImportRow, RowOutcome};
use super::ImportError;
use crate::db::bulk::{json_param, timestamp_text};
use crate::entities::{contact, contact_tag, Timestamp};
use crate::repo::contacts::{add_source, ContactSource};
use crate::repo::tags::{ensure_tags, link_contacts, ID_CHUNK};

/// Contacts per INSERT statement (about 600 kB of JSON).
const INSERT_ROWS: usize = 5_000;

/// A row that passed the checks, waiting for the database.
pub(crate) struct Candidate {
    pub report_index: usize,
    pub phone: String,
    pub name: Option<String>,
    pub region: Option<String>,
    pub state: Option<String>,
    pub district: Option<String>,
    pub segment: Option<String>,
    pub tags: Vec<String>,
    /// Consent from the consent column, when mapped and given.
    pub consent: Option<Timestamp>,
}

/// What every batch of one import shares.
pub(crate) struct BatchContext {
    /// "import:<file>".
    pub origin: String,
    /// "csv:<file>".
    pub consent_source: String,
    pub at: Timestamp,
}

/// A batch read and checked, its INSERT statements built.
pub(crate) struct PreparedBatch {
    pub candidates: Vec<Candidate>,
    inserts: Vec<Statement>,
}

/// What the database made of one candidate, for its row of the report.
pub(crate) struct Written {
    pub report_index: usize,
    pub outcome: RowOutcome,
    pub contact_id: Option<i64>,
    pub reason: Option<String>,
}

impl Written {
    pub fn apply(self, rows: &mut [ImportRow]) {
        let row = &mut rows[self.report_index];
        row.outcome = self.outcome;
        row.contact_id = self.contact_id;
        row.reason = self.reason;
    }
}

pub(crate) fn prepare(
    backend: DbBackend,
    candidates: Vec<Candidate>,
    cx: &BatchContext,
) -> Result<PreparedBatch, ImportError> {
    let inserts =
        candidates.chunks(INSERT_ROWS).map(|chunk| insert_statement(backend, chunk, cx)).collect::<Result<_, _>>()?;
    Ok(PreparedBatch { candidates, inserts })
}

/// A batch stored: its report rows, and the tags it created.
pub(crate) struct WrittenBatch {
    pub rows: Vec<Written>,
    pub tags: HashMap<String, i64>,
}

/// One batch's transaction, on a connection of its own. It commits only once
/// the batch before it has (`after`), then tells the next one (`committed`;
/// dropped unsent when this batch fails): batches are stored in file order
/// even with two in flight, and a failed batch rolls back every batch after
/// it. `Ok(None)`: rolled back because an earlier batch failed.
pub(crate) async fn write_in_order(
    db: DatabaseConnection,
    prepared: PreparedBatch,
    cx: Arc<BatchContext>,
    mut tag_ids: HashMap<String, i64>,
    after: Option<oneshot::Receiver<()>>,
    committed: oneshot::Sender<()>,
) -> Result<Option<WrittenBatch>, ImportError> {
    let txn = crate::db::begin_write(&db).await?;
    let missing: Vec<String> = prepared
        .candidates
        .iter()
        .flat_map(|c| c.tags.iter())
        .filter(|t| !tag_ids.contains_key(*t))
        .cloned()
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    // A tag the batch before created and has not committed yet: PostgreSQL
    // makes this insert wait for that commit, then reads it.
    let tags = ensure_tags(&txn, &missing).await?;
    tag_ids.extend(tags.iter().map(|(name, id)| (name.clone(), *id)));
    let rows = write_batch(&txn, &prepared, &cx, &tag_ids).await?;
    if let Some(after) = after {
        if after.await.is_err() {
            txn.rollback().await?;
            return Ok(None);
        }
    }
    txn.commit().await?;
    // The next batch may already have ended (its own failure): nobody to tell.
    let _ = committed.send(());
    Ok(Some(WrittenBatch { rows, tags }))
}

pub(crate) async fn write_batch(
    db: &impl ConnectionTrait,
    prepared: &PreparedBatch,
    cx: &BatchContext,
    tag_ids: &HashMap<String, i64>,
) -> Result<Vec<Written>, ImportError> {
    let batch = &prepared.candidates;
    // Insert first: the unique phone turns a known number into a conflict, and
    // only those are read back. (Reading all 5,000 numbers first made
    // PostgreSQL scan a table that was empty when the statement was planned.)
    let mut inserted: HashMap<String, i64> = HashMap::with_capacity(batch.len());
    for insert in &prepared.inserts {
        for row in db.query_all_raw(insert.clone()).await? {
            let id: i64 = row.try_get("", "id")?;
            let phone: Option<String> = row.try_get("", "phone")?;
            if let Some(p) = phone {
                inserted.insert(p, id);
            }
        }
    }
    let known: Vec<String> = batch.iter().map(|c| &c.phone).filter(|p| !inserted.contains_key(*p)).cloned().collect();
    let existing = by_phone(db, &known).await?;
    let existing_ids: Vec<i64> = existing.values().map(|c| c.id).collect();
    let mut existing_links: HashSet<(i64, i64)> = HashSet::new();
    for chunk in existing_ids.chunks(ID_CHUNK) {
        for l in contact_tag::Entity::find().filter(contact_tag::Column::ContactId.is_in(chunk.iter().copied())).all(db).await? {
            existing_links.insert((l.contact_id, l.tag_id));
        }
    }
    let mut ids = inserted;
    ids.extend(existing.iter().map(|(p, c)| (p.clone(), c.id)));

    let mut links: Vec<(i64, i64)> = Vec::new();
    let mut gained_csv: Vec<i64> = Vec::new();
    let mut written = Vec::with_capacity(batch.len());
    for c in batch {
        let mut report =
            Written { report_index: c.report_index, outcome: RowOutcome::Imported, contact_id: None, reason: None };
        let Some(id) = ids.get(&c.phone).copied() else {
            report.outcome = RowOutcome::Rejected;
            report.reason = Some("the contact could not be stored; import the file again".into());
            written.push(report);
            continue;
        };
        report.contact_id = Some(id);
        let new_tags: Vec<(i64, i64)> = c
            .tags
            .iter()
            .filter_map(|t| tag_ids.get(t))
            .map(|t| (id, *t))
            .filter(|pair| !existing_links.contains(pair))
            .collect();
        links.extend(new_tags.iter().copied());
        let Some(found) = existing.get(&c.phone) else {
            written.push(report);
            continue;
        };
        if found.sources & ContactSource::Csv.bit() == 0 {
            gained_csv.push(found.id);
        }
        let filled = fill_existing(db, found, c, cx).await?;
        let mut added: Vec<&str> = filled;
        if !new_tags.is_empty() {
            added.push("tags");
        }
        if added.is_empty() {
            report.outcome = RowOutcome::Duplicate;
            report.reason = Some("already in contacts, nothing new to add".into());
        } else {
            report.outcome = RowOutcome::Updated;
            report.reason = Some(format!("already in contacts; added {}", added.join(", ")));
        }
        written.push(report);
    }
    add_source(db, &gained_csv, ContactSource::Csv).await?;
    link_contacts(db, &links).await?;
    Ok(written)
}

/// One `INSERT … ON CONFLICT DO NOTHING RETURNING id, phone` per batch
/// (another workstation may have added a number meanwhile). The rows arrive
/// as ONE JSON array parameter unpacked by the database (`json_each` on
/// SQLite, `json_to_recordset` on PostgreSQL), as the outbox insert does: 14
/// bind parameters per row cost more to bind than the rows cost to write.
/// What every row shares (its source, origin, the import's time) is bound once.
/// A number on the suppression list stays opted out when it comes back: its
/// `opted_out_at` is the suppression's time, looked up in the same statement.
fn insert_sql(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Postgres => {
            "INSERT INTO contacts (phone, name, region, state, district, segment, first_source, sources, origin, \
             consent_at, consent_source, opted_out_at, created_at, updated_at) \
             SELECT r.p, r.n, r.r, r.s, r.d, r.g, $1, $2, $3, r.ca, r.cs, \
             (SELECT s.created_at FROM suppressions s WHERE s.key = r.p), $4, $4 \
             FROM json_to_recordset($5::json) \
             AS r(p text, n text, r text, s text, d text, g text, ca timestamptz, cs text) \
             ON CONFLICT DO NOTHING RETURNING id, phone"
        }
        _ => {
            "INSERT INTO contacts (phone, name, region, state, district, segment, first_source, sources, origin, \
             consent_at, consent_source, opted_out_at, created_at, updated_at) \
             SELECT r.value ->> 'p', r.value ->> 'n', r.value ->> 'r', r.value ->> 's', r.value ->> 'd', \
             r.value ->> 'g', ?1, ?2, ?3, r.value ->> 'ca', r.value ->> 'cs', \
             (SELECT s.created_at FROM suppressions s WHERE s.key = r.value ->> 'p'), ?4, ?4 \
             FROM jsonb_each(?5) AS r WHERE true \
             ON CONFLICT DO NOTHING RETURNING id, phone"
        }
    }
}

#[derive(serde::Serialize)]
struct JsonContact<'a> {
    p: &'a str,
    n: Option<&'a str>,
    r: Option<&'a str>,
    s: Option<&'a str>,
    d: Option<&'a str>,
    g: Option<&'a str>,
    ca: Option<String>,
    cs: Option<&'a str>,
}

fn insert_statement(backend: DbBackend, chunk: &[Candidate], cx: &BatchContext) -> Result<Statement, ImportError> {
    let rows: Vec<JsonContact> = chunk
        .iter()
        .map(|c| JsonContact {
            p: &c.phone,
            n: c.name.as_deref(),
            r: c.region.as_deref(),
            s: c.state.as_deref(),
            d: c.district.as_deref(),
            g: c.segment.as_deref(),
            ca: c.consent.map(timestamp_text),
            cs: c.consent.map(|_| cx.consent_source.as_str()),
        })
        .collect();
    let values: [sea_orm::Value; 5] = [
        ContactSource::Csv.as_str().into(),
        ContactSource::Csv.bit().into(),
        cx.origin.as_str().into(),
        cx.at.into(),
        json_param(&rows)?,
    ];
    Ok(Statement::from_sql_and_values(backend, insert_sql(backend), values))
}

async fn by_phone(db: &impl ConnectionTrait, phones: &[String]) -> Result<HashMap<String, contact::Model>, ImportError> {
    let mut out = HashMap::with_capacity(phones.len());
    for chunk in phones.chunks(ID_CHUNK) {
        for c in contact::Entity::find().filter(contact::Column::Phone.is_in(chunk.to_vec())).all(db).await? {
            if let Some(p) = c.phone.clone() {
                out.insert(p, c);
            }
        }
    }
    Ok(out)
}

/// An existing contact gets only what it lacks (empty fields, a consent not
/// yet on record). Returns the labels of what was filled.
async fn fill_existing(
    db: &impl ConnectionTrait,
    found: &contact::Model,
    c: &Candidate,
    cx: &BatchContext,
) -> Result<Vec<&'static str>, ImportError> {
    let mut filled: Vec<&'static str> = Vec::new();
    let mut row: contact::ActiveModel = found.clone().into();
    for (have, want, label) in [
        (&found.name, &c.name, "name"),
        (&found.region, &c.region, "region"),
        (&found.state, &c.state, "state"),
        (&found.district, &c.district, "district"),
        (&found.segment, &c.segment, "segment"),
    ] {
        if have.is_none() && want.is_some() {
            filled.push(label);
            match label {
                "name" => row.name = Set(want.clone()),
                "region" => row.region = Set(want.clone()),
                "state" => row.state = Set(want.clone()),
                "district" => row.district = Set(want.clone()),
                _ => row.segment = Set(want.clone()),
            }
        }
    }
    if found.consent_at.is_none() && c.consent.is_some() {
        filled.push("consent");
        row.consent_at = Set(c.consent);
        row.consent_source = Set(Some(cx.consent_source.clone()));
    }
    if !filled.is_empty() {
        row.updated_at = Set(cx.at);
        row.update(db).await?;
    }
    Ok(filled)
}
