//! A database, a hand-moved clock, the fake sessions and an engine over
//! them; campaigns and outbox rows written directly (the dispatcher's
//! input), and a driver that runs ticks until there is nothing to do.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use flock_core::accounts::AccountState;
use flock_core::campaigns::Schedule;
use flock_core::db::Database;
use flock_core::dispatch::clock::{Clock, ManualClock};
use flock_core::dispatch::store::accounts as limits_store;
use flock_core::dispatch::{Engine, EngineConfig, Limits};
use flock_core::entities::{campaign, campaign_account, message};
use flock_core::repo::accounts::{self, Transition};
use flock_core::repo::contacts::{self, ContactKey};
use flock_core::repo::groups::{self, GroupFacts};
use flock_testkit::TestDb;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use super::fake::FakeGateway;

pub struct World {
    pub _test: TestDb,
    pub db: Database,
    pub clock: Arc<ManualClock>,
    pub gw: Arc<FakeGateway>,
    pub engine: Engine,
    pub accounts: Vec<i64>,
}

pub fn config() -> EngineConfig {
    EngineConfig { claimed_by: "test".into(), ..EngineConfig::default() }
}

impl World {
    /// `n` active accounts with their sessions here, limits off.
    pub async fn new(n: usize) -> Self {
        let test = TestDb::new().await;
        let db = test.open().await;
        // Whole milliseconds: PostgreSQL keeps microseconds, and times read
        // back must equal the ones the fake recorded.
        let start = DateTime::from_timestamp_millis(Utc::now().timestamp_millis()).unwrap();
        let clock = Arc::new(ManualClock::new(start));
        let gw = FakeGateway::new(clock.clone());
        let mut ids = Vec::new();
        for i in 0..n {
            let a = accounts::create(db.conn(), &format!("A{}", i + 1)).await.unwrap();
            let a = accounts::set_state(db.conn(), a.id, a.version, Transition { to: AccountState::Active, reason: None, fix: None, deadline: None })
                .await
                .unwrap();
            limits_store::set_limits(db.conn(), a.id, &Limits::off()).await.unwrap();
            gw.set_session(a.id, AccountState::Active, true);
            ids.push(a.id);
        }
        let engine = Engine::new(db.clone(), gw.clone(), clock.clone(), config());
        Self { _test: test, db, clock, gw, engine, accounts: ids }
    }

