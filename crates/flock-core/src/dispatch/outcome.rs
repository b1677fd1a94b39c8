//! A flock-wa send result as the outbox's [`SendOutcome`], and the session's
//! acks as the outbox's [`Ack`]s. Pure.

use flock_wa::{Accepted, SendError};

use super::outbox::Ack;
use super::retry::SendOutcome;

/// The outcome of a send. `sender_is_admin`: for a group target, whether
/// our records say the sending account is an admin there (an "admins only"
/// refusal to a non-admin sends the message to an admin instead).
pub fn classify(result: &Result<Accepted, SendError>, sender_is_admin: bool) -> SendOutcome {
    let e = match result {
        Ok(a) => return SendOutcome::Accepted { at: a.at },
        Err(e) => e,
    };
    let other = |transient| SendOutcome::Other { detail: e.to_string(), transient };
    match e {
        SendError::OutcomeUnknown { reason } => SendOutcome::Uncertain { detail: reason.clone() },
        SendError::NotConnected { .. } => SendOutcome::NotConnected,
        SendError::ReachoutTimelocked { until } => SendOutcome::ReachoutTimelocked { until: *until },
        SendError::NotOnWhatsApp { .. } => SendOutcome::NotOnWhatsApp,
        SendError::NotParticipant { .. } => SendOutcome::NotAParticipant,
        SendError::AdminsOnly { .. } if !sender_is_admin => SendOutcome::NotForThisAccount { detail: e.to_string() },
        SendError::AdminsOnly { .. } => other(false),
        SendError::MediaRejected { reason } => SendOutcome::MediaRejected { detail: reason.clone() },
        SendError::InvalidRequest { .. }
        | SendError::FileUnreadable { .. }
        | SendError::FileTooLarge { .. }
        | SendError::WrongFileType { .. } => other(false),
        // Nothing was sent; it may work later (another upload, another
        // WhatsApp Web version): counted, so it ends after the set attempts.
        SendError::UploadStalled { .. } | SendError::CapabilityMissing(_) | SendError::Rejected { .. } => other(true),
    }
}

/// WhatsApp Web's ack as the outbox reads it (`None`: the clock, no news).
pub fn ack_of(ack: flock_wa::Ack) -> Option<Ack> {
    match ack {
        flock_wa::Ack::Failed(_) => Some(Ack::Error),
        flock_wa::Ack::Pending => None,
        flock_wa::Ack::Server => Some(Ack::Server),
        flock_wa::Ack::Device => Some(Ack::Device),
        flock_wa::Ack::Read => Some(Ack::Read),
        flock_wa::Ack::Played => Some(Ack::Played),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use chrono::Utc;
    use flock_wa::{MessageId, WaId};

    use super::*;
    use crate::dispatch::retry::OutcomeClass;

    #[test]
    fn every_send_error_has_its_class() {
        let at = Utc::now();
        let ok = Ok(Accepted { id: MessageId::new(), key: "k".into(), chat: WaId::User("91".into()), at });
        assert_eq!(classify(&ok, false), SendOutcome::Accepted { at });
        let group = WaId::parse("1203@g.us").unwrap();
        let cases: Vec<(SendError, OutcomeClass, bool)> = vec![
            (SendError::OutcomeUnknown { reason: "timeout".into() }, OutcomeClass::Uncertain, false),
            (SendError::NotConnected { state: None, waited: Duration::ZERO }, OutcomeClass::Transient, true),
            (SendError::ReachoutTimelocked { until: None }, OutcomeClass::Transient, false),
            (SendError::NotOnWhatsApp { target: WaId::User("91".into()) }, OutcomeClass::Permanent, true),
            (SendError::NotParticipant { group: group.clone() }, OutcomeClass::Permanent, true),
            (SendError::AdminsOnly { group: group.clone() }, OutcomeClass::Transient, false),
            (SendError::MediaRejected { reason: "x".into() }, OutcomeClass::Permanent, true),
            (SendError::UploadStalled { after: Duration::from_secs(3) }, OutcomeClass::Transient, true),
            (SendError::Rejected { result: "ERROR_NETWORK".into() }, OutcomeClass::Transient, true),
            (SendError::InvalidRequest { problem: "p".into(), fix: "f".into() }, OutcomeClass::Permanent, true),
        ];
        for (e, class, counts) in cases {
            let o = classify(&Err(e.clone()), false);
            assert_eq!((o.class(), o.counts_as_attempt()), (class, counts), "{e:?}");
        }
        // An admin refused as "admins only" is the group's problem, not the account's.
        assert_eq!(classify(&Err(SendError::AdminsOnly { group }), true).class(), OutcomeClass::Permanent);
    }

    #[test]
    fn acks_map_to_the_outbox() {
        assert_eq!(ack_of(flock_wa::Ack::Failed(-1)), Some(Ack::Error));
        assert_eq!(ack_of(flock_wa::Ack::Pending), None);
        assert_eq!(ack_of(flock_wa::Ack::Device), Some(Ack::Device));
        assert_eq!(ack_of(flock_wa::Ack::Played), Some(Ack::Played));
    }
}
