//! A campaign's report: one CSV line per target, in outbox order, with its
//! status, the account that sent it, its times and why it failed or was
//! skipped. Cells a spreadsheet would run as a formula are escaped like the
//! contacts export does ([`crate::contacts::escape_cell`]).

use std::collections::HashMap;
use std::io::Write;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::campaigns::CampaignError;
use crate::contacts::{escape_cell, ImportError};
use crate::entities::{account, contact, group, message, Timestamp};

pub const REPORT_HEADERS: [&str; 11] = [
    "target",
    "kind",
    "name",
    "status",
    "account",
    "attempts",
    "sent_at",
    "delivered_at",
    "read_at",
    "failed_at",
    "reason",
];

const PAGE: u64 = 5_000;

fn write_error(e: csv::Error) -> CampaignError {
    CampaignError::Csv(ImportError::Write(e))
}

/// Writes campaign `id`'s report; returns the number of targets written.
pub async fn report_csv<W: Write>(db: &impl ConnectionTrait, id: i64, out: W) -> Result<u64, CampaignError> {
    if crate::entities::campaign::Entity::find_by_id(id).one(db).await?.is_none() {
        return Err(CampaignError::NotFound(id));
    }
    let accounts: HashMap<i64, String> = account::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|a| {
            let label = match &a.phone {
                Some(p) => format!("{} ({p})", a.name),
                None => a.name.clone(),
            };
            (a.id, label)
        })
        .collect();
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(REPORT_HEADERS).map_err(write_error)?;
    let mut written = 0u64;
    let mut after = 0i64;
    loop {
        let rows = message::Entity::find()
            .filter(message::Column::CampaignId.eq(id))
            .filter(message::Column::Id.gt(after))
            .order_by_asc(message::Column::Id)
            .limit(PAGE)
            .all(db)
            .await?;
        let Some(last) = rows.last() else { break };
        after = last.id;
        let contact_ids: Vec<i64> = rows.iter().filter_map(|r| r.contact_id).collect();
        let group_ids: Vec<i64> = rows.iter().filter_map(|r| r.group_id).collect();
        let names: HashMap<i64, Option<String>> = if contact_ids.is_empty() {
            HashMap::new()
        } else {
            contact::Entity::find()
                .select_only()
                .column(contact::Column::Id)
                .column(contact::Column::Name)
                .filter(contact::Column::Id.is_in(contact_ids))
                .into_tuple()
                .all(db)
                .await?
                .into_iter()
                .collect()
        };
        let subjects: HashMap<i64, String> = if group_ids.is_empty() {
            HashMap::new()
        } else {
            group::Entity::find()
                .select_only()
                .column(group::Column::Id)
                .column(group::Column::Subject)
                .filter(group::Column::Id.is_in(group_ids))
                .into_tuple()
                .all(db)
                .await?
                .into_iter()
                .collect()
        };
        let n = rows.len() as u64;
        for r in rows {
            let time = |t: Option<Timestamp>| t.map(|t| t.to_rfc3339()).unwrap_or_default();
            let name = match (r.contact_id, r.group_id) {
                (Some(c), _) => names.get(&c).cloned().flatten(),
                (None, Some(g)) => subjects.get(&g).cloned(),
                _ => None,
            };
            let reason = r.last_error.clone().or_else(|| r.skip_reason.clone()).unwrap_or_default();
            let record = [
                r.target_key,
                r.target_kind,
                name.unwrap_or_default(),
                r.status,
                r.account_id.and_then(|a| accounts.get(&a).cloned()).unwrap_or_default(),
                r.attempts.to_string(),
                time(r.sent_at),
                time(r.delivered_at),
                time(r.read_at),
                time(r.failed_at),
                reason,
            ];
            writer.write_record(record.map(escape_cell)).map_err(write_error)?;
        }
        written += n;
        if n < PAGE {
            break;
        }
    }
    writer.flush().map_err(|e| write_error(e.into()))?;
    Ok(written)
}
