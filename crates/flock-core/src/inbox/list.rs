//! The inbox as a list (newest first): what `flockctl inbox list` and the
//! Inbox screen show.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;

use crate::dispatch::DispatchError;
use crate::entities::{contact, inbound_message, message};

#[derive(Debug, Clone, Default)]
pub struct InboxQuery {
    pub account_id: Option<i64>,
    pub campaign_id: Option<i64>,
    /// Only replies recognised as opt-outs.
    pub opt_outs: bool,
    pub limit: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct InboxEntry {
    pub id: i64,
    pub account_id: i64,
    pub wa_message_id: String,
    pub chat_id: String,
    pub author_id: Option<String>,
    pub msg_type: String,
    pub body: Option<String>,
    pub contact_id: Option<i64>,
    pub contact_phone: Option<String>,
    pub contact_name: Option<String>,
    /// The outbox message it answers, and its campaign.
    pub reply_to_message_id: Option<i64>,
    pub campaign_id: Option<i64>,
    pub is_opt_out: bool,
    pub sent_at: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
}

pub async fn list(db: &impl ConnectionTrait, q: &InboxQuery) -> Result<Vec<InboxEntry>, DispatchError> {
    let mut find = inbound_message::Entity::find().order_by_desc(inbound_message::Column::SentAt).order_by_desc(inbound_message::Column::Id);
    if let Some(a) = q.account_id {
        find = find.filter(inbound_message::Column::AccountId.eq(a));
    }
    if q.opt_outs {
        find = find.filter(inbound_message::Column::IsOptOut.eq(true));
    }
    if let Some(c) = q.campaign_id {
        let ids: Vec<i64> = message::Entity::find()
            .select_only()
            .column(message::Column::Id)
            .filter(message::Column::CampaignId.eq(c))
            .into_tuple()
            .all(db)
            .await?;
        find = find.filter(inbound_message::Column::ReplyToMessageId.is_in(ids));
    }
    let rows = find.limit(q.limit.max(1)).all(db).await?;
    let contact_ids: Vec<i64> = rows.iter().filter_map(|r| r.contact_id).collect();
    let contacts = contact::Entity::find().filter(contact::Column::Id.is_in(contact_ids)).all(db).await?;
    let reply_ids: Vec<i64> = rows.iter().filter_map(|r| r.reply_to_message_id).collect();
    let replied: Vec<(i64, i64)> = message::Entity::find()
        .select_only()
        .column(message::Column::Id)
        .column(message::Column::CampaignId)
        .filter(message::Column::Id.is_in(reply_ids))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let c = r.contact_id.and_then(|id| contacts.iter().find(|c| c.id == id));
            let campaign_id = r.reply_to_message_id.and_then(|m| replied.iter().find(|(id, _)| *id == m).map(|(_, c)| *c));
            InboxEntry {
                id: r.id,
                account_id: r.account_id,
                wa_message_id: r.wa_message_id,
                chat_id: r.chat_id,
                author_id: r.author_id,
                msg_type: r.msg_type,
                body: r.body,
                contact_id: r.contact_id,
                contact_phone: c.and_then(|c| c.phone.clone()),
                contact_name: c.and_then(|c| c.name.clone()),
                reply_to_message_id: r.reply_to_message_id,
                campaign_id,
                is_opt_out: r.is_opt_out,
                sent_at: r.sent_at,
                received_at: r.received_at,
            }
        })
        .collect())
}
