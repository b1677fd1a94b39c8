use std::io::Write;
use std::path::Path;
use std::time::Duration;

use super::tail::Follower;
use super::*;

fn json_line(i: usize, level: &str, message: &str) -> String {
    format!(r#"{{"time":"2026-12-01T10:00:{:02}Z","level":"{level}","target":"flock_core::t","message":"{message}","fields":{{"i":"{i}"}}}}"#, i % 60)
}

fn write(dir: &Path, name: &str, lines: &[String]) {
    let mut text = lines.join("\n");
    text.push('\n');
    std::fs::write(dir.join(name), text).unwrap();
}

fn append(dir: &Path, name: &str, text: &str) {
    std::fs::OpenOptions::new().append(true).create(true).open(dir.join(name)).unwrap().write_all(text.as_bytes()).unwrap();
}

fn messages(entries: &[LogEntry]) -> Vec<String> {
    entries.iter().map(|e| e.line.message.clone()).collect()
}

fn query(limit: u32) -> LogQuery {
    LogQuery { limit, ..Default::default() }
}

#[test]
fn the_day_files_are_listed_newest_first_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["flock.2026-11-30.log", "flock.2026-12-01.log", "flock.2026-11-02.log", "other.2026-12-02.log", "flock.lock", "notes.txt"] {
        std::fs::write(dir.path().join(name), "x\n").unwrap();
    }
    let logs = LogDir::new(dir.path(), "flock");
    let names: Vec<String> = logs.files().unwrap().into_iter().map(|f| f.name).collect();
    assert_eq!(names, ["flock.2026-12-01.log", "flock.2026-11-30.log", "flock.2026-11-02.log"]);
    assert_eq!(logs.current().unwrap().unwrap().date, chrono::NaiveDate::from_ymd_opt(2026, 12, 1));
    assert!(LogDir::new(dir.path().join("missing"), "flock").files().unwrap().is_empty());
}

#[test]
fn only_a_listed_file_can_be_read() {
    let dir = tempfile::tempdir().unwrap();
    let inner = dir.path().join("logs");
    std::fs::create_dir(&inner).unwrap();
    std::fs::write(dir.path().join("settings.json"), "{}\n").unwrap();
    std::fs::write(inner.join("flock.2026-12-01.log"), "x\n").unwrap();
    let logs = LogDir::new(&inner, "flock");
    for name in ["../settings.json", "/etc/passwd", "flock.2026-12-02.log", ""] {
        let q = LogQuery { file: Some(name.into()), ..query(10) };
        let err = logs.read(&q).unwrap_err();
        assert!(matches!(err, LogsError::UnknownFile { .. }), "{name}: {err}");
        assert_eq!(crate::error::Report::report(&err).kind, crate::ErrorKind::NotFound);
    }
    assert!(logs.read(&LogQuery { file: Some("flock.2026-12-01.log".into()), ..query(10) }).is_ok());
}

#[test]
fn the_last_lines_come_a_page_at_a_time_back_to_the_first() {
    let dir = tempfile::tempdir().unwrap();
    // Long lines: several 64 KiB chunks, lines crossing chunk edges.
    let filler = "x".repeat(700);
    let lines: Vec<String> = (0..500).map(|i| json_line(i, "info", &format!("line {i} {filler}"))).collect();
    write(dir.path(), "flock.2026-12-01.log", &lines);
    let logs = LogDir::new(dir.path(), "flock");
    let mut seen = Vec::new();
    let mut before = None;
    loop {
        let page = logs.read(&LogQuery { before, ..query(120) }).unwrap();
        assert!(page.entries.len() <= 120);
        let mut batch: Vec<usize> = page.entries.iter().map(|e| e.line.fields["i"].parse().unwrap()).collect();
        assert!(batch.windows(2).all(|w| w[0] + 1 == w[1]), "oldest first, no gap: {batch:?}");
        batch.extend(seen);
        seen = batch;
        if !page.more {
            assert_eq!(page.start, 0);
            break;
        }
        before = Some(page.start);
    }
    assert_eq!(seen, (0..500).collect::<Vec<_>>());
}

#[test]
fn the_offsets_point_at_the_lines() {
    let dir = tempfile::tempdir().unwrap();
    let lines: Vec<String> = (0..5).map(|i| json_line(i, "info", &format!("m{i}"))).collect();
    write(dir.path(), "flock.2026-12-01.log", &lines);
    let text = std::fs::read_to_string(dir.path().join("flock.2026-12-01.log")).unwrap();
    let page = LogDir::new(dir.path(), "flock").read(&query(10)).unwrap();
    for entry in &page.entries {
        let at = &text[entry.offset as usize..];
        assert_eq!(LogLine::parse(at.lines().next().unwrap()), entry.line);
    }
    assert_eq!(page.end as usize, text.len());
}

#[test]
fn a_line_still_being_written_is_left_for_the_tail() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "flock.2026-12-01.log", &[json_line(0, "info", "whole")]);
    append(dir.path(), "flock.2026-12-01.log", r#"{"time":"2026-12-01T10:00:01Z","lev"#);
    let page = LogDir::new(dir.path(), "flock").read(&query(10)).unwrap();
    assert_eq!(messages(&page.entries), ["whole"]);
    assert_eq!(page.end as usize, json_line(0, "info", "whole").len() + 1);
}

