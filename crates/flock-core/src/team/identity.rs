//! This installation's identity in a team: a random id kept in the data
//! folder (so a restart, a reinstall over the same folder, or a killed
//! process coming back is the same workstation and takes its own leases
//! back at once), and the name the team sees.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::TeamError;
use crate::paths::DataPaths;

pub const WORKSTATION_FILE: &str = "workstation.json";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workstation {
    pub id: String,
    /// What the team sees: settings `workstation_name`, else the host name.
    pub name: String,
    pub host: String,
}

#[derive(Serialize, Deserialize)]
struct Stored {
    id: String,
}

impl Workstation {
    /// Reads `<data>/workstation.json`, writing a new id on first use.
    pub fn load_or_create(paths: &DataPaths) -> Result<Self, TeamError> {
        let path = paths.root().join(WORKSTATION_FILE);
        let id = match std::fs::read(&path) {
            Ok(bytes) => {
                serde_json::from_slice::<Stored>(&bytes).map_err(|source| TeamError::BadIdentity { path: path.clone(), source })?.id
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => create(&path)?,
            Err(source) => return Err(TeamError::Identity { path, source }),
        };
        let host = whoami::hostname().unwrap_or_else(|_| "unknown host".into());
        let settings = crate::settings::SettingsStore::for_paths(paths).load_logged();
        let name = settings.workstation_name.clone().unwrap_or_else(|| host.clone());
        Ok(Self { id, name, host })
    }
}

/// A new id, written atomically (temp file + rename) so a crash leaves none or a whole one.
fn create(path: &Path) -> Result<String, TeamError> {
    let id = uuid::Uuid::new_v4().to_string();
    let io = |source| TeamError::Identity { path: path.to_path_buf(), source };
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(io)?;
    let json = serde_json::to_vec(&Stored { id: id.clone() }).expect("a string serialises");
    let tmp = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
    std::fs::write(tmp.path(), json).map_err(io)?;
    tmp.persist(path).map_err(|e| io(e.error))?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_id_is_made_once_and_kept_and_a_broken_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let paths = DataPaths::new(dir.path());
        let first = Workstation::load_or_create(&paths).unwrap();
        assert_eq!(Workstation::load_or_create(&paths).unwrap().id, first.id);
        assert!(!first.name.is_empty());
        std::fs::write(dir.path().join("settings.json"), r#"{"workstation_name": "Front desk"}"#).unwrap();
        assert_eq!(Workstation::load_or_create(&paths).unwrap().name, "Front desk");
        std::fs::write(dir.path().join(WORKSTATION_FILE), "not json").unwrap();
        let err = Workstation::load_or_create(&paths).unwrap_err().to_string();
        assert!(err.contains("workstation.json is not a workstation identity") && err.contains("delete it"), "{err}");
    }
}
