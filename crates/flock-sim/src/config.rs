//! Simulator settings: timings, auto-ack policy, version string, module
//! variants (left out, exported under `default`, renamed), sending facts.

use std::collections::BTreeMap;

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

/// Upload limits per media type (stickers count as images), in MB (1 MB = 1024 × 1024 bytes), as
/// `WAWebMediaGatingUtils.getUploadLimit(type)` reports them and as the
/// simulated media server enforces them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct UploadLimits {
    pub image: u64,
    pub video: u64,
    pub audio: u64,
    /// Documents (and sticker packs).
    pub document: u64,
}

impl Default for UploadLimits {
    fn default() -> Self {
        Self { image: 16, video: 100, audio: 16, document: 2048 }
    }
}

impl UploadLimits {
    /// Bytes allowed for an upload of `media_type` (`image`, `video`, `ptt`, ...).
    pub fn bytes_for(&self, media_type: &str) -> u64 {
        let mb = match media_type {
            "image" | "sticker" => self.image,
            "video" | "gif" => self.video,
            "audio" | "ptt" => self.audio,
            _ => self.document,
        };
        mb.saturating_mul(1024 * 1024)
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
    /// Next page load.
    pub omit_modules: Vec<String>,
    /// Modules whose `require()` hands back `{default: value}` instead of
    /// the value (ES-module interop). `["*"]` means every `WA…` module.
    /// Next page load.
    pub default_export_modules: Vec<String>,
    /// Modules defined under another name (`{"WAWebSendMsgChatAction":
    /// "WAWebSendMsgChatActionV2"}`): same exports, found only by shape.
    /// Next page load.
    pub rename_modules: BTreeMap<String, String>,
    /// Numbers (any format) that `queryWidExists` reports as not on WhatsApp.
    pub not_on_whatsapp: Vec<String>,
    /// `findOrCreateLatestChat(<digits>@c.us)` throws `No LID for user`
    /// until `queryWidExists` has mapped that number in this page (the
    /// failing case of the lid era). `false`: the chat lookup maps the lid
    /// itself, as when WhatsApp's contact query inside it succeeds.
    pub no_lid_until_queried: bool,
    /// Media uploads never answer (the 2026 upload hang), to test deadlines.
    pub upload_hang: bool,
    /// A page's send reaches the server this long after the page sent it
    /// (the network's latency): the server records and answers it only
    /// then. A socket closed meanwhile loses it on the wire (the page still
    /// has it in its outbox); a phone gone offline meanwhile refuses it, so
    /// the page queues it again. 0: at once. Lets a test land a fault
    /// while a send is in flight.
    pub send_latency_ms: u64,
    /// Upload limits per type.
    pub upload_limits_mb: UploadLimits,
    /// Messages per chat that the page loads into `Msg` and `chat.msgs`
    /// from its local history at start (the rest stays in the local
    /// database: `Msg.getMessagesById`, `msgFindByDirection`).
    pub loaded_msgs_per_chat: u32,
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
            default_export_modules: Vec::new(),
            rename_modules: BTreeMap::new(),
            not_on_whatsapp: Vec::new(),
            no_lid_until_queried: true,
            upload_hang: false,
            send_latency_ms: 0,
            upload_limits_mb: UploadLimits::default(),
            loaded_msgs_per_chat: 1,
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
        macro_rules! take {
            ($($f:ident),*) => { $( if let Some(v) = p.$f { self.$f = v; } )* };
        }
        take!(
            version,
            first_qr_ttl_ms,
            next_qr_ttl_ms,
            max_qr_refs,
            pairing_code_ttl_ms,
            pairing_ms,
            sync_ms,
            resume_sync_ms,
            self_reload_ms,
            auto_ack,
            omit_modules,
            default_export_modules,
            rename_modules,
            not_on_whatsapp,
            no_lid_until_queried,
            upload_hang,
            send_latency_ms,
            upload_limits_mb,
            loaded_msgs_per_chat
        );
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
    pub default_export_modules: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rename_modules: Option<BTreeMap<String, String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_on_whatsapp: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_lid_until_queried: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload_hang: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send_latency_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload_limits_mb: Option<UploadLimits>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loaded_msgs_per_chat: Option<u32>,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patch_applies_only_given_fields() {
        let mut c = SimConfig::fast();
        let p: ConfigPatch =
            serde_json::from_str(r#"{"upload_hang": true, "rename_modules": {"A": "B"}, "self_reload_ms": null}"#)
                .unwrap();
        c.apply(p);
        assert!(c.upload_hang && c.rename_modules.get("A").map(String::as_str) == Some("B"));
        assert_eq!(c.self_reload_ms, None);
        assert!(c.no_lid_until_queried, "untouched");
        assert_eq!(c.upload_limits_mb.bytes_for("video"), 100 * 1024 * 1024);
        assert_eq!(c.upload_limits_mb.bytes_for("document"), 2048 * 1024 * 1024);
    }
}
