//! CloudWatch REPORT lines: every field form AWS writes, the JSON of `aws logs
//! filter-log-events`, and unparseable lines counted with their location, never dropped.

use std::path::PathBuf;

use lamsim_harness::calibrate;
use lamsim_harness::cloudwatch::parse_logs;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn read(name: &str) -> String {
    std::fs::read_to_string(fixture(name)).unwrap()
}

#[test]
fn every_report_form_parses_and_bad_lines_are_counted() {
    let p = parse_logs(&read("report-lines.txt"), "r.txt").unwrap();
    let ids: Vec<&str> = p.reports.iter().map(|r| &r.request_id[..8]).collect();
    assert_eq!(
        ids,
        [
            "8c2f7f9e", "0d6c9a55", "4e1a2b3c", "5f2b3c4d", "6a3c4d5e", "7b4d5e6f", "8c5e6f70"
        ]
    );
    // Cold start behind a timestamp prefix, with the trailing tab.
    let cold = &p.reports[0];
    assert_eq!(cold.location, "r.txt:line 3");
    assert_eq!((cold.duration_ms, cold.billed_duration_ms), (102.25, 348.0));
    assert_eq!((cold.memory_size_mb, cold.max_memory_used_mb), (512, 71.0));
    assert_eq!(cold.init_duration_ms, Some(245.51));
    assert!(cold.succeeded());
    // Warm: no Init Duration.
    assert_eq!(p.reports[1].init_duration_ms, None);
    assert_eq!(p.reports[1].duration_ms, 12.34);
    // Fields separated by spaces (a copy that lost the tabs).
    assert_eq!(p.reports[2].memory_size_mb, 128);
    assert_eq!(p.reports[2].duration_ms, 7.01);
    // SnapStart.
    let snap = &p.reports[3];
    assert_eq!(snap.restore_duration_ms, Some(412.37));
    assert_eq!(snap.billed_restore_duration_ms, Some(100.0));
    assert_eq!(snap.init_duration_ms, None);
    // Platform-ended invocations.
    assert_eq!(p.reports[4].status.as_deref(), Some("timeout"));
    assert!(!p.reports[4].succeeded());
    assert_eq!(p.reports[5].status.as_deref(), Some("error"));
    assert_eq!(
        p.reports[5].error_type.as_deref(),
        Some("Runtime.ExitError")
    );
    // Lambda's JSON log format.
    let j = &p.reports[6];
    assert_eq!((j.duration_ms, j.memory_size_mb), (21.5, 256));
    assert_eq!(j.init_duration_ms, Some(180.25));
    assert!(j.succeeded());
    // Two malformed REPORT lines, with their line numbers and reasons.
    assert_eq!(p.malformed.len(), 2, "{:?}", p.malformed);
    assert_eq!(p.malformed[0].location, "r.txt:line 10");
    assert!(
        p.malformed[0].reason.contains("twelve"),
        "{:?}",
        p.malformed[0]
    );
    assert_eq!(p.malformed[1].location, "r.txt:line 11");
    assert_eq!(
        p.malformed[1].reason,
        "missing Billed Duration, Max Memory Used"
    );
    // START, END, the application line and the blank line are skipped, not errors.
    assert_eq!(p.skipped, 4);
}

#[test]
fn plain_text_and_filter_log_events_json_give_the_same_reports() {
    let text = parse_logs(&read("cloudwatch-two-memory.txt"), "t").unwrap();
    let json = parse_logs(&read("cloudwatch-1024.json"), "j").unwrap();
    // The generator wrote 150 invocations per memory size, one cold in six, plus a timeout,
    // an error and a truncated line.
    assert_eq!(text.reports.len(), 302);
    assert_eq!(text.malformed.len(), 1);
    assert!(text.malformed[0].location.ends_with(":line 1253"));
    assert_eq!(json.reports.len(), 150);
    assert!(json.malformed.is_empty());
    assert_eq!(json.reports[0].location, "j:event 5");
    let text_1024: Vec<_> = text
        .reports
        .iter()
        .filter(|r| r.memory_size_mb == 1024 && r.succeeded())
        .collect();
    assert_eq!(text_1024.len(), 150);
    for (a, b) in text_1024.iter().zip(&json.reports) {
        assert_eq!(
            (&a.request_id, a.duration_ms, a.init_duration_ms),
            (&b.request_id, b.duration_ms, b.init_duration_ms)
        );
    }
    assert_eq!(
        json.reports
            .iter()
            .filter(|r| r.init_duration_ms.is_some())
            .count(),
        25
    );
}

#[test]
fn json_that_is_not_a_log_export_is_an_error() {
    let e = parse_logs(r#"{"results": []}"#, "x.json").unwrap_err();
    assert!(e.to_string().starts_with("x.json: "), "{e}");
    assert!(e.message.contains("events"), "{e}");
    let e = parse_logs(r#"{"events": [ {"message": "REPORT"#, "y.json").unwrap_err();
    assert!(e.message.contains("not valid JSON"), "{e}");
}

#[test]
fn logs_without_report_lines_are_refused_saying_what_was_seen() {
    let p = parse_logs(
        "START RequestId: a Version: $LATEST\nEND RequestId: a\n",
        "s.txt",
    )
    .unwrap();
    let e = calibrate::from_logs(p, "s.txt").unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("no REPORT lines found in s.txt"), "{msg}");
    assert!(msg.contains("2 other lines skipped"), "{msg}");
}

#[test]
fn logs_group_by_memory_and_leave_failures_out() {
    let p = parse_logs(&read("report-lines.txt"), "r.txt").unwrap();
    let s = calibrate::from_logs(p, "r.txt").unwrap();
    assert_eq!(s.failed, 2, "the timeout and the error");
    let m512 = &s.by_memory[&512];
    assert_eq!(m512.warm_ms, [12.34]);
    assert_eq!(m512.cold_ms, [102.25]);
    assert_eq!(m512.init_ms, [245.51]);
    // The SnapStart invocation is cold without an init sample; a note says restores are not
    // fitted.
    assert_eq!(s.by_memory[&2048].cold_ms, [30.0]);
    assert!(s.by_memory[&2048].init_ms.is_empty());
    assert!(
        s.notes.iter().any(|n| n.contains("SnapStart")),
        "{:?}",
        s.notes
    );
    assert_eq!(s.malformed.len(), 2);
}

#[test]
fn lambda_json_format_log_lines_are_read_line_by_line() {
    let text = r#"{"time":"2024-05-01T12:00:00.000Z","type":"platform.start","record":{"requestId":"a1","version":"$LATEST"}}
{"time":"2024-05-01T12:00:00.010Z","level":"INFO","requestId":"a1","message":"hello"}
{"time":"2024-05-01T12:00:00.020Z","type":"platform.report","record":{"requestId":"a1","metrics":{"durationMs":9.5,"billedDurationMs":10,"memorySizeMB":128,"maxMemoryUsedMB":50},"status":"timeout"}}
"#;
    let p = parse_logs(text, "j.log").unwrap();
    assert_eq!(p.reports.len(), 1);
    assert_eq!(p.reports[0].location, "j.log:line 3");
    assert_eq!(p.reports[0].duration_ms, 9.5);
    assert_eq!(p.reports[0].init_duration_ms, None);
    assert_eq!(p.reports[0].status.as_deref(), Some("timeout"));
    assert_eq!(p.skipped, 2);
}
