//! Every example workload runs. Long examples are run on a shortened copy (the same file with
//! a 10-minute window), so the test stays fast; the checks are analytic values from each
//! example's header comment that hold on a short window too.

use std::path::Path;

use serde_json::Value;

use crate::{all_examples, assert_code, assert_no_panic, json, path_str, repo_root, run};

/// `text` with the `[simulation]` window set to `duration` and the warm-up to `warmup`, and
/// relative trace and calibration paths made absolute (the copy lives in another folder).
fn shortened(text: &str, duration: &str, warmup: &str) -> String {
    let traces = path_str(&repo_root().join("workloads/traces"));
    let calibrated = path_str(&repo_root().join("workloads/examples/calibrated"));
    let mut out = String::new();
    let mut section = String::new();
    let mut warmup_written = false;
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with('[') {
            if section == "[simulation]" && !warmup_written {
                out.push_str(&format!("warmup = \"{warmup}\"\n"));
                warmup_written = true;
            }
            section = trimmed.split('#').next().unwrap().trim().to_string();
        }
        if section == "[simulation]" && trimmed.starts_with("duration ") {
            out.push_str(&format!("duration = \"{duration}\"\n"));
        } else if section == "[simulation]" && trimmed.starts_with("warmup ") {
            out.push_str(&format!("warmup = \"{warmup}\"\n"));
            warmup_written = true;
        } else {
            out.push_str(
                &line
                    .replace("\"../traces/", &format!("\"{traces}/"))
                    .replace("\"calibrated/", &format!("\"{calibrated}/")),
            );
            out.push('\n');
        }
    }
    out
}

/// Runs a shortened copy of `example` and returns its summary.
fn run_short(example: &Path, duration: &str, warmup: &str) -> Value {
    let text = std::fs::read_to_string(example).expect("example readable");
    let dir = crate::temp_dir();
    let copy = dir.path().join(example.file_name().unwrap());
    std::fs::write(&copy, shortened(&text, duration, warmup)).unwrap();
    let o = run(["run", "-q", "--format", "json", &path_str(&copy)]);
    assert_no_panic(&o);
    // An example with an `[slo]` may miss it on a ten-minute window: exit 1, said in `slo`.
    let summary = json(&o);
    if summary["slo"]["met"] == Value::Bool(false) {
        assert_code(&o, 1);
    } else {
        assert_code(&o, 0);
    }
    summary
}

