//! A fake of the sessions for database-level dispatcher tests: its ledger
//! (what "reached WhatsApp") is the judge, as the simulator's is in the
//! browser tests. Scripted per account: the next send results, a reachout
//! timelock, numbers not on WhatsApp, messages stuck at the clock.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use flock_core::accounts::AccountState;
use flock_core::dispatch::clock::{Clock, ManualClock};
use flock_core::dispatch::{Elsewhere, Gateway, GatewayError, GatewayEvent, SessionState};
use flock_wa::{Accepted, Content, Lookup, MessageId, SendError, SendRequest, WaId};
use futures::future::BoxFuture;
use futures::FutureExt;
use tokio::sync::broadcast;

/// One message that reached "WhatsApp".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub account_id: i64,
    pub id: String,
    pub target: String,
    pub text: String,
    pub at: DateTime<Utc>,
}

/// What the next send of an account does.
#[derive(Debug, Clone)]
pub enum Script {
    Fail(SendError),
    /// It reaches WhatsApp, but the answer is lost (timeout).
    SentButUnknown,
    /// Nothing reaches WhatsApp, and the answer is "unknown".
    LostAndUnknown,
    /// It sits in the page at the clock (ack 0); answer unknown.
    StuckAtClock,
}

#[derive(Default)]
struct State {
    sessions: Vec<SessionState>,
    ledger: Vec<Sent>,
    scripts: HashMap<i64, VecDeque<Script>>,
    timelocked: HashMap<i64, Option<DateTime<Utc>>>,
    /// (account, target wa id) pairs where the person wrote first.
    wrote: HashSet<(i64, String)>,
    not_on_whatsapp: HashSet<String>,
    stuck: HashSet<String>,
    pub exists_calls: Vec<(i64, String)>,
    pub lookups: Vec<(i64, String)>,
    pub sends: Vec<(i64, String)>,
    pub restricted: Vec<(i64, Option<DateTime<Utc>>)>,
    pub lifted: Vec<i64>,
    admins_only: HashMap<String, HashSet<i64>>,
    /// Numbers (`…@c.us`) whose chat WhatsApp Web opens as their `@lid` one.
    lid_chats: HashMap<String, String>,
}

/// Run once inside the next existence check, before it answers.
type ExistsHook = Box<dyn FnOnce() -> BoxFuture<'static, ()> + Send>;

pub struct FakeGateway {
    state: Mutex<State>,
    during_exists: Mutex<Option<ExistsHook>>,
    events: broadcast::Sender<GatewayEvent>,
    clock: Arc<ManualClock>,
}

impl FakeGateway {
    pub fn new(clock: Arc<ManualClock>) -> Arc<Self> {
        let (events, _) = broadcast::channel(1024);
        Arc::new(Self { state: Mutex::new(State::default()), during_exists: Mutex::new(None), events, clock })
    }

    fn s(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap()
    }

    pub fn set_session(&self, account_id: i64, state: AccountState, running: bool) {
        let mut s = self.s();
        s.sessions.retain(|x| x.account_id != account_id);
        s.sessions.push(SessionState { account_id, state, running, elsewhere: Elsewhere::No });
        s.sessions.sort_by_key(|x| x.account_id);
    }

    /// Team mode: the account's session runs on another workstation (not here).
    pub fn set_elsewhere(&self, account_id: i64, state: AccountState, elsewhere: Elsewhere) {
        let mut s = self.s();
        s.sessions.retain(|x| x.account_id != account_id);
        s.sessions.push(SessionState { account_id, state, running: false, elsewhere });
        s.sessions.sort_by_key(|x| x.account_id);
    }

    pub fn script(&self, account_id: i64, script: Script) {
        self.s().scripts.entry(account_id).or_default().push_back(script);
    }

    pub fn timelock(&self, account_id: i64, until: Option<DateTime<Utc>>) {
        self.s().timelocked.insert(account_id, until);
    }

    pub fn unlock(&self, account_id: i64) {
        self.s().timelocked.remove(&account_id);
    }

    pub fn wrote_first(&self, account_id: i64, target: &WaId) {
        self.s().wrote.insert((account_id, target.to_string()));
    }

    pub fn not_on_whatsapp(&self, phone_wa_id: &str) {
        self.s().not_on_whatsapp.insert(phone_wa_id.to_string());
    }

    /// Sends to this number are accepted on the person's `@lid` chat (as
    /// WhatsApp Web does once it knows the privacy id).
    pub fn lid_chat(&self, phone_wa_id: &str, lid: &str) {
        self.s().lid_chats.insert(phone_wa_id.to_string(), lid.to_string());
    }

    /// Only these accounts may send to the group.
    pub fn admins_only(&self, group: &str, admins: &[i64]) {
        self.s().admins_only.insert(group.to_string(), admins.iter().copied().collect());
    }

    /// Puts a message in the ledger as if an earlier run had sent it.
    pub fn already_sent(&self, account_id: i64, id: &str, target: &str) {
        let at = self.clock.now();
        self.s().ledger.push(Sent { account_id, id: id.into(), target: target.into(), text: String::new(), at });
    }

    /// `hook` runs while the next existence check is under way (a user
    /// acting while the browser answers).
    pub fn during_next_exists(&self, hook: impl FnOnce() -> BoxFuture<'static, ()> + Send + 'static) {
        *self.during_exists.lock().unwrap() = Some(Box::new(hook));
    }

    pub fn ledger(&self) -> Vec<Sent> {
        self.s().ledger.clone()
    }

    pub fn exists_calls(&self) -> Vec<(i64, String)> {
        self.s().exists_calls.clone()
    }

    pub fn lookups(&self) -> Vec<(i64, String)> {
        self.s().lookups.clone()
    }

