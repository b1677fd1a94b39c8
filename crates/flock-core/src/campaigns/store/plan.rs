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
    let threads = if targets.len() < PARALLEL_ABOVE { 1 } else { threads };
    let mut plan = Plan::default();
    for (row, problem) in map_in_chunks(targets, threads, |t| render_one(template, campaign_id, t)) {
        plan.rows.push(row);
        plan.problems.extend(problem);
    }
    plan
}

/// `f` over `items` on up to `threads` threads, in order. A panic in one
/// thread panics the caller, as it would on one thread: its chunk must
/// never come back empty (a campaign would quietly lose those targets).
fn map_in_chunks<T: Send, R: Send>(items: Vec<T>, threads: usize, f: impl Fn(T) -> R + Sync) -> Vec<R> {
    if threads < 2 {
        return items.into_iter().map(f).collect();
    }
    let chunk = items.len().div_ceil(threads).max(1);
    let mut chunks: Vec<Vec<T>> = Vec::with_capacity(threads);
    let mut rest = items.into_iter().peekable();
    while rest.peek().is_some() {
        chunks.push(rest.by_ref().take(chunk).collect());
    }
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> =
            chunks.into_iter().map(|part| scope.spawn(move || part.into_iter().map(f).collect::<Vec<R>>())).collect();
        let joined = handles.into_iter().map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)));
        joined.flatten().collect()
    })
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

#[cfg(test)]
mod tests {
    use super::map_in_chunks;

    #[test]
    fn chunks_on_several_threads_come_back_whole_and_in_order() {
        let out = map_in_chunks((0..10_001).collect(), 3, |i: u32| i * 2);
        assert_eq!(out, (0..10_001).map(|i| i * 2).collect::<Vec<u32>>());
        assert_eq!(map_in_chunks(Vec::<u32>::new(), 4, |i| i), Vec::<u32>::new());
    }

    /// Before, the chunk of a thread that panicked came back empty: the plan
    /// lost its targets and the start went on without them.
    #[test]
    #[should_panic(expected = "render failed on 7")]
    fn a_panic_in_one_thread_panics_the_caller() {
        map_in_chunks((0..12).collect(), 3, |i: u32| {
            if i == 7 {
                panic!("render failed on {i}");
            }
            i
        });
    }
}