    /// Another engine on the same database and sessions (a second dispatcher).
    pub async fn second_engine(&self) -> Engine {
        let db = self._test.connect().await;
        Engine::new(db, self.gw.clone(), self.clock.clone(), EngineConfig { claimed_by: "second".into(), ..EngineConfig::default() })
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub async fn limits(&self, account: i64, limits: Limits) {
        limits_store::set_limits(self.db.conn(), account, &limits).await.unwrap();
    }

    /// A running campaign (optionally with a schedule and chosen accounts).
    pub async fn campaign(&self, name: &str, schedule: Option<Schedule>, chosen: &[i64]) -> i64 {
        let now = Utc::now();
        let c = campaign::ActiveModel {
            name: Set(name.into()),
            kind: Set("text".into()),
            body: Set(Some("Hello {{ first_name }}".into())),
            status: Set("running".into()),
            schedule: Set(schedule.map(|s| serde_json::to_value(s).unwrap())),
            started_at: Set(Some(now)),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(self.db.conn())
        .await
        .unwrap();
        for a in chosen {
            campaign_account::ActiveModel { campaign_id: Set(c.id), account_id: Set(*a) }.insert(self.db.conn()).await.unwrap();
        }
        c.id
    }

    /// A pending message to a person (the contact created if new).
    pub async fn person(&self, campaign_id: i64, phone: &str) -> i64 {
        let (c, _) = contacts::upsert(self.db.conn(), ContactKey::Phone(phone), None).await.unwrap();
        self.row(campaign_id, phone, "phone", Some(c.id), None).await
    }

    /// A group our accounts are in (account, admin), and a pending message to it.
    pub async fn group(&self, campaign_id: i64, wa_id: &str, members: &[(i64, bool)]) -> i64 {
        let facts = GroupFacts { wa_id, subject: "Salem Mango Growers", description: None, member_count: 40 };
        let (g, _) = groups::upsert(self.db.conn(), &facts).await.unwrap();
        for (a, admin) in members {
            groups::add_membership(self.db.conn(), *a, g.id, *admin).await.unwrap();
        }
        self.row(campaign_id, wa_id, "group", None, Some(g.id)).await
    }

    async fn row(&self, campaign_id: i64, key: &str, kind: &str, contact: Option<i64>, group: Option<i64>) -> i64 {
        let now = Utc::now();
        message::ActiveModel {
            campaign_id: Set(campaign_id),
            target_key: Set(key.into()),
            target_kind: Set(kind.into()),
            contact_id: Set(contact),
            group_id: Set(group),
            status: Set("pending".into()),
            rendered_text: Set(Some(format!("Vanakkam {key}"))),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(self.db.conn())
        .await
        .unwrap()
        .id
    }

    pub async fn rows(&self, campaign_id: i64) -> Vec<message::Model> {
        message::Entity::find()
            .filter(message::Column::CampaignId.eq(campaign_id))
            .order_by_asc(message::Column::Id)
            .all(self.db.conn())
            .await
            .unwrap()
    }

    pub async fn message(&self, id: i64) -> message::Model {
        message::Entity::find_by_id(id).one(self.db.conn()).await.unwrap().unwrap()
    }

    pub async fn campaign_status(&self, id: i64) -> (String, Option<String>) {
        let c = campaign::Entity::find_by_id(id).one(self.db.conn()).await.unwrap().unwrap();
        (c.status, c.status_reason)
    }

    async fn snapshot(&self) -> (usize, usize, Vec<(String, i32)>) {
        let rows = message::Entity::find().order_by_asc(message::Column::Id).all(self.db.conn()).await.unwrap();
        (self.gw.ledger().len(), self.gw.lookups().len(), rows.into_iter().map(|m| (m.status, m.attempts)).collect())
    }

    /// Ticks (moving the clock to the next wake when a tick changed
    /// nothing) until the engine is idle, the clock passes `until`, or
    /// `rounds` ticks ran. Returns the ticks run.
    pub async fn run_until(&self, until: DateTime<Utc>, rounds: usize) -> usize {
        for round in 0..rounds {
            let before = self.snapshot().await;
            let next = self.engine.tick().await.unwrap();
            self.engine.settle().await;
            if self.snapshot().await != before {
                continue;
            }
            if self.engine.idle_report().await.unwrap().idle {
                return round;
            }
            let to = next.unwrap_or(self.now() + Duration::seconds(1)).max(self.now() + Duration::milliseconds(1));
            if to > until {
                return round;
            }
            self.clock.set(to);
        }
        rounds
    }

    /// Runs until idle (at most a simulated day).
    pub async fn run(&self) -> usize {
        self.run_until(self.now() + Duration::days(1), 5_000).await
    }
}

/// The phone `+9198000100NN`.
pub fn phone(n: usize) -> String {
    format!("+91980001{n:04}")
}

pub fn wa(phone: &str) -> String {
    format!("{}@c.us", phone.trim_start_matches('+'))
}

/// A one-to-one text from `from` (a phone), quoting our message `quoted`.
pub fn reply(from: &str, text: &str, quoted: Option<&str>, at: DateTime<Utc>) -> flock_wa::InboundMessage {
    use flock_wa::{InboundMessage, MessageId, WaId};
    InboundMessage {
        id: MessageId::new(),
        key: "k".into(),
        chat: WaId::parse(&wa(from)).unwrap(),
        author: None,
        kind: "chat".into(),
        text: Some(text.into()),
        at,
        quoted_id: quoted.map(|q| MessageId::parse(q).unwrap()),
    }
}
