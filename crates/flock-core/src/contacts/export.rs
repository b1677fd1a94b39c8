//! CSV export of any filtered contact list: the Contacts page's filter,
//! every page. The columns read back through the import's mapping.

use std::io::Write;

use sea_orm::{ConnectionTrait, QuerySelect};

use super::ImportError;
use crate::repo::contacts::{filtered, rows, ContactQuery};

const PAGE: u64 = 2_000;

pub const EXPORT_HEADERS: [&str; 13] = [
    "phone", "name", "region", "state", "district", "segment", "tags", "groups", "opted_out", "opted_out_at",
    "phone_hidden", "lid", "consent_source",
];

/// Writes every contact matching `query` (its paging ignored); returns the
/// number of contacts written.
pub async fn export_csv<W: Write>(
    db: &impl ConnectionTrait,
    query: &ContactQuery,
    out: W,
) -> Result<u64, ImportError> {
    let mut writer = csv::Writer::from_writer(out);
    let write_err = ImportError::Write;
    writer.write_record(EXPORT_HEADERS).map_err(write_err)?;
    let mut written = 0u64;
    let mut page = 0u64;
    loop {
        let batch = filtered(query).offset(page * PAGE).limit(PAGE).all(db).await?;
        let n = batch.len() as u64;
        for r in rows(db, batch).await? {
            let opt = |v: &Option<String>| v.clone().unwrap_or_default();
            writer
                .write_record([
                    opt(&r.phone),
                    opt(&r.name),
                    opt(&r.region),
                    opt(&r.state),
                    opt(&r.district),
                    opt(&r.segment),
                    r.tags.join("; "),
                    r.group_count.to_string(),
                    if r.opted_out { "yes" } else { "no" }.to_string(),
                    r.opted_out_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
                    if r.phone_hidden { "yes" } else { "no" }.to_string(),
                    opt(&r.lid),
                    opt(&r.consent_source),
                ])
                .map_err(write_err)?;
        }
        written += n;
        if n < PAGE {
            break;
        }
        page += 1;
    }
    writer.flush().map_err(|e| ImportError::Write(e.into()))?;
    Ok(written)
}
