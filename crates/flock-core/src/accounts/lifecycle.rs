//! The account lifecycle as a pure function: (machine, input) → step.
//! No browser, no database: the manager feeds inputs from the session and
//! carries out the step's actions and persistence.
//!
//! ```text
//! new ─link─▶ waiting_for_scan ─scanned─▶ syncing ─synced─▶ active
//!                │ expired                  │ timeout        │ disconnected / conflict / crash
//!                ▼                          ▼                ▼
//!             link_expired               failed ◀──── reconnecting (backoff) ──▶ active
//! active ─logged out on phone─▶ logged_out    active ─ban / 463─▶ restricted
//! ```

use std::time::Duration;

use flock_wa::SocketState;

use super::state::AccountState;

/// Deadlines and limits. Every transitional state has a deadline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timeouts {
    /// waiting_for_scan: the whole QR / pairing-code phase.
    pub link: Duration,
    /// syncing: from the scan to the end of the history sync.
    pub sync: Duration,
    /// reconnecting: from losing the connection (or starting a restore)
    /// to being active again, per attempt.
    pub reconnect: Duration,
    /// First restart delay after a browser crash; doubles per attempt.
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    /// Restarts in a row before giving up (`failed`).
    pub max_restarts: u32,
    /// Pairing codes shown in one link attempt before "expired".
    pub max_pairing_codes: u32,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            link: Duration::from_secs(300),
            sync: Duration::from_secs(600),
            reconnect: Duration::from_secs(120),
            backoff_base: Duration::from_secs(2),
            backoff_max: Duration::from_secs(120),
            max_restarts: 5,
            max_pairing_codes: 3,
        }
    }
}

impl Timeouts {
    pub fn backoff(&self, attempt: u32) -> Duration {
        let factor = 1u32.checked_shl(attempt.min(16)).unwrap_or(u32::MAX);
        self.backoff_base.saturating_mul(factor).min(self.backoff_max)
    }

    /// The deadline a transitional state gets on entry.
    pub fn deadline_for(&self, state: AccountState) -> Option<Duration> {
        match state {
            AccountState::WaitingForScan => Some(self.link),
            AccountState::Syncing => Some(self.sync),
            AccountState::Reconnecting => Some(self.reconnect),
            _ => None,
        }
    }
}

/// How the user links the account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkKind {
    Qr,
    /// Pairing code for this number (digits only, with country code).
    PairingCode { phone_digits: String },
}

/// What to do when WhatsApp Web says the account is open elsewhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ConflictPolicy {
    /// Reclaim the session here (`Socket.takeover()`).
    #[default]
    TakeOver,
    /// Stop this session and say so.
    Stop,
}

/// The machine's memory besides the state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Machine {
    pub state: AccountState,
    /// Set while linking.
    pub link: Option<LinkKind>,
    pub pairing_codes: u32,
    /// Browser restarts in a row without reaching `active`.
    pub restarts: u32,
    pub conflict: ConflictPolicy,
}

impl Machine {
    pub fn new(state: AccountState, conflict: ConflictPolicy) -> Self {
        Self { state, link: None, pairing_codes: 0, restarts: 0, conflict }
    }
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// The user asked to link (QR or pairing code).
    Link(LinkKind),
    /// Start: bring a linked account back from its profile.
    Restore,
    /// The bridge reported `Socket.state` / `hasSynced`; `identity`: the
    /// session knows its own number.
    Socket { state: SocketState, has_synced: bool, identity: bool },
    /// WhatsApp Web booted without internals the bridge needs.
    Missing { version: Option<String>, names: Vec<String> },
    /// `Cmd` `logout` fired: the device was unlinked (phone or elsewhere).
    LoggedOut,
    /// The browser process is gone.
    BrowserExited { reason: String },
    /// The browser could not be started at all.
    LaunchFailed { reason: String, fix: String },
    /// The pairing code request failed.
    PairingFailed { message: String },
    /// The identity was stored: the account may become active.
    IdentityStored,
    /// The number cannot be this account's and the login was made in this
    /// session (a scan or pairing code just now): unlink that device.
    IdentityConflict { message: String, fix: String },
    /// The profile was already logged in as another number than the
    /// account's own: stop, but leave that device linked (it is someone
    /// else's session, e.g. another database's account).
    IdentityMismatch { message: String, fix: String },
    /// The browser profile may not be opened for this account.
    ProfileRefused { reason: String, fix: String },
    /// A send failed with this server code (463: reachout timelock).
    SendRejected { code: i32 },
    /// The reachout timelock's end passed (the dispatcher knows it): a
    /// timelocked account whose session kept running is active again.
    TimelockEnded,
    /// The current state's deadline passed.
    Deadline,
    /// The user unlinked the account here.
    UserLogout,
}

