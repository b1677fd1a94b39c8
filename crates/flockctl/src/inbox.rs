//! `flockctl inbox list`: the messages our accounts received, newest first,
//! with the campaign message each answers and whether it opted out.

use clap::{Args, Subcommand};
use flock_core::db::Database;
use flock_core::inbox::{list, InboxQuery};
use flock_core::ErrorReport;

use crate::cli::Cli;
use crate::output::print_json;

#[derive(Debug, Subcommand)]
pub enum InboxCommand {
    /// Received messages (JSON: one array).
    List(ListArgs),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only those received by this account.
    #[arg(long)]
    pub account: Option<i64>,
    /// Only replies to this campaign's messages.
    #[arg(long)]
    pub campaign: Option<i64>,
    /// Only replies recognised as opt-outs.
    #[arg(long)]
    pub opt_outs: bool,
    #[arg(long, default_value_t = 100)]
    pub limit: u64,
}

pub async fn run(cli: &Cli, db: &Database, cmd: &InboxCommand) -> Result<(), ErrorReport> {
    let InboxCommand::List(a) = cmd;
    let q = InboxQuery { account_id: a.account, campaign_id: a.campaign, opt_outs: a.opt_outs, limit: a.limit };
    let entries = list(db.conn(), &q).await?;
    if cli.json {
        print_json(&entries);
        return Ok(());
    }
    for e in &entries {
        let who = e.contact_phone.as_deref().unwrap_or(e.author_id.as_deref().unwrap_or(&e.chat_id));
        let to = e.campaign_id.map(|c| format!(" (reply to campaign {c})")).unwrap_or_default();
        let stop = if e.is_opt_out { " [opt-out]" } else { "" };
        println!("{}  account {}  {who}{to}{stop}: {}", e.sent_at.format("%Y-%m-%d %H:%M"), e.account_id, e.body.as_deref().unwrap_or(&e.msg_type));
    }
    Ok(())
}
