//! What a campaign is: its text, its schedule, its lifecycle, its audience,
//! and its outbox. The rules are pure (no database, no browser); [`store`]
//! keeps campaigns in the database and materialises their outbox,
//! [`media`] stores their files, [`eta`] forecasts them.
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
//!   [`transition`] applies an event to a stored campaign (status and
//!   history in one transaction, compare-and-set on the old status): the
//!   user's commands and the dispatcher both call it.
//! - [`store`]: [`store::create`] (a checked draft), [`store::start`]
//!   (the outbox materialised: one row per target, pending with its text or
//!   skipped with the reason), [`store::preview`], [`store::show`],
//!   [`store::list`], [`store::report_csv`].

pub mod error;
pub mod eta;
pub mod identical;
mod jinja;
pub mod lifecycle;
pub mod media;
pub mod model;
pub mod schedule;
pub mod seed;
pub mod spintax;
pub mod store;
pub mod template;
pub mod vars;

pub use error::CampaignError;
pub use eta::Eta;
pub use identical::{identical_text_report, IdenticalTextReport, IdenticalTexts};
pub use lifecycle::{
    CampaignEvent, CampaignState, CampaignStatus, LifecycleError, PauseCause, Transition,
};
pub use model::{Audience, AudienceCount, CampaignCounts, CampaignOptions, ContentKind, CsvInput, NewCampaign};
pub use schedule::{Day, QuietHours, Schedule, ScheduleError};
pub use spintax::{Position, Spintax, SpintaxError};
pub use template::{RenderError, Template, TemplateError, TemplateProblem, TemplateShape};
pub use store::transition;
pub use vars::{TargetVars, STANDARD_VARIABLES};
