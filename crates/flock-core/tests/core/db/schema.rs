use flock_core::db::{Backend, ConnectError, Database, DatabaseTarget};
use flock_migrations::{Migrator, MigratorTrait, TABLES};
use flock_testkit::TestDb;

fn expected_tables() -> Vec<String> {
    let mut tables: Vec<String> = TABLES.iter().map(|t| t.to_string()).collect();
    tables.sort();
    tables
}

#[tokio::test]
async fn open_creates_every_table_and_reports_it() {
    let test = TestDb::new().await;
    let db = test.open().await;
    let info = db.info().await.unwrap();
    eprintln!("schema test on {:?}", info.backend);
    assert_eq!(info.backend, test.backend);
    assert_eq!(info.tables, expected_tables());
    assert_eq!(info.applied as usize, Migrator::migrations().len());
    assert_eq!(info.pending, 0);
}

#[tokio::test]
async fn migrations_go_up_down_and_up_again() {
    let test = TestDb::new().await;
    let db = test.connect().await;
    Migrator::up(db.conn(), None).await.unwrap();
    assert_eq!(db.tables().await.unwrap(), expected_tables());

    Migrator::down(db.conn(), None).await.unwrap();
    assert!(db.tables().await.unwrap().is_empty(), "down leaves no table behind");
    let info = db.info().await.unwrap();
    assert_eq!((info.applied, info.pending), (0, Migrator::migrations().len() as u32), "counts migrations");

    Migrator::up(db.conn(), None).await.unwrap();
    assert_eq!(db.tables().await.unwrap(), expected_tables());
}

#[tokio::test]
async fn reopening_is_idempotent() {
    let test = TestDb::new().await;
    test.open().await.close().await.unwrap();
    let db = test.open().await;
    assert_eq!(db.info().await.unwrap().pending, 0);
}

#[tokio::test]
async fn an_unreachable_postgres_url_names_the_url_and_hides_the_password() {
    // Port 1 on loopback: nothing listens there.
    let target = DatabaseTarget::parse("postgres://flock:s3cret@127.0.0.1:1/flock").unwrap();
    let err = Database::connect(target).await.unwrap_err();
    let report = err.report();
    assert!(report.message.contains("postgres://flock:****@127.0.0.1:1/flock"), "{}", report.message);
    assert!(!report.message.contains("s3cret"));
    assert!(report.message.to_lowercase().contains("refused"), "the real cause, not a pool timeout: {}", report.message);
    assert!(report.fix.unwrap().contains("PostgreSQL server is running"));
    // The cause stays typed: the driver's own error, not a string.
    let cause = std::error::Error::source(&err).and_then(|s| s.downcast_ref::<ConnectError>());
    assert!(matches!(cause, Some(ConnectError::Driver(_))), "{err:?}");
    assert!(!format!("{err:?} {err:#?}").contains("s3cret"), "Debug hides it too");
}

/// The driver's connection options (and so a pool's `Debug`) hold the
/// password in clear; Flock's types never print it. Runs on PostgreSQL (the
/// SQLite run has no password to hide and checks the path shows).
#[tokio::test]
async fn an_open_database_never_prints_its_password() {
    let test = TestDb::new().await;
    if test.backend == Backend::Sqlite {
        let db = test.open().await;
        assert!(format!("{db:?}").contains("flock-test.sqlite3"), "{db:?}");
        return;
    }
    // The throwaway server trusts every local login, so any password opens it.
    let mut url = url::Url::parse(&test.url).unwrap();
    url.set_password(Some("s3cret")).unwrap();
    url.query_pairs_mut().append_pair("sslpassword", "s3cret-too");
    let target = DatabaseTarget::parse(url.as_str()).unwrap();
    let db = Database::open(target.clone()).await.expect("opens with a password in the URL");
    let info = db.info().await.unwrap();
    for shown in [format!("{db:?}"), format!("{db:#?}"), format!("{target:?}"), format!("{:?}", db.target()), info.url.clone(), format!("{info:?}")] {
        assert!(!shown.contains("s3cret"), "{shown}");
    }
    assert!(info.url.contains(":****@") && info.url.contains("sslpassword=****"), "{}", info.url);
}

