//! `flockctl bench contacts`: the Contacts page at marketing-list scale.
//! Imports a generated CSV of N contacts, records a sync of 50 groups, then
//! times representative Contacts page queries (p50/p95), on SQLite and,
//! with `--postgres-url`, on a scratch PostgreSQL database, side by side.
//! A measurement, not a test.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use clap::{Args, Subcommand};
use flock_core::contacts::{export_csv, import_csv, ImportOptions};
use flock_core::db::{Database, DatabaseTarget};
use flock_core::groups::{apply_snapshot, AccountGroupsSnapshot, GroupSnapshot, ParticipantSnapshot};
use flock_core::repo::contacts::{self, ContactQuery, ContactSort};
use flock_core::repo::{accounts, groups};
use flock_core::{ErrorKind, ErrorReport};
use sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::cli::Cli;
use crate::output::print_json;

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Import and Contacts page query timings at N contacts.
    Contacts(BenchContactsArgs),
    /// Starting a campaign to N contacts: enqueue timings (SQLite, PostgreSQL).
    Enqueue(crate::campaigns_bench::BenchEnqueueArgs),
    /// The dispatcher's overhead: raw send rate per account against the dispatcher's, limits off.
    Dispatch(crate::bench_dispatch::BenchDispatchArgs),
    /// An account page's memory while it sends images: the memory guard off and on.
    Memory(crate::bench_memory::BenchMemoryArgs),
}

#[derive(Debug, Args)]
pub struct BenchContactsArgs {
    /// Contacts to import.
    #[arg(long, default_value_t = 100_000)]
    pub rows: u32,
    /// Times each query runs (for p50/p95).
    #[arg(long, default_value_t = 30)]
    pub runs: u32,
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
    /// Milliseconds: one run for loads, p50 and p95 for queries.
    p50_ms: f64,
    p95_ms: f64,
    runs: u32,
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

pub async fn run(cli: &Cli, cmd: &BenchCommand) -> Result<(), ErrorReport> {
    let args = match cmd {
        BenchCommand::Contacts(args) => args,
        BenchCommand::Enqueue(args) => return crate::campaigns_bench::run(cli, args).await,
        BenchCommand::Dispatch(args) => return crate::bench_dispatch::run(cli, args).await,
        BenchCommand::Memory(args) => return crate::bench_memory::run(cli, args).await,
    };
    let csv = generate_csv(args.rows);
    let mut results = Vec::new();

    let (sqlite_path, remove_after) = match &args.sqlite_path {
        Some(p) => (p.clone(), false),
        None => (std::env::temp_dir().join(format!("flock-bench-{}.sqlite3", std::process::id())), true),
    };
    let _ = std::fs::remove_file(&sqlite_path);
    let db = Database::open(DatabaseTarget::Sqlite { path: sqlite_path.clone() })
        .await
        .map_err(flock_core::CoreError::from)?;
    eprintln!("sqlite: {}", sqlite_path.display());
    let measures = bench_one(&db, &csv, args).await;
    let _ = db.close().await;
    if remove_after {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", sqlite_path.display()));
        }
    }
    results.push(BackendResult { backend: "sqlite", measures: measures? });

    if let Some(admin_url) = &args.postgres_url {
        let name = format!("flock_bench_{}_{}", std::process::id(), chrono_like_stamp());
        let admin = Database::connect(DatabaseTarget::parse(admin_url).map_err(flock_core::CoreError::from)?)
            .await
            .map_err(flock_core::CoreError::from)?;
        admin
            .conn()
            .execute_raw(Statement::from_string(DbBackend::Postgres, format!("CREATE DATABASE {name}")))
            .await
            .map_err(|e| err(format!("cannot create the scratch database {name}: {e}"), "Use an account that may create databases"))?;
        let (base, _) = admin_url.rsplit_once('/').ok_or_else(|| err("the PostgreSQL URL has no database name".into(), "Use postgres://user@host:port/postgres"))?;
        let url = format!("{base}/{name}");
        eprintln!("postgres: scratch database {name}");
        let measures = match Database::open(DatabaseTarget::parse(&url).map_err(flock_core::CoreError::from)?).await {
            Ok(db) => {
                let m = bench_one(&db, &csv, args).await;
                let _ = db.close().await;
                m
            }
            Err(e) => Err(flock_core::CoreError::from(e).report()),
        };
        let _ = admin
            .conn()
            .execute_raw(Statement::from_string(DbBackend::Postgres, format!("DROP DATABASE IF EXISTS {name}")))
            .await;
        let _ = admin.close().await;
        results.push(BackendResult { backend: "postgres", measures: measures? });
    }

    if cli.json {
        print_json(&serde_json::json!({ "rows": args.rows, "runs": args.runs, "results": results }));
    } else {
        print!("{}", table(args, &results));
    }
    Ok(())
}

fn chrono_like_stamp() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

