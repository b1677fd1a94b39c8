//! `flockctl campaigns …`: create, preview, start, pause, resume, cancel,
//! show, list, report, history. Sending is `flockctl run`'s (the dispatcher).

use std::path::PathBuf;

use chrono::{DateTime, NaiveDateTime, Utc};
use clap::{Args, Subcommand};
use flock_core::campaigns::schedule::{local_to_utc, parse_time_zone};
use flock_core::campaigns::store::{self, local_time_zone, PreviewOptions};
use flock_core::campaigns::{
    transition, CampaignError, CampaignEvent, CampaignOptions, CsvInput, Day, NewCampaign, QuietHours, Schedule,
    ScheduleError,
};
use flock_core::db::Database;
use flock_core::entities::group;
use flock_core::paths::DataPaths;
use flock_core::repo::contacts::ContactQuery;
use flock_core::{ErrorKind, ErrorReport};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

use crate::cli::Cli;
use crate::output::print_json;

#[derive(Debug, Subcommand)]
pub enum CampaignsCommand {
    /// Create a campaign (a draft): text, media, link, audience, accounts, schedule.
    Create(Box<CreateArgs>),
    /// What a start would do: sample texts, identical texts, audience count, forecast.
    Preview(PreviewArgs),
    /// Write the outbox (one row per target) and start, or schedule for --start-at.
    Start(IdArgs),
    Pause(ReasonArgs),
    Resume(ReasonArgs),
    /// Stop for good: what is still pending is skipped.
    Cancel(ReasonArgs),
    /// Status, counts by status, forecast.
    Show(IdArgs),
    List,
    /// One CSV line per target: status, account, times, reason.
    Report(ReportArgs),
    /// Every status change with its reason.
    History(IdArgs),
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    #[arg(long)]
    pub name: String,
    /// The message: spintax {Hi|Hello} and variables {{ first_name }}.
    #[arg(long, conflicts_with = "template_file", required_unless_present = "template_file")]
    pub text: Option<String>,
    /// Read the message from a file.
    #[arg(long, value_name = "FILE")]
    pub template_file: Option<PathBuf>,
    /// One image, video, audio file or document.
    #[arg(long, value_name = "MEDIA")]
    pub file: Option<PathBuf>,
    /// A link (WhatsApp's preview is made when it is sent).
    #[arg(long)]
    pub link: Option<String>,
    /// A group chat (…@g.us): one message into the group.
    #[arg(long = "group", value_name = "WAID")]
    pub groups: Vec<String>,
    /// Every current member of a group (…@g.us), each their own message.
    #[arg(long = "members-of", value_name = "WAID")]
    pub members_of: Vec<String>,
    /// Contacts with this tag.
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
    /// A contact by number.
    #[arg(long = "contact", value_name = "PHONE")]
    pub contacts: Vec<String>,
    /// A CSV: its people become contacts, its columns variables.
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
    /// One more filter, the AND of these (as on the Contacts page).
    #[arg(long)]
    pub region: Option<String>,
    #[arg(long)]
    pub state: Option<String>,
    #[arg(long)]
    pub district: Option<String>,
    #[arg(long)]
    pub segment: Option<String>,
    #[arg(long)]
    pub search: Option<String>,
    /// A Contacts page filter as JSON, e.g. '{"district":"Salem","consent":true}'.
    #[arg(long = "filter", value_name = "JSON")]
    pub filters: Vec<String>,
    /// Country for numbers without a country code (two letters).
    #[arg(long, default_value = "IN")]
    pub default_country: String,
    /// An account that may send (default: every active account).
    #[arg(long = "account", value_name = "ID")]
    pub accounts: Vec<i64>,
    /// Not before this time: RFC 3339, or "2026-12-05 09:00" in --time-zone.
    #[arg(long, value_name = "TIME")]
    pub start_at: Option<String>,
    /// IANA time zone of the schedule (default: this computer's).
    #[arg(long, value_name = "ZONE")]
    pub time_zone: Option<String>,
    /// No sending between these times, e.g. 21:00-09:00.
    #[arg(long, value_name = "HH:MM-HH:MM")]
    pub quiet_hours: Option<String>,
    /// Days it may send on, e.g. mon-fri or mon,wed,fri (default: every day).
    #[arg(long)]
    pub days: Option<String>,
    /// Skip people any campaign has sent to in the last N days.
    #[arg(long, value_name = "N")]
    pub skip_contacted_days: Option<u32>,
    /// Only people who gave consent or wrote to us first.
    #[arg(long)]
    pub consented_only: bool,
}

