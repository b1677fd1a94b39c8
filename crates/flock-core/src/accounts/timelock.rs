//! The end of a reachout timelock (WhatsApp error 463). The dispatcher
//! records the lock's end (`accounts.reachout_until`) and, once it has
//! passed, calls [`AccountManager::end_timelock`]: a restricted account
//! whose session kept running becomes active again; one whose session does
//! not run (Flock restarted meanwhile: a restricted account is not
//! restored) is brought back from its profile.

use super::error::AccountError;
use super::lifecycle::Input;
use super::manager::AccountManager;
use super::state::AccountState;
use crate::repo::accounts as repo;

impl AccountManager {
    pub async fn end_timelock(&self, id: i64) -> Result<(), AccountError> {
        let row = repo::get(self.inner.db.conn(), id).await?;
        if row.state != AccountState::Restricted.as_str() {
            return Ok(());
        }
        if self.worker_tx(id).is_some() {
            return self.send_input(id, Input::TimelockEnded, true).await;
        }
        if row.phone.is_none() {
            return Err(AccountError::NotActive { name: row.name, state: row.state });
        }
        self.send_input(id, Input::Restore, true).await
    }
}

#[cfg(test)]
mod tests {
    use super::super::lifecycle::{step, ConflictPolicy, Input, Machine, Timeouts};
    use super::AccountState as S;

    #[test]
    fn a_timelocked_account_is_active_again_when_the_lock_ends_and_nothing_else_is() {
        let t = Timeouts::default();
        let mut m = Machine::new(S::Active, ConflictPolicy::TakeOver);
        step(&mut m, Input::SendRejected { code: 463 }, &t);
        assert_eq!(m.state, S::Restricted);
        let s = step(&mut m, Input::TimelockEnded, &t);
        assert_eq!(m.state, S::Active);
        assert!(s.actions.is_empty(), "the session kept running: nothing to start");
        for other in [S::LoggedOut, S::Failed, S::Reconnecting, S::Active] {
            let mut m = Machine::new(other, ConflictPolicy::TakeOver);
            step(&mut m, Input::TimelockEnded, &t);
            assert_eq!(m.state, other);
        }
    }
}