/// Side effects for the manager to carry out, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Launch the browser with the account's profile.
    StartSession,
    /// Close the browser (profile kept).
    StopSession,
    /// Close the browser, then launch it again after this delay.
    RestartAfter(Duration),
    /// `Socket.takeover()`.
    Takeover,
    /// Ask the page for a (new) pairing code.
    RequestPairingCode,
    /// Store the identity read from the session; feeds back
    /// `IdentityStored` or `IdentityConflict`.
    StoreIdentity,
    /// Unlink the device in the page (`Socket.logout()`).
    LogoutSession,
}

/// A state change: where to, why, and what fixes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub state: AccountState,
    pub reason: String,
    pub fix: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Step {
    pub to: Option<Target>,
    pub actions: Vec<Action>,
}

impl Step {
    fn none() -> Self {
        Self::default()
    }
    fn go(state: AccountState, reason: impl Into<String>, fix: Option<&str>) -> Self {
        Self { to: Some(Target { state, reason: reason.into(), fix: fix.map(str::to_string) }), actions: vec![] }
    }
    fn then(mut self, a: Action) -> Self {
        self.actions.push(a);
        self
    }
    fn only(a: Action) -> Self {
        Self { to: None, actions: vec![a] }
    }
}

const FIX_LINK: &str = "Click Link and scan the QR code with the phone (WhatsApp, Settings, Linked devices)";
const FIX_RETRY: &str = "Click Link to try again";

use AccountState as S;

/// The transition function. Updates the machine's memory (link kind,
/// counters) and its state when the step has a target.
pub fn step(m: &mut Machine, input: Input, t: &Timeouts) -> Step {
    let out = decide(m, input, t);
    if let Some(to) = &out.to {
        if !matches!(to.state, S::WaitingForScan | S::Syncing) {
            m.link = None;
        }
        if to.state == S::Active {
            m.restarts = 0;
        }
        m.state = to.state;
    }
    out
}

fn linked(state: AccountState) -> bool {
    matches!(state, S::Syncing | S::Active | S::Reconnecting | S::Restricted)
}

