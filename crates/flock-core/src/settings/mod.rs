//! `settings.json` in the data folder: what the user chose, shared by the app
//! and `flockctl`. The core is its only owner ([`SettingsStore`]): every read
//! is fresh from disk, every write changes one key (atomically, unknown keys
//! kept), so a hand edit or another process's write is never overwritten by a
//! stale copy.
//!
//! Each key is parsed on its own: an invalid value is reported (naming the
//! key and the form it expects) and the other keys still load.

mod store;

use std::path::PathBuf;
use std::str::FromStr;

use serde_json::Value;

pub use store::SettingsStore;

use crate::accounts::ConflictPolicy;
use crate::db::{redact_url, DatabaseTarget, DatabaseUrl};

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("cannot read the settings file {}: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("the settings file {} is not valid JSON: {source}", path.display())]
    Parse { path: PathBuf, source: serde_json::Error },
    #[error("the settings file {} must hold one JSON object ({{\"key\": value, …}})", path.display())]
    NotAnObject { path: PathBuf },
    #[error("{}: \"{}\" is {found}; expected {}", path.display(), key.name(), key.expected())]
    Invalid { path: PathBuf, key: SettingKey, found: String },
    #[error("cannot save the settings file {}: {source}", path.display())]
    Write { path: PathBuf, source: std::io::Error },
}

/// Every key Flock reads from `settings.json`. A new setting (campaigns,
/// dispatch) is a new variant here, a field in [`Settings`] and its parser.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SettingKey {
    DatabaseUrl,
    DefaultCountry,
    GroupsResyncMinutes,
    BrowserPath,
    ConflictPolicy,
    NotificationsEnabled,
    WorkstationName,
    TeamLeaseSeconds,
    BrowserMemoryLimitMb,
}

impl SettingKey {
    pub const ALL: [SettingKey; 9] = [
        SettingKey::DatabaseUrl,
        SettingKey::DefaultCountry,
        SettingKey::GroupsResyncMinutes,
        SettingKey::BrowserPath,
        SettingKey::ConflictPolicy,
        SettingKey::NotificationsEnabled,
        SettingKey::WorkstationName,
        SettingKey::TeamLeaseSeconds,
        SettingKey::BrowserMemoryLimitMb,
    ];

    /// The key as written in the file.
    pub fn name(self) -> &'static str {
        match self {
            SettingKey::DatabaseUrl => "database_url",
            SettingKey::DefaultCountry => "default_country",
            SettingKey::GroupsResyncMinutes => "groups_resync_minutes",
            SettingKey::BrowserPath => "browser_path",
            SettingKey::ConflictPolicy => "conflict_policy",
            SettingKey::NotificationsEnabled => "notifications_enabled",
            SettingKey::WorkstationName => "workstation_name",
            SettingKey::TeamLeaseSeconds => "team_lease_seconds",
            SettingKey::BrowserMemoryLimitMb => "browser_memory_limit_mb",
        }
    }

    /// The form a value must have, in the words an error shows.
    pub fn expected(self) -> &'static str {
        match self {
            SettingKey::DatabaseUrl => {
                "a database URL such as \"postgres://user:password@host:5432/flock\" (remove the key to use the local SQLite file)"
            }
            SettingKey::DefaultCountry => "a two-letter country code such as \"IN\", \"GB\" or \"US\"",
            SettingKey::GroupsResyncMinutes => "a whole number of minutes, e.g. 60 (0 or no key: only by hand)",
            SettingKey::BrowserPath => "the path of a Chrome, Chromium or Edge program, as a string",
            SettingKey::ConflictPolicy => "\"take_over\" or \"stop\"",
            SettingKey::NotificationsEnabled => "true or false",
            SettingKey::WorkstationName => "the name the team sees for this computer, as a string",
            SettingKey::TeamLeaseSeconds => "a whole number of seconds from 3 to 600 (how long an account stays this workstation's without a heartbeat)",
            SettingKey::BrowserMemoryLimitMb => "a whole number of megabytes, e.g. 800 (0: never reload an account's page for its memory)",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// The typed settings. `None`: the key is absent, empty, `null` or invalid
/// (an invalid one is also in [`LoadedSettings::problems`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Settings {
    /// A shared team database; absent means the local SQLite file.
    pub database_url: Option<DatabaseUrl>,
    /// Two-letter region (upper case) for numbers written without a country code.
    pub default_country: Option<String>,
    /// Resync every active account's groups this often; absent or 0: only by hand.
    pub groups_resync_minutes: Option<u32>,
    /// A browser chosen by the user; absent: Chrome, Chromium or Edge is found.
    pub browser_path: Option<PathBuf>,
    /// What to do when WhatsApp Web says the account is open elsewhere.
    pub conflict_policy: Option<ConflictPolicy>,
    /// Desktop notifications (an account restricted or logged out, a
    /// campaign finished or paused); absent: on.
    pub notifications_enabled: Option<bool>,
    /// The name the team sees (team mode); absent: the host name.
    pub workstation_name: Option<String>,
    /// How long an account's lease lasts without a heartbeat; absent: 20 s.
    pub team_lease_seconds: Option<u32>,
    /// Above this an idle account's page is reloaded; absent: 800, 0: never.
    pub browser_memory_limit_mb: Option<u32>,
}

