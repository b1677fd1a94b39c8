//! The composer's last step: the preview (the message for sample targets,
//! the audience count, the forecast) and the warnings a person should read
//! before starting. [`warnings`] is pure: the preview, the campaign's
//! accounts as [`super::senders`] gives them, what it sends and the browser
//! the sessions run in.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use super::super::preview::{preview, Preview, PreviewOptions};
use super::senders::{senders, SenderView};
use crate::accounts::AccountSettings;
use crate::campaigns::model::ContentKind;
use crate::campaigns::CampaignError;
use crate::paths::DataPaths;

/// The browser the accounts' sessions run in, as far as it matters here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum BrowserInUse {
    /// Chromium or its headless shell: no H.264/AAC, so WhatsApp's video upload may fail.
    Chromium,
    /// Google Chrome or Edge (proprietary codecs), or a path the user chose.
    Chrome,
    /// None found on this workstation.
    Missing,
}

/// The browser a session started now would use (the same search as the driver's).
pub fn browser_kind(paths: &DataPaths) -> BrowserInUse {
    use flock_wa::BrowserKind as K;
    let s = AccountSettings::load(paths);
    match flock_wa::find_browser(s.browser_path.as_deref(), s.browser_preference, false) {
        Ok(b) => match b.kind {
            K::Chromium | K::HeadlessShell => BrowserInUse::Chromium,
            K::Chrome | K::Edge | K::Custom => BrowserInUse::Chrome,
        },
        Err(_) => BrowserInUse::Missing,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum WarningCode {
    /// No chosen account can send now.
    NoSender,
    /// Some targets' text cannot be made: the start would refuse.
    TextProblems,
    /// Accounts still in their ramp-up send little today.
    RampUp,
    /// Far more to send than today's allowance.
    AboveAllowance,
    /// Many targets would get the very same text.
    IdenticalText,
    /// Most people to send to are known only from groups.
    GroupOnly,
    /// A video, and the sessions run in Chromium.
    VideoOnChromium,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Warning {
    pub code: WarningCode,
    pub message: String,
    /// What to do about it.
    pub fix: Option<String>,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Review {
    pub preview: Preview,
    pub kind: ContentKind,
    /// The accounts that may send it (the chosen ones, else every account).
    pub senders: Vec<SenderView>,
    /// What those accounts may still send today (`None`: no daily cap).
    pub allowance_today: Option<u64>,
    pub browser: BrowserInUse,
    pub warnings: Vec<Warning>,
}

/// A share above this of the people to send to, known only from groups, is warned about.
const GROUP_ONLY_SHARE: f64 = 0.5;
/// Warned when more than this many times today's allowance is to send.
const ABOVE_ALLOWANCE: u64 = 2;

fn n(v: u64) -> String {
    let s = v.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// What today's allowance of `senders` adds up to (`None`: one has no daily cap).
pub fn allowance_today(senders: &[SenderView]) -> Option<u64> {
    senders
        .iter()
        .filter(|s| s.usable)
        .map(|s| s.allowance.day_left.map(u64::from))
        .sum()
}

/// The warnings for starting `preview` now (see the module doc).
pub fn warnings(
    preview: &Preview,
    senders: &[SenderView],
    kind: ContentKind,
    browser: BrowserInUse,
) -> Vec<Warning> {
    let mut out = Vec::new();
    let w = |code, message: String, fix: Option<&str>| Warning {
        code,
        message,
        fix: fix.map(str::to_string),
    };
    let usable: Vec<&SenderView> = senders.iter().filter(|s| s.usable).collect();
    if usable.is_empty() {
        out.push(w(
            WarningCode::NoSender,
            "None of the campaign's accounts can send now: it would wait until one is active."
                .into(),
            Some("Link an account on the Accounts page, or choose active accounts"),
        ));
    }
    if !preview.problems.is_empty() {
        let first = &preview.problems[0];
        out.push(w(
            WarningCode::TextProblems,
            format!(
                "The message cannot be made for {} (first: {}: {}).",
                plural(preview.problems.len() as u64, "target"),
                first.target,
                first.error.message
            ),
            Some("Change the text, then review again"),
        ));
    }
    for s in &usable {
        if let Some(r) = &s.ramp {
            out.push(w(
                WarningCode::RampUp,
                format!(
                    "{} is new: ramp-up day {} of {} allows {} messages today.",
                    s.name,
                    r.day,
                    r.full_on_day,
                    n(r.today_cap.into())
                ),
                Some("Add established accounts, or let the campaign take several days"),
            ));
        }
    }
    let to_send = preview.audience.to_send;
    if let Some(today) = allowance_today(senders).filter(|_| !usable.is_empty()) {
        if to_send > today.saturating_mul(ABOVE_ALLOWANCE) {
            out.push(w(
                WarningCode::AboveAllowance,
                format!(
                    "{} to send, but today's allowance of its accounts is {}: it will take several days.",
                    n(to_send),
                    n(today)
                ),
                Some("Add accounts or narrow the audience; the forecast shows when it ends"),
            ));
        }
    }
    if preview.identical.warn {
        let message = preview.identical.message.clone().unwrap_or_else(|| {
            format!(
                "{} targets would get the very same text.",
                n(preview.identical.largest_group)
            )
        });
        out.push(w(
            WarningCode::IdenticalText,
            message,
            Some("Add spintax ({Hi|Hello}) or a variable such as {{ first_name }}"),
        ));
    }
    let people = preview.audience.permitted + preview.audience.group_only + preview.audience.other;
    if people > 0 && preview.audience.group_only as f64 > GROUP_ONLY_SHARE * people as f64 {
        out.push(w(
            WarningCode::GroupOnly,
            format!(
                "{} of the {} people to send to ({}%) are known only from groups: they never gave consent nor wrote to you, the highest risk of reports and bans.",
                n(preview.audience.group_only),
                n(people),
                (preview.audience.group_only * 100) / people
            ),
            Some("Send to the groups themselves, or only to people who consented or wrote first (option)"),
        ));
    }
    if kind == ContentKind::Video && browser == BrowserInUse::Chromium {
        out.push(w(
            WarningCode::VideoOnChromium,
            "A video, and the accounts run in Chromium, which lacks the H.264/AAC codecs WhatsApp Web needs for video: the upload may fail.".into(),
            Some("Install Google Chrome and set its path as browser_path in settings.json, or send the video as a document"),
        ));
    }
    out
}

fn plural(v: u64, one: &str) -> String {
    if v == 1 {
        format!("1 {one}")
    } else {
        format!("{} {one}s", n(v))
    }
}

/// The review of campaign `id` at `now`.
pub async fn review(
    db: &impl sea_orm::ConnectionTrait,
    id: i64,
    now: DateTime<Utc>,
    zone: Tz,
    browser: BrowserInUse,
) -> Result<Review, CampaignError> {
    let c = super::super::load(db, id).await?;
    let preview = preview(
        db,
        id,
        &PreviewOptions {
            targets: Vec::new(),
            count: 3,
        },
        now,
        zone,
    )
    .await?;
    let all = senders(db, now).await?;
    let chosen: Vec<SenderView> = all
        .into_iter()
        .filter(|s| c.accounts.is_empty() || c.accounts.contains(&s.account_id))
        .collect();
    let kind = ContentKind::parse(&c.row.kind).unwrap_or(ContentKind::Text);
    Ok(Review {
        warnings: warnings(&preview, &chosen, kind, browser),
        allowance_today: allowance_today(&chosen),
        preview,
        kind,
        senders: chosen,
        browser,
    })
}

#[cfg(test)]
#[path = "review_tests.rs"]
mod tests;
