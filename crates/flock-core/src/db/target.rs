//! Which database to open, read from a URL, and how to show it safely.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::DbError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, specta::Type)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseTarget {
    Sqlite { path: PathBuf },
    /// For tests.
    SqliteMemory,
    Postgres { url: String },
}

impl DatabaseTarget {
    /// The default: a SQLite file in the data folder.
    pub fn sqlite_file(path: impl Into<PathBuf>) -> Self {
        DatabaseTarget::Sqlite { path: path.into() }
    }

    /// Reads `sqlite://PATH`, `sqlite:PATH`, `sqlite::memory:`, `postgres://…`
    /// or `postgresql://…`.
    pub fn parse(url: &str) -> Result<Self, DbError> {
        let url = url.trim();
        if url == "sqlite::memory:" {
            return Ok(DatabaseTarget::SqliteMemory);
        }
        if let Some(rest) = url.strip_prefix("sqlite:") {
            let rest = rest.strip_prefix("//").unwrap_or(rest);
            let path = rest.split('?').next().unwrap_or_default();
            if path.is_empty() {
                return Err(DbError::UnsupportedUrl { url: url.to_string() });
            }
            return Ok(DatabaseTarget::Sqlite { path: PathBuf::from(path) });
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let parsed = url::Url::parse(url)
                .map_err(|_| DbError::UnsupportedUrl { url: redact_url(url) })?;
            if parsed.host_str().is_none_or(str::is_empty) {
                return Err(DbError::UnsupportedUrl { url: redact_url(url) });
            }
            return Ok(DatabaseTarget::Postgres { url: url.to_string() });
        }
        Err(DbError::UnsupportedUrl { url: redact_url(url) })
    }

    pub fn backend(&self) -> Backend {
        match self {
            DatabaseTarget::Sqlite { .. } | DatabaseTarget::SqliteMemory => Backend::Sqlite,
            DatabaseTarget::Postgres { .. } => Backend::Postgres,
        }
    }

    /// The URL as the user would write it, with any password hidden.
    pub fn redacted(&self) -> String {
        match self {
            DatabaseTarget::Sqlite { path } => format!("sqlite://{}", path.display()),
            DatabaseTarget::SqliteMemory => "sqlite::memory:".into(),
            DatabaseTarget::Postgres { url } => redact_url(url),
        }
    }

    pub(super) fn sea_orm_url(&self) -> String {
        match self {
            // The file name is also set on the connect options, so that paths
            // that do not survive URL parsing (Windows, `?`) still open right.
            DatabaseTarget::Sqlite { path } => format!("sqlite://{}", path.display()),
            DatabaseTarget::SqliteMemory => "sqlite::memory:".into(),
            DatabaseTarget::Postgres { url } => url.clone(),
        }
    }

    pub fn sqlite_path(&self) -> Option<&Path> {
        match self {
            DatabaseTarget::Sqlite { path } => Some(path),
            _ => None,
        }
    }
}

/// `postgres://flock:secret@db:5432/flock` → `postgres://flock:****@db:5432/flock`.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("****"));
            parsed.to_string()
        }
        Ok(_) => url.to_string(),
        // Not a URL: it may still hold a password after "user:", so show only the scheme.
        Err(_) => match url.split_once("://") {
            Some((scheme, _)) => format!("{scheme}://…"),
            None => url.chars().take(40).collect(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_read() {
        assert_eq!(
            DatabaseTarget::parse("sqlite:///tmp/x.db?mode=rwc").unwrap(),
            DatabaseTarget::Sqlite { path: "/tmp/x.db".into() }
        );
        assert_eq!(
            DatabaseTarget::parse("sqlite:rel.db").unwrap(),
            DatabaseTarget::Sqlite { path: "rel.db".into() }
        );
        assert_eq!(DatabaseTarget::parse("sqlite::memory:").unwrap(), DatabaseTarget::SqliteMemory);
        assert_eq!(
            DatabaseTarget::parse("postgresql://u:p@h/db").unwrap().backend(),
            Backend::Postgres
        );
        assert!(DatabaseTarget::parse("mysql://u@h/db").is_err());
        assert!(DatabaseTarget::parse("postgres://").is_err());
        assert!(DatabaseTarget::parse("").is_err());
    }

    #[test]
    fn passwords_never_show() {
        let t = DatabaseTarget::parse("postgres://flock:s3cret@db.local:5432/flock").unwrap();
        assert_eq!(t.redacted(), "postgres://flock:****@db.local:5432/flock");
        let err = DatabaseTarget::parse("mysql://root:s3cret@h/x").unwrap_err().to_string();
        assert!(!err.contains("s3cret"), "{err}");
    }
}