impl Settings {
    /// The scheduled group resync interval, if one is set.
    pub fn groups_resync_every(&self) -> Option<std::time::Duration> {
        self.groups_resync_minutes
            .filter(|m| *m > 0)
            .map(|m| std::time::Duration::from_secs(u64::from(m) * 60))
    }

    /// Whether desktop notifications are shown (on unless turned off).
    pub fn notifications_on(&self) -> bool {
        self.notifications_enabled.unwrap_or(true)
    }

    /// Reads one key's value into its field; `Err` is what to say about a bad one.
    fn read(&mut self, key: SettingKey, value: &Value) -> Result<(), BadValue> {
        if value.is_null() {
            return Ok(());
        }
        match key {
            SettingKey::DatabaseUrl => {
                let url = non_empty_str(value)?;
                self.database_url = url
                    .map(|u| DatabaseTarget::parse(u).map(|_| DatabaseUrl::new(u)))
                    .transpose()
                    .map_err(|_| BadValue::Secret)?;
            }
            SettingKey::DefaultCountry => {
                self.default_country = non_empty_str(value)?
                    .map(|c| {
                        let code = c.to_ascii_uppercase();
                        phonenumber::country::Id::from_str(&code).map(|_| code).map_err(|_| BadValue::Shown)
                    })
                    .transpose()?;
            }
            SettingKey::GroupsResyncMinutes => {
                let minutes = value.as_u64().and_then(|m| u32::try_from(m).ok()).ok_or(BadValue::Shown)?;
                self.groups_resync_minutes = Some(minutes);
            }
            SettingKey::BrowserPath => self.browser_path = non_empty_str(value)?.map(PathBuf::from),
            SettingKey::ConflictPolicy => {
                self.conflict_policy = Some(serde_json::from_value(value.clone()).map_err(|_| BadValue::Shown)?);
            }
            SettingKey::NotificationsEnabled => self.notifications_enabled = Some(value.as_bool().ok_or(BadValue::Shown)?),
            SettingKey::WorkstationName => self.workstation_name = non_empty_str(value)?.map(str::to_string),
            SettingKey::TeamLeaseSeconds => {
                let s = value.as_u64().filter(|s| (3..=600).contains(s)).ok_or(BadValue::Shown)?;
                self.team_lease_seconds = Some(s as u32);
            }
            SettingKey::BrowserMemoryLimitMb => {
                let mb = value.as_u64().and_then(|m| u32::try_from(m).ok()).ok_or(BadValue::Shown)?;
                self.browser_memory_limit_mb = Some(mb);
            }
        }
        Ok(())
    }
}

/// How to show a value that failed to parse.
enum BadValue {
    /// Quote it (shortened).
    Shown,
    /// It may hold a password: show it redacted.
    Secret,
}

fn non_empty_str(value: &Value) -> Result<Option<&str>, BadValue> {
    let s = value.as_str().ok_or(BadValue::Shown)?.trim();
    Ok((!s.is_empty()).then_some(s))
}

/// What [`SettingsStore::load`] found: the keys that parsed, and one
/// [`SettingsError::Invalid`] per key that did not.
#[derive(Debug, Default)]
pub struct LoadedSettings {
    pub settings: Settings,
    pub problems: Vec<SettingsError>,
}

impl LoadedSettings {
    /// The problem with one key, if it has one.
    pub fn problem(&self, key: SettingKey) -> Option<&SettingsError> {
        self.problems.iter().find(|p| matches!(p, SettingsError::Invalid { key: k, .. } if *k == key))
    }
}

/// Parses every known key of the file's object on its own.
fn parse(path: &std::path::Path, object: &serde_json::Map<String, Value>) -> LoadedSettings {
    let mut loaded = LoadedSettings::default();
    for key in SettingKey::ALL {
        let Some(value) = object.get(key.name()) else { continue };
        if let Err(bad) = loaded.settings.read(key, value) {
            loaded.problems.push(SettingsError::Invalid { path: path.to_path_buf(), key, found: describe(value, bad) });
        }
    }
    loaded
}

