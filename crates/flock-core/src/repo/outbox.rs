//! Outbox keys: a campaign's message is keyed by the person or chat it goes
//! to, never by a contact row: the E.164 phone of a contact, its `…@lid`
//! privacy id while WhatsApp hides the phone, or the group's `…@g.us` id.
//! `uq_messages_campaign_target` then makes "one message per target and
//! campaign" a database fact.
//!
//! A privacy id and a phone can turn out to be one person later (a group
//! sync shows the phone). Then [`rekey_person`] runs in the same transaction
//! as the contact merge:
//! - rows keyed by the privacy id are rekeyed to the phone, so a later
//!   enqueue of the phone hits the unique key and adds nothing;
//! - where a campaign already holds a row for each key, the one still
//!   `pending` is skipped (`duplicate_person`), so at most one of them is
//!   ever sent. The dispatcher's claim must update with `status = 'pending'`
//!   in its WHERE, so a row skipped here is never claimed;
//! - [`campaign_reaches`] checks every key of a person for a campaign
//!   (the enqueue and the claim can ask it before adding or sending).

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter,
};
use serde::{Deserialize, Serialize};

use super::RepoError;
use crate::entities::{contact, group, message, Timestamp};

/// What an outbox row is addressed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    /// A person by E.164 phone.
    Phone,
    /// A person whose phone WhatsApp hides, by privacy id (`…@lid`).
    Lid,
    /// A group chat (`…@g.us`).
    Group,
}

impl TargetKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TargetKind::Phone => "phone",
            TargetKind::Lid => "lid",
            TargetKind::Group => "group",
        }
    }
}

/// The key of an outbox row.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Target {
    pub key: String,
    pub kind: TargetKind,
}

/// The target of a contact: its phone, or its privacy id while the phone is hidden.
pub fn contact_target(c: &contact::Model) -> Option<Target> {
    match (&c.phone, &c.lid) {
        (Some(p), _) => Some(Target { key: p.clone(), kind: TargetKind::Phone }),
        (None, Some(l)) => Some(Target { key: l.clone(), kind: TargetKind::Lid }),
        (None, None) => None,
    }
}

/// The target of a group: its WhatsApp id.
pub fn group_target(g: &group::Model) -> Target {
    Target { key: g.wa_id.clone(), kind: TargetKind::Group }
}

/// Statuses in which a row has reached, or may still reach, its target.
pub const LIVE: [&str; 5] = ["pending", "sending", "sent", "delivered", "read"];

/// Skip reason of the row left out when two rows of a campaign are one person.
pub const DUPLICATE_PERSON: &str = "duplicate_person";

/// What [`rekey_person`] changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rekeyed {
    /// Rows moved from the privacy id to the phone.
    pub rekeyed: u64,
    /// Pending rows skipped because the campaign already reaches the person.
    pub skipped: u64,
}

/// `lid` and `phone` are one person: moves the outbox rows keyed by `lid` to
/// `phone`, and where a campaign has a row under each, skips the pending one
/// (the privacy id's when both are pending). See the module doc.
pub async fn rekey_person(
    db: &impl ConnectionTrait,
    phone: &str,
    lid: &str,
    at: Timestamp,
) -> Result<Rekeyed, RepoError> {
    let mut done = Rekeyed::default();
    let by_lid = message::Entity::find().filter(message::Column::TargetKey.eq(lid)).all(db).await?;
    for row in by_lid {
        let twin = message::Entity::find()
            .filter(message::Column::CampaignId.eq(row.campaign_id))
            .filter(message::Column::TargetKey.eq(phone))
            .one(db)
            .await?;
        let Some(twin) = twin else {
            let mut r: message::ActiveModel = row.into();
            r.target_key = Set(phone.to_string());
            r.target_kind = Set(TargetKind::Phone.as_str().to_string());
            r.updated_at = Set(at);
            r.update(db).await?;
            done.rekeyed += 1;
            continue;
        };
        let live = |m: &message::Model| LIVE.contains(&m.status.as_str());
        if !live(&row) || !live(&twin) {
            continue;
        }
        // Both may reach the person: leave out the one not yet claimed.
        let (drop, keep) = if row.status == "pending" { (row, twin) } else if twin.status == "pending" { (twin, row) } else { continue };
        let mut r: message::ActiveModel = drop.into();
        r.status = Set("skipped".into());
        r.skip_reason = Set(Some(DUPLICATE_PERSON.into()));
        r.last_error = Set(Some(format!("same person as message {} ({lid} is {phone})", keep.id)));
        r.updated_at = Set(at);
        r.update(db).await?;
        done.skipped += 1;
    }
    Ok(done)
}

/// Does `campaign_id` already reach (or may still reach) any of these keys
/// of one person, other than the row `except`?
pub async fn campaign_reaches<S: AsRef<str>>(
    db: &impl ConnectionTrait,
    campaign_id: i64,
    keys: &[S],
    except: Option<i64>,
) -> Result<bool, RepoError> {
    if keys.is_empty() {
        return Ok(false);
    }
    let mut q = message::Entity::find()
        .filter(message::Column::CampaignId.eq(campaign_id))
        .filter(message::Column::TargetKey.is_in(keys.iter().map(|k| k.as_ref().to_string())))
        .filter(message::Column::Status.is_in(LIVE));
    if let Some(id) = except {
        q = q.filter(message::Column::Id.ne(id));
    }
    Ok(q.count(db).await? > 0)
}
