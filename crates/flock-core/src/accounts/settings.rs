//! Settings of the account service: browser, WhatsApp Web address, conflict
//! policy, deadlines. `load` reads the user's choices from `settings.json`
//! (keys `browser_path`, `conflict_policy`); the rest are defaults that tests
//! and the benchmark shorten.

use std::path::PathBuf;
use std::time::Duration;

use flock_wa::BrowserPreference;

use super::lifecycle::{ConflictPolicy, Timeouts};
use crate::paths::DataPaths;

pub const WHATSAPP_WEB: &str = "https://web.whatsapp.com/";

#[derive(Debug, Clone)]
pub struct AccountSettings {
    /// WhatsApp Web (or the simulator).
    pub wa_url: String,
    /// A browser chosen by the user; `None` finds Chrome, Chromium or Edge.
    pub browser_path: Option<PathBuf>,
    pub browser_preference: BrowserPreference,
    /// Extra environment for the browsers (tests: a temp HOME).
    pub browser_env: Vec<(String, String)>,
    pub conflict: ConflictPolicy,
    pub timeouts: Timeouts,
    /// Gap between two accounts' browsers when restoring at start.
    pub restore_stagger: Duration,
    /// How often each session is checked (state, last seen, memory).
    pub health_interval: Duration,
    pub launch_timeout: Duration,
    /// Team mode: how long an account's lease lasts without a heartbeat
    /// (settings `team_lease_seconds`); the heartbeat renews it every quarter.
    pub lease: Duration,
    /// Above this PSS (KiB) an idle active session's page is loaded again
    /// from its profile (WhatsApp Web keeps what it sent in memory);
    /// settings `browser_memory_limit_mb`, 0 = never.
    pub memory_limit_kib: Option<u64>,
}

/// 800 MB: a session at rest takes 120 to 300 MB.
pub const DEFAULT_MEMORY_LIMIT_KIB: u64 = 800 * 1024;

impl Default for AccountSettings {
    fn default() -> Self {
        Self {
            wa_url: WHATSAPP_WEB.into(),
            browser_path: None,
            browser_preference: BrowserPreference::HeadlessShellFirst,
            browser_env: Vec::new(),
            conflict: ConflictPolicy::TakeOver,
            timeouts: Timeouts::default(),
            restore_stagger: Duration::from_secs(3),
            health_interval: Duration::from_secs(60),
            launch_timeout: Duration::from_secs(60),
            lease: crate::team::DEFAULT_LEASE,
            memory_limit_kib: Some(DEFAULT_MEMORY_LIMIT_KIB),
        }
    }
}

impl AccountSettings {
    /// Defaults plus the user's choices in `settings.json`, read through the
    /// settings store (a bad value is logged there and its default used).
    pub fn load(paths: &DataPaths) -> Self {
        let mut s = Self::default();
        let keys = crate::settings::SettingsStore::for_paths(paths).load_logged();
        s.lease = crate::team::TeamSettings::from_settings(&keys).lease;
        if let Some(mb) = keys.browser_memory_limit_mb {
            s.memory_limit_kib = (mb > 0).then_some(u64::from(mb) * 1024);
        }
        if let Some(p) = keys.browser_path {
            s.browser_path = Some(p);
        }
        if let Some(c) = keys.conflict_policy {
            s.conflict = c;
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_browser_path_and_conflict_policy() {
        let dir = tempfile::tempdir().unwrap();
        let paths = DataPaths::new(dir.path());
        assert_eq!(AccountSettings::load(&paths).conflict, ConflictPolicy::TakeOver);
        std::fs::write(paths.settings_file(), r#"{"browser_path":"/opt/chrome","conflict_policy":"stop","theme":1}"#).unwrap();
        let s = AccountSettings::load(&paths);
        assert_eq!(s.browser_path, Some(PathBuf::from("/opt/chrome")));
        assert_eq!(s.conflict, ConflictPolicy::Stop);
    }
}
