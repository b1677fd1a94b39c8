//! Messages on the simulated server: judging a page's send (accepted, or
//! refused the way WhatsApp's server nacks it), the ledger, acks, inbound
//! messages and statuses, existence queries, the reachout timelock.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use uuid::Uuid;

use crate::api::*;
use crate::error::{SimError, SimResult};
use crate::ids;
use crate::world::{e164, tc_token, timelock_json, HistMsg, World};

/// An outgoing message as the page submits it.
#[derive(Debug, Deserialize)]
pub(crate) struct OutMsg {
    pub id: String,
    pub to: String,
    #[serde(default)]
    pub participant: Option<String>,
    #[serde(rename = "type", default = "chat_type")]
    pub kind: String,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub caption: Option<String>,
    #[serde(default)]
    pub filename: Option<String>,
    #[serde(default)]
    pub mimetype: Option<String>,
    #[serde(default)]
    pub size: Option<u64>,
    #[serde(default, rename = "directPath")]
    pub direct_path: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default, rename = "canonicalUrl")]
    pub canonical_url: Option<String>,
    #[serde(default, rename = "matchedText")]
    pub matched_text: Option<String>,
    #[serde(default, rename = "quotedStanzaID")]
    pub quoted: Option<String>,
    #[serde(default)]
    pub subtype: Option<String>,
}

fn chat_type() -> String {
    "chat".into()
}

/// Why the server refuses a message (the page sees ack -1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    ReachoutTimelock,
    NotAParticipant,
    AnnounceAdminsOnly,
    NotOnWhatsApp,
    UnknownLid,
    MediaMissing,
    UnsupportedChat,
}

impl Refusal {
    pub fn name(self) -> &'static str {
        match self {
            Refusal::ReachoutTimelock => "reachout_timelock",
            Refusal::NotAParticipant => "not_a_participant",
            Refusal::AnnounceAdminsOnly => "announce_admins_only",
            Refusal::NotOnWhatsApp => "not_on_whatsapp",
            Refusal::UnknownLid => "unknown_lid",
            Refusal::MediaMissing => "media_missing",
            Refusal::UnsupportedChat => "unsupported_chat",
        }
    }

    /// The nack the server answers with.
    fn nack(self) -> Value {
        let (code, text) = match self {
            Refusal::ReachoutTimelock => (463, "reachout-timelock"),
            Refusal::NotAParticipant => (403, "forbidden"),
            Refusal::AnnounceAdminsOnly => (403, "not-authorized"),
            Refusal::NotOnWhatsApp | Refusal::UnknownLid => (404, "item-not-found"),
            Refusal::MediaMissing => (404, "media-not-found"),
            Refusal::UnsupportedChat => (400, "bad-request"),
        };
        json!({"error": {"code": code, "text": text}})
    }

    fn from_name(name: &str) -> Option<Refusal> {
        [
            Refusal::ReachoutTimelock,
            Refusal::NotAParticipant,
            Refusal::AnnounceAdminsOnly,
            Refusal::NotOnWhatsApp,
            Refusal::UnknownLid,
            Refusal::MediaMissing,
            Refusal::UnsupportedChat,
        ]
        .into_iter()
        .find(|r| r.name() == name)
    }
}

/// The server's answer to a submitted message.
pub(crate) struct Submitted {
    /// `{"t": unix}` or `{"error": {"code", "text"}}`.
    pub reply: Value,
    /// Key id to auto-ack (a newly accepted message).
    pub accepted: Option<String>,
}

impl World {
    /// Who the message reaches (digits, for one-to-one chats) and whether
    /// the server refuses it.
    fn judge(&self, digits: &str, chat: &str) -> (Option<String>, Option<Refusal>) {
        if chat.ends_with("@g.us") {
            let refusal = match self.groups.get(chat) {
                None => Some(Refusal::NotAParticipant),
                Some(g) if !g.members.iter().any(|m| m == digits) => Some(Refusal::NotAParticipant),
                Some(g) if g.info.announce && !self.is_group_admin(&g.info, digits) => {
                    Some(Refusal::AnnounceAdminsOnly)
                }
                Some(_) => None,
            };
            return (None, refusal);
        }
        let target = if chat.ends_with("@c.us") {
            match ids::phone_digits(chat) {
                Ok(t) if self.not_on_whatsapp(&t) => return (Some(t), Some(Refusal::NotOnWhatsApp)),
                Ok(t) => t,
                Err(_) => return (None, Some(Refusal::NotOnWhatsApp)),
            }
        } else if chat.ends_with("@lid") {
            match self.digits_of_lid(chat) {
                Some(t) => t,
                // Someone known only by privacy id (a group member whose
                // number nobody shared): on WhatsApp, phone unknown.
                None if self.lid_in_a_group(chat) => {
                    let timelocked = self.phones.get(digits).is_some_and(|p| p.restricted());
                    return (None, timelocked.then_some(Refusal::ReachoutTimelock));
                }
                None => return (None, Some(Refusal::UnknownLid)),
            }
        } else {
            return (None, Some(Refusal::UnsupportedChat));
        };
        let timelocked = self.phones.get(digits).is_some_and(|p| p.restricted() && !p.wrote_to_us.contains(&target));
        let refusal = (timelocked && target != digits).then_some(Refusal::ReachoutTimelock);
        (Some(target), refusal)
    }

