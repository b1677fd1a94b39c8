//! Who a campaign reaches: its audience resolved to targets, one per person
//! (E.164 phone, or the privacy id of a person whose phone is hidden) or
//! group chat, each with the reason it is skipped, if any.
//!
//! A person reached through several filters, groups' memberships, the list
//! and the CSV is one contact row, so one target. The skip rules, in order:
//! one of our own accounts, opted out (the suppression list by every key of
//! the person, and the contact's mirror of it), phone hidden, known not on
//! WhatsApp, contacted by any campaign in the last N days (option), no
//! consent and never wrote (option).
//!
//! Everything is read in a handful of queries whatever the audience size:
//! the contacts in one select, the suppression list, the recently contacted
//! keys and the CSV variables each in one more.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    sea_query::{Expr, Query},
    ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect,
};

use super::super::model::{Audience, CampaignOptions};
use super::super::vars::TargetVars;
use crate::dispatch::{MessageStatus, SkipReason};
use crate::entities::{account, campaign_variable, contact, group, message, suppression};
use crate::repo::contacts::{filter_condition, ContactSource};
use crate::repo::outbox::TargetKind;
use crate::repo::suppressions::person_keys;
use crate::repo::RepoError;

/// The columns of a contact a campaign needs: its keys and name, the fields
/// the template uses (the others are read as NULL), and its timestamps as flag
/// bits (decoding 100,000 × 4 timestamps costs more than the rest).
#[derive(Debug, Clone, FromQueryResult)]
pub(crate) struct Person {
    pub id: i64,
    pub phone: Option<String>,
    pub lid: Option<String>,
    pub name: Option<String>,
    pub region: Option<String>,
    pub state: Option<String>,
    pub district: Option<String>,
    pub segment: Option<String>,
    pub sources: i32,
    /// [`CONSENTED`] | [`WROTE_FIRST`] | [`OPTED_OUT`] | [`NOT_ON_WHATSAPP`].
    pub flags: i32,
}

const CONSENTED: i32 = 1;
const WROTE_FIRST: i32 = 2;
const OPTED_OUT: i32 = 4;
const NOT_ON_WHATSAPP: i32 = 8;

/// Which contact fields the template uses.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Wanted {
    pub region: bool,
    pub state: bool,
    pub district: bool,
    pub segment: bool,
}

impl Wanted {
    pub fn of(variables: &[String]) -> Self {
        let has = |v: &str| variables.iter().any(|x| x == v);
        Self { region: has("region"), state: has("state"), district: has("district"), segment: has("segment") }
    }
}

/// On what basis a person may be contacted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Basis {
    pub consented: bool,
    pub wrote_first: bool,
    /// Known only from groups: no other source, no consent, never wrote.
    pub group_only: bool,
}

/// One resolved target, before its text is rendered.
#[derive(Debug, Clone)]
pub struct Target {
    pub key: String,
    pub kind: TargetKind,
    pub contact_id: Option<i64>,
    pub group_id: Option<i64>,
    /// The contact's name or the group's subject.
    pub name: Option<String>,
    /// `None` for a group chat.
    pub basis: Option<Basis>,
    pub skip: Option<SkipReason>,
    pub vars: TargetVars,
}

/// The contacts of an audience: any filter, the listed numbers, the CSV's
/// rows (`None`: no contact part at all).
pub(crate) fn contacts_condition(audience: &Audience, campaign_id: i64, backend: DbBackend) -> Option<Condition> {
    let mut any = Condition::any();
    let mut parts = 0;
    for f in &audience.filters {
        any = any.add(filter_condition(f, backend));
        parts += 1;
    }
    if !audience.contacts.is_empty() {
        any = any.add(contact::Column::Phone.is_in(audience.contacts.clone()));
        parts += 1;
    }
    if audience.csv.is_some() {
        any = any.add(
            contact::Column::Phone.in_subquery(
                Query::select()
                    .column(campaign_variable::Column::TargetKey)
                    .from(campaign_variable::Entity)
                    .and_where(campaign_variable::Column::CampaignId.eq(campaign_id))
                    .to_owned(),
            ),
        );
        parts += 1;
    }
    (parts > 0).then_some(any)
}

