//! A CSV as part of a campaign's audience: its people are imported as
//! contacts with the contacts import (mapping, phone normalisation, consent
//! column honoured, a report of every row), and every column of each row is
//! kept for the campaign as that target's variables (`campaign_variables`,
//! the header turned into a name: "Ward No." → `ward_no`).

use std::collections::HashSet;

use sea_orm::{ActiveValue::Set, ConnectionTrait, DatabaseConnection, EntityTrait};

use super::super::vars::variable_name;
use crate::campaigns::model::CsvInput;
use crate::campaigns::CampaignError;
use crate::contacts::{import_csv, preview, ImportError, ImportOptions, ImportReport, RowOutcome};
use crate::entities::campaign_variable;

/// Variable rows per INSERT (3 columns each).
const INSERT_ROWS: usize = 3_000;

/// A CSV read and checked, nothing written yet.
pub(crate) struct CsvFile {
    pub file_name: String,
    pub bytes: Vec<u8>,
    /// Header names (or "column 1", … without a header row).
    pub headers: Vec<String>,
    pub input: CsvInput,
}

pub(crate) fn read(input: &CsvInput) -> Result<CsvFile, CampaignError> {
    let bytes = std::fs::read(&input.path)
        .map_err(|source| CampaignError::FileUnreadable { path: input.path.clone(), source })?;
    let p = preview(&bytes)?;
    let file_name =
        input.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "campaign.csv".into());
    Ok(CsvFile { file_name, bytes, headers: p.headers, input: input.clone() })
}

/// The records of the file as the import reads them (same reader settings),
/// so they line up one to one with the import report's rows.
fn records(bytes: &[u8]) -> Result<Vec<Vec<String>>, CampaignError> {
    // Decoded as the import decodes it (BOM dropped, UTF-16 read).
    let bytes = crate::contacts::encoding::to_utf8(bytes).map_err(|e| CampaignError::Csv(ImportError::Encoding(e)))?;
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(bytes.as_ref());
    let mut out = Vec::new();
    for r in reader.byte_records() {
        let r = r.map_err(|e| CampaignError::Csv(ImportError::Unreadable(e)))?;
        out.push(r.iter().map(|f| String::from_utf8_lossy(f).into_owned()).collect());
    }
    Ok(out)
}

/// Imports the file's people and reads each row's columns
/// for the campaign: the import report and each distinct number's variables (first row wins).
pub(crate) async fn import(
    db: &DatabaseConnection,
    file: &CsvFile,
) -> Result<(ImportReport, Vec<(String, serde_json::Value)>), CampaignError> {
    let mut options = ImportOptions::new(file.file_name.clone());
    options.default_country = file.input.default_country.clone();
    options.mapping = file.input.mapping.clone();
    let report = import_csv(db, &file.bytes, &options).await?;
    let records = records(&file.bytes)?;
    let data = &records[usize::from(report.has_headers).min(records.len())..];
    if data.len() != report.rows.len() {
        return Err(CampaignError::CsvMismatch { records: data.len(), rows: report.rows.len() });
    }
    let names: Vec<Option<String>> = file.headers.iter().map(|h| variable_name(h)).collect();
    let mut seen = HashSet::new();
    let mut vars = Vec::new();
    for (cells, row) in data.iter().zip(&report.rows) {
        let Some(phone) = row.phone.as_ref().filter(|_| row.outcome != RowOutcome::Rejected) else { continue };
        if !seen.insert(phone.clone()) {
            continue;
        }
        let mut map = serde_json::Map::new();
        for (name, cell) in names.iter().zip(cells) {
            let value = crate::contacts::import::unescape_cell(cell.trim()).trim();
            if let (Some(name), false) = (name, value.is_empty()) {
                map.entry(name.clone()).or_insert_with(|| serde_json::Value::String(value.to_string()));
            }
        }
        vars.push((phone.clone(), serde_json::Value::Object(map)));
    }
    Ok((report, vars))
}

pub(crate) async fn store_vars(
    db: &impl ConnectionTrait,
    campaign_id: i64,
    vars: &[(String, serde_json::Value)],
) -> Result<(), CampaignError> {
    for chunk in vars.chunks(INSERT_ROWS) {
        campaign_variable::Entity::insert_many(chunk.iter().map(|(key, v)| campaign_variable::ActiveModel {
            campaign_id: Set(campaign_id),
            target_key: Set(key.clone()),
            vars: Set(v.clone()),
        }))
        .exec_without_returning(db)
        .await?;
    }
    Ok(())
}
