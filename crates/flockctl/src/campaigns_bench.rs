//! `flockctl bench enqueue`: starting a campaign to N contacts (resolve the
//! audience, render every text, write the outbox), on SQLite and, with
//! `--postgres-url`, on a scratch PostgreSQL database, side by side. The
//! target is 100,000 targets in 2 s on each. A measurement, not a test.

use std::fmt::Write as _;
use std::time::Instant;

use chrono::Utc;
use clap::Args;
use flock_core::campaigns::store;
use flock_core::campaigns::{CampaignOptions, NewCampaign, Schedule};
use flock_core::db::{Database, DatabaseTarget};
use flock_core::entities::contact;
use flock_core::paths::DataPaths;
use flock_core::repo::contacts::ContactQuery;
use flock_core::{ErrorKind, ErrorReport};
use sea_orm::{sea_query::Query, ConnectionTrait, DbBackend, Statement};

use crate::cli::Cli;
use crate::output::print_json;

#[derive(Debug, Args)]
pub struct BenchEnqueueArgs {
    /// Contacts in the audience.
    #[arg(long, default_value_t = 100_000)]
    pub rows: u32,
    /// Also run on PostgreSQL: an account that may create databases; a
    /// scratch database is created and dropped.
    #[arg(long, value_name = "URL")]
    pub postgres_url: Option<String>,
    /// SQLite file to use (default: a fresh file in the temp folder, removed afterwards).
    #[arg(long, value_name = "PATH")]
    pub sqlite_path: Option<std::path::PathBuf>,
}

#[derive(Debug, Clone, serde::Serialize)]
struct Measure {
    name: String,
    ms: f64,
    rows: u64,
}

#[derive(Debug, Clone, serde::Serialize)]
struct BackendResult {
    backend: &'static str,
    measures: Vec<Measure>,
}

fn err(message: String, fix: &str) -> ErrorReport {
    ErrorReport { kind: ErrorKind::Internal, message, fix: Some(fix.into()) }
}

fn core<E: Into<flock_core::CoreError>>(e: E) -> ErrorReport {
    e.into().report()
}

pub async fn run(cli: &Cli, args: &BenchEnqueueArgs) -> Result<(), ErrorReport> {
    let mut results = Vec::new();
    let (sqlite_path, remove_after) = match &args.sqlite_path {
        Some(p) => (p.clone(), false),
        None => (std::env::temp_dir().join(format!("flock-bench-enqueue-{}.sqlite3", std::process::id())), true),
    };
    let _ = std::fs::remove_file(&sqlite_path);
    let db = Database::open(DatabaseTarget::Sqlite { path: sqlite_path.clone() }).await.map_err(core)?;
    eprintln!("sqlite: {}", sqlite_path.display());
    let measures = bench_one(&db, args).await;
    let _ = db.close().await;
    if remove_after {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", sqlite_path.display()));
        }
    }
    results.push(BackendResult { backend: "sqlite", measures: measures? });

    if let Some(admin_url) = &args.postgres_url {
        let stamp =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        let name = format!("flock_bench_enqueue_{}_{stamp}", std::process::id());
        let admin = Database::connect(DatabaseTarget::parse(admin_url).map_err(core)?).await.map_err(core)?;
        admin
            .conn()
            .execute_raw(Statement::from_string(DbBackend::Postgres, format!("CREATE DATABASE {name}")))
            .await
            .map_err(|e| {
                err(
                    format!("cannot create the scratch database {name}: {e}"),
                    "Use an account that may create databases",
                )
            })?;
        let (base, _) = admin_url.rsplit_once('/').ok_or_else(|| {
            err("the PostgreSQL URL has no database name".into(), "Use postgres://user@host:port/postgres")
        })?;
        eprintln!("postgres: scratch database {name}");
        let measures = match DatabaseTarget::parse(&format!("{base}/{name}")) {
            Ok(target) => match Database::open(target).await {
                Ok(db) => {
                    let m = bench_one(&db, args).await;
                    let _ = db.close().await;
                    m
                }
                Err(e) => Err(core(e)),
            },
            Err(e) => Err(core(e)),
        };
        let _ = admin
            .conn()
            .execute_raw(Statement::from_string(DbBackend::Postgres, format!("DROP DATABASE IF EXISTS {name}")))
            .await;
        let _ = admin.close().await;
        results.push(BackendResult { backend: "postgres", measures: measures? });
    }

    if cli.json {
        print_json(&serde_json::json!({ "rows": args.rows, "results": results }));
    } else {
        print!("{}", table(args, &results));
    }
    Ok(())
}

const FIRST: [&str; 8] = ["Arun Kumar", "Dr. Bala", "Chitra Devi", "K. Deepa", "Elango", "Farida", "Ganesh", "Lakshmi"];
const DISTRICTS: [&str; 6] = ["Salem", "Erode", "Namakkal", "Madurai", "", "Karur"];

