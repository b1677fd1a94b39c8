//! The injected bridge script: the ONE place that uses WhatsApp Web
//! internals. Its source is split into parts (`src/bridge/NN-*.js`), built
//! into one script in name order. A `bridge.js` in the data folder (the
//! whole script, e.g. [`BUILT_IN`] written out and edited) overrides the
//! built-in one, to follow a WhatsApp Web update without a new Flock build.

use std::borrow::Cow;
use std::path::Path;

/// The CDP binding the bridge calls with one JSON string per event.
pub const BINDING: &str = "__flockEmit";

/// The built-in script: the parts concatenated, one closure.
pub const BUILT_IN: &str = concat!(
    include_str!("bridge/00-core.js"),
    include_str!("bridge/10-internals.js"),
    include_str!("bridge/20-session.js"),
    include_str!("bridge/30-messages.js"),
    include_str!("bridge/40-send.js"),
    include_str!("bridge/50-lookup.js"),
    include_str!("bridge/60-commands.js"),
);

/// The script to inject: `<data_dir>/bridge.js` when present and readable,
/// else the built-in one.
pub fn load(data_dir: Option<&Path>) -> Cow<'static, str> {
    if let Some(dir) = data_dir {
        let path = dir.join("bridge.js");
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                tracing::info!(path = %path.display(), "using the bridge script from the data folder");
                return Cow::Owned(text);
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => tracing::warn!(path = %path.display(), "cannot read the bridge override, using the built-in one: {e}"),
        }
    }
    Cow::Borrowed(BUILT_IN)
}

/// A JavaScript call of a quick bridge command (it answers a JSON string
/// at once), with its arguments JSON-encoded.
pub fn call(command: &str, args: &[serde_json::Value]) -> String {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    format!(
        "(function(){{var b=window.__flockBridge;if(!b||typeof b.{command}!=='function')return JSON.stringify({{ok:false,error:'no_bridge'}});return b.{command}({});}})()",
        args.join(",")
    )
}

/// A long bridge command: the page answers at once that it started, and
/// later with a `reply` event carrying `call`.
pub fn start(command: &str, call: u64, args: &[serde_json::Value]) -> String {
    let mut all = vec![serde_json::Value::from(call)];
    all.extend_from_slice(args);
    self::call(command, &all)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn override_file_wins() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(load(Some(dir.path())), BUILT_IN);
        std::fs::write(dir.path().join("bridge.js"), "/* custom */").unwrap();
        assert_eq!(load(Some(dir.path())), "/* custom */");
        assert!(BUILT_IN.contains(BINDING));
    }

    #[test]
    fn the_parts_make_one_closure() {
        assert!(BUILT_IN.starts_with("/* Flock bridge"), "part 00 first");
        assert_eq!(BUILT_IN.matches("(function () {\n  'use strict';").count(), 1, "one closure opens");
        assert!(BUILT_IN.trim_end().ends_with("})();"), "and closes at the end");
        for part in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/src/bridge")).unwrap() {
            let path = part.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            assert!(BUILT_IN.contains(&text), "{} is part of BUILT_IN", path.display());
        }
    }

    #[test]
    fn calls_encode_arguments() {
        let js = call("pairingCode", &[serde_json::json!("91\"98")]);
        assert!(js.contains(r#"b.pairingCode("91\"98")"#), "{js}");
        let js = start("send", 7, &[serde_json::json!({"to": "1@g.us"})]);
        assert!(js.contains(r#"b.send(7,{"to":"1@g.us"})"#), "{js}");
    }
}
