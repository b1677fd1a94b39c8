//! Opening the database: local SQLite by default, a shared PostgreSQL when
//! the user says so. Migrations run on open; the same ones on both backends.

pub(crate) mod bulk;
mod target;

use std::time::Duration;

use flock_migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Statement};
use serde::Serialize;

pub use target::{redact_url, Backend, DatabaseTarget, DatabaseUrl};

use crate::error::{ErrorKind, ErrorReport};

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("\"{url}\" is not a database URL Flock understands")]
    UnsupportedUrl { url: String },
    #[error("cannot open the database at {url}: {source}")]
    Connect { url: String, backend: Backend, source: ConnectError },
    #[error("cannot update the database schema at {url}: {}", db_err_cause(source))]
    Migrate { url: String, source: DbErr },
    #[error("database error: {0}")]
    Query(#[from] DbErr),
}

/// Why a database could not be opened, kept typed for the log and the caller.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("cannot create {}: {source}", path.display())]
    CreateFolder { path: std::path::PathBuf, source: std::io::Error },
    /// From the one probing connection to PostgreSQL: refused, bad password, no such database…
    #[error("{0}")]
    Driver(#[source] sea_orm::sqlx::Error),
    #[error("no answer within {} seconds", .0.as_secs())]
    NoAnswer(Duration),
    /// From the connection pool.
    #[error("{}", db_err_cause(.0))]
    Pool(#[source] DbErr),
}

impl DbError {
    pub fn report(&self) -> ErrorReport {
        let fix = match self {
            DbError::UnsupportedUrl { .. } => {
                "Use postgres://user:password@host:5432/flock for a shared database, or leave it empty for the local SQLite file"
            }
            DbError::Connect { backend: Backend::Postgres, .. } => {
                "Check that the PostgreSQL server is running and reachable from this computer, and that the user, password and database name are right; or switch back to the local SQLite database"
            }
            DbError::Connect { backend: Backend::Sqlite, .. } => {
                "Check that the data folder exists and is writable, and that no other program holds the file"
            }
            DbError::Migrate { .. } => {
                "The database may have been changed by a newer Flock; update Flock on this computer"
            }
            DbError::Query(_) => "Try again; if it keeps failing, send the log file to support",
        };
        ErrorReport { kind: ErrorKind::Database, message: self.to_string(), fix: Some(fix.into()) }
    }
}

/// What the Settings page and `flockctl db status` show.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DatabaseInfo {
    pub backend: Backend,
    /// The URL with any password replaced by `****`.
    pub url: String,
    pub applied: u32,
    pub pending: u32,
    pub tables: Vec<String>,
    /// Where its password is kept (filled by the caller that knows the data
    /// folder: `crate::config::password_store`); `None`: none, or not asked.
    pub password: Option<crate::secrets::PasswordStore>,
}

/// An open database and where it lives.
#[derive(Clone)]
pub struct Database {
    conn: DatabaseConnection,
    target: DatabaseTarget,
}

/// By hand: the driver's connection options (and so a pool's `Debug`) hold
/// the password in clear; the target shows the URL redacted.
impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database").field("target", &self.target).finish_non_exhaustive()
    }
}

