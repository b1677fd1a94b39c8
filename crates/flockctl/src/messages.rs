//! `flockctl messages send|exists`: one message (or one number check)
//! through an account's own session, headless. The command holds the data
//! folder's lock, brings the account back from its profile, and uses the
//! same `AccountManager` calls the dispatcher uses.
//!
//! `send --json` prints `{"event":"accepted","id":…}`, then one
//! `{"event":"ack","ack":N}` line per higher tick, and exits 0 once the
//! `--wait` tick is reached; otherwise `{"event":"failed",…}` (with the
//! error's stable name and whether the message may have gone out) and a
//! non-zero exit with the typed error.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand, ValueEnum};
use flock_core::accounts::{AccountError, AccountManager, AccountState};
use flock_core::paths::DataPaths;
use flock_core::{ErrorKind, ErrorReport};
use flock_wa::{Ack, Certainty, Content, MediaKind, MessageEvent, MessageId, SendOptions, SendRequest, WaId};
use serde_json::json;
use tokio::sync::broadcast;
use tokio::time::Instant;

use crate::cli::Cli;
use crate::output::print_json;

#[derive(Debug, Subcommand)]
pub enum MessagesCommand {
    /// Send one message through an account and follow its ticks.
    Send(SendArgs),
    /// Does a number have WhatsApp (asked through the account's session)?
    Exists {
        account: i64,
        /// The number with its country code, e.g. +919876543210.
        phone: String,
        /// How long to wait for the account's session.
        #[arg(long, default_value_t = 120, value_name = "SECS")]
        timeout: u64,
    },
}

