//! Linking: QR, pairing code, expiry, a missing internal, five at once, a
//! number already linked; and a restart that restores without a QR.

use flock_core::accounts::{AccountEvent, AccountState, LinkMethod};

use super::support::*;

#[tokio::test]
async fn qr_link_becomes_active_with_the_number_and_a_restart_restores_it_without_qr() {
    let h = Harness::new(|_| {}).await;
    let a = h.manager.add("Sales 1").await.unwrap();
    assert_eq!(a.state, AccountState::New);
    let t0 = std::time::Instant::now();
    let active = h.link_by_qr(&h.manager, a.id, PHONES[0]).await;
    eprintln!("timing: link to active {:?}", t0.elapsed());
    assert_eq!(active.phone.as_deref(), Some(PHONES[0]));
    assert_eq!(active.wa_id.as_deref(), Some("919800000001@c.us"));
    assert!(active.linked_at.is_some() && active.qr.is_none() && active.running);
    let path = history(&h, a.id).await;
    assert_eq!(path, ["new", "waiting_for_scan", "syncing", "active"], "{path:?}");

    // The profile is private to the user.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let dir = profile_of(&flock_core::paths::DataPaths::new(h.data.path()), &a);
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "{}", dir.display());
    }
    // The profile is keyed by the account's UUID and marked for this database.
    let dir = profile_of(&flock_core::paths::DataPaths::new(h.data.path()), &a);
    let marker = flock_core::accounts::profile::read_marker(&dir).unwrap().expect("a marker in the profile");
    assert_eq!(marker.account_uuid, a.uuid);
    assert_eq!(marker.database_id, flock_core::repo::accounts::database_id(h.db.conn()).await.unwrap());
    let health = h.manager.check_health(a.id).await.unwrap();
    assert!(health.memory_kib.unwrap_or(0) > 10_000, "memory from the health check: {health:?}");
    assert!(health.last_seen_at.is_some());

    // Restart: a new manager on the same data folder brings it back, no QR.
    h.manager.shutdown().await;
    let restarted = h.restart_manager();
    let mut events = restarted.subscribe();
    let t1 = std::time::Instant::now();
    assert_eq!(restarted.restore_all().await.unwrap(), 1);
    let back = wait_state(&restarted, a.id, AccountState::Active).await;
    eprintln!("timing: restart to active {:?}", t1.elapsed());
    assert_eq!(back.phone.as_deref(), Some(PHONES[0]));
    while let Ok(ev) = events.try_recv() {
        assert!(!matches!(ev, AccountEvent::Qr { .. }), "no QR on restore: {ev:?}");
    }
    let s = one_session(&h.sim).await;
    assert_eq!(s.qr_refs_shown, 0, "{s:?}");
    restarted.shutdown().await;
    assert_no_overdue(&restarted).await;
    h.shutdown().await;
}

#[tokio::test]
async fn pairing_code_links_the_account() {
    let h = Harness::new(|_| {}).await;
    let a = h.manager.add("Sales 2").await.unwrap();
    let mut events = h.manager.subscribe();
    h.manager.link(a.id, LinkMethod::PairingCode { phone: "+91 98000 00002".into() }).await.unwrap();
    let code = wait_event(&mut events, "a pairing code", |e| match e {
        AccountEvent::PairingCode { id, code } if *id == a.id => Some(code.clone()),
        _ => None,
    })
    .await;
    assert_eq!(code.len(), 8, "{code}");
    assert_eq!(h.manager.get(a.id).await.unwrap().pairing_code.as_deref(), Some(code.as_str()));
    h.sim.pair(&code, PHONES[1]).await.unwrap();
    let active = wait_state(&h.manager, a.id, AccountState::Active).await;
    assert_eq!(active.phone.as_deref(), Some(PHONES[1]));
    assert!(active.pairing_code.is_none());
    // A number without its country code is refused before any browser starts.
    let err = h.manager.link(a.id, LinkMethod::PairingCode { phone: "98000 00002".into() }).await.unwrap_err();
    assert_eq!(err.report().kind, flock_core::ErrorKind::InvalidInput);
    h.shutdown().await;
}

#[tokio::test]
async fn qr_refs_running_out_expire_the_link_with_a_reason() {
    let h = Harness::new(|c| {
        c.first_qr_ttl_ms = 1_500;
        c.next_qr_ttl_ms = 700;
        c.max_qr_refs = 2;
    })
    .await;
    let a = h.manager.add("Sales 3").await.unwrap();
    h.manager.link(a.id, LinkMethod::Qr).await.unwrap();
    let expired = wait_stopped(&h.manager, a.id, AccountState::LinkExpired).await;
    assert!(expired.reason.as_deref().unwrap_or("").contains("QR code expired"), "{expired:?}");
    assert!(expired.fix.is_some() && !expired.running && expired.qr.is_none());
    assert!(expired.phone.is_none());
    h.shutdown().await;
}

