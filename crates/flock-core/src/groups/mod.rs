//! Groups: what our accounts see of their WhatsApp groups, recorded
//! incrementally. `apply_snapshot` takes one account's snapshot (from the
//! browser bridge) and records new, changed and left groups, joined and left
//! members, and every member as a contact.

mod merge;
pub(crate) use merge::learn_lid;
pub mod snapshot;
mod sync;
mod sync_accounts;

pub use snapshot::{AccountGroupsSnapshot, GroupSnapshot, ParticipantSnapshot};
pub use sync::{apply_snapshot, apply_snapshot_with_progress, SkippedParticipant, SyncProgress, SyncSummary};
pub use sync_accounts::sync_groups;

use crate::error::{ErrorKind, ErrorReport};
use crate::repo::RepoError;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("account {0} does not exist")]
    AccountNotFound(i64),
    #[error("\"{0}\" is not a WhatsApp group id")]
    InvalidGroupId(String),
    #[error(transparent)]
    Repo(#[from] RepoError),
    #[error(transparent)]
    Account(#[from] crate::accounts::AccountError),
    #[error("no account is active: link an account first")]
    NoActiveAccount,
}

impl From<sea_orm::DbErr> for SyncError {
    fn from(e: sea_orm::DbErr) -> Self {
        SyncError::Repo(RepoError::Db(e))
    }
}

impl SyncError {
    pub fn report(&self) -> ErrorReport {
        match self {
            SyncError::AccountNotFound(_) => ErrorReport {
                kind: ErrorKind::NotFound,
                message: self.to_string(),
                fix: Some("Refresh the accounts list; the account may have been removed".into()),
            },
            SyncError::InvalidGroupId(_) => ErrorReport {
                kind: ErrorKind::Internal,
                message: format!("the group sync received bad data: {self}"),
                fix: Some("Update Flock; WhatsApp Web may have changed. Send the log file to support".into()),
            },
            SyncError::Repo(e) => e.report(),
            SyncError::Account(e) => e.report(),
            SyncError::NoActiveAccount => ErrorReport {
                kind: ErrorKind::Conflict,
                message: self.to_string(),
                fix: Some("Accounts, Add account, and scan the QR code with the phone".into()),
            },
        }
    }
}
