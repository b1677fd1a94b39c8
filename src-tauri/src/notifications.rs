//! Desktop notifications (tauri-plugin-notification), decided here in the
//! shell from the core's events, so they appear while the window is hidden
//! or on another page: an account restricted or logged out, a campaign
//! finished or paused. `notifications_enabled: false` in settings.json (the
//! switch on the Settings page) turns them off; it is read fresh each time.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use flock_core::accounts::{AccountEvent, AccountState};
use flock_core::campaigns::lifecycle::CampaignStatus;
use flock_core::settings::{SettingKey, SettingsStore};
use flock_core::ErrorReport;
use tauri::{AppHandle, Manager, Runtime, State};
use tauri_plugin_notification::NotificationExt;

use crate::state::AppState;

/// What a notification says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub title: String,
    pub body: String,
}

/// Remembers each account's last state, to notify on the change into
/// `restricted` or `logged_out` only (not on every event, not for a state
/// the account already had when this process first saw it, not for a
/// logout the user asked for in Flock).
#[derive(Debug, Default)]
pub struct AccountNotices {
    last: HashMap<i64, AccountState>,
    user_logouts: HashSet<i64>,
}

impl AccountNotices {
    /// The user clicked Log out: the `logged_out` that follows is no news.
    pub fn expect_user_logout(&mut self, id: i64) {
        self.user_logouts.insert(id);
    }

    /// The notice an account event calls for, if any.
    pub fn on_event(&mut self, event: &AccountEvent) -> Option<Notice> {
        let account = match event {
            AccountEvent::Changed { account } => account,
            AccountEvent::Removed { id } => {
                self.last.remove(id);
                self.user_logouts.remove(id);
                return None;
            }
            AccountEvent::Qr { .. } | AccountEvent::PairingCode { .. } => return None,
        };
        let before = self.last.insert(account.id, account.state);
        let user_logout = account.state == AccountState::LoggedOut && self.user_logouts.remove(&account.id);
        if account.state != AccountState::LoggedOut && before != Some(account.state) {
            self.user_logouts.remove(&account.id);
        }
        let before = before?;
        if before == account.state || user_logout {
            return None;
        }
        let name = &account.name;
        let why = account.reason.as_deref().map(|r| format!("{r}. ")).unwrap_or_default();
        let fix = account.fix.as_deref().unwrap_or_default();
        match account.state {
            AccountState::Restricted => Some(Notice {
                title: format!("Account \"{name}\" is restricted"),
                body: format!("{why}Its sending is paused. {fix}").trim().to_string(),
            }),
            AccountState::LoggedOut => Some(Notice {
                title: format!("Account \"{name}\" was logged out"),
                body: format!("{why}{fix}").trim().to_string(),
            }),
            _ => None,
        }
    }
}

/// The notice a campaign's status change calls for: it finished, or it
/// paused (by itself, with the reason, or by a user elsewhere).
pub fn campaign_notice(name: &str, from: CampaignStatus, to: CampaignStatus, reason: Option<&str>) -> Option<Notice> {
    if from == to {
        return None;
    }
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    match to {
        CampaignStatus::Completed => Some(Notice {
            title: format!("Campaign \"{name}\" finished"),
            body: reason.unwrap_or("Every message was sent or accounted for. The report has the details.").to_string(),
        }),
        CampaignStatus::Paused => Some(Notice {
            title: format!("Campaign \"{name}\" paused"),
            body: reason.unwrap_or("Open the campaign to see why and resume it.").to_string(),
        }),
        _ => None,
    }
}

/// The shell's notifier: the account memory and the way out to the desktop.
#[derive(Default)]
pub struct Notifier {
    accounts: Mutex<AccountNotices>,
}

impl Notifier {
    fn accounts(&self) -> std::sync::MutexGuard<'_, AccountNotices> {
        self.accounts.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Called by the account event forwarder for every event.
pub fn account_event<R: Runtime>(app: &AppHandle<R>, event: &AccountEvent) {
    let Some(notifier) = app.try_state::<Notifier>() else { return };
    let notice = notifier.accounts().on_event(event);
    if let Some(notice) = notice {
        show(app, &notice);
    }
}

/// The hook for the campaign event forwarder: call it when a campaign's
/// status changes (the dispatcher's status events).
// Not called yet: the dispatcher publishes progress but no status changes so far.
#[allow(dead_code)]
pub fn campaign_moved<R: Runtime>(app: &AppHandle<R>, name: &str, from: CampaignStatus, to: CampaignStatus, reason: Option<&str>) {
    if let Some(notice) = campaign_notice(name, from, to, reason) {
        show(app, &notice);
    }
}

/// Shows `notice` unless notifications are turned off.
fn show<R: Runtime>(app: &AppHandle<R>, notice: &Notice) {
    let Some(state) = app.try_state::<AppState>() else { return };
    if !SettingsStore::for_paths(&state.paths).load_logged().notifications_on() {
        tracing::debug!(title = %notice.title, "desktop notifications are off");
        return;
    }
    // Logged so that "why did I get this?" has an answer in the Logs page.
    tracing::info!(title = %notice.title, "desktop notification");
    if let Err(e) = app.notification().builder().title(&notice.title).body(&notice.body).show() {
        tracing::warn!(error = %e, "cannot show a desktop notification");
    }
}

/// The user is logging `id` out: no notification for it.
pub fn expect_user_logout(notifier: &Notifier, id: i64) {
    notifier.accounts().expect_user_logout(id);
}

/// Whether desktop notifications are on (settings.json `notifications_enabled`).
#[tauri::command]
#[specta::specta]
pub async fn notifications_enabled(state: State<'_, AppState>) -> Result<bool, ErrorReport> {
    let loaded = SettingsStore::for_paths(&state.paths).load()?;
    Ok(loaded.settings.notifications_on())
}

#[tauri::command]
#[specta::specta]
pub async fn set_notifications_enabled(state: State<'_, AppState>, enabled: bool) -> Result<bool, ErrorReport> {
    SettingsStore::for_paths(&state.paths).set(SettingKey::NotificationsEnabled, Some(serde_json::Value::Bool(enabled)))?;
    Ok(enabled)
}

#[cfg(test)]
mod tests {
    use super::*;
    use flock_core::accounts::AccountView;

