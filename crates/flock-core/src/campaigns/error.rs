//! The errors of storing, starting and reporting campaigns, each with the
//! fix a person can act on.

use std::path::PathBuf;

use super::lifecycle::LifecycleError;
use super::schedule::ScheduleError;
use super::template::{RenderError, TemplateError};
use crate::contacts::ImportError;
use crate::error::{ErrorKind, ErrorReport, Report};
use crate::phone::PhoneError;
use crate::repo::RepoError;

#[derive(Debug, thiserror::Error)]
pub enum CampaignError {
    #[error("campaign {0} does not exist")]
    NotFound(i64),
    #[error("the campaign needs a name")]
    NoName,
    #[error("the message text: {0}")]
    Template(#[from] TemplateError),
    #[error("the schedule: {0}")]
    Schedule(#[from] ScheduleError),
    #[error(transparent)]
    Lifecycle(#[from] LifecycleError),
    /// A compare-and-set lost: someone else changed the campaign meanwhile.
    #[error("campaign {0} was changed elsewhere meanwhile")]
    Stale(i64),
    #[error("no group {0} is known")]
    UnknownGroup(String),
    #[error("none of the campaign's accounts is a member of the group \"{subject}\" ({wa_id})")]
    GroupWithoutAccount { wa_id: String, subject: String },
    #[error("no account {0} exists")]
    UnknownAccount(i64),
    #[error("no tag \"{name}\" exists")]
    UnknownTag { name: String, known: Vec<String> },
    #[error("the contact number {input:?}: {source}")]
    BadPhone {
        input: String,
        #[source]
        source: PhoneError,
    },
    #[error("the link {0:?} is not a web address")]
    BadLink(String),
    #[error("the audience is empty: no group, filter, contact or CSV")]
    NoAudience,
    #[error("the audience has no targets: nothing matches its groups, filters, contacts or CSV")]
    NoTargets,
    #[error("the media file: {0}")]
    Media(#[source] flock_wa::SendError),
    #[error("cannot store the media file {}: {source}", path.display())]
    MediaStore {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read {}: {source}", path.display())]
    FileUnreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the CSV: {0}")]
    Csv(#[source] ImportError),
    #[error("the CSV was read differently the second time ({records} records, {rows} report rows)")]
    CsvMismatch { records: usize, rows: usize },
    #[error("the message for {target}: {source}")]
    Render {
        target: String,
        #[source]
        source: RenderError,
    },
    #[error("campaign {id} holds a bad {what}: {detail}")]
    Corrupt { id: i64, what: &'static str, detail: String },
    #[error(transparent)]
    Repo(#[from] RepoError),
    /// Reading the accounts' limits (the dispatcher's storage).
    #[error(transparent)]
    Dispatch(#[from] crate::dispatch::DispatchError),
}

impl From<sea_orm::DbErr> for CampaignError {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::Repo(RepoError::Db(e))
    }
}

impl From<ImportError> for CampaignError {
    fn from(e: ImportError) -> Self {
        match e {
            ImportError::Repo(r) => Self::Repo(r),
            other => Self::Csv(other),
        }
    }
}

impl CampaignError {
    pub fn report(&self) -> ErrorReport {
        use CampaignError as E;
        let (kind, fix): (ErrorKind, String) = match self {
            E::NotFound(_) => (ErrorKind::NotFound, "List the campaigns with `flockctl campaigns list`".into()),
            E::NoName => (ErrorKind::InvalidInput, "Give it a name, e.g. --name \"Diwali offer\"".into()),
            E::Template(t) => (ErrorKind::InvalidInput, t.fix()),
            E::Schedule(s) => (ErrorKind::InvalidInput, s.fix().into()),
            E::Lifecycle(l) => (ErrorKind::Conflict, l.fix().into()),
            E::Stale(_) => (ErrorKind::Conflict, "Look at the campaign again and retry".into()),
            E::UnknownGroup(_) => (
                ErrorKind::InvalidInput,
                "Use a group id from `flockctl groups list` (…@g.us); sync the groups first if it is new".into(),
            ),
            E::GroupWithoutAccount { .. } => (
                ErrorKind::InvalidInput,
                "Choose an account that is in the group (--account), or leave the accounts out to use all".into(),
            ),
            E::UnknownAccount(_) => (ErrorKind::InvalidInput, "Use an account id from `flockctl accounts list`".into()),
            E::UnknownTag { known, .. } if known.is_empty() => {
                (ErrorKind::InvalidInput, "No tags exist yet: tag contacts first, or choose another audience".into())
            }
            E::UnknownTag { known, .. } => (ErrorKind::InvalidInput, format!("Use one of: {}", known.join(", "))),
            E::BadPhone { .. } => {
                (ErrorKind::InvalidInput, "Write the number with its country code, e.g. +91 98765 43210".into())
            }
            E::BadLink(_) => (ErrorKind::InvalidInput, "Write the full address, e.g. https://example.com/offer".into()),
            E::NoAudience => {
                (ErrorKind::InvalidInput, "Add at least one of --group, --members-of, --tag, --contact or --csv".into())
            }
            E::NoTargets => (
                ErrorKind::InvalidInput,
                "Check the filters with `flockctl contacts list` (same options), or add groups or contacts".into(),
            ),
            E::Media(flock_wa::SendError::FileTooLarge { .. }) => {
                (ErrorKind::InvalidInput, "Send a smaller file, or a link to it".into())
            }
            E::Media(_) => {
                (ErrorKind::InvalidInput, "Choose an image, video, audio file or document you can read".into())
            }
            E::MediaStore { .. } => {
                (ErrorKind::Internal, "Check that the data folder is writable and the disk is not full".into())
            }
            E::FileUnreadable { .. } => {
                (ErrorKind::InvalidInput, "Check the path and that you may read the file".into())
            }
            E::Csv(e) => return e.report(),
            E::CsvMismatch { .. } => (ErrorKind::Internal, "Import the file again; if it persists, report it".into()),
            E::Render { source, .. } => {
                let r = ErrorReport::from(source);
                (r.kind, r.fix.unwrap_or_default())
            }
            E::Corrupt { .. } => (ErrorKind::Internal, "Recreate the campaign; if it persists, report it".into()),
            E::Repo(e) => return e.report(),
            E::Dispatch(e) => return Report::report(e),
        };
        ErrorReport { kind, message: self.to_string(), fix: Some(fix) }
    }
}

impl Report for CampaignError {
    fn report(&self) -> ErrorReport {
        CampaignError::report(self)
    }
}
