//! Team mode in the dispatcher: an account whose session runs on another
//! workstation is never sent for here; the people who talk to it are left
//! to that desk while it is online and go to an account here once its
//! lease ran out; its `sending` rows are never moved or resent, say what
//! they wait for, and are reconciled when it runs again.

use chrono::Duration;
use flock_core::accounts::AccountState;
use flock_core::dispatch::{Elsewhere, GatewayEvent};
use flock_core::entities::message;
use flock_core::inbox::KeywordMatcher;
use flock_wa::MessageId;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};

use super::super::support::{phone, reply, wa, World};

#[tokio::test]
async fn a_person_who_talks_to_an_account_on_another_desk_waits_for_that_desk_until_it_goes_offline() {
    let w = World::new(2).await;
    let (here, there) = (w.accounts[0], w.accounts[1]);
    let desk = || "Desk B".to_string();
    w.gw.set_elsewhere(there, AccountState::Active, Elsewhere::Online { desk: desk() });
    // p1 wrote to the account on desk B.
    let (p1, p2) = (phone(1), phone(2));
    let matcher = KeywordMatcher::new(&Default::default());
    let hello = reply(&p1, "Hello, is the shop open on Sunday?", None, w.now() - Duration::minutes(5));
    w.engine.on_event(GatewayEvent::Inbound { account_id: there, message: hello }, &matcher).await.unwrap();
    let c = w.campaign("offer", None, &[]).await;
    let sticky = w.person(c, &p1).await;
    let free = w.person(c, &p2).await;
    w.run().await;

    let m = w.message(free).await;
    assert_eq!((m.status.as_str(), m.account_id), ("sent", Some(here)));
    let m = w.message(sticky).await;
    assert_eq!(m.status, "pending", "left to desk B, whose account p1 talks to");
    assert_eq!(w.gw.per_target().get(&wa(&p1)), None);
    assert_eq!(w.campaign_status(c).await.0, "running");

    // Desk B's lease runs out: p1 goes out from here, once.
    w.gw.set_elsewhere(there, AccountState::Active, Elsewhere::Offline { desk: desk() });
    w.run().await;
    let m = w.message(sticky).await;
    assert_eq!((m.status.as_str(), m.account_id), ("sent", Some(here)));
    assert_eq!(w.gw.per_target().get(&wa(&p1)), Some(&1));
    assert_eq!(w.campaign_status(c).await.0, "completed");
}

#[tokio::test]
async fn sending_rows_of_an_offline_desk_wait_named_and_are_reconciled_when_it_runs_again() {
    let w = World::new(2).await;
    let (here, there) = (w.accounts[0], w.accounts[1]);
    let c = w.campaign("offer", None, &[]).await;
    let p1 = phone(1);
    let row = w.person(c, &p1).await;
    let mut others = Vec::new();
    for n in 2..=4 {
        others.push(w.person(c, &phone(n)).await);
    }
    // Desk B was killed with this row `sending` on its account.
    let wa_id = MessageId::new().to_string();
    let mut m: message::ActiveModel = message::Entity::find_by_id(row).one(w.db.conn()).await.unwrap().unwrap().into();
    m.status = Set("sending".into());
    m.account_id = Set(Some(there));
    m.wa_message_id = Set(Some(wa_id.clone()));
    m.claimed_by = Set(Some("desk-b".into()));
    m.claimed_at = Set(Some(w.now() - Duration::seconds(30)));
    m.update(w.db.conn()).await.unwrap();
    w.gw.set_elsewhere(there, AccountState::Active, Elsewhere::Offline { desk: "Desk B".into() });
    w.run().await;

    for id in &others {
        let m = w.message(*id).await;
        assert_eq!((m.status.as_str(), m.account_id), ("sent", Some(here)), "the unclaimed work goes on here");
    }
    let m = w.message(row).await;
    assert_eq!((m.status.as_str(), m.account_id), ("sending", Some(there)), "never moved to another account");
    let why = m.last_error.unwrap_or_default();
    assert!(why.starts_with("waiting for Desk B to reconcile"), "{why}");
    assert!(w.gw.lookups().is_empty(), "only its own session may look it up");
    assert_eq!(w.gw.per_target().get(&wa(&p1)), None, "never resent");
    assert_eq!(w.campaign_status(c).await.0, "running", "not complete while a row is unresolved");

    // Desk B runs again (its session here, in this fake): looked up there, found absent, sent once.
    w.gw.set_session(there, AccountState::Active, true);
    w.run().await;
    assert!(w.gw.lookups().contains(&(there, wa_id)));
    let m = w.message(row).await;
    assert_eq!(m.status, "sent");
    assert_eq!(w.gw.per_target().get(&wa(&p1)), Some(&1));
    assert_eq!(w.campaign_status(c).await.0, "completed");
}

