use flock_wa::{CapabilityMissing, SendError, WaError};

use super::profile::ProfileError;
use crate::error::{ErrorKind, ErrorReport};
use crate::repo::RepoError;

/// Errors of the account service.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error(transparent)]
    Repo(#[from] RepoError),
    #[error("an account needs a name")]
    EmptyName,
    #[error("\"{0}\" is not a phone number with its country code")]
    BadPhone(String),
    #[error("account \"{name}\" is restricted by WhatsApp; it is not linked again while restricted")]
    Restricted { name: String },
    #[error(transparent)]
    Profile(#[from] ProfileError),
    #[error("the account service has stopped")]
    Stopped,
    #[error("account \"{name}\" is not active ({state})")]
    NotActive { name: String, state: String },
    #[error("account \"{name}\": WhatsApp Web did not answer: {source}")]
    Session { name: String, #[source] source: WaError },
    /// The account's WhatsApp Web lacks the feature the request needs.
    #[error("account \"{name}\": {source}")]
    Capability { name: String, #[source] source: CapabilityMissing },
    /// The session refused or failed the send; `source.certainty()` says
    /// whether it may have gone out.
    #[error("account \"{name}\": {source}")]
    Send { name: String, #[source] source: SendError },
    #[error("account \"{name}\" has no browser profile on this computer (it runs on another workstation, or was never linked here)")]
    NotHeld { name: String },
    /// A state change could not be stored (after retries): it did not
    /// happen, and the account shows "database unavailable" until it can.
    #[error("account \"{name}\": the database is unavailable, so it was not {doing}: {source}")]
    Unavailable { name: String, doing: String, #[source] source: RepoError },
    /// Team mode: another workstation holds the account's lease (its
    /// session runs there), so none starts here.
    #[error("account \"{name}\" is running on workstation \"{desk}\" (its lease runs until {until})")]
    RunsElsewhere { name: String, desk: String, until: chrono::DateTime<chrono::Utc> },
    #[error(transparent)]
    Team(#[from] crate::team::TeamError),
}

impl AccountError {
    pub fn report(&self) -> ErrorReport {
        match self {
            AccountError::Repo(e) => e.report(),
            AccountError::EmptyName => ErrorReport {
                kind: ErrorKind::InvalidInput,
                message: self.to_string(),
                fix: Some("Give the account a name, e.g. \"Sales 1\"".into()),
            },
            AccountError::BadPhone(_) => ErrorReport {
                kind: ErrorKind::InvalidInput,
                message: self.to_string(),
                fix: Some("Enter the number with + and its country code, e.g. +91 98765 43210".into()),
            },
            AccountError::Restricted { .. } => ErrorReport {
                kind: ErrorKind::Conflict,
                message: self.to_string(),
                fix: Some("Wait until WhatsApp lifts the restriction".into()),
            },
            AccountError::Profile(e) => ErrorReport {
                kind: ErrorKind::Browser,
                message: self.to_string(),
                fix: Some(e.fix().into()),
            },
            AccountError::Stopped => ErrorReport { kind: ErrorKind::Internal, message: self.to_string(), fix: None },
            AccountError::NotActive { .. } => ErrorReport {
                kind: ErrorKind::Conflict,
                message: self.to_string(),
                fix: Some("Link the account (or wait until it is active) and try again".into()),
            },
            AccountError::Session { .. } => ErrorReport {
                kind: ErrorKind::Browser,
                message: self.to_string(),
                fix: Some("Try again; if it keeps failing, reset the account or update Flock".into()),
            },
            AccountError::Capability { .. } => ErrorReport {
                kind: ErrorKind::Browser,
                message: self.to_string(),
                fix: Some("WhatsApp Web changed: update Flock (the account's other features keep working)".into()),
            },
            AccountError::Send { source, .. } => send_report(self.to_string(), source),
            AccountError::NotHeld { .. } => ErrorReport {
                kind: ErrorKind::Conflict,
                message: self.to_string(),
                fix: Some("Send from the workstation that runs this account, or link it on this computer".into()),
            },
            AccountError::RunsElsewhere { desk, .. } => ErrorReport {
                kind: ErrorKind::Conflict,
                message: self.to_string(),
                fix: Some(format!("Use the account on \"{desk}\", or quit Flock there first (its lease then runs out by itself)")),
            },
            AccountError::Team(_) => ErrorReport {
                kind: ErrorKind::Internal,
                message: self.to_string(),
                fix: Some("Check that the data folder is writable; a broken workstation.json may be deleted".into()),
            },
            AccountError::Unavailable { .. } => ErrorReport {
                kind: ErrorKind::Database,
                message: self.to_string(),
                fix: Some("Check the database (Settings, Database); Flock stores the change by itself once it answers".into()),
            },
        }
    }
}

fn send_report(message: String, e: &SendError) -> ErrorReport {
    let (kind, fix) = match e {
        SendError::InvalidRequest { .. } | SendError::FileTooLarge { .. } | SendError::WrongFileType { .. } => {
            (ErrorKind::InvalidInput, "Fix the message as the error says and send it again")
        }
        SendError::FileUnreadable { .. } => (ErrorKind::InvalidInput, "Check the file's path and that you may read it"),
        SendError::NotOnWhatsApp { .. } => (ErrorKind::NotFound, "Check the number; it has no WhatsApp account"),
        SendError::ReachoutTimelocked { .. } => (ErrorKind::Conflict, "Wait until the timelock ends; reply to people who wrote first"),
        SendError::NotParticipant { .. } | SendError::AdminsOnly { .. } => {
            (ErrorKind::Conflict, "Send from an account that is a member (an admin, for admins-only groups)")
        }
        SendError::NotConnected { .. } => (ErrorKind::Browser, "Check the phone and the internet connection, then send again"),
        SendError::OutcomeUnknown { .. } => {
            (ErrorKind::Browser, "Look the message up by its id before sending again (it may have gone out)")
        }
        _ => (ErrorKind::Browser, "Try again; if it keeps failing, send the log file to support"),
    };
    ErrorReport { kind, message, fix: Some(fix.into()) }
}

/// `+91 98765-43210` → `919876543210`; a number must start with `+`.
pub fn phone_digits(input: &str) -> Result<String, AccountError> {
    let t = input.trim();
    let digits: String = t.chars().filter(|c| c.is_ascii_digit()).collect();
    let clean = t.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c));
    if !t.starts_with('+') || !clean || !(8..=15).contains(&digits.len()) {
        return Err(AccountError::BadPhone(input.to_string()));
    }
    Ok(digits)
}

#[cfg(test)]
mod tests {
    #[test]
    fn phone_digits_need_a_country_code() {
        assert_eq!(super::phone_digits("+91 98765-43210").unwrap(), "919876543210");
        assert!(super::phone_digits("98765 43210").is_err());
        assert!(super::phone_digits("+91abc").is_err());
    }
}
