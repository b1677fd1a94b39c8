//! The file behind [`SettingsStore`]: read fresh on every call; a write is a
//! read-modify-write of one key under a lock, saved to a temp file and renamed
//! over the old one, so a reader never sees half a file and no other key
//! (known or not, hand-edited or written by another process) is lost.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::{parse, LoadedSettings, SettingKey, Settings, SettingsError};
use crate::db::DatabaseUrl;
use crate::paths::DataPaths;

/// The one owner of `settings.json`. Cheap to create; holds no copy of the file.
#[derive(Debug, Clone)]
pub struct SettingsStore {
    path: PathBuf,
}

impl SettingsStore {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// `settings.json` in the data folder.
    pub fn for_paths(paths: &DataPaths) -> Self {
        Self::new(paths.settings_file())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The settings as the file says now. A missing file means defaults; an
    /// unreadable file, or one that is not a JSON object, is an error; a bad
    /// value of one key is a problem of that key only.
    pub fn load(&self) -> Result<LoadedSettings, SettingsError> {
        Ok(parse(&self.path, &self.read_object()?))
    }

    /// For services that start whatever the file says (accounts, group
    /// resync): every problem is logged, and what cannot be read is a default.
    pub fn load_logged(&self) -> Settings {
        match self.load() {
            Ok(loaded) => {
                for problem in &loaded.problems {
                    tracing::warn!(error = %problem, "settings: value ignored");
                }
                loaded.settings
            }
            Err(e) => {
                tracing::error!(error = %e, "settings: using the defaults");
                Settings::default()
            }
        }
    }

    /// Every problem the file has now, each naming the key and the fix (for
    /// the UI and `flockctl`).
    pub fn problems(&self) -> Vec<SettingsError> {
        match self.load() {
            Ok(loaded) => loaded.problems,
            Err(e) => vec![e],
        }
    }

    /// Sets (`Some`) or removes (`None`) one key. The value is checked as a
    /// load would read it; the rest of the file is kept as it is on disk now.
    /// A file that is not valid JSON is left alone (the error says so).
    pub fn set(&self, key: SettingKey, value: Option<Value>) -> Result<(), SettingsError> {
        if let Some(value) = &value {
            let mut probe = Settings::default();
            if let Err(bad) = probe.read(key, value) {
                return Err(SettingsError::Invalid {
                    path: self.path.clone(),
                    key,
                    found: super::describe(value, bad),
                });
            }
        }
        let _lock = self.lock()?;
        let mut object = self.read_object()?;
        match value {
            Some(value) => object.insert(key.name().to_string(), value),
            None => object.remove(key.name()),
        };
        self.write_object(&object)
    }

    /// `None`: back to the local SQLite file.
    pub fn set_database_url(&self, url: Option<&DatabaseUrl>) -> Result<(), SettingsError> {
        self.set(SettingKey::DatabaseUrl, url.map(|u| Value::String(u.expose().to_string())))
    }

    fn read_object(&self) -> Result<Map<String, Value>, SettingsError> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Map::new()),
            Err(source) => return Err(SettingsError::Read { path: self.path.clone(), source }),
        };
        if text.trim().is_empty() {
            return Ok(Map::new());
        }
        match serde_json::from_str(&text) {
            Ok(Value::Object(object)) => Ok(object),
            Ok(_) => Err(SettingsError::NotAnObject { path: self.path.clone() }),
            Err(source) => Err(SettingsError::Parse { path: self.path.clone(), source }),
        }
    }

    fn write_object(&self, object: &Map<String, Value>) -> Result<(), SettingsError> {
        let failed = |source| SettingsError::Write { path: self.path.clone(), source };
        let dir = self.dir();
        std::fs::create_dir_all(dir).map_err(failed)?;
        let mut text = serde_json::to_string_pretty(object).map_err(|e| failed(e.into()))?;
        text.push('\n');
        // Private to the user (tempfile creates it 0600): the file may hold a database password.
        let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(failed)?;
        tmp.write_all(text.as_bytes()).map_err(failed)?;
        tmp.as_file().sync_all().map_err(failed)?;
        tmp.persist(&self.path).map_err(|e| failed(e.error))?;
        Ok(())
    }

    /// Writers (threads, the app and `flockctl`) take turns; readers need no lock.
    fn lock(&self) -> Result<File, SettingsError> {
        let failed = |source| SettingsError::Write { path: self.path.clone(), source };
        std::fs::create_dir_all(self.dir()).map_err(failed)?;
        let mut name = self.path.file_name().unwrap_or_default().to_os_string();
        name.push(".lock");
        let file = File::options().create(true).truncate(false).write(true).open(self.dir().join(name)).map_err(failed)?;
        file.lock().map_err(failed)?;
        Ok(file)
    }

    fn dir(&self) -> &Path {
        match self.path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn store() -> (tempfile::TempDir, SettingsStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = SettingsStore::new(dir.path().join("settings.json"));
        (dir, store)
    }

    fn on_disk(store: &SettingsStore) -> Value {
        serde_json::from_str(&std::fs::read_to_string(store.path()).unwrap()).unwrap()
    }

    #[test]
    fn a_missing_file_is_the_defaults_and_the_first_write_creates_it() {
        let (_dir, store) = store();
        let loaded = store.load().unwrap();
        assert_eq!(loaded.settings, Settings::default());
        assert!(loaded.problems.is_empty());
        store.set(SettingKey::GroupsResyncMinutes, Some(json!(60))).unwrap();
        assert_eq!(on_disk(&store), json!({"groups_resync_minutes": 60}));
        assert_eq!(store.load().unwrap().settings.groups_resync_minutes, Some(60));
    }

    #[test]
    fn a_hand_edit_between_two_writes_survives() {
        let (_dir, store) = store();
        let url = DatabaseUrl::new("postgres://flock:pw@db/flock");
        store.set_database_url(Some(&url)).unwrap();
        // The person edits the file while Flock runs: a key Flock knows, and one it does not.
        let mut edited = on_disk(&store);
        edited["groups_resync_minutes"] = json!(30);
        edited["theme"] = json!({"dark": true});
        std::fs::write(store.path(), serde_json::to_string(&edited).unwrap()).unwrap();
        // The next write through the store changes its own key only.
        store.set_database_url(None).unwrap();
        assert_eq!(on_disk(&store), json!({"groups_resync_minutes": 30, "theme": {"dark": true}}));
        assert_eq!(store.load().unwrap().settings.groups_resync_minutes, Some(30));
    }

    #[test]
    fn two_stores_on_one_file_never_undo_each_other() {
        // The app and flockctl each hold a store; neither keeps a copy to write back.
        let (_dir, app) = store();
        let cli = SettingsStore::new(app.path());
        app.set(SettingKey::BrowserPath, Some(json!("/opt/chrome"))).unwrap();
        cli.set(SettingKey::ConflictPolicy, Some(json!("stop"))).unwrap();
        app.set(SettingKey::DefaultCountry, Some(json!("IN"))).unwrap();
        assert_eq!(
            on_disk(&app),
            json!({"browser_path": "/opt/chrome", "conflict_policy": "stop", "default_country": "IN"})
        );
    }

    #[test]
    fn concurrent_writers_of_different_keys_lose_nothing() {
        let (_dir, store) = store();
        let threads: Vec<_> = (0..8)
            .map(|i| {
                let store = store.clone();
                std::thread::spawn(move || {
                    for n in 0..10 {
                        let key = if i % 2 == 0 { SettingKey::GroupsResyncMinutes } else { SettingKey::BrowserPath };
                        let value = if i % 2 == 0 { json!(n) } else { json!(format!("/opt/b{n}")) };
                        store.set(key, Some(value)).unwrap();
                        // Readers never see a half-written file.
                        store.load().unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let s = store.load().unwrap().settings;
        assert_eq!((s.groups_resync_minutes, s.browser_path), (Some(9), Some(PathBuf::from("/opt/b9"))));
    }

    #[test]
    fn an_invalid_value_is_refused_before_anything_is_written() {
        let (_dir, store) = store();
        store.set(SettingKey::DefaultCountry, Some(json!("IN"))).unwrap();
        let err = store.set(SettingKey::GroupsResyncMinutes, Some(json!(-5))).unwrap_err();
        assert!(err.to_string().contains("\"groups_resync_minutes\" is -5; expected a whole number"), "{err}");
        assert_eq!(on_disk(&store), json!({"default_country": "IN"}));
    }

    #[test]
    fn a_broken_file_is_reported_and_never_overwritten() {
        let (_dir, store) = store();
        std::fs::write(store.path(), "{\"database_url\": \"postgres://a@b/c\",").unwrap();
        let err = store.load().unwrap_err();
        assert!(matches!(err, SettingsError::Parse { .. }), "{err:?}");
        assert!(err.to_string().contains("settings.json"), "{err}");
        assert!(store.set(SettingKey::GroupsResyncMinutes, Some(json!(5))).is_err());
        assert_eq!(std::fs::read_to_string(store.path()).unwrap(), "{\"database_url\": \"postgres://a@b/c\",");

        std::fs::write(store.path(), "[1, 2]").unwrap();
        assert!(matches!(store.load().unwrap_err(), SettingsError::NotAnObject { .. }));
        assert_eq!(store.problems().len(), 1);
    }

    #[test]
    fn every_read_is_fresh_from_disk() {
        let (_dir, store) = store();
        store.set(SettingKey::GroupsResyncMinutes, Some(json!(10))).unwrap();
        assert_eq!(store.load_logged().groups_resync_minutes, Some(10));
        std::fs::write(store.path(), r#"{"groups_resync_minutes": 20}"#).unwrap();
        assert_eq!(store.load_logged().groups_resync_minutes, Some(20));
        std::fs::write(store.path(), r#"{"groups_resync_minutes": "x", "conflict_policy": "stop"}"#).unwrap();
        let s = store.load_logged();
        assert_eq!((s.groups_resync_minutes, s.conflict_policy), (None, Some(crate::accounts::ConflictPolicy::Stop)));
    }

    #[cfg(unix)]
    #[test]
    fn the_file_is_private_to_the_user() {
        use std::os::unix::fs::PermissionsExt;
        let (_dir, store) = store();
        store.set_database_url(Some(&DatabaseUrl::new("postgres://flock:pw@db/flock"))).unwrap();
        let mode = std::fs::metadata(store.path()).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "mode {mode:o}");
    }
}