    fn lid_in_a_group(&self, lid: &str) -> bool {
        self.groups.values().any(|g| g.info.participants.iter().any(|p| p.id == lid))
    }

    /// A page of `digits` submits a message. The same key id again is the
    /// same message: counted in `submissions`, never a second one.
    pub fn submit(&mut self, session: Uuid, digits: &str, msg: OutMsg) -> SimResult<Submitted> {
        let from = e164(digits);
        if let Some(e) = self.ledger.iter_mut().find(|e| e.from == from && e.id == msg.id) {
            e.submissions += 1;
            let reply = match e.failure.as_deref().and_then(Refusal::from_name) {
                Some(r) if !e.accepted => r.nack(),
                _ => json!({"t": e.time.timestamp()}),
            };
            return Ok(Submitted { reply, accepted: None });
        }
        let now = Utc::now();
        let chat = msg.to.clone();
        let (target, mut refusal) = self.judge(digits, &chat);
        let media = match &msg.direct_path {
            Some(p) => {
                let m = self.media.get(p).map(|m| m.info.clone());
                if m.is_none() {
                    refusal = refusal.or(Some(Refusal::MediaMissing));
                }
                m
            }
            None => None,
        };
        let accepted = refusal.is_none();
        let ack = if accepted { 1 } else { -1 };
        let author = chat.ends_with("@g.us").then(|| msg.participant.clone().unwrap_or_else(|| ids::user_wid(digits)));
        let mut extra = Map::new();
        let fields = [
            ("caption", msg.caption.clone().map(Value::from)),
            ("filename", msg.filename.clone().map(Value::from)),
            ("mimetype", msg.mimetype.clone().map(Value::from)),
            ("size", msg.size.map(Value::from)),
            ("directPath", msg.direct_path.clone().map(Value::from)),
            ("title", msg.title.clone().map(Value::from)),
            ("description", msg.description.clone().map(Value::from)),
            ("canonicalUrl", msg.canonical_url.clone().map(Value::from)),
            ("matchedText", msg.matched_text.clone().map(Value::from)),
            ("quotedStanzaID", msg.quoted.clone().map(Value::from)),
            ("subtype", msg.subtype.clone().map(Value::from)),
            ("isSendFailure", (!accepted).then_some(Value::Bool(true))),
        ];
        for (k, v) in fields {
            if let Some(v) = v {
                extra.insert(k.to_owned(), v);
            }
        }
        let hist = HistMsg {
            id: msg.id.clone(),
            from_me: true,
            chat: chat.clone(),
            author,
            body: msg.body.clone().or(msg.caption.clone()).unwrap_or_default(),
            kind: msg.kind.clone(),
            t: now.timestamp(),
            ack,
            notify_name: None,
            extra,
        };
        let has_link = msg.title.is_some() || msg.canonical_url.is_some() || msg.matched_text.is_some();
        self.ledger.push(LedgerEntry {
            id: msg.id.clone(),
            serialized: hist.serialized(),
            from,
            chat,
            target: target.as_deref().map(e164),
            kind: msg.kind,
            text: msg.body.or(msg.caption.clone()),
            caption: msg.caption,
            file_name: msg.filename,
            media,
            link: has_link.then(|| LinkInfo {
                title: msg.title,
                description: msg.description,
                canonical_url: msg.canonical_url,
                matched_text: msg.matched_text,
            }),
            quoted: msg.quoted,
            time: now,
            ack,
            session,
            accepted,
            failure: refusal.map(|r| r.name().to_owned()),
            submissions: 1,
        });
        self.history.entry(digits.to_owned()).or_default().push(hist);
        Ok(match refusal {
            Some(r) => Submitted { reply: r.nack(), accepted: None },
            None => Submitted { reply: json!({"t": now.timestamp()}), accepted: Some(msg.id) },
        })
    }