#[derive(Debug, Args)]
pub struct IdArgs {
    pub id: i64,
}

#[derive(Debug, Args)]
pub struct ReasonArgs {
    pub id: i64,
    /// Stored in the campaign's history.
    #[arg(long)]
    pub reason: Option<String>,
}

#[derive(Debug, Args)]
pub struct PreviewArgs {
    pub id: i64,
    /// A target to render (phone, …@lid or …@g.us); default: the first few.
    #[arg(long = "sample", value_name = "TARGET")]
    pub samples: Vec<String>,
    /// How many targets to render without --sample.
    #[arg(long, default_value_t = 3)]
    pub count: usize,
    /// Country of --sample numbers written without a country code.
    #[arg(long, default_value = "IN")]
    pub default_country: String,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    pub id: i64,
    /// CSV (the only format; accepted for clarity).
    #[arg(long)]
    pub csv: bool,
    /// Write to this file instead of the standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

fn invalid(message: String, fix: &str) -> ErrorReport {
    ErrorReport { kind: ErrorKind::InvalidInput, message, fix: Some(fix.into()) }
}

fn group_id_form(w: &str) -> String {
    let w = w.trim();
    if w.contains('@') {
        w.to_string()
    } else {
        format!("{w}@g.us")
    }
}

fn start_at(text: &str, zone: chrono_tz::Tz) -> Result<DateTime<Utc>, ErrorReport> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text.trim()) {
        return Ok(t.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S"] {
        if let Ok(local) = NaiveDateTime::parse_from_str(text.trim(), format) {
            return local_to_utc(local.date(), local.time(), zone).map_err(|e| CampaignError::from(e).report());
        }
    }
    Err(invalid(
        format!("--start-at {text:?} is not a time"),
        "Write it as 2026-12-05T09:00:00+05:30, or 2026-12-05 09:00 in --time-zone",
    ))
}

fn schedule(args: &CreateArgs) -> Result<Schedule, ErrorReport> {
    let zone = match &args.time_zone {
        Some(z) => parse_time_zone(z).map_err(|e| CampaignError::from(e).report())?,
        None => local_time_zone(),
    };
    let mut s = Schedule::anytime(zone);
    s.start_at = args.start_at.as_deref().map(|t| start_at(t, zone)).transpose()?;
    let sched = |e: ScheduleError| CampaignError::from(e).report();
    s.quiet_hours = args.quiet_hours.as_deref().map(QuietHours::parse).transpose().map_err(sched)?;
    if let Some(d) = &args.days {
        s.days = Day::parse_list(d).map_err(sched)?;
    }
    Ok(s)
}

async fn filters(db: &Database, args: &CreateArgs) -> Result<Vec<ContactQuery>, ErrorReport> {
    let mut out: Vec<ContactQuery> = Vec::new();
    for w in &args.members_of {
        let wa_id = group_id_form(w);
        let g = group::Entity::find()
            .filter(group::Column::WaId.eq(wa_id.as_str()))
            .one(db.conn())
            .await
            .map_err(|e| CampaignError::from(e).report())?
            .ok_or_else(|| CampaignError::UnknownGroup(wa_id.clone()).report())?;
        out.push(ContactQuery { group_id: Some(g.id), ..Default::default() });
    }
    for t in &args.tags {
        out.push(ContactQuery { tag: Some(t.clone()), ..Default::default() });
    }
    let narrow = ContactQuery {
        region: args.region.clone(),
        state: args.state.clone(),
        district: args.district.clone(),
        segment: args.segment.clone(),
        search: args.search.clone(),
        ..Default::default()
    };
    if [&narrow.region, &narrow.state, &narrow.district, &narrow.segment, &narrow.search].iter().any(|v| v.is_some()) {
        out.push(narrow);
    }
    for f in &args.filters {
        let q: ContactQuery = serde_json::from_str(f).map_err(|e| {
            invalid(
                format!("--filter {f:?} is not a contacts filter: {e}"),
                "Write it as JSON, e.g. '{\"district\":\"Salem\"}'",
            )
        })?;
        out.push(q);
    }
    Ok(out)
}

