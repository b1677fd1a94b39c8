//! `flockctl contacts …`: list, import, export, opt-out, opt-in.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand, ValueEnum};
use flock_core::contacts::{export_csv, import_csv, ColumnMapping, ImportOptions, ImportReport, RowOutcome};
use flock_core::db::Database;
use flock_core::repo::contacts::{self, ContactQuery, ContactRow, ContactSort};
use flock_core::{ErrorKind, ErrorReport};

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
    /// Lift a contact's opt-out.
    OptIn(OptInArgs),
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
            sort: match self.sort {
                SortArg::Name => ContactSort::Name,
                SortArg::Phone => ContactSort::Phone,
                SortArg::Newest => ContactSort::Newest,
                SortArg::Region => ContactSort::Region,
            },
            page: 0,
            page_size: 50,
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
    /// region, state, district, segment, tags).
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
            let c = contacts::opt_out(conn, args.id, &args.reason, "manual").await.map_err(|e| e.report())?;
            show_contact(cli, db, c).await?;
        }
        ContactsCommand::OptIn(args) => {
            let c = contacts::opt_in(conn, args.id).await.map_err(|e| e.report())?;
            show_contact(cli, db, c).await?;
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
    )
}

fn file_error(path: &Path, verb: &str, e: std::io::Error) -> ErrorReport {
    ErrorReport {
        kind: ErrorKind::InvalidInput,
        message: format!("cannot {verb} {}: {e}", path.display()),
        fix: Some("Check the path and that you may access it".into()),
    }
}
