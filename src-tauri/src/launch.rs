//! The app's command line. The same names as `flockctl` where they overlap.

use std::path::PathBuf;

use clap::Parser;

#[derive(Debug, Clone, Parser)]
#[command(name = "flock", version, about = "Flock: campaigns from your team's own WhatsApp accounts")]
pub struct LaunchOptions {
    /// Try every screen without a phone: starts the built-in WhatsApp Web
    /// simulator with demo data, in a separate demo data folder.
    #[arg(long)]
    pub demo: bool,
    /// Port of the demo simulator on 127.0.0.1 (default: a free one). Tests
    /// use it to play the phone through the simulator's control API.
    #[arg(long, value_name = "PORT", requires = "demo")]
    pub demo_port: Option<u16>,
    /// Fill the demo (three linked accounts, groups synced) even with
    /// `--demo-port`: a test that plays the phone itself starts empty.
    #[arg(long, requires = "demo")]
    pub demo_full: bool,
    /// Data folder (default: the OS app-data folder).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Database URL; overrides the one chosen in Settings.
    #[arg(long, env = "FLOCK_DATABASE_URL", value_name = "URL", hide_env_values = true)]
    /// Redacted in `Debug`: it may hold a password.
    pub database_url: Option<flock_core::db::DatabaseUrl>,
}

impl LaunchOptions {
    /// The data folder this launch uses: `--data-dir` or the OS app-data
    /// folder, and its `demo` subfolder in demo mode (demo data never mixes
    /// with the real accounts and contacts).
    pub fn data_root(&self) -> PathBuf {
        let root = self.data_dir.clone().unwrap_or_else(flock_core::paths::DataPaths::default_root);
        if self.demo {
            root.join("demo")
        } else {
            root
        }
    }

    /// Whether the demo starts full (`demo::start`): `scripts/run.sh --demo`
    /// does; the end-to-end tests that link their own accounts do not.
    pub fn demo_fill(&self) -> bool {
        self.demo && (self.demo_port.is_none() || self.demo_full)
    }

    /// The name a running instance is known by (Linux: its D-Bus name), one
    /// per data folder: a second launch on the same folder is handed to the
    /// first, a launch on another folder (demo, tests) runs on its own.
    pub fn instance_id(&self) -> String {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        self.data_root().hash(&mut hasher);
        format!("{}.data_{:016x}", flock_core::paths::APP_IDENTIFIER, hasher.finish())
    }

    /// Unknown arguments (e.g. from a desktop launcher) are reported and ignored
    /// rather than stopping the app.
    pub fn from_args() -> Self {
        match Self::try_parse() {
            Ok(options) => options,
            Err(e) if e.kind() == clap::error::ErrorKind::DisplayHelp
                || e.kind() == clap::error::ErrorKind::DisplayVersion =>
            {
                e.exit()
            }
            Err(e) => {
                eprintln!("warning: ignoring the command line: {e}");
                Self { demo: false, demo_port: None, demo_full: false, data_dir: None, database_url: None }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::LaunchOptions;

    fn fill(args: &[&str]) -> bool {
        LaunchOptions::try_parse_from(std::iter::once("flock").chain(args.iter().copied())).unwrap().demo_fill()
    }

    #[test]
    fn the_demo_starts_full_unless_a_test_plays_the_phone() {
        assert!(fill(&["--demo"]));
        assert!(!fill(&[]));
        assert!(!fill(&["--demo", "--demo-port", "7000"]), "the e2e tests link their own accounts");
        assert!(fill(&["--demo", "--demo-port", "7000", "--demo-full"]));
    }
}
