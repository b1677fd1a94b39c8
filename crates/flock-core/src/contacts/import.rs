//! CSV import: detect headers, map columns, normalise phones, de-duplicate
//! (within the file and against the database), and report every row.
//! Nothing is silently lost: each data row ends up imported, updated,
//! duplicate or rejected, with its row number, raw value and reason.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Statement};
use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;

use super::consent::parse_consent;
use super::encoding::to_utf8;
use super::import_write::{prepare, write_in_order, BatchContext, Candidate, PreparedBatch, WrittenBatch};
use super::mapping::{looks_like_headers, propose_mapping, ColumnMapping, ImportField};
use super::ImportError;
use crate::phone::PhoneNormalizer;

/// Rows per transaction (and per chunk of phone parsing).
const BATCH: usize = 5_000;
/// Chunks parsed ahead of the one being written.
const PARSE_AHEAD: usize = 3;
/// Batches written at once on PostgreSQL, each on its own connection (of
/// the pool's 8): the server works on them in parallel, which on a server of
/// its own is what the import waits for.
const POSTGRES_BATCHES_IN_FLIGHT: usize = 2;
/// Rows shown in a preview.
const SAMPLE_ROWS: usize = 5;
/// SQLite's WAL between checkpoints while an import runs (in pages of the
/// file's own size: 4 KiB in an older file, 16 KiB in a new one), and
/// SQLite's default in pages.
const IMPORT_CHECKPOINT_BYTES: i64 = 64 * 1024 * 1024;
const SQLITE_CHECKPOINT_PAGES: u32 = 1_000;

/// What the mapping step shows before anything is written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CsvPreview {
    pub has_headers: bool,
    /// Header names, or "column 1", "column 2", … without a header row.
    pub headers: Vec<String>,
    pub mapping: ColumnMapping,
    /// The first data rows, as read (invalid UTF-8 shown with �).
    pub sample: Vec<Vec<String>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ImportOptions {
    /// Shown in the report and recorded as the contacts' origin
    /// ("import:<file name>"; consent from a consent column as "csv:<file name>").
    pub file_name: String,
    /// Country for numbers written without a country code (two letters).
    pub default_country: String,
    /// `None`: the proposed mapping.
    pub mapping: Option<ColumnMapping>,
    /// `None`: detected.
    pub has_headers: Option<bool>,
}

