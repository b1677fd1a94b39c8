//! Memory of a browser: PSS (proportional set size) summed over the
//! browser's process tree, from `/proc/<pid>/smaps_rollup` (Linux only).

/// PSS in KiB of `root` and all its descendants; `None` where `/proc` is
/// not available or the process is gone.
pub fn process_tree_pss_kib(root: u32) -> Option<u64> {
    let pids = process_tree(root)?;
    let mut total = 0;
    let mut any = false;
    for pid in pids {
        if let Some(kib) = pss_kib(pid) {
            total += kib;
            any = true;
        }
    }
    any.then_some(total)
}

/// `root` and its descendants.
pub fn process_tree(root: u32) -> Option<Vec<u32>> {
    let entries = std::fs::read_dir("/proc").ok()?;
    let mut parent_of = Vec::new();
    for e in entries.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else { continue };
        if let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            if let Some(ppid) = parse_ppid(&stat) {
                parent_of.push((pid, ppid));
            }
        }
    }
    if !parent_of.iter().any(|(p, _)| *p == root) {
        return None;
    }
    let mut tree = vec![root];
    let mut i = 0;
    while i < tree.len() {
        let cur = tree[i];
        tree.extend(parent_of.iter().filter(|(_, pp)| *pp == cur).map(|(p, _)| *p));
        i += 1;
    }
    Some(tree)
}

/// The parent pid from `/proc/<pid>/stat` (`pid (comm) state ppid ...`;
/// `comm` may contain spaces and parentheses).
pub fn parse_ppid(stat: &str) -> Option<u32> {
    let after = &stat[stat.rfind(')')? + 1..];
    after.split_whitespace().nth(1)?.parse().ok()
}

pub fn pss_kib(pid: u32) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
    parse_pss(&text)
}

pub fn parse_pss(smaps_rollup: &str) -> Option<u64> {
    smaps_rollup
        .lines()
        .find(|l| l.starts_with("Pss:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_stat_and_smaps_rollup() {
        assert_eq!(parse_ppid("1234 (chromium (x) y) S 77 1234 1234 0 -1"), Some(77));
        let rollup = "55d0-7ffd ---p 00000000 00:00 0 [rollup]\nRss:  120 kB\nPss:  98765 kB\nPss_Anon: 1 kB\n";
        assert_eq!(parse_pss(rollup), Some(98765));
    }

    #[test]
    fn our_own_process_has_a_tree() {
        let me = std::process::id();
        if std::path::Path::new("/proc/self/smaps_rollup").exists() {
            assert!(process_tree(me).unwrap().contains(&me));
            assert!(process_tree_pss_kib(me).unwrap() > 0);
        }
    }
}
