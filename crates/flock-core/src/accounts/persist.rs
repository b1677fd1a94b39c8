//! How a worker stores what the lifecycle decided.
//!
//! - Every state write is compare-and-set on the account's version. A lost
//!   race (someone else changed the account) re-reads the row, adopts the
//!   stored state and runs the same input through the lifecycle again.
//! - A write the database does not take is retried a few times with backoff;
//!   if it still fails, the change did not happen: the machine stays where
//!   it was, no action runs, the view shows "database unavailable" and the
//!   worker tries again later (doubling delays) until the database answers.

use std::time::Duration;

use tokio::time::Instant;

use super::error::AccountError;
use super::lifecycle::{self, Input, Target};
use super::state::AccountState;
use super::view::AccountEvent;
use super::worker::Worker;
use crate::entities::account;
use crate::repo::accounts::{self as repo, Identity, IdentityOutcome, Transition};
use crate::repo::RepoError;

/// First delay of the later re-attempts; doubles up to `RETRY_MAX`.
pub(super) const RETRY_FIRST: Duration = Duration::from_secs(1);
const RETRY_MAX: Duration = Duration::from_secs(30);
/// Attempts of one write before it counts as failed, and the first pause.
const WRITE_ATTEMPTS: u32 = 4;
const WRITE_BACKOFF: Duration = Duration::from_millis(50);
/// Lost races in a row before giving up on an input.
const RACES: usize = 3;

/// Work the database has not taken yet, in order.
#[derive(Debug, Clone)]
pub(super) enum Pending {
    Input(Input),
    /// Storing the number the session reported.
    Identity,
}

/// Why a write did not happen.
enum NotStored {
    /// The row changed meanwhile: here it is, as stored now.
    Stale(account::Model),
    /// The account no longer exists.
    Gone,
    /// The database did not answer (after the retries).
    Unavailable(RepoError),
}

/// Runs `write` up to `WRITE_ATTEMPTS` times while the database fails.
async fn with_retries<T, F, Fut>(mut write: F) -> Result<T, RepoError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, RepoError>>,
{
    let mut pause = WRITE_BACKOFF;
    let mut attempt = 1;
    loop {
        match write().await {
            Err(RepoError::Db(e)) if attempt < WRITE_ATTEMPTS => {
                tracing::debug!(attempt, "database write failed, retrying: {e}");
                tokio::time::sleep(pause).await;
                pause *= 2;
                attempt += 1;
            }
            other => return other,
        }
    }
}

impl Worker {
    /// Runs an input from the session or a timer; a change the database
    /// does not take waits in `unstored`.
    pub(super) async fn feed(&mut self, input: Input) {
        if !self.unstored.is_empty() {
            self.retry_unstored().await;
        }
        if self.unstored.is_empty() {
            let _ = self.handle(Pending::Input(input), true).await;
        } else {
            self.unstored.push_back(Pending::Input(input));
        }
        self.drain().await;
    }

    /// Runs an input the user asked for and says whether it was stored. One
    /// that was not is not kept: the person decides whether to try again.
    pub(super) async fn feed_reporting(&mut self, input: Input) -> Result<(), AccountError> {
        if !self.unstored.is_empty() {
            self.retry_unstored().await;
        }
        let result = self.handle(Pending::Input(input), false).await;
        self.drain().await;
        result
    }

    /// Runs the inputs the actions queued.
    pub(super) async fn drain(&mut self) {
        while let Some(input) = self.queue.pop_front() {
            if self.unstored.is_empty() {
                let _ = self.handle(Pending::Input(input), true).await;
            } else {
                self.unstored.push_back(Pending::Input(input));
            }
        }
    }

    /// Tries the unstored work again, in order, until one still fails.
    pub(super) async fn retry_unstored(&mut self) {
        while let Some(pending) = self.unstored.pop_front() {
            // A failure puts it back at the front and schedules the next try.
            if let Err(AccountError::Unavailable { .. }) = self.handle(pending, true).await {
                return;
            }
            if self.removed {
                return;
            }
        }
        if self.inner.live_database_error(self.id).is_some() {
            self.inner.update_live(self.id, |l| l.database_error = None);
            self.retry_delay = RETRY_FIRST;
            self.publish_current().await;
        }
    }

