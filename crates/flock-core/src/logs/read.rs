//! Reading the log folder: the day files, and the last lines of one of them
//! (scanned backwards, filtered by level and text, a page at a time).

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::line::{LogLevel, LogLine};
use super::LogsError;

/// Bytes read per step when scanning backwards.
const CHUNK: usize = 64 * 1024;
/// At most this much of a file is scanned for one page (a filter that
/// matches little on a big file answers with `more` instead of scanning on).
const MAX_SCAN: u64 = 16 * 1024 * 1024;
/// The largest page a caller may ask for.
pub const MAX_LINES: u32 = 5_000;

/// One day's file in the log folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct LogFile {
    /// The file name (`flock.2026-12-01.log`): what `read` takes.
    pub name: String,
    /// The day it holds (UTC), from the name.
    pub date: Option<NaiveDate>,
    pub size: u64,
}

/// Which lines to read: the newest `limit` lines before `before` that pass the filters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct LogQuery {
    /// A name from the file list; `None`: the newest file.
    pub file: Option<String>,
    /// A byte offset (a page's `start`) to read older lines; `None`: the end of the file.
    pub before: Option<u64>,
    /// How many lines (1 to 5000).
    pub limit: u32,
    /// Lines at this level or more severe; `None`: every level.
    pub min_level: Option<LogLevel>,
    /// Only lines whose message, module or fields hold this text (any case).
    pub search: Option<String>,
}

impl LogQuery {
    /// Whether a line passes the level and text filters.
    pub fn matches(&self, line: &LogLine) -> bool {
        self.min_level.is_none_or(|min| line.level >= min)
            && self.needle().is_none_or(|needle| line.contains(&needle))
    }

    fn needle(&self) -> Option<String> {
        self.search.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_lowercase)
    }
}

/// A line and where it starts in its file (its key: the live tail sends
/// lines by offset too, so a window drops the ones it already has).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct LogEntry {
    pub offset: u64,
    pub line: LogLine,
}

/// A page of lines, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct LogPage {
    /// `None`: the log folder has no file yet.
    pub file: Option<String>,
    pub entries: Vec<LogEntry>,
    /// Where to continue for older lines (`before` of the next page).
    pub start: u64,
    /// The end of the last whole line read: live lines follow from here.
    pub end: u64,
    /// Older lines exist before `start`.
    pub more: bool,
}

/// The log folder and the prefix of its files (`flock` → `flock.2026-12-01.log`).
#[derive(Debug, Clone)]
pub struct LogDir {
    dir: PathBuf,
    prefix: String,
}

impl LogDir {
    pub fn new(dir: impl Into<PathBuf>, prefix: &str) -> Self {
        Self { dir: dir.into(), prefix: prefix.to_string() }
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// The day files, newest first. A missing folder has none.
    pub fn files(&self) -> Result<Vec<LogFile>, LogsError> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => return Err(LogsError::Folder { path: self.dir.clone(), source }),
        };
        let mut files: Vec<LogFile> = entries
            .filter_map(Result::ok)
            .filter_map(|entry| {
                let name = entry.file_name().into_string().ok()?;
                let day = name.strip_prefix(&self.prefix)?.strip_prefix('.')?.strip_suffix(".log")?;
                let size = entry.metadata().ok().filter(|m| m.is_file())?.len();
                let date = NaiveDate::parse_from_str(day, "%Y-%m-%d").ok();
                Some(LogFile { name, date, size })
            })
            .collect();
        files.sort_by(|a, b| b.date.cmp(&a.date).then_with(|| b.name.cmp(&a.name)));
        Ok(files)
    }

    /// The newest day file, if any.
    pub fn current(&self) -> Result<Option<LogFile>, LogsError> {
        Ok(self.files()?.into_iter().next())
    }

    /// The path of a file named in the list; any other name (a path, `..`)
    /// is refused.
    pub fn file_path(&self, name: &str) -> Result<PathBuf, LogsError> {
        if self.files()?.iter().any(|f| f.name == name) {
            Ok(self.dir.join(name))
        } else {
            Err(LogsError::UnknownFile { name: name.to_string(), dir: self.dir.clone() })
        }
    }

    /// The newest lines of the query's file that pass its filters.
    pub fn read(&self, query: &LogQuery) -> Result<LogPage, LogsError> {
        if query.limit == 0 || query.limit > MAX_LINES {
            return Err(LogsError::Limit { limit: query.limit });
        }
        let name = match &query.file {
            Some(name) => name.clone(),
            None => match self.current()? {
                Some(file) => file.name,
                None => return Ok(LogPage { file: None, entries: Vec::new(), start: 0, end: 0, more: false }),
            },
        };
        let path = self.file_path(&name)?;
        let mut page = read_back(&path, query).map_err(|source| LogsError::Read { path, source })?;
        page.file = Some(name);
        Ok(page)
    }
}

