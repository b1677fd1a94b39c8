//! `flockctl bench dispatch`: the dispatcher's own cost. Real browsers
//! against the in-process simulator, limits off: first the raw send rate
//! of each account (`AccountManager::send` in a loop, one message at a
//! time, what flock-wa and the page can do), then a campaign of the same
//! size sent by the dispatcher (claims, existence checks, results, acks in
//! the database). The engine must not be the bottleneck: its rate per
//! account should be close to the raw one: the raw rate with the existence
//! check every first message needs (a round trip of its own) is measured
//! too, side by side. A measurement, not a test.

use std::time::{Duration, Instant};

use chrono::Utc;
use clap::Args;
use flock_core::accounts::{AccountEvent, AccountManager, AccountSettings, AccountState, LinkMethod};
use flock_core::db::{Database, DatabaseTarget};
use flock_core::dispatch::clock::SystemClock;
use flock_core::dispatch::store::accounts as limits;
use flock_core::dispatch::{adapter::AccountGateway, Dispatcher, DispatcherOptions, Engine, EngineConfig, Limits};
use flock_core::entities::{campaign, message};
use flock_core::paths::DataPaths;
use flock_core::repo::contacts::{self, ContactKey};
use flock_core::{ErrorKind, ErrorReport};
use flock_wa::{Content, MessageId, SendOptions, SendRequest, WaId};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use tokio::sync::broadcast;

use crate::cli::Cli;
use crate::output::print_json;

#[derive(Debug, Args)]
pub struct BenchDispatchArgs {
    /// Accounts sending at once.
    #[arg(long, default_value_t = 2)]
    pub accounts: usize,
    /// Messages per account (raw, then again through the dispatcher).
    #[arg(long, default_value_t = 100)]
    pub messages: usize,
}

fn err(message: impl Into<String>) -> ErrorReport {
    ErrorReport { kind: ErrorKind::Internal, message: message.into(), fix: None }
}

#[derive(serde::Serialize)]
struct Result_ {
    accounts: usize,
    messages_per_account: usize,
    raw_per_account_per_s: f64,
    /// Raw, each send after its existence check (what a first message needs).
    raw_checked_per_account_per_s: f64,
    dispatch_per_account_per_s: f64,
    dispatch_vs_raw: f64,
    dispatch_vs_raw_checked: f64,
}