/// The groups of an audience that exist, in the audience's order.
pub(crate) async fn audience_groups(
    db: &impl ConnectionTrait,
    audience: &Audience,
) -> Result<Vec<group::Model>, RepoError> {
    if audience.groups.is_empty() {
        return Ok(Vec::new());
    }
    let found = group::Entity::find().filter(group::Column::WaId.is_in(audience.groups.clone())).all(db).await?;
    let mut by_id: HashMap<String, group::Model> = found.into_iter().map(|g| (g.wa_id.clone(), g)).collect();
    Ok(audience.groups.iter().filter_map(|w| by_id.remove(w)).collect())
}

async fn people(db: &impl ConnectionTrait, cond: Condition, wanted: Wanted) -> Result<Vec<Person>, RepoError> {
    use contact::Column as C;
    let flag = |sql: &str, bit: i32| format!("(CASE WHEN {sql} THEN {bit} ELSE 0 END)");
    let flags = [
        flag("consent_at IS NOT NULL", CONSENTED),
        flag("first_inbound_at IS NOT NULL", WROTE_FIRST),
        flag("opted_out_at IS NOT NULL", OPTED_OUT),
        flag("on_whatsapp = FALSE", NOT_ON_WHATSAPP),
    ]
    .join(" + ");
    let mut q = contact::Entity::find().select_only().columns([C::Id, C::Phone, C::Lid, C::Name, C::Sources]);
    for (col, alias, want) in [
        (C::Region, "region", wanted.region),
        (C::State, "state", wanted.state),
        (C::District, "district", wanted.district),
        (C::Segment, "segment", wanted.segment),
    ] {
        q = if want { q.column(col) } else { q.column_as(Expr::cust("NULL"), alias) };
    }
    Ok(q.column_as(Expr::cust(flags), "flags").filter(cond).order_by_asc(C::Id).into_model::<Person>().all(db).await?)
}

/// Every key of every one of our accounts (phone and WhatsApp id).
async fn own_keys(db: &impl ConnectionTrait) -> Result<HashSet<String>, RepoError> {
    let rows: Vec<(Option<String>, Option<String>)> = account::Entity::find()
        .select_only()
        .column(account::Column::Phone)
        .column(account::Column::WaId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.iter().flat_map(|(p, w)| person_keys(p.as_deref(), w.as_deref())).map(|k| k.key).collect())
}

/// The whole suppression list (one scan: cheaper than 100,000 lookups).
async fn suppressed(db: &impl ConnectionTrait) -> Result<HashSet<String>, RepoError> {
    let keys: Vec<String> =
        suppression::Entity::find().select_only().column(suppression::Column::Key).into_tuple().all(db).await?;
    Ok(keys.into_iter().collect())
}

/// Keys any other campaign has sent to (or is sending to) since `since`.
async fn contacted_since(
    db: &impl ConnectionTrait,
    campaign_id: i64,
    since: DateTime<Utc>,
) -> Result<HashSet<String>, RepoError> {
    let keys: Vec<String> = message::Entity::find()
        .select_only()
        .column(message::Column::TargetKey)
        .distinct()
        .filter(message::Column::CampaignId.ne(campaign_id))
        .filter(
            Condition::any()
                .add(message::Column::SentAt.gte(since))
                .add(message::Column::Status.eq(MessageStatus::Sending.as_str())),
        )
        .into_tuple()
        .all(db)
        .await?;
    Ok(keys.into_iter().collect())
}

/// The CSV's variables of each target of a campaign.
pub(crate) async fn csv_vars(
    db: &impl ConnectionTrait,
    campaign_id: i64,
) -> Result<HashMap<String, serde_json::Map<String, serde_json::Value>>, RepoError> {
    let rows: Vec<(String, serde_json::Value)> = campaign_variable::Entity::find()
        .select_only()
        .column(campaign_variable::Column::TargetKey)
        .column(campaign_variable::Column::Vars)
        .filter(campaign_variable::Column::CampaignId.eq(campaign_id))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(k, v)| match v {
            serde_json::Value::Object(m) => Some((k, m)),
            _ => None,
        })
        .collect())
}