impl ImportOptions {
    pub fn new(file_name: impl Into<String>) -> Self {
        Self { file_name: file_name.into(), default_country: "IN".into(), mapping: None, has_headers: None }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum RowOutcome {
    /// A new contact.
    Imported,
    /// An existing contact got values it did not have (empty fields, tags).
    Updated,
    /// Same number as an earlier row, or already a contact with nothing new.
    Duplicate,
    Rejected,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ImportRow {
    /// Line number in the file (the header row is line 1).
    pub row: u64,
    pub outcome: RowOutcome,
    /// The phone cell as written (the whole line when there is no phone cell).
    pub raw: String,
    /// E.164, when the phone could be read.
    pub phone: Option<String>,
    pub contact_id: Option<i64>,
    /// Why it was rejected or is a duplicate; what was filled in for an update.
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ImportTotals {
    /// Data rows read (header excluded, blank lines not counted).
    pub rows: u64,
    pub imported: u64,
    pub updated: u64,
    pub duplicates: u64,
    pub rejected: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ImportReport {
    pub file_name: String,
    /// Recorded as the new contacts' origin: "import:<file name>".
    pub origin: String,
    pub has_headers: bool,
    pub mapping: ColumnMapping,
    pub totals: ImportTotals,
    /// One entry per data row, in file order.
    pub rows: Vec<ImportRow>,
}

/// One record of the file: its line and cells (`Err` = not valid UTF-8).
struct RawRecord {
    line: u64,
    cells: Result<Vec<String>, Vec<String>>,
}

fn read_records(bytes: &[u8]) -> Result<Vec<RawRecord>, ImportError> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(bytes);
    let mut out = Vec::new();
    let mut record = csv::ByteRecord::new();
    // Line numbers as a spreadsheet shows them: counted from the record's
    // first byte, after the blank lines the reader skips.
    let (mut counted_to, mut line) = (0usize, 1u64);
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let mut start = record.position().map(|p| p.byte() as usize).unwrap_or(counted_to).min(bytes.len());
                while start < bytes.len() && (bytes[start] == b'\n' || bytes[start] == b'\r') {
                    start += 1;
                }
                let start = start.max(counted_to);
                line += line_breaks(&bytes[counted_to..start], bytes.get(start).copied());
                counted_to = start;
                // A NUL is valid UTF-8 but no text (and PostgreSQL refuses it).
                let strict: Option<Vec<String>> = record
                    .iter()
                    .map(|f| std::str::from_utf8(f).ok().filter(|t| !t.contains('\0')).map(str::to_string))
                    .collect();
                let cells =
                    strict.ok_or_else(|| record.iter().map(|f| String::from_utf8_lossy(f).into_owned()).collect());
                out.push(RawRecord { line, cells });
            }
            Err(e) => return Err(ImportError::Unreadable(e)),
        }
    }
    Ok(out)
}

/// Line breaks in `gap`: `\n`, `\r\n`, and a `\r` alone (old Mac files);
/// `next` is the byte after it (a `\r` at its end may pair with it).
fn line_breaks(gap: &[u8], next: Option<u8>) -> u64 {
    let mut n = 0;
    for (i, b) in gap.iter().enumerate() {
        let after = gap.get(i + 1).copied().or(next);
        n += u64::from(*b == b'\n' || (*b == b'\r' && after != Some(b'\n')));
    }
    n
}

fn layout(records: &[RawRecord], has_headers: Option<bool>) -> (bool, Vec<String>) {
    let first: Vec<String> = match records.first().map(|r| &r.cells) {
        Some(Ok(c)) | Some(Err(c)) => c.iter().map(|s| s.trim().to_string()).collect(),
        None => Vec::new(),
    };
    let has_headers = has_headers.unwrap_or_else(|| looks_like_headers(&first));
    let width = records.iter().map(|r| match &r.cells {
        Ok(c) | Err(c) => c.len(),
    });
    let width = width.max().unwrap_or(0);
    let mut headers: Vec<String> = if has_headers { first } else { Vec::new() };
    for i in headers.len()..width {
        headers.push(format!("column {}", i + 1));
    }
    (has_headers, headers)
}

/// Reads the start of a file and proposes a mapping.
pub fn preview(bytes: &[u8]) -> Result<CsvPreview, ImportError> {
    let records = read_records(&to_utf8(bytes)?)?;
    if records.is_empty() {
        return Err(ImportError::Empty);
    }
    let (has_headers, headers) = layout(&records, None);
    let data = &records[usize::from(has_headers)..];
    let sample: Vec<Vec<String>> = data
        .iter()
        .take(SAMPLE_ROWS)
        .map(|r| match &r.cells {
            Ok(c) | Err(c) => c.clone(),
        })
        .collect();
    let mapping = propose_mapping(&headers, sample.first().map(Vec::as_slice), has_headers);
    Ok(CsvPreview { has_headers, headers, mapping, sample })
}

/// A cell as written, without the `'` that an export puts before a cell a
/// spreadsheet would run as a formula (see `export`), so exports read back.
pub(crate) fn unescape_cell(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(super::export::FORMULA_TRIGGERS) => rest,
        _ => cell,
    }
}

