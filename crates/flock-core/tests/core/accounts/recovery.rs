//! Staying linked: a killed browser comes back, a page that reloads itself
//! stays active with one bridge, a logout on the phone ends the session.

use flock_core::accounts::AccountState;

use super::support::*;

#[tokio::test]
async fn a_killed_browser_comes_back_and_a_phone_logout_ends_in_logged_out() {
    let h = Harness::new(|_| {}).await;
    let a = h.manager.add("Sales 1").await.unwrap();
    h.link_by_qr(&h.manager, a.id, PHONES[0]).await;
    let profile = profile_of(&flock_core::paths::DataPaths::new(h.data.path()), &a);
    wait_login_on_disk(&h.manager, &profile).await;
    let pid = h.manager.diagnostics(a.id).await.and_then(|d| d.pid).expect("browser pid");
    let killed = std::process::Command::new("kill").args(["-9", &pid.to_string()]).status().unwrap();
    assert!(killed.success());
    wait_for(&h.manager, "a new browser", || async {
        let d = h.manager.diagnostics(a.id).await?;
        (d.pid.is_some() && d.pid != Some(pid)).then_some(())
    })
    .await;
    let back = wait_state(&h.manager, a.id, AccountState::Active).await;
    assert_eq!(back.phone.as_deref(), Some(PHONES[0]));
    let path = history(&h, a.id).await;
    assert!(path.ends_with(&["active".into(), "reconnecting".into(), "active".into()]), "{path:?}");

    h.sim.phone_event(PHONES[0], PhoneEvent::Logout).await.unwrap();
    let out = wait_stopped(&h.manager, a.id, AccountState::LoggedOut).await;
    assert!(out.fix.is_some() && out.reason.as_deref().unwrap_or("").contains("logged out from the phone"), "{out:?}");
    h.shutdown().await;
}

#[tokio::test]
async fn a_page_that_reloads_itself_stays_active_with_one_bridge() {
    let h = Harness::new(|c| c.self_reload_ms = Some(1_500)).await;
    let a = h.manager.add("Sales 1").await.unwrap();
    h.link_by_qr(&h.manager, a.id, PHONES[0]).await;
    let first = one_session(&h.sim).await.id;
    wait_for(&h.manager, "the page to reload itself", || async {
        let s = h.sim.sessions().await;
        (s.len() == 1 && s[0].id != first && s[0].has_synced).then_some(())
    })
    .await;
    let d = wait_for(&h.manager, "the bridge in the reloaded page", || async {
        let d = h.manager.diagnostics(a.id).await?;
        let active = h.manager.get(a.id).await.ok()?.state == AccountState::Active;
        (active && d.bridge_starts == 2 && d.bridge.as_ref()?["booted"] == true).then_some(d)
    })
    .await;
    let bridge = d.bridge.unwrap();
    assert_eq!(bridge["duplicates"], 0, "one injection per document: {bridge}");
    assert_eq!(bridge["missing"], serde_json::json!([]));
    let v = h.manager.get(a.id).await.unwrap();
    assert_eq!((v.state, v.phone.as_deref()), (AccountState::Active, Some(PHONES[0])));
    h.shutdown().await;
}

#[tokio::test]
async fn a_conflict_is_taken_over_and_a_ban_restricts_without_restart() {
    let h = Harness::new(|_| {}).await;
    let a = h.manager.add("Sales 1").await.unwrap();
    h.link_by_qr(&h.manager, a.id, PHONES[0]).await;
    let mut events = h.manager.subscribe();
    h.sim.phone_event(PHONES[0], PhoneEvent::Conflict).await.unwrap();
    // Opened elsewhere: the default policy takes the session back.
    wait_event(&mut events, "reconnecting after the conflict", |e| match e {
        flock_core::accounts::AccountEvent::Changed { account } if account.state == AccountState::Reconnecting => Some(()),
        _ => None,
    })
    .await;
    wait_state(&h.manager, a.id, AccountState::Active).await;
    assert_eq!(one_session(&h.sim).await.state, "CONNECTED");

    h.sim.phone_event(PHONES[0], PhoneEvent::Ban).await.unwrap();
    let banned = wait_stopped(&h.manager, a.id, AccountState::Restricted).await;
    assert!(banned.reason.as_deref().unwrap_or("").contains("banned"), "{banned:?}");
    // Restricted accounts are not restarted on the next start.
    h.manager.shutdown().await;
    let restarted = h.restart_manager();
    assert_eq!(restarted.restore_all().await.unwrap(), 0);
    assert_eq!(restarted.get(a.id).await.unwrap().state, AccountState::Restricted);
    h.shutdown().await;
}