    /// Raises the ack of an accepted message (never lowers it) and tells
    /// the sender's pages.
    pub fn apply_ack(&mut self, id: &str, ack: i32) -> SimResult<()> {
        if !(1..=4).contains(&ack) {
            return Err(SimError::InvalidInput(format!("ack must be 1 to 4, got {ack}")));
        }
        let entry = self
            .ledger
            .iter_mut()
            .find(|e| e.id == id || e.serialized == id)
            .ok_or_else(|| SimError::NotFound(format!("message {id}")))?;
        if !entry.accepted {
            return Err(SimError::Conflict(format!(
                "message {id} was refused by the server ({}): it gets no acks",
                entry.failure.as_deref().unwrap_or("refused")
            )));
        }
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

    /// A message to a phone from someone (one-to-one, in a group, or a status).
    pub fn inbound(&mut self, req: Inbound) -> SimResult<Created> {
        let to = self.registered(&req.to)?;
        let from = ids::phone_digits(&req.from)?;
        let (chat, author) = if req.status {
            ("status@broadcast".to_owned(), Some(ids::user_wid(&from)))
        } else if let Some(g) = &req.group {
            let grp = self.groups.get(g).ok_or_else(|| SimError::NotFound(format!("group {g}")))?;
            if !grp.members.contains(&to) {
                return Err(SimError::InvalidInput(format!("{} is not in group {g}", req.to)));
            }
            let lid_mode = grp.info.lid_addressing;
            let author = if lid_mode { format!("{}@lid", self.lid_of(&from)) } else { ids::user_wid(&from) };
            (g.clone(), Some(author))
        } else {
            // The chat this phone already has with that person: the `@lid`
            // one once it wrote there (a lid-migrated account), else by number.
            let lid_chat = format!("{}@lid", self.lid_of(&from));
            let has_lid_chat = self.history.get(&to).is_some_and(|h| h.iter().any(|m| m.chat == lid_chat));
            (if has_lid_chat { lid_chat } else { ids::user_wid(&from) }, None)
        };
        let mut extra = Map::new();
        if let Some(q) = &req.quoted {
            let hist = self.history.get(&to).map(Vec::as_slice).unwrap_or(&[]);
            let quoted = hist
                .iter()
                .find(|m| &m.id == q || &m.serialized() == q)
                .ok_or_else(|| SimError::InvalidInput(format!("no message {q} in the chats of {}", req.to)))?;
            let mine = match self.phones.get(&to) {
                Some(p) if quoted.chat.ends_with("@lid") => format!("{}@lid", p.lid),
                _ => ids::user_wid(&to),
            };
            let participant =
                if quoted.from_me { mine } else { quoted.author.clone().unwrap_or_else(|| quoted.chat.clone()) };
            extra.insert("quotedStanzaID".into(), Value::from(quoted.id.clone()));
            extra.insert("quotedParticipant".into(), Value::from(participant));
            extra.insert("quotedMsg".into(), json!({"type": quoted.kind, "body": quoted.body}));
        }
        if req.status {
            extra.insert("isStatusV3".into(), Value::Bool(true));
            extra.insert("broadcast".into(), Value::Bool(true));
        }
        let id = format!("3A{}", ids::random_hex_upper(&mut self.rng, 18));
        let notify_name = self.phones.get(&from).map(|p| p.name.clone());
        let one_to_one = !req.status && req.group.is_none();
        let msg = HistMsg {
            id: id.clone(),
            from_me: false,
            chat,
            author,
            body: req.text,
            kind: "chat".into(),
            t: Utc::now().timestamp(),
            ack: 0,
            notify_name,
            extra,
        };
        let mut frame = json!({"t": "msg", "msg": msg.to_json()});
        if one_to_one {
            if let Some(p) = self.phones.get_mut(&to) {
                p.wrote_to_us.insert(from.clone());
            }
            frame["mapping"] = json!({"pn": from, "lid": self.lid_of(&from)});
            frame["tcToken"] = Value::from(tc_token(&to, &from));
        }
        self.history.entry(to.clone()).or_default().push(msg);
        self.push_to_phone(&to, &frame);
        Ok(Created { id })
    }

    /// `queryWidExists` on the server: the number's wid (and, to the page
    /// only, the lid mapping it learns), or null when not on WhatsApp.
    pub fn query_exists(&mut self, token: Option<&str>, wid: &str) -> SimResult<Value> {
        if wid.ends_with("@g.us") {
            return Ok(json!({"wid": wid, "biz": false}));
        }
        if wid.ends_with("@lid") {
            return Ok(match self.digits_of_lid(wid) {
                Some(d) => {
                    if let Some(dev) = token.and_then(|t| self.devices.get_mut(t)) {
                        dev.known_lids.insert(d.clone());
                    }
                    json!({"wid": wid, "biz": false, "mapping": {"pn": d, "lid": wid.trim_end_matches("@lid")}})
                }
                None => Value::Null,
            });
        }
        let digits = ids::phone_digits(wid)?;
        if self.not_on_whatsapp(&digits) {
            return Ok(Value::Null);
        }
        let lid = self.lid_of(&digits);
        if let Some(dev) = token.and_then(|t| self.devices.get_mut(t)) {
            dev.known_lids.insert(digits.clone());
        }
        Ok(json!({"wid": ids::user_wid(&digits), "biz": false, "mapping": {"pn": digits, "lid": lid}}))
    }

    /// Sets (`Some(until)`) or lifts (`None`) the reachout timelock of a
    /// phone and tells its pages. Returns the restriction's generation.
    pub fn set_timelock(&mut self, digits: &str, until: Option<DateTime<Utc>>) -> u64 {
        let Some(p) = self.phones.get_mut(digits) else { return 0 };
        p.restricted_until = until;
        p.restrict_gen += 1;
        let gen = p.restrict_gen;
        let state = timelock_json(p);
        let mut frame = json!({"t": "timelock"});
        if let (Some(f), Some(s)) = (frame.as_object_mut(), state.as_object()) {
            f.extend(s.clone());
        }
        self.push_to_phone(digits, &frame);
        gen
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SimConfig;
    use crate::world::Shared;

    fn out(id: &str, to: &str) -> OutMsg {
        serde_json::from_value(json!({"id": id, "to": to, "type": "chat", "body": "hi"})).unwrap()
    }

    #[test]
    fn judging_sends_and_counting_resends() {
        let shared = Shared::new(SimConfig::fast());
        let mut w = shared.lock();
        w.add_phone(NewPhone { phone: "+919800000001".into(), name: "Ravi".into() }).unwrap();
        let s = Uuid::nil();
        let ok = w.submit(s, "919800000001", out("A1", "919845000001@c.us")).unwrap();
        assert!(ok.reply["t"].is_i64() && ok.accepted.is_some());
        let again = w.submit(s, "919800000001", out("A1", "919845000001@c.us")).unwrap();
        assert!(again.accepted.is_none());
        assert_eq!(w.ledger.len(), 1);
        assert_eq!(w.ledger[0].submissions, 2);
        assert_eq!(w.ledger[0].target.as_deref(), Some("+919845000001"));

        let until = Utc::now() + chrono::Duration::seconds(60);
        w.set_timelock("919800000001", Some(until));
        let refused = w.submit(s, "919800000001", out("A2", "919845000002@c.us")).unwrap();
        assert_eq!(refused.reply["error"]["code"], 463);
        assert_eq!(w.ledger[1].failure.as_deref(), Some("reachout_timelock"));
        assert!(!w.ledger[1].accepted && w.ledger[1].ack == -1);
        assert!(w.apply_ack("A2", 2).is_err(), "a refused message gets no acks");

        let lid = w.lid_of("919845000003");
        let via_lid = w.submit(s, "919800000001", out("A3", &format!("{lid}@lid"))).unwrap();
        assert_eq!(via_lid.reply["error"]["code"], 463, "the lid chat reaches the same person");
        assert_eq!(w.ledger[2].target.as_deref(), Some("+919845000003"));
        w.set_timelock("919800000001", None);
        let unknown = w.submit(s, "919800000001", out("A4", "111111111111111@lid")).unwrap();
        assert_eq!(unknown.reply["error"]["code"], 404);
        w.add_group(NewGroup {
            subject: "g".into(),
            participants: vec!["lid:222222222222222".into()],
            ..Default::default()
        })
        .unwrap();
        let member = w.submit(s, "919800000001", out("A5", "222222222222222@lid")).unwrap();
        assert!(member.reply["t"].is_i64(), "a group member known only by lid is on WhatsApp");
        assert_eq!(w.ledger[4].target, None);
    }
}