fn decide(m: &mut Machine, input: Input, t: &Timeouts) -> Step {
    match input {
        Input::Link(kind) => {
            if matches!(m.state, S::Restricted) {
                return Step::none();
            }
            m.link = Some(kind.clone());
            m.pairing_codes = 0;
            m.restarts = 0;
            let reason = match kind {
                LinkKind::Qr => "Waiting for the QR code to be scanned",
                LinkKind::PairingCode { .. } => "Waiting for the pairing code to be entered on the phone",
            };
            Step::go(S::WaitingForScan, reason, Some("On the phone: WhatsApp, Settings, Linked devices, Link a device"))
                .then(Action::StopSession)
                .then(Action::StartSession)
        }
        Input::Restore => {
            m.restarts = 0;
            Step::go(S::Reconnecting, "Restoring the session from its profile", None).then(Action::StartSession)
        }
        Input::Socket { state, has_synced, identity } => on_socket(m, &state, has_synced, identity, t),
        Input::Missing { version, names } => {
            let v = version.unwrap_or_else(|| "unknown version".into());
            Step::go(
                S::Failed,
                format!("WhatsApp Web {v}: {} not found", names.join(", ")),
                Some("WhatsApp Web changed: update Flock, or put a fixed bridge.js in the data folder"),
            )
            .then(Action::StopSession)
        }
        Input::LoggedOut => {
            if linked(m.state) {
                Step::go(S::LoggedOut, "The device was logged out from the phone", Some(FIX_LINK)).then(Action::StopSession)
            } else {
                Step::none()
            }
        }
        Input::UserLogout => Step::go(S::LoggedOut, "Logged out from Flock", Some(FIX_LINK))
            .then(Action::LogoutSession)
            .then(Action::StopSession),
        Input::BrowserExited { reason } => match m.state {
            S::WaitingForScan => {
                Step::go(S::Failed, format!("The browser stopped while linking ({reason})"), Some(FIX_RETRY))
            }
            S::Syncing if m.link.is_some() => {
                Step::go(S::Failed, format!("The browser stopped while linking ({reason})"), Some(FIX_RETRY))
            }
            S::Active | S::Reconnecting | S::Syncing => restart(m, t, format!("The browser stopped ({reason}); restarting")),
            _ => Step::none(),
        },
        Input::LaunchFailed { reason, fix } => match m.state {
            S::Reconnecting if m.restarts < t.max_restarts => restart(m, t, format!("Cannot start the browser ({reason}); retrying")),
            S::Restricted | S::LoggedOut | S::LinkExpired | S::New => Step::none(),
            _ => Step::go(S::Failed, format!("Cannot start the browser: {reason}"), Some(&fix)),
        },
        Input::PairingFailed { message } => {
            if m.state == S::WaitingForScan {
                Step::go(S::Failed, format!("No pairing code: {message}"), Some("Check the number (with country code) and click Link again"))
                    .then(Action::StopSession)
            } else {
                Step::none()
            }
        }
        Input::IdentityStored => match m.state {
            S::Syncing | S::Reconnecting => Step::go(S::Active, "Connected", None),
            _ => Step::none(),
        },
        Input::IdentityConflict { message, fix } => Step::go(S::Failed, message, Some(&fix))
            .then(Action::LogoutSession)
            .then(Action::StopSession),
        Input::IdentityMismatch { message, fix } => Step::go(S::Failed, message, Some(&fix)).then(Action::StopSession),
        Input::ProfileRefused { reason, fix } => Step::go(S::Failed, reason, Some(&fix)).then(Action::StopSession),
        Input::SendRejected { code: 463 } => match m.state {
            S::Active | S::Reconnecting => Step::go(
                S::Restricted,
                "WhatsApp refuses messages to new contacts from this number for now (error 463, reachout timelock)",
                Some("Sending is paused on this account; wait a day before sending again, and send to people who wrote first"),
            ),
            _ => Step::none(),
        },
        Input::SendRejected { .. } => Step::none(),
        Input::TimelockEnded => match m.state {
            S::Restricted => Step::go(S::Active, "The reachout timelock ended: sending to new contacts again", None),
            _ => Step::none(),
        },
        Input::Deadline => match m.state {
            S::WaitingForScan => {
                Step::go(S::LinkExpired, "Linking took too long: the code was not used in time", Some(FIX_RETRY))
                    .then(Action::StopSession)
            }
            S::Syncing => Step::go(
                S::Failed,
                format!("The first sync did not finish within {} s", t.sync.as_secs()),
                Some("Keep the phone online and click Link again"),
            )
            .then(Action::StopSession),
            S::Reconnecting => {
                if m.restarts < t.max_restarts {
                    restart(m, t, format!("Not connected within {} s; restarting the browser", t.reconnect.as_secs()))
                } else {
                    Step::go(S::Failed, "Could not reconnect after several attempts", Some("Check the internet connection, then click Reconnect"))
                        .then(Action::StopSession)
                }
            }
            _ => Step::none(),
        },
    }
}

fn restart(m: &mut Machine, t: &Timeouts, reason: String) -> Step {
    if m.restarts >= t.max_restarts {
        return Step::go(S::Failed, format!("{reason}: gave up after {} restarts", m.restarts), Some("Click Reconnect to try again"))
            .then(Action::StopSession);
    }
    let delay = t.backoff(m.restarts);
    m.restarts += 1;
    Step::go(S::Reconnecting, reason, None).then(Action::RestartAfter(delay))
}