fn person_vars(p: &Person, csv: Option<&serde_json::Map<String, serde_json::Value>>, used: &[String]) -> TargetVars {
    let mut v = TargetVars::new();
    // The campaign's CSV speaks for its rows; the contact fills the rest.
    if let Some(cols) = csv {
        for k in used {
            if let Some(s) = cols.get(k).and_then(|x| x.as_str()) {
                v.set(k, s);
            }
        }
        if v.get("name").is_none() && used.iter().any(|u| u == "first_name") {
            if let Some(s) = cols.get("name").and_then(|x| x.as_str()) {
                v.set_name(s);
            }
        }
    }
    for (key, value) in [("region", &p.region), ("state", &p.state), ("district", &p.district), ("segment", &p.segment)]
    {
        if let (None, Some(x)) = (v.get(key), value) {
            v.set(key, x);
        }
    }
    if let Some(n) = v.get("name").map(str::to_owned).or_else(|| p.name.clone()) {
        v.set_name(&n);
    }
    v
}

fn group_vars(g: &group::Model) -> TargetVars {
    let mut v = TargetVars::new();
    v.set("name", &g.subject);
    for (key, value) in [("region", &g.region), ("state", &g.state), ("district", &g.district)] {
        if let Some(x) = value {
            v.set(key, x);
        }
    }
    v
}

/// The audience of campaign `campaign_id` resolved at `now`: group chats
/// first (in the audience's order), then people by contact id.
pub(crate) async fn resolve(
    db: &impl ConnectionTrait,
    campaign_id: i64,
    audience: &Audience,
    options: &CampaignOptions,
    used: &[String],
    now: DateTime<Utc>,
) -> Result<Vec<Target>, RepoError> {
    let mut out = Vec::new();
    for g in audience_groups(db, audience).await? {
        out.push(Target {
            key: g.wa_id.clone(),
            kind: TargetKind::Group,
            contact_id: None,
            group_id: Some(g.id),
            name: Some(g.subject.clone()),
            basis: None,
            skip: None,
            vars: group_vars(&g),
        });
    }
    let Some(cond) = contacts_condition(audience, campaign_id, db.get_database_backend()) else {
        return Ok(out);
    };
    let people = people(db, cond, Wanted::of(used)).await?;
    let own = own_keys(db).await?;
    let suppressed = suppressed(db).await?;
    let recent = match options.skip_contacted_days {
        Some(days) => Some((days, contacted_since(db, campaign_id, now - Duration::days(i64::from(days))).await?)),
        None => None,
    };
    let csv = if audience.csv.is_some() { csv_vars(db, campaign_id).await? } else { HashMap::new() };
    out.reserve(people.len());
    for p in people {
        let (key, kind) = match (&p.phone, &p.lid) {
            (Some(phone), _) => (phone.clone(), TargetKind::Phone),
            (None, Some(lid)) => (lid.clone(), TargetKind::Lid),
            (None, None) => continue,
        };
        // A contact's key is unique (phone and lid are unique columns, and
        // never a group's `@g.us`): no de-duplication needed here.
        // Phones and privacy ids are stored as the suppression list and the
        // outbox key them (E.164, `<id>@lid`): a direct lookup of each.
        let any_in = |set: &HashSet<String>| {
            p.phone.as_ref().is_some_and(|k| set.contains(k)) || p.lid.as_ref().is_some_and(|k| set.contains(k))
        };
        let has = |bit: i32| p.flags & bit != 0;
        let basis = Basis {
            consented: has(CONSENTED),
            wrote_first: has(WROTE_FIRST),
            group_only: p.sources == ContactSource::GroupSync.bit() && !has(CONSENTED) && !has(WROTE_FIRST),
        };
        let skip = if any_in(&own) {
            Some(SkipReason::OwnAccount)
        } else if has(OPTED_OUT) || any_in(&suppressed) {
            Some(SkipReason::OptedOut)
        } else if p.phone.is_none() {
            Some(SkipReason::PhoneHidden)
        } else if has(NOT_ON_WHATSAPP) {
            Some(SkipReason::NotOnWhatsApp)
        } else if let Some((days, _)) = recent.as_ref().filter(|(_, set)| any_in(set)) {
            Some(SkipReason::RecentlyContacted { days: *days })
        } else if options.permitted_only && !basis.consented && !basis.wrote_first {
            Some(SkipReason::NoConsent)
        } else {
            None
        };
        let vars = if skip.is_none() { person_vars(&p, csv.get(&key), used) } else { TargetVars::new() };
        out.push(Target {
            key,
            kind,
            contact_id: Some(p.id),
            group_id: None,
            name: p.name,
            basis: Some(basis),
            skip,
            vars,
        });
    }
    Ok(out)
}
