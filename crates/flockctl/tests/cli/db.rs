use flock_migrations::{Migrator, MigratorTrait, TABLES};
use flock_testkit::TestDb;

use crate::{flockctl, stdout_json};

fn sorted_tables() -> Vec<String> {
    let mut t: Vec<String> = TABLES.iter().map(|s| s.to_string()).collect();
    t.sort();
    t
}

#[tokio::test]
async fn db_migrate_then_status_reports_every_table() {
    let test = TestDb::new().await;
    let home = tempfile::tempdir().unwrap();
    let before = stdout_json(&flockctl(home.path(), &["--database-url", &test.url, "db", "status", "--json"]));
    assert_eq!(before["applied"], 0);
    assert_eq!(before["pending"], Migrator::migrations().len());

    let migrated = stdout_json(&flockctl(home.path(), &["--database-url", &test.url, "db", "migrate", "--json"]));
    assert_eq!(migrated["pending"], 0);

    let status = stdout_json(&flockctl(home.path(), &["--database-url", &test.url, "db", "status", "--json"]));
    let expected_backend = match test.backend {
        flock_core::db::Backend::Sqlite => "sqlite",
        flock_core::db::Backend::Postgres => "postgres",
    };
    assert_eq!(status["backend"], expected_backend);
    assert_eq!(status["applied"], Migrator::migrations().len());
    assert_eq!(status["pending"], 0);
    let tables: Vec<String> = serde_json::from_value(status["tables"].clone()).unwrap();
    assert_eq!(tables, sorted_tables());
}

#[test]
fn default_database_is_sqlite_in_the_data_dir() {
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("flock-data");
    let out = stdout_json(&flockctl(home.path(), &["--data-dir", data.to_str().unwrap(), "db", "migrate", "--json"]));
    assert_eq!(out["backend"], "sqlite");
    assert!(data.join("flock.sqlite3").exists());
    assert_eq!(out["tables"].as_array().unwrap().len(), TABLES.len());
}

#[test]
fn a_wrong_database_url_is_one_clear_line_and_a_failure() {
    let home = tempfile::tempdir().unwrap();
    let out = flockctl(home.path(), &["--database-url", "postgres://flock:s3cret@127.0.0.1:1/flock", "db", "status"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
    assert!(stderr.contains("postgres://flock:****@127.0.0.1:1/flock"), "{stderr}");
    assert!(!stderr.contains("s3cret"));

    let out = flockctl(home.path(), &["--json", "--database-url", "mysql://x@h/db", "db", "status"]);
    assert!(!out.status.success());
    let err: serde_json::Value = serde_json::from_slice(&out.stderr).expect("JSON error on stderr");
    assert_eq!(err["error"]["kind"], "database");
    assert!(err["error"]["message"].as_str().unwrap().contains("mysql://"));
    assert!(out.stdout.is_empty());
}

#[test]
fn a_bad_setting_is_a_warning_naming_the_key_and_the_rest_still_works() {
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("flock-data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(data.join("settings.json"), r#"{"groups_resync_minutes": "soon", "theme": "dark"}"#).unwrap();
    let out = flockctl(home.path(), &["--data-dir", data.to_str().unwrap(), "db", "migrate", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(stdout_json(&out)["backend"], "sqlite");
    let warning: serde_json::Value = serde_json::from_slice(&out.stderr).expect("one JSON warning on stderr");
    let message = warning["warning"]["message"].as_str().unwrap();
    assert!(message.contains("\"groups_resync_minutes\" is \"soon\"; expected a whole number of minutes"), "{message}");
    assert!(warning["warning"]["fix"].as_str().unwrap().contains("remove the key"));

    let out = flockctl(home.path(), &["--data-dir", data.to_str().unwrap(), "db", "status"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("warning: ") && stderr.contains("groups_resync_minutes"), "{stderr}");
}
