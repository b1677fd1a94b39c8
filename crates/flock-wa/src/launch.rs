//! Launch flags chosen for low memory, and the user agent a normal desktop
//! browser would send.

/// What decides the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LaunchOptions {
    /// Show a window (per-account "show browser", for troubleshooting).
    pub show_window: bool,
    /// The process runs as root (Chromium refuses its sandbox then).
    pub as_root: bool,
}

impl LaunchOptions {
    pub fn detect(show_window: bool) -> Self {
        Self { show_window, as_root: running_as_root() }
    }
}

/// Flags given to the browser, WITHOUT leading `--` (chromiumoxide adds
/// them). `headless`, `user-data-dir` and `remote-debugging-port` are added
/// by the launcher.
pub fn launch_flags(opts: LaunchOptions) -> Vec<String> {
    let mut flags: Vec<String> = [
        "disable-background-networking",
        "disable-component-update",
        "disable-sync",
        "no-first-run",
        "no-default-browser-check",
        "disable-default-apps",
        "disable-extensions",
        "disable-component-extensions-with-background-pages",
        "disable-breakpad",
        "disable-crash-reporter",
        "disable-client-side-phishing-detection",
        "disable-domain-reliability",
        "disable-hang-monitor",
        "disable-popup-blocking",
        "disable-prompt-on-repost",
        "disable-dev-shm-usage",
        "disable-gpu",
        "disable-software-rasterizer",
        "disable-features=Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider,InterestFeedContentSuggestions,CalculateNativeWinOcclusion,AutofillServerCommunication,BackForwardCache",
        // A background tab must keep its timers: WhatsApp Web runs on them.
        "disable-background-timer-throttling",
        "disable-backgrounding-occluded-windows",
        "disable-renderer-backgrounding",
        "metrics-recording-only",
        "password-store=basic",
        "use-mock-keychain",
        "mute-audio",
        "lang=en-US",
        "js-flags=--max-old-space-size=512",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    if !opts.show_window {
        flags.push("hide-scrollbars".into());
    }
    if opts.as_root {
        flags.push("no-sandbox".into());
    }
    flags
}

/// A normal desktop user agent for this OS and the browser's major version
/// (headless builds announce themselves as `HeadlessChrome`, which
/// WhatsApp Web refuses).
pub fn user_agent(os: &str, major: u32) -> String {
    let platform = match os {
        "windows" => "Windows NT 10.0; Win64; x64",
        "macos" => "Macintosh; Intel Mac OS X 10_15_7",
        _ => "X11; Linux x86_64",
    };
    format!("Mozilla/5.0 ({platform}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{major}.0.0.0 Safari/537.36")
}

/// The major version from a CDP product string (`HeadlessChrome/131.0.6778.85`).
pub fn major_version(product: &str) -> Option<u32> {
    product.split('/').nth(1)?.split('.').next()?.parse().ok()
}

pub fn running_as_root() -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        // The owner of /proc/self is the effective user.
        std::fs::metadata("/proc/self").map(|m| m.uid() == 0).unwrap_or(false)
    }
    #[cfg(not(unix))]
    {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_are_bare_and_low_memory() {
        let f = launch_flags(LaunchOptions { show_window: false, as_root: false });
        for want in ["disable-background-networking", "disable-component-update", "disable-sync", "no-first-run"] {
            assert!(f.iter().any(|x| x == want), "{want} missing");
        }
        assert!(f.iter().all(|x| !x.starts_with('-')), "no leading dashes: {f:?}");
        assert!(!f.iter().any(|x| x == "no-sandbox"));
        let root = launch_flags(LaunchOptions { show_window: true, as_root: true });
        assert!(root.iter().any(|x| x == "no-sandbox"));
    }

    #[test]
    fn user_agent_looks_like_desktop_chrome() {
        let ua = user_agent("linux", 131);
        assert!(ua.contains("Chrome/131.0.0.0") && !ua.contains("Headless"), "{ua}");
        assert_eq!(major_version("HeadlessChrome/131.0.6778.85"), Some(131));
        assert!(user_agent("windows", 120).contains("Windows NT 10.0"));
    }
}
