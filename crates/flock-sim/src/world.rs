//! The simulated world: phones, groups, linked devices, open page sessions,
//! message histories and the ledger. One mutex, held only for short
//! synchronous sections (never across an await). Groups are in
//! `groups.rs`, messages (sending, acks, inbound) in `messages.rs`.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use rand::rngs::StdRng;
use rand::SeedableRng;
use serde_json::{json, Map, Value};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use crate::api::*;
use crate::config::SimConfig;
use crate::error::{SimError, SimResult};
use crate::ids;

pub(crate) struct Phone {
    pub digits: String,
    pub name: String,
    pub lid: String,
    pub online: bool,
    /// Reachout timelock until this moment (`None`: not restricted).
    pub restricted_until: Option<DateTime<Utc>>,
    /// Bumped on every restrict/unrestrict, so that an old expiry timer
    /// does not lift a newer restriction.
    pub restrict_gen: u64,
    pub banned: bool,
    /// Digits of people who ever wrote to this phone.
    pub wrote_to_us: HashSet<String>,
    pub next_device: u32,
    pub max_sessions: u32,
}

impl Phone {
    pub fn restricted(&self) -> bool {
        self.restricted_until.is_some_and(|t| t > Utc::now())
    }
}

pub(crate) struct Group {
    pub info: GroupInfo,
    /// Digits of registered phones in the group.
    pub members: Vec<String>,
    /// Digits of registered phones removed from it: their pages keep the
    /// group, read-only and without them (as WhatsApp Web does).
    pub former: Vec<String>,
}

pub(crate) struct Device {
    pub digits: String,
    pub device: u32,
    /// Phone number → privacy id mappings this device learned (its local
    /// database in the real page), replayed with every sync.
    pub known_lids: BTreeSet<String>,
}

/// One message in a phone's history, as the page's local database holds it.
#[derive(Clone, Debug)]
pub(crate) struct HistMsg {
    pub id: String,
    pub from_me: bool,
    pub chat: String,
    pub author: Option<String>,
    pub body: String,
    pub kind: String,
    pub t: i64,
    pub ack: i32,
    pub notify_name: Option<String>,
    /// Further message fields as the page knows them (caption, filename,
    /// mimetype, size, quotedStanzaID, isSendFailure, ...).
    pub extra: Map<String, Value>,
}

impl HistMsg {
    pub fn serialized(&self) -> String {
        let mut s = format!("{}_{}_{}", self.from_me, self.chat, self.id);
        if let Some(a) = &self.author {
            if self.chat.ends_with("@g.us") || self.chat.ends_with("@broadcast") {
                s.push('_');
                s.push_str(a);
            }
        }
        s
    }

    pub fn to_json(&self) -> Value {
        let mut v = json!({
            "id": {"fromMe": self.from_me, "remote": self.chat, "id": self.id,
                   "participant": self.author, "_serialized": self.serialized()},
            "body": self.body, "type": self.kind, "t": self.t, "ack": self.ack,
            "author": self.author, "notifyName": self.notify_name,
        });
        if let Some(o) = v.as_object_mut() {
            for (k, val) in &self.extra {
                o.insert(k.clone(), val.clone());
            }
        }
        v
    }
}

/// Commands from the control API to a session actor.
pub(crate) enum SessionCmd {
    Scanned {
        qr: String,
        digits: String,
        reply: oneshot::Sender<SimResult<()>>,
    },
    Paired {
        code: String,
        digits: String,
        reply: oneshot::Sender<SimResult<()>>,
    },
    LoggedOut,
    Offline,
    Online,
    Conflict,
    Banned,
    Reload,
    /// The simulator shuts down: close the socket.
    Close,
}

pub(crate) struct SessionEntry {
    pub info: SessionInfo,
    pub cmd: mpsc::UnboundedSender<SessionCmd>,
    /// Raw frames to the page.
    pub out: mpsc::UnboundedSender<String>,
}

#[derive(Clone, Debug)]
pub(crate) struct MediaRec {
    pub info: MediaInfo,
}

pub(crate) struct World {
    pub config: SimConfig,
    pub phones: BTreeMap<String, Phone>,
    pub groups: BTreeMap<String, Group>,
    pub devices: HashMap<String, Device>,
    pub sessions: BTreeMap<Uuid, SessionEntry>,
    pub ledger: Vec<LedgerEntry>,
    pub history: HashMap<String, Vec<HistMsg>>,
    pub media: HashMap<String, MediaRec>,
    /// Privacy ids of people who are not registered phones (digits → lid).
    pub person_lids: HashMap<String, String>,
    pub rng: StdRng,
}

/// Shared state behind every handler, actor and [`crate::SimHandle`].
pub(crate) struct Shared {
    world: Mutex<World>,
    /// Set when the simulator shuts down (ends hanging uploads).
    pub stopping: AtomicBool,
}