async fn create(cli: &Cli, paths: &DataPaths, db: &Database, args: &CreateArgs) -> Result<(), ErrorReport> {
    let text = match (&args.text, &args.template_file) {
        (Some(t), _) => t.clone(),
        (None, Some(f)) => std::fs::read_to_string(f)
            .map_err(|e| invalid(format!("cannot read {}: {e}", f.display()), "Check the path of --template-file"))?,
        (None, None) => return Err(invalid("no message".into(), "Give --text or --template-file")),
    };
    let new = NewCampaign {
        name: args.name.clone(),
        text,
        media: args.file.clone(),
        link: args.link.clone(),
        groups: args.groups.iter().map(|g| group_id_form(g)).collect(),
        filters: filters(db, args).await?,
        contacts: args.contacts.clone(),
        csv: args.csv.as_ref().map(|p| CsvInput {
            path: p.clone(),
            default_country: args.default_country.clone(),
            mapping: None,
        }),
        default_country: args.default_country.clone(),
        accounts: args.accounts.clone(),
        schedule: schedule(args)?,
        options: CampaignOptions { skip_contacted_days: args.skip_contacted_days, permitted_only: args.consented_only },
    };
    let created = store::create(db.conn(), paths, &new).await?;
    if cli.json {
        print_json(&created);
    } else {
        println!("campaign {} created (draft, {})", created.id, created.kind.as_str());
        if let Some(c) = &created.csv {
            println!("{}: {} rows, {} targets, {} rejected", c.file_name, c.totals.rows, c.targets, c.rejected.len());
            for r in &c.rejected {
                println!("  row {}: {}", r.row, r.reason.as_deref().unwrap_or("rejected"));
            }
        }
        println!("next: flockctl campaigns preview {} ; flockctl campaigns start {}", created.id, created.id);
    }
    Ok(())
}

async fn step(
    cli: &Cli,
    db: &Database,
    id: i64,
    event: CampaignEvent,
    reason: Option<&str>,
) -> Result<(), ErrorReport> {
    let made = transition(db.conn(), id, &event, reason).await?;
    let view = store::show(db.conn(), id, Utc::now(), local_time_zone()).await?;
    if cli.json {
        print_json(&json!({ "id": id, "status": view.status, "reason": view.reason, "changed": made.is_some() }));
    } else {
        println!("campaign {id}: {} ({})", view.status, view.reason.unwrap_or_default());
    }
    Ok(())
}

