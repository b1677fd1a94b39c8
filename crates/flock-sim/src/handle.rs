//! Starting the simulator and driving it from Rust.

mod devices;

pub use devices::LinkedDevice;

use std::net::SocketAddr;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use uuid::Uuid;

use crate::api::*;
use crate::config::{ConfigPatch, SimConfig};
use crate::error::{SimError, SimResult};
use crate::ops;
use crate::scenario::Scenario;
use crate::world::{Shared, SharedRef};

/// Entry point.
pub struct Simulator;

impl Simulator {
    /// Binds 127.0.0.1 on `config.port` (0: a free port) and serves until
    /// [`SimHandle::shutdown`] or until the handle is dropped.
    pub async fn start(config: SimConfig) -> SimResult<SimHandle> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", config.port)).await?;
        Self::serve(listener, config).await
    }

    /// Serves on an already bound listener (e.g. `0.0.0.0` for a CLI).
    pub async fn serve(listener: tokio::net::TcpListener, config: SimConfig) -> SimResult<SimHandle> {
        let addr = listener.local_addr()?;
        let shared = Shared::new(config);
        let app = crate::server::router(shared.clone());
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let res = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stop_rx.await;
                })
                .await;
            if let Err(e) = res {
                tracing::error!("simulator server stopped: {e}");
            }
        });
        tracing::info!(%addr, "WhatsApp Web simulator listening");
        Ok(SimHandle { shared, addr, stop: Some(stop_tx), task: Some(task) })
    }
}

/// A running simulator. Dropping it stops the server.
pub struct SimHandle {
    shared: SharedRef,
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl SimHandle {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:<port>` (no trailing slash); the page is at `/`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub async fn add_phone(&self, phone: &str, name: &str) -> SimResult<PhoneInfo> {
        ops::add_phone(&self.shared, NewPhone { phone: phone.to_owned(), name: name.to_owned() })
    }

    pub async fn phones(&self) -> Vec<PhoneInfo> {
        ops::phones(&self.shared)
    }

    pub async fn add_group(&self, group: NewGroup) -> SimResult<GroupInfo> {
        ops::add_group(&self.shared, group)
    }

    pub async fn groups(&self) -> Vec<GroupInfo> {
        ops::groups(&self.shared)
    }

    pub async fn patch_group(&self, id: &str, patch: GroupPatch) -> SimResult<GroupInfo> {
        ops::patch_group(&self.shared, id, patch)
    }

    pub async fn sessions(&self) -> Vec<SessionInfo> {
        ops::sessions(&self.shared)
    }

    /// The phone scans `qr`; `SimError::Conflict` if it is expired or unknown.
    pub async fn scan(&self, qr: &str, phone: &str) -> SimResult<SessionInfo> {
        ops::scan(&self.shared, ScanRequest { qr: qr.to_owned(), phone: phone.to_owned() }).await
    }

    /// The phone's user types the pairing code shown for `phone`.
    pub async fn pair(&self, code: &str, phone: &str) -> SimResult<SessionInfo> {
        ops::pair(&self.shared, PairRequest { code: code.to_owned(), phone: phone.to_owned() }).await
    }

    /// A phone event; `Restrict` lasts the default hour (see [`Self::restrict_for`]).
    pub async fn phone_event(&self, phone: &str, event: PhoneEvent) -> SimResult<PhoneInfo> {
        ops::phone_event(&self.shared, phone, event, None)
    }

    /// Reachout timelock for `seconds`; it lifts by itself afterwards.
    pub async fn restrict_for(&self, phone: &str, seconds: u64) -> SimResult<PhoneInfo> {
        ops::phone_event(&self.shared, phone, PhoneEvent::Restrict, Some(seconds))
    }

    pub async fn reload_session(&self, id: Uuid) -> SimResult<()> {
        ops::reload(&self.shared, id)
    }

    pub async fn inbound(&self, msg: Inbound) -> SimResult<Created> {
        ops::inbound(&self.shared, msg)
    }

    pub async fn ack(&self, id: &str, ack: i32) -> SimResult<()> {
        ops::ack(&self.shared, AckRequest { id: id.to_owned(), ack })
    }

    pub async fn config(&self) -> SimConfig {
        ops::config(&self.shared)
    }

    pub async fn set_config(&self, patch: ConfigPatch) -> SimConfig {
        ops::set_config(&self.shared, patch)
    }

    /// Every message a page submitted, accepted or refused (see `accepted`).
    pub async fn ledger(&self) -> Vec<LedgerEntry> {
        ops::ledger(&self.shared, &LedgerQuery::default())
    }

    /// Only the messages that reached WhatsApp (the server accepted them).
    pub async fn ledger_accepted(&self) -> Vec<LedgerEntry> {
        ops::ledger(&self.shared, &LedgerQuery { accepted: Some(true), ..Default::default() })
    }

    /// The ledger entry of a key id or serialized key.
    pub async fn ledger_entry(&self, id: &str) -> Option<LedgerEntry> {
        ops::ledger(&self.shared, &LedgerQuery { id: Some(id.to_owned()), ..Default::default() }).into_iter().next()
    }

    /// Registers a scenario's phones and groups.
    pub async fn load(&self, scenario: &Scenario) -> SimResult<Vec<GroupInfo>> {
        for p in &scenario.phones {
            self.add_phone(&p.phone, &p.name).await?;
        }
        let mut out = Vec::with_capacity(scenario.groups.len());
        for g in &scenario.groups {
            out.push(self.add_group(g.clone()).await?);
        }
        Ok(out)
    }

    /// Stops the server and waits for it.
    pub async fn shutdown(mut self) -> SimResult<()> {
        self.shared.stopping.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        // Open page sockets would keep graceful shutdown waiting: close them.
        for e in self.shared.lock().sessions.values() {
            let _ = e.cmd.send(crate::world::SessionCmd::Close);
        }
        if let Some(task) = self.task.take() {
            match tokio::time::timeout(std::time::Duration::from_secs(5), task).await {
                Ok(_) => {}
                Err(_) => return Err(SimError::Stopped),
            }
        }
        Ok(())
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        self.shared.stopping.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}
