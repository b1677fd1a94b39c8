//! What a campaign would do if started now, without writing anything: the
//! message rendered for sample targets, how many targets would get the very
//! same text, the audience count (targets / to send / skipped by reason /
//! consent / wrote first / group-only) and the forecast.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};

use super::super::eta::{eta, Eta};
use super::super::identical::IdenticalTextReport;
use super::super::model::AudienceCount;
use super::super::template::TemplateShape;
use super::load;
use super::plan::{plan, Outcome, Planned};
use crate::campaigns::CampaignError;
use crate::error::ErrorReport;
use crate::repo::outbox::TargetKind;

#[derive(Debug, Clone, Default, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase", default)]
pub struct PreviewOptions {
    /// Targets to show, by key (E.164 phone, `…@lid`, `…@g.us`); empty: the
    /// first `count` that would be sent to.
    pub targets: Vec<String>,
    /// How many samples without `targets` (0 means 3).
    pub count: usize,
}

/// One target as the preview shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Sample {
    pub target: String,
    pub kind: TargetKind,
    pub name: Option<String>,
    /// The text it would get (`None` when skipped).
    pub text: Option<String>,
    /// The skip code (`opted_out`, …) and its sentence, when skipped.
    pub skip_code: Option<String>,
    pub skip_reason: Option<String>,
}

/// A target whose text cannot be made (the start would refuse).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct PreviewProblem {
    pub target: String,
    pub error: ErrorReport,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Preview {
    pub id: i64,
    pub shape: TemplateShape,
    pub samples: Vec<Sample>,
    /// Sample keys asked for that are not targets of this campaign.
    pub not_targets: Vec<String>,
    pub identical: IdenticalTextReport,
    pub audience: AudienceCount,
    pub eta: Eta,
    pub problems: Vec<PreviewProblem>,
}

fn sample(p: &Planned) -> Sample {
    let (text, skip_code, skip_reason) = match &p.outcome {
        Outcome::Send(t) => (Some(t.clone()), None, None),
        Outcome::Skip(r) => (None, Some(r.code().to_string()), Some(r.describe())),
    };
    Sample {
        target: p.target.key.clone(),
        kind: p.target.kind,
        name: p.target.name.clone(),
        text,
        skip_code,
        skip_reason,
    }
}

/// The preview of campaign `id` at `now` (forecast in `zone` when it has
/// no schedule of its own).
pub async fn preview(
    db: &impl ConnectionTrait,
    id: i64,
    options: &PreviewOptions,
    now: DateTime<Utc>,
    zone: Tz,
) -> Result<Preview, CampaignError> {
    let c = load(db, id).await?;
    let shape = c.template()?.shape();
    let plan = plan(db, &c, now).await?;
    let (samples, not_targets) = if options.targets.is_empty() {
        let n = if options.count == 0 { 3 } else { options.count };
        let sends = plan.rows.iter().filter(|r| matches!(r.outcome, Outcome::Send(_))).take(n).map(sample);
        (sends.collect(), Vec::new())
    } else {
        let mut found = Vec::new();
        let mut missing = Vec::new();
        for key in &options.targets {
            match plan.rows.iter().find(|r| &r.target.key == key) {
                Some(r) => found.push(sample(r)),
                None => missing.push(key.clone()),
            }
        }
        (found, missing)
    };
    let audience = plan.count();
    let eta = eta(db, &c, audience.to_send, now, zone).await?;
    let problems = plan
        .problems
        .iter()
        .map(|p| PreviewProblem { target: p.target.clone(), error: ErrorReport::from(&p.error) })
        .collect();
    Ok(Preview { id, shape, samples, not_targets, identical: plan.identical(), audience, eta, problems })
}
