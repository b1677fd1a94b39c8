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
