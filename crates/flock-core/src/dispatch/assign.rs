//! The claim round: the due pending rows of the running campaigns that may
//! send now, oldest first, each routed ([`super::route`]) to a ready
//! account and handed to a send task; rows of opted-out people, known
//! non-WhatsApp numbers and unreachable groups are skipped with the reason.
//! Reads pages of candidates until every ready account has a message (or
//! the page budget is spent), so rows that must wait (a busy sticky
//! sender, a group whose members are paced) do not block those behind them.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::engine::{lock, Inner};
use super::lanes::AccountLane;
use super::outbox::SkipReason;
use super::route::{group_reachable, route, GroupFacts, Lane, Mode, Route, TargetFacts};
use super::running::CampaignInfo;
use super::store::{claims, results};
use super::DispatchError;
use crate::campaigns::lifecycle::CampaignStatus;
use crate::repo::outbox::TargetKind;

pub(crate) async fn claim_round(
    inner: &Arc<Inner>,
    lanes: &[AccountLane],
    campaigns: &[CampaignInfo],
    now: DateTime<Utc>,
) -> Result<(), DispatchError> {
    let mut routes: Vec<Lane> = lanes
        .iter()
        .filter(|l| l.mode != Mode::Off)
        .map(|l| Lane {
            account_id: l.account_id,
            mode: l.mode,
            ready: !inner.is_busy(l.account_id) && l.decision.ready(now),
            allowance: l.allowance,
        })
        .collect();
    if !routes.iter().any(|l| l.ready) {
        return Ok(());
    }
    let sending: Vec<&CampaignInfo> =
        campaigns.iter().filter(|c| c.status == CampaignStatus::Running && c.allowed_now(now)).collect();
    let ids: Vec<i64> = sending.iter().map(|c| c.id).collect();
    let reserved: HashSet<i64> = lock(&inner.busy).values().copied().collect();
    let deferred = lock(&inner.not_before).clone();
    let elsewhere = super::lanes::sending_elsewhere(lanes);
    let db = inner.db.conn();
    let mut after = 0;
    for _ in 0..inner.config.pages {
        let page = claims::candidates(db, &ids, now, after, inner.config.batch).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        let page: Vec<claims::Candidate> = page
            .into_iter()
            .filter(|c| !reserved.contains(&c.id) && deferred.get(&c.id).is_none_or(|t| *t <= now))
            .collect();
        let facts = claims::facts(db, &page).await?;
        for c in page {
            let Some(campaign) = sending.iter().find(|x| x.id == c.campaign_id) else { continue };
            let person = c.kind != TargetKind::Group;
            if person && facts.suppressed.get(&c.id).copied().unwrap_or(false) {
                skip(inner, &c, SkipReason::OptedOut, now).await?;
                continue;
            }
            let on_whatsapp = c.contact_id.and_then(|id| facts.on_whatsapp.get(&id).copied().flatten());
            if c.kind == TargetKind::Phone && on_whatsapp == Some(false) {
                skip(inner, &c, SkipReason::NotOnWhatsApp, now).await?;
                continue;
            }
            let empty = (Vec::new(), false);
            let group = (!person).then(|| c.group_id.and_then(|g| facts.groups.get(&g)).unwrap_or(&empty));
            let group = group.map(|(members, admins_only)| GroupFacts { members, admins_only: *admins_only });
            if let Some(g) = &group {
                if !group_reachable(g, campaign.accounts()) {
                    skip(inner, &c, SkipReason::NoMemberAccount, now).await?;
                    continue;
                }
            }
            let wrote_to = facts.wrote_to.get(&c.id).map(Vec::as_slice).unwrap_or(&[]);
            let sticky = facts.sticky(c.id);
            let target = TargetFacts { group, sticky, wrote_to, campaign_accounts: campaign.accounts(), elsewhere: &elsewhere };
            let Route::Send(account_id) = route(&routes, &target) else { continue };
            if !inner.take(account_id, c.id) {
                continue;
            }
            if let Some(l) = routes.iter_mut().find(|l| l.account_id == account_id) {
                l.ready = false;
            }
            // The first message to a number checks that it is on WhatsApp.
            let needs_check = c.kind == TargetKind::Phone && on_whatsapp != Some(true) && sticky.is_none();
            let sender_is_admin = group.is_some_and(|g| g.members.iter().any(|&(a, admin)| a == account_id && admin));
            let job = super::send::Job { candidate: c, account_id, needs_check, sender_is_admin, campaign: (*campaign).clone() };
            let task_inner = inner.clone();
            inner.spawn(async move { super::send::run(task_inner, job).await });
            if !routes.iter().any(|l| l.ready) {
                return Ok(());
            }
        }
    }
    Ok(())
}

async fn skip(inner: &Inner, c: &claims::Candidate, reason: SkipReason, now: DateTime<Utc>) -> Result<(), DispatchError> {
    if claims::skip(inner.db.conn(), c.id, &reason, now).await? {
        results::event(inner.db.conn(), c.id, "skipped", None, Some(reason.describe()), now).await?;
        inner.progress.mark(c.campaign_id);
    }
    Ok(())
}