pub(crate) type SharedRef = Arc<Shared>;

pub(crate) fn e164(digits: &str) -> String {
    format!("+{digits}")
}

impl Shared {
    pub fn new(config: SimConfig) -> SharedRef {
        Arc::new(Shared {
            world: Mutex::new(World {
                config,
                phones: BTreeMap::new(),
                groups: BTreeMap::new(),
                devices: HashMap::new(),
                sessions: BTreeMap::new(),
                ledger: Vec::new(),
                history: HashMap::new(),
                media: HashMap::new(),
                person_lids: HashMap::new(),
                rng: StdRng::seed_from_u64(0x5eed_f10c),
            }),
            stopping: AtomicBool::new(false),
        })
    }

    /// Locks the world. A poisoned lock (a panic elsewhere) still yields the
    /// data: the simulator keeps serving.
    pub fn lock(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl World {
    pub fn phone_info(&self, p: &Phone) -> PhoneInfo {
        let restricted = p.restricted();
        PhoneInfo {
            phone: e164(&p.digits),
            name: p.name.clone(),
            lid: format!("{}@lid", p.lid),
            online: p.online,
            restricted,
            banned: p.banned,
            restricted_until: p.restricted_until.filter(|_| restricted),
            linked_devices: self.devices.values().filter(|d| d.digits == p.digits).count() as u32,
            sessions: self.sessions_logged_in(&p.digits),
            max_concurrent_sessions: p.max_sessions,
        }
    }

    pub fn add_phone(&mut self, req: NewPhone) -> SimResult<PhoneInfo> {
        let digits = ids::phone_digits(&req.phone)?;
        if let Some(p) = self.phones.get_mut(&digits) {
            if !req.name.is_empty() {
                p.name = req.name;
            }
        } else {
            // Someone who already had a privacy id keeps it when registered.
            let lid = match self.person_lids.remove(&digits) {
                Some(l) => l,
                None => ids::new_lid(&mut self.rng),
            };
            let name = if req.name.is_empty() { e164(&digits) } else { req.name };
            self.phones.insert(
                digits.clone(),
                Phone {
                    digits: digits.clone(),
                    name,
                    lid,
                    online: true,
                    restricted_until: None,
                    restrict_gen: 0,
                    banned: false,
                    wrote_to_us: HashSet::new(),
                    next_device: 2,
                    max_sessions: 0,
                },
            );
        }
        let p = self.phones.get(&digits).ok_or_else(|| SimError::NotFound(req.phone.clone()))?;
        Ok(self.phone_info(p))
    }

    pub fn registered(&self, phone: &str) -> SimResult<String> {
        let digits = ids::phone_digits(phone)?;
        if self.phones.contains_key(&digits) {
            Ok(digits)
        } else {
            Err(SimError::NotFound(format!("phone {phone} is not registered (POST /_sim/phones first)")))
        }
    }

    /// The privacy id (digits) of a person on WhatsApp, made on first use.
    pub fn lid_of(&mut self, digits: &str) -> String {
        if let Some(p) = self.phones.get(digits) {
            return p.lid.clone();
        }
        if let Some(l) = self.person_lids.get(digits) {
            return l.clone();
        }
        let lid = ids::new_lid(&mut self.rng);
        self.person_lids.insert(digits.to_owned(), lid.clone());
        lid
    }

    /// The phone number (digits) behind a privacy id, if anyone has it.
    pub fn digits_of_lid(&self, lid: &str) -> Option<String> {
        let lid = lid.strip_suffix("@lid").unwrap_or(lid);
        self.phones
            .values()
            .find(|p| p.lid == lid)
            .map(|p| p.digits.clone())
            .or_else(|| self.person_lids.iter().find(|(_, l)| l.as_str() == lid).map(|(d, _)| d.clone()))
    }

    /// Sends a frame to every CONNECTED page of the phone.
    pub fn push_to_phone(&self, digits: &str, frame: &Value) {
        let phone = e164(digits);
        let text = frame.to_string();
        for s in self.sessions.values() {
            if s.info.phone.as_deref() == Some(phone.as_str()) && s.info.state == "CONNECTED" {
                let _ = s.out.send(text.clone());
            }
        }
    }

    /// Everything a page gets during the initial sync of `digits` (on the
    /// device `token`): groups, chats, contacts, the local history,
    /// lid mappings, the timelock state.
    pub fn sync_payload(&mut self, digits: &str, token: Option<&str>) -> Value {
        let mut groups: Vec<Value> = Vec::new();
        for g in self.groups.values() {
            if g.members.iter().any(|m| m == digits) {
                groups.push(self.group_json(&g.info));
            } else if g.former.iter().any(|m| m == digits) {
                let mut left = self.group_json(&g.info);
                left["left"] = json!(true);
                groups.push(left);
            }
        }
        let wrote: HashSet<String> = self.phones.get(digits).map(|p| p.wrote_to_us.clone()).unwrap_or_default();
        let hist: Vec<HistMsg> = self.history.get(digits).cloned().unwrap_or_default();
        let start = hist.len().saturating_sub(2_000);
        let msgs: Vec<Value> = hist[start..].iter().map(HistMsg::to_json).collect();
        let mut chats: Vec<Value> = Vec::new();
        let mut seen = HashSet::new();
        for g in self.groups.values() {
            let left = g.former.iter().any(|m| m == digits);
            if !left && !g.members.iter().any(|m| m == digits) {
                continue;
            }
            seen.insert(g.info.id.clone());
            chats.push(json!({"id": g.info.id, "name": g.info.subject, "isGroup": true, "t": g.info.creation,
                              "isReadOnly": left}));
        }
        for m in hist.iter().rev() {
            if m.chat.ends_with("@broadcast") || !seen.insert(m.chat.clone()) {
                continue;
            }
            let person = self.person_of_chat(&m.chat);
            let name = person.as_deref().map(e164);
            let tc = person.as_ref().filter(|d| wrote.contains(*d)).map(|d| tc_token(digits, d));
            chats.push(
                json!({"id": m.chat, "name": name, "isGroup": m.chat.ends_with("@g.us"), "t": m.t, "tcToken": tc}),
            );
        }
        let mut contacts: Vec<Value> = Vec::new();
        let mut cseen = HashSet::new();
        for m in hist.iter() {
            if !m.from_me && m.chat.ends_with("@c.us") && cseen.insert(m.chat.clone()) {
                contacts.push(json!({"id": m.chat, "pushname": m.notify_name, "isMyContact": false}));
            }
        }
        // Mappings the device learned, plus everyone who wrote to us.
        let mut pns: BTreeSet<String> =
            token.and_then(|t| self.devices.get(t)).map(|d| d.known_lids.clone()).unwrap_or_default();
        pns.extend(wrote.iter().cloned());
        let mappings: Vec<Value> = pns.iter().map(|pn| json!({"pn": pn, "lid": self.lid_of(pn)})).collect();
        let timelock = self.phones.get(digits).map(timelock_json);
        json!({"t": "sync_data", "groups": groups, "chats": chats, "msgs": msgs, "contacts": contacts,
               "mappings": mappings, "timelock": timelock})
    }

    /// The phone number (digits) of the person a one-to-one chat is with.
    pub fn person_of_chat(&self, chat: &str) -> Option<String> {
        if let Some(d) = chat.strip_suffix("@c.us") {
            return Some(d.to_owned());
        }
        if chat.ends_with("@lid") {
            return self.digits_of_lid(chat);
        }
        None
    }

    pub fn session_mut(&mut self, id: Uuid) -> Option<&mut SessionEntry> {
        self.sessions.get_mut(&id)
    }

    /// Sessions whose page shows a login for `digits` (or asked a pairing code for it).
    pub fn sessions_of(&self, digits: &str) -> Vec<mpsc::UnboundedSender<SessionCmd>> {
        let phone = e164(digits);
        self.sessions
            .values()
            .filter(|s| s.info.phone.as_deref() == Some(phone.as_str()))
            .map(|s| s.cmd.clone())
            .collect()
    }

    fn sessions_logged_in(&self, digits: &str) -> u32 {
        let phone = e164(digits);
        self.sessions.values().filter(|s| s.info.phone.as_deref() == Some(phone.as_str())).count() as u32
    }

    /// Records the most pages logged in as each phone at once.
    pub fn note_session_counts(&mut self) {
        let counts: Vec<(String, u32)> = self.phones.keys().map(|d| (d.clone(), self.sessions_logged_in(d))).collect();
        for (d, n) in counts {
            if let Some(p) = self.phones.get_mut(&d) {
                p.max_sessions = p.max_sessions.max(n);
            }
        }
    }

    pub fn not_on_whatsapp(&self, digits: &str) -> bool {
        self.config.not_on_whatsapp.iter().any(|n| ids::phone_digits(n).ok().as_deref() == Some(digits))
    }
}

/// The timelock as WhatsApp's server reports it (`mexFetchReachoutTimelock`).
pub(crate) fn timelock_json(p: &Phone) -> Value {
    match p.restricted_until.filter(|_| p.restricted()) {
        Some(until) => {
            json!({"is_active": true, "time_enforcement_ends": until.timestamp().to_string(), "enforcement_type": "DEFAULT"})
        }
        None => json!({"is_active": false, "time_enforcement_ends": null, "enforcement_type": null}),
    }
}

/// The trusted-contact token a chat carries once the other side wrote.
pub(crate) fn tc_token(me: &str, them: &str) -> String {
    use base64::Engine as _;
    use sha2::{Digest, Sha256};
    let h = Sha256::digest(format!("tc:{me}:{them}"));
    base64::engine::general_purpose::STANDARD.encode(&h[..16])
}
