//! Bulk writes: a statement's rows as ONE JSON array parameter, unpacked by
//! the database (`json_each` on SQLite, `json_to_recordset` /
//! `json_array_elements` on PostgreSQL). Binding a parameter per cell cost
//! more than writing the rows (see ARCHITECTURE.md, "Bulk writes").

use sea_orm::DbErr;
use serde::Serialize;

use crate::entities::Timestamp;

/// The rows as the one JSON text parameter of a bulk statement.
pub(crate) fn json_param<T: Serialize + ?Sized>(rows: &T) -> Result<sea_orm::Value, DbErr> {
    serde_json::to_string(rows).map(Into::into).map_err(|e| DbErr::Custom(format!("bulk rows as JSON: {e}")))
}

/// A timestamp inside those rows, as sqlx writes a `DateTime<Utc>` to SQLite
/// (RFC 3339, as many fraction digits as needed, `+00:00`): SQLite compares
/// times as text, so a row written through JSON must hold the very text
/// every other writer stores. PostgreSQL parses the same text.
pub(crate) fn timestamp_text(t: Timestamp) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false)
}

/// Rows written after which a bulk write refreshes the table (see [`tidy`]).
pub(crate) const TIDY_AFTER: usize = 1_000;

/// After a bulk write, on PostgreSQL: `VACUUM (ANALYZE)` of `tables`, so the
/// planner knows the new rows at once and the visibility map is set. Until
/// it is, every index-only scan visits the heap for each new row: counting
/// 100,000 fresh contacts took 10 ms instead of 3.4, the jump to page 1000
/// 36 ms instead of 5. Autovacuum would get there within a minute or so;
/// this costs about 25 ms more than the ANALYZE alone. Not in a transaction
/// (VACUUM cannot be); a role that does not own a table gets a warning from
/// the server, not an error. SQLite keeps no visibility map: nothing to do.
pub(crate) async fn tidy(db: &sea_orm::DatabaseConnection, tables: &[&str]) -> Result<(), DbErr> {
    use sea_orm::ConnectionTrait;
    if db.get_database_backend() != sea_orm::DbBackend::Postgres || tables.is_empty() {
        return Ok(());
    }
    db.execute_unprepared(&format!("VACUUM (ANALYZE) {}", tables.join(", "))).await.map(|_| ())
}

/// `bytes` of SQLite WAL in pages of `page_size` (what `wal_autocheckpoint`
/// counts): a page count alone means four times the bytes in a 16 KiB-page
/// file as in a 4 KiB one.
pub(crate) fn wal_pages(bytes: i64, page_size: i64) -> i64 {
    (bytes / page_size.clamp(512, 65_536)).max(1)
}

#[cfg(test)]
mod tests {
    #[test]
    fn wal_pages_count_the_same_bytes_whatever_the_page_size() {
        let mib = 1024 * 1024;
        assert_eq!(super::wal_pages(64 * mib, 4096), 16_384);
        assert_eq!(super::wal_pages(64 * mib, 16_384), 4_096);
        assert_eq!(super::wal_pages(64 * mib, 0), 131_072, "a nonsense size is clamped, not divided by");
    }
}
