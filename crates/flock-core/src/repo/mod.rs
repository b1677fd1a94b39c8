//! Repositories: the queries the services and the UI run, one module per domain.

pub mod accounts;
pub mod contacts;
pub mod groups;
pub mod outbox;
pub mod suppressions;
pub mod tags;

use sea_orm::DbErr;

use crate::error::{ErrorKind, ErrorReport};

#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    #[error("{what} {id} does not exist")]
    NotFound { what: &'static str, id: i64 },
    #[error("{message}")]
    Conflict { message: String, fix: String },
    /// A compare-and-set write lost: the row changed since it was read.
    #[error("{what} {id} was changed elsewhere meanwhile")]
    Stale { what: &'static str, id: i64 },
    #[error("database error: {0}")]
    Db(#[from] DbErr),
}

impl RepoError {
    pub fn report(&self) -> ErrorReport {
        match self {
            RepoError::NotFound { .. } => ErrorReport {
                kind: ErrorKind::NotFound,
                message: self.to_string(),
                fix: Some("Refresh the list; it may have been removed on another workstation".into()),
            },
            RepoError::Conflict { message, fix } => ErrorReport {
                kind: ErrorKind::Conflict,
                message: message.clone(),
                fix: Some(fix.clone()),
            },
            RepoError::Stale { .. } => ErrorReport {
                kind: ErrorKind::Conflict,
                message: self.to_string(),
                fix: Some("Refresh and try again".into()),
            },
            RepoError::Db(_) => ErrorReport {
                kind: ErrorKind::Database,
                message: self.to_string(),
                fix: Some("Try again; if it keeps failing, send the log file to support".into()),
            },
        }
    }
}

/// One page of a server-side paged list.
#[derive(Debug, Clone, serde::Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Rows matching the filter, over all pages.
    pub total: u64,
    pub page: u64,
    pub page_size: u64,
}

pub(crate) fn now() -> crate::entities::Timestamp {
    chrono::Utc::now()
}