/// Scans `path` backwards from `before` (or its last whole line).
fn read_back(path: &Path, query: &LogQuery) -> std::io::Result<LogPage> {
    let mut file = File::open(path)?;
    let len = file.metadata()?.len();
    let end = whole_lines_end(&mut file, query.before.unwrap_or(len).min(len))?;
    let limit = query.limit as usize;
    let mut found: Vec<LogEntry> = Vec::new();
    // `buf` holds the bytes [pos, line_end): whole lines, the last ending at line_end.
    let mut buf: Vec<u8> = Vec::new();
    let mut pos = end;
    let mut line_end = end;
    let mut stopped_at = None;
    'scan: while line_end > 0 {
        // Split off whole lines from the back of what is read.
        while let Some(k) = buf[..buf.len().saturating_sub(1)].iter().rposition(|b| *b == b'\n') {
            let offset = pos + k as u64 + 1;
            take(&buf[k + 1..], offset, query, &mut found);
            buf.truncate(k + 1);
            line_end = offset;
            if found.len() >= limit {
                stopped_at = Some(line_end);
                break 'scan;
            }
        }
        if pos == 0 {
            take(&buf, 0, query, &mut found);
            line_end = 0;
            break;
        }
        if end - pos >= MAX_SCAN {
            stopped_at = Some(line_end);
            break;
        }
        let n = CHUNK.min(pos as usize);
        pos -= n as u64;
        let mut chunk = vec![0; n];
        file.seek(SeekFrom::Start(pos))?;
        file.read_exact(&mut chunk)?;
        chunk.extend_from_slice(&buf);
        buf = chunk;
    }
    found.reverse();
    let start = stopped_at.unwrap_or(line_end);
    Ok(LogPage { file: None, entries: found, start, end, more: start > 0 })
}

/// Parses one line (without or with its `\n`) and keeps it when it passes.
fn take(bytes: &[u8], offset: u64, query: &LogQuery, found: &mut Vec<LogEntry>) {
    let text = String::from_utf8_lossy(bytes);
    if text.trim().is_empty() {
        return;
    }
    let line = LogLine::parse(&text);
    if query.matches(&line) {
        found.push(LogEntry { offset, line });
    }
}

/// `at`, moved back to just after the last `\n` before it (a line still
/// being written is not read).
pub(crate) fn whole_lines_end(file: &mut File, at: u64) -> std::io::Result<u64> {
    let mut pos = at;
    let mut chunk = vec![0u8; 4096];
    while pos > 0 {
        let n = chunk.len().min(pos as usize);
        file.seek(SeekFrom::Start(pos - n as u64))?;
        file.read_exact(&mut chunk[..n])?;
        if let Some(k) = chunk[..n].iter().rposition(|b| *b == b'\n') {
            return Ok(pos - n as u64 + k as u64 + 1);
        }
        pos -= n as u64;
    }
    Ok(0)
}
