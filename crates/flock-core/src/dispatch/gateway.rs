//! The dispatcher's view of the WhatsApp sessions: a small trait, so the
//! engine runs the same against the account manager (real Chromium) and
//! against a fake in database-level tests.
//!
//! Implemented for [`crate::accounts::AccountManager`] by
//! [`super::adapter::AccountGateway`]: every call goes to the account's
//! running session and is refused (typed) when it has none.

use chrono::{DateTime, Utc};
use flock_wa::{Accepted, InboundMessage, Lookup, MessageId, SendError, SendRequest, WaId};
use futures::future::BoxFuture;
use tokio::sync::broadcast;

use crate::accounts::AccountState;

/// One account as the dispatcher sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionState {
    pub account_id: i64,
    /// The account's lifecycle state.
    pub state: AccountState,
    /// Its session runs in this process: only then can it send, look a
    /// message up or check a number here.
    pub running: bool,
    /// Team mode: where its session runs when that is not here.
    pub elsewhere: Elsewhere,
}

/// Whether an account's session runs on another workstation (team mode).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Elsewhere {
    /// Here, or on no workstation.
    #[default]
    No,
    /// Under another workstation's running lease: that desk sends for it.
    Online { desk: String },
    /// Under the lease of a workstation that stopped renewing it: nobody
    /// sends for it (and its `sending` rows wait for that desk).
    Offline { desk: String },
}

/// What the sessions push.
#[derive(Debug, Clone)]
pub enum GatewayEvent {
    /// The ack of a message an account sent changed (whatsapp-web.js numbering).
    Ack { account_id: i64, id: MessageId, ack: flock_wa::Ack },
    /// Someone wrote to one of our accounts (a reply, or a group message).
    Inbound { account_id: i64, message: InboundMessage },
    /// An account's state changed: what may be sent may have changed too.
    Account { account_id: i64 },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GatewayError {
    #[error("account {account_id} has no active session here")]
    NoSession { account_id: i64 },
    #[error("account {account_id}: {message}")]
    Session { account_id: i64, message: String },
}

/// The sessions. Each call names the account; none of them sends twice.
pub trait Gateway: Send + Sync {
    /// Every account known to the manager, with its state and whether its
    /// session runs here.
    fn sessions(&self) -> BoxFuture<'_, Vec<SessionState>>;

    /// Sends `req` (its id already stored by the caller) through the
    /// account's session.
    fn send<'a>(&'a self, account_id: i64, req: &'a SendRequest) -> BoxFuture<'a, Result<Accepted, SendError>>;

    /// Looks a message up by id in the account's session (reconcile).
    fn lookup<'a>(
        &'a self,
        account_id: i64,
        id: &'a MessageId,
        chat: Option<&'a WaId>,
    ) -> BoxFuture<'a, Result<Lookup, GatewayError>>;

    /// Does this number have WhatsApp (asked through the account's session)?
    fn exists<'a>(&'a self, account_id: i64, who: &'a WaId) -> BoxFuture<'a, Result<Option<WaId>, GatewayError>>;

    /// Acks, inbound messages and account changes, as they happen.
    fn subscribe(&self) -> broadcast::Receiver<GatewayEvent>;

    /// Error 463: the account may not message new contacts until `until`
    /// (the account manager shows it `restricted`; its session keeps running).
    fn restrict(&self, account_id: i64, until: Option<DateTime<Utc>>) -> BoxFuture<'_, Result<(), GatewayError>>;

    /// The timelock ended: the account is active again.
    fn lift_restriction(&self, account_id: i64) -> BoxFuture<'_, Result<(), GatewayError>>;
}