/// Imports a CSV file (as bytes, so a badly encoded line is one rejected
/// row rather than a failed import). Batched: one transaction per 5,000 rows;
/// a batch the database refuses stops the import with
/// [`ImportError::Stopped`]: the rows before it are stored (their totals in
/// the error), nothing from its first line on. Importing the file again
/// adds the rest (stored rows come back as duplicates).
pub async fn import_csv(
    db: &DatabaseConnection,
    bytes: &[u8],
    options: &ImportOptions,
) -> Result<ImportReport, ImportError> {
    let normalizer = PhoneNormalizer::new(&options.default_country)?;
    // The first number read loads the phone metadata (about 0.2 s): it does
    // so while the file is read, not while the first batch waits for it.
    drop(tokio::task::spawn_blocking(move || normalizer.to_e164("+91 98765 43210")));
    let records = read_records(&to_utf8(bytes)?)?;
    if records.is_empty() {
        return Err(ImportError::Empty);
    }
    let (has_headers, headers) = layout(&records, options.has_headers);
    let data = &records[usize::from(has_headers)..];
    let mapping = match &options.mapping {
        Some(m) => m.clone(),
        None => {
            let first = data.first().and_then(|r| r.cells.as_ref().ok()).map(Vec::as_slice);
            propose_mapping(&headers, first, has_headers)
        }
    };
    let columns = mapping.resolve(&headers)?;
    let Some(phone_col) = columns.iter().find(|(f, _)| *f == ImportField::Phone).map(|(_, i)| *i) else {
        return Err(ImportError::NoPhoneColumn { headers: headers.clone() });
    };
    let phone_header = headers[phone_col].clone();
    let origin = format!("import:{}", options.file_name);
    let consent_source = format!("csv:{}", options.file_name);
    let at = crate::repo::now();

    let mut batches = Batches {
        chunks: data.chunks(BATCH).collect(),
        phone_col,
        normalizer,
        parsing: VecDeque::new(),
        next: 0,
        unprepared: None,
        reader: RowReader {
            columns: &columns,
            phone_col,
            phone_header: &phone_header,
            at,
            normalizer,
            rows: Vec::with_capacity(data.len()),
            first_row_of: HashMap::new(),
        },
    };
    for i in 0..PARSE_AHEAD {
        batches.parse_ahead(i);
    }
    let mut tag_ids: HashMap<String, i64> = HashMap::new();
    let backend = db.get_database_backend();
    let sqlite = backend == DbBackend::Sqlite;
    if sqlite {
        // A checkpoint every 64 MiB of WAL while the import runs, not every
        // 1,000 pages (4 MiB of 4 KiB pages): with the default each batch's
        // commit also checkpointed (3.4 s for 100,000 rows against 2.6 s).
        // Only for the import: a WAL that large all the time would hold that
        // much of a small disk. In bytes, not pages: with 16 KiB pages the
        // same page count would let the WAL file grow to 190 MB.
        let page_size = db
            .query_one_raw(Statement::from_string(backend, "SELECT page_size AS n FROM pragma_page_size()"))
            .await?
            .map(|row| row.try_get::<i64>("", "n"))
            .transpose()?
            .unwrap_or(4096);
        let pages = crate::db::bulk::wal_pages(IMPORT_CHECKPOINT_BYTES, page_size);
        db.execute_unprepared(&format!("PRAGMA wal_autocheckpoint = {pages}")).await?;
    }
    let context = Arc::new(BatchContext { origin: origin.clone(), consent_source, at });
    // Batches in flight, each its own transaction: on PostgreSQL two, on two
    // connections, so the server works on both at once; SQLite has one
    // writer. Meanwhile the next batch is read and checked and its statements
    // built. The writer (SQLite's one connection, or the PostgreSQL server)
    // is the import's critical path, and so it never waits for this side.
    let depth = if backend == DbBackend::Postgres { POSTGRES_BATCHES_IN_FLIGHT } else { 1 };
    let stored: Result<(), ImportError> = async {
        let stopped = |failed: FailedBatch, rows: &[ImportRow]| ImportError::Stopped {
            file: options.file_name.clone(),
            line: failed.place.first_line,
            stored: totals_of(&rows[..failed.place.rows_before]),
            source: Box::new(failed.source),
        };
        let mut in_flight: VecDeque<InFlight> = VecDeque::new();
        // The commit of the batch launched last, which the next one waits for.
        let mut previous: Option<oneshot::Receiver<()>> = None;
        let mut next = batches.next(backend, &context).await;
        loop {
            if in_flight.len() < depth {
                if let Some(batch) = next.take() {
                    let (committed, after) = oneshot::channel();
                    let task = tokio::spawn(write_in_order(
                        db.clone(),
                        batch.prepared,
                        context.clone(),
                        tag_ids.clone(),
                        previous.replace(after),
                        committed,
                    ));
                    in_flight.push_back(InFlight { task: AbortOnDrop(task), place: batch.place });
                    next = batches.next(backend, &context).await;
                    continue;
                }
            }
            let Some(mut oldest) = in_flight.pop_front() else { break };
            let outcome = match (&mut oldest.task.0).await {
                Ok(Ok(Some(done))) => Ok(done),
                // Only a batch after a failed one rolls back, and that
                // failure was the oldest in flight before it: not met here.
                Ok(Ok(None)) => Err(ImportError::from(DbErr::Custom("rolled back after an earlier batch".into()))),
                Ok(Err(e)) => Err(e),
                Err(e) => Err(ImportError::from(DbErr::Custom(format!("the import's writer task ended: {e}")))),
            };
            match outcome {
                Ok(done) => {
                    done.rows.into_iter().for_each(|w| w.apply(&mut batches.reader.rows));
                    tag_ids.extend(done.tags);
                }
                Err(source) => {
                    // The batches after it roll back (their predecessor never
                    // committed): wait for them, then report this one.
                    for later in in_flight.iter_mut() {
                        let _ = (&mut later.task.0).await;
                    }
                    return Err(stopped(FailedBatch { place: oldest.place, source }, &batches.reader.rows));
                }
            }
        }
        // A batch that could not be prepared: the import stops there, once
        // the batches before it are stored.
        match batches.unprepared.take() {
            Some(failed) => Err(stopped(failed, &batches.reader.rows)),
            None => Ok(()),
        }
    }
    .await;
    if sqlite {
        // Back to SQLite's default (the connection is pooled; the next commit
        // checkpoints). Failing that is no failure of the import, whose rows
        // are stored: it is logged, and a restart resets it.
        if let Err(e) = db.execute_unprepared(&format!("PRAGMA wal_autocheckpoint = {SQLITE_CHECKPOINT_PAGES}")).await {
            tracing::warn!(error = %e, "could not set SQLite's WAL checkpoint interval back after an import");
        }
    }
    stored?;
    let rows = batches.reader.rows;
    let written = rows.iter().filter(|r| matches!(r.outcome, RowOutcome::Imported | RowOutcome::Updated)).count();
    if written >= crate::db::bulk::TIDY_AFTER {
        crate::db::bulk::tidy(db, &["contacts", "contact_tags"]).await?;
    }
    let totals = totals_of(&rows);
    Ok(ImportReport { file_name: options.file_name.clone(), origin, has_headers, mapping, totals, rows })
}

