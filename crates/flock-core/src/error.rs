//! Errors. Each module has its own `thiserror` enum that keeps its cause
//! typed (`#[source]`); [`Report`] is the one conversion of any of them to
//! `ErrorReport`, the one serialisable shape (kind, message, fix) that the UI
//! and `--json` output show.

use serde::{Deserialize, Serialize};

use crate::accounts::AccountError;
use crate::contacts::ImportError;
use crate::db::DbError;
use crate::groups::SyncError;
use crate::phone::PhoneError;
use crate::repo::tags::TagsError;
use crate::repo::RepoError;
use crate::settings::SettingsError;

/// A coarse category the UI can branch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    Database,
    InvalidInput,
    NotFound,
    Conflict,
    Browser,
    Internal,
}

/// What a person sees: what went wrong and, when we know it, how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct ErrorReport {
    pub kind: ErrorKind,
    pub message: String,
    pub fix: Option<String>,
}

impl std::fmt::Display for ErrorReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.message)?;
        if let Some(fix) = &self.fix {
            write!(f, " ({fix})")?;
        }
        Ok(())
    }
}

/// A typed error that knows what to tell the person: the kind, the message
/// (its `Display`, cause included) and the fix. `?` turns any of them into an
/// `ErrorReport` through the one `From` below.
pub trait Report: std::error::Error {
    fn report(&self) -> ErrorReport;
}

impl<E: Report> From<E> for ErrorReport {
    fn from(e: E) -> Self {
        e.report()
    }
}

/// The core's error types each say what to report (their inherent `report`).
macro_rules! reported_by_their_own_words {
    ($($ty:ty),* $(,)?) => {
        $(impl Report for $ty {
            fn report(&self) -> ErrorReport {
                <$ty>::report(self)
            }
        })*
    };
}

reported_by_their_own_words!(DbError, RepoError, TagsError, ImportError, SyncError, AccountError, SettingsError, CoreError);

/// Every error the core's start-up and database paths can return.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Repo(#[from] RepoError),
    #[error(transparent)]
    Phone(#[from] PhoneError),
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error(transparent)]
    Secrets(#[from] crate::secrets::SecretsError),
}

impl CoreError {
    pub fn report(&self) -> ErrorReport {
        match self {
            CoreError::Db(e) => e.report(),
            CoreError::Repo(e) => e.report(),
            CoreError::Phone(e) => ErrorReport {
                kind: ErrorKind::InvalidInput,
                message: e.to_string(),
                fix: Some("Enter the number with its country code, e.g. +91 98765 43210".into()),
            },
            CoreError::Settings(e) => e.report(),
            CoreError::Secrets(crate::secrets::SecretsError::Settings(e)) => e.report(),
            CoreError::Secrets(e) => ErrorReport {
                kind: ErrorKind::Internal,
                message: e.to_string(),
                fix: Some("Check that the data folder is readable by you; a damaged secrets.json may be deleted (then enter the database URL again in Settings)".into()),
            },
        }
    }
}

impl SettingsError {
    pub fn report(&self) -> ErrorReport {
        let (kind, fix) = match self {
            SettingsError::Read { .. } => {
                (ErrorKind::Internal, "Check that the data folder and settings.json are readable by you".to_string())
            }
            SettingsError::Parse { .. } | SettingsError::NotAnObject { .. } => (
                ErrorKind::InvalidInput,
                "Fix the file in a text editor (it is JSON), or delete it: Flock starts again with its defaults".to_string(),
            ),
            SettingsError::Invalid { key, .. } => (
                ErrorKind::InvalidInput,
                format!("Correct \"{}\" in settings.json, or remove the key to use the default", key.name()),
            ),
            SettingsError::Write { .. } => {
                (ErrorKind::Internal, "Check that the data folder is writable and the disk is not full".to_string())
            }
        };
        ErrorReport { kind, message: self.to_string(), fix: Some(fix) }
    }
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::*;

    #[test]
    fn a_database_error_keeps_its_cause_typed_through_the_core_error() {
        let err = CoreError::from(DbError::Migrate {
            url: "sqlite://x".into(),
            source: sea_orm::DbErr::Custom("table accounts is newer".into()),
        });
        // CoreError is transparent: its source is the DbError's, the typed DbErr.
        let source = err.source().expect("a source");
        assert!(source.downcast_ref::<sea_orm::DbErr>().is_some(), "{source:?}");
        let report: ErrorReport = err.into();
        assert_eq!(report.kind, ErrorKind::Database);
        assert!(report.message.contains("table accounts is newer"), "{}", report.message);
    }

    #[test]
    fn an_import_error_keeps_the_csv_cause() {
        let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader("a,b\nc\n".as_bytes());
        let cause = reader.records().find_map(Result::err).expect("rows of unequal length");
        let err = ImportError::Unreadable(cause);
        assert!(err.source().and_then(|s| s.downcast_ref::<csv::Error>()).is_some(), "{err:?}");
        let report = ErrorReport::from(err);
        assert_eq!(report.kind, ErrorKind::InvalidInput);
        assert!(report.message.starts_with("the file cannot be read as CSV: "), "{}", report.message);
    }

    #[test]
    fn a_settings_problem_reports_the_key_and_the_fix() {
        let err = SettingsError::Invalid {
            path: "/d/settings.json".into(),
            key: crate::settings::SettingKey::ConflictPolicy,
            found: "\"fight\"".into(),
        };
        let report = ErrorReport::from(err);
        assert_eq!(report.kind, ErrorKind::InvalidInput);
        assert_eq!(report.message, "/d/settings.json: \"conflict_policy\" is \"fight\"; expected \"take_over\" or \"stop\"");
        assert_eq!(report.fix.as_deref(), Some("Correct \"conflict_policy\" in settings.json, or remove the key to use the default"));
    }
}
