//! The account manager's side of team mode (see `crate::team`): the lease
//! taken before a session starts and given back after it stops, and the
//! heartbeat that registers this workstation, renews the leases of the
//! sessions running here and stops any whose lease was taken meanwhile.

use chrono::Utc;

use super::error::AccountError;
use super::manager::{AccountManager, Inner};
use super::view::{AccountEvent, DeskView};
use crate::entities::account;
use crate::team::leases::{self, Acquired, Lease};
use crate::team::{Workstation, WorkstationView};

impl AccountManager {
    /// This installation as the team sees it (`<data>/workstation.json`).
    pub async fn workstation(&self) -> Result<Workstation, AccountError> {
        self.inner.workstation().await.cloned()
    }

    /// The team's workstations with the accounts each holds.
    pub async fn workstations(&self) -> Result<Vec<WorkstationView>, AccountError> {
        let me = self.inner.workstation().await?;
        Ok(crate::team::list_workstations(self.inner.db.conn(), &me.id, self.inner.settings.lease, Utc::now()).await?)
    }

    /// Follows other writers' account changes (team mode): each changed
    /// account is published again from its row, so every screen shows what
    /// another desk did to it; a resync publishes them all.
    pub fn follow_changes(&self, mut changes: tokio::sync::broadcast::Receiver<crate::team::live::Change>) -> tokio::task::JoinHandle<()> {
        use crate::team::live::Change;
        use tokio::sync::broadcast::error::RecvError;
        let me = self.clone();
        tokio::spawn(async move {
            loop {
                let ids = match changes.recv().await {
                    Ok(Change::Account(id)) => vec![id],
                    Ok(Change::Resync) | Err(RecvError::Lagged(_)) => me.all_ids().await,
                    Ok(_) => continue,
                    Err(RecvError::Closed) => return,
                };
                for id in ids {
                    me.republish(id).await;
                }
            }
        })
    }

    async fn all_ids(&self) -> Vec<i64> {
        crate::repo::accounts::list(self.inner.db.conn()).await.map(|rows| rows.into_iter().map(|r| r.id).collect()).unwrap_or_default()
    }

    async fn republish(&self, id: i64) {
        match crate::repo::accounts::get(self.inner.db.conn(), id).await {
            Ok(row) => self.inner.publish(AccountEvent::Changed { account: self.inner.view_of(&row) }),
            Err(crate::repo::RepoError::NotFound { .. }) if self.running_ids().contains(&id) => {}
            Err(crate::repo::RepoError::NotFound { .. }) => self.inner.publish(AccountEvent::Removed { id }),
            Err(e) => tracing::debug!(account = id, "cannot read the changed account: {e}"),
        }
    }

    /// Reads this workstation's identity and the team's names, writing
    /// nothing (for a command that only lists accounts).
    pub async fn refresh_team(&self) -> Result<(), AccountError> {
        self.inner.workstation().await?;
        let desks = crate::team::desk_infos(self.inner.db.conn()).await?;
        *self.inner.desks.lock().unwrap_or_else(|e| e.into_inner()) = desks;
        Ok(())
    }

