//! `flockctl bench memory`: the account page's memory while it sends
//! images, with the memory guard off and on, side by side in one run. One
//! account through the account manager (the worker's own health check runs
//! after every send, as the periodic one would), against the in-process
//! simulator, limits off. WhatsApp Web keeps what it sent in the page, so
//! the PSS grows with each image; the guard loads the page again from its
//! profile once it is over the limit and idle. A measurement, not a test.

use std::time::{Duration, Instant};

use clap::Args;
use flock_core::accounts::{AccountManager, AccountSettings};
use flock_core::db::{Database, DatabaseTarget};
use flock_core::paths::DataPaths;
use flock_core::ErrorReport;
use flock_wa::{Content, MessageId, SendOptions, SendRequest, WaId};

use crate::bench_dispatch::{link, tempdir};
use crate::cli::Cli;
use crate::output::print_json;

#[derive(Debug, Args)]
pub struct BenchMemoryArgs {
    /// Images sent in each run.
    #[arg(long, default_value_t = 50)]
    pub images: usize,
    /// Size of each image, MB.
    #[arg(long, default_value_t = 5)]
    pub size_mb: usize,
    /// The guard's limit in the second run, MB.
    #[arg(long, default_value_t = 400)]
    pub limit_mb: u64,
}

fn err(message: impl Into<String>) -> ErrorReport {
    ErrorReport { kind: flock_core::ErrorKind::Internal, message: message.into(), fix: None }
}

#[derive(serde::Serialize)]
struct Run {
    guard: String,
    sent: usize,
    seconds: f64,
    pss_start_mib: u64,
    pss_max_mib: u64,
    pss_end_mib: u64,
    reloads: u32,
}

pub async fn run(cli: &Cli, args: &BenchMemoryArgs) -> Result<(), ErrorReport> {
    let mut runs = Vec::new();
    for limit in [None, Some(args.limit_mb)] {
        runs.push(one_run(args, limit).await?);
    }
    if cli.json {
        print_json(&runs);
        return Ok(());
    }
    println!("| guard | images sent | seconds | PSS start MiB | PSS max MiB | PSS end MiB | page reloads |");
    println!("|---|---|---|---|---|---|---|");
    for r in &runs {
        println!("| {} | {} | {:.1} | {} | {} | {} | {} |", r.guard, r.sent, r.seconds, r.pss_start_mib, r.pss_max_mib, r.pss_end_mib, r.reloads);
    }
    Ok(())
}

async fn one_run(args: &BenchMemoryArgs, limit_mb: Option<u64>) -> Result<Run, ErrorReport> {
    let scratch = tempdir()?;
    let paths = DataPaths::new(scratch.join("data"));
    paths.ensure().map_err(|e| err(e.to_string()))?;
    let home = scratch.join("home");
    let mut cfg = flock_sim::SimConfig::fast();
    cfg.auto_ack.read_after_ms = None;
    let sim = flock_sim::Simulator::start(cfg).await.map_err(|e| err(e.to_string()))?;
    let phone = "+919800000001";
    sim.add_phone(phone, "Bench").await.map_err(|e| err(e.to_string()))?;
    let db = Database::open(DatabaseTarget::sqlite_file(paths.sqlite_file())).await.map_err(flock_core::CoreError::from)?;
    let h = home.display().to_string();
    let settings = AccountSettings {
        wa_url: format!("{}/", sim.base_url()),
        browser_env: vec![("HOME".into(), h.clone()), ("XDG_CONFIG_HOME".into(), format!("{h}/.config")), ("XDG_CACHE_HOME".into(), format!("{h}/.cache"))],
        // Checked by hand after every send below.
        health_interval: Duration::from_secs(3600),
        memory_limit_kib: limit_mb.map(|mb| mb * 1024),
        ..AccountSettings::default()
    };
    let m = AccountManager::new(db.clone(), paths.clone(), settings);
    let id = m.add("bench").await?.id;
    link(&m, &sim, id, phone).await?;
    let mut image = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    image.resize(args.size_mb * 1000 * 1000, 0x5A);
    // The browser's PSS read before the health check (which may reload the page).
    let pss = |m: &AccountManager| {
        let m = m.clone();
        async move {
            let before = m.diagnostics(id).await.and_then(|d| d.pid).and_then(flock_wa::memory::process_tree_pss_kib).unwrap_or(0) / 1024;
            let _ = m.check_health(id).await;
            before
        }
    };
    let start = pss(&m).await;
    let (mut max, mut sent) = (start, 0);
    let t = Instant::now();
    for i in 0..args.images {
        // A different image each time (a new file hash), as a campaign of posters would send.
        image[8..16].copy_from_slice(&(i as u64).to_le_bytes());
        let path = scratch.join(format!("poster-{i}.png"));
        std::fs::write(&path, &image).map_err(|e| err(e.to_string()))?;
        let req = SendRequest { id: MessageId::new(), target: WaId::from_e164(&format!("+9198111{i:05}")).map_err(|e| err(e.to_string()))?, content: Content::Image { path: path.clone(), caption: None } };
        // A send during a reload waits for the page (not connected: nothing went), once more.
        let mut ok = m.send(id, &req, SendOptions::default()).await.is_ok();
        if !ok {
            tokio::time::sleep(Duration::from_secs(2)).await;
            ok = m.send(id, &req, SendOptions::default()).await.is_ok();
        }
        sent += usize::from(ok);
        let _ = std::fs::remove_file(&path);
        max = max.max(pss(&m).await);
    }
    let seconds = t.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let end = pss(&m).await;
    let reloads = m.diagnostics(id).await.map(|d| d.memory_reloads).unwrap_or(0);
    m.shutdown().await;
    let _ = db.close().await;
    let _ = sim.shutdown().await;
    let _ = std::fs::remove_dir_all(&scratch);
    let guard = match limit_mb {
        None => "off".into(),
        Some(mb) => format!("on, {mb} MB"),
    };
    Ok(Run { guard, sent, seconds, pss_start_mib: start, pss_max_mib: max, pss_end_mib: end, reloads })
}