#[tokio::test]
async fn a_campaign_whose_only_account_is_on_an_offline_desk_pauses_and_says_so() {
    let w = World::new(1).await;
    let there = w.accounts[0];
    w.gw.set_elsewhere(there, AccountState::Active, Elsewhere::Offline { desk: "Desk B".into() });
    let c = w.campaign("offer", None, &[there]).await;
    w.person(c, &phone(1)).await;
    w.run().await;
    let (status, reason) = w.campaign_status(c).await;
    assert_eq!(status, "paused");
    assert_eq!(reason.as_deref(), Some("the only account is on a workstation that is offline"));
    // Back online there: it resumes by itself (and desk B sends it).
    w.gw.set_elsewhere(there, AccountState::Active, Elsewhere::Online { desk: "Desk B".into() });
    w.run().await;
    assert_eq!(w.campaign_status(c).await.0, "running");
}

/// Team mode, live (PostgreSQL): what desk A's dispatcher writes reaches
/// desk B's progress stream within a second, through LISTEN/NOTIFY (desk B
/// sends nothing itself: it has no session, and no tick of its own would
/// report the campaign).
#[tokio::test]
async fn what_desk_a_sends_reaches_desk_b_s_progress_stream_within_a_second() {
    if flock_testkit::backend() != flock_core::db::Backend::Postgres {
        return; // SQLite is one desk: no feed.
    }
    let w = World::new(1).await;
    let c = w.campaign("live", None, &[]).await;
    for n in 1..=3 {
        w.person(c, &phone(n)).await;
    }
    // Desk B: its own connection, no session, a dispatcher following the feed.
    let desk_b_db = w._test.connect().await;
    let feed = flock_core::team::live::ChangeFeed::start(&desk_b_db).expect("PostgreSQL has a feed");
    let mut changes = feed.subscribe();
    // Listening (the first notice is the resync of a fresh connection).
    let first = tokio::time::timeout(std::time::Duration::from_secs(10), changes.recv()).await.expect("listening").unwrap();
    assert_eq!(first, flock_core::team::live::Change::Resync);
    let gw_b = super::super::fake::FakeGateway::new(w.clock.clone());
    gw_b.set_elsewhere(w.accounts[0], AccountState::Active, Elsewhere::Online { desk: "Desk A".into() });
    let engine_b = flock_core::dispatch::Engine::new(desk_b_db, gw_b, w.clock.clone(), super::super::support::config());
    // Desk B ticks once at start, then only when woken: what it reports
    // about desk A's campaign comes from the feed.
    let options = flock_core::dispatch::DispatcherOptions { max_sleep: std::time::Duration::from_secs(3600), ..Default::default() };
    let mut desk_b = flock_core::dispatch::Dispatcher::start(engine_b, options);
    desk_b.follow(feed.subscribe());
    let mut progress = desk_b.progress();

    w.run().await;
    let sent_at = std::time::Instant::now();
    let seen = async {
        loop {
            let p = progress.recv().await.unwrap();
            if p.campaign_id == c && p.counts.sent + p.counts.delivered + p.counts.read == 3 {
                return p;
            }
        }
    };
    let p = tokio::time::timeout(std::time::Duration::from_secs(3), seen).await.expect("desk B saw desk A's sends");
    let lag = sent_at.elapsed();
    assert!(lag < std::time::Duration::from_secs(1), "desk B saw it after {lag:?}");
    assert_eq!(p.counts.pending, 0);
    // Desk A's accounts' changes reach desk B too.
    let a = w.accounts[0];
    flock_core::repo::accounts::set_show_browser(w.db.conn(), a, true).await.unwrap();
    let got = tokio::time::timeout(std::time::Duration::from_secs(1), async {
        loop {
            if changes.recv().await.unwrap() == flock_core::team::live::Change::Account(a) {
                return;
            }
        }
    })
    .await;
    assert!(got.is_ok(), "desk A's account change reached desk B within a second");
    desk_b.stop().await;
}