fn on_socket(m: &mut Machine, state: &SocketState, synced: bool, identity: bool, t: &Timeouts) -> Step {
    use SocketState as W;
    let ready = *state == W::Connected && synced && identity;
    match (m.state, state) {
        // Blocked by WhatsApp: whatever we were doing.
        (_, W::TosBlock | W::SmbTosBlock) if m.state != S::Restricted => Step::go(
            S::Restricted,
            "WhatsApp has banned this number",
            Some("Sending is stopped; appeal in the WhatsApp app on the phone"),
        )
        .then(Action::StopSession),
        (_, W::DeprecatedVersion) => Step::go(S::Failed, "WhatsApp Web says this browser is too old", Some("Update Chrome/Chromium, or set a newer browser in the settings"))
            .then(Action::StopSession),
        (_, W::Proxyblock) => Step::go(S::Failed, "WhatsApp Web is blocked by a proxy", Some("Check the network or proxy settings")).then(Action::StopSession),

        (S::WaitingForScan, W::Unpaired) => match &m.link {
            Some(LinkKind::PairingCode { .. }) if m.pairing_codes == 0 => {
                m.pairing_codes = 1;
                Step::only(Action::RequestPairingCode)
            }
            _ => Step::none(),
        },
        (S::WaitingForScan, W::UnpairedIdle) => match &m.link {
            Some(LinkKind::PairingCode { .. }) if m.pairing_codes < t.max_pairing_codes => {
                m.pairing_codes += 1;
                Step::only(Action::RequestPairingCode)
            }
            Some(LinkKind::PairingCode { .. }) => Step::go(
                S::LinkExpired,
                format!("The pairing code expired {} times without being entered", m.pairing_codes),
                Some(FIX_RETRY),
            )
            .then(Action::StopSession),
            _ => Step::go(S::LinkExpired, "The QR code expired before it was scanned", Some(FIX_RETRY)).then(Action::StopSession),
        },
        (S::WaitingForScan, W::Pairing) => Step::go(S::Syncing, "Linked; loading the chats", None),
        (S::WaitingForScan, W::Connected) => {
            let s = Step::go(S::Syncing, "Linked; loading the chats", None);
            if ready { s.then(Action::StoreIdentity) } else { s }
        }
        (S::Syncing, W::Connected) if ready => Step::only(Action::StoreIdentity),
        (S::Syncing, W::Unpaired | W::UnpairedIdle) => {
            Step::go(S::Failed, "Linking did not complete on the phone", Some(FIX_RETRY)).then(Action::StopSession)
        }

        (S::Active, W::Connected) => Step::none(),
        (S::Active, W::Timeout | W::Opening | W::Pairing) => {
            Step::go(S::Reconnecting, "Connection to WhatsApp lost; reconnecting", None)
        }
        (S::Active | S::Reconnecting | S::Syncing, W::Conflict) => match m.conflict {
            ConflictPolicy::TakeOver => {
                Step::go(S::Reconnecting, "WhatsApp was opened on another computer; taking over", None).then(Action::Takeover)
            }
            ConflictPolicy::Stop => Step::go(
                S::Failed,
                "WhatsApp is open on another computer or browser",
                Some("Close it there, then click Reconnect to use it here"),
            )
            .then(Action::StopSession),
        },
        (S::Active | S::Reconnecting, W::Unpaired | W::UnpairedIdle) => {
            Step::go(S::LoggedOut, "WhatsApp no longer knows this device (logged out from the phone)", Some(FIX_LINK))
                .then(Action::StopSession)
        }
        (S::Reconnecting, W::Connected) if ready => Step::only(Action::StoreIdentity),
        (S::Restricted, W::Unpaired | W::UnpairedIdle) => {
            Step::go(S::LoggedOut, "WhatsApp no longer knows this device", Some(FIX_LINK)).then(Action::StopSession)
        }
        _ => Step::none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t() -> Timeouts {
        Timeouts::default()
    }
    fn sock(state: &str, synced: bool, identity: bool) -> Input {
        Input::Socket { state: SocketState::parse(state), has_synced: synced, identity }
    }
    fn run(m: &mut Machine, inputs: Vec<Input>) -> Vec<Step> {
        inputs.into_iter().map(|i| step(m, i, &t())).collect()
    }

    #[test]
    fn qr_link_to_active_needs_the_identity() {
        let mut m = Machine::new(S::New, ConflictPolicy::TakeOver);
        let steps = run(&mut m, vec![Input::Link(LinkKind::Qr), sock("OPENING", false, false), sock("UNPAIRED", false, false)]);
        assert_eq!(m.state, S::WaitingForScan);
        assert_eq!(steps[0].actions, vec![Action::StopSession, Action::StartSession]);
        step(&mut m, sock("PAIRING", false, false), &t());
        assert_eq!(m.state, S::Syncing);
        // Synced but no number yet: stays syncing (the deadline guards it).
        assert_eq!(step(&mut m, sock("CONNECTED", true, false), &t()), Step::none());
        let s = step(&mut m, sock("CONNECTED", true, true), &t());
        assert_eq!(s.actions, vec![Action::StoreIdentity]);
        assert_eq!(m.state, S::Syncing);
        step(&mut m, Input::IdentityStored, &t());
        assert_eq!(m.state, S::Active);
    }

    #[test]
    fn every_transitional_state_has_a_deadline_and_leaves_on_it() {
        for s in AccountState::ALL {
            assert_eq!(s.is_transitional(), t().deadline_for(s).is_some(), "{s:?}");
        }
        let mut m = Machine::new(S::WaitingForScan, ConflictPolicy::TakeOver);
        assert_eq!(step(&mut m, Input::Deadline, &t()).to.unwrap().state, S::LinkExpired);
        let mut m = Machine::new(S::Syncing, ConflictPolicy::TakeOver);
        assert_eq!(step(&mut m, Input::Deadline, &t()).to.unwrap().state, S::Failed);
        let mut m = Machine::new(S::Reconnecting, ConflictPolicy::TakeOver);
        let s = step(&mut m, Input::Deadline, &t());
        assert!(matches!(s.actions[..], [Action::RestartAfter(_)]));
        m.restarts = t().max_restarts;
        assert_eq!(step(&mut m, Input::Deadline, &t()).to.unwrap().state, S::Failed);
    }

    #[test]
    fn qr_refs_running_out_expire_the_link() {
        let mut m = Machine::new(S::New, ConflictPolicy::TakeOver);
        step(&mut m, Input::Link(LinkKind::Qr), &t());
        let s = step(&mut m, sock("UNPAIRED_IDLE", false, false), &t());
        let to = s.to.unwrap();
        assert_eq!(to.state, S::LinkExpired);
        assert!(to.reason.contains("QR code expired"));
        assert_eq!(s.actions, vec![Action::StopSession]);
    }

    #[test]
    fn pairing_codes_are_refreshed_then_expire() {
        let mut m = Machine::new(S::New, ConflictPolicy::TakeOver);
        step(&mut m, Input::Link(LinkKind::PairingCode { phone_digits: "919800000001".into() }), &t());
        assert_eq!(step(&mut m, sock("UNPAIRED", false, false), &t()).actions, vec![Action::RequestPairingCode]);
        // Same state again (a second UNPAIRED report) asks nothing more.
        assert_eq!(step(&mut m, sock("UNPAIRED", false, false), &t()), Step::none());
        for _ in 1..t().max_pairing_codes {
            assert_eq!(step(&mut m, sock("UNPAIRED_IDLE", false, false), &t()).actions, vec![Action::RequestPairingCode]);
        }
        let s = step(&mut m, sock("UNPAIRED_IDLE", false, false), &t());
        assert_eq!(m.state, S::LinkExpired);
        assert!(s.to.unwrap().reason.contains("pairing code expired 3 times"));
    }

    #[test]
    fn crashes_restart_with_backoff_then_fail() {
        let mut m = Machine::new(S::Active, ConflictPolicy::TakeOver);
        let mut delays = vec![];
        for _ in 0..t().max_restarts {
            let s = step(&mut m, Input::BrowserExited { reason: "killed".into() }, &t());
            assert_eq!(m.state, S::Reconnecting);
            match s.actions[..] {
                [Action::RestartAfter(d)] => delays.push(d),
                _ => panic!("{s:?}"),
            }
        }
        assert!(delays.windows(2).all(|w| w[0] < w[1]), "{delays:?}");
        step(&mut m, Input::BrowserExited { reason: "killed".into() }, &t());
        assert_eq!(m.state, S::Failed);
        // Back to active resets the count.
        let mut m = Machine::new(S::Active, ConflictPolicy::TakeOver);
        step(&mut m, Input::BrowserExited { reason: "x".into() }, &t());
        step(&mut m, sock("CONNECTED", true, true), &t());
        step(&mut m, Input::IdentityStored, &t());
        assert_eq!((m.state, m.restarts), (S::Active, 0));
    }

    #[test]
    fn logout_conflict_ban_and_timelock() {
        let mut m = Machine::new(S::Active, ConflictPolicy::TakeOver);
        assert_eq!(step(&mut m, sock("CONFLICT", true, true), &t()).actions, vec![Action::Takeover]);
        assert_eq!(m.state, S::Reconnecting);
        let mut m = Machine::new(S::Active, ConflictPolicy::Stop);
        step(&mut m, sock("CONFLICT", true, true), &t());
        assert_eq!(m.state, S::Failed);

        let mut m = Machine::new(S::Active, ConflictPolicy::TakeOver);
        step(&mut m, Input::LoggedOut, &t());
        assert_eq!(m.state, S::LoggedOut);
        // After that the page shows a QR: nothing more happens.
        assert_eq!(step(&mut m, sock("UNPAIRED", false, false), &t()), Step::none());

        let mut m = Machine::new(S::Active, ConflictPolicy::TakeOver);
        step(&mut m, Input::SendRejected { code: 463 }, &t());
        assert_eq!(m.state, S::Restricted);
        // Restricted: not restarted, not re-linked.
        assert_eq!(step(&mut m, Input::BrowserExited { reason: "x".into() }, &t()), Step::none());
        assert_eq!(step(&mut m, Input::Link(LinkKind::Qr), &t()), Step::none());

        let mut m = Machine::new(S::Active, ConflictPolicy::TakeOver);
        step(&mut m, sock("TOS_BLOCK", false, false), &t());
        assert_eq!(m.state, S::Restricted);
    }

    #[test]
    fn another_number_stops_without_unlinking_and_a_refused_profile_fails() {
        let mut m = Machine::new(S::Reconnecting, ConflictPolicy::TakeOver);
        let s = step(&mut m, Input::IdentityMismatch { message: "other".into(), fix: "fix".into() }, &t());
        assert_eq!((m.state, s.actions), (S::Failed, vec![Action::StopSession]));
        let mut m = Machine::new(S::Syncing, ConflictPolicy::TakeOver);
        let s = step(&mut m, Input::IdentityConflict { message: "taken".into(), fix: "fix".into() }, &t());
        assert_eq!(s.actions, vec![Action::LogoutSession, Action::StopSession]);
        let mut m = Machine::new(S::Reconnecting, ConflictPolicy::TakeOver);
        let s = step(&mut m, Input::ProfileRefused { reason: "foreign".into(), fix: "reset".into() }, &t());
        assert_eq!((m.state, s.actions), (S::Failed, vec![Action::StopSession]));
    }

    #[test]
    fn a_restore_that_shows_a_qr_is_logged_out_and_missing_modules_fail() {
        let mut m = Machine::new(S::Active, ConflictPolicy::TakeOver);
        step(&mut m, Input::Restore, &t());
        assert_eq!(m.state, S::Reconnecting);
        step(&mut m, sock("UNPAIRED", false, false), &t());
        assert_eq!(m.state, S::LoggedOut);

        let mut m = Machine::new(S::Reconnecting, ConflictPolicy::TakeOver);
        let s = step(&mut m, Input::Missing { version: Some("2.3000.1".into()), names: vec!["WAWebCmd".into()] }, &t());
        assert_eq!(s.to.unwrap().reason, "WhatsApp Web 2.3000.1: WAWebCmd not found");
        assert_eq!(m.state, S::Failed);
    }
}
