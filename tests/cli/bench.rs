//! `lamsim bench`: runs the bundled echo handler at two memory sizes and checks bench.json
//! and samples.csv; bad input exits 2 and writes nothing.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use lamsim_sim::bench::{BenchSummary, SAMPLES_CSV_HEADER};

use crate::*;

/// The bundled echo handler, built once per test run (`cargo build -p lamsim-handlers`).
pub fn echo_handler() -> PathBuf {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
        let status = std::process::Command::new(cargo)
            .args([
                "build",
                "-q",
                "-p",
                "lamsim-handlers",
                "--bin",
                "lamsim-handler-echo",
            ])
            .current_dir(repo_root())
            .status()
            .expect("cargo build of the echo handler");
        assert!(status.success(), "building lamsim-handlers failed");
    });
    // The test binary is target/<profile>/deps/cli-<hash>; the handler is in target/debug.
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target"));
    let p = target.join("debug/lamsim-handler-echo");
    assert!(p.is_file(), "{} missing", p.display());
    p
}

/// A workload with `echo` (the handler) and `model-only` (no handler).
fn workload(dir: &Path) -> PathBuf {
    let w = dir.join("bench.toml");
    let text = format!(
        r#"[simulation]
duration = "1h"

[[function]]
name = "echo"
memory-mb = 256
arm64-speedup = 1.25
[function.arrivals]
kind = "poisson"
rate-per-s = 1.0
[function.duration]
dist = "const"
value = "1ms"
[function.handler]
command = ["{}"]

[[function]]
name = "model-only"
memory-mb = 256
[function.arrivals]
kind = "poisson"
rate-per-s = 1.0
[function.duration]
dist = "const"
value = "1ms"
"#,
        echo_handler().display()
    );
    std::fs::write(&w, text).unwrap();
    w
}

