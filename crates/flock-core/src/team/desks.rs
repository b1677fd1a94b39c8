//! The `workstations` table: each running Flock's row, written at start
//! and by every heartbeat, and the team list the Settings page and
//! `flockctl team` show.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, EntityTrait, QueryOrder};
use serde::Serialize;

use super::leases;
use super::Workstation;
use crate::entities::{account, workstation};
use crate::repo::RepoError;

/// Registers `me` (first call: with its start time) or beats its heart.
pub async fn register(db: &impl ConnectionTrait, me: &Workstation, started_at: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), RepoError> {
    let q = Query::update()
        .table(workstation::Entity)
        .value(workstation::Column::Name, me.name.as_str())
        .value(workstation::Column::Hostname, me.host.as_str())
        .value(workstation::Column::AppVersion, env!("CARGO_PKG_VERSION"))
        .value(workstation::Column::StartedAt, started_at)
        .value(workstation::Column::LastHeartbeatAt, now)
        .and_where(Expr::col(workstation::Column::Id).eq(me.id.as_str()))
        .to_owned();
    if db.execute(&q).await?.rows_affected() == 0 {
        workstation::ActiveModel {
            id: Set(me.id.clone()),
            hostname: Set(me.host.clone()),
            app_version: Set(Some(env!("CARGO_PKG_VERSION").into())),
            last_heartbeat_at: Set(now),
            created_at: Set(now),
            name: Set(Some(me.name.clone())),
            started_at: Set(Some(started_at)),
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

/// What an account view needs to know of the other desks: name and last heartbeat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeskInfo {
    pub name: String,
    pub last_heartbeat_at: DateTime<Utc>,
}

/// One workstation of the team, as the Settings page lists it.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct WorkstationView {
    pub id: String,
    pub name: String,
    pub host: String,
    pub app_version: Option<String>,
    pub started_at: Option<DateTime<Utc>>,
    pub last_heartbeat_at: DateTime<Utc>,
    /// Its heartbeat is younger than one lease.
    pub online: bool,
    /// This is the workstation asking.
    pub here: bool,
    /// The accounts whose lease it holds (or last held, when offline).
    pub accounts: Vec<WorkstationAccount>,
}

#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct WorkstationAccount {
    pub id: i64,
    pub name: String,
    /// Its lease is still running.
    pub leased: bool,
}

/// The team: every workstation, most recently seen first.
pub async fn list_workstations(
    db: &impl ConnectionTrait,
    me: &str,
    lease: std::time::Duration,
    now: DateTime<Utc>,
) -> Result<Vec<WorkstationView>, RepoError> {
    let rows = workstation::Entity::find().order_by_desc(workstation::Column::LastHeartbeatAt).all(db).await?;
    let names: HashMap<i64, String> = account::Entity::find().all(db).await?.into_iter().map(|a| (a.id, a.name)).collect();
    let leases = leases::all(db).await?;
    let fresh = chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::seconds(20));
    Ok(rows
        .into_iter()
        .map(|w| {
            let accounts = leases
                .iter()
                .filter(|(_, l)| l.holder.as_deref() == Some(w.id.as_str()))
                .map(|(id, l)| WorkstationAccount {
                    id: *id,
                    name: names.get(id).cloned().unwrap_or_default(),
                    leased: l.expires_at.is_some_and(|e| e > now),
                })
                .collect();
            WorkstationView {
                name: w.name.clone().unwrap_or_else(|| w.hostname.clone()),
                here: w.id == me,
                online: w.last_heartbeat_at + fresh > now,
                id: w.id,
                host: w.hostname,
                app_version: w.app_version,
                started_at: w.started_at,
                last_heartbeat_at: w.last_heartbeat_at,
                accounts,
            }
        })
        .collect())
}

/// Names and heartbeats of every workstation (for the account views).
pub async fn desk_infos(db: &impl ConnectionTrait) -> Result<HashMap<String, DeskInfo>, RepoError> {
    Ok(workstation::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|w| (w.id.clone(), DeskInfo { name: w.name.unwrap_or(w.hostname), last_heartbeat_at: w.last_heartbeat_at }))
        .collect())
}
