//! Settings shared by the app and `flockctl`: `settings.json` in the data
//! folder. The app writes it through tauri-plugin-store (same file, same keys);
//! the core only reads it, so that the CLI sees what the user chose in the UI.

use std::path::Path;

use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("cannot read the settings file {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("the settings file {path} is not valid JSON: {source}")]
    Parse { path: String, source: serde_json::Error },
}

/// Keys of the settings store. Unknown keys are kept by the store and ignored here.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub struct Settings {
    /// A `postgres://` URL for a shared team database; absent means local SQLite.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    /// Two-letter region used for numbers written without a country code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_country: Option<String>,
    /// Resync every active account's groups this often (minutes); absent or 0: only by hand.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub groups_resync_minutes: Option<u32>,
}

impl Settings {
    pub const DATABASE_URL: &'static str = "database_url";

    /// The scheduled group resync interval, if one is set.
    pub fn groups_resync_every(&self) -> Option<std::time::Duration> {
        self.groups_resync_minutes.filter(|m| *m > 0).map(|m| std::time::Duration::from_secs(u64::from(m) * 60))
    }

    /// Reads the settings file; a missing file means defaults.
    pub fn load(path: &Path) -> Result<Self, SettingsError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(source) => {
                return Err(SettingsError::Read { path: path.display().to_string(), source })
            }
        };
        serde_json::from_str(&text)
            .map_err(|source| SettingsError::Parse { path: path.display().to_string(), source })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scheduled_resync_is_off_unless_set() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("settings.json");
        assert_eq!(Settings::load(&file).unwrap().groups_resync_every(), None);
        std::fs::write(&file, r#"{"groups_resync_minutes": 0}"#).unwrap();
        assert_eq!(Settings::load(&file).unwrap().groups_resync_every(), None);
        std::fs::write(&file, r#"{"groups_resync_minutes": 30, "other": true}"#).unwrap();
        assert_eq!(
            Settings::load(&file).unwrap().groups_resync_every(),
            Some(std::time::Duration::from_secs(1800))
        );
    }
}
