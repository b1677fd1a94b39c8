//! Which database to use, decided the same way by the app and `flockctl`:
//! an explicit URL (`--database-url` or `FLOCK_DATABASE_URL`) wins, then the
//! `database_url` of the settings file, then the SQLite file in the data folder.

use crate::db::DatabaseTarget;
use crate::error::CoreError;
use crate::paths::DataPaths;
use crate::secrets::{PasswordStore, Secrets};
use crate::settings::{SettingKey, SettingsError, SettingsStore};

/// Where the chosen database URL came from, for messages and the UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatabaseSource {
    Explicit,
    Settings,
    Default,
}

/// A settings file that cannot be read, or a `database_url` that is invalid,
/// is an error: falling back to the local file would split the team's data.
/// Problems with other keys do not stop the database from opening.
pub fn resolve_database(
    explicit_url: Option<&str>,
    paths: &DataPaths,
) -> Result<(DatabaseTarget, DatabaseSource), CoreError> {
    if let Some(url) = explicit_url.map(str::trim).filter(|u| !u.is_empty()) {
        return Ok((DatabaseTarget::parse(url)?, DatabaseSource::Explicit));
    }
    let mut loaded = SettingsStore::for_paths(paths).load()?;
    if let Some(at) = loaded.problems.iter().position(
        |p| matches!(p, SettingsError::Invalid { key: SettingKey::DatabaseUrl, .. }),
    ) {
        return Err(loaded.problems.swap_remove(at).into());
    }
    if let Some(url) = &loaded.settings.database_url {
        let secrets = Secrets::for_paths(paths);
        let url = if secrets.has_password(url) {
            // Left in settings.json by an older Flock or a hand edit: moved out now.
            match secrets.keep(url).and_then(|(bare, _)| Ok(SettingsStore::for_paths(paths).set_database_url(Some(&bare))?)) {
                Ok(()) => tracing::info!("the database password was moved out of settings.json"),
                Err(e) => tracing::warn!("the database password stays in settings.json: {e}"),
            }
            url.clone()
        } else {
            secrets.complete(url)?.0
        };
        return Ok((DatabaseTarget::parse(&url)?, DatabaseSource::Settings));
    }
    Ok((DatabaseTarget::sqlite_file(paths.sqlite_file()), DatabaseSource::Default))
}

/// Where the chosen database's password is kept, for the Settings page
/// (`None`: SQLite, or a URL without a password).
pub fn password_store(explicit_url: Option<&str>, paths: &DataPaths) -> Option<PasswordStore> {
    if let Some(url) = explicit_url.map(str::trim).filter(|u| !u.is_empty()) {
        return Secrets::for_paths(paths).has_password(&crate::db::DatabaseUrl::new(url)).then_some(PasswordStore::Given);
    }
    let url = SettingsStore::for_paths(paths).load().ok()?.settings.database_url?;
    Secrets::for_paths(paths).complete(&url).ok()?.1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_beats_settings_beats_default() {
        let dir = tempfile::tempdir().unwrap();
        let paths = DataPaths::new(dir.path());
        let (target, source) = resolve_database(None, &paths).unwrap();
        assert_eq!(source, DatabaseSource::Default);
        assert_eq!(target.sqlite_path(), Some(paths.sqlite_file().as_path()));

        std::fs::write(paths.settings_file(), r#"{"database_url":"postgres://u:p@h/db","theme":"x"}"#).unwrap();
        let (target, source) = resolve_database(None, &paths).unwrap();
        assert_eq!(source, DatabaseSource::Settings);
        assert_eq!(target.redacted(), "postgres://u:****@h/db");

        let (_, source) = resolve_database(Some("sqlite:///tmp/x.db"), &paths).unwrap();
        assert_eq!(source, DatabaseSource::Explicit);
    }

    #[test]
    fn a_broken_settings_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let paths = DataPaths::new(dir.path());
        std::fs::write(paths.settings_file(), "{not json").unwrap();
        let err = resolve_database(None, &paths).unwrap_err();
        assert!(err.to_string().contains("settings.json"), "{err}");
    }

    #[test]
    fn an_invalid_database_url_is_an_error_but_other_bad_keys_are_not() {
        let dir = tempfile::tempdir().unwrap();
        let paths = DataPaths::new(dir.path());
        std::fs::write(paths.settings_file(), r#"{"database_url": 5432}"#).unwrap();
        let report = resolve_database(None, &paths).unwrap_err().report();
        assert!(report.message.contains("\"database_url\" is 5432; expected a database URL"), "{report:?}");

        std::fs::write(paths.settings_file(), r#"{"database_url": "postgres://u@h/db", "groups_resync_minutes": "x"}"#)
            .unwrap();
        let (target, source) = resolve_database(None, &paths).unwrap();
        assert_eq!((target.backend(), source), (crate::db::Backend::Postgres, DatabaseSource::Settings));
    }

    #[test]
    fn a_password_left_in_settings_json_is_moved_out_and_put_back_when_the_database_opens() {
        // No keychain here (a server, CI): the private file.
        std::env::set_var("FLOCK_NO_KEYCHAIN", "1");
        let dir = tempfile::tempdir().unwrap();
        let paths = DataPaths::new(dir.path());
        std::fs::write(paths.settings_file(), r#"{"database_url":"postgres://flock:pw@db:5432/flock"}"#).unwrap();
        let (target, _) = resolve_database(None, &paths).unwrap();
        let crate::db::DatabaseTarget::Postgres { url } = &target else { panic!("{target:?}") };
        assert_eq!(url.expose(), "postgres://flock:pw@db:5432/flock");
        let on_disk = std::fs::read_to_string(paths.settings_file()).unwrap();
        assert!(!on_disk.contains("pw"), "{on_disk}");
        assert!(on_disk.contains("postgres://flock@db:5432/flock"), "{on_disk}");
        // Read again: the password comes from the file.
        let (again, _) = resolve_database(None, &paths).unwrap();
        assert_eq!(again, target);
        assert!(matches!(password_store(None, &paths), Some(PasswordStore::File { .. })));
        assert_eq!(password_store(Some("postgres://a:b@h/db"), &paths), Some(PasswordStore::Given));
    }
}
