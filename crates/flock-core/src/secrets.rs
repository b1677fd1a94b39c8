//! The team database's password, kept out of `settings.json`: in the OS
//! keychain (Secret Service on Linux, Keychain on macOS, Credential Manager
//! on Windows, through the keyring crate), or, where none answers (a
//! headless server), in `<data>/secrets.json`, readable only by its owner.
//! `settings.json` keeps the URL without its password; the password is put
//! back when the database is opened. A URL given on the command line or in
//! `FLOCK_DATABASE_URL` is used as given and never stored.
//!
//! A password an older Flock (or a hand edit) left in `settings.json` is
//! moved out the first time the URL is read.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::db::DatabaseUrl;
use crate::paths::DataPaths;
use crate::settings::{SettingsError, SettingsStore};

/// The keychain service Flock's entries are filed under.
pub const KEYCHAIN_SERVICE: &str = "app.flock.desktop";
pub const SECRETS_FILE: &str = "secrets.json";

/// Where the database password is kept, as the Settings page says it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum PasswordStore {
    /// The OS keychain.
    Keychain,
    /// `<data>/secrets.json` (0600): no keychain answered, for `reason`.
    File { path: String, reason: String },
    /// In the URL given by `--database-url` or `FLOCK_DATABASE_URL`.
    Given,
    /// Still in `settings.json` (it could not be moved: `reason`).
    Settings { reason: String },
}

#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    #[error("cannot read or write the password file {}: {source}", path.display())]
    File { path: PathBuf, source: std::io::Error },
    #[error("the password file {} is damaged ({source}); delete it and enter the database URL again in Settings", path.display())]
    Damaged { path: PathBuf, source: serde_json::Error },
    #[error(transparent)]
    Settings(#[from] SettingsError),
}

/// The OS keychain, behind a trait so tests use one in memory.
pub trait Keychain: Send + Sync {
    fn get(&self, account: &str) -> Result<Option<String>, String>;
    fn set(&self, account: &str, password: &str) -> Result<(), String>;
}

/// The real one (keyring crate).
pub struct OsKeychain;

