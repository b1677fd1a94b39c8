//! Sending through an account: the account's running session does the
//! work (`flock_wa::SessionHandle`); the manager refuses, typed, what that
//! session cannot do (not active, not here, a missing capability) before
//! anything reaches the page. Acks and inbound messages of every running
//! session arrive on one broadcast (`messages()`), which the dispatcher
//! subscribes to.

use flock_wa::{
    Accepted, Capability, Content, Lookup, MessageEvent, MessageId, SendOptions, SendRequest, SessionHandle, WaId,
};
use tokio::sync::{broadcast, oneshot};

use super::error::AccountError;
use super::manager::{AccountManager, Inner};
use super::profile::Holding;
use super::state::AccountState;
use super::worker::WorkerCmd;
use super::lifecycle::Input;
use crate::repo::accounts as repo;

/// An ack or an inbound message of one account's session.
#[derive(Debug, Clone)]
pub struct AccountMessage {
    pub account_id: i64,
    pub event: MessageEvent,
}

/// The capability a content needs (as the driver checks it).
pub fn capability_for(content: &Content) -> Capability {
    match content {
        Content::Text { .. } => Capability::SendText,
        Content::Link { .. } => Capability::LinkPreview,
        _ => Capability::SendMedia,
    }
}

impl Inner {
    /// Forwards one session's message events to `messages()` until the
    /// session's channel closes.
    pub(super) fn forward_messages(
        &self,
        account_id: i64,
        mut rx: broadcast::Receiver<MessageEvent>,
    ) -> tokio::task::JoinHandle<()> {
        let tx = self.messages.clone();
        tokio::spawn(async move {
            loop {
                match rx.recv().await {
                    Ok(event) => {
                        // No subscriber is fine.
                        let _ = tx.send(AccountMessage { account_id, event });
                    }
                    Err(broadcast::error::RecvError::Lagged(n)) => {
                        tracing::warn!(account = account_id, missed = n, "message events lagged");
                    }
                    Err(broadcast::error::RecvError::Closed) => break,
                }
            }
        })
    }
}

/// One use of an account's session, counted while it lasts.
struct InUse<'a> {
    inner: &'a super::manager::Inner,
    id: i64,
}

impl<'a> InUse<'a> {
    fn take(inner: &'a super::manager::Inner, id: i64) -> Self {
        *inner.in_use.lock().unwrap_or_else(|e| e.into_inner()).entry(id).or_default() += 1;
        Self { inner, id }
    }
}

impl Drop for InUse<'_> {
    fn drop(&mut self) {
        let mut uses = self.inner.in_use.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = uses.get_mut(&self.id) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                uses.remove(&self.id);
            }
        }
    }
}

impl AccountManager {
    /// Acks and inbound messages of every account's running session.
    pub fn messages(&self) -> broadcast::Receiver<AccountMessage> {
        self.inner.messages.subscribe()
    }

    /// Sends `req` through the account's session. Its id must be stored by
    /// the caller first; an error whose `certainty()` is unknown means "look
    /// it up", never "send again".
    pub async fn send(&self, id: i64, req: &SendRequest, opts: SendOptions) -> Result<Accepted, AccountError> {
        let (session, name) = self.session_for(id, capability_for(&req.content)).await?;
        let _busy = InUse::take(&self.inner, id);
        session.send(req, opts).await.map_err(|source| AccountError::Send { name, source })
    }

    /// Does `who` have WhatsApp, asked through the account's session; the
    /// id WhatsApp knows it by.
    pub async fn exists(&self, id: i64, who: &WaId) -> Result<Option<WaId>, AccountError> {
        let (session, name) = self.session_for(id, Capability::Exists).await?;
        let _busy = InUse::take(&self.inner, id);
        session.exists(who).await.map_err(|source| AccountError::Session { name, source })
    }

    /// Finds a message again by id in the account's session (reconcile).
    pub async fn lookup(&self, id: i64, message: &MessageId, chat: Option<&WaId>) -> Result<Lookup, AccountError> {
        let (session, name) = self.session_for(id, Capability::Lookup).await?;
        let _busy = InUse::take(&self.inner, id);
        session.lookup(message, chat).await.map_err(|source| AccountError::Session { name, source })
    }

    /// Brings one linked account back from its profile, when this data
    /// folder holds it (a one-shot command that sends through it).
    pub async fn restore(&self, id: i64) -> Result<(), AccountError> {
        let row = repo::get(self.inner.db.conn(), id).await?;
        if self.worker_tx(id).is_some() {
            return Ok(());
        }
        match self.inner.profiles().await?.holding(&row) {
            Holding::Held | Holding::Claimable => {}
            Holding::None | Holding::Foreign => return Err(AccountError::NotHeld { name: row.name }),
        }
        let state = AccountState::parse(&row.state).unwrap_or(AccountState::Failed);
        let restorable = matches!(
            state,
            AccountState::Active | AccountState::Reconnecting | AccountState::Syncing | AccountState::Failed
        );
        if row.phone.is_none() || !restorable {
            return Err(AccountError::NotActive { name: row.name, state: state.as_str().into() });
        }
        self.send_input(id, Input::Restore, true).await
    }

    /// The running session of an account that may use `needs`: active (or
    /// restricted by a timelock with its session kept, for replies), running
    /// here, and its WhatsApp Web offering the feature.
    async fn session_for(&self, id: i64, needs: Capability) -> Result<(SessionHandle, String), AccountError> {
        let view = self.get(id).await?;
        let not_active = || AccountError::NotActive { name: view.name.clone(), state: view.state.as_str().into() };
        let tx = self.worker_tx(id).ok_or_else(not_active)?;
        let (reply, rx) = oneshot::channel();
        tx.send(WorkerCmd::Session(reply)).await.map_err(|_| AccountError::Stopped)?;
        let (session, state) = rx.await.map_err(|_| AccountError::Stopped)?.ok_or_else(not_active)?;
        if !matches!(state, AccountState::Active | AccountState::Restricted) {
            return Err(AccountError::NotActive { name: view.name, state: state.as_str().into() });
        }
        if let Some(caps) = session.capabilities() {
            caps.require(needs).map_err(|source| AccountError::Capability { name: view.name.clone(), source })?;
        }
        Ok((session, view.name))
    }
}
