//! Contacts at the scale of a real marketing list: CSV import with a column
//! mapping and a per-row report, and CSV export of any filtered list.

mod consent;
pub mod encoding;
pub mod export;
pub mod import;
mod import_write;
pub mod mapping;

pub use consent::{parse_consent, parse_consent_date};
pub use encoding::EncodingError;
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
    #[error(transparent)]
    Encoding(#[from] EncodingError),
    #[error("the file cannot be read as CSV: {0}")]
    Unreadable(#[source] csv::Error),
    #[error("no column holds the phone numbers (columns: {})", headers.join(", "))]
    NoPhoneColumn { headers: Vec<String> },
    #[error("{message}")]
    BadMapping { message: String, fix: String },
    #[error("cannot write the CSV file: {0}")]
    Write(#[source] csv::Error),
    #[error(transparent)]
    Phone(#[from] PhoneError),
    #[error(transparent)]
    Repo(#[from] RepoError),
    /// A batch failed: the rows before `line` are stored, none from it on.
    #[error("the import of {file} stopped at line {line}: {source}; the rows before it are stored ({} new, {} updated), none from line {line} on", stored.imported, stored.updated)]
    Stopped {
        file: String,
        /// The first line of the batch that was not stored.
        line: u64,
        /// What the rows before it did.
        stored: ImportTotals,
        #[source]
        source: Box<ImportError>,
    },
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
            ImportError::Encoding(e) => (ErrorKind::InvalidInput, e.fix().to_string()),
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
            ImportError::Stopped { source, .. } => {
                let cause = source.report();
                let fix = match cause.fix {
                    Some(f) => format!("{f}; then import the same file again: the stored rows come back as duplicates, the rest are added"),
                    None => "Import the same file again: the stored rows come back as duplicates, the rest are added".into(),
                };
                (cause.kind, fix)
            }
        };
        ErrorReport { kind, message: self.to_string(), fix: Some(fix) }
    }
}
