//! Every kind of message reaches the simulator's ledger exactly once, with
//! the right type, text, file name, size and hash; acks follow as events.

use flock_wa::{Ack, Content, MessageEvent, MessageId, SendOptions, SendRequest, WaId};

use crate::support::*;

fn to(phone: &str) -> WaId {
    WaId::from_e164(phone).expect("e164")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_of_message_reaches_the_ledger_once_and_acks_follow() {
    let h = Harness::new(|_| {}).await;
    let mut s = h.link(ME).await;
    assert_eq!(s.qr_source, Some(flock_wa::QrSource::Modules), "the QR is built from the modules, as whatsapp-web.js does");

    // Text, with its acks 1 -> 2 -> 3 as events.
    let text = SendRequest { id: MessageId::new(), target: to(PEOPLE[0]), content: Content::Text { body: "Vanakkam! Offer ends Friday.".into() } };
    let ok = s.handle.send(&text, SendOptions::default()).await.expect("text accepted");
    assert_eq!(ok.id, text.id, "the caller's id is the message's id");
    assert!(ok.key.ends_with(text.id.as_str()), "{}", ok.key);
    let mut acks = vec![];
    while acks.last() != Some(&Ack::Read) {
        let a = next_message(&mut s.messages, "acks of the text", |e| match e {
            MessageEvent::Ack { id, ack, .. } if *id == text.id => Some(*ack),
            _ => None,
        })
        .await;
        acks.push(a);
    }
    assert_eq!(acks, vec![Ack::Server, Ack::Device, Ack::Read]);
    let e = h.ledger_of(&text.id).await;
    assert_eq!(e.len(), 1, "exactly once: {e:?}");
    assert_eq!((e[0].kind.as_str(), e[0].text.as_deref(), e[0].accepted), ("chat", Some("Vanakkam! Offer ends Friday."), true));
    assert_eq!(e[0].target.as_deref(), Some(PEOPLE[0]));

    // Media from files.
    let image = h.file("mango.png", PNG, 300_000);
    let video = h.file("farm.mp4", MP4, 1_500_000);
    let audio = h.file("jingle.mp3", MP3, 200_000);
    let doc = h.file("price-list.pdf", PDF, 120_000);
    let cases = vec![
        (Content::Image { path: image.clone(), caption: Some("Fresh Salem mangoes".into()) }, "image", Some("Fresh Salem mangoes"), None, image, "image/png"),
        (Content::Video { path: video.clone(), caption: Some("Our farm".into()) }, "video", Some("Our farm"), None, video, "video/mp4"),
        (Content::Audio { path: audio.clone() }, "audio", None, None, audio, "audio/mpeg"),
        (
            Content::Document { path: doc.clone(), caption: Some("Prices".into()), file_name: Some("Price list June.pdf".into()) },
            "document",
            Some("Prices"),
            Some("Price list June.pdf"),
            doc,
            "application/pdf",
        ),
    ];
    for (i, (content, kind, caption, file_name, path, mime)) in cases.into_iter().enumerate() {
        let req = SendRequest { id: MessageId::new(), target: to(PEOPLE[i % PEOPLE.len()]), content };
        let ok = s.handle.send(&req, SendOptions::default()).await.unwrap_or_else(|e| panic!("{kind} accepted: {e}"));
        assert_eq!(ok.id, req.id);
        let e = h.ledger_of(&req.id).await;
        assert_eq!(e.len(), 1, "{kind} exactly once: {e:?}");
        let e = &e[0];
        assert_eq!(e.kind, kind);
        assert_eq!(e.caption.as_deref(), caption, "{kind} caption");
        assert_eq!(e.file_name.as_deref(), file_name, "{kind} file name");
        let m = e.media.as_ref().unwrap_or_else(|| panic!("{kind} has media"));
        assert_eq!(m.size, std::fs::metadata(&path).unwrap().len(), "{kind} size");
        assert_eq!(m.sha256, sha256_hex(&path), "{kind} bytes arrive unchanged");
        assert_eq!(m.mimetype, mime);
    }

    // A link, with its preview.
    let link = SendRequest { id: MessageId::new(), target: to(PEOPLE[1]), content: Content::Link { body: "Our catalogue: https://example.com/mangoes".into() } };
    s.handle.send(&link, SendOptions::default()).await.expect("link accepted");
    let e = h.ledger_of(&link.id).await;
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].text.as_deref(), Some("Our catalogue: https://example.com/mangoes"));
    let preview = e[0].link.as_ref().expect("the link went with a preview");
    assert!(preview.matched_text.as_deref().unwrap_or_default().contains("example.com"), "{preview:?}");

    // The same id again: never a second message.
    let again = s.handle.send(&text, SendOptions::default()).await.expect("an id already sent is reported accepted");
    assert_eq!(again.id, text.id);
    assert_eq!(h.ledger_of(&text.id).await.len(), 1, "a repeated id is not sent twice");
    assert_eq!(h.sim.ledger().await.len(), 6, "six messages, each once");
    h.shutdown(vec![s]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_60_mb_video_streams_to_the_page_in_chunks() {
    let h = Harness::new(|_| {}).await;
    let s = h.link(ME).await;
    let before = s.handle.health().await.expect("health").pss_kib;
    let video = h.file("big.mp4", MP4, 60 * 1000 * 1000);
    let req = SendRequest { id: MessageId::new(), target: WaId::from_e164(PEOPLE[2]).unwrap(), content: Content::Video { path: video.clone(), caption: None } };

    // PSS of the browser while the video travels.
    let watcher = s.handle.clone();
    let (stop_tx, mut stop_rx) = tokio::sync::oneshot::channel::<()>();
    let peak = tokio::spawn(async move {
        let mut peak = 0;
        loop {
            if let Ok(h) = watcher.health().await {
                peak = peak.max(h.pss_kib.unwrap_or(0));
            }
            tokio::select! {
                _ = &mut stop_rx => return peak,
                _ = tokio::time::sleep(std::time::Duration::from_millis(250)) => {}
            }
        }
    });
    let started = std::time::Instant::now();
    let ok = s.handle.send(&req, SendOptions::default()).await.expect("the 60 MB video is accepted");
    let took = started.elapsed();
    let _ = stop_tx.send(());
    let peak = peak.await.unwrap();
    let after = s.handle.health().await.expect("health").pss_kib;
    eprintln!(
        "60 MB video: {:.1} s; browser PSS before {} MiB, peak {} MiB, after {} MiB",
        took.as_secs_f64(),
        before.unwrap_or(0) / 1024,
        peak / 1024,
        after.unwrap_or(0) / 1024
    );
    assert_eq!(ok.id, req.id);
    let e = h.ledger_of(&req.id).await;
    assert_eq!(e.len(), 1);
    let m = e[0].media.as_ref().expect("media");
    assert_eq!(m.size, 60_000_000);
    assert_eq!(m.sha256, sha256_hex(&video));
    let info = s.handle.bridge_info().await.expect("info");
    assert_eq!(info["media"], 0, "the page dropped the buffered chunks after the send");
    h.shutdown(vec![s]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bench_helper_counts_what_it_sent() {
    let h = Harness::new(|_| {}).await;
    let s = h.link(ME).await;
    let targets: Vec<WaId> = PEOPLE.iter().map(|p| to(p)).collect();
    let image = h.file("bench.png", PNG, 50_000);
    let r = flock_wa::bench::send_rate(&s.handle, &targets, 20, |i| {
        if i % 2 == 0 { Content::Text { body: format!("bench {i}") } } else { Content::Image { path: image.clone(), caption: None } }
    }, SendOptions::default())
    .await;
    eprintln!("bench: {} sends in {:.2} s ({:.1}/s), PSS {:?} -> {:?} KiB", r.accepted, r.elapsed.as_secs_f64(), r.per_second, r.pss_before_kib, r.pss_after_kib);
    assert_eq!((r.accepted, r.failed.len()), (20, 0), "{r:?}");
    assert_eq!(h.sim.ledger_accepted().await.len(), 20);
    h.shutdown(vec![s]).await;
}
