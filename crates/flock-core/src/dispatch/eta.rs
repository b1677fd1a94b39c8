//! A campaign's progress: counts from the outbox, and while something is
//! left, the ETA forecast over its accounts as the last tick saw them
//! ([`super::forecast`]).

use super::engine::{lock, Inner};
use super::forecast::{describe, forecast, AccountPlan};
use super::progress::CampaignProgress;
use super::route::Mode;
use super::running;
use super::DispatchError;

pub(crate) async fn progress_of(inner: &Inner, campaign_id: i64) -> Result<CampaignProgress, DispatchError> {
    let counts = running::counts(inner.db.conn(), campaign_id).await?;
    let left = counts.pending + counts.sending;
    let mut progress = CampaignProgress { campaign_id, counts, eta: None, finishes_at: None };
    let Some(campaign) = inner.campaign(campaign_id) else { return Ok(progress) };
    if left == 0 {
        return Ok(progress);
    }
    let plans: Vec<AccountPlan> = lock(&inner.lanes)
        .iter()
        .filter(|l| l.mode != Mode::Off && campaign.accounts().is_none_or(|set| set.contains(&l.account_id)))
        .map(|l| AccountPlan {
            account_id: l.account_id,
            limits: l.limits,
            linked_at: l.linked_at,
            history: l.history.clone(),
            restricted_until: l.locked_until,
        })
        .collect();
    let now = inner.clock.now();
    let f = forecast(left, &plans, &campaign.schedule, now);
    progress.eta = Some(describe(&f, now, campaign.schedule.time_zone));
    progress.finishes_at = f.finishes_at;
    Ok(progress)
}
