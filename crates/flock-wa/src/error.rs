use std::path::PathBuf;
use std::time::Duration;

use chromiumoxide::error::CdpError;

use crate::capability::CapabilityMissing;
use crate::state::SocketState;

/// Errors of the driver, each with its cause typed. Browser death while
/// running is not an error but a [`crate::SessionEvent::Exited`]; a send's
/// own failures are [`crate::SendError`]s.
#[derive(Debug, thiserror::Error)]
pub enum WaError {
    #[error("no Chrome, Chromium or Edge found (looked in: {looked})")]
    BrowserNotFound { looked: String },
    #[error("the browser set in the settings does not exist: {}", path.display())]
    BrowserPathMissing { path: PathBuf },
    #[error("cannot prepare the profile folder {}: {source}", path.display())]
    Profile { path: PathBuf, source: std::io::Error },
    #[error("cannot start the browser {}: {cause}", path.display())]
    Launch { path: PathBuf, cause: LaunchCause },
    #[error("cannot open WhatsApp Web at {url}: {cause}")]
    Navigate { url: String, cause: NavigateCause },
    /// A DevTools command failed.
    #[error("browser command failed while {during}: {source}")]
    Cdp { during: &'static str, source: CdpError },
    /// The page did not answer in time (a hung renderer, or a reload).
    #[error("the page did not answer within {} s while {during}", after.as_secs())]
    PageTimeout { during: &'static str, after: Duration },
    /// The bridge answered something it should not (an old or broken
    /// bridge.js override, or a page that reloaded under it).
    #[error("the bridge's answer to {command} was not understood: {problem}")]
    Bridge { command: &'static str, problem: String },
    /// The request needs a feature this WhatsApp Web does not offer.
    #[error(transparent)]
    Capability(#[from] CapabilityMissing),
    /// The session was not connected and synced within the wait.
    #[error("the session is not connected ({}) after waiting {} s", state.as_ref().map(|s| s.as_str()).unwrap_or("no state yet"), waited.as_secs())]
    NotConnected { state: Option<SocketState>, waited: Duration },
    #[error("the session has stopped")]
    Stopped,
    #[error("cannot render the QR code: {0}")]
    Qr(#[from] qrcode::types::QrError),
}

/// Why the browser did not start.
#[derive(Debug, thiserror::Error)]
pub enum LaunchCause {
    #[error("{0}")]
    Config(String),
    #[error(transparent)]
    Cdp(#[from] CdpError),
}

/// Why WhatsApp Web did not open.
#[derive(Debug, thiserror::Error)]
pub enum NavigateCause {
    #[error(transparent)]
    Cdp(#[from] CdpError),
    #[error("no answer within {} s", .0.as_secs())]
    Timeout(Duration),
}

impl WaError {
    pub(crate) fn cdp(during: &'static str) -> impl FnOnce(CdpError) -> WaError {
        move |source| WaError::Cdp { during, source }
    }
}
