//! Flock's core. Plain Rust over a database handle; the Tauri shell
//! (`src-tauri`) and the headless CLI (`flockctl`) are thin layers over it.

pub mod accounts;
pub mod campaigns;
pub mod config;
pub mod contacts;
pub mod dashboard;
pub mod db;
pub mod dispatch;
pub mod entities;
pub mod error;
pub mod groups;
pub mod inbox;
pub mod lock;
pub mod logging;
pub mod logs;
pub mod paths;
pub mod phone;
pub mod repo;
pub mod secrets;
pub mod services;
pub mod settings;
pub mod team;

pub use error::{CoreError, ErrorKind, ErrorReport};
