//! The live end of the log: one task per process follows the newest day
//! file (woken by the OS through `notify`, never on a timer) and publishes
//! the whole lines appended since it last looked, with their offsets.
//! Windows subscribe; a window that read a page up to `end` keeps the lines
//! from `end` on.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::time::Duration;

use notify::{RecursiveMode, Watcher};
use serde::Serialize;
use tokio::sync::{broadcast, mpsc};

use super::line::LogLine;
use super::read::{whole_lines_end, LogDir, LogEntry};
use super::LogsError;

/// Writes close together arrive as one batch.
const COALESCE: Duration = Duration::from_millis(150);
/// A burst bigger than this is sent in several batches.
const MAX_BATCH_LINES: usize = 1_000;

/// Whole lines appended to `file`, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct LogBatch {
    pub file: String,
    pub entries: Vec<LogEntry>,
}

/// The running tail. Dropping it stops the task and the watcher.
pub struct LogTail {
    tx: broadcast::Sender<LogBatch>,
    task: tokio::task::JoinHandle<()>,
    _watcher: notify::RecommendedWatcher,
}

impl LogTail {
    /// Starts following `dir` from the current end of its newest file (older
    /// lines are read with [`LogDir::read`]). Needs a tokio runtime.
    pub fn start(dir: LogDir) -> Result<Self, LogsError> {
        std::fs::create_dir_all(dir.path()).map_err(|source| LogsError::Folder { path: dir.path().to_path_buf(), source })?;
        let (wake_tx, wake_rx) = mpsc::unbounded_channel::<()>();
        let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
            if event.is_ok() {
                let _ = wake_tx.send(());
            }
        })
        .map_err(|source| LogsError::Watch { path: dir.path().to_path_buf(), source })?;
        watcher
            .watch(dir.path(), RecursiveMode::NonRecursive)
            .map_err(|source| LogsError::Watch { path: dir.path().to_path_buf(), source })?;
        let (tx, _) = broadcast::channel(64);
        let mut follower = Follower::new(dir);
        follower.skip_to_end();
        let task = tokio::spawn(follow(follower, wake_rx, tx.clone()));
        Ok(Self { tx, task, _watcher: watcher })
    }

    pub fn subscribe(&self) -> broadcast::Receiver<LogBatch> {
        self.tx.subscribe()
    }
}

impl Drop for LogTail {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn follow(mut follower: Follower, mut wake: mpsc::UnboundedReceiver<()>, tx: broadcast::Sender<LogBatch>) {
    while wake.recv().await.is_some() {
        tokio::time::sleep(COALESCE).await;
        while wake.try_recv().is_ok() {}
        // Small reads (what was appended since the last wake).
        let batches = match follower.poll_new() {
            Ok(batches) => batches,
            Err(e) => {
                // Not logged: a log line would wake this task again.
                eprintln!("log tail: {e}");
                continue;
            }
        };
        for batch in batches {
            let _ = tx.send(batch);
        }
    }
}

/// Which file is followed and how far it was read. Apart from the task so
/// that a test can drive it step by step.
pub(crate) struct Follower {
    dir: LogDir,
    file: Option<String>,
    offset: u64,
}

impl Follower {
    pub(crate) fn new(dir: LogDir) -> Self {
        Self { dir, file: None, offset: 0 }
    }

    /// Follows the newest file from its current end.
    pub(crate) fn skip_to_end(&mut self) {
        if let Ok(Some(current)) = self.dir.current() {
            let end = File::open(self.dir.path().join(&current.name)).and_then(|mut f| whole_lines_end(&mut f, current.size));
            self.offset = end.unwrap_or(0);
            self.file = Some(current.name);
        }
    }

    /// The whole lines written since the last call. A new day file is read
    /// from its start (the rest of the old one first); a file that shrank
    /// (replaced) is read again from its start.
    pub(crate) fn poll_new(&mut self) -> Result<Vec<LogBatch>, LogsError> {
        let Some(current) = self.dir.current()? else { return Ok(Vec::new()) };
        let mut batches = Vec::new();
        if self.file.as_deref() != Some(current.name.as_str()) {
            if let Some(old) = self.file.take() {
                batches.extend(self.read_from(&old)?);
            }
            self.file = Some(current.name.clone());
            self.offset = 0;
        }
        batches.extend(self.read_from(&current.name)?);
        Ok(batches)
    }

    fn read_from(&mut self, name: &str) -> Result<Vec<LogBatch>, LogsError> {
        let path = self.dir.path().join(name);
        let io = |source| LogsError::Read { path: path.clone(), source };
        let mut file = match File::open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io(e)),
        };
        let len = file.metadata().map_err(io)?.len();
        if len < self.offset {
            self.offset = 0;
        }
        if len == self.offset {
            return Ok(Vec::new());
        }
        file.seek(SeekFrom::Start(self.offset)).map_err(io)?;
        let mut bytes = Vec::with_capacity((len - self.offset) as usize);
        file.take(len - self.offset).read_to_end(&mut bytes).map_err(io)?;
        let Some(last_newline) = bytes.iter().rposition(|b| *b == b'\n') else { return Ok(Vec::new()) };
        let mut entries = Vec::new();
        let mut start = 0;
        for (i, b) in bytes[..=last_newline].iter().enumerate() {
            if *b == b'\n' {
                let text = String::from_utf8_lossy(&bytes[start..i]);
                if !text.trim().is_empty() {
                    entries.push(LogEntry { offset: self.offset + start as u64, line: LogLine::parse(&text) });
                }
                start = i + 1;
            }
        }
        self.offset += last_newline as u64 + 1;
        Ok(entries
            .chunks(MAX_BATCH_LINES)
            .map(|chunk| LogBatch { file: name.to_string(), entries: chunk.to_vec() })
            .collect())
    }
}
