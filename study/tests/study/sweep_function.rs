//! Per-function studies: `--function NAME` varies only that function, reports its own
//! numbers and cost, and judges points by its objectives; points say what they model.

use std::path::Path;

use lamsim_sim::model::Architecture;
use lamsim_sim::runner;
use lamsim_study::axis::{Axis, TomlPath, cross_product};
use lamsim_study::sweep::{self, SweepHeader};
use lamsim_study::workload::{MODELLED_ARM64_SPEEDUP, Workload};

/// `api` (100 ms, constant 2/s) beside `worker` (CPU-free 300 ms, constant 2/s, its own p99
/// objective of 200 ms), ten minutes, priced.
const STACK: &str = r#"
[simulation]
duration = "10m"
seed = 4

[[function]]
name = "api"
memory-mb = 512
[function.arrivals]
kind = "constant"
rate-per-s = 2.0
[function.duration]
dist = "const"
value = "100ms"
[function.init]
dist = "const"
value = "250ms"

[[function]]
name = "worker"
memory-mb = 1024
[function.arrivals]
kind = "constant"
rate-per-s = 2.0
[function.duration]
dist = "const"
value = "300ms"
cpu-fraction = 0.0
[function.init]
dist = "const"
value = "250ms"
cpu-fraction = 0.0
[function.slo]
p99 = "200ms"
"#;

fn workload() -> Workload {
    Workload::from_text(STACK, Path::new("."), "stack.toml").unwrap()
}

#[test]
fn a_focused_sweep_edits_and_reports_one_function() {
    let mut w = workload();
    assert_eq!(w.focus("worker").unwrap(), 1);
    let idle = TomlPath::parse("function.keep-alive.idle").unwrap();
    let axes = vec![Axis::memory([2048]), Axis::set(&idle, vec!["5m".into()])];
    let spec = &cross_product(&axes)[0];
    let s = w.scenario(&axes, spec).unwrap();
    // Only the worker changed.
    assert_eq!(
        (s.functions[0].memory_mb, s.functions[1].memory_mb),
        (512, 2048)
    );
    assert_eq!(
        s.functions[0].keep_alive, w.base.functions[0].keep_alive,
        "the api keeps its keep-alive"
    );
    assert_ne!(s.functions[1].keep_alive, w.base.functions[1].keep_alive);

    let out = runner::run(&s, &|_| {});
    let p = sweep::point_result(&w, &axes, spec, &s, &out);
    let worker = &out.summary.functions[1];
    assert_eq!(p.memory_mb, Some(2048));
    assert_eq!(p.p99_ms, worker.latency_ms.p99);
    assert_eq!(p.cold_start_ratio, worker.cold_start_ratio);
    let own = worker
        .cost_usd
        .as_ref()
        .unwrap()
        .monthly
        .as_ref()
        .unwrap()
        .total;
    assert_eq!(p.monthly_cost_usd, own);
    let total = out.summary.cost.as_ref().unwrap().monthly.total_usd;
    assert!(own < total, "its own cost, not the total");
    // Its own objective (p99 ≤ 200 ms) fails on 300 ms executions.
    assert!(!p.meets_slo);
    assert_eq!(p.slo_violations.len(), 1);
    assert!(p.slo_violations[0].starts_with("worker: latency_ms.p99"));

    let header = SweepHeader::of_workload(&w, &axes);
    assert_eq!(header.function.as_deref(), Some("worker"));
    assert_eq!(header.function_slo.as_ref().unwrap().p99_ms, Some(200.0));
    let report = sweep::finish(header, &axes, vec![p]);
    // Nothing meets the worker's objective: the nearest miss is measured against it.
    assert_eq!(report.recommendation, None);
    assert_eq!(report.nearest_miss, Some(0));
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["function"], "worker");
}

#[test]
fn without_focus_the_point_is_the_worst_function_and_the_total_bill() {
    let w = workload();
    let axes = vec![Axis::memory([1024])];
    let spec = &cross_product(&axes)[0];
    let s = w.scenario(&axes, spec).unwrap();
    assert_eq!(
        (s.functions[0].memory_mb, s.functions[1].memory_mb),
        (1024, 1024)
    );
    let out = runner::run(&s, &|_| {});
    let p = sweep::point_result(&w, &axes, spec, &s, &out);
    assert_eq!(p.p99_ms, out.summary.functions[1].latency_ms.p99);
    assert_eq!(
        p.monthly_cost_usd,
        out.summary.cost.as_ref().unwrap().monthly.total_usd
    );
    // The worker's own objective still counts.
    assert!(!p.meets_slo);
    let json = serde_json::to_value(SweepHeader::of_workload(&w, &axes)).unwrap();
    assert!(json.get("function").is_none() && json.get("function_slo").is_none());
}

#[test]
fn an_unknown_function_is_an_error_naming_the_flag_and_the_functions() {
    let e = workload().focus("thumb").unwrap_err().to_string();
    assert_eq!(
        e,
        "--function: the workload has no function `thumb`: its functions are api, worker"
    );
}

#[test]
fn arm64_speed_is_modelled_unless_arm64_speedup_is_given() {
    let w = workload();
    let axes = vec![Axis::architecture([
        Architecture::X86_64,
        Architecture::Arm64,
    ])];
    let specs = cross_product(&axes);
    let modelled = |w: &Workload, i: usize| {
        let s = w.scenario(&axes, &specs[i]).unwrap();
        w.modelled(&axes, &specs[i], &s)
    };
    // x86_64 is the file's architecture: measured as given.
    assert!(modelled(&w, 0).is_empty());
    assert_eq!(modelled(&w, 1), vec![MODELLED_ARM64_SPEEDUP.to_string()]);
    // A file that says how fast arm64 is: nothing modelled by default.
    let given = STACK.replace(
        "memory-mb = 512\n",
        "memory-mb = 512\narm64-speedup = 1.1\n",
    );
    let mut w2 = Workload::from_text(&given, Path::new("."), "stack.toml").unwrap();
    // The worker still has no arm64-speedup …
    assert_eq!(modelled(&w2, 1), vec![MODELLED_ARM64_SPEEDUP.to_string()]);
    // … but a study of the api alone only moves the api.
    w2.focus("api").unwrap();
    assert!(modelled(&w2, 1).is_empty());
}