    /// One heartbeat: registers this workstation, renews the leases of the
    /// sessions running here, stops those whose lease another workstation
    /// took (ours had run out: a long database outage, a sleeping laptop),
    /// and refreshes the names the account views show.
    pub async fn heartbeat(&self) -> Result<(), AccountError> {
        let me = self.inner.workstation().await?.clone();
        let db = self.inner.db.conn();
        let now = Utc::now();
        crate::team::register(db, &me, self.inner.started_at, now).await?;
        let running = self.running_ids();
        let lost = leases::renew(db, &me.id, &running, self.inner.settings.lease, now).await?;
        let desks = crate::team::desk_infos(db).await?;
        *self.inner.desks.lock().unwrap_or_else(|e| e.into_inner()) = desks;
        // Another desk's lease that ran out since the last beat: nothing
        // announces it (a dead desk writes nothing), so every screen is told
        // here that the account is now "offline on <desk>".
        let since = self.inner.last_beat.lock().unwrap_or_else(|e| e.into_inner()).replace(now);
        if let Some(since) = since {
            for (id, lease) in leases::all(db).await? {
                let ran_out = lease.expires_at.is_some_and(|e| e > since && e <= now);
                if ran_out && lease.holder.as_deref().is_some_and(|h| h != me.id) {
                    self.republish(id).await;
                }
            }
        }
        for id in lost {
            tracing::error!(account = id, "this workstation lost the account's lease to another one: its session stops here");
            self.stop_worker(id).await;
            if let Ok(row) = crate::repo::accounts::get(db, id).await {
                self.inner.publish(AccountEvent::Changed { account: self.inner.view_of(&row) });
            }
        }
        Ok(())
    }

    /// Takes the account's lease for this workstation, or says who holds it.
    pub(super) async fn take_lease(&self, row: &account::Model) -> Result<(), AccountError> {
        let me = self.inner.workstation().await?;
        let taken = leases::acquire(self.inner.db.conn(), row.id, &me.id, self.inner.settings.lease, Utc::now()).await;
        // A database that does not take the write: nothing starts, and the cause is named.
        let taken = taken.map_err(|source| match source {
            crate::repo::RepoError::Db(_) => AccountError::Unavailable { name: row.name.clone(), doing: "started (its lease could not be taken)".into(), source },
            other => other.into(),
        })?;
        match taken {
            Acquired::Taken { .. } => Ok(()),
            Acquired::HeldBy { holder, expires_at } => {
                Err(AccountError::RunsElsewhere { name: row.name.clone(), desk: self.inner.desk_name(&holder), until: expires_at })
            }
        }
    }

    /// Gives the lease back after the account's session stopped here.
    pub(super) async fn give_back_lease(&self, id: i64) {
        let Ok(me) = self.inner.workstation().await else {
            return;
        };
        if let Err(e) = leases::release(self.inner.db.conn(), id, &me.id, Utc::now()).await {
            // It runs out by itself.
            tracing::warn!(account = id, "cannot give the account's lease back: {e}");
        }
    }

    /// The workstation whose running lease keeps `row` from starting here.
    pub(super) async fn leased_elsewhere(&self, row: &account::Model) -> Result<Option<String>, AccountError> {
        let me = self.inner.workstation().await?;
        let lease = Lease { holder: row.lease_holder.clone(), expires_at: row.lease_expires_at };
        Ok(lease.held_elsewhere(&me.id, Utc::now()).then(|| self.inner.desk_name(lease.holder.as_deref().unwrap_or_default())))
    }
}

impl Inner {
    pub(super) async fn workstation(&self) -> Result<&Workstation, AccountError> {
        let paths = self.paths.clone();
        Ok(self.workstation.get_or_try_init(|| async move { Workstation::load_or_create(&paths) }).await?)
    }

    /// A workstation's name as last seen (its id's start when never seen).
    pub(super) fn desk_name(&self, id: &str) -> String {
        let desks = self.desks.lock().unwrap_or_else(|e| e.into_inner());
        desks.get(id).map(|d| d.name.clone()).unwrap_or_else(|| format!("workstation {}", id.chars().take(8).collect::<String>()))
    }

    pub(super) fn desk_of(&self, row: &account::Model) -> Option<DeskView> {
        let holder = row.lease_holder.as_deref()?;
        let here = self.workstation.get().is_some_and(|w| w.id == holder);
        Some(DeskView {
            workstation_id: holder.to_string(),
            name: if here { self.workstation.get().map(|w| w.name.clone()).unwrap_or_default() } else { self.desk_name(holder) },
            here,
            online: row.lease_expires_at.is_some_and(|e| e > Utc::now()),
            expires_at: row.lease_expires_at,
        })
    }
}
