//! WhatsApp accounts and their lifecycle.

mod state;

pub use state::AccountState;