/// A read-then-write transaction beside another writer (the soak run's CSV
/// import beside `flockctl run`): a deferred one on SQLite fails its write
/// with SQLITE_BUSY_SNAPSHOT (517) once the other commits; `begin_write`
/// takes the write lock at BEGIN, so the other waits and both succeed.
#[tokio::test]
async fn a_read_then_write_transaction_beside_another_writer_succeeds() {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    let test = flock_testkit::TestDb::new().await;
    let db = test.open().await;
    let other = test.connect().await;
    let count = "SELECT COUNT(*) AS n FROM tags";
    let write = |name: &str| format!("INSERT INTO tags (name, created_at) VALUES ('{name}', CURRENT_TIMESTAMP)");
    let backend = db.conn().get_database_backend();
    if backend == sea_orm::DbBackend::Sqlite {
        // The deferred way, for contrast: it fails.
        let txn = db.conn().begin().await.unwrap();
        txn.query_one_raw(sea_orm::Statement::from_string(backend, count)).await.unwrap();
        other.conn().execute_unprepared(&write("other-1")).await.unwrap();
        let err = txn.execute_unprepared(&write("mine-1")).await.unwrap_err().to_string();
        assert!(err.contains("517") || err.contains("locked"), "{err}");
        txn.rollback().await.unwrap();
    }
    let txn = flock_core::db::begin_write(db.conn()).await.unwrap();
    txn.query_one_raw(sea_orm::Statement::from_string(backend, count)).await.unwrap();
    let theirs = tokio::spawn({
        let other = other.clone();
        let sql = write("other-2");
        async move { other.conn().execute_unprepared(&sql).await.map(|_| ()) }
    });
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    txn.execute_unprepared(&write("mine-2")).await.unwrap();
    txn.commit().await.unwrap();
    theirs.await.unwrap().expect("the other writer waited its turn");
}

/// A new SQLite file gets 16 KiB pages (the import writes fewer of them,
/// see `db::sqlite_pragmas`), set before WAL mode, which would freeze the
/// size. A file made with SQLite's default 4 KiB pages still opens,
/// migrates and keeps its pages.
#[tokio::test]
async fn a_new_sqlite_file_has_16_kib_pages_and_an_old_4_kib_file_still_opens() {
    use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};
    use sea_orm::sqlx::{ConnectOptions, Connection};
    use sea_orm::{ConnectionTrait, Statement};
    let dir = tempfile::tempdir().unwrap();
    async fn pragma(db: &Database, name: &str) -> String {
        let sql = format!("SELECT CAST({name} AS TEXT) FROM pragma_{name}");
        let row = db.conn().query_one_raw(Statement::from_string(sea_orm::DbBackend::Sqlite, sql)).await.unwrap();
        row.expect("a pragma row").try_get_by_index::<String>(0).unwrap()
    }

    let new = Database::open(DatabaseTarget::Sqlite { path: dir.path().join("new.sqlite3") }).await.unwrap();
    assert_eq!(pragma(&new, "page_size").await, "16384");
    assert!(pragma(&new, "journal_mode").await.contains("wal"));

    let old_path = dir.path().join("old.sqlite3");
    let options = SqliteConnectOptions::new()
        .filename(&old_path)
        .create_if_missing(true)
        .page_size(4096)
        .journal_mode(SqliteJournalMode::Wal);
    let mut conn = options.connect().await.unwrap();
    sea_orm::sqlx::query("CREATE TABLE made_before (id INTEGER PRIMARY KEY)").execute(&mut conn).await.unwrap();
    conn.close().await.unwrap();
    let old = Database::open(DatabaseTarget::Sqlite { path: old_path }).await.unwrap();
    assert_eq!(pragma(&old, "page_size").await, "4096");
    assert_eq!(old.info().await.unwrap().pending, 0);
}
