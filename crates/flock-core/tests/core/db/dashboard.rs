//! The Dashboard's figures from the outbox, the accounts, the inbox and
//! the suppression list: today's sends against the allowance, 7-day rates,
//! 30 days by status, the campaigns under way and the alerts.

use chrono::{Duration, Utc};
use flock_core::accounts::AccountState;
use flock_core::dashboard::{dashboard, AlertKind};
use flock_core::dispatch::{GatewayEvent, Limits};
use flock_core::entities::{account, campaign};
use flock_core::inbox::KeywordMatcher;
use flock_core::repo::accounts::{self, Transition};
use flock_wa::{InboundMessage, MessageId, WaId};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, IntoActiveModel};

use crate::dispatch::support::{phone, wa, World};

async fn set_status(w: &World, id: i64, status: &str) {
    let mut m = w.message(id).await.into_active_model();
    let at = Some(w.now());
    match status {
        "read" => {
            m.delivered_at = Set(at);
            m.read_at = Set(at);
        }
        "delivered" => m.delivered_at = Set(at),
        "failed" => {
            m.sent_at = Set(None);
            m.failed_at = Set(at);
        }
        _ => {}
    }
    m.status = Set(status.into());
    m.update(w.db.conn()).await.unwrap();
}

#[tokio::test]
async fn figures_chart_campaigns_and_alerts() {
    let w = World::new(3).await;
    let (a1, a2, a3) = (w.accounts[0], w.accounts[1], w.accounts[2]);
    let cap = Limits { per_day: Some(40), ramp_up: None, ..Limits::off() };
    w.limits(a1, cap).await;
    w.limits(a2, cap).await;
    let running = w.campaign("Pongal offer", None, &[a1, a2]).await;
    let ids: Vec<i64> = {
        let mut v = Vec::new();
        for n in 1..=4 {
            v.push(w.person(running, &phone(n)).await);
        }
        v
    };
    w.run().await;
    set_status(&w, ids[0], "read").await;
    set_status(&w, ids[1], "delivered").await;
    set_status(&w, ids[3], "failed").await;
    // One more still to send: the campaign (completed by the run) is running again.
    w.person(running, &phone(9)).await;
    let mut c = campaign::Entity::find_by_id(running).one(w.db.conn()).await.unwrap().unwrap().into_active_model();
    c.status = Set("running".into());
    c.finished_at = Set(None);
    c.update(w.db.conn()).await.unwrap();

    // One account restricted, with its reason; a campaign paused for want of a sender.
    let a = account::Entity::find_by_id(a3).one(w.db.conn()).await.unwrap().unwrap();
    let t = Transition { to: AccountState::Restricted, reason: Some("WhatsApp refused new contacts (463)"), fix: None, deadline: None };
    accounts::set_state(w.db.conn(), a3, a.version, t).await.unwrap();
    let now = Utc::now();
    let paused = campaign::ActiveModel {
        name: Set("Old list".into()),
        kind: Set("text".into()),
        body: Set(Some("Hi".into())),
        status: Set("paused".into()),
        paused_by: Set(Some("no_sender".into())),
        status_reason: Set(Some("no account can send now".into())),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(w.db.conn())
    .await
    .unwrap();

    // A STOP reply to the read message.
    let read = w.message(ids[0]).await;
    let stop = InboundMessage {
        id: MessageId::new(),
        key: "k".into(),
        chat: WaId::parse(&wa(&phone(1))).unwrap(),
        author: None,
        kind: "chat".into(),
        text: Some("stop".into()),
        at: w.now(),
        quoted_id: read.wa_message_id.as_deref().map(|q| MessageId::parse(q).unwrap()),
    };
    let matcher = KeywordMatcher::new(&Default::default());
    w.engine.on_event(GatewayEvent::Inbound { account_id: a1, message: stop }, &matcher).await.unwrap();

    let zone = chrono_tz::Tz::UTC;
    let d = dashboard(w.db.conn(), w.now(), zone).await.unwrap();
    assert_eq!((d.accounts_active, d.accounts_total), (2, 3));
    assert_eq!(d.sent_today, 3, "three went out; the failed one never did");
    assert_eq!((d.allowance_today, d.allowance_left), (Some(80), Some(80 - 3)));
    let wk = &d.week;
    assert_eq!((wk.sent, wk.delivered, wk.read, wk.failed, wk.replies, wk.opt_outs), (3, 2, 1, 1, 1, 1));
    assert_eq!(wk.read_rate, Some(1.0 / 3.0));
    assert_eq!((d.unread_replies, d.opted_out_total), (1, 1));

    assert_eq!(d.days.len(), 30);
    let today = d.days.last().unwrap();
    assert_eq!(today.day, w.now().format("%Y-%m-%d").to_string());
    assert_eq!((today.sent, today.delivered, today.read, today.failed), (1, 1, 1, 1));
    assert!(d.days[..29].iter().all(|d| d.sent + d.delivered + d.read + d.failed == 0));

    let shown: Vec<(&str, i64)> = d.campaigns.iter().map(|c| (c.name.as_str(), c.counts.pending as i64)).collect();
    assert_eq!(shown, [("Pongal offer", 1), ("Old list", 0)], "running first, then paused");

    let kinds: Vec<(AlertKind, Option<i64>, Option<i64>)> = d.alerts.iter().map(|a| (a.kind, a.account_id, a.campaign_id)).collect();
    assert_eq!(kinds, [(AlertKind::AccountRestricted, Some(a3), None), (AlertKind::CampaignPaused, None, Some(paused.id))]);
    assert_eq!(d.alerts[0].reason.as_deref(), Some("WhatsApp refused new contacts (463)"));
    assert_eq!(d.alerts[1].reason.as_deref(), Some("no account can send now"));

    // An empty database: no rates, every day zero, nothing to fix.
    let empty = World::new(0).await;
    let d = dashboard(empty.db.conn(), empty.now() + Duration::days(1), zone).await.unwrap();
    assert_eq!((d.accounts_total, d.week.delivery_rate, d.alerts.len(), d.campaigns.len()), (0, None, 0, 0));
    assert_eq!(d.allowance_today, Some(0));
}
