//! Browser profile folders: `profiles/<account-uuid>/`, each with a marker
//! file naming the database and the account it was made for. A profile whose
//! marker names another database or account is never opened.
//!
//! Profiles used to be keyed by the row id (`profiles/account-<id>/`), which
//! two databases share (account 1 of SQLite and account 1 of PostgreSQL).
//! Such a legacy folder is claimed, on the first start of a session, by the
//! first database whose account with that id is linked (has a number): it
//! is moved to the account's UUID folder with a marker that says
//! "provisional". The identity check settles it: if the session reports the
//! account's own number the claim is confirmed; if it reports another number
//! the folder is moved back to its legacy name, the refusal recorded in it
//! (that account never claims it again), and the database it belongs to
//! claims it on its next start.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::entities::account;
use crate::paths::DataPaths;

/// The marker file inside a profile folder.
pub const MARKER: &str = "flock-profile.json";
/// In a legacy folder: the accounts that claimed it and were refused.
const REFUSED: &str = "flock-refused.json";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Marker {
    pub database_id: String,
    pub account_uuid: String,
    /// For people reading the folder; not used to match.
    pub account_id: i64,
    /// Claimed from a legacy `account-<id>` folder and not yet confirmed
    /// by the session's number.
    #[serde(default)]
    pub provisional: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error(
        "the browser profile {} belongs to account {account_uuid} of database {database_id}, not to this account",
        path.display()
    )]
    Foreign { path: PathBuf, database_id: String, account_uuid: String },
    #[error("the browser profile {} has an unreadable marker file: {source}", path.display())]
    BadMarker { path: PathBuf, source: serde_json::Error },
    #[error("cannot prepare the browser profile {}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
}

impl ProfileError {
    pub fn fix(&self) -> &'static str {
        match self {
            ProfileError::Foreign { .. } | ProfileError::BadMarker { .. } => {
                "Reset the account (this wipes its profile) and link it again"
            }
            ProfileError::Io { .. } => "Check that the data folder is writable",
        }
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ProfileError + '_ {
    move |source| ProfileError::Io { path: path.to_path_buf(), source }
}

/// The profile folders of one data folder, for one database.
#[derive(Debug, Clone)]
pub struct Profiles {
    root: PathBuf,
    database_id: String,
}

/// Whether this data folder holds an account's profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Holding {
    /// Its own folder, marked for it.
    Held,
    /// A legacy `account-<id>` folder it may claim (linked accounts only).
    Claimable,
    /// Nothing here (it runs on another workstation, or was never linked).
    None,
    /// A folder under its UUID marked for someone else: never opened.
    Foreign,
}

impl Profiles {
    pub fn new(paths: &DataPaths, database_id: impl Into<String>) -> Self {
        Self { root: paths.profiles_dir(), database_id: database_id.into() }
    }

    pub fn database_id(&self) -> &str {
        &self.database_id
    }

    pub fn dir(&self, row: &account::Model) -> PathBuf {
        self.root.join(&row.uuid)
    }

    fn legacy_dir(&self, id: i64) -> PathBuf {
        self.root.join(format!("account-{id}"))
    }

    fn marker_for(&self, row: &account::Model, provisional: bool) -> Marker {
        Marker {
            database_id: self.database_id.clone(),
            account_uuid: row.uuid.clone(),
            account_id: row.id,
            provisional,
        }
    }

    fn mine(&self, m: &Marker, row: &account::Model) -> bool {
        m.database_id == self.database_id && m.account_uuid == row.uuid
    }

    pub fn holding(&self, row: &account::Model) -> Holding {
        let dir = self.dir(row);
        if dir.is_dir() {
            return match read_marker(&dir) {
                Ok(Some(m)) if self.mine(&m, row) => Holding::Held,
                Ok(None) => Holding::Held,
                _ => Holding::Foreign,
            };
        }
        if self.claimable(row) {
            Holding::Claimable
        } else {
            Holding::None
        }
    }

    fn claimable(&self, row: &account::Model) -> bool {
        let legacy = self.legacy_dir(row.id);
        row.phone.is_some() && legacy.is_dir() && !self.refused(&legacy, row)
    }

