//! `flockctl run --until-idle`: is there work the dispatcher could do now?
//!
//! "Now" is the engine's `idle_horizon` (10 minutes by default): the work
//! it would start within that time. The dispatcher is idle when ALL hold:
//! 1. no send and no lookup is in flight in this process;
//! 2. no `sending` row belongs to an account whose session is active here
//!    (its reconcile can happen now);
//! 3. no running campaign has a pending row that is due within the horizon
//!    (`next_attempt_at`), whose campaign's schedule allows sending within
//!    it, and that an account here could send within it: active (or
//!    timelocked, for replies and groups), one of the campaign's accounts, a
//!    member of the group, and paced to send before the horizon's end (a
//!    random gap or a minute cap is soon; a daily cap or the ramp-up's
//!    first hour is not; a timelock ending within it counts as ended). A
//!    row the claim would skip (opted out, not on
//!    WhatsApp, unreachable group) also counts: skipping it is work;
//! 4. no account is reconnecting (its session is coming back; bounded by
//!    the account's reconnect deadline), no ended timelock awaits its
//!    lift, and no timelock of an account not running here ends within
//!    the horizon (the lift restores it);
//! 5. no campaign is about to move by itself: a scheduled one whose start
//!    came, a running one with nothing left (to complete), a paused one
//!    whose accounts can send again (to resume).
//!
//! So a campaign waiting for the end of quiet hours, for tomorrow's daily
//! allowance, or for an account to come back is idle; one between two
//! paced sends is not.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::engine::{lock, Engine};
use super::flow::senders;
use super::route::{group_reachable, route, GroupFacts, Lane, Mode, Route, TargetFacts};
use super::store::{accounts as account_store, claims, results};
use super::{lanes, running, Allowance, DispatchError};

const UNLIMITED: Allowance = Allowance { minute_left: None, hour_left: None, day_left: None, day_cap: None };
use crate::campaigns::lifecycle::{CampaignStatus, PauseCause};
use crate::repo::outbox::TargetKind;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IdleReport {
    pub idle: bool,
    /// What is still to do, when not idle.
    pub work: Option<String>,
}

impl IdleReport {
    fn busy(work: String) -> Result<Self, DispatchError> {
        Ok(Self { idle: false, work: Some(work) })
    }
}

