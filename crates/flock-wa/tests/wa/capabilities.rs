//! A WhatsApp Web change breaks one feature, never the account: a missing
//! media module leaves login, groups and text working and refuses media
//! naming the module; modules exported under `default` work everywhere; a
//! renamed send module is found again by its shape.

use flock_wa::{Capability, Content, Lookup, MessageId, QrSource, Route, SendError, SendOptions, SendRequest, WaId};

use crate::support::*;

fn route_of(s: &Linked, cap: Capability, name: &str) -> Option<Route> {
    let caps = s.handle.capabilities().expect("booted");
    caps.get(cap).and_then(|f| f.internals.iter().find(|i| i.name == name)).and_then(|i| i.route.clone())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_media_module_switches_off_media_only() {
    let h = Harness::new(|c| c.omit_modules = vec!["WAWebPrepRawMedia".into(), "WABase64".into()]).await;
    h.sim
        .add_group(NewGroup { subject: "Coimbatore Pump Dealers".into(), participants: vec![PEOPLE[0].into()], members_of: vec![ME.into()], ..Default::default() })
        .await
        .unwrap();
    let s = h.link(ME).await;
    assert_eq!(s.qr_source, Some(QrSource::DataRef), "without WABase64 the QR comes from the data-ref attribute");
    let caps = s.handle.capabilities().expect("booted");
    assert!(caps.login_possible() && caps.has(Capability::SendText) && caps.has(Capability::Groups));
    let missing = caps.require(Capability::SendMedia).unwrap_err();
    assert_eq!(missing.internals, vec!["WAWebPrepRawMedia".to_string()]);
    let version = h.sim.config().await.version;
    assert_eq!(missing.to_string(), format!("Media sending unavailable: WhatsApp Web {version} lacks WAWebPrepRawMedia"));

    let groups = s.handle.groups().await.expect("groups work");
    assert_eq!(groups.len(), 1);
    let t = SendRequest { id: MessageId::new(), target: WaId::from_e164(PEOPLE[0]).unwrap(), content: Content::Text { body: "text works".into() } };
    s.handle.send(&t, SendOptions::default()).await.expect("text works");
    let image = h.file("a.png", PNG, 10_000);
    let i = SendRequest { id: MessageId::new(), target: WaId::from_e164(PEOPLE[0]).unwrap(), content: Content::Image { path: image, caption: None } };
    match s.handle.send(&i, SendOptions::default()).await {
        Err(SendError::CapabilityMissing(m)) => assert_eq!(m, missing),
        other => panic!("media refused: {other:?}"),
    }
    assert_eq!(h.sim.ledger().await.len(), 1, "the image was never attempted");
    h.shutdown(vec![s]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn modules_exported_under_default_work_everywhere() {
    let h = Harness::new(|c| c.default_export_modules = vec!["*".into()]).await;
    h.sim
        .add_group(NewGroup { subject: "Madurai Jasmine Traders".into(), participants: vec![PEOPLE[0].into()], members_of: vec![ME.into()], ..Default::default() })
        .await
        .unwrap();
    let s = h.link(ME).await;
    assert_eq!(s.qr_source, Some(QrSource::Modules));
    let caps = s.handle.capabilities().expect("booted");
    assert!(caps.unavailable().is_empty(), "{:?}", caps.unavailable());
    assert_eq!(route_of(&s, Capability::SendText, "WAWebSendMsgChatAction"), Some(Route::Default));
    assert_eq!(route_of(&s, Capability::LoginQr, "WAWebSocketModel"), Some(Route::Default));

    assert_eq!(s.handle.groups().await.unwrap().len(), 1);
    let person = WaId::from_e164(PEOPLE[0]).unwrap();
    assert_eq!(s.handle.exists(&person).await.unwrap(), Some(person.clone()));
    let t = SendRequest { id: MessageId::new(), target: person.clone(), content: Content::Text { body: "default shape".into() } };
    s.handle.send(&t, SendOptions::default()).await.expect("text");
    let img = h.file("b.png", PNG, 20_000);
    let i = SendRequest { id: MessageId::new(), target: person.clone(), content: Content::Image { path: img, caption: Some("c".into()) } };
    s.handle.send(&i, SendOptions::default()).await.expect("image");
    let l = SendRequest { id: MessageId::new(), target: person.clone(), content: Content::Link { body: "see https://example.org/x".into() } };
    s.handle.send(&l, SendOptions::default()).await.expect("link");
    assert!(matches!(s.handle.lookup(&t.id, Some(&person)).await.unwrap(), Lookup::Found { .. }));
    for id in [&t.id, &i.id, &l.id] {
        assert_eq!(h.ledger_of(id).await.len(), 1);
    }
    h.shutdown(vec![s]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_renamed_send_module_is_found_by_its_shape() {
    let h = Harness::new(|c| {
        c.rename_modules.insert("WAWebSendMsgChatAction".into(), "WAWebSendMsgChatActionV2".into());
    })
    .await;
    let s = h.link(ME).await;
    assert_eq!(
        route_of(&s, Capability::SendText, "WAWebSendMsgChatAction"),
        Some(Route::ShapeSearch { module: "WAWebSendMsgChatActionV2".into() })
    );
    let t = SendRequest { id: MessageId::new(), target: WaId::from_e164(PEOPLE[1]).unwrap(), content: Content::Text { body: "found by shape".into() } };
    s.handle.send(&t, SendOptions::default()).await.expect("text through the renamed module");
    assert_eq!(h.ledger_of(&t.id).await.len(), 1);
    h.shutdown(vec![s]).await;
}
