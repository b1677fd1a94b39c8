//! At most once per target, the work shared by the accounts, claims safe
//! with two dispatchers, the sticky sender and group routing.

use std::collections::HashMap;

use flock_core::dispatch::Limits;

use super::super::support::{phone, wa, World};

#[tokio::test]
async fn every_target_gets_its_message_exactly_once_and_three_accounts_share_the_work() {
    let w = World::new(3).await;
    let c = w.campaign("launch", None, &[]).await;
    for i in 0..30 {
        w.person(c, &phone(i)).await;
    }
    w.run().await;
    let per_target = w.gw.per_target();
    assert_eq!(per_target.len(), 30, "{per_target:?}");
    assert!(per_target.values().all(|n| *n == 1), "{per_target:?}");
    let rows = w.rows(c).await;
    assert!(rows.iter().all(|m| m.status == "sent" && m.sent_at.is_some() && m.wa_message_id.is_some()), "{rows:?}");
    // The message id stored before the send is the one that reached WhatsApp.
    for m in &rows {
        let sent = w.gw.ledger().into_iter().find(|s| s.target == wa(&m.target_key)).unwrap();
        assert_eq!(Some(sent.id.clone()), m.wa_message_id);
        assert_eq!(Some(sent.account_id), m.account_id);
        assert_eq!(sent.text, format!("Vanakkam {}", m.target_key), "the rendered text is what goes");
    }
    let mut by_account: HashMap<i64, usize> = HashMap::new();
    for s in w.gw.ledger() {
        *by_account.entry(s.account_id).or_default() += 1;
    }
    assert_eq!(by_account.len(), 3, "{by_account:?}");
    assert!(by_account.values().all(|n| *n >= 5), "{by_account:?}");
    assert_eq!(w.campaign_status(c).await.0, "completed");
    // Every row's history: claimed, then sent.
    let events = flock_core::entities::message_event::Entity::find().all(w.db.conn()).await.unwrap();
    assert_eq!(events.iter().filter(|e| e.status == "sending").count(), 30);
    assert_eq!(events.iter().filter(|e| e.status == "sent").count(), 30);
}

use sea_orm::EntityTrait;

#[tokio::test]
async fn the_account_with_the_most_allowance_left_gets_the_message() {
    let w = World::new(2).await;
    let (a, b) = (w.accounts[0], w.accounts[1]);
    let day = Limits { per_day: Some(100), ..Limits::off() };
    w.limits(a, day).await;
    w.limits(b, day).await;
    // Account a already sent 60 today in another campaign.
    let old = w.campaign("yesterday's", None, &[a]).await;
    for i in 0..60 {
        w.person(old, &phone(1000 + i)).await;
    }
    w.run().await;
    assert_eq!(w.gw.ledger().len(), 60);
    // Both may send now: the message goes to b, with 100 left against a's 40.
    let c = w.campaign("today", None, &[]).await;
    let row = w.person(c, &phone(1)).await;
    w.run().await;
    assert_eq!(w.message(row).await.account_id, Some(b));
    // With both busy in turn, each claim still prefers the one with more left.
    let c2 = w.campaign("later", None, &[]).await;
    for i in 0..10 {
        w.person(c2, &phone(10 + i)).await;
    }
    w.run().await;
    let firsts: Vec<Option<i64>> = w.rows(c2).await.iter().step_by(2).map(|m| m.account_id).collect();
    assert!(firsts.iter().all(|a| *a == Some(b)), "the first pick of every round: {firsts:?}");
}

