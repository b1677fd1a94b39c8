//! Errors. Each module has its own `thiserror` enum; `ErrorReport` is the one
//! serialisable shape (kind, message, fix) that the UI and `--json` output show.

use serde::{Deserialize, Serialize};

use crate::db::DbError;
use crate::phone::PhoneError;
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

/// Every error the core can return.
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
            CoreError::Settings(e) => ErrorReport {
                kind: ErrorKind::InvalidInput,
                message: e.to_string(),
                fix: Some("Fix or delete the settings file; Flock recreates it with defaults".into()),
            },
        }
    }
}

impl From<CoreError> for ErrorReport {
    fn from(e: CoreError) -> Self {
        e.report()
    }
}