pub async fn run(cli: &Cli, paths: &DataPaths, db: &Database, cmd: &CampaignsCommand) -> Result<(), ErrorReport> {
    let zone = local_time_zone();
    match cmd {
        CampaignsCommand::Create(args) => create(cli, paths, db, args).await,
        CampaignsCommand::Preview(args) => {
            // A number as typed ("98765 43210") means its E.164 key.
            let normalizer = flock_core::phone::PhoneNormalizer::new(&args.default_country).map_err(|e| {
                invalid(format!("--default-country {:?}: {e}", args.default_country), "Use two letters such as IN")
            })?;
            let targets = args
                .samples
                .iter()
                .map(|s| if s.contains('@') { s.trim().to_string() } else { normalizer.to_e164(s).unwrap_or_else(|_| s.clone()) })
                .collect();
            let options = PreviewOptions { targets, count: args.count };
            let p = store::preview(db.conn(), args.id, &options, Utc::now(), zone).await?;
            if cli.json {
                print_json(&p);
            } else {
                let a = &p.audience;
                println!(
                    "{} targets: {} to send, {} skipped {:?}",
                    a.targets, a.to_send, a.skipped, a.skipped_by_reason
                );
                println!(
                    "of those to send: {} consented, {} wrote first, {} only from groups, {} other",
                    a.consented, a.wrote_first, a.group_only, a.other
                );
                for s in &p.samples {
                    println!(
                        "-- {} ({}): {}",
                        s.target,
                        s.name.as_deref().unwrap_or(""),
                        s.text.as_deref().or(s.skip_reason.as_deref()).unwrap_or("")
                    );
                }
                if let Some(m) = &p.identical.message {
                    println!("warning: {m}");
                }
                println!("eta: {}", p.eta.text);
            }
            Ok(())
        }
        CampaignsCommand::Start(IdArgs { id }) => {
            let r = store::start(db.conn(), *id, Utc::now()).await?;
            if cli.json {
                print_json(&r);
            } else {
                let a = &r.audience;
                println!("campaign {id}: {} ({}); {} rows added", r.status, r.reason, r.added);
                println!(
                    "{} targets: {} to send, {} skipped {:?}",
                    a.targets, a.to_send, a.skipped, a.skipped_by_reason
                );
            }
            Ok(())
        }
        CampaignsCommand::Pause(a) => step(cli, db, a.id, CampaignEvent::Pause, a.reason.as_deref()).await,
        CampaignsCommand::Resume(a) => step(cli, db, a.id, CampaignEvent::Resume, a.reason.as_deref()).await,
        CampaignsCommand::Cancel(a) => step(cli, db, a.id, CampaignEvent::Cancel, a.reason.as_deref()).await,
        CampaignsCommand::Show(IdArgs { id }) => {
            let v = store::show(db.conn(), *id, Utc::now(), zone).await?;
            if cli.json {
                print_json(&v);
            } else {
                let c = &v.counts;
                println!("campaign {id} \"{}\": {} ({})", v.name, v.status, v.reason.as_deref().unwrap_or(""));
                println!(
                    "pending {}, sending {}, sent {}, delivered {}, read {}, failed {}, skipped {}",
                    c.pending, c.sending, c.sent, c.delivered, c.read, c.failed, c.skipped
                );
                if let Some(eta) = &v.eta {
                    println!("eta: {}", eta.text);
                }
            }
            Ok(())
        }
        CampaignsCommand::List => {
            let all = store::list(db.conn()).await?;
            if cli.json {
                print_json(&json!({ "campaigns": all }));
            } else {
                for c in all {
                    println!("{:>5}  {:<10} {:<30} {} targets", c.id, c.status.as_str(), c.name, c.counts.total());
                }
            }
            Ok(())
        }
        CampaignsCommand::Report(args) => {
            let written = match &args.out {
                Some(path) => {
                    let file = std::fs::File::create(path).map_err(|e| {
                        invalid(format!("cannot write {}: {e}", path.display()), "Choose a folder you can write to")
                    })?;
                    store::report_csv(db.conn(), args.id, std::io::BufWriter::new(file)).await?
                }
                None => store::report_csv(db.conn(), args.id, std::io::stdout().lock()).await?,
            };
            if args.out.is_some() && cli.json {
                print_json(&json!({ "id": args.id, "written": written }));
            }
            Ok(())
        }
        CampaignsCommand::History(IdArgs { id }) => {
            let events = store::events(db.conn(), *id).await?;
            if cli.json {
                print_json(&json!({ "id": id, "events": events }));
            } else {
                for e in events {
                    println!("{}  {} -> {}  {}: {}", e.at.to_rfc3339(), e.from, e.to, e.event, e.reason);
                }
            }
            Ok(())
        }
    }
}