#[tokio::test]
async fn two_dispatchers_never_send_one_row_twice() {
    let w = World::new(3).await;
    let c = w.campaign("contended", None, &[]).await;
    for i in 0..60 {
        w.person(c, &phone(i)).await;
    }
    let other = w.second_engine().await;
    for _ in 0..200 {
        let (x, y) = tokio::join!(w.engine.tick(), other.tick());
        x.unwrap();
        y.unwrap();
        tokio::join!(w.engine.settle(), other.settle());
        if w.rows(c).await.iter().all(|m| m.status == "sent") {
            break;
        }
    }
    let per_target = w.gw.per_target();
    assert_eq!(per_target.len(), 60);
    assert!(per_target.values().all(|n| *n == 1), "{per_target:?}");
    let claimers: std::collections::HashSet<String> = w.rows(c).await.into_iter().filter_map(|m| m.claimed_by).collect();
    assert!(claimers.len() <= 2 && !claimers.is_empty(), "{claimers:?}");
}

#[tokio::test]
async fn a_contact_who_talks_to_one_account_gets_that_account() {
    let w = World::new(3).await;
    let first = w.campaign("first", None, &[w.accounts[2]]).await;
    let p = phone(7);
    w.person(first, &p).await;
    w.run().await;
    // Later campaigns: the person keeps account 3, although the others have as much left.
    let second = w.campaign("second", None, &[]).await;
    let row = w.person(second, &p).await;
    for i in 0..6 {
        w.person(second, &phone(100 + i)).await;
    }
    w.run().await;
    assert_eq!(w.message(row).await.account_id, Some(w.accounts[2]));
    // The first message to the number checked that it exists; the second did not ask again.
    let checks: Vec<_> = w.gw.exists_calls().into_iter().filter(|(_, who)| *who == wa(&p)).collect();
    assert_eq!(checks.len(), 1, "{checks:?}");
}

#[tokio::test]
async fn a_number_not_on_whatsapp_is_skipped_with_the_reason_and_remembered() {
    let w = World::new(1).await;
    let c = w.campaign("c", None, &[]).await;
    let ghost = phone(9);
    w.gw.not_on_whatsapp(&wa(&ghost));
    let row = w.person(c, &ghost).await;
    w.person(c, &phone(1)).await;
    w.run().await;
    let m = w.message(row).await;
    assert_eq!((m.status.as_str(), m.skip_reason.as_deref()), ("skipped", Some("not_on_whatsapp")));
    assert!(m.wa_message_id.is_none(), "never claimed");
    assert!(w.gw.ledger().iter().all(|s| s.target != wa(&ghost)));
    // Cached on the contact: another campaign skips it without asking.
    let c2 = w.campaign("c2", None, &[]).await;
    let row2 = w.person(c2, &ghost).await;
    let asked = w.gw.exists_calls().len();
    w.run().await;
    assert_eq!(w.message(row2).await.skip_reason.as_deref(), Some("not_on_whatsapp"));
    assert_eq!(w.gw.exists_calls().len(), asked);
}

#[tokio::test]
async fn a_group_goes_through_a_member_and_to_an_admin_when_only_admins_may_send() {
    let w = World::new(3).await;
    let (a, b, x) = (w.accounts[0], w.accounts[1], w.accounts[2]);
    let c = w.campaign("groups", None, &[]).await;
    let open = w.group(c, "120363000000000001@g.us", &[(b, false)]).await;
    let closed = w.group(c, "120363000000000002@g.us", &[(a, false), (x, true)]).await;
    w.gw.admins_only("120363000000000002@g.us", &[x]);
    let nobody = w.group(c, "120363000000000003@g.us", &[]).await;
    w.run().await;
    assert_eq!(w.message(open).await.account_id, Some(b), "the only member");
    let m = w.message(closed).await;
    assert_eq!((m.status.as_str(), m.account_id), ("sent", Some(x)));
    let m = w.message(nobody).await;
    assert_eq!((m.status.as_str(), m.skip_reason.as_deref()), ("skipped", Some("no_member_account")));
    let per_target = w.gw.per_target();
    assert_eq!(per_target.get("120363000000000002@g.us"), Some(&1));
    assert_eq!(per_target.get("120363000000000001@g.us"), Some(&1));
}
