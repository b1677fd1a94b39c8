//! Where Flock keeps its files. The app and `flockctl` share these folders.

use std::path::{Path, PathBuf};

/// The Tauri bundle identifier; Tauri's `app_data_dir()` is `<data dir>/<identifier>`.
pub const APP_IDENTIFIER: &str = "app.flock.desktop";

/// The folders of one Flock installation.
#[derive(Debug, Clone)]
pub struct DataPaths {
    root: PathBuf,
}

impl DataPaths {
    /// The OS app-data folder (`~/.local/share/app.flock.desktop` on Linux,
    /// `%APPDATA%\app.flock.desktop` on Windows, `~/Library/Application Support/…` on macOS).
    pub fn default_root() -> PathBuf {
        dirs::data_dir()
            .unwrap_or_else(std::env::temp_dir)
            .join(APP_IDENTIFIER)
    }

    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn sqlite_file(&self) -> PathBuf {
        self.root.join("flock.sqlite3")
    }

    pub fn settings_file(&self) -> PathBuf {
        self.root.join("settings.json")
    }

    pub fn log_dir(&self) -> PathBuf {
        self.root.join("logs")
    }

    /// One Chromium profile per account lives below this folder.
    pub fn profiles_dir(&self) -> PathBuf {
        self.root.join("profiles")
    }

    pub fn media_dir(&self) -> PathBuf {
        self.root.join("media")
    }

    /// Creates the root folder, private to the user where the OS supports it.
    pub fn ensure(&self) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.root)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&self.root, std::fs::Permissions::from_mode(0o700))?;
        }
        Ok(())
    }
}
