//! Merging a "phone hidden" contact into the contact of its phone, once a
//! later snapshot shows which phone a privacy id belongs to.

use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
};

use crate::entities::{contact, contact_tag, group_member, inbound_message, message, opt_out, Timestamp};
use crate::repo::RepoError;

/// Moves everything of `hidden` (memberships, tags, opt-outs, messages) to
/// `known`, fills `known`'s empty fields from it, deletes `hidden`, and gives
/// `known` the privacy id. Returns the merged contact.
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
    opt_out::Entity::update_many()
        .col_expr(opt_out::Column::ContactId, Expr::value(known.id))
        .filter(opt_out::Column::ContactId.eq(hidden.id))
        .exec(db)
        .await?;
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

    let mut row: contact::ActiveModel = known.clone().into();
    row.lid = Set(Some(lid.to_string()));
    row.name = Set(known.name.or(hidden.name));
    row.region = Set(known.region.or(hidden.region));
    row.state = Set(known.state.or(hidden.state));
    row.district = Set(known.district.or(hidden.district));
    row.segment = Set(known.segment.or(hidden.segment));
    row.consent_source = Set(known.consent_source.or(hidden.consent_source));
    // An opt-out under either identity blocks the person.
    row.opted_out_at = Set(known.opted_out_at.or(hidden.opted_out_at));
    row.created_at = Set(known.created_at.min(hidden.created_at));
    row.updated_at = Set(at);
    Ok(row.update(db).await?)
}