const REGIONS: [&str; 5] = ["West", "South", "North", "East", "Central"];
const DISTRICTS: [&str; 12] = [
    "Namakkal", "Salem", "Erode", "Coimbatore", "Tiruppur", "Karur", "Madurai", "Dindigul", "Theni", "Vellore", "Hosur",
    "Thanjavur",
];
const FIRST: [&str; 12] =
    ["Arun", "Bala", "Chitra", "Deepa", "Elango", "Farida", "Ganesh", "Hari", "Indu", "Kavya", "Lakshmi", "Murugan"];
const LAST: [&str; 8] = ["Kumar", "Sundaram", "Ramasamy", "Raj", "Devi", "Pillai", "Nair", "Iyer"];
const TAGS: [&str; 8] = ["farmer", "trader", "vip", "dealer", "retail", "wholesale", "poultry", "textile"];

/// Deterministic, as people type them: spaces, dashes, with and without +91.
/// The numbers come in a scattered order, as in a real list: in number
/// order, each insert into the phone index would land after the last one,
/// which flatters the import.
fn generate_csv(rows: u32) -> Vec<u8> {
    let scatter = Scatter::new(rows as u64);
    let mut out = String::with_capacity(rows as usize * 80);
    out.push_str("Name,Mobile,Region,State,District,Segment,Tags\n");
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for i in 0..rows {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let number = 9_000_000_000u64 + scatter.at(i as u64) * 7 + 1_000;
        let digits = number.to_string();
        let phone = match i % 4 {
            0 => format!("+91 {} {}", &digits[..5], &digits[5..]),
            1 => format!("0{}-{}", &digits[..5], &digits[5..]),
            2 => digits.clone(),
            _ => format!("91{digits}"),
        };
        let tag_a = TAGS[(x % 8) as usize];
        let tags = match x % 3 {
            0 => String::new(),
            1 => tag_a.to_string(),
            _ => format!("{tag_a};{}", TAGS[((x >> 8) % 8) as usize]),
        };
        let _ = writeln!(
            out,
            "{} {},{},{},Tamil Nadu,{},{},{}",
            FIRST[(x % 12) as usize],
            LAST[((x >> 4) % 8) as usize],
            phone,
            REGIONS[((x >> 12) % 5) as usize],
            DISTRICTS[((x >> 16) % 12) as usize],
            ["dealer", "farmer", "retail", ""][((x >> 20) % 4) as usize],
            tags
        );
    }
    out.into_bytes()
}

/// A permutation of `0..n`: `i * step mod n`, with `step` coprime to `n`.
struct Scatter {
    n: u64,
    step: u64,
}

impl Scatter {
    fn new(n: u64) -> Self {
        let gcd = |mut a: u64, mut b: u64| {
            while b != 0 {
                (a, b) = (b, a % b);
            }
            a
        };
        let step = (7_919..).find(|s| gcd(*s, n.max(1)) == 1).unwrap_or(1);
        Scatter { n: n.max(1), step }
    }

    fn at(&self, i: u64) -> u64 {
        i * self.step % self.n
    }
}

