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

/// A database URL as the user typed it. It may hold a password, so `Debug`
/// and `Display` show it redacted; only [`DatabaseUrl::expose`] (and `Deref`,
/// for `Option::as_deref`) give the real text, for connecting and for
/// writing it back to the settings file.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    pub fn new(url: impl Into<String>) -> Self {
        Self(url.into())
    }

    /// The URL with its password: for the driver and the settings file only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// What logs, errors and the UI may show.
    pub fn redacted(&self) -> String {
        redact_url(&self.0)
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("DatabaseUrl").field(&self.redacted()).finish()
    }
}

impl std::fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl std::ops::Deref for DatabaseUrl {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl From<String> for DatabaseUrl {
    fn from(url: String) -> Self {
        Self(url)
    }
}

impl From<&str> for DatabaseUrl {
    fn from(url: &str) -> Self {
        Self(url.to_string())
    }
}

/// For `clap` (`--database-url`, `FLOCK_DATABASE_URL`): any text; it is
/// checked when the database is opened.
impl std::str::FromStr for DatabaseUrl {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self(s.to_string()))
    }
}

/// `Debug` never shows a password: the PostgreSQL URL is a [`DatabaseUrl`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseTarget {
    Sqlite { path: PathBuf },
    /// For tests.
    SqliteMemory,
    Postgres { url: DatabaseUrl },
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
                return Err(DbError::UnsupportedUrl { url: redact_url(url) });
            }
            return Ok(DatabaseTarget::Sqlite { path: PathBuf::from(path) });
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let parsed = url::Url::parse(url)
                .map_err(|_| DbError::UnsupportedUrl { url: redact_url(url) })?;
            if parsed.host_str().is_none_or(str::is_empty) {
                return Err(DbError::UnsupportedUrl { url: redact_url(url) });
            }
            return Ok(DatabaseTarget::Postgres { url: DatabaseUrl::new(url) });
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
            DatabaseTarget::Postgres { url } => url.redacted(),
        }
    }

    pub(super) fn sea_orm_url(&self) -> String {
        match self {
            // The file name is also set on the connect options, so that paths
            // that do not survive URL parsing (Windows, `?`) still open right.
            DatabaseTarget::Sqlite { path } => format!("sqlite://{}", path.display()),
            DatabaseTarget::SqliteMemory => "sqlite::memory:".into(),
            DatabaseTarget::Postgres { url } => url.expose().to_string(),
        }
    }

    pub fn sqlite_path(&self) -> Option<&Path> {
        match self {
            DatabaseTarget::Sqlite { path } => Some(path),
            _ => None,
        }
    }
}

/// Query parameters libpq and sqlx read a password from.
const SECRET_PARAMS: [&str; 2] = ["password", "sslpassword"];
const MASK: &str = "****";

/// `postgres://flock:secret@db:5432/flock` → `postgres://flock:****@db:5432/flock`;
/// `?password=…` and `?sslpassword=…` are masked too. Text that is not a URL
/// shows only its scheme, or has every `password=` value masked.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(parsed) if parsed.host_str().is_none() && !parsed.scheme().eq_ignore_ascii_case("sqlite") => {
            format!("{}:…", parsed.scheme())
        }
        Ok(mut parsed) => {
            if parsed.password().is_some() {
                let _ = parsed.set_password(Some(MASK));
            }
            let has_secret = parsed.query_pairs().any(|(k, _)| is_secret_param(&k));
            if has_secret {
                let pairs: Vec<(String, String)> = parsed
                    .query_pairs()
                    .map(|(k, v)| {
                        let v = if is_secret_param(&k) { MASK.to_string() } else { v.into_owned() };
                        (k.into_owned(), v)
                    })
                    .collect();
                parsed.query_pairs_mut().clear().extend_pairs(pairs);
            }
            parsed.to_string()
        }
        // Not a URL: it may still hold a password after "user:", so show only the scheme.
        Err(_) => match url.split_once("://") {
            Some((scheme, _)) => format!("{scheme}://…"),
            None => mask_key_values(&url.chars().take(80).collect::<String>()),
        },
    }
}

fn is_secret_param(key: &str) -> bool {
    SECRET_PARAMS.iter().any(|p| key.eq_ignore_ascii_case(p))
}

/// `host=db password=x` (libpq's key=value form) → `host=db password=****`.
fn mask_key_values(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some((before, after)) = split_at_secret_key(rest) {
        out.push_str(before);
        out.push_str(MASK);
        let end = after.find(|c: char| c.is_whitespace() || c == '&' || c == ';').unwrap_or(after.len());
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// Splits after the first `password=` / `sslpassword=` (any case), if any.
fn split_at_secret_key(text: &str) -> Option<(&str, &str)> {
    let lower = text.to_ascii_lowercase();
    let at = lower.find("password=")?;
    let end = at + "password=".len();
    Some((&text[..end], &text[end..]))
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

    /// Every way a password can sit in a PostgreSQL URL.
    const SECRET_URLS: [&str; 6] = [
        "postgres://flock:s3cret@db:5432/flock",
        "postgresql://flock:p@ss@s3cret@db/flock",
        "postgres://flock@db/flock?password=s3cret",
        "postgres://flock@db/flock?sslmode=require&sslpassword=s3cret&application_name=x",
        "postgres://flock@db/flock?PASSWORD=s3cret",
        "postgres://flock:s3cret@db/flock?password=s3cret",
    ];

    #[test]
    fn redaction_masks_user_info_and_password_parameters() {
        for url in SECRET_URLS {
            let shown = redact_url(url);
            assert!(!shown.contains("s3cret"), "{url} → {shown}");
            assert!(shown.contains("db"), "the host still shows: {shown}");
        }
        assert_eq!(
            redact_url("postgres://flock@db/flock?sslmode=require&password=x"),
            "postgres://flock@db/flock?sslmode=require&password=****"
        );
        assert_eq!(redact_url("postgresql://flock:p@ss@db/flock"), "postgresql://flock:****@db/flock");
        assert_eq!(redact_url("host=db password=s3cret dbname=flock"), "host=db password=**** dbname=flock");
        // A URL without a host keeps its secrets in the path: only the scheme shows.
        assert_eq!(redact_url("pg:root:s3cret@h"), "pg:…");
        assert_eq!(redact_url("sqlite:///data/flock.sqlite3"), "sqlite:///data/flock.sqlite3");
    }

    #[test]
    fn debug_and_display_of_every_url_holder_hide_the_password() {
        for url in SECRET_URLS {
            let target = DatabaseTarget::parse(url).unwrap();
            let wrapped = DatabaseUrl::new(url);
            for shown in [
                format!("{target:?}"),
                format!("{target:#?}"),
                format!("{wrapped:?}"),
                format!("{wrapped}"),
                format!("{:?}", Some(wrapped.clone())),
                target.redacted(),
            ] {
                assert!(!shown.contains("s3cret"), "{url} → {shown}");
            }
            assert_eq!(wrapped.expose(), url, "the driver still gets the real URL");
        }
        let err = DatabaseTarget::parse("mysql://u@h/x?password=s3cret").unwrap_err();
        assert!(!format!("{err:?} {err}").contains("s3cret"), "{err:?}");
    }
}