#[test]
fn bench_writes_bench_json_and_one_sample_per_invocation() {
    let tmp = temp_dir();
    let w = workload(tmp.path());
    let out = tmp.path().join("bench-out");
    let payload = tmp.path().join("events.jsonl");
    std::fs::write(
        &payload,
        "{\"weight\": 3, \"payload\": {\"a\": 1}}\n{\"weight\": 1, \"payload\": {\"b\": 2}}\n",
    )
    .unwrap();
    let o = run([
        "bench",
        path_str(&w).as_str(),
        "--function",
        "echo",
        "--memory",
        "128,256",
        "--architecture",
        "x86_64,arm64",
        "--cold",
        "2",
        "--invocations",
        "5",
        "--payload",
        &path_str(&payload),
        "--out",
        &path_str(&out),
        "--format",
        "json",
        "--quiet",
    ]);
    assert_code(&o, 0);
    assert_no_panic(&o);
    let text = std::fs::read_to_string(out.join("bench.json")).unwrap();
    assert_eq!(stdout(&o), text, "--format json prints bench.json");
    let s: BenchSummary =
        serde_json::from_str(&text).expect("bench.json has the BenchSummary layout");
    assert_eq!(s.schema_version, 1);
    assert_eq!(s.function, "echo");
    assert!(["cgroup-v1", "cgroup-v2", "none"].contains(&s.cpu_limit.as_str()));
    // One measured row per memory size on this machine's architecture, one modelled row for
    // the other.
    assert_eq!(s.results.len(), 4);
    for r in &s.results {
        assert_eq!(r.measured, r.architecture == s.architecture, "{r:?}");
        assert_eq!((r.invocations, r.cold_starts, r.errors), (7, 2, 0), "{r:?}");
        assert!(r.duration_ms.p50 > 0.0 && r.duration_ms.p50 <= r.duration_ms.p99);
        assert!(r.cost_per_invocation_usd > 0.0);
        assert!((r.cost_per_million_usd - r.cost_per_invocation_usd * 1e6).abs() < 1e-9);
    }
    assert_eq!(
        s.results.iter().map(|r| r.memory_mb).collect::<Vec<_>>(),
        vec![128, 128, 256, 256]
    );
    for m in [
        s.recommendation.cost,
        s.recommendation.speed,
        s.recommendation.balanced,
    ] {
        assert!(m == 128 || m == 256);
    }

    let csv = std::fs::read_to_string(out.join("samples.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some(SAMPLES_CSV_HEADER));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    // (2 cold + 5 warm) × 2 memory sizes, measured rows only.
    assert_eq!(rows.len(), 14);
    for m in ["128", "256"] {
        let at: Vec<&Vec<&str>> = rows.iter().filter(|r| r[0] == m).collect();
        assert_eq!(at.len(), 7);
        assert_eq!(at.iter().filter(|r| r[2] == "cold").count(), 2);
        for r in &at {
            assert_eq!(r.len(), 9);
            assert_eq!(r[1], s.architecture);
            // init_ms only on cold starts; no errors.
            assert_eq!(r[4].is_empty(), r[2] == "warm");
            assert!(r[5].parse::<f64>().unwrap() > 0.0);
            assert!(r[8].is_empty());
        }
    }
}

#[test]
fn bench_table_marks_modelled_rows_and_recommends() {
    let tmp = temp_dir();
    let w = workload(tmp.path());
    let o = run([
        "bench",
        path_str(&w).as_str(),
        "--function",
        "echo",
        "--memory",
        "256",
        "--architecture",
        "x86_64,arm64",
        "--cold",
        "1",
        "--invocations",
        "3",
    ]);
    assert_code(&o, 0);
    let table = stdout(&o);
    assert!(
        table.contains("measured") && table.contains("MODELLED"),
        "{table}"
    );
    assert!(table.contains("Recommendation"), "{table}");
    assert!(stderr(&o).contains("MODELLED"), "{}", stderr(&o));
}

#[test]
fn bench_bad_input_exits_2_and_writes_nothing() {
    let tmp = temp_dir();
    let w = workload(tmp.path());
    let out = tmp.path().join("never");
    let bad_payload = tmp.path().join("bad.jsonl");
    std::fs::write(&bad_payload, "{\"weight\": 1, \"payload\": 1}\n{oops\n").unwrap();
    let cases: [(&[&str], &str); 4] = [
        (
            &["--function", "nope", "--memory", "256"],
            "no function `nope`",
        ),
        (
            &["--function", "model-only", "--memory", "256"],
            "function[1].handler",
        ),
        (&["--function", "echo", "--memory", "100"], "--memory"),
        (
            &[
                "--function",
                "echo",
                "--memory",
                "256",
                "--payload",
                &path_str(&bad_payload),
            ],
            "line 2",
        ),
    ];
    for (args, needle) in cases {
        let mut all = vec![
            "bench".to_string(),
            path_str(&w),
            "--out".to_string(),
            path_str(&out),
        ];
        all.extend(args.iter().map(|s| s.to_string()));
        let o = run(&all);
        assert_code(&o, 2);
        assert_no_panic(&o);
        assert!(stderr(&o).contains(needle), "{args:?}: {}", stderr(&o));
        assert!(!out.exists(), "{args:?} wrote {}", out.display());
    }
}

/// `bench` of the function `api` of `w` at 512 MB, one cold and one warm invocation, into
/// `out`, with `extra` flags.
fn one_cold_one_warm(w: &Path, out: &Path, extra: &[&str]) -> Vec<String> {
    let mut a: Vec<String> = [
        "bench",
        &path_str(w),
        "--function",
        "api",
        "--memory",
        "512",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    a.extend(
        [
            "--cold",
            "1",
            "--invocations",
            "1",
            "--out",
            &path_str(out),
            "--quiet",
        ]
        .map(String::from),
    );
    a.extend(extra.iter().map(|s| s.to_string()));
    a
}

/// A handler command that exits at once never reaches a handler: every invocation fails in
/// the runtime (`Runtime.ExitError`), so there is nothing to measure: exit 2, the error type
/// named, nothing written.
#[test]
fn a_handler_that_never_runs_exits_2_and_writes_nothing() {
    let tmp = temp_dir();
    let w = tmp.path().join("broken.toml");
    std::fs::write(
        &w,
        "[[function]]\nname = \"api\"\nmemory-mb = 512\n[function.handler]\ncommand = [\"true\"]\n",
    )
    .unwrap();
    let out = tmp.path().join("never");
    let o = run(one_cold_one_warm(&w, &out, &[]));
    assert_code(&o, 2);
    assert_no_panic(&o);
    let e = stderr(&o);
    assert!(
        e.contains("function `api` at 512 MB: none of its 2 invocations reached the handler, each failed with Runtime.ExitError"),
        "{e}"
    );
    assert!(!out.exists(), "nothing written");
}

/// SIGTERM (or Ctrl-C) stops a bench: exit 2, nothing written, and no handler process left
/// behind. The handler here never answers (`sleep`), so the bench is waiting on it.
#[test]
fn a_stopped_bench_leaves_no_handler_running() {
    let tmp = temp_dir();
    // An argument no other process uses, to find the handler among all processes.
    let marker = format!("{}", 40_000 + std::process::id() % 20_000);
    let w = tmp.path().join("sleepy.toml");
    std::fs::write(
        &w,
        format!(
            "[[function]]\nname = \"api\"\nmemory-mb = 512\n[function.handler]\ncommand = [\"sleep\", \"{marker}\"]\n"
        ),
    )
    .unwrap();
    let out = tmp.path().join("never");
    // `sleep` is started by its resolved path (`/usr/bin/sleep`).
    let handler_running = || {
        std::fs::read_dir("/proc").unwrap().flatten().any(|p| {
            std::fs::read(p.path().join("cmdline")).is_ok_and(|c| {
                let args: Vec<&[u8]> = c.split(|&b| b == 0).collect();
                args.len() >= 2 && args[0].ends_with(b"sleep") && args[1] == marker.as_bytes()
            })
        })
    };
    /// Stops the bench if an assertion fails first.
    struct Guard(Option<std::process::Child>);
    impl Drop for Guard {
        fn drop(&mut self) {
            if let Some(c) = &mut self.0 {
                let _ = c.kill();
                let _ = c.wait();
            }
        }
    }
    let mut guard = Guard(Some(spawn(&mut lamsim(one_cold_one_warm(
        &w,
        &out,
        &["--no-cgroups"],
    )))));
    // Wait until the handler has started (at most 20 s).
    let start = std::time::Instant::now();
    while !handler_running() {
        assert!(start.elapsed().as_secs() < 20, "the handler never started");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let pid = guard.0.as_ref().unwrap().id().to_string();
    let kill = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(kill.success());
    let o = guard.0.take().unwrap().wait_with_output().unwrap();
    assert_code(&o, 2);
    assert!(stderr(&o).contains("interrupted"), "{}", stderr(&o));
    assert!(!out.exists(), "nothing written");
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert!(!handler_running(), "the handler was left running");
}
