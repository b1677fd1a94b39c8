//! Sends per second of one account with no pacing (text, then a 5 MB
//! image), and the browser's PSS before and after, against the simulator:
//!
//! `cargo run --example send_bench -- [TEXT_SENDS] [IMAGE_SENDS]` (defaults
//! 1000 and 50). Prints one table; `flockctl bench` can call
//! `flock_wa::bench::send_rate` the same way on a real session.

use std::time::Duration;

use flock_sim::{SimConfig, Simulator};
use flock_wa::{bridge, BridgeEvent, BrowserPreference, Content, SendOptions, Session, SessionConfig, SessionEvent, WaId};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let texts: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(1000);
    let images: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(50);

    let mut cfg = SimConfig::fast();
    cfg.auto_ack.read_after_ms = None;
    let sim = Simulator::start(cfg).await?;
    sim.add_phone("+919800000001", "Bench").await?;
    let home = tempfile::tempdir()?;
    let profile = tempfile::tempdir()?;
    let h = home.path().display().to_string();
    let (handle, mut events) = Session::start(SessionConfig {
        label: "bench".into(),
        url: format!("{}/", sim.base_url()),
        profile_dir: profile.path().join("p"),
        browser_path: None,
        preference: BrowserPreference::HeadlessShellFirst,
        show_window: false,
        env: vec![("HOME".into(), h.clone()), ("XDG_CONFIG_HOME".into(), format!("{h}/.config")), ("XDG_CACHE_HOME".into(), format!("{h}/.cache"))],
        bridge_js: bridge::BUILT_IN.to_string(),
        launch_timeout: Duration::from_secs(90),
    })
    .await?;
    loop {
        match events.recv().await {
            Some(SessionEvent::Bridge(BridgeEvent::Qr { payload, .. })) if sim.scan(&payload, "+919800000001").await.is_ok() => break,
            Some(_) => {}
            None => return Err("the session ended before a QR".into()),
        }
    }
    handle.wait_ready(Duration::from_secs(120)).await?;
    let targets: Vec<WaId> = (0..50).map(|i| WaId::from_e164(&format!("+9198111{i:05}")).expect("e164")).collect();

    let text = flock_wa::bench::send_rate(&handle, &targets, texts, |i| Content::Text { body: format!("Offer {i}: mangoes at 80/kg") }, SendOptions::default()).await;
    let mut image = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    image.resize(5 * 1000 * 1000, 0x5A);
    let path = profile.path().join("bench.png");
    std::fs::write(&path, &image)?;
    let img = flock_wa::bench::send_rate(&handle, &targets, images, |_| Content::Image { path: path.clone(), caption: None }, SendOptions::default()).await;

    let mib = |k: Option<u64>| k.map(|k| format!("{:.0}", k as f64 / 1024.0)).unwrap_or_else(|| "-".into());
    println!("| content | sends | failed | seconds | sends/s | PSS before MiB | PSS after MiB |");
    println!("|---|---|---|---|---|---|---|");
    for (name, r) in [("text", &text), ("5 MB image", &img)] {
        let failed: u32 = r.failed.iter().map(|(_, n)| n).sum();
        println!("| {name} | {} | {failed} | {:.1} | {:.1} | {} | {} |", r.accepted, r.elapsed.as_secs_f64(), r.per_second, mib(r.pss_before_kib), mib(r.pss_after_kib));
    }
    handle.close().await;
    sim.shutdown().await?;
    Ok(())
}
