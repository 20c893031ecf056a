//! A handler that writes a huge log line without a newline is neither slowed down nor blocked:
//! lines are split in linear time at `log_lines::MAX_LINE_BYTES` (the work is counted by the
//! unit tests of `log_lines`; here the real pipe is exercised end to end).

use lamsim_harness::log_lines::{MAX_LINE_BYTES, split_note};

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_20_mb_line_without_newline_is_split_and_the_handler_is_not_blocked() {
    let dir = tempfile::tempdir().unwrap();
    let mut opts = options();
    opts.log_file = Some(dir.path().join("serve.log"));
    let rt = start_with(vec![rust_function("faults", "faults", 256)], opts).await;
    let addr = rt.addr();
    let bytes = 20 << 20;
    // Hang guard only (no timing is asserted): a blocked handler would hit its 3 s timeout.
    let r = tokio::time::timeout(
        std::time::Duration::from_secs(60),
        invoke(
            addr,
            "faults",
            &[("X-Amz-Log-Type", "Tail")],
            &format!(r#"{{"action": "long-line", "bytes": {bytes}}}"#),
        ),
    )
    .await
    .expect("answered");
    assert_eq!(r.header("X-Amz-Function-Error"), None, "{:?}", r.json());
    assert_eq!(r.json()["written"], bytes);
    // The log tail ends with pieces of the line (none longer than the tail), then END/REPORT.
    use base64::Engine;
    let tail = base64::engine::general_purpose::STANDARD
        .decode(r.header("X-Amz-Log-Result").unwrap())
        .unwrap();
    let tail = String::from_utf8(tail).unwrap();
    assert!(tail.contains("xxxx\nEND RequestId: "), "{tail}");
    rt.shutdown().await;
    // The whole line is in the log, in pieces of the cap, with one note after the first.
    let log = std::fs::read_to_string(dir.path().join("serve.log")).unwrap();
    let lines: Vec<&str> = log.lines().collect();
    let pieces: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.starts_with('x'))
        .collect();
    assert_eq!(pieces.len(), bytes / MAX_LINE_BYTES);
    assert!(pieces.iter().all(|p| p.len() == MAX_LINE_BYTES));
    let note = split_note(MAX_LINE_BYTES);
    assert_eq!(lines.iter().filter(|l| **l == note).count(), 1);
    assert_eq!(lines[2], note, "START, the first piece, then the note");
}
