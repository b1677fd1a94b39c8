//! Writing one batch of an import: a handful of statements for thousands of
//! rows (existing contacts and suppressions looked up by phone, multi-row
//! INSERT … RETURNING for the new ones, one multi-row INSERT of tag links).

use std::collections::{HashMap, HashSet};

use sea_orm::{
    sea_query::OnConflict, ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter,
};

use super::import::{ImportRow, RowOutcome};
use super::ImportError;
use crate::entities::{contact, contact_tag, Timestamp};
use crate::repo::contacts::{add_source, ContactSource};
use crate::repo::suppressions::suppressed_keys;
use crate::repo::tags::{link_contacts, ID_CHUNK};

/// Contacts per INSERT statement: 16 columns each, under SQLite's 32,766
/// bind parameters (and PostgreSQL's 65,535).
const INSERT_ROWS: usize = 1_500;

/// A row that passed the checks, waiting for the database.
pub(crate) struct Candidate {
    pub report_index: usize,
    pub phone: String,
    pub name: Option<String>,
    pub region: Option<String>,
    pub state: Option<String>,
    pub district: Option<String>,
    pub segment: Option<String>,
    pub tags: Vec<String>,
    /// Consent from the consent column, when mapped and given.
    pub consent: Option<Timestamp>,
}

/// What every batch of one import shares.
pub(crate) struct BatchContext<'a> {
    /// "import:<file>".
    pub origin: &'a str,
    /// "csv:<file>".
    pub consent_source: &'a str,
    pub at: Timestamp,
    pub tag_ids: &'a HashMap<String, i64>,
}

pub(crate) async fn write_batch(
    db: &impl ConnectionTrait,
    batch: &[Candidate],
    cx: &BatchContext<'_>,
    rows: &mut [ImportRow],
) -> Result<(), ImportError> {
    let phones: Vec<String> = batch.iter().map(|c| c.phone.clone()).collect();
    let existing = by_phone(db, &phones).await?;
    let existing_ids: Vec<i64> = existing.values().map(|c| c.id).collect();
    let mut existing_links: HashSet<(i64, i64)> = HashSet::new();
    for chunk in existing_ids.chunks(ID_CHUNK) {
        for l in contact_tag::Entity::find().filter(contact_tag::Column::ContactId.is_in(chunk.iter().copied())).all(db).await? {
            existing_links.insert((l.contact_id, l.tag_id));
        }
    }
    // A number on the suppression list stays opted out when it comes back.
    let new_phones: Vec<&String> = phones.iter().filter(|p| !existing.contains_key(*p)).collect();
    let suppressed = suppressed_keys(db, &new_phones).await?;

    let new_rows: Vec<contact::ActiveModel> = batch
        .iter()
        .filter(|c| !existing.contains_key(&c.phone))
        .map(|c| contact::ActiveModel {
            phone: Set(Some(c.phone.clone())),
            lid: Set(None),
            name: Set(c.name.clone()),
            region: Set(c.region.clone()),
            state: Set(c.state.clone()),
            district: Set(c.district.clone()),
            segment: Set(c.segment.clone()),
            first_source: Set(ContactSource::Csv.as_str().to_string()),
            sources: Set(ContactSource::Csv.bit()),
            origin: Set(Some(cx.origin.to_string())),
            consent_at: Set(c.consent),
            consent_source: Set(c.consent.map(|_| cx.consent_source.to_string())),
            opted_out_at: Set(suppressed.get(&c.phone).copied()),
            created_at: Set(cx.at),
            updated_at: Set(cx.at),
            ..Default::default()
        })
        .collect();
    let mut ids: HashMap<String, i64> = existing.iter().map(|(p, c)| (p.clone(), c.id)).collect();
    let mut new_rows = new_rows.into_iter().peekable();
    while new_rows.peek().is_some() {
        let chunk: Vec<contact::ActiveModel> = new_rows.by_ref().take(INSERT_ROWS).collect();
        let inserted = match contact::Entity::insert_many(chunk)
            .on_conflict(OnConflict::new().do_nothing().to_owned())
            .exec_with_returning(db)
            .await
        {
            Ok(models) => models,
            Err(DbErr::RecordNotInserted) => Vec::new(),
            Err(e) => return Err(e.into()),
        };
        for m in inserted {
            if let Some(p) = m.phone {
                ids.insert(p, m.id);
            }
        }
    }
    // Another workstation may have added some of them meanwhile.
    let missing: Vec<String> = phones.iter().filter(|p| !ids.contains_key(*p)).cloned().collect();
    if !missing.is_empty() {
        for (p, c) in by_phone(db, &missing).await? {
            ids.insert(p, c.id);
        }
    }

    let mut links: Vec<(i64, i64)> = Vec::new();
    let mut gained_csv: Vec<i64> = Vec::new();
    for c in batch {
        let report = &mut rows[c.report_index];
        let Some(id) = ids.get(&c.phone).copied() else {
            report.outcome = RowOutcome::Rejected;
            report.reason = Some("the contact could not be stored; import the file again".into());
            continue;
        };
        report.contact_id = Some(id);
        let new_tags: Vec<(i64, i64)> = c
            .tags
            .iter()
            .filter_map(|t| cx.tag_ids.get(t))
            .map(|t| (id, *t))
            .filter(|pair| !existing_links.contains(pair))
            .collect();
        links.extend(new_tags.iter().copied());
        let Some(found) = existing.get(&c.phone) else {
            report.outcome = RowOutcome::Imported;
            continue;
        };
        if found.sources & ContactSource::Csv.bit() == 0 {
            gained_csv.push(found.id);
        }
        let filled = fill_existing(db, found, c, cx).await?;
        let mut added: Vec<&str> = filled;
        if !new_tags.is_empty() {
            added.push("tags");
        }
        if added.is_empty() {
            report.outcome = RowOutcome::Duplicate;
            report.reason = Some("already in contacts, nothing new to add".into());
        } else {
            report.outcome = RowOutcome::Updated;
            report.reason = Some(format!("already in contacts; added {}", added.join(", ")));
        }
    }
    add_source(db, &gained_csv, ContactSource::Csv).await?;
    link_contacts(db, &links).await?;
    Ok(())
}

