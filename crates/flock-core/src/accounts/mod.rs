//! WhatsApp accounts and their lifecycle: the pure transition function
//! (`lifecycle`), and the service that runs one session per account
//! (`AccountManager`), persists every transition and publishes live views.

mod bridge_override;
mod error;
pub mod lifecycle;
mod manager;
mod messaging;
mod timelock;
mod persist;
pub mod profile;
mod worker;
mod settings;
mod state;
mod team;
mod view;

pub use bridge_override::{bridge_override, BridgeOverride};
pub use error::{phone_digits, AccountError};
pub use lifecycle::{ConflictPolicy, LinkKind, Timeouts};
pub use manager::{AccountManager, Diagnostics, LinkMethod};
pub use messaging::{capability_for, AccountMessage};
pub use settings::{AccountSettings, WHATSAPP_WEB};
pub use state::AccountState;
pub use view::{AccountEvent, AccountView, CapabilitiesView, DeskView, MissingCapability, QrView};