impl Keychain for OsKeychain {
    fn get(&self, account: &str) -> Result<Option<String>, String> {
        let entry = keyring::Entry::new(KEYCHAIN_SERVICE, account).map_err(|e| e.to_string())?;
        match entry.get_password() {
            Ok(p) => Ok(Some(p)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(e.to_string()),
        }
    }

    fn set(&self, account: &str, password: &str) -> Result<(), String> {
        let entry = keyring::Entry::new(KEYCHAIN_SERVICE, account).map_err(|e| e.to_string())?;
        entry.set_password(password).map_err(|e| e.to_string())
    }
}

/// A keychain that is never there (`FLOCK_NO_KEYCHAIN=1`: servers, tests).
struct NoKeychain;

impl Keychain for NoKeychain {
    fn get(&self, _: &str) -> Result<Option<String>, String> {
        Err("turned off by FLOCK_NO_KEYCHAIN".into())
    }
    fn set(&self, _: &str, _: &str) -> Result<(), String> {
        Err("turned off by FLOCK_NO_KEYCHAIN".into())
    }
}

pub struct Secrets {
    file: PathBuf,
    keychain: Arc<dyn Keychain>,
}

#[derive(Default, Serialize, Deserialize)]
struct FileContent {
    /// `user@host:port/database` → password.
    passwords: BTreeMap<String, String>,
}

/// The URL's password and the URL without it; `None` when it has none.
fn split(url: &str) -> Option<(String, String)> {
    let mut parsed = url::Url::parse(url).ok()?;
    let password = parsed.password().filter(|p| !p.is_empty())?;
    let password = percent_decode(password);
    parsed.set_password(None).ok()?;
    Some((password, parsed.to_string()))
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("p={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| s.to_string())
}

/// The name a password is kept under: the URL's user, host, port and database.
fn account_of(url: &str) -> Option<String> {
    let u = url::Url::parse(url).ok()?;
    Some(format!("{}@{}:{}{}", u.username(), u.host_str()?, u.port().unwrap_or(5432), u.path()))
}

impl Secrets {
    /// The OS keychain (unless `FLOCK_NO_KEYCHAIN=1`), else the data folder's file.
    pub fn for_paths(paths: &DataPaths) -> Self {
        let keychain: Arc<dyn Keychain> = if std::env::var("FLOCK_NO_KEYCHAIN").is_ok_and(|v| v == "1") { Arc::new(NoKeychain) } else { Arc::new(OsKeychain) };
        Self::new(paths, keychain)
    }

    pub fn new(paths: &DataPaths, keychain: Arc<dyn Keychain>) -> Self {
        Self { file: paths.root().join(SECRETS_FILE), keychain }
    }

    /// Whether the URL carries a password.
    pub fn has_password(&self, url: &DatabaseUrl) -> bool {
        split(url.expose()).is_some()
    }

    /// Keeps the password of `url` (keychain, else the file) and returns the
    /// URL to write in `settings.json`, without it. A URL without a password
    /// is returned as it is.
    pub fn keep(&self, url: &DatabaseUrl) -> Result<(DatabaseUrl, Option<PasswordStore>), SecretsError> {
        let Some((password, bare)) = split(url.expose()) else { return Ok((url.clone(), None)) };
        let Some(account) = account_of(&bare) else { return Ok((url.clone(), None)) };
        let store = match self.keychain.set(&account, &password) {
            Ok(()) => PasswordStore::Keychain,
            Err(reason) => {
                tracing::info!("no keychain for the database password ({reason}): kept in {}", self.file.display());
                let mut content = self.read_file()?;
                content.passwords.insert(account, password);
                self.write_file(&content)?;
                PasswordStore::File { path: self.file.display().to_string(), reason }
            }
        };
        Ok((DatabaseUrl::new(bare), Some(store)))
    }

    /// A URL from `settings.json` with its kept password put back, and where
    /// that came from (`None`: none kept, the URL is used as it is).
    pub fn complete(&self, saved: &DatabaseUrl) -> Result<(DatabaseUrl, Option<PasswordStore>), SecretsError> {
        if split(saved.expose()).is_some() {
            return Ok((saved.clone(), Some(PasswordStore::Settings { reason: "it was not moved out yet".into() })));
        }
        let Some(account) = account_of(saved.expose()) else { return Ok((saved.clone(), None)) };
        let in_file = |reason: String| PasswordStore::File { path: self.file.display().to_string(), reason };
        let (password, store) = match self.keychain.get(&account) {
            Ok(Some(p)) => (Some(p), PasswordStore::Keychain),
            Ok(None) => (self.read_file()?.passwords.remove(&account), in_file("not in the keychain".into())),
            Err(reason) => (self.read_file()?.passwords.remove(&account), in_file(reason)),
        };
        let Some(password) = password else { return Ok((saved.clone(), None)) };
        let mut u = url::Url::parse(saved.expose()).map_err(|_| SecretsError::File { path: self.file.clone(), source: std::io::Error::other("bad URL") })?;
        let _ = u.set_password(Some(&password));
        Ok((DatabaseUrl::new(u.to_string()), Some(store)))
    }

    fn read_file(&self) -> Result<FileContent, SecretsError> {
        match std::fs::read(&self.file) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|source| SecretsError::Damaged { path: self.file.clone(), source }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(FileContent::default()),
            Err(source) => Err(SecretsError::File { path: self.file.clone(), source }),
        }
    }

    /// Written to a private temp file, then renamed over the old one.
    fn write_file(&self, content: &FileContent) -> Result<(), SecretsError> {
        let io = |source| SecretsError::File { path: self.file.clone(), source };
        let dir = self.file.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(io)?;
        let tmp = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o600)).map_err(io)?;
        }
        std::fs::write(tmp.path(), serde_json::to_vec_pretty(content).expect("strings serialise")).map_err(io)?;
        tmp.persist(&self.file).map_err(|e| io(e.error))?;
        Ok(())
    }
}

/// "kept in the system keychain", … (for `flockctl db status`; the UI words its own).
pub fn describe(store: &PasswordStore) -> String {
    match store {
        PasswordStore::Keychain => "kept in the system keychain".into(),
        PasswordStore::File { path, reason } => format!("kept in {path}, readable only by you (no keychain: {reason})"),
        PasswordStore::Given => "given in --database-url or FLOCK_DATABASE_URL (not stored)".into(),
        PasswordStore::Settings { reason } => format!("still in settings.json ({reason})"),
    }
}

