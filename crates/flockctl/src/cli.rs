use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "flockctl", version, about = "Flock's headless command line")]
pub struct Cli {
    /// Data folder (default: the folder the Flock app uses).
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Database URL: postgres://user:password@host:5432/db or sqlite://PATH
    /// (default: the app's settings, else the SQLite file in the data folder).
    #[arg(long, global = true, env = "FLOCK_DATABASE_URL", value_name = "URL", hide_env_values = true)]
    /// Redacted in `Debug`: it may hold a password.
    pub database_url: Option<flock_core::db::DatabaseUrl>,
    /// WhatsApp Web address.
    #[arg(long, global = true, default_value = "https://web.whatsapp.com/", value_name = "URL")]
    pub wa_url: String,
    /// Machine-readable output: one JSON object, or JSON lines for streams.
    #[arg(long, global = true)]
    pub json: bool,
    /// Demo mode: start the simulator's demo scenario in-process and point the sessions at it.
    #[arg(long, global = true)]
    pub demo: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// WhatsApp accounts: add, link, list, logout, reset, remove.
    #[command(subcommand)]
    Accounts(crate::accounts::AccountsCommand),
    /// Keep every linked account's session alive and send the running campaigns
    /// until stopped (or, with --until-idle, until there is nothing to do now).
    Run(crate::run::RunArgs),
    /// Messages our accounts received (replies, opt-outs).
    #[command(subcommand)]
    Inbox(crate::inbox::InboxCommand),
    /// The database: schema and status.
    #[command(subcommand)]
    Db(DbCommand),
    /// The WhatsApp Web simulator (tests and demo mode).
    #[command(subcommand)]
    Sim(SimCommand),
    /// Contacts: list, import, export, opt-out.
    #[command(subcommand)]
    Contacts(crate::contacts::ContactsCommand),
    /// Groups our accounts are in.
    #[command(subcommand)]
    Groups(crate::groups::GroupsCommand),
    /// Tags and the rules that tag on every sync.
    #[command(subcommand)]
    Tags(crate::groups::TagsCommand),
    /// Campaigns: create, preview, start, pause, resume, cancel, show, list, report.
    #[command(subcommand)]
    Campaigns(crate::campaigns::CampaignsCommand),
    /// One message, or one number check, through an account's own session.
    #[command(subcommand)]
    Messages(crate::messages::MessagesCommand),
    /// Team mode: the workstations sharing this database and the accounts each runs.
    #[command(subcommand)]
    Team(crate::team::TeamCommand),
    /// Measurements at scale (not tests).
    #[command(subcommand)]
    Bench(crate::bench::BenchCommand),
}

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Apply pending migrations.
    Migrate,
    /// Backend, applied and pending migrations, tables.
    Status,
}

#[derive(Debug, Subcommand)]
pub enum SimCommand {
    /// Serve the simulator until stopped (Ctrl-C).
    Serve(SimServeArgs),
}

#[derive(Debug, Args)]
pub struct SimServeArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Load a scenario (`demo`: three team phones and about 25 groups).
    #[arg(long)]
    pub scenario: Option<String>,
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    #[test]
    fn debug_of_the_command_line_hides_the_database_password() {
        let cli = super::Cli::try_parse_from(["flockctl", "--database-url", "postgres://flock:s3cret@db/flock", "db", "status"])
            .unwrap();
        let shown = format!("{cli:?}");
        assert!(!shown.contains("s3cret") && shown.contains("flock:****@db"), "{shown}");
        assert_eq!(cli.database_url.as_deref(), Some("postgres://flock:s3cret@db/flock"));
    }
}