#[test]
fn level_and_text_filters_pick_the_lines() {
    let dir = tempfile::tempdir().unwrap();
    let lines = vec![
        json_line(0, "debug", "claim round"),
        json_line(1, "info", "Account state"),
        json_line(2, "warn", "health: the page did not answer"),
        json_line(3, "error", "cannot store the account state"),
        json_line(4, "info", "dispatcher started"),
    ];
    write(dir.path(), "flock.2026-12-01.log", &lines);
    let logs = LogDir::new(dir.path(), "flock");
    let warn = logs.read(&LogQuery { min_level: Some(LogLevel::Warn), ..query(10) }).unwrap();
    assert_eq!(messages(&warn.entries), ["health: the page did not answer", "cannot store the account state"]);
    let text = logs.read(&LogQuery { search: Some(" ACCOUNT state ".into()), ..query(10) }).unwrap();
    assert_eq!(messages(&text.entries), ["Account state", "cannot store the account state"]);
    let both = logs.read(&LogQuery { search: Some("account".into()), min_level: Some(LogLevel::Error), ..query(10) }).unwrap();
    assert_eq!(messages(&both.entries), ["cannot store the account state"]);
    // Field names and values are searched too.
    let field = logs.read(&LogQuery { search: Some("i".into()), min_level: Some(LogLevel::Error), ..query(10) }).unwrap();
    assert_eq!(field.entries.len(), 1);
}

#[test]
fn a_page_size_out_of_range_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let logs = LogDir::new(dir.path(), "flock");
    assert!(matches!(logs.read(&query(0)), Err(LogsError::Limit { limit: 0 })));
    assert!(matches!(logs.read(&query(MAX_LINES + 1)), Err(LogsError::Limit { .. })));
    let empty = logs.read(&query(10)).unwrap();
    assert_eq!((empty.file, empty.entries.len(), empty.more), (None, 0, false));
}

#[test]
fn the_follower_sends_whole_new_lines_and_moves_to_the_next_day() {
    let dir = tempfile::tempdir().unwrap();
    let day1 = "flock.2026-12-01.log";
    write(dir.path(), day1, &[json_line(0, "info", "before the start")]);
    let mut follower = Follower::new(LogDir::new(dir.path(), "flock"));
    follower.skip_to_end();
    assert!(follower.poll_new().unwrap().is_empty(), "lines from before the start are not sent");

    append(dir.path(), day1, &format!("{}\n{{\"half", json_line(1, "info", "one")));
    let batches = follower.poll_new().unwrap();
    assert_eq!(batches.len(), 1);
    assert_eq!(batches[0].file, day1);
    assert_eq!(messages(&batches[0].entries), ["one"]);
    append(dir.path(), day1, "\"}\n");
    let batches = follower.poll_new().unwrap();
    assert_eq!(messages(&batches[0].entries), [r#"{"half"}"#], "the rest of the half line, once whole");

    // Midnight: the last lines of the old day, then the new day from its start.
    append(dir.path(), day1, &format!("{}\n", json_line(2, "info", "last of day 1")));
    write(dir.path(), "flock.2026-12-02.log", &[json_line(3, "info", "first of day 2")]);
    let batches = follower.poll_new().unwrap();
    let got: Vec<(String, Vec<String>)> = batches.iter().map(|b| (b.file.clone(), messages(&b.entries))).collect();
    assert_eq!(
        got,
        [
            (day1.to_string(), vec!["last of day 1".to_string()]),
            ("flock.2026-12-02.log".to_string(), vec!["first of day 2".to_string()])
        ]
    );
    assert_eq!(batches[1].entries[0].offset, 0);
}

#[test]
fn the_follower_masks_what_it_reads() {
    let dir = tempfile::tempdir().unwrap();
    let name = "flock.2026-12-01.log";
    write(dir.path(), name, &[]);
    let mut follower = Follower::new(LogDir::new(dir.path(), "flock"));
    follower.skip_to_end();
    append(dir.path(), name, "2026-12-01T10:00:00Z  INFO flock: to +919800000101\n");
    let batches = follower.poll_new().unwrap();
    assert_eq!(messages(&batches[0].entries), ["to +91••••••01"]);
}

#[tokio::test]
async fn the_tail_pushes_appended_lines_without_being_asked() {
    let dir = tempfile::tempdir().unwrap();
    let name = "flock.2026-12-01.log";
    write(dir.path(), name, &[json_line(0, "info", "old")]);
    let tail = LogTail::start(LogDir::new(dir.path(), "flock")).unwrap();
    let mut rx = tail.subscribe();
    append(dir.path(), name, &format!("{}\n{}\n", json_line(1, "info", "new 1"), json_line(2, "warn", "new 2")));
    let mut got = Vec::new();
    while got.len() < 2 {
        let batch = tokio::time::timeout(Duration::from_secs(20), rx.recv()).await.expect("a batch within 20 s").unwrap();
        assert_eq!(batch.file, name);
        got.extend(messages(&batch.entries));
    }
    assert_eq!(got, ["new 1", "new 2"]);
}
