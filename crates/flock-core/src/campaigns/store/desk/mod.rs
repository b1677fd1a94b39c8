//! What the desktop app's Campaigns screens need beyond `create` / `start` /
//! `show`: a composer that saves a draft at every step ([`draft`]), the
//! attached file as the composer shows it ([`media_info`]), the accounts
//! with today's allowance and ramp-up ([`senders`]), the review with its
//! warnings ([`review`]), the list with accounts and ETA ([`overview`]), the
//! live report's tables ([`breakdown`]) and "retry failed" ([`retry`]).
//!
//! Everything here goes through the same rules as the rest of `store`: the
//! status changes through [`super::transition`], the outbox is written by
//! [`super::start`], and a draft is checked again in full before it starts.

pub mod breakdown;
pub mod draft;
pub mod media_info;
pub mod overview;
pub mod retry;
pub mod review;
pub mod senders;

pub use breakdown::{report, AccountLine, CampaignReport, FailureGroup, SkipGroup, Timeline};
pub use draft::{
    check_template, create_draft, open_draft, save_draft, start_draft, CsvChoice, DraftAudience,
    DraftMessage, DraftUpdate, DraftView, MediaChoice, ScheduleInput, TemplateCheck,
};
pub use media_info::{asset_info, inspect, MediaInfo};
pub use overview::{overview, AccountRef, CampaignRow};
pub use retry::{retry_failed, RetryReport};
pub use review::{browser_kind, review, warnings, BrowserInUse, Review, Warning, WarningCode};
pub use senders::{senders, RampStage, SenderView};

use crate::campaigns::CampaignError;
use crate::dispatch::DispatchError;

/// A dispatcher query's error in the campaign's terms (the database errors
/// keep their kind; the rest are the dispatcher's own, named).
pub(crate) fn from_dispatch(e: DispatchError) -> CampaignError {
    match e {
        DispatchError::Repo(r) => CampaignError::Repo(r),
        DispatchError::Db(d) => CampaignError::from(d),
        other => CampaignError::Corrupt {
            id: 0,
            what: "dispatch state",
            detail: other.to_string(),
        },
    }
}
