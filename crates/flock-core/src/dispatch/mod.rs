//! Who sends what when. The pure rules (no database, no browser) and the
//! engine that applies them to the outbox through the accounts' sessions.
//!
//! The pure pieces, each a function of its inputs and the clock it is given
//! (unit-tested with a fake clock, the same after a restart):
//! - [`limits`]: [`Limits`] per account (stored with the account, edited by
//!   `flockctl accounts limits`), defaults from 2026 anti-ban practice with
//!   the sources in its docs; [`Limits::ramp_schedule`] is what the Accounts
//!   page shows of the ramp-up.
//! - [`pace`]: [`next_send_at`]`(limits, linked_at, history, now, seed)` says
//!   when an account may send next, or what blocks it (daily cap, ramp-up,
//!   pause, …). `history` is the account's `sent`/`sending` times from the
//!   outbox, across all campaigns, so one allowance is shared by every
//!   campaign and survives restarts. [`allowance`] gives what is left this
//!   minute / hour / day.
//! - [`route`]: which account a claimed message goes to (campaign's
//!   accounts, group membership and admins-only, the reachout timelock,
//!   the sticky sender, else [`most_allowance`]).
//! - [`outbox`]: [`outbox::step`] is the only way an outbox row's status
//!   changes: claim → `sending`, then the send result, the reconcile result
//!   or an ack (only up).
//! - [`retry`]: [`SendOutcome`] classes and the [`RetryPolicy`].
//! - [`outcome`]: flock-wa's send results and acks in the outbox's terms.
//! - [`forecast`]: the ETA of a campaign and its sentence.
//!
//! The engine ([`engine::Engine`], run by [`service::Dispatcher`]):
//! - [`gateway::Gateway`]: the sessions as the engine sees them (send,
//!   lookup, exists, events, restrict), implemented over the account
//!   manager by [`adapter::AccountGateway`] and by a fake in tests;
//! - [`store`]: the claim (one conditional UPDATE, `FOR UPDATE SKIP LOCKED`
//!   on PostgreSQL), results, history, account limits and timelocks;
//! - [`assign`] (claim round), [`send`] (one message), [`reconcile`]
//!   (`sending` rows after a crash), [`acks`], [`flow`] (campaign
//!   completion, auto-pause and resume), [`progress`] and [`eta`];
//! - [`idle`]: what "no work it could do now" means for `run --until-idle`.

pub mod acks;
pub mod adapter;
mod assign;
pub mod backlog;
pub mod clock;
pub mod content;
pub mod engine;
mod error;
mod eta;
pub mod flow;
pub mod forecast;
pub mod gateway;
mod live;
mod hooks;
pub mod idle;
pub mod lanes;
pub mod limits;
pub mod outbox;
pub mod outcome;
pub mod pace;
pub mod progress;
mod reconcile;
pub mod retry;
pub mod route;
pub mod running;
mod send;
pub mod service;
pub mod store;

pub use engine::{Engine, EngineConfig};
pub use error::DispatchError;
pub use forecast::{AccountPlan, Forecast};
pub use gateway::{Elsewhere, Gateway, GatewayError, GatewayEvent, SessionState};
pub use idle::IdleReport;
pub use limits::{Limits, LimitsError, RampUp, SecondsRange};
pub use outbox::{Ack, MessageEvent, MessageStatus, MessageStep, SkipReason};
pub use pace::{allowance, most_allowance, next_send_at, Allowance, BlockReason, Decision};
pub use progress::CampaignProgress;
pub use retry::{RetryPolicy, SendOutcome};
pub use service::{Dispatcher, DispatcherHealth, DispatcherOptions};
