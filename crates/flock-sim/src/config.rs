//! Simulator settings: timings, auto-ack policy, version string, left-out modules.

use serde::{Deserialize, Serialize};

/// When the simulated recipients acknowledge a message, counted from the
/// moment the server accepted it. `None` means "never by itself" (use
/// `POST /_sim/acks`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AutoAck {
    /// Ack 2 (delivered to the device).
    pub delivered_after_ms: Option<u64>,
    /// Ack 3 (read).
    pub read_after_ms: Option<u64>,
}

impl Default for AutoAck {
    fn default() -> Self {
        Self { delivered_after_ms: Some(1_500), read_after_ms: None }
    }
}

/// Everything that can be tuned at start and, through `POST /_sim/config`
/// (a [`ConfigPatch`]), while running.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SimConfig {
    /// Port to bind on 127.0.0.1; 0 picks a free one. Ignored by patches.
    pub port: u16,
    /// `window.Debug.VERSION`.
    pub version: String,
    /// Lifetime of the first QR ref of a page.
    pub first_qr_ttl_ms: u64,
    /// Lifetime of every later QR ref.
    pub next_qr_ttl_ms: u64,
    /// Refs shown before the page goes `UNPAIRED_IDLE`.
    pub max_qr_refs: u32,
    /// Lifetime of a pairing code.
    pub pairing_code_ttl_ms: u64,
    /// Time spent in PAIRING then OPENING after a scan, before CONNECTED.
    pub pairing_ms: u64,
    /// Initial history sync, from CONNECTED to `hasSynced`.
    pub sync_ms: u64,
    /// Sync after a relaunch with a stored login (usually shorter).
    pub resume_sync_ms: u64,
    /// The page reloads itself this long after a fresh pairing (`None`: never).
    pub self_reload_ms: Option<u64>,
    /// Automatic acks.
    pub auto_ack: AutoAck,
    /// Module names the page leaves out (to test "module missing" reports).
    pub omit_modules: Vec<String>,
    /// Numbers (any format) that `queryWidExists` reports as not on WhatsApp.
    pub not_on_whatsapp: Vec<String>,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            port: 0,
            version: "2.3000.1029384756".to_owned(),
            first_qr_ttl_ms: 60_000,
            next_qr_ttl_ms: 20_000,
            max_qr_refs: 5,
            pairing_code_ttl_ms: 180_000,
            pairing_ms: 1_200,
            sync_ms: 4_000,
            resume_sync_ms: 1_500,
            self_reload_ms: Some(300_000),
            auto_ack: AutoAck::default(),
            omit_modules: Vec::new(),
            not_on_whatsapp: Vec::new(),
        }
    }
}

impl SimConfig {
    /// Timings short enough for tests (QR 20 s / 5 s, sync 1 s, no self-reload).
    pub fn fast() -> Self {
        Self {
            first_qr_ttl_ms: 20_000,
            next_qr_ttl_ms: 5_000,
            pairing_ms: 300,
            sync_ms: 1_000,
            resume_sync_ms: 400,
            self_reload_ms: None,
            auto_ack: AutoAck { delivered_after_ms: Some(300), read_after_ms: Some(600) },
            ..Self::default()
        }
    }

    /// Applies a patch; absent fields stay as they are.
    pub fn apply(&mut self, p: ConfigPatch) {
        if let Some(v) = p.version { self.version = v; }
        if let Some(v) = p.first_qr_ttl_ms { self.first_qr_ttl_ms = v; }
        if let Some(v) = p.next_qr_ttl_ms { self.next_qr_ttl_ms = v; }
        if let Some(v) = p.max_qr_refs { self.max_qr_refs = v; }
        if let Some(v) = p.pairing_code_ttl_ms { self.pairing_code_ttl_ms = v; }
        if let Some(v) = p.pairing_ms { self.pairing_ms = v; }
        if let Some(v) = p.sync_ms { self.sync_ms = v; }
        if let Some(v) = p.resume_sync_ms { self.resume_sync_ms = v; }
        if let Some(v) = p.self_reload_ms { self.self_reload_ms = v; }
        if let Some(v) = p.auto_ack { self.auto_ack = v; }
        if let Some(v) = p.omit_modules { self.omit_modules = v; }
        if let Some(v) = p.not_on_whatsapp { self.not_on_whatsapp = v; }
    }
}

/// Body of `POST /_sim/config`: every field optional. `self_reload_ms: null`
/// turns self-reload off; leaving the field out keeps the current value.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigPatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_qr_ttl_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_qr_ttl_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_qr_refs: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pairing_code_ttl_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pairing_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sync_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resume_sync_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "double_option")]
    pub self_reload_ms: Option<Option<u64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_ack: Option<AutoAck>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub omit_modules: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_on_whatsapp: Option<Vec<String>>,
}

mod double_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<Option<u64>>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(inner) => inner.serialize(s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<u64>>, D::Error> {
        Option::<u64>::deserialize(d).map(Some)
    }
}
