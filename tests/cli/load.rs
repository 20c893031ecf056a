//! `lamsim load`: the bundled echo handler driven by its workload's arrivals for a short
//! window; load.json on stdout and in `--out` with the harness's logs beside it; bad input
//! exits 2 and writes nothing.

use std::path::{Path, PathBuf};

use crate::bench::echo_handler;
use crate::*;

/// A workload whose `echo` function (the bundled handler) gets Poisson arrivals at 10/s.
fn workload(dir: &Path) -> PathBuf {
    let w = dir.join("load.toml");
    let text = format!(
        r#"[simulation]
duration = "1h"
seed = 3

[[function]]
name = "echo"
memory-mb = 512
[function.arrivals]
kind = "poisson"
rate-per-s = 10.0
[function.duration]
dist = "const"
value = "1ms"
[function.handler]
command = ["{}"]
"#,
        echo_handler().display()
    );
    std::fs::write(&w, text).unwrap();
    w
}

/// `v` is valid against `schemas/load.schema.json`.
fn assert_load_schema(v: &serde_json::Value) {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo_root().join("schemas/load.schema.json")).unwrap(),
    )
    .expect("the schema is JSON");
    let validator = jsonschema::draft202012::new(&schema).expect("the schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(v)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "load.json against its schema: {errors:#?}"
    );
}

#[test]
fn load_writes_load_json_beside_the_harness_logs() {
    let tmp = temp_dir();
    let w = workload(tmp.path());
    let out = tmp.path().join("load-out");
    let o = run([
        "load",
        &path_str(&w),
        "--for",
        "2s",
        "--out",
        &path_str(&out),
        "--format",
        "json",
        "--quiet",
    ]);
    assert_code(&o, 0);
    assert_no_panic(&o);
    let v = json(&o);
    let file: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("load.json")).unwrap()).unwrap();
    assert_eq!(v, file, "stdout is load.json");
    assert_load_schema(&v);
    assert_eq!(v["schema_version"], 1);
    let f = &v["functions"][0];
    assert_eq!(f["name"], "echo");
    for side in ["measured", "simulated"] {
        let m = &f[side];
        for k in [
            "invocations",
            "cold_starts",
            "throttles",
            "environments_avg",
        ] {
            assert!(m[k].is_number(), "{side}.{k} missing: {v:#}");
        }
        for k in ["mean", "p50", "p90", "p99", "max"] {
            assert!(
                m["latency_ms"][k].is_number(),
                "{side}.latency_ms.{k}: {v:#}"
            );
        }
    }
    let n = f["measured"]["invocations"].as_f64().unwrap();
    assert!(n > 0.0, "{v:#}");
    assert_eq!(f["simulated"]["invocations"].as_f64().unwrap(), n);
    assert_eq!(v["generator"]["requests"].as_f64().unwrap(), n);
    assert!(v["warnings"].is_array());
    // The harness's logs, as `serve` writes them: one record and one REPORT line per call.
    let records = std::fs::read_to_string(out.join("invocations.jsonl")).unwrap();
    assert_eq!(records.lines().count() as f64, n);
    let log = std::fs::read_to_string(out.join("logs/echo.log")).unwrap();
    assert_eq!(
        log.lines().filter(|l| l.starts_with("REPORT ")).count() as f64,
        n
    );
    let md = std::fs::read_to_string(out.join("load.md")).unwrap();
    assert!(md.contains("| echo | measured |"), "{md}");
    // A second load may write over the first one's folder.
    let o = run([
        "load",
        &path_str(&w),
        "--for",
        "1s",
        "--out",
        &path_str(&out),
        "--quiet",
    ]);
    assert_code(&o, 0);
    assert!(stdout(&o).contains("simulated"), "{}", stdout(&o));
}

#[test]
fn load_refuses_bad_input_and_writes_nothing() {
    let tmp = temp_dir();
    let w = workload(tmp.path());
    let out = tmp.path().join("never");
    for (args, says) in [
        (vec!["--function", "nope"], "no function `nope`"),
        (vec!["--for", "0s"], "--for"),
        (vec!["--payload", "/nonexistent/events.json"], "--payload"),
        (vec!["--stream-event", "SQS"], "--stream-event"),
    ] {
        let mut all = vec!["load".to_string(), path_str(&w)];
        all.extend(args.iter().map(|s| s.to_string()));
        all.extend(["--out".to_string(), path_str(&out)]);
        let o = run(&all);
        assert_code(&o, 2);
        assert_no_panic(&o);
        assert!(stderr(&o).contains(says), "{args:?}: {}", stderr(&o));
        assert!(!out.exists(), "{args:?} wrote {}", out.display());
    }
}

/// An SQS worker and a DynamoDB stream consumer, both the bundled echo handler.
fn queued_workload(dir: &Path) -> PathBuf {
    let w = dir.join("queued.toml");
    let function = |name: &str, trigger: &str| {
        format!(
            r#"
[[function]]
name = "{name}"
memory-mb = 512
[function.duration]
dist = "const"
value = "1ms"
[function.handler]
command = ["{}"]
[[function.trigger]]
{trigger}
[function.trigger.arrivals]
kind = "poisson"
rate-per-s = 30.0
"#,
            echo_handler().display()
        )
    };
    let text = format!(
        "[simulation]\nduration = \"1h\"\nseed = 5\n{}{}",
        function(
            "worker",
            "invocation = \"sqs\"\nbatch-size = 10\nbatching-window = \"200ms\""
        ),
        function(
            "consumer",
            "invocation = \"stream\"\nshards = 2\nbatch-size = 20\nbatching-window = \"500ms\""
        ),
    );
    std::fs::write(&w, text).unwrap();
    w
}

#[test]
fn load_drives_queued_triggers_and_reports_their_items() {
    let tmp = temp_dir();
    let w = queued_workload(tmp.path());
    let o = run([
        "load",
        &path_str(&w),
        "--for",
        "2s",
        "--stream-event",
        "dynamodb",
        "--format",
        "json",
        "--quiet",
    ]);
    assert_code(&o, 0);
    assert_no_panic(&o);
    let v = json(&o);
    assert_load_schema(&v);
    for f in v["functions"].as_array().unwrap() {
        let (m, s) = (&f["measured"]["queued"], &f["simulated"]["queued"]);
        let arrivals = m["arrivals"].as_f64().unwrap();
        // The same items on both sides, about 60 in 2 s (Poisson, within ±5σ).
        assert!((20.0..=100.0).contains(&arrivals), "{v:#}");
        assert_eq!(s["arrivals"].as_f64().unwrap(), arrivals, "{v:#}");
        for q in [m, s] {
            let settled = ["completed", "dead_letters", "expired", "pending"]
                .iter()
                .map(|k| q[k].as_f64().unwrap())
                .sum::<f64>();
            assert_eq!(settled, arrivals, "every item accounted for: {v:#}");
        }
        // Batching windows gather the items: fewer executions than items.
        let execs = f["measured"]["invocations"].as_f64().unwrap();
        assert!(execs >= 1.0 && execs < arrivals, "{v:#}");
        assert_eq!(f["simulated_error_rate"].as_f64(), Some(0.0));
    }
}
