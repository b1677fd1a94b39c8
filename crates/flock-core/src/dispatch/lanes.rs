//! Each account at the moment of a tick: what it may send ([`Mode`]), its
//! limits, its send history and so its pace and allowance.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::engine::Inner;
use super::gateway::SessionState;
use super::pace::{allowance, next_send_at, Allowance, Decision};
use super::route::Mode;
use super::store::{accounts as store, history};
use super::{DispatchError, Limits};
use crate::accounts::AccountState;

#[derive(Debug, Clone)]
pub struct AccountLane {
    pub account_id: i64,
    pub state: AccountState,
    pub running: bool,
    pub mode: Mode,
    pub limits: Limits,
    pub linked_at: Option<DateTime<Utc>>,
    /// Send times the pacing counts (see [`history::history`]).
    pub history: Vec<DateTime<Utc>>,
    pub decision: Decision,
    pub allowance: Allowance,
    /// End of its reachout timelock, while one holds.
    pub locked_until: Option<DateTime<Utc>>,
    /// Team mode: its session runs on another workstation.
    pub elsewhere: super::gateway::Elsewhere,
}

/// What an account may send now: everything when active; while a reachout
/// timelock holds (active or shown restricted for it), only replies and
/// groups; nothing when its session does not run here or it is restricted
/// for another reason (a ban), logged out, reconnecting, ….
pub fn mode_of(state: AccountState, running: bool, locked_until: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Mode {
    let locked = locked_until.is_some_and(|u| u > now);
    match (running, state) {
        (false, _) => Mode::Off,
        (true, AccountState::Active) if locked => Mode::RepliesOnly,
        (true, AccountState::Active) => Mode::Full,
        (true, AccountState::Restricted) if locked => Mode::RepliesOnly,
        _ => Mode::Off,
    }
}

/// Team mode: the active accounts whose session runs on another live
/// workstation (the people sticky to them are that desk's to send to).
pub fn sending_elsewhere(lanes: &[AccountLane]) -> Vec<i64> {
    lanes
        .iter()
        .filter(|l| {
            matches!(l.elsewhere, super::gateway::Elsewhere::Online { .. })
                && l.state == AccountState::Active
        })
        .map(|l| l.account_id)
        .collect()
}

pub(crate) async fn build(
    inner: &Inner,
    sessions: &[SessionState],
    locks: &HashMap<i64, DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<Vec<AccountLane>, DispatchError> {
    let db = inner.db.conn();
    let all = store::all_limits(db).await?;
    let linked = store::linked_at(db).await?;
    let mut lanes = Vec::with_capacity(sessions.len());
    for s in sessions {
        let limits = match all.get(&s.account_id) {
            Some(Ok(l)) => *l,
            Some(Err(e)) => {
                tracing::warn!(account = s.account_id, "{e}; using the default limits");
                Limits::default()
            }
            None => Limits::default(),
        };
        let locked_until = locks.get(&s.account_id).copied().filter(|u| *u > now);
        let mode = mode_of(s.state, s.running, locked_until, now);
        let linked_at = linked.get(&s.account_id).copied();
        let history = if mode == Mode::Off {
            Vec::new()
        } else {
            let (window, n) = history::needed(&limits);
            history::history(db, s.account_id, now, window, n).await?
        };
        let decision = next_send_at(&limits, linked_at, &history, now, s.account_id as u64);
        let allowance = allowance(&limits, linked_at, &history, now);
        lanes.push(AccountLane {
            account_id: s.account_id,
            state: s.state,
            running: s.running,
            mode,
            limits,
            linked_at,
            history,
            decision,
            allowance,
            locked_until,
            elsewhere: s.elsewhere.clone(),
        });
    }
    Ok(lanes)
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    #[test]
    fn modes() {
        let now = Utc::now();
        let later = Some(now + Duration::hours(1));
        let past = Some(now - Duration::minutes(1));
        assert_eq!(mode_of(AccountState::Active, true, None, now), Mode::Full);
        assert_eq!(mode_of(AccountState::Active, false, None, now), Mode::Off);
        assert_eq!(mode_of(AccountState::Active, true, later, now), Mode::RepliesOnly);
        assert_eq!(mode_of(AccountState::Restricted, true, later, now), Mode::RepliesOnly);
        assert_eq!(mode_of(AccountState::Restricted, true, None, now), Mode::Off, "a ban");
        assert_eq!(mode_of(AccountState::Restricted, true, past, now), Mode::Off, "lock over, not yet lifted");
        assert_eq!(mode_of(AccountState::Active, true, past, now), Mode::Full);
        assert_eq!(mode_of(AccountState::Reconnecting, true, None, now), Mode::Off);
    }
}
