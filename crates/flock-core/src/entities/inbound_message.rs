use sea_orm::entity::prelude::*;

use super::Timestamp;

/// A message one of our accounts received; unique per (account, WhatsApp id).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "inbound_messages")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub account_id: i64,
    pub wa_message_id: String,
    /// The chat: the person or the group (`…@g.us`).
    pub chat_id: String,
    /// Who wrote it, in a group.
    pub author_id: Option<String>,
    pub msg_type: String,
    pub body: Option<String>,
    /// The WhatsApp id of the message it quotes.
    pub quoted_wa_message_id: Option<String>,
    /// Our outbox message it answers.
    pub reply_to_message_id: Option<i64>,
    pub contact_id: Option<i64>,
    pub is_opt_out: bool,
    pub sent_at: Timestamp,
    pub received_at: Timestamp,
    /// When someone opened it in the Inbox (null: unread).
    pub read_at: Option<Timestamp>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