    pub fn restricted(&self) -> Vec<(i64, Option<DateTime<Utc>>)> {
        self.s().restricted.clone()
    }

    pub fn lifted(&self) -> Vec<i64> {
        self.s().lifted.clone()
    }

    /// Sends for this many messages per target (the judge: 1 each).
    pub fn per_target(&self) -> HashMap<String, usize> {
        let mut m = HashMap::new();
        for s in self.s().ledger.iter() {
            *m.entry(s.target.clone()).or_default() += 1;
        }
        m
    }

    fn active(&self, account_id: i64) -> bool {
        self.s().sessions.iter().any(|x| x.account_id == account_id && x.running && matches!(x.state, AccountState::Active | AccountState::Restricted))
    }

    fn do_send(&self, account_id: i64, req: &SendRequest) -> Result<Accepted, SendError> {
        let now = self.clock.now();
        let target = req.target.to_string();
        if !self.active(account_id) {
            return Err(SendError::NotConnected { state: None, waited: std::time::Duration::ZERO });
        }
        let mut s = self.s();
        s.sends.push((account_id, target.clone()));
        if let Some(until) = s.timelocked.get(&account_id).copied() {
            if !req.target.is_group() && !s.wrote.contains(&(account_id, target.clone())) {
                return Err(SendError::ReachoutTimelocked { until });
            }
        }
        if s.not_on_whatsapp.contains(&target) {
            return Err(SendError::NotOnWhatsApp { target: req.target.clone() });
        }
        if let Some(admins) = s.admins_only.get(&target) {
            if !admins.contains(&account_id) {
                return Err(SendError::AdminsOnly { group: req.target.clone() });
            }
        }
        let text = match &req.content {
            Content::Text { body } | Content::Link { body } => body.clone(),
            Content::Image { caption, .. } | Content::Video { caption, .. } | Content::Document { caption, .. } => caption.clone().unwrap_or_default(),
            Content::Audio { .. } => String::new(),
        };
        let sent = Sent { account_id, id: req.id.to_string(), target: target.clone(), text, at: now };
        match s.scripts.get_mut(&account_id).and_then(|q| q.pop_front()) {
            Some(Script::Fail(e)) => Err(e),
            Some(Script::SentButUnknown) => {
                s.ledger.push(sent);
                Err(SendError::OutcomeUnknown { reason: "timeout".into() })
            }
            Some(Script::LostAndUnknown) => Err(SendError::OutcomeUnknown { reason: "the browser went away".into() }),
            Some(Script::StuckAtClock) => {
                s.stuck.insert(req.id.to_string());
                Err(SendError::OutcomeUnknown { reason: "no ack".into() })
            }
            None => {
                s.ledger.push(sent);
                let chat = match s.lid_chats.get(&target) {
                    Some(lid) => WaId::parse(lid).expect("a lid chat id"),
                    None => req.target.clone(),
                };
                Ok(Accepted { id: req.id.clone(), key: format!("true_{chat}_{}", req.id), chat, at: now })
            }
        }
    }
}

impl Gateway for FakeGateway {
    fn sessions(&self) -> BoxFuture<'_, Vec<SessionState>> {
        let s = self.s().sessions.clone();
        async move { s }.boxed()
    }

    fn send<'a>(&'a self, account_id: i64, req: &'a SendRequest) -> BoxFuture<'a, Result<Accepted, SendError>> {
        async move { self.do_send(account_id, req) }.boxed()
    }

    fn lookup<'a>(&'a self, account_id: i64, id: &'a MessageId, _chat: Option<&'a WaId>) -> BoxFuture<'a, Result<Lookup, GatewayError>> {
        async move {
            if !self.active(account_id) {
                return Err(GatewayError::NoSession { account_id });
            }
            let mut s = self.s();
            s.lookups.push((account_id, id.to_string()));
            if let Some(m) = s.ledger.iter().find(|m| m.id == id.as_str() && m.account_id == account_id) {
                let chat = WaId::parse(&m.target).unwrap();
                return Ok(Lookup::Found { ack: flock_wa::Ack::Server, key: format!("true_{}_{}", m.target, m.id), chat });
            }
            if s.stuck.contains(id.as_str()) {
                return Ok(Lookup::Found { ack: flock_wa::Ack::Pending, key: String::new(), chat: WaId::User("0".into()) });
            }
            Ok(Lookup::NotFound { searched: 500 })
        }
        .boxed()
    }

    fn exists<'a>(&'a self, account_id: i64, who: &'a WaId) -> BoxFuture<'a, Result<Option<WaId>, GatewayError>> {
        async move {
            let hook = self.during_exists.lock().unwrap().take();
            if let Some(hook) = hook {
                hook().await;
            }
            let mut s = self.s();
            s.exists_calls.push((account_id, who.to_string()));
            Ok((!s.not_on_whatsapp.contains(&who.to_string())).then(|| who.clone()))
        }
        .boxed()
    }

    fn subscribe(&self) -> broadcast::Receiver<GatewayEvent> {
        self.events.subscribe()
    }

    fn restrict(&self, account_id: i64, until: Option<DateTime<Utc>>) -> BoxFuture<'_, Result<(), GatewayError>> {
        async move {
            self.s().restricted.push((account_id, until));
            self.set_session(account_id, AccountState::Restricted, true);
            Ok(())
        }
        .boxed()
    }

    fn lift_restriction(&self, account_id: i64) -> BoxFuture<'_, Result<(), GatewayError>> {
        async move {
            self.s().lifted.push(account_id);
            self.set_session(account_id, AccountState::Active, true);
            Ok(())
        }
        .boxed()
    }
}