pub async fn run(cli: &Cli, args: &BenchDispatchArgs) -> Result<(), ErrorReport> {
    let scratch = tempdir()?;
    let paths = DataPaths::new(scratch.join("data"));
    paths.ensure().map_err(|e| err(e.to_string()))?;
    let home = scratch.join("home");
    let sim = flock_sim::Simulator::start(flock_sim::SimConfig::fast()).await.map_err(|e| err(e.to_string()))?;
    let phones: Vec<String> = (1..=args.accounts).map(|i| format!("+9198000{i:05}")).collect();
    for p in &phones {
        sim.add_phone(p, p).await.map_err(|e| err(e.to_string()))?;
    }
    let db = Database::open(DatabaseTarget::sqlite_file(paths.sqlite_file())).await.map_err(flock_core::CoreError::from)?;
    let h = home.display().to_string();
    let settings = AccountSettings {
        wa_url: format!("{}/", sim.base_url()),
        browser_env: vec![("HOME".into(), h.clone()), ("XDG_CONFIG_HOME".into(), format!("{h}/.config")), ("XDG_CACHE_HOME".into(), format!("{h}/.cache"))],
        health_interval: Duration::from_secs(3600),
        ..AccountSettings::default()
    };
    let manager = AccountManager::new(db.clone(), paths.clone(), settings);
    let mut ids = Vec::new();
    for (i, phone) in phones.iter().enumerate() {
        let id = manager.add(&format!("bench {}", i + 1)).await?.id;
        link(&manager, &sim, id, phone).await?;
        limits::set_limits(db.conn(), id, &Limits::off()).await?;
        ids.push(id);
    }

    // Raw: each account sends its messages one after the other, all accounts
    // at once; then again with what the dispatcher must do for a new number
    // first: ask WhatsApp whether it exists (a round trip of its own).
    let n = args.messages;
    let raw = raw_rate(&manager, &ids, n, "+9197", false).await?;
    let raw_checked = raw_rate(&manager, &ids, n, "+9195", true).await?;

    // Through the dispatcher: a running campaign with the same number of new people per account.
    let now = Utc::now();
    let c = campaign::ActiveModel {
        name: Set("bench".into()),
        kind: Set("text".into()),
        body: Set(Some("bench".into())),
        status: Set("running".into()),
        started_at: Set(Some(now)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db.conn())
    .await
    .map_err(|e| err(e.to_string()))?;
    let total = n * ids.len();
    for k in 0..total {
        let phone = format!("+9196{k:08}");
        let (contact, _) = contacts::upsert(db.conn(), ContactKey::Phone(&phone), None).await?;
        message::ActiveModel {
            campaign_id: Set(c.id),
            target_key: Set(phone.clone()),
            target_kind: Set("phone".into()),
            contact_id: Set(Some(contact.id)),
            status: Set("pending".into()),
            rendered_text: Set(Some(format!("dispatched {k}"))),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(db.conn())
        .await
        .map_err(|e| err(e.to_string()))?;
    }
    let gateway = AccountGateway::new(manager.clone(), SendOptions::default());
    let engine = Engine::new(db.clone(), gateway, std::sync::Arc::new(SystemClock), EngineConfig { paths: Some(paths.clone()), ..EngineConfig::default() });
    let t = Instant::now();
    let dispatcher = Dispatcher::start(engine, DispatcherOptions::default());
    loop {
        let sent = message::Entity::find()
            .filter(message::Column::CampaignId.eq(c.id))
            .filter(message::Column::Status.is_in(["sent", "delivered", "read"]))
            .count(db.conn())
            .await
            .map_err(|e| err(e.to_string()))?;
        if sent as usize >= total {
            break;
        }
        if t.elapsed() > Duration::from_secs(600) {
            return Err(err(format!("only {sent} of {total} sent in 10 minutes")));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let dispatched = (n as f64) / t.elapsed().as_secs_f64();
    dispatcher.stop().await;
    let accepted = sim.ledger().await.into_iter().filter(|e| e.accepted).count();
    manager.shutdown().await;
    let _ = sim.shutdown().await;
    let _ = std::fs::remove_dir_all(&scratch);
    if accepted != 3 * total {
        return Err(err(format!("the ledger holds {accepted} messages, not {}", 3 * total)));
    }
    let r = Result_ {
        accounts: ids.len(),
        messages_per_account: n,
        raw_per_account_per_s: raw,
        raw_checked_per_account_per_s: raw_checked,
        dispatch_per_account_per_s: dispatched,
        dispatch_vs_raw: dispatched / raw,
        dispatch_vs_raw_checked: dispatched / raw_checked,
    };
    if cli.json {
        print_json(&r);
    } else {
        println!("| accounts | messages per account | raw send | raw exists check + send | dispatcher | dispatcher / raw | dispatcher / raw check + send |");
        println!("|---|---|---|---|---|---|---|");
        println!(
            "| {} | {} | {:.1} msg/s | {:.1} msg/s | {:.1} msg/s | {:.0} % | {:.0} % |",
            r.accounts, r.messages_per_account, r.raw_per_account_per_s, r.raw_checked_per_account_per_s, r.dispatch_per_account_per_s, 100.0 * r.dispatch_vs_raw, 100.0 * r.dispatch_vs_raw_checked
        );
        println!("(per account; a new number's first message needs its existence check, a WhatsApp round trip of its own)");
    }
    Ok(())
}

/// Messages per second per account of `n` sends by each account at once
/// (to `prefix…` numbers), each after its existence check if `check`.
async fn raw_rate(manager: &AccountManager, ids: &[i64], n: usize, prefix: &str, check: bool) -> Result<f64, ErrorReport> {
    let t = Instant::now();
    let sends = ids.iter().enumerate().map(|(a, id)| {
        let m = manager.clone();
        async move {
            for k in 0..n {
                let mut target = WaId::from_e164(&format!("{prefix}{a:02}{k:06}")).map_err(|e| err(e.to_string()))?;
                if check {
                    target = m.exists(*id, &target).await?.unwrap_or(target);
                }
                let req = SendRequest { id: MessageId::new(), target, content: Content::Text { body: format!("raw {k}") } };
                m.send(*id, &req, SendOptions::default()).await?;
            }
            Ok::<_, ErrorReport>(())
        }
    });
    for r in futures::future::join_all(sends).await {
        r?;
    }
    Ok((n as f64) / t.elapsed().as_secs_f64())
}

pub(crate) fn tempdir() -> Result<std::path::PathBuf, ErrorReport> {
    let stamp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let dir = std::env::temp_dir().join(format!("flock-bench-dispatch-{}-{stamp}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| err(e.to_string()))?;
    Ok(dir)
}

pub(crate) async fn link(m: &AccountManager, sim: &flock_sim::SimHandle, id: i64, phone: &str) -> Result<(), ErrorReport> {
    let mut events = m.subscribe();
    m.link(id, LinkMethod::Qr).await?;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    loop {
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Ok(AccountEvent::Qr { id: i, payload, .. })) if i == id => {
                // A later QR of the same link may come before the scan lands: only one scan counts.
                let _ = sim.scan(&payload, phone).await;
            }
            Ok(Ok(AccountEvent::Changed { account })) if account.id == id && account.state == AccountState::Active => return Ok(()),
            Ok(Ok(_)) | Ok(Err(broadcast::error::RecvError::Lagged(_))) => {}
            Ok(Err(_)) => return Err(err("event stream closed")),
            Err(_) => return Err(err(format!("account {id} not linked in time"))),
        }
    }
}
