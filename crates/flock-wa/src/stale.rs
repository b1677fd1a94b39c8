//! Browsers left behind by a Flock that did not close them (killed, crashed,
//! power loss). Such a browser still holds the account's profile, and a new
//! one started on the same profile fails or fights it; so before a session
//! starts, any browser still running on its profile is ended. One session
//! per account is the manager's rule, so whatever is found here is stale.

use std::path::Path;

/// Ends every process whose command line names `profile_dir` as its
/// `--user-data-dir`, and returns how many there were. Linux only (elsewhere
/// the browser's own profile lock reports the conflict).
pub fn end_stale_browsers(profile_dir: &Path) -> usize {
    #[cfg(target_os = "linux")]
    {
        let wanted = format!("--user-data-dir={}", profile_dir.display());
        let me = std::process::id();
        let mut ended = 0;
        let Ok(entries) = std::fs::read_dir("/proc") else { return 0 };
        for entry in entries.flatten() {
            let Some(pid) = entry.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else { continue };
            if pid as u32 == me {
                continue;
            }
            let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) else { continue };
            if cmdline.split(|b| *b == 0).any(|arg| arg == wanted.as_bytes()) {
                // SAFETY: kill(2) with a pid read from /proc and SIGKILL has no memory effects.
                if unsafe { libc::kill(pid, libc::SIGKILL) } == 0 {
                    tracing::warn!(pid, profile = %profile_dir.display(), "ended a browser left running on this profile");
                    ended += 1;
                }
            }
        }
        ended
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = profile_dir;
        0
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    /// A stand-in for a browser: one process whose command line carries the
    /// flag, returned once it does (until its exec, /proc shows the test's
    /// own command line: the first CI run of this test lost that race).
    /// `sh -c 'read _' FLAG` keeps FLAG as `$0` and waits on its stdin in a
    /// builtin, so it stays one process. (`python3` was a pyenv shim on CI:
    /// a bash script whose subshells carry the same arguments, so 2 to 4
    /// processes matched.)
    fn fake_browser(profile: &Path) -> std::process::Child {
        let flag = format!("--user-data-dir={}", profile.display());
        let child = std::process::Command::new("/bin/sh")
            .args(["-c", "read _"])
            .arg(&flag)
            .stdin(std::process::Stdio::piped())
            .spawn()
            .expect("spawn /bin/sh");
        let end = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !std::fs::read(format!("/proc/{}/cmdline", child.id()))
            .is_ok_and(|c| c.split(|b| *b == 0).any(|a| a == flag.as_bytes()))
        {
            assert!(std::time::Instant::now() < end, "/bin/sh started");
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        child
    }

    #[test]
    fn a_browser_left_on_the_profile_is_ended_and_others_are_not() {
        let dir = tempfile::tempdir().unwrap();
        let profile = dir.path().join("account-1");
        let mut stale = fake_browser(&profile);
        let mut other = fake_browser(&dir.path().join("account-2"));
        assert_eq!(end_stale_browsers(&profile), 1);
        assert!(!stale.wait().unwrap().success(), "the stale process was killed");
        assert!(other.try_wait().unwrap().is_none(), "another profile's browser keeps running");
        let _ = other.kill();
        let _ = other.wait();
        assert_eq!(end_stale_browsers(&profile), 0, "nothing left to end");
    }
}
