//! A `bridge.js` in the data folder replaces the built-in bridge for every
//! account (to follow a WhatsApp Web change without a new Flock). It is code
//! run inside each account's WhatsApp Web, so the Accounts page says when
//! one is active, with its sha256 to compare against the file you meant.

use std::path::Path;

use serde::Serialize;
use sha2::{Digest, Sha256};

/// The override in use, as the Accounts page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct BridgeOverride {
    pub path: String,
    /// Lowercase hex of the file's bytes.
    pub sha256: String,
    pub bytes: u64,
}

/// `<data_dir>/bridge.js` when there is one the sessions would load (the
/// same rule as `flock_wa::bridge::load`: present and readable as text).
pub fn bridge_override(data_dir: &Path) -> Option<BridgeOverride> {
    let path = data_dir.join("bridge.js");
    let text = std::fs::read_to_string(&path).ok()?;
    let digest = Sha256::digest(text.as_bytes());
    let sha256 = digest.iter().map(|b| format!("{b:02x}")).collect();
    Some(BridgeOverride { path: path.display().to_string(), sha256, bytes: text.len() as u64 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_override_is_named_with_its_sha256_and_none_without_one() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(bridge_override(dir.path()), None);
        std::fs::write(dir.path().join("bridge.js"), "abc").unwrap();
        let o = bridge_override(dir.path()).expect("the override");
        // sha256("abc"), the FIPS 180-2 example.
        assert_eq!(o.sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(o.bytes, 3);
        assert!(o.path.ends_with("bridge.js"));
        // Not text: the sessions use the built-in bridge, so nothing to show.
        std::fs::write(dir.path().join("bridge.js"), [0xff, 0xfe, 0x00]).unwrap();
        assert_eq!(bridge_override(dir.path()), None);
    }
}
