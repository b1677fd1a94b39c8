//! Finding a browser: Chrome, Chromium or Edge on Linux, Windows and macOS.
//! A path from the settings wins; otherwise a headless-shell build is
//! preferred where present (it needs far less memory), unless a visible
//! window is wanted.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::WaError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BrowserKind {
    /// `chromium-headless-shell` / `chrome-headless-shell`: no window possible.
    HeadlessShell,
    Chromium,
    Chrome,
    Edge,
    /// A path from the settings; assumed to be able to show a window.
    Custom,
}

impl BrowserKind {
    pub fn can_show_window(self) -> bool {
        !matches!(self, BrowserKind::HeadlessShell)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BrowserBinary {
    pub path: PathBuf,
    pub kind: BrowserKind,
}

/// Which kind of browser to look for first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BrowserPreference {
    /// Headless shell where present (least memory), else a full browser.
    #[default]
    HeadlessShellFirst,
    /// A full browser (needed to show a window; used by the benchmark).
    FullBrowser,
}

/// The places a browser may live on `os` (`"linux"`, `"windows"`, `"macos"`),
/// in order of preference for `pref`. `env` looks up environment variables
/// (Windows program folders, HOME).
pub fn candidates(
    os: &str,
    pref: BrowserPreference,
    env: &dyn Fn(&str) -> Option<String>,
) -> Vec<BrowserBinary> {
    let mut shells = Vec::new();
    let mut full = Vec::new();
    let b = |p: String, kind| BrowserBinary { path: PathBuf::from(p), kind };
    match os {
        "windows" => {
            let roots: Vec<String> = ["ProgramFiles", "ProgramFiles(x86)", "LOCALAPPDATA"]
                .iter()
                .filter_map(|k| env(k))
                .collect();
            for r in &roots {
                full.push(b(format!(r"{r}\Google\Chrome\Application\chrome.exe"), BrowserKind::Chrome));
            }
            for r in &roots {
                full.push(b(format!(r"{r}\Chromium\Application\chrome.exe"), BrowserKind::Chromium));
            }
            for r in &roots {
                full.push(b(format!(r"{r}\Microsoft\Edge\Application\msedge.exe"), BrowserKind::Edge));
            }
        }
        "macos" => {
            let mut apps = vec!["/Applications".to_string()];
            if let Some(home) = env("HOME") {
                apps.push(format!("{home}/Applications"));
            }
            for a in &apps {
                full.push(b(format!("{a}/Google Chrome.app/Contents/MacOS/Google Chrome"), BrowserKind::Chrome));
                full.push(b(format!("{a}/Chromium.app/Contents/MacOS/Chromium"), BrowserKind::Chromium));
                full.push(b(format!("{a}/Microsoft Edge.app/Contents/MacOS/Microsoft Edge"), BrowserKind::Edge));
            }
        }
        _ => {
            // Debian/Ubuntu ship the headless shell next to chromium;
            // /usr/bin/chromium-headless-shell is a wrapper that does not
            // exec, so the real binary is launched directly.
            for p in [
                "/usr/lib/chromium/chromium-headless-shell",
                "/usr/lib64/chromium/chromium-headless-shell",
                "/usr/lib/chromium-browser/chromium-headless-shell",
                "/opt/google/chrome-headless-shell/chrome-headless-shell",
            ] {
                shells.push(b(p.into(), BrowserKind::HeadlessShell));
            }
            for (p, kind) in [
                ("/usr/bin/chromium", BrowserKind::Chromium),
                ("/usr/bin/chromium-browser", BrowserKind::Chromium),
                ("/usr/lib/chromium/chromium", BrowserKind::Chromium),
                ("/snap/bin/chromium", BrowserKind::Chromium),
                ("/usr/bin/google-chrome-stable", BrowserKind::Chrome),
                ("/usr/bin/google-chrome", BrowserKind::Chrome),
                ("/opt/google/chrome/chrome", BrowserKind::Chrome),
                ("/usr/bin/microsoft-edge-stable", BrowserKind::Edge),
                ("/usr/bin/microsoft-edge", BrowserKind::Edge),
                ("/opt/microsoft/msedge/msedge", BrowserKind::Edge),
            ] {
                full.push(b(p.into(), kind));
            }
        }
    }
    match pref {
        BrowserPreference::HeadlessShellFirst => shells.into_iter().chain(full).collect(),
        BrowserPreference::FullBrowser => full.into_iter().chain(shells).collect(),
    }
}

/// Finds the browser to launch. `override_path` (a setting) wins and must
/// exist. `want_window`: skip headless shells (they cannot show a window).
pub fn find_browser(
    override_path: Option<&Path>,
    pref: BrowserPreference,
    want_window: bool,
) -> Result<BrowserBinary, WaError> {
    if let Some(p) = override_path {
        if p.is_file() {
            return Ok(BrowserBinary { path: p.to_path_buf(), kind: kind_of(p) });
        }
        return Err(WaError::BrowserPathMissing { path: p.to_path_buf() });
    }
    let os = std::env::consts::OS;
    let env = |k: &str| std::env::var(k).ok();
    let list = candidates(os, pref, &env);
    list.iter()
        .filter(|c| !want_window || c.kind.can_show_window())
        .find(|c| c.path.is_file())
        .cloned()
        .ok_or_else(|| WaError::BrowserNotFound {
            looked: list.iter().map(|c| c.path.display().to_string()).collect::<Vec<_>>().join(", "),
        })
}

fn kind_of(p: &Path) -> BrowserKind {
    let name = p.file_name().map(|n| n.to_string_lossy().to_lowercase()).unwrap_or_default();
    if name.contains("headless-shell") {
        BrowserKind::HeadlessShell
    } else if name.contains("edge") {
        BrowserKind::Edge
    } else if name.contains("chromium") {
        BrowserKind::Chromium
    } else if name.contains("chrome") {
        BrowserKind::Chrome
    } else {
        BrowserKind::Custom
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linux_prefers_the_real_headless_shell_binary() {
        let list = candidates("linux", BrowserPreference::HeadlessShellFirst, &|_| None);
        assert_eq!(list[0].path, PathBuf::from("/usr/lib/chromium/chromium-headless-shell"));
        assert!(list.iter().all(|c| c.path != Path::new("/usr/bin/chromium-headless-shell")));
        let full = candidates("linux", BrowserPreference::FullBrowser, &|_| None);
        assert_eq!(full[0].kind, BrowserKind::Chromium);
    }

    #[test]
    fn windows_and_macos_know_chrome_chromium_and_edge() {
        let env = |k: &str| match k {
            "ProgramFiles" => Some(r"C:\Program Files".to_string()),
            "LOCALAPPDATA" => Some(r"C:\Users\a\AppData\Local".to_string()),
            _ => None,
        };
        let win = candidates("windows", BrowserPreference::HeadlessShellFirst, &env);
        assert_eq!(win[0].path, PathBuf::from(r"C:\Program Files\Google\Chrome\Application\chrome.exe"));
        assert!(win.iter().any(|c| c.kind == BrowserKind::Edge));
        assert!(win.iter().any(|c| c.kind == BrowserKind::Chromium));
        let mac = candidates("macos", BrowserPreference::HeadlessShellFirst, &|_| Some("/Users/a".into()));
        assert!(mac.iter().any(|c| c.path == Path::new("/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge")));
        assert!(mac.iter().any(|c| c.path == Path::new("/Users/a/Applications/Chromium.app/Contents/MacOS/Chromium")));
    }

    #[test]
    fn a_missing_override_is_an_error_naming_it() {
        let err = find_browser(Some(Path::new("/nope/chrome")), BrowserPreference::default(), false).unwrap_err();
        assert!(err.to_string().contains("/nope/chrome"), "{err}");
        assert_eq!(kind_of(Path::new("/x/chromium-headless-shell")), BrowserKind::HeadlessShell);
        assert_eq!(kind_of(Path::new("/x/msedge")), BrowserKind::Edge);
    }
}
