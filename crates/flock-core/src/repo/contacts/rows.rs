//! One row of the Contacts page: the contact with its tag names and group count.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, JoinType, QueryFilter, QuerySelect, RelationTrait};
use serde::Serialize;

use super::ContactSource;
use crate::entities::{contact, contact_tag, group_member, tag, Timestamp};
use crate::repo::RepoError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ContactRow {
    pub id: i64,
    /// E.164; `None` while the phone is hidden.
    pub phone: Option<String>,
    pub lid: Option<String>,
    pub phone_hidden: bool,
    pub name: Option<String>,
    pub region: Option<String>,
    pub state: Option<String>,
    pub district: Option<String>,
    pub segment: Option<String>,
    /// How it first came: group_sync, csv, reply, manual.
    pub first_source: ContactSource,
    /// Every source that has brought it.
    pub sources: Vec<ContactSource>,
    /// Where it was first found: `group:<id>@g.us`, `import:<file>`, ….
    pub origin: Option<String>,
    /// Consent on record (a CSV consent column, an explicit mark). Being in a group is not consent.
    pub consent: bool,
    pub consent_at: Option<Timestamp>,
    /// How the consent is evidenced (`csv:<file>`, `manual`, …).
    pub consent_source: Option<String>,
    /// The person has written to one of our accounts.
    pub wrote_to_us: bool,
    pub first_inbound_at: Option<Timestamp>,
    pub last_inbound_at: Option<Timestamp>,
    pub opted_out: bool,
    pub opted_out_at: Option<Timestamp>,
    pub created_at: Timestamp,
    /// Tag names, sorted.
    pub tags: Vec<String>,
    /// Groups the contact is currently a member of.
    pub group_count: u32,
}

/// Adds tag names and group counts to contacts (two queries for the lot).
pub async fn rows(db: &impl ConnectionTrait, contacts: Vec<contact::Model>) -> Result<Vec<ContactRow>, RepoError> {
    let ids: Vec<i64> = contacts.iter().map(|c| c.id).collect();
    let mut tags: HashMap<i64, Vec<String>> = HashMap::new();
    let mut groups: HashMap<i64, u32> = HashMap::new();
    for chunk in ids.chunks(crate::repo::tags::ID_CHUNK) {
        let links: Vec<(i64, String)> = contact_tag::Entity::find()
            .select_only()
            .column(contact_tag::Column::ContactId)
            .column(tag::Column::Name)
            .join(JoinType::InnerJoin, contact_tag::Relation::Tag.def())
            .filter(contact_tag::Column::ContactId.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        for (id, name) in links {
            tags.entry(id).or_default().push(name);
        }
        let counts: Vec<(i64, i64)> = group_member::Entity::find()
            .select_only()
            .column(group_member::Column::ContactId)
            .column_as(group_member::Column::GroupId.count(), "n")
            .filter(group_member::Column::ContactId.is_in(chunk.iter().copied()))
            .filter(group_member::Column::LeftAt.is_null())
            .group_by(group_member::Column::ContactId)
            .into_tuple()
            .all(db)
            .await?;
        for (id, n) in counts {
            groups.insert(id, n as u32);
        }
    }
    Ok(contacts
        .into_iter()
        .map(|c| {
            let mut t = tags.remove(&c.id).unwrap_or_default();
            t.sort();
            ContactRow {
                id: c.id,
                phone_hidden: c.phone.is_none(),
                phone: c.phone,
                lid: c.lid,
                name: c.name,
                region: c.region,
                state: c.state,
                district: c.district,
                segment: c.segment,
                first_source: ContactSource::parse(&c.first_source).unwrap_or(ContactSource::Manual),
                sources: ContactSource::from_bits(c.sources),
                origin: c.origin,
                consent: c.consent_at.is_some(),
                consent_at: c.consent_at,
                consent_source: c.consent_source,
                wrote_to_us: c.first_inbound_at.is_some(),
                first_inbound_at: c.first_inbound_at,
                last_inbound_at: c.last_inbound_at,
                opted_out: c.opted_out_at.is_some(),
                opted_out_at: c.opted_out_at,
                created_at: c.created_at,
                tags: t,
                group_count: groups.get(&c.id).copied().unwrap_or(0),
            }
        })
        .collect())
}
