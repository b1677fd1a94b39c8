//! flockctl driven as a user would: the real binary, a real database.

mod campaigns;
mod contacts;
mod accounts;
mod db;
mod dispatch;

use std::process::{Command, Output};

/// Runs flockctl with a private HOME so nothing touches the user's data.
pub fn flockctl(home: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_flockctl"))
        .args(args)
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env_remove("FLOCK_DATABASE_URL")
        .output()
        .expect("run flockctl")
}

pub fn stdout_json(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "flockctl failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("stdout is one JSON object")
}