    fn view(id: i64, state: AccountState, reason: Option<&str>) -> AccountView {
        AccountView {
            id,
            uuid: format!("uuid-{id}"),
            name: format!("Sales {id}"),
            state,
            reason: reason.map(String::from),
            fix: Some("Click Link to link it again".into()),
            deadline: None,
            phone: None,
            wa_id: None,
            profile_name: None,
            show_browser: false,
            linked_at: None,
            last_seen_at: None,
            running: false,
            qr: None,
            pairing_code: None,
            wa_version: None,
            memory_kib: None,
            database_error: None,
            capabilities: None,
            desk: None,
        }
    }

    fn changed(id: i64, state: AccountState) -> AccountEvent {
        AccountEvent::Changed { account: view(id, state, Some("The device was logged out from the phone")) }
    }

    fn titles(notices: &mut AccountNotices, events: &[AccountEvent]) -> Vec<String> {
        events.iter().filter_map(|e| notices.on_event(e)).map(|n| n.title).collect()
    }

    #[test]
    fn an_account_that_becomes_restricted_or_logged_out_notifies_once() {
        use AccountState::*;
        let mut n = AccountNotices::default();
        let got = titles(
            &mut n,
            &[changed(1, Reconnecting), changed(1, Active), changed(1, Restricted), changed(1, Restricted), changed(1, LoggedOut), changed(1, LoggedOut)],
        );
        assert_eq!(got, ["Account \"Sales 1\" is restricted", "Account \"Sales 1\" was logged out"]);
    }

    #[test]
    fn the_notice_says_why_and_what_to_do() {
        let mut n = AccountNotices::default();
        n.on_event(&changed(1, AccountState::Active));
        let notice = n.on_event(&changed(1, AccountState::LoggedOut)).unwrap();
        assert_eq!(notice.body, "The device was logged out from the phone. Click Link to link it again");
    }

    #[test]
    fn other_transitions_and_events_are_quiet() {
        use AccountState::*;
        let mut n = AccountNotices::default();
        let events = [
            // The first state seen is not news: it may be the stored one from before this start.
            changed(1, LoggedOut),
            changed(2, Restricted),
            changed(3, New),
            changed(3, WaitingForScan),
            AccountEvent::Qr { id: 3, payload: "2@x".into(), svg: String::new() },
            changed(3, Syncing),
            changed(3, Active),
            changed(3, Reconnecting),
            changed(3, Failed),
            changed(3, LinkExpired),
            AccountEvent::Removed { id: 3 },
        ];
        assert!(titles(&mut n, &events).is_empty());
    }

    #[test]
    fn a_logout_the_user_asked_for_is_quiet_and_the_next_one_is_not() {
        use AccountState::*;
        let mut n = AccountNotices::default();
        n.on_event(&changed(1, Active));
        n.expect_user_logout(1);
        assert!(n.on_event(&changed(1, LoggedOut)).is_none());
        assert!(titles(&mut n, &[changed(1, Syncing), changed(1, Active)]).is_empty());
        assert_eq!(titles(&mut n, &[changed(1, LoggedOut)]), ["Account \"Sales 1\" was logged out"]);
    }

    #[test]
    fn a_removed_account_starts_over() {
        use AccountState::*;
        let mut n = AccountNotices::default();
        n.on_event(&changed(1, Active));
        n.on_event(&AccountEvent::Removed { id: 1 });
        assert!(n.on_event(&changed(1, Restricted)).is_none());
    }

    #[test]
    fn a_campaign_that_finishes_or_pauses_notifies() {
        use CampaignStatus::*;
        let done = campaign_notice("Diwali", Running, Completed, None).unwrap();
        assert_eq!(done.title, "Campaign \"Diwali\" finished");
        let paused = campaign_notice("Diwali", Running, Paused, Some("all 3 accounts restricted")).unwrap();
        assert_eq!((paused.title.as_str(), paused.body.as_str()), ("Campaign \"Diwali\" paused", "all 3 accounts restricted"));
        for (from, to) in [(Draft, Scheduled), (Scheduled, Running), (Paused, Running), (Running, Cancelled), (Paused, Paused)] {
            assert!(campaign_notice("Diwali", from, to, None).is_none(), "{from:?} → {to:?}");
        }
    }
}
