//! The Inbox screen: replies newest first with their campaign, read state
//! kept in the database, filters, opting out from a reply, and the
//! dispatcher's broadcast of each stored reply (what makes the page live).

use chrono::Duration;
use flock_core::dispatch::GatewayEvent;
use flock_core::inbox::desk::{self, InboxFilter};
use flock_core::inbox::KeywordMatcher;
use flock_core::repo::suppressions;

use crate::dispatch::support::{phone, reply, World};

#[tokio::test]
async fn replies_list_newest_first_with_their_campaign_and_read_state_filters_and_opt_outs() {
    let w = World::new(2).await;
    let (a1, a2) = (w.accounts[0], w.accounts[1]);
    let matcher = KeywordMatcher::new(&Default::default());
    let offer = w.campaign("Diwali offer", None, &[a1]).await;
    let news = w.campaign("December news", None, &[a2]).await;
    let (p1, p2) = (phone(1), phone(2));
    let m1 = w.person(offer, &p1).await;
    let m2 = w.person(news, &p2).await;
    w.run().await;
    let (s1, s2) = (w.message(m1).await, w.message(m2).await);
    let mut live = w.engine.replies();

    let t0 = w.now();
    let first = reply(&p1, "Price please?", s1.wa_message_id.as_deref(), t0 + Duration::seconds(1));
    let stop = reply(&p2, "STOP", s2.wa_message_id.as_deref(), t0 + Duration::seconds(2));
    w.engine.on_event(GatewayEvent::Inbound { account_id: a1, message: first.clone() }, &matcher).await.unwrap();
    w.engine.on_event(GatewayEvent::Inbound { account_id: a2, message: stop }, &matcher).await.unwrap();
    // A second delivery of the same message is not news.
    w.engine.on_event(GatewayEvent::Inbound { account_id: a1, message: first }, &matcher).await.unwrap();
    let heard: Vec<(i64, bool)> = std::iter::from_fn(|| live.try_recv().ok()).map(|r| (r.account_id, r.opted_out)).collect();
    assert_eq!(heard, [(a1, false), (a2, true)], "one event per stored reply, the STOP flagged");

    let all = desk::list(w.db.conn(), &InboxFilter::default()).await.unwrap();
    let shown: Vec<(Option<&str>, Option<&str>, bool, bool)> =
        all.items.iter().map(|i| (i.body.as_deref(), i.campaign_name.as_deref(), i.is_opt_out, i.opted_out)).collect();
    assert_eq!(
        shown,
        [(Some("STOP"), Some("December news"), true, true), (Some("Price please?"), Some("Diwali offer"), false, false)],
        "newest first, each with the campaign it answers"
    );
    assert_eq!((all.unread, all.more), (2, false));
    assert_eq!(all.items[1].account_name.as_deref(), Some("A1"));
    assert_eq!(all.items[1].contact_phone.as_deref(), Some(p1.as_str()));
    let names: Vec<&str> = all.campaigns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["December news", "Diwali offer"]);

    // Filters: account, campaign, opt-outs.
    let by_account = desk::list(w.db.conn(), &InboxFilter { account_id: Some(a1), ..Default::default() }).await.unwrap();
    assert_eq!(by_account.items.len(), 1);
    let by_campaign = desk::list(w.db.conn(), &InboxFilter { campaign_id: Some(news), ..Default::default() }).await.unwrap();
    assert_eq!(by_campaign.items.iter().map(|i| i.campaign_id).collect::<Vec<_>>(), [Some(news)]);
    let stops = desk::list(w.db.conn(), &InboxFilter { opt_outs_only: true, ..Default::default() }).await.unwrap();
    assert_eq!(stops.items.len(), 1);
    let one = desk::list(w.db.conn(), &InboxFilter { limit: 1, ..Default::default() }).await.unwrap();
    assert_eq!((one.items.len(), one.more), (1, true));

    // Read state: stored, the first opening kept, unread again on request.
    let price = all.items[1].id;
    assert_eq!(desk::set_read(w.db.conn(), &[price], true, w.now()).await.unwrap(), 1);
    assert_eq!(desk::set_read(w.db.conn(), &[price], true, w.now() + Duration::hours(1)).await.unwrap(), 0);
    let unread = desk::list(w.db.conn(), &InboxFilter { unread_only: true, ..Default::default() }).await.unwrap();
    assert_eq!((unread.items.len(), unread.unread), (1, 1));
    assert_eq!(desk::item(w.db.conn(), price).await.unwrap().read_at.map(|t| t.timestamp()), Some(w.now().timestamp()));
    assert_eq!(desk::set_read(w.db.conn(), &[price], false, w.now()).await.unwrap(), 1);
    let filter = InboxFilter { account_id: Some(a2), ..Default::default() };
    assert_eq!(desk::mark_all_read(w.db.conn(), &filter, w.now()).await.unwrap(), 1, "only the filter's replies");
    assert_eq!(desk::list(w.db.conn(), &InboxFilter::default()).await.unwrap().unread, 1);

    // Opting out (and in) from a reply goes through the suppression list.
    let marked = desk::set_opt_out(w.db.conn(), price, true, Some("asked by phone"), "app").await.unwrap();
    assert!(marked.opted_out);
    assert!(suppressions::is_suppressed(w.db.conn(), Some(&p1), None).await.unwrap());
    let history = suppressions::history(w.db.conn(), &suppressions::person_keys(Some(&p1), None)).await.unwrap();
    assert_eq!((history[0].source.as_str(), history[0].reason.as_deref()), ("manual", Some("asked by phone")));
    let back = desk::set_opt_out(w.db.conn(), price, false, None, "app").await.unwrap();
    assert!(!back.opted_out);
    assert!(!suppressions::is_suppressed(w.db.conn(), Some(&p1), None).await.unwrap());
    assert!(desk::set_opt_out(w.db.conn(), 9_999, true, None, "app").await.is_err(), "an unknown reply is refused");
}
