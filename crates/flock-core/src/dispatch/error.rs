//! The dispatcher's errors.

use sea_orm::DbErr;

use crate::error::{ErrorKind, ErrorReport, Report};
use crate::repo::RepoError;

#[derive(Debug, thiserror::Error)]
pub enum DispatchError {
    #[error(transparent)]
    Repo(#[from] RepoError),
    #[error("database error: {0}")]
    Db(#[from] DbErr),
    #[error("account {account_id} has unreadable limits stored ({source})")]
    BadLimits { account_id: i64, source: serde_json::Error },
    #[error("account {account_id} does not exist")]
    NoAccount { account_id: i64 },
    #[error(transparent)]
    Limits(#[from] super::LimitsError),
    #[error("campaign {campaign_id}: {message}")]
    Campaign { campaign_id: i64, message: String },
}

impl Report for DispatchError {
    fn report(&self) -> ErrorReport {
        match self {
            DispatchError::Repo(e) => e.report(),
            DispatchError::Db(_) => ErrorReport {
                kind: ErrorKind::Database,
                message: self.to_string(),
                fix: Some("Try again; if it keeps failing, send the log file to support".into()),
            },
            DispatchError::BadLimits { account_id, .. } => ErrorReport {
                kind: ErrorKind::InvalidInput,
                message: self.to_string(),
                fix: Some(format!("Set them again: flockctl accounts limits {account_id} --per-day N …")),
            },
            DispatchError::NoAccount { .. } => ErrorReport {
                kind: ErrorKind::NotFound,
                message: self.to_string(),
                fix: Some("List the accounts with `flockctl accounts list`".into()),
            },
            DispatchError::Limits(e) => e.into(),
            DispatchError::Campaign { .. } => ErrorReport { kind: ErrorKind::Internal, message: self.to_string(), fix: None },
        }
    }
}

impl DispatchError {
    /// The database did not take the read or write (unreachable, restarted,
    /// locked, full): the same work may succeed later. Everything else is a
    /// fact about the data that a retry does not change.
    pub fn is_database(&self) -> bool {
        matches!(self, DispatchError::Db(_) | DispatchError::Repo(RepoError::Db(_)))
    }
}