impl Database {
    /// Connects without touching the schema.
    pub async fn connect(target: DatabaseTarget) -> Result<Self, DbError> {
        let mut options = ConnectOptions::new(target.sea_orm_url());
        options
            .connect_timeout(Duration::from_secs(5))
            .acquire_timeout(Duration::from_secs(5))
            .sqlx_logging(false);
        match &target {
            DatabaseTarget::Sqlite { path } => {
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent).map_err(|source| DbError::Connect {
                        url: target.redacted(),
                        backend: Backend::Sqlite,
                        source: ConnectError::CreateFolder { path: parent.to_path_buf(), source },
                    })?;
                }
                let path = path.clone();
                // One pooled connection: SQLite has one writer anyway, and this
                // avoids SQLITE_BUSY between our own connections.
                options.max_connections(1).map_sqlx_sqlite_opts(move |opts| {
                    sqlite_pragmas(opts.filename(&path).create_if_missing(true))
                });
            }
            DatabaseTarget::SqliteMemory => {
                options.max_connections(1).map_sqlx_sqlite_opts(sqlite_pragmas);
            }
            DatabaseTarget::Postgres { url } => {
                probe_postgres(url, &target).await?;
                options.max_connections(8);
            }
        }
        let conn = sea_orm::Database::connect(options).await.map_err(|e| DbError::Connect {
            url: target.redacted(),
            backend: target.backend(),
            source: ConnectError::Pool(e),
        })?;
        Ok(Self { conn, target })
    }

    /// Connects and brings the schema up to date: what the app and CLI do on start.
    pub async fn open(target: DatabaseTarget) -> Result<Self, DbError> {
        let db = Self::connect(target).await?;
        db.migrate().await?;
        Ok(db)
    }

    pub async fn migrate(&self) -> Result<(), DbError> {
        Migrator::up(&self.conn, None)
            .await
            .map_err(|source| DbError::Migrate { url: self.target.redacted(), source })
    }

    pub fn conn(&self) -> &DatabaseConnection {
        &self.conn
    }

    pub fn target(&self) -> &DatabaseTarget {
        &self.target
    }

    pub async fn info(&self) -> Result<DatabaseInfo, DbError> {
        let applied = Migrator::get_applied_migrations(&self.conn).await?.len() as u32;
        let pending = Migrator::get_pending_migrations(&self.conn).await?.len() as u32;
        Ok(DatabaseInfo {
            backend: self.target.backend(),
            url: self.target.redacted(),
            applied,
            pending,
            tables: self.tables().await?,
            password: None,
        })
    }

    /// Flock's own tables (not the migration bookkeeping), sorted by name.
    pub async fn tables(&self) -> Result<Vec<String>, DbError> {
        let backend = self.conn.get_database_backend();
        let sql = match backend {
            DbBackend::Sqlite => {
                // Ordinary tables only: not FTS5 virtual tables and their shadow tables.
                "SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table' \
                 AND name NOT LIKE 'sqlite_%' AND name <> 'seaql_migrations' ORDER BY name"
            }
            _ => {
                "SELECT table_name AS name FROM information_schema.tables \
                 WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' \
                 AND table_name <> 'seaql_migrations' ORDER BY table_name"
            }
        };
        let rows = self.conn.query_all_raw(Statement::from_string(backend, sql)).await?;
        rows.iter()
            .map(|row| row.try_get::<String>("", "name").map_err(DbError::from))
            .collect()
    }

    pub async fn close(self) -> Result<(), DbError> {
        self.conn.close().await.map_err(DbError::from)
    }
}

/// One plain connection first: the pool only says "timed out" when it cannot
/// connect, while a single connection says why (refused, bad password, no
/// such database), and that is what the person needs to read.
async fn probe_postgres(url: &DatabaseUrl, target: &DatabaseTarget) -> Result<(), DbError> {
    use sea_orm::sqlx::{Connection, PgConnection};
    const WAIT: Duration = Duration::from_secs(5);
    let failed = |source| DbError::Connect { url: target.redacted(), backend: Backend::Postgres, source };
    match tokio::time::timeout(WAIT, PgConnection::connect(url.expose())).await {
        Ok(Ok(conn)) => {
            if let Err(e) = conn.close().await {
                tracing::debug!(error = %e, "closing the probing PostgreSQL connection");
            }
            Ok(())
        }
        Ok(Err(e)) => Err(failed(ConnectError::Driver(e))),
        Err(_) => Err(failed(ConnectError::NoAnswer(WAIT))),
    }
}

fn sqlite_pragmas(
    opts: sea_orm::sqlx::sqlite::SqliteConnectOptions,
) -> sea_orm::sqlx::sqlite::SqliteConnectOptions {
    use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
    // 16 KiB pages instead of 4 KiB, for a new file (an existing one keeps
    // its size: SQLite changes it only by VACUUM outside WAL mode). A batch
    // of an import dirties pages all over a dozen indexes; with pages four
    // times larger it dirties fewer, and writes fewer WAL frames: the
    // 100,000-row import went from 2.3 to 2.1 s (`flockctl bench contacts`,
    // a checkpoint every 64 MiB in both: `contacts::import`).
    opts.page_size(16_384)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(5))
        .foreign_keys(true)
        // 64 MiB of page cache instead of SQLite's 2 MiB: a 100,000-row import
        // touches a dozen indexes, and with the default the pages spilled to
        // the WAL mid-transaction. (An import also checkpoints less often
        // while it runs: `contacts::import`.)
        .pragma("cache_size", "-65536")
}

/// The innermost cause, without sqlx's wrapping ("error returned from database: …").
fn db_err_cause(e: &DbErr) -> String {
    match e {
        DbErr::Conn(inner) => inner.to_string(),
        DbErr::Exec(inner) => inner.to_string(),
        DbErr::Query(inner) => inner.to_string(),
        other => other.to_string(),
    }
}

/// A transaction that reads, then writes. On SQLite it is a writer from
/// BEGIN (IMMEDIATE): a deferred one whose snapshot another process's
/// commit made stale fails its first write with SQLITE_BUSY_SNAPSHOT (517,
/// "database is locked"), which no busy timeout waits out (the soak run
/// found it: a CSV import beside `flockctl run`). Elsewhere a plain BEGIN.
pub async fn begin_write<C: sea_orm::TransactionTrait>(db: &C) -> Result<C::Transaction, DbErr> {
    db.begin_with_options(sea_orm::TransactionOptions {
        sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}
