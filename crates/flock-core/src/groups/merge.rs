//! Merging a "phone hidden" contact into the contact of its phone, once a
//! later snapshot shows which phone a privacy id belongs to.

use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
};

use crate::entities::{contact, contact_tag, group_member, inbound_message, message, Timestamp};
use crate::repo::{outbox, suppressions, RepoError};

/// `phone` and `lid` turned out to be one person: an opt-out of either now
/// holds for both, and the outbox rows keyed by the privacy id move to the
/// phone (a campaign with a row under each keeps only one that can be sent).
/// Runs in the transaction that links the two on the contact.
pub(crate) async fn link_person(db: &impl ConnectionTrait, phone: &str, lid: &str, at: Timestamp) -> Result<(), RepoError> {
    suppressions::link_person(db, phone, lid, at).await?;
    outbox::rekey_person(db, phone, lid, at).await?;
    Ok(())
}

/// Moves everything of `hidden` (memberships, tags, messages) to `known`,
/// fills `known`'s empty fields from it, deletes `hidden`, gives `known` the
/// privacy id, and links the two keys ([`link_person`]). Returns the merged
/// contact.
pub(crate) async fn merge_hidden_into(
    db: &impl ConnectionTrait,
    hidden: contact::Model,
    known: contact::Model,
    lid: &str,
    at: Timestamp,
) -> Result<contact::Model, RepoError> {
    let memberships =
        group_member::Entity::find().filter(group_member::Column::ContactId.eq(hidden.id)).all(db).await?;
    let theirs: Vec<group_member::Model> =
        group_member::Entity::find().filter(group_member::Column::ContactId.eq(known.id)).all(db).await?;
    for m in memberships {
        match theirs.iter().find(|t| t.group_id == m.group_id) {
            Some(t) => {
                // Same group under both identities: keep the widest time span.
                let mut row: group_member::ActiveModel = t.clone().into();
                row.first_seen_at = Set(t.first_seen_at.min(m.first_seen_at));
                row.last_seen_at = Set(t.last_seen_at.max(m.last_seen_at));
                row.left_at = Set(match (t.left_at, m.left_at) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    _ => None,
                });
                row.is_admin = Set(t.is_admin || m.is_admin);
                row.update(db).await?;
            }
            None => {
                group_member::ActiveModel { contact_id: Set(known.id), ..m.clone().into() }.insert(db).await?;
            }
        }
    }
    group_member::Entity::delete_many().filter(group_member::Column::ContactId.eq(hidden.id)).exec(db).await?;

    let tags: Vec<(i64, i64)> = contact_tag::Entity::find()
        .filter(contact_tag::Column::ContactId.eq(hidden.id))
        .all(db)
        .await?
        .into_iter()
        .map(|t| (known.id, t.tag_id))
        .collect();
    crate::repo::tags::link_contacts(db, &tags).await?;
    message::Entity::update_many()
        .col_expr(message::Column::ContactId, Expr::value(known.id))
        .filter(message::Column::ContactId.eq(hidden.id))
        .exec(db)
        .await?;
    inbound_message::Entity::update_many()
        .col_expr(inbound_message::Column::ContactId, Expr::value(known.id))
        .filter(inbound_message::Column::ContactId.eq(hidden.id))
        .exec(db)
        .await?;
    contact::Entity::delete_by_id(hidden.id).exec(db).await?;

    let phone = known.phone.clone();
    let older_first = hidden.created_at < known.created_at;
    let mut row: contact::ActiveModel = known.clone().into();
    row.lid = Set(Some(lid.to_string()));
    row.name = Set(known.name.or(hidden.name));
    row.region = Set(known.region.or(hidden.region));
    row.state = Set(known.state.or(hidden.state));
    row.district = Set(known.district.or(hidden.district));
    row.segment = Set(known.segment.or(hidden.segment));
    // Where the person came from first, and every source since.
    if older_first {
        row.first_source = Set(hidden.first_source.clone());
        row.origin = Set(hidden.origin.clone().or(known.origin.clone()));
    } else {
        row.origin = Set(known.origin.clone().or(hidden.origin.clone()));
    }
    row.sources = Set(known.sources | hidden.sources);
    // Consent given under either identity is the person's (the earliest).
    let (consent_at, consent_source) = match (known.consent_at, hidden.consent_at) {
        (Some(k), Some(h)) if h < k => (Some(h), hidden.consent_source.clone()),
        (Some(k), _) => (Some(k), known.consent_source.clone()),
        (None, Some(h)) => (Some(h), hidden.consent_source.clone()),
        (None, None) => (None, None),
    };
    row.consent_at = Set(consent_at);
    row.consent_source = Set(consent_source);
    row.first_inbound_at = Set(min_some(known.first_inbound_at, hidden.first_inbound_at));
    row.last_inbound_at = Set(known.last_inbound_at.max(hidden.last_inbound_at));
    // An opt-out under either identity blocks the person.
    row.opted_out_at = Set(min_some(known.opted_out_at, hidden.opted_out_at));
    row.created_at = Set(known.created_at.min(hidden.created_at));
    row.updated_at = Set(at);
    let merged = row.update(db).await?;
    if let Some(phone) = &phone {
        link_person(db, phone, lid, at).await?;
    }
    suppressions::refresh_models(db, std::slice::from_ref(&merged)).await?;
    Ok(contact::Entity::find_by_id(merged.id).one(db).await?.unwrap_or(merged))
}

/// A message to `phone` was accepted on the privacy-id chat `lid` (WhatsApp
/// Web opens the `@lid` chat of a number once it knows it, and the person's
/// replies come from there): they are one person. The phone's contact gets
/// the lid (a "phone hidden" contact holding it is merged into it) and the
/// two keys are linked, so a reply from the `@lid` chat, a STOP above all,
/// reaches this person's row and the suppression list. A lid already held
/// by a contact with another phone is left there (only the keys are linked).
/// Call it inside a transaction.
pub(crate) async fn learn_lid(db: &impl ConnectionTrait, phone: &str, lid: &str, at: Timestamp) -> Result<(), RepoError> {
    let known = contact::Entity::find().filter(contact::Column::Phone.eq(phone)).one(db).await?;
    let holder = contact::Entity::find().filter(contact::Column::Lid.eq(lid)).one(db).await?;
    match (known, holder) {
        (Some(k), Some(h)) if h.id != k.id && h.phone.is_none() && k.lid.is_none() => {
            merge_hidden_into(db, h, k, lid, at).await?;
            return Ok(());
        }
        (Some(k), None) if k.lid.is_none() => {
            let mut row: contact::ActiveModel = k.into();
            row.lid = Set(Some(lid.to_string()));
            row.updated_at = Set(at);
            row.update(db).await?;
        }
        _ => {}
    }
    link_person(db, phone, lid, at).await
}

fn min_some(a: Option<Timestamp>, b: Option<Timestamp>) -> Option<Timestamp> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}