fn totals_of(rows: &[ImportRow]) -> ImportTotals {
    let mut totals = ImportTotals { rows: rows.len() as u64, ..Default::default() };
    for r in rows {
        match r.outcome {
            RowOutcome::Imported => totals.imported += 1,
            RowOutcome::Updated => totals.updated += 1,
            RowOutcome::Duplicate => totals.duplicates += 1,
            RowOutcome::Rejected => totals.rejected += 1,
        }
    }
    totals
}

type Parsed = Result<String, crate::phone::PhoneError>;

/// The file's data rows in batches, in order. Phone numbers (the costly part
/// of the reading) are normalised on blocking threads, a few batches ahead.
struct Batches<'a> {
    chunks: Vec<&'a [RawRecord]>,
    phone_col: usize,
    normalizer: PhoneNormalizer,
    parsing: VecDeque<tokio::task::JoinHandle<Vec<Option<Parsed>>>>,
    /// The next chunk to hand out.
    next: usize,
    /// The batch that could not be prepared; no batch is handed out after it.
    unprepared: Option<FailedBatch>,
    reader: RowReader<'a>,
}

/// Where a batch starts, in the file and in the report.
#[derive(Clone, Copy)]
struct BatchPlace {
    first_line: u64,
    /// Report rows before this batch's (stored, if this batch fails).
    rows_before: usize,
}

/// A batch ready for its transaction.
struct NextBatch {
    place: BatchPlace,
    prepared: PreparedBatch,
}

/// A batch being written, by a task of its own.
struct InFlight {
    task: AbortOnDrop<Result<Option<WrittenBatch>, ImportError>>,
    place: BatchPlace,
}

/// An import dropped half-way (its caller went away) takes its batches in
/// flight with it: aborted, their transactions roll back.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A batch that could not be prepared or written.
struct FailedBatch {
    place: BatchPlace,
    source: ImportError,
}

impl Batches<'_> {
    fn parse_ahead(&mut self, chunk: usize) {
        let Some(chunk) = self.chunks.get(chunk) else { return };
        let cells: Vec<Option<String>> =
            chunk.iter().map(|r| r.cells.as_ref().ok().and_then(|c| c.get(self.phone_col)).cloned()).collect();
        let normalizer = self.normalizer;
        self.parsing.push_back(tokio::task::spawn_blocking(move || {
            cells.iter().map(|c| c.as_deref().map(|p| normalizer.to_e164(unescape_cell(p.trim())))).collect()
        }));
    }

    /// The next batch with rows to write (`None`: the file is done, or a
    /// batch could not be prepared: `unprepared`).
    async fn next(&mut self, backend: DbBackend, cx: &BatchContext) -> Option<NextBatch> {
        if self.unprepared.is_some() {
            return None;
        }
        while let Some(chunk) = self.chunks.get(self.next).copied() {
            // A parse task that panicked leaves its numbers to `read`.
            let parsed = match self.parsing.pop_front() {
                Some(task) => task.await.unwrap_or_default(),
                None => Vec::new(),
            };
            self.parse_ahead(self.next + PARSE_AHEAD);
            self.next += 1;
            let rows_before = self.reader.rows.len();
            let mut parsed = parsed.into_iter();
            let candidates: Vec<Candidate> =
                chunk.iter().filter_map(|record| self.reader.read(record, parsed.next().flatten())).collect();
            if candidates.is_empty() {
                continue;
            }
            let place = BatchPlace { first_line: chunk[0].line, rows_before };
            return match prepare(backend, candidates, cx) {
                Ok(prepared) => Some(NextBatch { place, prepared }),
                Err(source) => {
                    self.unprepared = Some(FailedBatch { place, source });
                    None
                }
            };
        }
        None
    }
}

