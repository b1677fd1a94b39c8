//! One process per data folder: `<data>/flock.lock`, held with an OS
//! advisory lock (`File::try_lock`: `flock` on Unix, `LockFileEx` on
//! Windows) for as long as the app or a session-running `flockctl` command
//! lives, with the holder's pid and program written inside. The OS drops the
//! lock when the process ends, however it ends: a stale file never blocks.
//!
//! Within the process the lock also guards the account sessions: only one
//! `services::Services` may run them at a time (`claim_sessions`), so a
//! switch of database stops the old sessions before new ones start.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::error::{ErrorKind, ErrorReport};
use crate::paths::DataPaths;

pub const LOCK_FILE: &str = "flock.lock";

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("the data folder {} is in use by another Flock process{}", folder.display(), holder_text(.pid, .program))]
    Held { folder: PathBuf, pid: Option<u32>, program: Option<String> },
    #[error("cannot lock the data folder with {}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    /// In this process: account sessions already run on this data folder.
    #[error("account sessions already run on the data folder {} in this process", folder.display())]
    SessionsRunning { folder: PathBuf },
}

fn holder_text(pid: &Option<u32>, program: &Option<String>) -> String {
    match (pid, program) {
        (Some(pid), Some(program)) => format!(" ({program}, pid {pid})"),
        (Some(pid), None) => format!(" (pid {pid})"),
        _ => String::new(),
    }
}

impl LockError {
    pub fn report(&self) -> ErrorReport {
        match self {
            LockError::Held { pid, .. } => {
                let stop = match pid {
                    Some(pid) => format!("Close the other Flock window or stop that flockctl (pid {pid}) first"),
                    None => "Close the other Flock window or stop the other flockctl first".to_string(),
                };
                ErrorReport {
                    kind: ErrorKind::Conflict,
                    message: self.to_string(),
                    fix: Some(format!("{stop}, or use another data folder (--data-dir)")),
                }
            }
            LockError::Io { .. } => ErrorReport {
                kind: ErrorKind::Internal,
                message: self.to_string(),
                fix: Some("Check that the data folder exists and is writable".into()),
            },
            LockError::SessionsRunning { .. } => ErrorReport {
                kind: ErrorKind::Internal,
                message: self.to_string(),
                fix: Some("Stop the running services before starting new ones".into()),
            },
        }
    }
}

impl crate::error::Report for LockError {
    fn report(&self) -> ErrorReport {
        LockError::report(self)
    }
}

/// The data folder's lock, held until dropped.
#[derive(Debug, Clone)]
pub struct DataLock {
    inner: Arc<Held>,
}

#[derive(Debug)]
struct Held {
    folder: PathBuf,
    path: PathBuf,
    _file: File,
    sessions: AtomicBool,
}

impl DataLock {
    /// Takes the lock of `paths`' data folder (creating the folder), or
    /// says who holds it. `program` is written beside the pid ("flock",
    /// "flockctl run").
    pub fn acquire(paths: &DataPaths, program: &str) -> Result<Self, LockError> {
        let path = paths.root().join(LOCK_FILE);
        let io = |source| LockError::Io { path: path.clone(), source };
        paths.ensure().map_err(io)?;
        let mut file = OpenOptions::new().read(true).write(true).create(true).truncate(false).open(&path).map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let (pid, program) = read_holder(&path);
                return Err(LockError::Held { folder: paths.root().to_path_buf(), pid, program });
            }
            Err(TryLockError::Error(source)) => return Err(io(source)),
        }
        file.set_len(0).map_err(io)?;
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        writeln!(file, "{}\n{program}", std::process::id()).map_err(io)?;
        file.flush().map_err(io)?;
        Ok(Self {
            inner: Arc::new(Held {
                folder: paths.root().to_path_buf(),
                path,
                _file: file,
                sessions: AtomicBool::new(false),
            }),
        })
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    pub fn folder(&self) -> &Path {
        &self.inner.folder
    }

    /// The right to run account sessions on this data folder in this
    /// process, until the claim is dropped.
    pub fn claim_sessions(&self) -> Result<SessionsClaim, LockError> {
        if self.inner.sessions.swap(true, Ordering::SeqCst) {
            return Err(LockError::SessionsRunning { folder: self.inner.folder.clone() });
        }
        Ok(SessionsClaim { lock: self.clone() })
    }
}

/// Held by the one `Services` that runs account sessions.
#[derive(Debug)]
pub struct SessionsClaim {
    lock: DataLock,
}

impl Drop for SessionsClaim {
    fn drop(&mut self) {
        self.lock.inner.sessions.store(false, Ordering::SeqCst);
    }
}

/// The pid and program a holder wrote (unreadable on Windows while held).
fn read_holder(path: &Path) -> (Option<u32>, Option<String>) {
    let mut text = String::new();
    if File::open(path).and_then(|mut f| f.read_to_string(&mut text)).is_err() {
        return (None, None);
    }
    let mut lines = text.lines();
    let pid = lines.next().and_then(|l| l.trim().parse().ok());
    let program = lines.next().map(str::trim).filter(|p| !p.is_empty()).map(str::to_string);
    (pid, program)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_with_the_first_ones_pid_until_it_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let paths = DataPaths::new(dir.path().join("data"));
        let first = DataLock::acquire(&paths, "flock").unwrap();
        let err = DataLock::acquire(&paths, "flockctl run").unwrap_err();
        match &err {
            LockError::Held { pid, program, .. } => {
                assert_eq!(*pid, Some(std::process::id()));
                assert_eq!(program.as_deref(), Some("flock"));
            }
            other => panic!("{other:?}"),
        }
        let report = err.report();
        assert!(report.message.contains(&format!("pid {}", std::process::id())), "{}", report.message);
        assert!(report.fix.unwrap().contains("--data-dir"));
        drop(first);
        DataLock::acquire(&paths, "flockctl run").expect("free once the first is dropped");
    }

    #[test]
    fn sessions_are_claimed_once_per_process() {
        let dir = tempfile::tempdir().unwrap();
        let lock = DataLock::acquire(&DataPaths::new(dir.path()), "test").unwrap();
        let claim = lock.claim_sessions().unwrap();
        assert!(matches!(lock.claim_sessions(), Err(LockError::SessionsRunning { .. })));
        drop(claim);
        lock.claim_sessions().unwrap();
    }
}
