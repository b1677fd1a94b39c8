//! Flock's WhatsApp Web simulator: a local HTTP server that serves a WhatsApp
//! Web look-alike page (the internals a bridge script uses, under their real
//! names and shapes) and plays the phone and WhatsApp's servers behind a
//! control API under `/_sim/`. See README.md.

pub mod api;
mod config;
mod error;
mod groups;
mod handle;
mod ids;
mod messages;
mod ops;
mod qr;
pub mod scenario;
mod server;
mod session;
mod world;

pub use api::*;
pub use config::{AutoAck, ConfigPatch, SimConfig, UploadLimits};
pub use error::{ErrorBody, ErrorDetail, SimError, SimResult};
pub use handle::{LinkedDevice, SimHandle, Simulator};
pub use scenario::{demo_scenario, load_scenario, Scenario};