/// Saves the team database URL in `settings.json` without its password
/// (kept by [`Secrets::keep`]); `None`: back to the local SQLite file.
pub fn save_database_url(paths: &DataPaths, url: Option<&DatabaseUrl>) -> Result<Option<PasswordStore>, SecretsError> {
    let store = SettingsStore::for_paths(paths);
    match url {
        None => {
            store.set_database_url(None)?;
            Ok(None)
        }
        Some(url) => {
            let (bare, kept) = Secrets::for_paths(paths).keep(url)?;
            store.set_database_url(Some(&bare))?;
            Ok(kept)
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    #[derive(Default)]
    struct MemoryKeychain {
        entries: Mutex<BTreeMap<String, String>>,
    }

    impl Keychain for MemoryKeychain {
        fn get(&self, account: &str) -> Result<Option<String>, String> {
            Ok(self.entries.lock().unwrap().get(account).cloned())
        }
        fn set(&self, account: &str, password: &str) -> Result<(), String> {
            self.entries.lock().unwrap().insert(account.into(), password.into());
            Ok(())
        }
    }

    #[test]
    fn the_password_goes_to_the_keychain_and_comes_back_when_the_url_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let paths = DataPaths::new(dir.path());
        let keychain = Arc::new(MemoryKeychain::default());
        let secrets = Secrets::new(&paths, keychain.clone());
        let url = DatabaseUrl::new("postgres://flock:s%40cret@db.internal:5432/flock");
        let (bare, store) = secrets.keep(&url).unwrap();
        assert_eq!(bare.expose(), "postgres://flock@db.internal:5432/flock");
        assert_eq!(store, Some(PasswordStore::Keychain));
        assert_eq!(keychain.entries.lock().unwrap().get("flock@db.internal:5432/flock").map(String::as_str), Some("s@cret"));
        assert!(!dir.path().join(SECRETS_FILE).exists());
        let (full, from) = secrets.complete(&bare).unwrap();
        assert_eq!(full.expose(), "postgres://flock:s%40cret@db.internal:5432/flock");
        assert_eq!(from, Some(PasswordStore::Keychain));
        // A URL without a password, nothing kept: as it is.
        let other = DatabaseUrl::new("postgres://postgres@127.0.0.1:5433/postgres");
        assert_eq!(secrets.complete(&other).unwrap(), (other.clone(), None));
    }

    #[test]
    fn without_a_keychain_the_password_is_kept_in_a_file_only_its_owner_reads() {
        let dir = tempfile::tempdir().unwrap();
        let paths = DataPaths::new(dir.path());
        let secrets = Secrets::new(&paths, Arc::new(NoKeychain));
        let (bare, store) = secrets.keep(&DatabaseUrl::new("postgres://flock:pw@db/flock")).unwrap();
        assert_eq!(bare.expose(), "postgres://flock@db/flock");
        let file = dir.path().join(SECRETS_FILE);
        assert!(matches!(&store, Some(PasswordStore::File { path, reason }) if *path == file.display().to_string() && reason.contains("FLOCK_NO_KEYCHAIN")), "{store:?}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let (full, _) = secrets.complete(&bare).unwrap();
        assert_eq!(full.expose(), "postgres://flock:pw@db/flock");
        std::fs::write(&file, "not json").unwrap();
        let err = secrets.complete(&bare).unwrap_err().to_string();
        assert!(err.contains("secrets.json is damaged") && err.contains("enter the database URL again"), "{err}");
    }

    /// The real keychain (Secret Service on Linux). Runs where one answers:
    /// `scripts/test.sh` starts gnome-keyring on a private D-Bus for it and
    /// sets FLOCK_TEST_KEYCHAIN=1; without that it is skipped, said aloud.
    #[test]
    fn the_os_keychain_keeps_the_password_and_gives_it_back() {
        if std::env::var("FLOCK_TEST_KEYCHAIN").as_deref() != Ok("1") {
            eprintln!("skipped: FLOCK_TEST_KEYCHAIN=1 runs it against a running keychain");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let paths = DataPaths::new(dir.path());
        let secrets = Secrets::new(&paths, Arc::new(OsKeychain));
        let db = format!("flock_test_{}", uuid::Uuid::new_v4().simple());
        let url = DatabaseUrl::new(format!("postgres://flock:k3y%2Fchain@127.0.0.1:5432/{db}"));
        let (bare, store) = secrets.keep(&url).unwrap();
        assert_eq!(store, Some(PasswordStore::Keychain), "the keychain answered");
        assert!(!bare.expose().contains("k3y"));
        assert!(!dir.path().join(SECRETS_FILE).exists(), "nothing written to the file");
        let (full, from) = Secrets::new(&paths, Arc::new(OsKeychain)).complete(&bare).unwrap();
        assert_eq!((full.expose(), from), (url.expose(), Some(PasswordStore::Keychain)));
    }
}
