//! Account limits: stored per account, the documented defaults when none
//! were set, validated on the way in.

use flock_core::dispatch::store::accounts as store;
use flock_core::dispatch::{DispatchError, Limits, SecondsRange};

use super::super::support::World;

#[tokio::test]
async fn limits_are_stored_per_account_and_default_to_the_documented_ones() {
    let w = World::new(2).await;
    let (a, b) = (w.accounts[0], w.accounts[1]);
    let fresh = flock_core::repo::accounts::create(w.db.conn(), "new").await.unwrap();
    assert_eq!(store::limits(w.db.conn(), fresh.id).await.unwrap(), Limits::default());
    let mine = Limits { per_minute: Some(6), gap: SecondsRange::new(5, 10), ramp_up: None, ..Limits::default() };
    store::set_limits(w.db.conn(), a, &mine).await.unwrap();
    assert_eq!(store::limits(w.db.conn(), a).await.unwrap(), mine);
    assert_eq!(store::limits(w.db.conn(), b).await.unwrap(), Limits::off());
    let bad = Limits { per_day: Some(0), ..Limits::default() };
    assert!(matches!(store::set_limits(w.db.conn(), a, &bad).await, Err(DispatchError::Limits(_))));
    assert_eq!(store::limits(w.db.conn(), a).await.unwrap(), mine, "a refused change loses nothing");
    assert!(matches!(store::limits(w.db.conn(), 999).await, Err(DispatchError::NoAccount { .. })));
}
