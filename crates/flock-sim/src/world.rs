//! The simulated WhatsApp back end: phones, groups, linked devices, open
//! sessions, message history and the ledger. One mutex, held only for short
//! synchronous sections (never across an await).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::Utc;
use rand::rngs::StdRng;
use rand::SeedableRng;
use serde_json::{json, Value};
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
    pub restricted: bool,
    pub banned: bool,
    /// Digits of people who ever wrote to this phone.
    pub wrote_to_us: HashSet<String>,
    pub next_device: u32,
}

pub(crate) struct Group {
    pub info: GroupInfo,
    /// Digits of registered phones in the group.
    pub members: Vec<String>,
}

pub(crate) struct Device {
    pub digits: String,
    pub device: u32,
}

/// One message in a phone's history, as the page's `Msg` collection gets it.
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
}

impl HistMsg {
    pub fn serialized(&self) -> String {
        let mut s = format!("{}_{}_{}", self.from_me, self.chat, self.id);
        if let Some(a) = &self.author {
            if self.chat.ends_with("@g.us") {
                s.push('_');
                s.push_str(a);
            }
        }
        s
    }

    pub fn to_json(&self) -> Value {
        json!({
            "id": {"fromMe": self.from_me, "remote": self.chat, "id": self.id,
                   "participant": self.author, "_serialized": self.serialized()},
            "body": self.body, "type": self.kind, "t": self.t, "ack": self.ack,
            "author": self.author, "notifyName": self.notify_name,
        })
    }
}

/// Commands from the control API to a session actor.
pub(crate) enum SessionCmd {
    Scanned { qr: String, digits: String, reply: oneshot::Sender<SimResult<()>> },
    Paired { code: String, digits: String, reply: oneshot::Sender<SimResult<()>> },
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
    pub rng: StdRng,
}

