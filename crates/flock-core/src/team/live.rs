//! Live changes between workstations (PostgreSQL): every desk LISTENs on
//! `flock_changes`, which the database's triggers fill (migration
//! `notify_changes`) whoever writes: another desk's dispatcher, its app,
//! a `flockctl` command. Each notice names a table and a row (a campaign,
//! for messages); the listeners read the row themselves. The account
//! manager republishes a changed account, the dispatcher marks a campaign's
//! progress and publishes a stored reply, so every screen of every desk
//! moves within a second of the write. A lost connection reconnects by
//! itself and announces [`Change::Resync`] (notices sent meanwhile are lost:
//! screens reload). SQLite (one desk) has no feed.

use std::time::Duration;

use serde::Deserialize;
use sqlx::postgres::PgListener;
use tokio::sync::broadcast;
use tokio::task::JoinHandle;

use crate::db::{Database, DatabaseTarget};

pub const CHANNEL: &str = "flock_changes";

/// What another writer changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Account(i64),
    Campaign(i64),
    /// A message our accounts received (`inbound_messages.id`).
    Reply(i64),
    /// Notices may have been lost (the connection dropped): reload everything.
    Resync,
}

#[derive(Deserialize)]
struct Notice {
    t: String,
    id: i64,
}

impl Change {
    /// A notice's payload; `None` for a table no one follows.
    pub fn parse(payload: &str) -> Option<Self> {
        let n: Notice = serde_json::from_str(payload).ok()?;
        match n.t.as_str() {
            "accounts" => Some(Change::Account(n.id)),
            "campaigns" | "messages" => Some(Change::Campaign(n.id)),
            "inbound_messages" => Some(Change::Reply(n.id)),
            _ => None,
        }
    }
}

/// The database's change notices, for anyone in this process to follow.
pub struct ChangeFeed {
    tx: broadcast::Sender<Change>,
    task: JoinHandle<()>,
}

impl ChangeFeed {
    /// Starts listening; `None` on SQLite.
    pub fn start(db: &Database) -> Option<Self> {
        let DatabaseTarget::Postgres { url } = db.target() else { return None };
        let url = url.expose().to_string();
        let (tx, _) = broadcast::channel(4096);
        let task = tokio::spawn(listen(url, tx.clone()));
        Some(Self { tx, task })
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.tx.subscribe()
    }
}

impl Drop for ChangeFeed {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn listen(url: String, tx: broadcast::Sender<Change>) {
    const RETRY: Duration = Duration::from_secs(1);
    let mut failing = false;
    loop {
        let mut listener = match connect(&url).await {
            Ok(l) => l,
            Err(e) => {
                if !failing {
                    tracing::warn!("live changes from other workstations stopped: {e}; trying again every second");
                    failing = true;
                }
                tokio::time::sleep(RETRY).await;
                continue;
            }
        };
        if failing {
            tracing::info!("live changes from other workstations: listening again");
            failing = false;
        }
        // Whatever happened while not listening: the screens reload.
        let _ = tx.send(Change::Resync);
        loop {
            match listener.try_recv().await {
                Ok(Some(n)) => match Change::parse(n.payload()) {
                    Some(c) => {
                        let _ = tx.send(c);
                    }
                    None => tracing::debug!(payload = n.payload(), "change notice ignored"),
                },
                // Lost and reconnected (sqlx LISTENs again): some notices are gone.
                Ok(None) => {
                    let _ = tx.send(Change::Resync);
                }
                Err(e) => {
                    tracing::warn!("live changes from other workstations: {e}; reconnecting");
                    break;
                }
            }
        }
        tokio::time::sleep(RETRY).await;
    }
}

async fn connect(url: &str) -> Result<PgListener, sqlx::Error> {
    let mut l = PgListener::connect(url).await?;
    l.listen(CHANNEL).await?;
    Ok(l)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_name_the_row_and_unknown_ones_are_ignored() {
        assert_eq!(Change::parse(r#"{"t":"accounts","id":3}"#), Some(Change::Account(3)));
        assert_eq!(Change::parse(r#"{"t":"messages","id":7}"#), Some(Change::Campaign(7)));
        assert_eq!(Change::parse(r#"{"t":"campaigns","id":7}"#), Some(Change::Campaign(7)));
        assert_eq!(Change::parse(r#"{"t":"inbound_messages","id":9}"#), Some(Change::Reply(9)));
        assert_eq!(Change::parse(r#"{"t":"tags","id":1}"#), None);
        assert_eq!(Change::parse("garbage"), None);
    }
}
