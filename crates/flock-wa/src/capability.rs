//! What a session can do with the WhatsApp Web it runs: the bridge finds
//! each internal it relies on (by name, the value itself or under
//! `default`, or for the send path by shape) and reports, per feature,
//! whether everything it needs was found and by which route. A feature
//! whose internals are missing is switched off and named; only a login that
//! cannot work fails the account.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A feature of the session driver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Capability {
    LoginQr,
    LoginPairing,
    /// Reading the account's own number.
    Identity,
    Groups,
    /// `queryWidExists`: does a number have WhatsApp.
    Exists,
    SendText,
    SendMedia,
    LinkPreview,
    Acks,
    Inbound,
    /// Finding a message again by id (reconcile after a crash).
    Lookup,
    /// Reading the reachout timelock (463) state.
    Timelock,
}

impl Capability {
    pub const ALL: [Capability; 12] = [
        Self::LoginQr,
        Self::LoginPairing,
        Self::Identity,
        Self::Groups,
        Self::Exists,
        Self::SendText,
        Self::SendMedia,
        Self::LinkPreview,
        Self::Acks,
        Self::Inbound,
        Self::Lookup,
        Self::Timelock,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::LoginQr => "login_qr",
            Self::LoginPairing => "login_pairing",
            Self::Identity => "identity",
            Self::Groups => "groups",
            Self::Exists => "exists",
            Self::SendText => "send_text",
            Self::SendMedia => "send_media",
            Self::LinkPreview => "link_preview",
            Self::Acks => "acks",
            Self::Inbound => "inbound",
            Self::Lookup => "lookup",
            Self::Timelock => "timelock",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// For people: "Media sending", "QR login", ...
    pub fn label(self) -> &'static str {
        match self {
            Self::LoginQr => "QR login",
            Self::LoginPairing => "Pairing-code login",
            Self::Identity => "Reading the account's number",
            Self::Groups => "Reading groups",
            Self::Exists => "Number check",
            Self::SendText => "Text sending",
            Self::SendMedia => "Media sending",
            Self::LinkPreview => "Link previews",
            Self::Acks => "Delivery and read ticks",
            Self::Inbound => "Incoming messages",
            Self::Lookup => "Finding sent messages",
            Self::Timelock => "Reading the reachout timelock",
        }
    }
}

/// How an internal was found.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Route {
    /// `require(name)` returned it directly.
    Name,
    /// `require(name).default` (ES-module interop shape).
    Default,
    /// The name was not there; a module exporting the same function names
    /// (and arity) was found in `require('__debug').modulesMap`.
    ShapeSearch { module: String },
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Route::Name => f.write_str("name"),
            Route::Default => f.write_str("default"),
            Route::ShapeSearch { module } => write!(f, "shape-search:{module}"),
        }
    }
}

impl Route {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "name" => Some(Route::Name),
            "default" => Some(Route::Default),
            other => other.strip_prefix("shape-search:").map(|m| Route::ShapeSearch { module: m.to_string() }),
        }
    }
}

impl Serialize for Route {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Route {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Route::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("unknown route {s:?}")))
    }
}

impl specta::Type for Route {
    fn definition(types: &mut specta::Types) -> specta::datatype::DataType {
        <String as specta::Type>::definition(types)
    }
}

/// One internal behind a feature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Internal {
    /// Module name (`WAWebPrepRawMedia`).
    pub name: String,
    /// `None`: not found.
    #[serde(default)]
    pub route: Option<Route>,
    /// The feature cannot work without it (others only improve it).
    #[serde(default = "yes")]
    pub required: bool,
}

fn yes() -> bool {
    true
}

/// One feature: available or not, and the internals behind it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct CapabilityStatus {
    pub capability: Capability,
    pub available: bool,
    pub internals: Vec<Internal>,
}

impl CapabilityStatus {
    /// Required internals that were not found.
    pub fn missing(&self) -> Vec<&str> {
        self.internals.iter().filter(|i| i.required && i.route.is_none()).map(|i| i.name.as_str()).collect()
    }
}

/// The boot report: every feature, with the WhatsApp Web version.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, specta::Type)]
pub struct Capabilities {
    pub version: Option<String>,
    pub features: Vec<CapabilityStatus>,
}