fn function<'a>(summary: &'a Value, name: &str) -> &'a Value {
    summary["functions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == name)
        .unwrap_or_else(|| panic!("no function {name}"))
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

#[test]
fn the_shortening_keeps_everything_else() {
    let text = "[simulation]\nduration = \"24h\"\nseed = 2\n\n[[function]]\nname = \"x\"\n\
                [function.arrivals]\nfile = \"../traces/t.csv\"\n";
    let s = shortened(text, "10m", "1m");
    assert!(s.contains("duration = \"10m\"\n"), "{s}");
    assert!(s.contains("warmup = \"1m\"\n"), "{s}");
    assert!(s.contains("seed = 2\n"));
    assert!(!s.contains("24h"));
    assert!(!s.contains("../traces"));
    assert_eq!(s.matches("warmup").count(), 1, "{s}");
}

#[test]
fn every_example_runs_on_a_ten_minute_window() {
    for example in all_examples() {
        let v = run_short(&example, "10m", "1m");
        assert_eq!(num(&v["window_s"]), 540.0, "{}", example.display());
        for f in v["functions"].as_array().unwrap() {
            if let Some(triggers) = f["triggers"].as_array() {
                // Event-driven: every item is completed, throttled (sync), dead-lettered,
                // expired or pending, trigger by trigger.
                for t in triggers {
                    let sync_throttles = if t["invocation"] == "sync" {
                        num(&t["throttles"])
                    } else {
                        0.0
                    };
                    assert_eq!(
                        num(&t["arrivals"]),
                        num(&t["completed"])
                            + sync_throttles
                            + num(&t["dead_letters"])
                            + num(&t["expired"])
                            + num(&t["pending"]),
                        "{}: {t}",
                        example.display()
                    );
                }
                continue;
            }
            // Conservation: every arrival either ran or was throttled.
            assert_eq!(
                num(&f["arrivals"]),
                num(&f["invocations"]) + num(&f["throttles"]),
                "{}: {}",
                example.display(),
                f["name"]
            );
        }
    }
}

#[test]
fn quickstart_matches_its_header() {
    let v = run_short(&crate::example("quickstart.toml"), "10m", "1m");
    let api = function(&v, "api");
    // 50/s over 540 s = 27,000 arrivals; ±5 σ.
    let n = num(&api["invocations"]);
    assert!((n - 27_000.0).abs() < 5.0 * 27_000f64.sqrt(), "{n}");
    // Lognormal median 100 ms, p99 500 ms: mean = 100 × exp(σ²/2), σ = ln 5 / 2.326.
    let sigma = 5f64.ln() / 2.326_348;
    let mean = 100.0 * (sigma * sigma / 2.0).exp();
    let measured = num(&api["latency_warm_ms"]["mean"]);
    assert!((measured / mean - 1.0).abs() < 0.03, "{measured} vs {mean}");
    // Little's law: busy environments = rate × mean duration.
    let busy = num(&api["instances"]["avg_busy"]);
    assert!((busy / (50.0 * mean / 1000.0) - 1.0).abs() < 0.06, "{busy}");
}

#[test]
fn arm64_is_faster_by_the_cpu_bound_share() {
    let v = run_short(&crate::example("arm64-vs-x86.toml"), "10m", "1m");
    let x86 = num(&function(&v, "resize-x86")["latency_warm_ms"]["mean"]);
    let arm = num(&function(&v, "resize-arm")["latency_warm_ms"]["mean"]);
    // 30 % of the time is not CPU-bound; the rest runs 1.1× faster: 0.3 + 0.7 / 1.1 = 0.936.
    let ratio = arm / x86;
    assert!((ratio - 0.936).abs() < 0.03, "arm64 / x86_64 = {ratio}");
}

#[test]
fn bursty_reserved_never_exceeds_its_reservation() {
    let v = run_short(&crate::example("bursty-reserved.toml"), "10m", "1m");
    let f = function(&v, "ingest");
    assert!(num(&f["instances"]["peak"]) <= 50.0, "{}", f["instances"]);
}

#[test]
fn trace_replay_counts_the_trace_rows() {
    // The whole example: a trace replay has few events, so its 2 h window is fast.
    let example = path_str(&crate::example("trace-replay.toml"));
    let o = run(["run", "-q", "--format", "json", &example]);
    assert_code(&o, 0);
    let v = json(&o);
    // Counted in workloads/traces/azure2021-head998.csv (see the example's header).
    assert_eq!(num(&function(&v, "batch")["arrivals"]), 174.0);
    assert_eq!(num(&function(&v, "events")["arrivals"]), 108.0);
}

#[test]
fn calibrated_cpu_runs_at_the_measured_mean() {
    let path = repo_root().join("workloads/examples/calibrated-cpu.toml");
    let summary = run_short(&path, "10m", "1m");
    let f = function(&summary, "cpu");
    // The calibration's empirical samples at 512 MB have mean 121.19 ms (see its header), and
    // the workload runs at the reference memory, so warm executions are that sample.
    let warm = num(&f["latency_warm_ms"]["mean"]);
    assert!((warm - 121.19).abs() < 121.19 * 0.03, "warm mean {warm} ms");
    // M/G/∞: busy = λ·E[S] = 20/s × 0.1212 s.
    let busy = num(&f["instances"]["avg_busy"]);
    assert!((busy - 2.42).abs() < 0.25, "avg busy {busy}");
}