    fn refused(&self, legacy: &Path, row: &account::Model) -> bool {
        read_refused(legacy).iter().any(|m| self.mine(m, row))
    }

    /// The folder to open for `row`, made ready: its own folder (created
    /// and marked when new), or a legacy folder claimed provisionally.
    /// Refuses a folder marked for another database or account.
    pub fn prepare(&self, row: &account::Model) -> Result<PathBuf, ProfileError> {
        ensure_private_dir(&self.root).map_err(io(&self.root))?;
        let dir = self.dir(row);
        if dir.is_dir() {
            match read_marker(&dir)? {
                Some(m) if self.mine(&m, row) => {}
                Some(m) => {
                    return Err(ProfileError::Foreign { path: dir, database_id: m.database_id, account_uuid: m.account_uuid })
                }
                // Made by an interrupted start: the folder name is this
                // account's UUID, so it is its own.
                None => write_marker(&dir, &self.marker_for(row, false))?,
            }
            return Ok(dir);
        }
        if self.claimable(row) {
            let legacy = self.legacy_dir(row.id);
            std::fs::rename(&legacy, &dir).map_err(io(&legacy))?;
            let _ = std::fs::remove_file(dir.join(REFUSED));
            write_marker(&dir, &self.marker_for(row, true))?;
            tracing::info!(account = row.id, from = %legacy.display(), to = %dir.display(), "claimed a legacy profile folder");
            return Ok(dir);
        }
        ensure_private_dir(&dir).map_err(io(&dir))?;
        write_marker(&dir, &self.marker_for(row, false))?;
        Ok(dir)
    }

    /// The session reported the account's own number: a provisional claim
    /// becomes final.
    pub fn confirm(&self, row: &account::Model) -> Result<(), ProfileError> {
        let dir = self.dir(row);
        match read_marker(&dir)? {
            Some(m) if m.provisional && self.mine(&m, row) => write_marker(&dir, &self.marker_for(row, false)),
            _ => Ok(()),
        }
    }

    /// The session reported another number. A provisional claim is given
    /// back (moved to its legacy name, this account recorded as refused);
    /// returns whether that happened. A confirmed profile stays.
    pub fn release_if_provisional(&self, row: &account::Model) -> Result<bool, ProfileError> {
        let dir = self.dir(row);
        let Some(m) = read_marker(&dir)? else { return Ok(false) };
        if !(m.provisional && self.mine(&m, row)) {
            return Ok(false);
        }
        let legacy = self.legacy_dir(row.id);
        if legacy.exists() {
            return Ok(false);
        }
        std::fs::remove_file(dir.join(MARKER)).map_err(io(&dir))?;
        std::fs::rename(&dir, &legacy).map_err(io(&dir))?;
        let mut refused = read_refused(&legacy);
        refused.push(self.marker_for(row, true));
        let text = serde_json::to_vec_pretty(&refused).unwrap_or_default();
        std::fs::write(legacy.join(REFUSED), text).map_err(io(&legacy))?;
        tracing::info!(account = row.id, to = %legacy.display(), "gave a legacy profile folder back");
        Ok(true)
    }

    /// Removes the account's own profile (logout, reset, remove).
    pub fn wipe(&self, row: &account::Model) -> Result<(), ProfileError> {
        let dir = self.dir(row);
        if !dir.exists() {
            return Ok(());
        }
        if let Some(m) = read_marker(&dir)? {
            if !self.mine(&m, row) {
                return Err(ProfileError::Foreign { path: dir, database_id: m.database_id, account_uuid: m.account_uuid });
            }
        }
        match std::fs::remove_dir_all(&dir) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(source) => Err(ProfileError::Io { path: dir, source }),
        }
    }
}

pub fn read_marker(dir: &Path) -> Result<Option<Marker>, ProfileError> {
    let path = dir.join(MARKER);
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|source| ProfileError::BadMarker { path, source }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(ProfileError::Io { path, source }),
    }
}

