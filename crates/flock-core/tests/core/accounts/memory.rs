//! The memory guard (issue 9): WhatsApp Web keeps what it sent in the page,
//! so an account's browser grows with every image. An active session over
//! `memory_limit_kib` is loaded again from its profile at a health check,
//! no QR, still linked, sending on; never while a send runs through it.

use std::time::Duration;

use flock_core::accounts::{AccountManager, AccountSettings, AccountState};
use flock_core::paths::DataPaths;
use flock_sim::ConfigPatch;
use flock_wa::{Content, MessageId, SendError, SendOptions, SendRequest, WaId};

use super::support::*;

#[tokio::test]
async fn an_idle_page_over_the_memory_limit_is_loaded_again_and_never_under_a_send() {
    let h = Harness::new(|_| {}).await;
    // Any browser is over 1 KiB; checks only when the test asks.
    let tight = AccountSettings { memory_limit_kib: Some(1), health_interval: Duration::from_secs(3600), ..settings(&h.sim, h.home.path()) };
    let m = AccountManager::new(h.db.clone(), DataPaths::new(h.data.path()), tight);
    let a = m.add("Sales 1").await.unwrap().id;
    h.link_by_qr(&m, a, PHONES[0]).await;
    let first = m.diagnostics(a).await.expect("running").bridge_starts;

    m.check_health(a).await.unwrap();
    let reloaded = wait_for(&m, "the page loaded again", || async {
        let d = m.diagnostics(a).await?;
        (d.memory_reloads == 1 && d.bridge_starts > first).then_some(d)
    })
    .await;
    assert!(reloaded.pid.is_some());
    let view = wait_state(&m, a, AccountState::Active).await;
    assert!(view.qr.is_none(), "no QR: the login is kept");
    assert_eq!(h.sim.phones().await.iter().find(|p| p.phone == PHONES[0]).map(|p| p.max_concurrent_sessions), Some(1));
    let hello = SendRequest { id: MessageId::new(), target: WaId::from_e164("+919811122201").unwrap(), content: Content::Text { body: "Hello again".into() } };
    m.send(a, &hello, SendOptions::default()).await.expect("sends after the reload");

    // A send in flight (its upload hangs): the check leaves the page alone.
    h.sim.set_config(ConfigPatch { upload_hang: Some(true), ..Default::default() }).await;
    let files = tempfile::tempdir().unwrap();
    let image = files.path().join("offer.png");
    let mut png = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    png.resize(50_000, 7);
    std::fs::write(&image, png).unwrap();
    let poster = SendRequest { id: MessageId::new(), target: WaId::from_e164("+919811122202").unwrap(), content: Content::Image { path: image, caption: None } };
    let sender = m.clone();
    let opts = SendOptions { upload_deadline: Duration::from_secs(6), ..SendOptions::default() };
    let in_flight = tokio::spawn(async move { sender.send(a, &poster, opts).await });
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(!in_flight.is_finished(), "the upload hangs");
    m.check_health(a).await.unwrap();
    assert_eq!(m.diagnostics(a).await.unwrap().memory_reloads, 1, "not under a send");
    let outcome = in_flight.await.unwrap();
    assert!(matches!(outcome, Err(flock_core::accounts::AccountError::Send { source: SendError::UploadStalled { .. }, .. })), "{outcome:?}");

    // Idle again: the next check reloads it.
    h.sim.set_config(ConfigPatch { upload_hang: Some(false), ..Default::default() }).await;
    m.check_health(a).await.unwrap();
    wait_for(&m, "the second reload", || async { (m.diagnostics(a).await?.memory_reloads == 2).then_some(()) }).await;
    wait_state(&m, a, AccountState::Active).await;
    m.shutdown().await;
    h.shutdown().await;
}