#[derive(Debug, Args)]
pub struct SendArgs {
    pub account: i64,
    /// A phone with its country code (+91…), a group id (…@g.us) or a privacy id (…@lid).
    #[arg(long, value_name = "TARGET")]
    pub to: String,
    #[arg(long, value_name = "TEXT", required_unless_present = "file", conflicts_with = "file")]
    pub text: Option<String>,
    /// An image, video or audio file is sent as such (its type read from its
    /// content), anything else as a document.
    #[arg(long, value_name = "PATH")]
    pub file: Option<PathBuf>,
    #[arg(long, value_name = "TEXT", requires = "file")]
    pub caption: Option<String>,
    /// The tick to wait for.
    #[arg(long, value_enum, default_value_t = Wait::Sent)]
    pub wait: Wait,
    /// Give up waiting after this many seconds (for the session and for the tick).
    #[arg(long, default_value_t = 120, value_name = "SECS")]
    pub timeout: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Wait {
    /// One tick: the server has it.
    Sent,
    /// Two ticks: on the phone.
    Delivered,
    /// Blue ticks.
    Read,
}

impl Wait {
    fn ack(self) -> Ack {
        match self {
            Wait::Sent => Ack::Server,
            Wait::Delivered => Ack::Device,
            Wait::Read => Ack::Read,
        }
    }
}

fn invalid(message: String, fix: &str) -> ErrorReport {
    ErrorReport { kind: ErrorKind::InvalidInput, message, fix: Some(fix.into()) }
}

/// `+91…` is a user chat; anything with `@` is read as a WhatsApp id.
fn target(to: &str) -> Result<WaId, ErrorReport> {
    let to = to.trim();
    let parsed = if to.contains('@') { WaId::parse(to) } else { WaId::from_e164(to) };
    parsed.map_err(|e| {
        invalid(format!("\"{to}\" is not a phone number or WhatsApp id: {e}"), "Use +<country code><number>, or a group id ending in @g.us")
    })
}

fn content(args: &SendArgs) -> Result<Content, ErrorReport> {
    if let Some(body) = &args.text {
        return Ok(Content::Text { body: body.clone() });
    }
    let Some(path) = args.file.clone() else {
        return Err(invalid("nothing to send".into(), "Pass --text TEXT or --file PATH"));
    };
    let media = flock_core::campaigns::media::check(&path).map_err(ErrorReport::from)?;
    let caption = args.caption.clone();
    Ok(match media.kind {
        MediaKind::Image => Content::Image { path, caption },
        MediaKind::Video => Content::Video { path, caption },
        MediaKind::Audio => Content::Audio { path },
        MediaKind::Document => Content::Document { path, caption, file_name: None },
    })
}

/// Brings the account back from its profile and waits until its session
/// is active here.
async fn until_active(m: &AccountManager, id: i64, deadline: Instant) -> Result<(), ErrorReport> {
    m.restore(id).await?;
    loop {
        let a = m.get(id).await?;
        if a.state == AccountState::Active && a.running {
            return Ok(());
        }
        let settled = matches!(
            a.state,
            AccountState::New | AccountState::LoggedOut | AccountState::LinkExpired | AccountState::Failed
        ) || (a.state == AccountState::Restricted && !a.running);
        if settled {
            return Err(AccountError::NotActive { name: a.name, state: a.state.as_str().into() }.into());
        }
        if Instant::now() >= deadline {
            return Err(ErrorReport {
                kind: ErrorKind::Browser,
                message: format!("account {id} was not active within the timeout ({})", a.state.as_str()),
                fix: Some("Check the account with flockctl accounts list, or pass a longer --timeout".into()),
            });
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

pub async fn run(cli: &Cli, paths: &DataPaths, cmd: &MessagesCommand) -> Result<(), ErrorReport> {
    let svc = crate::accounts::service(cli, paths).await?;
    let result = match cmd {
        MessagesCommand::Send(args) => send(cli, &svc.manager, args).await,
        MessagesCommand::Exists { account, phone, timeout } => {
            exists(cli, &svc.manager, *account, phone, Duration::from_secs(*timeout)).await
        }
    };
    svc.stop().await;
    result
}

async fn exists(cli: &Cli, m: &AccountManager, id: i64, phone: &str, timeout: Duration) -> Result<(), ErrorReport> {
    let who = target(phone)?;
    until_active(m, id, Instant::now() + timeout).await?;
    let found = m.exists(id, &who).await?;
    let wa_id = found.as_ref().map(|w| w.to_string());
    if cli.json {
        print_json(&json!({"exists": found.is_some(), "waId": wa_id}));
    } else {
        match wa_id {
            Some(w) => println!("{phone} is on WhatsApp ({w})"),
            None => println!("{phone} is not on WhatsApp"),
        }
    }
    Ok(())
}

async fn send(cli: &Cli, m: &AccountManager, args: &SendArgs) -> Result<(), ErrorReport> {
    let req = SendRequest { id: MessageId::new(), target: target(&args.to)?, content: content(args)? };
    let deadline = Instant::now() + Duration::from_secs(args.timeout);
    until_active(m, args.account, deadline).await?;
    // Subscribed before the send: no tick is missed.
    let mut ticks = m.messages();
    let accepted = match m.send(args.account, &req, SendOptions::default()).await {
        Ok(a) => a,
        Err(e) => {
            if let AccountError::Send { source, .. } = &e {
                let maybe_sent = source.certainty() == Certainty::Unknown;
                if cli.json {
                    print_json(&json!({"event": "failed", "id": req.id.as_str(), "error": source.kind(), "maybeSent": maybe_sent}));
                }
            }
            return Err(e.into());
        }
    };
    if cli.json {
        print_json(&json!({"event": "accepted", "id": accepted.id.as_str(), "key": accepted.key, "chat": accepted.chat.to_string(), "at": accepted.at}));
    } else {
        println!("sent {} (one tick)", accepted.id.as_str());
    }
    let wanted = args.wait.ack();
    let mut best = Ack::Server;
    print_ack(cli, best);
    while best < wanted {
        let ev = match tokio::time::timeout_at(deadline, ticks.recv()).await {
            Ok(Ok(ev)) => ev,
            Ok(Err(broadcast::error::RecvError::Lagged(_))) => continue,
            Ok(Err(broadcast::error::RecvError::Closed)) => return Err(AccountError::Stopped.into()),
            Err(_) => {
                return Err(ErrorReport {
                    kind: ErrorKind::Browser,
                    message: format!("message {} reached ack {} but not {} within {} s", req.id.as_str(), best.code(), wanted.code(), args.timeout),
                    fix: Some("The phone may be offline; the message is sent and keeps its id. Pass a longer --timeout".into()),
                })
            }
        };
        let (account_id, MessageEvent::Ack { id, ack, .. }) = (ev.account_id, ev.event) else { continue };
        if account_id != args.account || id != req.id {
            continue;
        }
        if let Ack::Failed(code) = ack {
            print_ack(cli, ack);
            return Err(ErrorReport {
                kind: ErrorKind::Browser,
                message: format!("WhatsApp failed message {} after accepting it (ack {code})", req.id.as_str()),
                fix: Some("Check the number and the account (a restricted account's first messages fail so)".into()),
            });
        }
        if ack > best {
            best = ack;
            print_ack(cli, ack);
        }
    }
    Ok(())
}

fn print_ack(cli: &Cli, ack: Ack) {
    if cli.json {
        print_json(&json!({"event": "ack", "ack": ack.code()}));
    } else {
        println!("ack {}", ack.code());
    }
}
