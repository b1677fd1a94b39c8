//! Test helpers shared by the crates' integration tests.
//!
//! The same tests run on SQLite and PostgreSQL: `FLOCK_TEST_BACKEND=postgres`
//! with `FLOCK_TEST_POSTGRES_URL=postgres://user@host:port/postgres` (an
//! account allowed to create databases) picks PostgreSQL; anything else runs
//! on a SQLite file in a temp folder. Each test gets its own database.

use flock_core::db::{Backend, Database, DatabaseTarget};
use sea_orm::{ConnectionTrait, DbBackend, Statement};

/// A fresh, empty database for one test. Keeps its temp folder alive.
pub struct TestDb {
    pub url: String,
    pub backend: Backend,
    _dir: tempfile::TempDir,
}

/// The backend this test run is for.
pub fn backend() -> Backend {
    match std::env::var("FLOCK_TEST_BACKEND").as_deref() {
        Ok("postgres") => Backend::Postgres,
        _ => Backend::Sqlite,
    }
}

impl TestDb {
    pub async fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir for the test database");
        match backend() {
            Backend::Sqlite => {
                let path = dir.path().join("flock-test.sqlite3");
                TestDb { url: format!("sqlite://{}", path.display()), backend: Backend::Sqlite, _dir: dir }
            }
            Backend::Postgres => {
                let admin_url = std::env::var("FLOCK_TEST_POSTGRES_URL").expect(
                    "FLOCK_TEST_BACKEND=postgres needs FLOCK_TEST_POSTGRES_URL (scripts/test.sh starts a throwaway server)",
                );
                let name = format!("flock_test_{}", uuid::Uuid::new_v4().simple());
                let admin = Database::connect(DatabaseTarget::parse(&admin_url).expect("admin URL"))
                    .await
                    .expect("connect to the test PostgreSQL server");
                admin
                    .conn()
                    .execute_raw(Statement::from_string(
                        DbBackend::Postgres,
                        format!("CREATE DATABASE {name}"),
                    ))
                    .await
                    .expect("create the test database");
                let _ = admin.close().await;
                let (base, _) = admin_url.rsplit_once('/').expect("admin URL has a database name");
                TestDb { url: format!("{base}/{name}"), backend: Backend::Postgres, _dir: dir }
            }
        }
    }

    pub fn target(&self) -> DatabaseTarget {
        DatabaseTarget::parse(&self.url).expect("test URL parses")
    }

    /// Opened and migrated.
    pub async fn open(&self) -> Database {
        Database::open(self.target()).await.expect("open the test database")
    }

    /// Connected, schema untouched.
    pub async fn connect(&self) -> Database {
        Database::connect(self.target()).await.expect("connect to the test database")
    }
}