#[tokio::test]
async fn a_missing_internal_fails_the_account_naming_it() {
    // Only an internal login cannot do without fails the account (a missing
    // send module only switches sending off: flock-wa's capability tests).
    let h = Harness::new(|c| c.omit_modules = vec!["WAWebSocketModel".into()]).await;
    let a = h.manager.add("Sales 4").await.unwrap();
    h.manager.link(a.id, LinkMethod::Qr).await.unwrap();
    let failed = wait_stopped(&h.manager, a.id, AccountState::Failed).await;
    let reason = failed.reason.clone().unwrap_or_default();
    assert!(reason.contains("WAWebSocketModel not found") && reason.contains("2.3000."), "{failed:?}");
    assert!(!failed.running);
    h.shutdown().await;
}

#[tokio::test]
async fn five_accounts_link_at_once_and_a_number_links_only_once() {
    let h = Harness::new(|_| {}).await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(h.manager.add(&format!("Team {i}")).await.unwrap().id);
    }
    let t0 = std::time::Instant::now();
    let links = ids.iter().zip(PHONES).map(|(id, phone)| h.link_by_qr(&h.manager, *id, phone));
    let views = futures::future::join_all(links).await;
    eprintln!("timing: five accounts linked in {:?}", t0.elapsed());
    for (v, phone) in views.iter().zip(PHONES) {
        assert_eq!(v.phone.as_deref(), Some(phone));
    }
    // A sixth account scanned by a phone already linked here is refused.
    let dup = h.manager.add("Duplicate").await.unwrap();
    let mut events = h.manager.subscribe();
    h.manager.link(dup.id, LinkMethod::Qr).await.unwrap();
    let qr = next_qr(&mut events, dup.id).await;
    scan_until_accepted(&h.sim, &h.manager, dup.id, qr, PHONES[0], &mut events).await;
    let failed = wait_state(&h.manager, dup.id, AccountState::Failed).await;
    assert!(failed.reason.as_deref().unwrap_or("").contains("already linked as account \"Team 0\""), "{failed:?}");
    assert!(failed.phone.is_none());
    assert_eq!(h.manager.get(ids[0]).await.unwrap().state, AccountState::Active);
    h.shutdown().await;
}

#[tokio::test]
async fn logout_unlinks_reset_forgets_and_remove_deletes() {
    let h = Harness::new(|_| {}).await;
    let a = h.manager.add("Sales 1").await.unwrap();
    let b = h.manager.add("Sales 2").await.unwrap();
    h.link_by_qr(&h.manager, a.id, PHONES[0]).await;
    let devices = |phone: &'static str| {
        let sim = &h.sim;
        async move { sim.phones().await.into_iter().find(|p| p.phone == phone).map(|p| p.linked_devices) }
    };
    assert_eq!(devices(PHONES[0]).await, Some(1));
    let profile = profile_of(&flock_core::paths::DataPaths::new(h.data.path()), &a);
    assert!(profile.exists());

    // Logout: unlinked in WhatsApp too, profile wiped, number kept for the record.
    h.manager.logout(a.id).await.unwrap();
    let out = h.manager.get(a.id).await.unwrap();
    assert_eq!((out.state, out.running), (AccountState::LoggedOut, false), "{out:?}");
    assert_eq!(devices(PHONES[0]).await, Some(0));
    assert!(!profile.exists());

    // Reset: back to new, number forgotten; the number may be linked elsewhere.
    let reset = h.manager.reset(a.id).await.unwrap();
    assert_eq!((reset.state, reset.phone.as_deref()), (AccountState::New, None));
    h.link_by_qr(&h.manager, b.id, PHONES[0]).await;

    // Remove: gone, with an event, its profile too.
    let mut events = h.manager.subscribe();
    h.manager.remove(b.id).await.unwrap();
    wait_event(&mut events, "removed", |e| matches!(e, AccountEvent::Removed { id } if *id == b.id).then_some(())).await;
    assert!(h.manager.get(b.id).await.is_err());
    assert_eq!(h.manager.list().await.unwrap().len(), 1);
    assert!(h.manager.remove(b.id).await.unwrap_err().report().kind == flock_core::ErrorKind::NotFound);
    h.shutdown().await;
}
