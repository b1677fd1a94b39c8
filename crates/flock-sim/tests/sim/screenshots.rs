//! Screenshots of each phase for the README. Runs only when
//! `FLOCK_SIM_SCREENSHOTS=<dir>` is set; otherwise it returns at once.

use anyhow::Result;
use chromiumoxide::cdp::browser_protocol::page::CaptureScreenshotFormat;
use chromiumoxide::page::ScreenshotParams;
use chromiumoxide::Page;

use crate::support::*;

async fn shot(page: &Page, dir: &str, name: &str) -> Result<()> {
    let png = page.screenshot(ScreenshotParams::builder().format(CaptureScreenshotFormat::Png).build()).await?;
    std::fs::write(format!("{dir}/{name}.png"), png)?;
    Ok(())
}

#[tokio::test]
async fn phase_screenshots_for_docs() -> Result<()> {
    let Ok(dir) = std::env::var("FLOCK_SIM_SCREENSHOTS") else { return Ok(()) };
    std::fs::create_dir_all(&dir)?;
    let sim = sim_with(|c| {
        c.first_qr_ttl_ms = 4_000;
        c.next_qr_ttl_ms = 1_000;
        c.max_qr_refs = 2;
        c.sync_ms = 10_000;
    })
    .await?;
    sim.load(&demo_scenario()).await?;
    let profile = tempfile::tempdir()?;
    let browser = TestBrowser::launch(profile.path()).await?;
    let page = browser.open(&sim.base_url()).await?;
    let qr = wait_qr(&page).await?;
    shot(&page, &dir, "qr").await?;
    wait_state(&page, "UNPAIRED_IDLE").await?;
    shot(&page, &dir, "idle").await?;
    js(&page, "window.require('WAWebCmd').Cmd.refreshQR(); return true;").await?;
    let qr2 = wait_for("new QR", LONG, || async { data_ref(&page).await.filter(|q| *q != qr) }).await?;
    sim.scan(&qr2, RAVI).await?;
    wait_for("sync at 40%", LONG, || async {
        let v = js_soft(
            &page,
            "return window.require('WAWebOfflineHandler').OfflineMessageHandler.getOfflineDeliveryProgress();",
        )
        .await?;
        (v.as_u64()? >= 40).then_some(())
    })
    .await?;
    shot(&page, &dir, "syncing").await?;
    wait_synced(&page).await?;
    shot(&page, &dir, "connected").await?;
    page.close().await.ok();
    browser.close().await?;
    sim.shutdown().await?;
    Ok(())
}
