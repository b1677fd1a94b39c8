//! CSV export of any filtered contact list: the Contacts page's filter,
//! every page. The columns read back through the import's mapping.
//!
//! A cell a spreadsheet would run as a formula (OWASP "CSV injection": a
//! leading `=`, `+`, `-`, `@`, tab or carriage return) is written with a `'`
//! in front, which spreadsheets show as text. A plain E.164 number
//! (`+919876543210`) is left as it is: it cannot run anything, and it must
//! stay usable as a phone number. The import drops that `'` again, so an
//! export reads back as the same contacts.

use std::io::Write;

use sea_orm::ConnectionTrait;

use super::ImportError;
use crate::repo::contacts::{count, page, rows, ContactQuery, Filter};

const PAGE: u64 = 2_000;

/// The first characters that make a spreadsheet read a cell as a formula.
pub(crate) const FORMULA_TRIGGERS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

pub const EXPORT_HEADERS: [&str; 18] = [
    "phone", "name", "region", "state", "district", "segment", "tags", "groups", "opted_out", "opted_out_at",
    "phone_hidden", "lid", "consent", "consent_source", "first_source", "sources", "origin", "wrote_to_us_at",
];

/// `+` then 6 to 15 digits, the first not 0.
fn is_plain_e164(v: &str) -> bool {
    v.strip_prefix('+').is_some_and(|d| {
        (6..=15).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()) && !d.starts_with('0')
    })
}

/// The cell as written to the file: formula triggers neutralised.
pub fn escape_cell(value: String) -> String {
    if value.starts_with(FORMULA_TRIGGERS) && !is_plain_e164(&value) {
        format!("'{value}")
    } else {
        value
    }
}

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
    let filter = Filter::resolve(db, query).await?;
    let total = count(db, &filter).await?;
    let mut written = 0u64;
    let mut last = None;
    loop {
        // Keyset pages: each one an index walk from the last row written.
        let batch = page(db, &filter, query.sort, last.as_ref(), written, PAGE, total).await?;
        let n = batch.len() as u64;
        last = batch.last().cloned();
        for r in rows(db, batch).await? {
            let opt = |v: &Option<String>| v.clone().unwrap_or_default();
            let time = |t: Option<crate::entities::Timestamp>| t.map(|t| t.to_rfc3339()).unwrap_or_default();
            let yes_no = |b: bool| if b { "yes" } else { "no" }.to_string();
            let record = [
                opt(&r.phone),
                opt(&r.name),
                opt(&r.region),
                opt(&r.state),
                opt(&r.district),
                opt(&r.segment),
                r.tags.join("; "),
                r.group_count.to_string(),
                yes_no(r.opted_out),
                time(r.opted_out_at),
                yes_no(r.phone_hidden),
                opt(&r.lid),
                // The date consent was given; reads back through the import's consent column.
                time(r.consent_at),
                opt(&r.consent_source),
                r.first_source.as_str().to_string(),
                r.sources.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("; "),
                opt(&r.origin),
                time(r.first_inbound_at),
            ];
            writer.write_record(record.map(escape_cell)).map_err(write_err)?;
        }
        written += n;
        if n < PAGE {
            break;
        }
    }
    writer.flush().map_err(|e| ImportError::Write(e.into()))?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_neutralised_and_phone_numbers_kept() {
        for (cell, written) in [
            ("=HYPERLINK(\"http://x\",\"y\")", "'=HYPERLINK(\"http://x\",\"y\")"),
            ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("+919876543210", "+919876543210"),
            ("+91 98765 43210", "'+91 98765 43210"),
            ("+0123456789", "'+0123456789"),
            ("Arun", "Arun"),
            ("", ""),
        ] {
            assert_eq!(escape_cell(cell.to_string()), written, "{cell:?}");
            assert_eq!(super::super::import::unescape_cell(written), cell, "reads back: {written:?}");
        }
    }
}
