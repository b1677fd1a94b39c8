//! Flock's WhatsApp Web driver.
//!
//! One [`Session`] actor per account owns a Chromium (or Chrome, Edge,
//! headless shell) with the account's own profile folder. Nothing else
//! touches chromiumoxide: callers hold a cheap [`SessionHandle`] and read
//! [`SessionEvent`]s from a channel. Every use of WhatsApp Web internals
//! lives in ONE injected script, `bridge.js`, which pushes its events
//! through a CDP binding (never polled).
//!
//! The boundary is typed: WhatsApp ids ([`WaId`], [`MessageId`]), socket
//! states ([`SocketState`]), groups ([`GroupInfo`]), features
//! ([`Capabilities`]), sends ([`SendRequest`] → [`Accepted`] or
//! [`SendError`]), acks ([`Ack`]) and incoming messages
//! ([`InboundMessage`]). No WhatsApp string leaves this crate untyped.
//!
//! This crate keeps no state on disk besides the profile folder and knows
//! nothing of the database: the account lifecycle lives in `flock-core`.

pub mod bench;
pub mod bridge;
pub mod capability;
mod error;
pub mod events;
pub mod groups;
mod handle;
pub mod ids;
pub mod launch;
pub mod locate;
pub mod media;
pub mod memory;
pub mod qr;
pub mod send;
mod sending;
mod session;
pub mod stale;
pub mod state;

pub use capability::{Capabilities, Capability, CapabilityMissing, CapabilityStatus, Internal, Route};
pub use error::{LaunchCause, NavigateCause, WaError};
pub use events::{BridgeEvent, InboundMessage, Me, MessageEvent, QrSource, SessionEvent};
pub use groups::{GroupInfo, Participant};
pub use handle::{SessionHandle, Timelock};
pub use ids::{MessageId, WaId, WaIdError};
pub use launch::{launch_flags, user_agent, LaunchOptions};
pub use locate::{find_browser, BrowserBinary, BrowserKind, BrowserPreference};
pub use media::MediaKind;
pub use send::{Accepted, Ack, Certainty, Content, Lookup, SendError, SendOptions, SendRequest};
pub use session::{Session, SessionConfig, SessionHealth, Status};
pub use state::SocketState;
