//! The login phase of a page session and its `Socket.state`.

use tokio::time::Instant;

/// The login phase of a page. Pure data; the actor drives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Socket open, waiting for the page's hello.
    Opening,
    /// Showing QR ref number `shown` (1-based) until `expires`.
    Qr { shown: u32, payload: String, expires: Instant },
    /// Too many refs: `UNPAIRED_IDLE` until `Cmd.refreshQR()`.
    Idle,
    /// Showing a pairing code requested for `digits`.
    Code { code: String, digits: String, expires: Instant },
    /// Scanned; `step` 0 = PAIRING, 1 = OPENING; CONNECTED at `until`.
    Linking { digits: String, step: u8, until: Instant, fresh: bool },
    /// CONNECTED, history sync running: progress ticks until `done`.
    Syncing { digits: String, tick: u32, next: Instant },
    /// CONNECTED and synced.
    Ready { digits: String },
    /// Connection lost (`TIMEOUT`).
    Timeout { digits: String },
    /// Opened elsewhere (`CONFLICT`).
    Conflict { digits: String },
    /// Banned (`TOS_BLOCK`).
    Blocked,
}

impl Phase {
    /// `Socket.state` for this phase.
    pub fn socket_state(&self) -> &'static str {
        match self {
            Phase::Opening => "OPENING",
            Phase::Qr { .. } | Phase::Code { .. } => "UNPAIRED",
            Phase::Idle => "UNPAIRED_IDLE",
            Phase::Linking { step: 0, .. } => "PAIRING",
            Phase::Linking { .. } => "OPENING",
            Phase::Syncing { .. } | Phase::Ready { .. } => "CONNECTED",
            Phase::Timeout { .. } => "TIMEOUT",
            Phase::Conflict { .. } => "CONFLICT",
            Phase::Blocked => "TOS_BLOCK",
        }
    }

    pub fn deadline(&self) -> Option<Instant> {
        match self {
            Phase::Qr { expires, .. } | Phase::Code { expires, .. } => Some(*expires),
            Phase::Linking { until, .. } => Some(*until),
            Phase::Syncing { next, .. } => Some(*next),
            _ => None,
        }
    }

    pub fn digits(&self) -> Option<&str> {
        match self {
            Phase::Linking { digits, .. }
            | Phase::Syncing { digits, .. }
            | Phase::Ready { digits }
            | Phase::Timeout { digits }
            | Phase::Conflict { digits } => Some(digits),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_map_to_socket_states() {
        let now = Instant::now();
        assert_eq!(Phase::Opening.socket_state(), "OPENING");
        assert_eq!(Phase::Idle.socket_state(), "UNPAIRED_IDLE");
        assert_eq!(Phase::Linking { digits: "1".into(), step: 0, until: now, fresh: true }.socket_state(), "PAIRING");
        assert_eq!(Phase::Ready { digits: "1".into() }.socket_state(), "CONNECTED");
        assert_eq!(Phase::Blocked.socket_state(), "TOS_BLOCK");
        assert!(Phase::Ready { digits: "1".into() }.deadline().is_none());
    }
}