impl Engine {
    pub async fn idle_report(&self) -> Result<IdleReport, DispatchError> {
        let inner = &self.inner;
        let in_flight = lock(&inner.busy).len();
        if in_flight > 0 {
            return IdleReport::busy(format!("{in_flight} send(s) or lookup(s) in flight"));
        }
        let now = inner.clock.now();
        let horizon = now + inner.config.idle_horizon;
        let db = inner.db.conn();
        let sessions = inner.gateway.sessions().await;
        let locks = account_store::reachout_locks(db).await?;
        if let Some((id, _)) = locks.iter().find(|(_, until)| **until <= now) {
            return IdleReport::busy(format!("account {id}'s timelock ended: to be lifted"));
        }
        // A timelocked account whose session does not run here (Flock
        // restarted during the lock: a restricted account is not restored)
        // has no lane to count; its lift within the horizon brings it back.
        let runs = |id: i64| sessions.iter().any(|s| s.account_id == id && s.running);
        if let Some((id, until)) = locks.iter().find(|(id, until)| **until <= horizon && !runs(**id)) {
            return IdleReport::busy(format!("account {id}'s timelock ends at {until}: it comes back then"));
        }
        // Not another workstation's account: its desk brings it back, or its lease runs out.
        let here = |s: &&super::gateway::SessionState| s.elsewhere == super::gateway::Elsewhere::No;
        if let Some(s) = sessions.iter().filter(here).find(|s| s.state == crate::accounts::AccountState::Reconnecting) {
            return IdleReport::busy(format!("account {} is reconnecting", s.account_id));
        }
        let lanes = lanes::build(inner, &sessions, &locks, now).await?;
        let able: Vec<i64> = lanes.iter().filter(|l| l.mode != Mode::Off).map(|l| l.account_id).collect();
        if let Some(row) = results::sending_of(db, &able).await?.first() {
            return IdleReport::busy(format!("message {} is sending on account {}: to be looked up", row.id, row.account_id.unwrap_or(0)));
        }
        let campaigns = running::load(db, inner.config.paths.as_ref(), inner.config.zone).await?;
        for c in &campaigns {
            match (c.status, c.paused_by) {
                (CampaignStatus::Scheduled, _) if c.schedule.start_at.is_some_and(|t| t <= now) => {
                    return IdleReport::busy(format!("campaign {} is to start", c.id));
                }
                (CampaignStatus::Paused, Some(PauseCause::NoSender)) if senders(c.accounts(), &sessions, &locks, now).is_ok() => {
                    return IdleReport::busy(format!("campaign {} is to resume", c.id));
                }
                _ => {}
            }
        }
        let routes: Vec<Lane> = lanes
            .iter()
            .filter(|l| l.mode != Mode::Off)
            // Paced to send within the horizon; what is left of its allowance
        // then is what the pacing allowed (a minute cap that is full now is not).
        // A timelock that ends within the horizon frees the account for new contacts.
        .map(|l| {
            let mode = match l.mode {
                Mode::RepliesOnly if l.locked_until.is_some_and(|u| u <= horizon) => Mode::Full,
                m => m,
            };
            Lane { account_id: l.account_id, mode, ready: l.decision.at() <= horizon, allowance: UNLIMITED }
        })
            .collect();
        let elsewhere = lanes::sending_elsewhere(&lanes);
        for c in campaigns.iter().filter(|c| c.status == CampaignStatus::Running) {
            if c.broken.is_some() {
                continue;
            }
            let open = running::counts(db, c.id).await?;
            if open.pending + open.sending == 0 {
                return IdleReport::busy(format!("campaign {} is to complete", c.id));
            }
            if c.schedule.next_allowed(now) > horizon {
                continue;
            }
            if let Some(work) = campaign_work(self, c, &routes, &elsewhere, horizon).await? {
                return IdleReport::busy(work);
            }
        }
        Ok(IdleReport { idle: true, work: None })
    }
}

async fn campaign_work(
    engine: &Engine,
    c: &running::CampaignInfo,
    routes: &[Lane],
    elsewhere: &[i64],
    horizon: DateTime<Utc>,
) -> Result<Option<String>, DispatchError> {
    let inner = &engine.inner;
    let db = inner.db.conn();
    let mut after = 0;
    for _ in 0..inner.config.pages {
        let page = claims::candidates(db, &[c.id], horizon, after, inner.config.batch).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        let facts = claims::facts(db, &page).await?;
        for m in &page {
            let work = || Ok(Some(format!("campaign {}: message {} can be sent", c.id, m.id)));
            let person = m.kind != TargetKind::Group;
            if person && facts.suppressed.get(&m.id).copied().unwrap_or(false) {
                return work();
            }
            let on_whatsapp = m.contact_id.and_then(|id| facts.on_whatsapp.get(&id).copied().flatten());
            if m.kind == TargetKind::Phone && on_whatsapp == Some(false) {
                return work();
            }
            let empty = (Vec::new(), false);
            let group = (!person).then(|| m.group_id.and_then(|g| facts.groups.get(&g)).unwrap_or(&empty));
            let group = group.map(|(members, admins_only)| GroupFacts { members, admins_only: *admins_only });
            if group.as_ref().is_some_and(|g| !group_reachable(g, c.accounts())) {
                return work();
            }
            let wrote_to = facts.wrote_to.get(&m.id).map(Vec::as_slice).unwrap_or(&[]);
            let target = TargetFacts { group, sticky: facts.sticky(m.id), wrote_to, campaign_accounts: c.accounts(), elsewhere };
            if matches!(route(routes, &target), Route::Send(_)) {
                return work();
            }
        }
    }
    Ok(None)
}