    async fn handle(&mut self, pending: Pending, keep: bool) -> Result<(), AccountError> {
        if self.removed {
            return Err(AccountError::Stopped);
        }
        let input = match pending {
            Pending::Identity => return self.store_identity(keep).await,
            Pending::Input(input) => input,
        };
        for _ in 0..RACES {
            let snapshot = self.machine.clone();
            let before = self.machine.state;
            let step = lifecycle::step(&mut self.machine, input.clone(), &self.inner.settings.timeouts);
            if let Some(to) = &step.to {
                match self.persist(before, to).await {
                    Ok(()) => {}
                    Err(NotStored::Stale(fresh)) => {
                        self.machine = snapshot;
                        tracing::info!(account = self.id, stored = %fresh.state, "the account changed elsewhere; deciding again");
                        self.adopt(fresh).await;
                        continue;
                    }
                    Err(NotStored::Gone) => {
                        self.machine = snapshot;
                        self.gone().await;
                        return Err(AccountError::Repo(RepoError::NotFound { what: "account", id: self.id }));
                    }
                    Err(NotStored::Unavailable(e)) => {
                        self.machine = snapshot;
                        return Err(self.unavailable(Pending::Input(input), to.state, e, keep).await);
                    }
                }
            }
            for action in step.actions {
                self.act(action).await;
            }
            return Ok(());
        }
        tracing::warn!(account = self.id, "the account kept changing elsewhere; left as stored");
        Err(AccountError::Repo(RepoError::Stale { what: "account", id: self.id }))
    }

    async fn persist(&mut self, before: AccountState, to: &Target) -> Result<(), NotStored> {
        let timeout = self.inner.settings.timeouts.deadline_for(to.state);
        let deadline = timeout.and_then(|d| chrono::Duration::from_std(d).ok()).map(|d| chrono::Utc::now() + d);
        let (db, id, version) = (self.inner.db.conn().clone(), self.id, self.row.version);
        let transition = Transition { to: to.state, reason: Some(&to.reason), fix: to.fix.as_deref(), deadline };
        let res = with_retries(|| repo::set_state(&db, id, version, transition.clone())).await;
        match res {
            Ok(row) => {
                tracing::info!(account = self.id, from = before.as_str(), to = to.state.as_str(), reason = %to.reason, "account state");
                self.deadline = timeout.map(|d| Instant::now() + d);
                if to.state != AccountState::WaitingForScan {
                    self.inner.update_live(self.id, |l| {
                        l.qr = None;
                        l.pairing_code = None;
                    });
                }
                self.row = row;
                self.publish_current().await;
                Ok(())
            }
            Err(e) => Err(self.not_stored(e).await),
        }
    }

    async fn not_stored(&mut self, e: RepoError) -> NotStored {
        match e {
            RepoError::Stale { .. } => match with_retries(|| repo::get(self.inner.db.conn(), self.id)).await {
                Ok(fresh) => NotStored::Stale(fresh),
                Err(RepoError::NotFound { .. }) => NotStored::Gone,
                Err(e) => NotStored::Unavailable(e),
            },
            RepoError::NotFound { .. } => NotStored::Gone,
            e => NotStored::Unavailable(e),
        }
    }

    /// Takes the stored row as the truth: its state becomes the machine's,
    /// and a session that the stored state does not run is closed.
    async fn adopt(&mut self, fresh: account::Model) {
        let state = AccountState::parse(&fresh.state).unwrap_or(AccountState::Failed);
        self.machine.state = state;
        self.deadline = fresh.state_deadline.map(|at| {
            let left = (at - chrono::Utc::now()).to_std().unwrap_or_default();
            Instant::now() + left
        });
        self.row = fresh;
        if matches!(state, AccountState::New | AccountState::LoggedOut | AccountState::LinkExpired | AccountState::Failed) {
            self.stop_session().await;
        }
        self.publish_current().await;
    }

    /// The account was removed elsewhere: close the session and stop.
    async fn gone(&mut self) {
        tracing::info!(account = self.id, "the account was removed elsewhere");
        self.stop_session().await;
        self.removed = true;
        self.inner.publish(AccountEvent::Removed { id: self.id });
    }

