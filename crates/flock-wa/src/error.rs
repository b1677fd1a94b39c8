use std::path::PathBuf;

/// Errors of the driver. Browser death while running is not an error but a
/// [`crate::SessionEvent::Exited`].
#[derive(Debug, thiserror::Error)]
pub enum WaError {
    #[error("no Chrome, Chromium or Edge found (looked in: {looked})")]
    BrowserNotFound { looked: String },
    #[error("the browser set in the settings does not exist: {}", path.display())]
    BrowserPathMissing { path: PathBuf },
    #[error("cannot prepare the profile folder {}: {source}", path.display())]
    Profile { path: PathBuf, source: std::io::Error },
    #[error("cannot start the browser {}: {cause}", path.display())]
    Launch { path: PathBuf, cause: String },
    #[error("cannot open WhatsApp Web at {url}: {cause}")]
    Navigate { url: String, cause: String },
    #[error("browser command failed: {0}")]
    Cdp(String),
    #[error("the session has stopped")]
    Stopped,
    #[error("cannot render the QR code: {0}")]
    Qr(String),
}

impl From<chromiumoxide::error::CdpError> for WaError {
    fn from(e: chromiumoxide::error::CdpError) -> Self {
        WaError::Cdp(e.to_string())
    }
}