/// N contacts in multi-row inserts: 1 in 50 opted out, 1 in 200 known not on WhatsApp.
async fn seed_contacts(db: &impl ConnectionTrait, n: u32) -> Result<(), ErrorReport> {
    use contact::Column as C;
    let now = Utc::now();
    for start in (0..n).step_by(2_000) {
        let mut q = Query::insert();
        q.into_table(contact::Entity).columns([
            C::Phone,
            C::Name,
            C::District,
            C::FirstSource,
            C::Sources,
            C::OptedOutAt,
            C::OnWhatsapp,
            C::CreatedAt,
            C::UpdatedAt,
        ]);
        for i in start..(start + 2_000).min(n) {
            let district = DISTRICTS[(i % 6) as usize];
            q.values([
                format!("+9170{:08}", i).into(),
                FIRST[(i % 8) as usize].into(),
                (!district.is_empty()).then(|| district.to_string()).into(),
                "csv".into(),
                2i32.into(),
                (i % 50 == 7).then_some(now).into(),
                (i % 200 == 11).then_some(false).into(),
                now.into(),
                now.into(),
            ])
            .map_err(|e| err(format!("bench data: {e}"), "This is a bug in the bench"))?;
        }
        db.execute(&q).await.map_err(|e| core(flock_core::repo::RepoError::Db(e)))?;
    }
    Ok(())
}

async fn bench_one(db: &Database, args: &BenchEnqueueArgs) -> Result<Vec<Measure>, ErrorReport> {
    let conn = db.conn();
    let mut measures = Vec::new();
    let mut timed = |name: &str, start: Instant, rows: u64| {
        measures.push(Measure {
            name: name.into(),
            ms: (start.elapsed().as_secs_f64() * 10_000.0).round() / 10.0,
            rows,
        });
    };
    let t = Instant::now();
    seed_contacts(conn, args.rows).await?;
    timed("set-up: insert contacts", t, args.rows.into());

    let media = std::env::temp_dir().join(format!("flock-bench-enqueue-media-{}", std::process::id()));
    let new = NewCampaign {
        name: "Bench".into(),
        text: "{Hi|Hello|Vanakkam} {{ first_name | default(\"friend\") }}, {big|grand} sale in {{ district | default(\"your town\") }} this {Sunday|weekend}!".into(),
        media: None,
        link: None,
        groups: Vec::new(),
        filters: vec![ContactQuery::default()],
        contacts: Vec::new(),
        csv: None,
        default_country: "IN".into(),
        accounts: Vec::new(),
        schedule: Schedule::anytime(chrono_tz::Asia::Kolkata),
        options: CampaignOptions::default(),
    };
    let t = Instant::now();
    let id = store::create(conn, &DataPaths::new(&media), &new).await?.id;
    timed("create campaign (all contacts)", t, 1);

    let t = Instant::now();
    let loaded = store::load(conn, id).await?;
    let plan = store::plan(conn, &loaded, Utc::now()).await?;
    timed("plan: resolve audience + render texts", t, plan.rows.len() as u64);
    drop(plan);

    let t = Instant::now();
    let report = store::start(conn, id, Utc::now()).await?;
    timed("start: enqueue (plan + write outbox)", t, report.added);
    if report.audience.targets != u64::from(args.rows) || report.added != u64::from(args.rows) {
        return Err(err(
            format!("enqueued {} of {} targets", report.added, args.rows),
            "This is a bug: the outbox lost rows",
        ));
    }
    let t = Instant::now();
    let again = store::start(conn, id, Utc::now()).await?;
    timed("start again (adds nothing)", t, again.added);

    let t = Instant::now();
    let shown = store::show(conn, id, Utc::now(), chrono_tz::Asia::Kolkata).await?;
    timed("show: counts + forecast", t, shown.counts.total());
    let t = Instant::now();
    let lines = store::report_csv(conn, id, std::io::sink()).await?;
    timed("report CSV", t, lines);
    Ok(measures)
}

fn table(args: &BenchEnqueueArgs, results: &[BackendResult]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "flockctl bench enqueue: a campaign to {} contacts (times in ms; target: enqueue <= 2000)",
        args.rows
    );
    // Wall-clock times on a shared machine: say how busy it was.
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
        let load: Vec<&str> = load.split_whitespace().take(3).collect();
        let _ = writeln!(out, "load average {} on {cores} cores", load.join(" "));
    }
    let _ = write!(out, "{:<42} {:>9}", "", "rows");
    for r in results {
        let _ = write!(out, " {:>12}", r.backend);
    }
    out.push('\n');
    let Some(first) = results.first() else { return out };
    for (i, m) in first.measures.iter().enumerate() {
        let _ = write!(out, "{:<42} {:>9}", m.name, m.rows);
        for r in results {
            let cell = r.measures.get(i).map(|x| format!("{:.1}", x.ms)).unwrap_or_else(|| "-".into());
            let _ = write!(out, " {:>12}", cell);
        }
        out.push('\n');
    }
    out
}
