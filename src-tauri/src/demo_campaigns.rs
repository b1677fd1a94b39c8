//! Demo mode's campaigns, made once (on a demo database with none) through
//! the same core calls the Campaigns screens use, and sent by the real
//! dispatcher to the simulator: "Diwali offer" to a few synced contacts,
//! which completes, some of it read on the phones and answered (one answer
//! is STOP); then "Pongal greetings" to more of them, which runs at the
//! accounts' ordinary pace (slowly, as a real one does). The demo accounts
//! get the default limits without the ramp-up of a newly linked account.

use std::time::Duration;

use chrono::Utc;
use flock_core::campaigns::lifecycle::CampaignStatus;
use flock_core::campaigns::store::{self, desk, local_time_zone};
use flock_core::campaigns::{NewCampaign, Schedule};
use flock_core::db::Database;
use flock_core::dispatch::store::accounts as limits_store;
use flock_core::dispatch::Limits;
use flock_core::paths::DataPaths;
use flock_core::repo::contacts::{search, ContactQuery};
use flock_sim::{Inbound, SimHandle};

/// How long the first campaign may take to complete before the demo stops waiting.
const FINISH_WITHIN: Duration = Duration::from_secs(300);
/// How often the filler looks at the first campaign (a background fixture, not a screen).
const LOOK_EVERY: Duration = Duration::from_secs(2);
const REPLIES: [&str; 3] = ["Price please? Is the offer for wholesale too?", "Thank you, will visit on Saturday", "STOP"];

pub async fn seed(db: &Database, paths: &DataPaths, sim: &SimHandle) -> Result<(), String> {
    let conn = db.conn();
    if !store::list(conn).await.map_err(|e| e.to_string())?.is_empty() {
        return Ok(());
    }
    // A demo account is "just linked": without this its ramp-up would hold every send for an hour.
    let senders = desk::senders(conn, Utc::now()).await.map_err(|e| e.to_string())?;
    for s in senders {
        let limits = Limits { ramp_up: None, ..Limits::default() };
        limits_store::set_limits(conn, s.account_id, &limits).await.map_err(|e| e.to_string())?;
    }
    let query = ContactQuery { phone_hidden: Some(false), page_size: 60, ..Default::default() };
    let phones: Vec<String> = search(conn, &query).await.map_err(|e| e.to_string())?.items.into_iter().filter_map(|c| c.phone).collect();
    if phones.len() < 12 {
        return Err(format!("only {} contacts with a phone to send to", phones.len()));
    }
    let (first, rest) = phones.split_at(9);
    let offer = start(db, paths, "Diwali offer", "Vanakkam {{ first_name | default(\"friend\") }}! {Diwali|Festival} offer: 10% off all week at our shop.", first).await?;
    wait_completed(db, offer).await?;
    answer(sim, first).await;
    start(db, paths, "Pongal greetings", "Happy {Pongal|Pongal festival}, {{ first_name | default(\"friend\") }}! New stock arrives on Monday.", rest).await?;
    tracing::info!("demo: campaigns made");
    Ok(())
}

async fn start(db: &Database, paths: &DataPaths, name: &str, text: &str, phones: &[String]) -> Result<i64, String> {
    let new = NewCampaign {
        name: name.into(),
        text: text.into(),
        media: None,
        link: None,
        groups: Vec::new(),
        filters: Vec::new(),
        contacts: phones.to_vec(),
        csv: None,
        default_country: "IN".into(),
        accounts: Vec::new(),
        schedule: Schedule::anytime(local_time_zone()),
        options: Default::default(),
    };
    let created = store::create(db.conn(), paths, &new).await.map_err(|e| e.to_string())?;
    store::start(db.conn(), created.id, Utc::now()).await.map_err(|e| e.to_string())?;
    Ok(created.id)
}

async fn wait_completed(db: &Database, id: i64) -> Result<(), String> {
    let waited = tokio::time::timeout(FINISH_WITHIN, async {
        loop {
            if let Ok(c) = store::load(db.conn(), id).await {
                if c.state.status == CampaignStatus::Completed {
                    return;
                }
            }
            tokio::time::sleep(LOOK_EVERY).await;
        }
    })
    .await;
    waited.map_err(|_| format!("campaign {id} did not complete in {} s", FINISH_WITHIN.as_secs()))
}

/// The people's phones: two thirds read the message, three answer it.
async fn answer(sim: &SimHandle, phones: &[String]) {
    let sent: Vec<_> = sim.ledger_accepted().await.into_iter().filter(|e| e.target.as_ref().is_some_and(|t| phones.contains(t))).collect();
    for (i, e) in sent.iter().enumerate() {
        if i % 3 != 2 {
            if let Err(err) = sim.ack(&e.id, 3).await {
                tracing::debug!(error = %err, "demo: read ack");
            }
        }
    }
    for (e, text) in sent.iter().zip(REPLIES) {
        let Some(target) = e.target.clone() else { continue };
        let reply = Inbound { from: target, to: e.from.clone(), text: text.into(), group: None, quoted: Some(e.id.clone()), status: false };
        if let Err(err) = sim.inbound(reply).await {
            tracing::warn!(error = %err, "demo: a reply could not be sent");
        }
    }
}