/// Reads data rows one by one: checks, de-duplicates within the file, and
/// reports each row; returns the rows to write.
struct RowReader<'a> {
    columns: &'a [(ImportField, usize)],
    phone_col: usize,
    phone_header: &'a str,
    at: crate::entities::Timestamp,
    normalizer: PhoneNormalizer,
    rows: Vec<ImportRow>,
    first_row_of: HashMap<String, u64>,
}

impl RowReader<'_> {
    /// `parsed`: the phone cell already normalised (else it is done here).
    fn read(&mut self, record: &RawRecord, parsed: Option<Parsed>) -> Option<Candidate> {
        let reject = |raw: String, reason: String| ImportRow {
            row: record.line,
            outcome: RowOutcome::Rejected,
            raw,
            phone: None,
            contact_id: None,
            reason: Some(reason),
        };
        let cells = match &record.cells {
            Ok(cells) => cells,
            Err(lossy) => {
                let raw = lossy.get(self.phone_col).cloned().unwrap_or_else(|| lossy.join(","));
                self.rows
                    .push(reject(raw, "the line is not valid UTF-8 text (or holds a NUL character); save the file as CSV UTF-8 and import it again".into()));
                return None;
            }
        };
        if cells.iter().all(|c| c.trim().is_empty()) {
            self.rows.push(reject(cells.join(","), "empty row".into()));
            return None;
        }
        let Some(raw_phone) = cells.get(self.phone_col) else {
            self.rows.push(reject(
                cells.join(","),
                format!(
                    "the row has {} column(s); the phone column \"{}\" (column {}) is missing",
                    cells.len(),
                    self.phone_header,
                    self.phone_col + 1
                ),
            ));
            return None;
        };
        let phone = match parsed.unwrap_or_else(|| self.normalizer.to_e164(unescape_cell(raw_phone.trim()))) {
            Ok(p) => p,
            Err(e) => {
                self.rows.push(reject(raw_phone.clone(), e.to_string()));
                return None;
            }
        };
        if let Some(first) = self.first_row_of.get(&phone) {
            self.rows.push(ImportRow {
                row: record.line,
                outcome: RowOutcome::Duplicate,
                raw: raw_phone.clone(),
                phone: Some(phone),
                contact_id: None,
                reason: Some(format!("same number as row {first}")),
            });
            return None;
        }
        let cell = |field: ImportField| {
            self.columns
                .iter()
                .find(|(f, _)| *f == field)
                .and_then(|(_, i)| cells.get(*i))
                .map(|v| unescape_cell(v.trim()).trim())
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        let consent = match cell(ImportField::Consent).map(|v| parse_consent(&v, self.at)) {
            Some(Ok(c)) => c,
            Some(Err(reason)) => {
                self.rows.push(reject(raw_phone.clone(), reason));
                return None;
            }
            None => None,
        };
        let tags = cell(ImportField::Tags)
            .map(|t| t.split([';', '|', ',']).map(str::trim).filter(|t| !t.is_empty()).map(str::to_string).collect())
            .unwrap_or_default();
        let candidate = Candidate {
            report_index: self.rows.len(),
            phone: phone.clone(),
            name: cell(ImportField::Name),
            region: cell(ImportField::Region),
            state: cell(ImportField::State),
            district: cell(ImportField::District),
            segment: cell(ImportField::Segment),
            tags,
            consent,
        };
        self.first_row_of.insert(phone.clone(), record.line);
        self.rows.push(ImportRow {
            row: record.line,
            outcome: RowOutcome::Imported,
            raw: raw_phone.clone(),
            phone: Some(phone),
            contact_id: None,
            reason: None,
        });
        Some(candidate)
    }
}
