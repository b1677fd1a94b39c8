//! Contacts at the scale of a real marketing list: CSV import with a column
//! mapping and a per-row report, and CSV export of any filtered list.

mod consent;
pub mod export;
pub mod import;
mod import_write;
pub mod mapping;

pub use consent::{parse_consent, parse_consent_date};
pub use export::{escape_cell, export_csv};
pub use import::{import_csv, preview, CsvPreview, ImportOptions, ImportReport, ImportRow, ImportTotals, RowOutcome};
pub use mapping::{propose_mapping, ColumnMapping, ImportField};

use crate::error::{ErrorKind, ErrorReport};
use crate::phone::PhoneError;
use crate::repo::RepoError;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("the file is empty")]
    Empty,
    #[error("the file cannot be read as CSV: {0}")]
    Unreadable(String),
    #[error("no column holds the phone numbers (columns: {})", headers.join(", "))]
    NoPhoneColumn { headers: Vec<String> },
    #[error("{message}")]
    BadMapping { message: String, fix: String },
    #[error("cannot write the CSV file: {0}")]
    Write(String),
    #[error(transparent)]
    Phone(#[from] PhoneError),
    #[error(transparent)]
    Repo(#[from] RepoError),
}

impl From<sea_orm::DbErr> for ImportError {
    fn from(e: sea_orm::DbErr) -> Self {
        ImportError::Repo(RepoError::Db(e))
    }
}

impl ImportError {
    pub fn report(&self) -> ErrorReport {
        let (kind, fix) = match self {
            ImportError::Empty => (ErrorKind::InvalidInput, "Choose a CSV file with a header row and one contact per line".to_string()),
            ImportError::Unreadable(_) => (ErrorKind::InvalidInput, "Save the sheet as \"CSV UTF-8\" and import that file".to_string()),
            ImportError::NoPhoneColumn { .. } => (
                ErrorKind::InvalidInput,
                "Map the column that holds the numbers, e.g. --map phone=Mobile".to_string(),
            ),
            ImportError::BadMapping { fix, .. } => (ErrorKind::InvalidInput, fix.clone()),
            ImportError::Write(_) => (ErrorKind::InvalidInput, "Choose a folder you can write to".to_string()),
            ImportError::Phone(PhoneError::UnknownCountry(_)) => {
                (ErrorKind::InvalidInput, "Use a two-letter country code such as IN, GB or US".to_string())
            }
            ImportError::Phone(_) => (ErrorKind::InvalidInput, "Check the number".to_string()),
            ImportError::Repo(e) => return e.report(),
        };
        ErrorReport { kind, message: self.to_string(), fix: Some(fix) }
    }
}
