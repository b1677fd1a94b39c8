//! Flock's WhatsApp Web driver.
//!
//! One [`Session`] actor per account owns a Chromium (or Chrome, Edge,
//! headless shell) with the account's own profile folder. Nothing else
//! touches chromiumoxide: callers send commands through a cheap
//! [`SessionHandle`] and read [`SessionEvent`]s from a channel. Every use of
//! WhatsApp Web internals lives in ONE injected script, `bridge.js`, which
//! pushes its events through a CDP binding (never polled).
//!
//! This crate keeps no state on disk besides the profile folder and knows
//! nothing of the database: the account lifecycle lives in `flock-core`.

pub mod bridge;
mod error;
pub mod events;
pub mod launch;
pub mod locate;
pub mod memory;
pub mod qr;
mod session;
pub mod stale;

pub use error::WaError;
pub use events::{BridgeEvent, Me, SessionEvent};
pub use launch::{launch_flags, user_agent, LaunchOptions};
pub use locate::{find_browser, BrowserBinary, BrowserKind, BrowserPreference};
pub use session::{Session, SessionConfig, SessionHandle, SessionHealth};
