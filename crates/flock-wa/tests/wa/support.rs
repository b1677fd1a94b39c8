//! A session driven straight through flock-wa (no core, no database) against
//! a fresh simulator, with a real headless Chromium. HOME and the XDG
//! folders point at a temp folder (Chromium writes there).

use std::path::{Path, PathBuf};
use std::time::Duration;

pub use flock_sim::{Inbound, LedgerEntry, NewGroup, PhoneEvent, SimConfig, SimHandle, Simulator};
use flock_wa::{
    bridge, BridgeEvent, BrowserPreference, MessageEvent, QrSource, Session, SessionConfig, SessionEvent, SessionHandle,
};
use sha2::Digest;
use tokio::sync::{broadcast, mpsc};

/// Generous: two cores, several browsers.
pub const LONG: Duration = Duration::from_secs(120);

/// Our accounts (registered phones) and people who are on WhatsApp but are
/// not ours (every number exists unless the config says otherwise).
pub const ME: &str = "+919800000001";
pub const OTHER_ACCOUNT: &str = "+919800000002";
pub const PEOPLE: [&str; 4] = ["+919811111101", "+919811111102", "+919811111103", "+919811111104"];

pub struct Harness {
    pub sim: SimHandle,
    pub home: tempfile::TempDir,
    pub profiles: tempfile::TempDir,
    pub files: tempfile::TempDir,
}

/// One running session and its event streams.
pub struct Linked {
    pub handle: SessionHandle,
    pub events: mpsc::UnboundedReceiver<SessionEvent>,
    pub messages: broadcast::Receiver<MessageEvent>,
    pub profile: PathBuf,
    /// Where the QR shown came from (`None`: restored without a QR).
    pub qr_source: Option<QrSource>,
}

impl Harness {
    pub async fn new(tweak: impl FnOnce(&mut SimConfig)) -> Self {
        let mut cfg = SimConfig::fast();
        tweak(&mut cfg);
        let sim = Simulator::start(cfg).await.expect("simulator");
        sim.add_phone(ME, "Ravi").await.expect("phone");
        sim.add_phone(OTHER_ACCOUNT, "Priya").await.expect("phone");
        Self {
            sim,
            home: tempfile::tempdir().expect("home"),
            profiles: tempfile::tempdir().expect("profiles"),
            files: tempfile::tempdir().expect("files"),
        }
    }

    pub fn session_config(&self, profile: &Path) -> SessionConfig {
        let h = self.home.path().display().to_string();
        SessionConfig {
            label: "test account".into(),
            url: format!("{}/", self.sim.base_url()),
            profile_dir: profile.to_path_buf(),
            browser_path: None,
            preference: BrowserPreference::HeadlessShellFirst,
            show_window: false,
            env: vec![
                ("HOME".into(), h.clone()),
                ("XDG_CONFIG_HOME".into(), format!("{h}/.config")),
                ("XDG_CACHE_HOME".into(), format!("{h}/.cache")),
            ],
            bridge_js: bridge::BUILT_IN.to_string(),
            launch_timeout: Duration::from_secs(90),
        }
    }

    /// Starts a session on `profile` (a logged-in profile comes back without a QR).
    pub async fn start(&self, profile: &Path) -> Linked {
        let (handle, events) = Session::start(self.session_config(profile)).await.expect("session starts");
        let messages = handle.messages();
        Linked { handle, events, messages, profile: profile.to_path_buf(), qr_source: None }
    }

    /// A new profile linked by QR as `phone`, connected and synced.
    pub async fn link(&self, phone: &str) -> Linked {
        let profile = self.profiles.path().join(phone.trim_start_matches('+'));
        let mut s = self.start(&profile).await;
        let deadline = tokio::time::Instant::now() + LONG;
        loop {
            let ev = tokio::time::timeout_at(deadline, s.events.recv()).await.expect("a QR in time").expect("events");
            if let SessionEvent::Bridge(BridgeEvent::Qr { payload, source }) = ev {
                match self.sim.scan(&payload, phone).await {
                    Ok(_) => {
                        s.qr_source = Some(source);
                        break;
                    }
                    Err(e) => eprintln!("scan refused ({e}); waiting for the next QR"),
                }
            }
        }
        s.handle.wait_ready(LONG).await.expect("connected and synced");
        s
    }

    /// Writes a test file: `head` then filler up to `size` bytes.
    pub fn file(&self, name: &str, head: &[u8], size: usize) -> PathBuf {
        let mut bytes = head.to_vec();
        let mut x: u32 = 0x9E37_79B9;
        while bytes.len() < size {
            // Cheap pseudo-random filler (xorshift) so files do not compress or repeat.
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            bytes.push((x & 0xFF) as u8);
        }
        let p = self.files.path().join(name);
        std::fs::write(&p, &bytes).expect("write test file");
        p
    }

    /// The ledger entries with this message id (the judge: exactly once).
    pub async fn ledger_of(&self, id: &flock_wa::MessageId) -> Vec<LedgerEntry> {
        self.sim.ledger().await.into_iter().filter(|e| e.id == id.as_str()).collect()
    }

    pub async fn shutdown(self, sessions: Vec<Linked>) {
        for s in sessions {
            s.handle.close().await;
        }
        let _ = self.sim.shutdown().await;
    }
}

pub fn sha256_hex(path: &Path) -> String {
    hex::encode(sha2::Sha256::digest(std::fs::read(path).expect("read")))
}

/// File heads that make each file what it claims to be (the sniffer reads them).
pub const PNG: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, b'I', b'H', b'D', b'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0];
pub const MP4: &[u8] = &[0, 0, 0, 0x18, b'f', b't', b'y', b'p', b'm', b'p', b'4', b'2', 0, 0, 0, 0, b'm', b'p', b'4', b'2', b'i', b's', b'o', b'm'];
pub const MP3: &[u8] = &[b'I', b'D', b'3', 3, 0, 0, 0, 0, 0, 0];
pub const PDF: &[u8] = b"%PDF-1.4\n";
pub const EXE: &[u8] = &[b'M', b'Z', 0x90, 0, 3, 0, 0, 0, 4, 0, 0, 0, 0xFF, 0xFF, 0, 0];

/// Waits for a message event matching `f`.
pub async fn next_message<T>(rx: &mut broadcast::Receiver<MessageEvent>, what: &str, mut f: impl FnMut(&MessageEvent) -> Option<T>) -> T {
    let deadline = tokio::time::Instant::now() + LONG;
    loop {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Ok(ev)) => {
                if let Some(v) = f(&ev) {
                    return v;
                }
            }
            Ok(Err(broadcast::error::RecvError::Lagged(n))) => panic!("lost {n} message events waiting for {what}"),
            Ok(Err(e)) => panic!("message events ended waiting for {what}: {e}"),
            Err(_) => panic!("timed out after {LONG:?} waiting for {what}"),
        }
    }
}

/// Waits for a session event matching `f`.
pub async fn next_event<T>(rx: &mut mpsc::UnboundedReceiver<SessionEvent>, what: &str, mut f: impl FnMut(&SessionEvent) -> Option<T>) -> T {
    let deadline = tokio::time::Instant::now() + LONG;
    loop {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(ev)) => {
                if let Some(v) = f(&ev) {
                    return v;
                }
            }
            Ok(None) => panic!("session events ended waiting for {what}"),
            Err(_) => panic!("timed out after {LONG:?} waiting for {what}"),
        }
    }
}

/// Polls `check` (a simulator read) until it yields.
pub async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + LONG;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(tokio::time::Instant::now() < deadline, "timed out after {LONG:?} waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
