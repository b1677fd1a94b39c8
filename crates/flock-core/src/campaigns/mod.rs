//! What a campaign is: its text, its schedule, its lifecycle. This part is
//! pure (no database, no browser); the engine that stores campaigns and
//! materialises their outbox builds on it.
//!
//! The pieces and how the engine uses them:
//! - [`template`]: [`Template::compile`] at composition (and again when a
//!   campaign is started) checks the text: spintax ([`spintax`]) and
//!   minijinja variables, every error with its line and column; an unknown
//!   variable names the nearest known one ([`vars::known_variables`]: the
//!   standard contact fields plus the campaign's CSV columns).
//!   [`Template::render`] gives one target's text from its [`TargetVars`]
//!   and its seed [`seed::target_seed`]`(campaign_id, target_key)`: the same
//!   target always gets the same text, so a retry sends what the first try
//!   would have. The engine renders when it claims a message (or at
//!   materialisation, storing the text); a [`RenderError::MissingValue`]
//!   makes the target skipped with that reason.
//! - [`identical`]: the preview streams every target's rendered text through
//!   [`IdenticalTexts`] and shows how many would get the very same text; the
//!   composer warns above [`identical::DEFAULT_WARN_ABOVE`].
//!   [`Template::shape`] tells without rendering whether there is any
//!   variable or spintax at all.
//! - [`schedule`]: [`Schedule::next_allowed`] (start time, quiet hours, days
//!   of the week in a named time zone) bounds every send time the
//!   dispatcher's pacing proposes ([`crate::dispatch::pace`]), and the
//!   forecast ([`crate::dispatch::forecast`]).
//! - [`lifecycle`]: [`lifecycle::step`] is the only way a campaign's status
//!   changes; the engine stores each [`lifecycle::Transition`] with its
//!   reason. When no account can send, the engine builds the reason with
//!   [`lifecycle::no_sender_reason`] and steps `NoSender`; when one can
//!   again, `SendersBack` resumes only a campaign that paused by itself.

pub mod identical;
mod jinja;
pub mod lifecycle;
pub mod schedule;
pub mod seed;
pub mod spintax;
pub mod template;
pub mod vars;

pub use identical::{identical_text_report, IdenticalTextReport, IdenticalTexts};
pub use lifecycle::{
    CampaignEvent, CampaignState, CampaignStatus, LifecycleError, PauseCause, Transition,
};
pub use schedule::{Day, QuietHours, Schedule, ScheduleError};
pub use spintax::{Position, Spintax, SpintaxError};
pub use template::{RenderError, Template, TemplateError, TemplateProblem, TemplateShape};
pub use vars::{TargetVars, STANDARD_VARIABLES};
