//! A campaign's targets with their texts: what a start writes to the outbox
//! and what a preview shows. Each text is rendered with the target's seed
//! ([`crate::campaigns::seed::target_seed`]), so the preview, the stored
//! row and any retry are the very same words.

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;

use super::super::identical::{IdenticalTextReport, IdenticalTexts};
use super::super::model::AudienceCount;
use super::super::seed::target_seed;
use super::super::template::{RenderError, Template};
use super::targets::{resolve, Target};
use super::Loaded;
use crate::campaigns::CampaignError;
use crate::dispatch::SkipReason;
use crate::repo::outbox::TargetKind;

/// What happens to one target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Send(String),
    Skip(SkipReason),
}

#[derive(Debug, Clone)]
pub struct Planned {
    pub target: Target,
    pub outcome: Outcome,
}

/// A target whose text cannot be made for a reason other than a missing
/// value (empty, too long, a template error): the start refuses.
#[derive(Debug, Clone)]
pub struct Problem {
    pub target: String,
    pub error: RenderError,
}

#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub rows: Vec<Planned>,
    pub problems: Vec<Problem>,
}

/// Targets rendered in parallel above this many (the work is pure).
const PARALLEL_ABOVE: usize = 4_000;

pub(super) fn render_one(template: &Template, campaign_id: i64, target: Target) -> (Planned, Option<Problem>) {
    if let Some(reason) = target.skip.clone() {
        return (Planned { target, outcome: Outcome::Skip(reason) }, None);
    }
    match template.render(&target.vars, target_seed(campaign_id, &target.key)) {
        Ok(text) => (Planned { target, outcome: Outcome::Send(text) }, None),
        Err(RenderError::MissingValue { variable, .. }) => {
            (Planned { target, outcome: Outcome::Skip(SkipReason::MissingValue { variable }) }, None)
        }
        Err(error) => {
            let problem = Problem { target: target.key.clone(), error: error.clone() };
            let outcome = Outcome::Skip(SkipReason::MissingValue { variable: "the text".into() });
            (Planned { target, outcome }, Some(problem))
        }
    }
}

/// Renders every target; on several cores for a big audience.
pub fn render_all(template: &Template, campaign_id: i64, targets: Vec<Target>) -> Plan {
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).min(8);
    let parts: Vec<Vec<(Planned, Option<Problem>)>> = if threads < 2 || targets.len() < PARALLEL_ABOVE {
        vec![targets.into_iter().map(|t| render_one(template, campaign_id, t)).collect()]
    } else {
        let chunk = targets.len().div_ceil(threads);
        let mut chunks: Vec<Vec<Target>> = Vec::with_capacity(threads);
        let mut rest = targets.into_iter().peekable();
        while rest.peek().is_some() {
            chunks.push(rest.by_ref().take(chunk).collect());
        }
        std::thread::scope(|scope| {
            let handles: Vec<_> = chunks
                .into_iter()
                .map(|part| {
                    scope.spawn(move || part.into_iter().map(|t| render_one(template, campaign_id, t)).collect())
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap_or_default()).collect()
        })
    };
    let mut plan = Plan::default();
    for (row, problem) in parts.into_iter().flatten() {
        plan.rows.push(row);
        plan.problems.extend(problem);
    }
    plan
}

/// Resolves and renders a loaded campaign's audience at `now`.
pub async fn plan(db: &impl ConnectionTrait, c: &Loaded, now: DateTime<Utc>) -> Result<Plan, CampaignError> {
    let template = c.template()?;
    let used = template.shape().variables;
    let targets = resolve(db, c.row.id, &c.audience, &c.options, &used, now).await?;
    Ok(render_all(&template, c.row.id, targets))
}

impl Plan {
    /// Targets / to send / skipped by reason and the basis of the people to send to.
    pub fn count(&self) -> AudienceCount {
        let mut n = AudienceCount::default();
        for r in &self.rows {
            tally(&mut n, r);
        }
        n
    }

    /// How many targets would get the very same text.
    pub fn identical(&self) -> IdenticalTextReport {
        let mut c = IdenticalTexts::default();
        for r in &self.rows {
            if let Outcome::Send(text) = &r.outcome {
                c.add(text);
            }
        }
        c.report()
    }
}

/// Adds one planned row to an audience count.
pub(super) fn tally(n: &mut AudienceCount, r: &Planned) {
    n.targets += 1;
    if r.target.kind == TargetKind::Group {
        n.groups += 1;
    } else {
        n.people += 1;
    }
    match &r.outcome {
        Outcome::Skip(reason) => {
            n.skipped += 1;
            *n.skipped_by_reason.entry(reason.code().to_string()).or_default() += 1;
        }
        Outcome::Send(_) => {
            n.to_send += 1;
            if let Some(b) = r.target.basis {
                n.consented += u64::from(b.consented);
                n.wrote_first += u64::from(b.wrote_first);
                let permitted = b.consented || b.wrote_first;
                n.permitted += u64::from(permitted);
                n.group_only += u64::from(b.group_only);
                n.other += u64::from(!permitted && !b.group_only);
            }
        }
    }
}