/// Shared state behind every handler, actor and [`crate::SimHandle`].
pub(crate) struct Shared {
    world: Mutex<World>,
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
                rng: StdRng::seed_from_u64(0x5eed_f10c),
            }),
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
        PhoneInfo {
            phone: e164(&p.digits),
            name: p.name.clone(),
            lid: format!("{}@lid", p.lid),
            online: p.online,
            restricted: p.restricted,
            banned: p.banned,
            linked_devices: self.devices.values().filter(|d| d.digits == p.digits).count() as u32,
        }
    }

    pub fn add_phone(&mut self, req: NewPhone) -> SimResult<PhoneInfo> {
        let digits = ids::phone_digits(&req.phone)?;
        if let Some(p) = self.phones.get_mut(&digits) {
            if !req.name.is_empty() {
                p.name = req.name;
            }
        } else {
            let lid = ids::new_lid(&mut self.rng);
            let name = if req.name.is_empty() { e164(&digits) } else { req.name };
            self.phones.insert(
                digits.clone(),
                Phone { digits: digits.clone(), name, lid, online: true, restricted: false, banned: false,
                        wrote_to_us: HashSet::new(), next_device: 2 },
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

    pub fn add_group(&mut self, req: NewGroup) -> SimResult<GroupInfo> {
        if req.subject.trim().is_empty() {
            return Err(SimError::InvalidInput("a group needs a subject".into()));
        }
        let mut members = Vec::new();
        for m in &req.members_of {
            let d = self.registered(m)?;
            if !members.contains(&d) {
                members.push(d);
            }
        }
        let admins: Vec<String> = req.admins.iter().map(|a| ids::participant_wid(a)).collect::<SimResult<_>>()?;
        let mut participants: Vec<Participant> = Vec::new();
        let wanted = req.participants.iter().map(|p| ids::participant_wid(p)).collect::<SimResult<Vec<_>>>()?;
        let all = wanted.into_iter().chain(members.iter().map(|d| ids::user_wid(d))).chain(admins.iter().cloned());
        for wid in all {
            if participants.iter().any(|p| p.id == wid) {
                continue;
            }
            let is_admin = admins.contains(&wid);
            participants.push(Participant { is_super_admin: is_admin && admins.first() == Some(&wid), is_admin, id: wid });
        }
        let lid_addressing = req.lid_addressing.unwrap_or_else(|| participants.iter().any(|p| p.id.ends_with("@lid")));
        let mut id = ids::new_group_id(&mut self.rng);
        while self.groups.contains_key(&id) {
            id = ids::new_group_id(&mut self.rng);
        }
        let info = GroupInfo {
            id: id.clone(),
            subject: req.subject,
            desc: req.desc,
            owner: admins.first().cloned(),
            creation: Utc::now().timestamp() - 86_400 * 30,
            participants,
            members_of: members.iter().map(|d| e164(d)).collect(),
            lid_addressing,
        };
        self.groups.insert(id, Group { info: info.clone(), members });
        Ok(info)
    }

    /// Changes a group and tells the open sessions of its member phones.
    pub fn patch_group(&mut self, id: &str, patch: GroupPatch) -> SimResult<GroupInfo> {
        let known_phones: HashSet<String> = self.phones.keys().cloned().collect();
        let g = self.groups.get_mut(id).ok_or_else(|| SimError::NotFound(format!("group {id}")))?;
        let before: Vec<String> = g.members.clone();
        let parse = |v: &Vec<String>| v.iter().map(|p| ids::participant_wid(p)).collect::<SimResult<Vec<_>>>();
        let (add, remove, promote, demote) = (parse(&patch.add)?, parse(&patch.remove)?, parse(&patch.promote)?, parse(&patch.demote)?);
        if let Some(s) = patch.subject {
            g.info.subject = s;
        }
        if let Some(d) = patch.desc {
            g.info.desc = Some(d);
        }
        for wid in add {
            if !g.info.participants.iter().any(|p| p.id == wid) {
                g.info.participants.push(Participant { id: wid, is_admin: false, is_super_admin: false });
            }
        }
        g.info.participants.retain(|p| !remove.contains(&p.id));
        for p in g.info.participants.iter_mut() {
            if promote.contains(&p.id) {
                p.is_admin = true;
            }
            if demote.contains(&p.id) {
                p.is_admin = false;
                p.is_super_admin = false;
            }
        }
        g.members = g
            .info
            .participants
            .iter()
            .filter_map(|p| p.id.strip_suffix("@c.us"))
            .filter(|d| known_phones.contains(*d))
            .map(str::to_owned)
            .collect();
        g.info.members_of = g.members.iter().map(|d| e164(d)).collect();
        let info = g.info.clone();
        let members = g.members.clone();
        for d in before.iter().chain(members.iter()) {
            let frame = if members.contains(d) {
                json!({"t": "group_upsert", "group": self.group_json(&info)})
            } else {
                json!({"t": "group_remove", "id": info.id})
            };
            self.push_to_phone(d, &frame);
        }
        Ok(info)
    }

    pub fn group_json(&self, g: &GroupInfo) -> Value {
        json!({
            "id": g.id, "subject": g.subject, "desc": g.desc, "owner": g.owner,
            "creation": g.creation, "participants": g.participants,
            "isLidAddressingMode": g.lid_addressing,
        })
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

    /// Everything a page gets during the initial sync of `digits`.
    pub fn sync_payload(&self, digits: &str) -> Value {
        let groups: Vec<Value> = self
            .groups
            .values()
            .filter(|g| g.members.iter().any(|m| m == digits))
            .map(|g| self.group_json(&g.info))
            .collect();
        let hist: &[HistMsg] = self.history.get(digits).map(|v| v.as_slice()).unwrap_or(&[]);
        let start = hist.len().saturating_sub(500);
        let msgs: Vec<Value> = hist[start..].iter().map(HistMsg::to_json).collect();
        let mut chats: Vec<Value> = Vec::new();
        let mut seen = HashSet::new();
        for g in self.groups.values().filter(|g| g.members.iter().any(|m| m == digits)) {
            seen.insert(g.info.id.clone());
            chats.push(json!({"id": g.info.id, "name": g.info.subject, "isGroup": true, "t": g.info.creation}));
        }
        for m in hist.iter().rev() {
            if seen.insert(m.chat.clone()) {
                let name = m.chat.strip_suffix("@c.us").map(e164);
                chats.push(json!({"id": m.chat, "name": name, "isGroup": m.chat.ends_with("@g.us"), "t": m.t}));
            }
        }
        let mut contacts: Vec<Value> = Vec::new();
        let mut cseen = HashSet::new();
        for m in hist.iter() {
            if !m.from_me && m.chat.ends_with("@c.us") && cseen.insert(m.chat.clone()) {
                contacts.push(json!({"id": m.chat, "pushname": m.notify_name, "isMyContact": false}));
            }
        }
        json!({"t": "sync_data", "groups": groups, "chats": chats, "msgs": msgs, "contacts": contacts})
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

    /// Raises the ack of a ledger entry (never lowers it) and tells the sender's pages.
    pub fn apply_ack(&mut self, id: &str, ack: i32) -> SimResult<()> {
        if !(1..=4).contains(&ack) {
            return Err(SimError::InvalidInput(format!("ack must be 1 to 4, got {ack}")));
        }
        let entry = self
            .ledger
            .iter_mut()
            .find(|e| e.id == id || e.serialized == id)
            .ok_or_else(|| SimError::NotFound(format!("message {id}")))?;
        if ack <= entry.ack {
            return Ok(());
        }
        entry.ack = ack;
        let (serialized, key_id, from) = (entry.serialized.clone(), entry.id.clone(), entry.from.clone());
        let digits = from.trim_start_matches('+').to_owned();
        if let Some(h) = self.history.get_mut(&digits) {
            for m in h.iter_mut().filter(|m| m.from_me && m.id == key_id) {
                m.ack = ack;
            }
        }
        self.push_to_phone(&digits, &json!({"t": "ack", "id": serialized, "ack": ack}));
        Ok(())
    }

    pub fn inbound(&mut self, req: Inbound) -> SimResult<Created> {
        let to = self.registered(&req.to)?;
        let from = ids::phone_digits(&req.from)?;
        let chat = match &req.group {
            Some(g) => {
                let grp = self.groups.get(g).ok_or_else(|| SimError::NotFound(format!("group {g}")))?;
                if !grp.members.contains(&to) {
                    return Err(SimError::InvalidInput(format!("{} is not in group {g}", req.to)));
                }
                g.clone()
            }
            None => ids::user_wid(&from),
        };
        let id = format!("3A{}", ids::random_hex_upper(&mut self.rng, 18));
        let msg = HistMsg {
            id: id.clone(),
            from_me: false,
            chat,
            author: req.group.as_ref().map(|_| ids::user_wid(&from)),
            body: req.text,
            kind: "chat".into(),
            t: Utc::now().timestamp(),
            ack: 0,
            notify_name: None,
        };
        if let Some(p) = self.phones.get_mut(&to) {
            p.wrote_to_us.insert(from);
        }
        let frame = json!({"t": "msg", "msg": msg.to_json()});
        self.history.entry(to.clone()).or_default().push(msg);
        self.push_to_phone(&to, &frame);
        Ok(Created { id })
    }

    pub fn not_on_whatsapp(&self, digits: &str) -> bool {
        self.config.not_on_whatsapp.iter().any(|n| ids::phone_digits(n).ok().as_deref() == Some(digits))
    }
}