async fn by_phone(db: &impl ConnectionTrait, phones: &[String]) -> Result<HashMap<String, contact::Model>, ImportError> {
    let mut out = HashMap::with_capacity(phones.len());
    for chunk in phones.chunks(ID_CHUNK) {
        for c in contact::Entity::find().filter(contact::Column::Phone.is_in(chunk.to_vec())).all(db).await? {
            if let Some(p) = c.phone.clone() {
                out.insert(p, c);
            }
        }
    }
    Ok(out)
}

/// An existing contact gets only what it lacks (empty fields, a consent not
/// yet on record). Returns the labels of what was filled.
async fn fill_existing(
    db: &impl ConnectionTrait,
    found: &contact::Model,
    c: &Candidate,
    cx: &BatchContext<'_>,
) -> Result<Vec<&'static str>, ImportError> {
    let mut filled: Vec<&'static str> = Vec::new();
    let mut row: contact::ActiveModel = found.clone().into();
    for (have, want, label) in [
        (&found.name, &c.name, "name"),
        (&found.region, &c.region, "region"),
        (&found.state, &c.state, "state"),
        (&found.district, &c.district, "district"),
        (&found.segment, &c.segment, "segment"),
    ] {
        if have.is_none() && want.is_some() {
            filled.push(label);
            match label {
                "name" => row.name = Set(want.clone()),
                "region" => row.region = Set(want.clone()),
                "state" => row.state = Set(want.clone()),
                "district" => row.district = Set(want.clone()),
                _ => row.segment = Set(want.clone()),
            }
        }
    }
    if found.consent_at.is_none() && c.consent.is_some() {
        filled.push("consent");
        row.consent_at = Set(c.consent);
        row.consent_source = Set(Some(cx.consent_source.to_string()));
    }
    if !filled.is_empty() {
        row.updated_at = Set(cx.at);
        row.update(db).await?;
    }
    Ok(filled)
}
