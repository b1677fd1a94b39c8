//! [`Gateway`] over the account manager: each call goes to the account's
//! running session (`AccountManager::send/lookup/exists`), which refuses,
//! typed, when the account is not active here or its WhatsApp Web lacks the
//! feature; the sessions' acks and inbound messages and the accounts'
//! changes are forwarded as [`GatewayEvent`]s.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use flock_wa::{Accepted, Lookup, MessageEvent, MessageId, SendError, SendOptions, SendRequest, WaId};
use futures::future::BoxFuture;
use futures::FutureExt;
use tokio::sync::broadcast;
use tokio::task::JoinHandle;

use super::gateway::{Elsewhere, Gateway, GatewayError, GatewayEvent, SessionState};
use crate::accounts::{AccountError, AccountEvent, AccountManager};

pub struct AccountGateway {
    manager: AccountManager,
    options: SendOptions,
    events: broadcast::Sender<GatewayEvent>,
    forward: Vec<JoinHandle<()>>,
    /// The accounts as last read: what `sessions` answers while the
    /// database does not (see there).
    last: std::sync::Mutex<Vec<SessionState>>,
}

impl AccountGateway {
    pub fn new(manager: AccountManager, options: SendOptions) -> Arc<Self> {
        let (events, _) = broadcast::channel(4096);
        let mut messages = manager.messages();
        let tx = events.clone();
        let from_sessions = tokio::spawn(async move {
            loop {
                match messages.recv().await {
                    Ok(m) => {
                        let ev = match m.event {
                            MessageEvent::Ack { id, ack, .. } => GatewayEvent::Ack { account_id: m.account_id, id, ack },
                            MessageEvent::Message(message) => GatewayEvent::Inbound { account_id: m.account_id, message },
                        };
                        let _ = tx.send(ev);
                    }
                    Err(broadcast::error::RecvError::Lagged(n)) => tracing::warn!(missed = n, "dispatcher: session events lagged"),
                    Err(broadcast::error::RecvError::Closed) => break,
                }
            }
        });
        let mut accounts = manager.subscribe();
        let tx = events.clone();
        let from_accounts = tokio::spawn(async move {
            loop {
                match accounts.recv().await {
                    Ok(AccountEvent::Changed { account }) => {
                        let _ = tx.send(GatewayEvent::Account { account_id: account.id });
                    }
                    Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => break,
                }
            }
        });
        Arc::new(Self { manager, options, events, forward: vec![from_sessions, from_accounts], last: Default::default() })
    }
}

impl Drop for AccountGateway {
    fn drop(&mut self) {
        for t in &self.forward {
            t.abort();
        }
    }
}

/// A refusal of the account service as a send error: nothing reached the
/// page (not active, not here, stopped) is "not connected"; a missing
/// feature is named.
fn send_error(e: AccountError) -> SendError {
    match e {
        AccountError::Send { source, .. } => source,
        AccountError::Capability { source, .. } => SendError::CapabilityMissing(source),
        other => {
            tracing::info!("send refused by the account service: {other}");
            SendError::NotConnected { state: None, waited: std::time::Duration::ZERO }
        }
    }
}

fn gateway_error(account_id: i64, e: AccountError) -> GatewayError {
    match e {
        AccountError::NotActive { .. } | AccountError::Stopped | AccountError::NotHeld { .. } => GatewayError::NoSession { account_id },
        other => GatewayError::Session { account_id, message: other.to_string() },
    }
}

impl Gateway for AccountGateway {
    fn sessions(&self) -> BoxFuture<'_, Vec<SessionState>> {
        async move {
            let listed = self.manager.list().await;
            let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
            match listed {
                Ok(all) => {
                    *last = all
                        .into_iter()
                        .map(|a| {
                            let elsewhere = match &a.desk {
                                Some(d) if !d.here && !a.running => {
                                    let desk = d.name.clone();
                                    if d.online { Elsewhere::Online { desk } } else { Elsewhere::Offline { desk } }
                                }
                                _ => Elsewhere::No,
                            };
                            SessionState { account_id: a.id, state: a.state, running: a.running, elsewhere }
                        })
                        .collect();
                    last.clone()
                }
                // A database that did not answer for a moment is not "no
                // accounts": an empty list paused every running campaign
                // ("no accounts chosen for this campaign") until the next
                // tick resumed it (seen under load in the fault tests).
                // Sends still go through the manager's live state.
                Err(e) => {
                    tracing::warn!("dispatcher: cannot list the accounts: {e}; using the last list read");
                    last.clone()
                }
            }
        }
        .boxed()
    }

    fn send<'a>(&'a self, account_id: i64, req: &'a SendRequest) -> BoxFuture<'a, Result<Accepted, SendError>> {
        async move { self.manager.send(account_id, req, self.options).await.map_err(send_error) }.boxed()
    }

    fn lookup<'a>(&'a self, account_id: i64, id: &'a MessageId, chat: Option<&'a WaId>) -> BoxFuture<'a, Result<Lookup, GatewayError>> {
        async move { self.manager.lookup(account_id, id, chat).await.map_err(|e| gateway_error(account_id, e)) }.boxed()
    }

    fn exists<'a>(&'a self, account_id: i64, who: &'a WaId) -> BoxFuture<'a, Result<Option<WaId>, GatewayError>> {
        async move { self.manager.exists(account_id, who).await.map_err(|e| gateway_error(account_id, e)) }.boxed()
    }

    fn subscribe(&self) -> broadcast::Receiver<GatewayEvent> {
        self.events.subscribe()
    }

    fn restrict(&self, account_id: i64, _until: Option<DateTime<Utc>>) -> BoxFuture<'_, Result<(), GatewayError>> {
        async move { self.manager.report_send_error(account_id, 463).await.map_err(|e| gateway_error(account_id, e)) }.boxed()
    }

    fn lift_restriction(&self, account_id: i64) -> BoxFuture<'_, Result<(), GatewayError>> {
        async move { self.manager.end_timelock(account_id).await.map_err(|e| gateway_error(account_id, e)) }.boxed()
    }
}