async fn bench_one(db: &Database, csv: &[u8], args: &BenchContactsArgs) -> Result<Vec<Measure>, ErrorReport> {
    let conn = db.conn();
    let mut measures = Vec::new();

    let start = Instant::now();
    let report = import_csv(conn, csv, &ImportOptions::new("bench.csv")).await.map_err(|e| e.report())?;
    let took = start.elapsed();
    if report.totals.imported != args.rows as u64 {
        return Err(err(
            format!("the bench import imported {} of {} rows: {:?}", report.totals.imported, args.rows, report.totals),
            "This is a bug in the bench data",
        ));
    }
    measures.push(once(format!("import {} contacts (CSV)", args.rows), took, report.totals.imported));

    // 50 groups of 400 members from the imported numbers, 1 in 10 hidden.
    let account = accounts::create(conn, "Bench").await.map_err(|e| e.report())?;
    let mut snapshot = AccountGroupsSnapshot { account_id: account.id, groups: Vec::new() };
    for g in 0..50u64 {
        let participants = (0..400u64)
            .map(|m| {
                let i = (g * 1_913 + m * 241) % args.rows.max(1) as u64;
                let wid = if m % 10 == 3 {
                    format!("{}@lid", 100_000_000_000_000u64 + g * 1_000 + m)
                } else {
                    format!("91{}@c.us", 9_000_000_000u64 + i * 7 + 1_000)
                };
                ParticipantSnapshot { wid, is_admin: m == 0, is_super_admin: m == 0, phone_e164: None, name: None }
            })
            .collect();
        snapshot.groups.push(GroupSnapshot {
            wa_id: format!("1203630{g:011}@g.us"),
            subject: format!("{} Traders {g}", DISTRICTS[(g % 12) as usize]),
            description: None,
            participants,
            lid_addressing: true,
        });
    }
    let start = Instant::now();
    let summary = apply_snapshot(conn, &snapshot, &[]).await.map_err(|e| e.report())?;
    measures.push(once("sync 50 groups x 400 members (first)".into(), start.elapsed(), summary.members_added as u64));
    let start = Instant::now();
    let again = apply_snapshot(conn, &snapshot, &[]).await.map_err(|e| e.report())?;
    measures.push(once("sync 50 groups x 400 members (resync)".into(), start.elapsed(), again.members_added as u64));
    let group_id = groups::list(conn).await.map_err(|e| e.report())?.first().map(|g| g.id);

    let q = |f: fn(&mut ContactQuery)| {
        let mut query = ContactQuery { page_size: 50, ..Default::default() };
        f(&mut query);
        query
    };
    // Keyset paging (how the Contacts page scrolls): the page after the last row of page 999.
    let before = contacts::search(conn, &q(|x| x.page = 999)).await.map_err(|e| e.report())?;
    let after = before.items.last().map(|r| r.id);
    let mut queries: Vec<(&str, ContactQuery)> = vec![
        ("all, by name, page 1", q(|_| {})),
        ("all, newest first, page 1", q(|x| x.sort = ContactSort::Newest)),
        ("all, by name, page 1000 (keyset)", ContactQuery { page: 1_000, after, page_size: 50, ..Default::default() }),
        ("all, by name, page 1000 (offset: a jump)", q(|x| x.page = 1_000)),
        ("search name \"kumar\"", q(|x| x.search = Some("kumar".into()))),
        ("search number \"70012\"", q(|x| x.search = Some("70012".into()))),
        ("tag vip, newest first", q(|x| {
            x.tag = Some("vip".into());
            x.sort = ContactSort::Newest;
        })),
        ("region West, by region, page 10", q(|x| {
            x.region = Some("West".into());
            x.sort = ContactSort::Region;
            x.page = 10;
        })),
        ("district Salem + reachable, by phone", q(|x| {
            x.district = Some("Salem".into());
            x.opted_out = Some(false);
            x.sort = ContactSort::Phone;
        })),
        ("phone hidden", q(|x| x.phone_hidden = Some(true))),
        ("with consent, by name", q(|x| x.consent = Some(true))),
        ("known only from groups", q(|x| x.group_only = Some(true))),
    ];
    if let Some(id) = group_id {
        queries.push(("group members, by name", ContactQuery { group_id: Some(id), page_size: 50, ..Default::default() }));
    }
    for (name, query) in queries {
        let mut times = Vec::with_capacity(args.runs as usize);
        let mut total = 0;
        for _ in 0..args.runs.max(1) {
            let start = Instant::now();
            let page = contacts::search(conn, &query).await.map_err(|e| e.report())?;
            times.push(start.elapsed());
            total = page.total;
        }
        times.sort();
        let pct = |p: f64| times[((times.len() as f64 - 1.0) * p).round() as usize];
        measures.push(Measure {
            name: format!("query: {name}"),
            p50_ms: ms(pct(0.5)),
            p95_ms: ms(pct(0.95)),
            runs: args.runs.max(1),
            rows: total,
        });
    }

    let start = Instant::now();
    let written = export_csv(conn, &ContactQuery::default(), std::io::sink()).await.map_err(|e| e.report())?;
    measures.push(once("export all to CSV".into(), start.elapsed(), written));
    Ok(measures)
}

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1_000.0 * 10.0).round() / 10.0
}

fn once(name: String, d: Duration, rows: u64) -> Measure {
    Measure { name, p50_ms: ms(d), p95_ms: ms(d), runs: 1, rows }
}

fn table(args: &BenchContactsArgs, results: &[BackendResult]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "flockctl bench contacts: {} contacts, {} runs per query (times in ms; p50 / p95)", args.rows, args.runs);
    let _ = write!(out, "{:<48} {:>9}", "", "rows");
    for r in results {
        let _ = write!(out, " {:>22}", r.backend);
    }
    out.push('\n');
    let Some(first) = results.first() else { return out };
    for (i, m) in first.measures.iter().enumerate() {
        let _ = write!(out, "{:<48} {:>9}", m.name, m.rows);
        for r in results {
            let cell = match r.measures.get(i) {
                Some(x) if x.runs == 1 => format!("{:.1}", x.p50_ms),
                Some(x) => format!("{:.1} / {:.1}", x.p50_ms, x.p95_ms),
                None => "-".into(),
            };
            let _ = write!(out, " {:>22}", cell);
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::Scatter;

    #[test]
    fn scatter_is_a_permutation_even_when_n_shares_a_factor_with_the_step() {
        for n in [1u64, 2, 10, 7_919, 7_919 * 4, 100_000] {
            let s = Scatter::new(n);
            let mut seen: Vec<u64> = (0..n).map(|i| s.at(i)).collect();
            seen.sort_unstable();
            assert_eq!(seen, (0..n).collect::<Vec<_>>(), "n = {n}");
        }
        assert_ne!(Scatter::new(100_000).at(1), 1, "scattered, not in order");
    }
}
