//! `flockctl contacts …`: list, import, export, opt-out, opt-in, consent,
//! history, delete.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand, ValueEnum};
use flock_core::contacts::{export_csv, import_csv, ColumnMapping, ImportOptions, ImportReport, RowOutcome};
use flock_core::db::Database;
use flock_core::repo::contacts::{self, ConsentMark, ContactQuery, ContactRow, ContactSort, ContactSource};
use flock_core::repo::suppressions::{self, contact_keys, Change};
use flock_core::{ErrorKind, ErrorReport};

use sea_orm::EntityTrait;

use crate::cli::Cli;
use crate::output::print_json;

#[derive(Debug, Subcommand)]
pub enum ContactsCommand {
    /// One page of contacts (filter, sort).
    List(ListArgs),
    /// Import a CSV file; prints a report of every row.
    Import(ImportArgs),
    /// Export the contacts matching the filters to a CSV file.
    Export(ExportArgs),
    /// Block every future message to a contact.
    OptOut(OptOutArgs),
    /// Lift a contact's opt-out (the history stays).
    OptIn(OptInArgs),
    /// Record (or, with --clear, withdraw) a contact's consent.
    Consent(ConsentArgs),
    /// The opt-out / opt-in history of a contact's phone and privacy id.
    History(HistoryArgs),
    /// Delete contacts (an opt-out stays on the suppression list).
    Delete(DeleteArgs),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SourceArg {
    GroupSync,
    Csv,
    Reply,
    Manual,
}

impl From<SourceArg> for ContactSource {
    fn from(s: SourceArg) -> Self {
        match s {
            SourceArg::GroupSync => ContactSource::GroupSync,
            SourceArg::Csv => ContactSource::Csv,
            SourceArg::Reply => ContactSource::Reply,
            SourceArg::Manual => ContactSource::Manual,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SortArg {
    Name,
    Phone,
    Newest,
    Region,
}

#[derive(Debug, Args)]
pub struct FilterArgs {
    /// Name, number or tag contains this.
    #[arg(long)]
    pub search: Option<String>,
    #[arg(long)]
    pub tag: Option<String>,
    #[arg(long)]
    pub region: Option<String>,
    #[arg(long)]
    pub state: Option<String>,
    #[arg(long)]
    pub district: Option<String>,
    #[arg(long)]
    pub segment: Option<String>,
    /// Current members of this group (id from `groups list`).
    #[arg(long, value_name = "GROUP_ID")]
    pub group: Option<i64>,
    /// Only opted-out contacts.
    #[arg(long, conflicts_with = "reachable")]
    pub opted_out: bool,
    /// Only contacts that have not opted out.
    #[arg(long)]
    pub reachable: bool,
    /// Only contacts whose phone WhatsApp hides (privacy id).
    #[arg(long)]
    pub phone_hidden: bool,
    /// Only contacts that came from this source (first or later).
    #[arg(long, value_enum)]
    pub source: Option<SourceArg>,
    /// Only contacts with consent on record.
    #[arg(long, conflicts_with = "no_consent")]
    pub consent: bool,
    /// Only contacts without consent on record.
    #[arg(long)]
    pub no_consent: bool,
    /// Only contacts who have written to one of our accounts.
    #[arg(long)]
    pub wrote_to_us: bool,
    /// Only contacts with consent or who wrote to us.
    #[arg(long)]
    pub permitted: bool,
    /// Only contacts known from groups alone (no consent, never wrote).
    #[arg(long)]
    pub group_only: bool,
    #[arg(long, value_enum, default_value = "name")]
    pub sort: SortArg,
}

impl FilterArgs {
    pub fn query(&self) -> ContactQuery {
        ContactQuery {
            search: self.search.clone(),
            region: self.region.clone(),
            state: self.state.clone(),
            district: self.district.clone(),
            segment: self.segment.clone(),
            tag: self.tag.clone(),
            group_id: self.group,
            opted_out: if self.opted_out { Some(true) } else if self.reachable { Some(false) } else { None },
            phone_hidden: self.phone_hidden.then_some(true),
            source: self.source.map(Into::into),
            consent: if self.consent { Some(true) } else if self.no_consent { Some(false) } else { None },
            wrote_to_us: self.wrote_to_us.then_some(true),
            permitted: self.permitted.then_some(true),
            group_only: self.group_only.then_some(true),
            sort: match self.sort {
                SortArg::Name => ContactSort::Name,
                SortArg::Phone => ContactSort::Phone,
                SortArg::Newest => ContactSort::Newest,
                SortArg::Region => ContactSort::Region,
            },
            page: 0,
            page_size: 50,
            ..Default::default()
        }
    }
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Rows per page (at most 1000).
    #[arg(long, default_value_t = 50)]
    pub limit: u64,
    /// Page number, from 0.
    #[arg(long, default_value_t = 0)]
    pub page: u64,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    pub file: PathBuf,
    /// Country of numbers written without a country code.
    #[arg(long, default_value = "IN")]
    pub default_country: String,
    /// Override the proposed mapping: field=column,… (fields: phone, name,
    /// region, state, district, segment, tags, consent).
    #[arg(long, value_name = "FIELD=COLUMN,…")]
    pub map: Option<String>,
    /// The first line is data, not headers.
    #[arg(long)]
    pub no_headers: bool,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    pub file: PathBuf,
    #[command(flatten)]
    pub filter: FilterArgs,
}

#[derive(Debug, Args)]
pub struct OptOutArgs {
    pub id: i64,
    #[arg(long)]
    pub reason: String,
}

#[derive(Debug, Args)]
pub struct OptInArgs {
    pub id: i64,
    #[arg(long)]
    pub reason: Option<String>,
}

#[derive(Debug, Args)]
pub struct ConsentArgs {
    pub id: i64,
    /// How consent was given (default "manual").
    #[arg(long, default_value = "manual")]
    pub source: String,
    /// When (RFC 3339 or YYYY-MM-DD; default now).
    #[arg(long)]
    pub at: Option<String>,
    /// Withdraw the consent on record instead.
    #[arg(long, conflicts_with_all = ["source", "at"])]
    pub clear: bool,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    pub id: i64,
}

#[derive(Debug, Args)]
pub struct DeleteArgs {
    #[arg(required = true)]
    pub ids: Vec<i64>,
}

pub async fn run(cli: &Cli, db: &Database, cmd: &ContactsCommand) -> Result<(), ErrorReport> {
    let conn = db.conn();
    match cmd {
        ContactsCommand::List(args) => {
            let query = ContactQuery { page: args.page, page_size: args.limit.clamp(1, 1000), ..args.filter.query() };
            let page = contacts::search(conn, &query).await.map_err(|e| e.report())?;
            if cli.json {
                print_json(&page);
            } else {
                for row in &page.items {
                    println!("{}", line(row));
                }
                println!("{} of {} contacts (page {})", page.items.len(), page.total, page.page);
            }
        }
        ContactsCommand::Import(args) => {
            let report = import(db, args).await?;
            if cli.json {
                print_json(&report);
            } else {
                print_report(&report);
            }
        }
        ContactsCommand::Export(args) => {
            let file = std::fs::File::create(&args.file).map_err(|e| file_error(&args.file, "create", e))?;
            let written = export_csv(conn, &args.filter.query(), std::io::BufWriter::new(file))
                .await
                .map_err(|e| e.report())?;
            if cli.json {
                print_json(&serde_json::json!({ "file": args.file, "written": written }));
            } else {
                println!("{written} contacts written to {}", args.file.display());
            }
        }
        ContactsCommand::OptOut(args) => {
            let change = Change::manual(Some(args.reason.as_str()), "flockctl");
            let c = contacts::opt_out_by(conn, args.id, change).await.map_err(|e| e.report())?;
            show_contact(cli, db, c).await?;
        }
        ContactsCommand::OptIn(args) => {
            let c = contacts::opt_in_by(conn, args.id, Change::manual(args.reason.as_deref(), "flockctl"))
                .await
                .map_err(|e| e.report())?;
            show_contact(cli, db, c).await?;
        }
        ContactsCommand::Consent(args) => {
            let mark = if args.clear {
                None
            } else {
                let at = flock_core::contacts::parse_consent_date(args.at.as_deref()).map_err(|message| ErrorReport {
                    kind: ErrorKind::InvalidInput,
                    message,
                    fix: Some("Give --at as 2026-11-30, or leave it out for now".into()),
                })?;
                Some(ConsentMark { at, source: args.source.clone() })
            };
            let c = contacts::set_consent(conn, args.id, mark.as_ref()).await.map_err(|e| e.report())?;
            show_contact(cli, db, c).await?;
        }
        ContactsCommand::History(args) => {
            let c = flock_core::entities::contact::Entity::find_by_id(args.id)
                .one(conn)
                .await
                .map_err(|e| flock_core::repo::RepoError::from(e).report())?
                .ok_or_else(|| flock_core::repo::RepoError::NotFound { what: "contact", id: args.id }.report())?;
            let events = suppressions::history(conn, &contact_keys(&c)).await.map_err(|e| e.report())?;
            if cli.json {
                print_json(&events);
            } else {
                for e in &events {
                    println!(
                        "{}  {:<7}  {:<20}  {:<7}  {}  {}",
                        e.at.to_rfc3339(),
                        e.action,
                        e.key,
                        e.source,
                        e.actor.as_deref().unwrap_or("-"),
                        e.reason.as_deref().unwrap_or("")
                    );
                }
                println!("{} entries", events.len());
            }
        }
        ContactsCommand::Delete(args) => {
            let n = contacts::delete(conn, &args.ids).await.map_err(|e| e.report())?;
            if cli.json {
                print_json(&serde_json::json!({ "deleted": n }));
            } else {
                println!("{n} contacts deleted (opt-outs stay on the suppression list)");
            }
        }
    }
    Ok(())
}

pub async fn import(db: &Database, args: &ImportArgs) -> Result<ImportReport, ErrorReport> {
    let bytes = std::fs::read(&args.file).map_err(|e| file_error(&args.file, "read", e))?;
    let mut options = ImportOptions::new(
        args.file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "import.csv".into()),
    );
    options.default_country = args.default_country.clone();
    if args.no_headers {
        options.has_headers = Some(false);
    }
    if let Some(spec) = &args.map {
        let overrides = ColumnMapping::parse_overrides(spec).map_err(|e| e.report())?;
        let mut mapping = flock_core::contacts::preview(&bytes).map_err(|e| e.report())?.mapping;
        if args.no_headers {
            mapping = ColumnMapping::default();
        }
        for (field, column) in overrides {
            mapping.set(field, column);
        }
        options.mapping = Some(mapping);
    }
    import_csv(db.conn(), &bytes, &options).await.map_err(|e| e.report())
}

fn print_report(report: &ImportReport) {
    for r in report.rows.iter().filter(|r| r.outcome != RowOutcome::Imported) {
        let outcome = match r.outcome {
            RowOutcome::Imported => "imported",
            RowOutcome::Updated => "updated",
            RowOutcome::Duplicate => "duplicate",
            RowOutcome::Rejected => "rejected",
        };
        println!("row {:>6}  {:<9}  {:<22}  {}", r.row, outcome, r.raw, r.reason.as_deref().unwrap_or(""));
    }
    let t = &report.totals;
    println!(
        "{}: {} rows: {} imported, {} updated, {} duplicates, {} rejected",
        report.file_name, t.rows, t.imported, t.updated, t.duplicates, t.rejected
    );
}

async fn show_contact(
    cli: &Cli,
    db: &Database,
    c: flock_core::entities::contact::Model,
) -> Result<(), ErrorReport> {
    let row = contacts::rows(db.conn(), vec![c]).await.map_err(|e| e.report())?.remove(0);
    if cli.json {
        print_json(&row);
    } else {
        println!("{}", line(&row));
    }
    Ok(())
}

fn line(row: &ContactRow) -> String {
    let phone = row.phone.clone().unwrap_or_else(|| format!("(hidden) {}", row.lid.as_deref().unwrap_or("")));
    let place = [&row.region, &row.state, &row.district]
        .iter()
        .filter_map(|v| v.as_deref())
        .collect::<Vec<_>>()
        .join(" / ");
    format!(
        "{:>7}  {:<24}  {:<24}  {:<30}  groups {:>3}  {}{}",
        row.id,
        phone,
        row.name.as_deref().unwrap_or("-"),
        place,
        row.group_count,
        row.tags.join(","),
        if row.opted_out { "  OPTED OUT" } else { "" }
    ) + if row.consent { "  consent" } else { "" }
}

fn file_error(path: &Path, verb: &str, e: std::io::Error) -> ErrorReport {
    ErrorReport {
        kind: ErrorKind::InvalidInput,
        message: format!("cannot {verb} {}: {e}", path.display()),
        fix: Some("Check the path and that you may access it".into()),
    }
}
