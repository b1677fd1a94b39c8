//! Who sends what when: the pure rules of the dispatcher (no database, no
//! browser). The dispatcher loop (claims, sessions, reconcile) calls these;
//! every one is a function of its inputs and the clock it is given, so it is
//! unit-tested with a fake clock and behaves the same after a restart.
//!
//! The pieces and how the engine uses them:
//! - [`limits`]: [`Limits`] per account (stored with the account, edited by
//!   `flockctl accounts limits`), defaults from 2026 anti-ban practice with
//!   the sources in its docs; [`Limits::ramp_schedule`] is what the Accounts
//!   page shows of the ramp-up.
//! - [`pace`]: [`next_send_at`]`(limits, linked_at, history, now, seed)` says
//!   when an account may send next, or what blocks it (daily cap, ramp-up,
//!   pause, …). `history` is the account's `sent`/`sending` times of the last
//!   24 hours from the outbox, across all campaigns, so one allowance is
//!   shared by every campaign and survives restarts; pass the account id as
//!   `seed`. The engine then bounds the time by the campaign's
//!   [`crate::campaigns::Schedule::next_allowed`]. [`allowance`] gives what is
//!   left this minute / hour / day, and [`most_allowance`] picks the account a
//!   claimed message goes to (after the sticky-sender rule: a contact who
//!   already talks to one of our accounts gets that account).
//! - [`outbox`]: [`outbox::step`] is the only way an outbox row's status
//!   changes: claim → `sending` (store account and message id in the same
//!   write, before the send), then the send result or the reconcile result.
//!   Its [`outbox::MessageStep`] says what to write (status, attempts,
//!   `next_attempt_at`, reason, sent time) and whether the account must be
//!   restricted (error 463). Acks only move a row up.
//! - [`retry`]: [`SendOutcome`] classes (transient, permanent, uncertain) and
//!   the [`RetryPolicy`] (exponential backoff with jitter, max attempts).
//! - [`forecast`]: [`forecast::forecast`] simulates the pacing of the chosen
//!   accounts under the schedule to say when a campaign will be done;
//!   [`forecast::describe`] makes the sentence ("about 14:20 Thursday with 3
//!   accounts at today's limits") for the composer and progress events.

pub mod forecast;
pub mod limits;
pub mod outbox;
pub mod pace;
pub mod retry;

pub use forecast::{AccountPlan, Forecast};
pub use limits::{Limits, LimitsError, RampUp, SecondsRange};
pub use outbox::{Ack, MessageEvent, MessageStatus, MessageStep, SkipReason};
pub use pace::{allowance, most_allowance, next_send_at, Allowance, BlockReason, Decision};
pub use retry::{RetryPolicy, SendOutcome};
