//! The campaign side of a tick, through the one writer of campaign status
//! (`campaigns::store::transition`):
//! - a scheduled campaign whose start time came starts (`StartTimeReached`);
//! - a running campaign with no `pending` or `sending` row left completes;
//! - a running campaign none of whose accounts can send pauses by itself
//!   with the reason ("all 3 accounts restricted"), and resumes by itself
//!   when one can again (a pause by the user waits for the user).
//!
//! "Can send" is read from the accounts' states, which every workstation
//! shares: an account active anywhere (not timelocked) can. An account in
//! a passing state (reconnecting, syncing, linking) counts as coming back,
//! so a reconnect of a few seconds does not pause a campaign.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use super::engine::Inner;
use super::gateway::{Elsewhere, SessionState};
use super::lanes::AccountLane;
use super::running::CampaignInfo;
use super::DispatchError;
use crate::accounts::AccountState;
use crate::campaigns::lifecycle::{no_sender_reason, CampaignEvent, CampaignStatus, PauseCause, Unavailable};
use crate::campaigns::CampaignError;
use crate::entities::message;

/// Whether the campaign's accounts can send, or why not (each account's reason).
pub fn senders(accounts: Option<&[i64]>, sessions: &[SessionState], locks: &HashMap<i64, DateTime<Utc>>, now: DateTime<Utc>) -> Result<(), Vec<Unavailable>> {
    let chosen: Vec<&SessionState> = sessions.iter().filter(|s| accounts.is_none_or(|set| set.contains(&s.account_id))).collect();
    let mut why = Vec::new();
    for s in chosen {
        let locked = locks.get(&s.account_id).is_some_and(|u| *u > now);
        if matches!(s.elsewhere, Elsewhere::Offline { .. }) {
            why.push(Unavailable::DeskOffline);
            continue;
        }
        let reason = match s.state {
            AccountState::Active if !locked => return Ok(()),
            AccountState::Active | AccountState::Restricted => Unavailable::Restricted,
            AccountState::Reconnecting | AccountState::Syncing | AccountState::WaitingForScan => return Ok(()),
            AccountState::LoggedOut => Unavailable::LoggedOut,
            AccountState::Failed => Unavailable::Failed,
            AccountState::New | AccountState::LinkExpired => Unavailable::NotLinked,
        };
        why.push(reason);
    }
    Err(why)
}

async fn has_open(db: &impl ConnectionTrait, campaign_id: i64) -> Result<bool, DispatchError> {
    let row: Option<i64> = message::Entity::find()
        .select_only()
        .column(message::Column::Id)
        .filter(message::Column::CampaignId.eq(campaign_id))
        .filter(message::Column::Status.is_in(["pending", "sending"]))
        .limit(1)
        .into_tuple()
        .one(db)
        .await?;
    Ok(row.is_some())
}

/// Moves campaigns as described in the module doc; true when one moved.
pub(crate) async fn advance(
    inner: &Inner,
    campaigns: &[CampaignInfo],
    _lanes: &[AccountLane],
    sessions: &[SessionState],
    locks: &HashMap<i64, DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<bool, DispatchError> {
    let db = inner.db.conn();
    let mut moved = false;
    for c in campaigns {
        let event = match (c.status, c.paused_by) {
            (CampaignStatus::Scheduled, _) => match c.schedule.start_at {
                Some(at) if at <= now => Some(CampaignEvent::StartTimeReached),
                _ => None,
            },
            (CampaignStatus::Running, _) if !has_open(db, c.id).await? => Some(CampaignEvent::Finished),
            (CampaignStatus::Running, _) => match senders(c.accounts(), sessions, locks, now) {
                Ok(()) => None,
                Err(why) => Some(CampaignEvent::NoSender { reason: no_sender_reason(&why) }),
            },
            (CampaignStatus::Paused, Some(PauseCause::NoSender)) => {
                senders(c.accounts(), sessions, locks, now).is_ok().then_some(CampaignEvent::SendersBack)
            }
            _ => None,
        };
        let Some(event) = event else { continue };
        match crate::campaigns::store::transition(inner.db.conn(), c.id, &event, None).await {
            Ok(Some(t)) => {
                tracing::info!(campaign = c.id, from = %t.from, to = %t.to.status, reason = %t.reason, "campaign moved");
                inner.progress.mark(c.id);
                moved = true;
            }
            Ok(None) => {}
            // Moved by someone else meanwhile (a user's pause, another workstation): theirs stands.
            Err(CampaignError::Stale(_) | CampaignError::Lifecycle(_)) => {}
            Err(e) => return Err(DispatchError::Campaign { campaign_id: c.id, message: e.to_string() }),
        }
    }
    Ok(moved)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(id: i64, state: AccountState) -> SessionState {
        SessionState { account_id: id, state, running: true, elsewhere: Elsewhere::No }
    }

    #[test]
    fn no_sender_only_when_every_chosen_account_is_out() {
        let now = Utc::now();
        let none = HashMap::new();
        let all = [s(1, AccountState::Restricted), s(2, AccountState::Restricted), s(3, AccountState::Restricted)];
        let why = senders(None, &all, &none, now).unwrap_err();
        assert_eq!(no_sender_reason(&why), "all 3 accounts restricted");
        let mixed = [s(1, AccountState::Active), s(2, AccountState::LoggedOut)];
        assert!(senders(None, &mixed, &none, now).is_ok());
        assert_eq!(no_sender_reason(&senders(Some(&[2]), &mixed, &none, now).unwrap_err()), "the only account is logged out");
        let locked: HashMap<i64, DateTime<Utc>> = [(1, now + chrono::Duration::hours(1))].into();
        assert_eq!(no_sender_reason(&senders(Some(&[1]), &mixed, &locked, now).unwrap_err()), "the only account is restricted");
        assert!(senders(None, &[s(1, AccountState::Reconnecting)], &none, now).is_ok(), "coming back");
        assert_eq!(no_sender_reason(&senders(None, &[], &none, now).unwrap_err()), "no accounts chosen for this campaign");
        // Team mode: running on a live desk can send (there); on a desk gone offline, not.
        let there = SessionState { running: false, elsewhere: Elsewhere::Online { desk: "B".into() }, ..s(4, AccountState::Active) };
        assert!(senders(None, &[there.clone()], &none, now).is_ok());
        let gone = SessionState { elsewhere: Elsewhere::Offline { desk: "B".into() }, ..there };
        assert_eq!(no_sender_reason(&senders(None, &[gone], &none, now).unwrap_err()), "the only account is on a workstation that is offline");
    }
}