/// `"soon"`, `true`, `a list`, … for an error message.
fn describe(value: &Value, bad: BadValue) -> String {
    match (value, bad) {
        (Value::String(s), BadValue::Secret) => format!("\"{}\"", redact_url(s)),
        (_, BadValue::Secret) => "not a URL".into(),
        (Value::Array(_), _) => "a list".into(),
        (Value::Object(_), _) => "an object".into(),
        (Value::String(s), _) if s.trim().is_empty() => "empty".into(),
        (other, _) => {
            let text = other.to_string();
            if text.chars().count() > 60 {
                format!("{}…", text.chars().take(60).collect::<String>())
            } else {
                text
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parsed(value: Value) -> LoadedSettings {
        parse(std::path::Path::new("/data/settings.json"), value.as_object().unwrap())
    }

    #[test]
    fn the_scheduled_resync_is_off_unless_set() {
        assert_eq!(parsed(json!({})).settings.groups_resync_every(), None);
        assert_eq!(parsed(json!({"groups_resync_minutes": 0})).settings.groups_resync_every(), None);
        assert_eq!(
            parsed(json!({"groups_resync_minutes": 30, "other": true})).settings.groups_resync_every(),
            Some(std::time::Duration::from_secs(1800))
        );
    }

    #[test]
    fn every_key_is_read_into_its_type() {
        let loaded = parsed(json!({
            "database_url": " postgres://flock:pw@db/flock ",
            "default_country": "gb",
            "groups_resync_minutes": 15,
            "browser_path": "/opt/chrome",
            "conflict_policy": "stop",
            "theme": "dark",
        }));
        assert!(loaded.problems.is_empty(), "{:?}", loaded.problems);
        let s = loaded.settings;
        assert_eq!(s.database_url.as_deref(), Some("postgres://flock:pw@db/flock"));
        assert_eq!(s.default_country.as_deref(), Some("GB"));
        assert_eq!(s.groups_resync_minutes, Some(15));
        assert_eq!(s.browser_path, Some(PathBuf::from("/opt/chrome")));
        assert_eq!(s.conflict_policy, Some(ConflictPolicy::Stop));
    }

    #[test]
    fn notifications_are_on_unless_turned_off() {
        assert!(parsed(json!({})).settings.notifications_on());
        assert!(!parsed(json!({"notifications_enabled": false})).settings.notifications_on());
        let loaded = parsed(json!({"notifications_enabled": "no"}));
        assert!(loaded.settings.notifications_on());
        let message = loaded.problem(SettingKey::NotificationsEnabled).unwrap().to_string();
        assert!(message.contains("\"notifications_enabled\" is \"no\"; expected true or false"), "{message}");
    }

    #[test]
    fn empty_and_null_values_mean_absent() {
        let loaded = parsed(json!({"database_url": "  ", "browser_path": "", "default_country": null}));
        assert!(loaded.problems.is_empty(), "{:?}", loaded.problems);
        assert_eq!(loaded.settings, Settings::default());
    }

    #[test]
    fn an_invalid_value_names_the_key_and_the_form_and_the_other_keys_still_load() {
        let loaded = parsed(json!({
            "database_url": "postgres://flock:pw@db/flock",
            "groups_resync_minutes": "soon",
            "default_country": "India",
            "conflict_policy": "fight",
            "browser_path": 42,
        }));
        assert_eq!(loaded.settings.database_url.as_deref(), Some("postgres://flock:pw@db/flock"));
        assert_eq!(loaded.settings.groups_resync_minutes, None);
        assert_eq!(loaded.problems.len(), 4, "{:?}", loaded.problems);
        let message = loaded.problem(SettingKey::GroupsResyncMinutes).unwrap().to_string();
        assert_eq!(
            message,
            "/data/settings.json: \"groups_resync_minutes\" is \"soon\"; expected a whole number of minutes, e.g. 60 (0 or no key: only by hand)"
        );
        let message = loaded.problem(SettingKey::ConflictPolicy).unwrap().to_string();
        assert!(message.contains("\"fight\"") && message.contains("\"take_over\" or \"stop\""), "{message}");
        assert!(loaded.problem(SettingKey::DefaultCountry).unwrap().to_string().contains("two-letter"));
        assert!(loaded.problem(SettingKey::BrowserPath).unwrap().to_string().contains("is 42;"));
        assert!(loaded.problem(SettingKey::DatabaseUrl).is_none());
    }

    #[test]
    fn a_bad_database_url_is_reported_without_its_password() {
        let loaded = parsed(json!({"database_url": "mysql://root:s3cret@db/flock", "groups_resync_minutes": 5}));
        let problem = loaded.problem(SettingKey::DatabaseUrl).unwrap();
        let shown = format!("{problem} {problem:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("\"database_url\" is \"mysql://root:****@db/flock\""), "{shown}");
        assert_eq!(loaded.settings.groups_resync_minutes, Some(5));
    }

    #[test]
    fn debug_of_the_settings_hides_the_database_password() {
        let loaded = parsed(json!({"database_url": "postgres://flock@db/flock?password=s3cret"}));
        let shown = format!("{:?} {:#?}", loaded.settings, loaded);
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("password=****"), "{shown}");
    }
}