fn write_marker(dir: &Path, marker: &Marker) -> Result<(), ProfileError> {
    let path = dir.join(MARKER);
    let text = serde_json::to_vec_pretty(marker).unwrap_or_default();
    // Written beside and renamed: a marker is whole or absent.
    let tmp = dir.join(format!("{MARKER}.tmp"));
    std::fs::write(&tmp, text).map_err(io(&tmp))?;
    std::fs::rename(&tmp, &path).map_err(io(&path))
}

fn read_refused(legacy: &Path) -> Vec<Marker> {
    std::fs::read(legacy.join(REFUSED)).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default()
}

pub(crate) fn ensure_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i64, uuid: &str, phone: Option<&str>) -> account::Model {
        let at = chrono::Utc::now();
        account::Model {
            id,
            uuid: uuid.into(),
            name: format!("A{id}"),
            phone: phone.map(str::to_string),
            wa_id: None,
            profile_name: None,
            state: "active".into(),
            state_reason: None,
            state_fix: None,
            state_deadline: None,
            show_browser: false,
            limit_per_minute: None,
            limit_per_hour: None,
            limit_per_day: None,
            lease_holder: None,
            lease_expires_at: None,
            linked_at: None,
            last_seen_at: None,
            created_at: at,
            updated_at: at,
            version: 0,
            capabilities: None,
        }
    }

    #[test]
    fn a_profile_marked_for_another_database_is_never_opened() {
        let data = tempfile::tempdir().unwrap();
        let paths = DataPaths::new(data.path());
        let a = row(1, "uuid-a", Some("+919800000001"));
        let mine = Profiles::new(&paths, "db-1");
        let dir = mine.prepare(&a).unwrap();
        assert_eq!(dir, paths.profiles_dir().join("uuid-a"));
        assert_eq!(read_marker(&dir).unwrap().unwrap().database_id, "db-1");
        assert_eq!(mine.holding(&a), Holding::Held);

        let other = Profiles::new(&paths, "db-2");
        assert_eq!(other.holding(&a), Holding::Foreign);
        let err = other.prepare(&a).unwrap_err();
        assert!(matches!(err, ProfileError::Foreign { ref database_id, .. } if database_id == "db-1"), "{err}");
        assert!(other.wipe(&a).is_err(), "nor wiped");
        assert!(dir.exists());
    }

    #[test]
    fn a_legacy_folder_is_claimed_by_a_linked_account_confirmed_or_given_back() {
        let data = tempfile::tempdir().unwrap();
        let paths = DataPaths::new(data.path());
        let legacy = paths.profiles_dir().join("account-1");
        std::fs::create_dir_all(legacy.join("Default")).unwrap();
        let sqlite = Profiles::new(&paths, "db-sqlite");
        let postgres = Profiles::new(&paths, "db-pg");
        let s1 = row(1, "uuid-s1", Some("+919800000001"));
        let p1 = row(1, "uuid-p1", Some("+919800000002"));
        // An account never linked does not claim it.
        assert_eq!(sqlite.holding(&row(1, "uuid-new", None)), Holding::None);

        // PostgreSQL's account 1 claims it first, but the profile is SQLite's number.
        assert_eq!(postgres.holding(&p1), Holding::Claimable);
        let dir = postgres.prepare(&p1).unwrap();
        assert!(dir.join("Default").is_dir() && !legacy.exists());
        assert!(read_marker(&dir).unwrap().unwrap().provisional);
        assert!(postgres.release_if_provisional(&p1).unwrap());
        assert!(legacy.join("Default").is_dir() && !dir.exists());
        assert_eq!(postgres.holding(&p1), Holding::None, "refused once, never claimed again");

        // SQLite's account 1 claims it and its number matches: confirmed.
        let dir = sqlite.prepare(&s1).unwrap();
        sqlite.confirm(&s1).unwrap();
        let m = read_marker(&dir).unwrap().unwrap();
        assert!(!m.provisional && m.database_id == "db-sqlite" && m.account_uuid == "uuid-s1");
        assert!(!sqlite.release_if_provisional(&s1).unwrap(), "a confirmed profile stays");
        assert!(!dir.join(REFUSED).exists());
    }
}