impl Capabilities {
    pub fn get(&self, c: Capability) -> Option<&CapabilityStatus> {
        self.features.iter().find(|f| f.capability == c)
    }

    pub fn has(&self, c: Capability) -> bool {
        self.get(c).is_some_and(|f| f.available)
    }

    /// `Ok` when `c` is available, else the typed refusal naming it.
    pub fn require(&self, c: Capability) -> Result<(), CapabilityMissing> {
        match self.get(c) {
            Some(f) if f.available => Ok(()),
            Some(f) => Err(CapabilityMissing {
                capability: c,
                internals: f.missing().into_iter().map(str::to_string).collect(),
                version: self.version.clone(),
            }),
            None => Err(CapabilityMissing { capability: c, internals: vec![], version: self.version.clone() }),
        }
    }

    /// Features that are switched off.
    pub fn unavailable(&self) -> Vec<CapabilityMissing> {
        self.features.iter().filter(|f| !f.available).filter_map(|f| self.require(f.capability).err()).collect()
    }

    /// Login can work: by QR or by pairing code.
    pub fn login_possible(&self) -> bool {
        self.has(Capability::LoginQr) || self.has(Capability::LoginPairing)
    }
}

/// A request needs a feature this WhatsApp Web does not offer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct CapabilityMissing {
    pub capability: Capability,
    /// The internals that were not found.
    pub internals: Vec<String>,
    pub version: Option<String>,
}

impl fmt::Display for CapabilityMissing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let version = self.version.as_deref().unwrap_or("(unknown version)");
        let lacks = if self.internals.is_empty() { "this feature".to_string() } else { self.internals.join(", ") };
        write!(f, "{} unavailable: WhatsApp Web {version} lacks {lacks}", self.capability.label())
    }
}

impl std::error::Error for CapabilityMissing {}

/// The bridge's JSON, before unknown feature names (a newer bridge.js
/// override) are dropped.
#[derive(Deserialize)]
struct RawStatus {
    capability: String,
    available: bool,
    #[serde(default)]
    internals: Vec<Internal>,
}

#[derive(Deserialize)]
struct RawCapabilities {
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    features: Vec<RawStatus>,
}

impl<'de> Deserialize<'de> for Capabilities {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = RawCapabilities::deserialize(d)?;
        let features = raw
            .features
            .into_iter()
            .filter_map(|r| {
                Capability::parse(&r.capability).map(|capability| CapabilityStatus {
                    capability,
                    available: r.available,
                    internals: r.internals,
                })
            })
            .collect();
        Ok(Capabilities { version: raw.version, features })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_boot_report_and_names_what_is_missing() {
        let json = r#"{"version":"2.3000.1","features":[
            {"capability":"send_text","available":true,"internals":[{"name":"WAWebSendMsgChatAction","route":"shape-search:WAWebSendMsgChatActionV2"},{"name":"WAWebMsgKey","route":"default"}]},
            {"capability":"send_media","available":false,"internals":[{"name":"WAWebPrepRawMedia","route":null},{"name":"WAWebMediaGatingUtils","route":null,"required":false}]},
            {"capability":"from_the_future","available":true}
        ]}"#;
        let c: Capabilities = serde_json::from_str(json).unwrap();
        assert_eq!(c.features.len(), 2, "unknown features are dropped");
        assert!(c.has(Capability::SendText));
        let r = &c.get(Capability::SendText).unwrap().internals[0].route;
        assert_eq!(r, &Some(Route::ShapeSearch { module: "WAWebSendMsgChatActionV2".into() }));
        let e = c.require(Capability::SendMedia).unwrap_err();
        assert_eq!(e.to_string(), "Media sending unavailable: WhatsApp Web 2.3000.1 lacks WAWebPrepRawMedia");
        assert_eq!(c.unavailable(), vec![e]);
        assert!(c.require(Capability::Groups).is_err(), "a feature not reported is not available");
        assert!(!c.login_possible());
        assert_eq!(serde_json::to_value(&c.features[0].internals[1].route).unwrap(), "default");
    }
}
