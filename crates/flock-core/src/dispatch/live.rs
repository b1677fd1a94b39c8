//! Other workstations' writes (team mode, `crate::team::live`): a changed
//! campaign or one of its messages marks its progress, so this desk's
//! screens and `flockctl run` publish it within the progress interval; a
//! reply stored by another desk is published as if stored here; any change
//! wakes the tick (an account freed, a campaign resumed elsewhere).

use sea_orm::EntityTrait;

use super::engine::{lock, Engine, Inner};
use super::DispatchError;
use crate::entities::inbound_message;
use crate::inbox::desk::ReplyRecorded;
use crate::team::live::Change;

/// How many of its own replies an engine remembers (to skip their notices).
const OWN_REPLIES: usize = 1024;

pub(crate) fn note_own_reply(inner: &Inner, id: i64) {
    let mut own = lock(&inner.own_replies);
    own.push_back(id);
    while own.len() > OWN_REPLIES {
        own.pop_front();
    }
}

impl Engine {
    /// Follows one change notice of the shared database.
    pub async fn on_change(&self, change: Change) -> Result<(), DispatchError> {
        let inner = &self.inner;
        match change {
            Change::Campaign(id) => inner.progress.mark(id),
            Change::Account(_) => {}
            Change::Reply(id) => {
                if lock(&inner.own_replies).contains(&id) {
                    return Ok(());
                }
                if let Some(m) = inbound_message::Entity::find_by_id(id).one(inner.db.conn()).await? {
                    let _ = inner.replies.send(ReplyRecorded {
                        id,
                        account_id: m.account_id,
                        contact_id: m.contact_id,
                        reply_to: m.reply_to_message_id,
                        opted_out: m.is_opt_out,
                        // Not stored: an opt-in shows when the Inbox reloads.
                        opted_in: false,
                    });
                }
            }
            Change::Resync => {
                let ids: Vec<i64> = lock(&inner.campaigns).keys().copied().collect();
                for id in ids {
                    inner.progress.mark(id);
                }
            }
        }
        self.wake();
        Ok(())
    }
}