    /// A change was not stored: say so in the view and, for work from the
    /// session, keep it to try again later.
    async fn unavailable(&mut self, pending: Pending, to: AccountState, e: RepoError, keep: bool) -> AccountError {
        tracing::error!(account = self.id, to = to.as_str(), "cannot store the account's change: {e}");
        let message = format!("database unavailable: \"{}\" could not be stored ({e})", to.as_str());
        self.inner.update_live(self.id, |l| l.database_error = Some(message));
        if keep {
            self.unstored.push_front(pending);
            self.retry_at = Some(Instant::now() + self.retry_delay);
            self.retry_delay = (self.retry_delay * 2).min(RETRY_MAX);
        }
        self.publish_current().await;
        AccountError::Unavailable { name: self.row.name.clone(), doing: format!("moved to {}", to.as_str()), source: e }
    }

    /// Stores the number the session reported (compare-and-set), then feeds
    /// back `IdentityStored`, or why the account cannot be this number.
    pub(super) async fn store_identity(&mut self, keep: bool) -> Result<(), AccountError> {
        let Some(me) = self.me.clone() else { return Ok(()) };
        let (phone, wa_id) = (me.e164(), me.wa_id());
        for _ in 0..RACES {
            let identity = Identity { phone: &phone, wa_id: &wa_id, profile_name: me.pushname.as_deref() };
            let (db, id, version) = (self.inner.db.conn().clone(), self.id, self.row.version);
            let res = with_retries(|| repo::store_identity(&db, id, version, &identity)).await;
            let input = match res {
                Ok(IdentityOutcome::Stored(row)) => {
                    self.row = row;
                    if let Err(e) = self.profiles.confirm(&self.row) {
                        tracing::warn!(account = self.id, "cannot confirm the profile: {e}");
                    }
                    Input::IdentityStored
                }
                Ok(IdentityOutcome::TakenBy { other }) => {
                    let message = format!("{phone} is already linked as account \"{other}\"");
                    self.refusal(message, format!("Use account \"{other}\", or remove it first"))
                }
                Ok(IdentityOutcome::OtherNumber { stored }) => {
                    // A provisional claim goes back once the browser is closed.
                    self.give_back = true;
                    let name = self.row.name.clone();
                    if self.showed_code {
                        self.refusal(
                            format!("Account \"{name}\" is {stored}; the code was scanned by {phone}, so that device is unlinked again"),
                            format!("Scan with the phone of {stored}, or reset the account (this forgets its number) to link another one"),
                        )
                    } else {
                        self.refusal(repo::other_number(&name, &stored, &phone), repo::FIX_OTHER_NUMBER.into())
                    }
                }
                Err(RepoError::Stale { .. }) => match self.not_stored(RepoError::Stale { what: "account", id }).await {
                    NotStored::Stale(fresh) => {
                        self.adopt(fresh).await;
                        if matches!(self.machine.state, AccountState::Syncing | AccountState::Reconnecting) {
                            continue;
                        }
                        return Ok(());
                    }
                    NotStored::Gone => {
                        self.gone().await;
                        return Ok(());
                    }
                    NotStored::Unavailable(e) => return Err(self.unavailable(Pending::Identity, AccountState::Active, e, keep).await),
                },
                Err(RepoError::NotFound { .. }) => {
                    self.gone().await;
                    return Ok(());
                }
                Err(e) => return Err(self.unavailable(Pending::Identity, AccountState::Active, e, keep).await),
            };
            self.queue.push_back(input);
            return Ok(());
        }
        Ok(())
    }

    /// The account cannot be the reported number. A login made in this
    /// session is undone (unlinked); one the profile already had is someone
    /// else's session and is only stopped.
    fn refusal(&self, message: String, fix: String) -> Input {
        if self.showed_code {
            Input::IdentityConflict { message, fix }
        } else {
            Input::IdentityMismatch { message, fix }
        }
    }

    /// A view of the account from the row as last stored plus the live
    /// state, without asking the database.
    pub(super) async fn publish_current(&self) {
        self.inner.publish(AccountEvent::Changed { account: self.inner.view_of(&self.row) });
    }
}
