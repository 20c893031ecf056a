//! `lamsim load` (`lamsim_harness::load`): the bundled CPU handler driven open-loop with the
//! workload's own Poisson arrivals, then the same window simulated with the model fitted to
//! what was measured.
//!
//! The arrivals are the simulator's own (same seed and window), so measured and simulated
//! invocations must be equal exactly; cold starts and mean environments must agree within
//! their sampling error (`load::agreement`). A rate the machine cannot hold must say so.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use lamsim_harness::bench::Payloads;
use lamsim_harness::load::{self, LoadError, LoadOptions};
use lamsim_sim::model::{Function, Scenario};
use lamsim_sim::time::SimTime;

use crate::common::*;

/// A workload of one function running the bundled CPU handler at 1,769 MB (one whole CPU)
/// with Poisson arrivals at `rate_per_s`.
fn cpu_workload(rate_per_s: f64) -> Scenario {
    let mut scenario = lamsim_sim::testing::simple_scenario(rate_per_s, 5.0, "10m", "1h");
    scenario.simulation.seed = 11;
    let model = scenario.functions[0].clone();
    let mut f: Function = rust_function("cpu", "cpu", 1769);
    f.triggers = model.triggers;
    f.keep_alive = model.keep_alive;
    f.timeout = SimTime::from_secs(10);
    scenario.functions = vec![f];
    scenario
}

fn counter() -> (Arc<AtomicU64>, load::ProgressFn) {
    let n = Arc::new(AtomicU64::new(0));
    let c = n.clone();
    (
        n,
        Arc::new(move |k| {
            c.fetch_add(k, Ordering::Relaxed);
        }),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_at_a_low_rate_matches_the_model_fitted_to_it() {
    let _quiet = cpu_heavy().lock().await;
    let scenario = cpu_workload(5.0);
    let window = SimTime::from_secs(10);
    let opts = LoadOptions {
        window,
        ..LoadOptions::default()
    };
    let arrivals = load::arrival_schedule(&scenario.functions[0], 11, window).len();
    // 5/s for 10 s: 50 expected, and a Poisson count is within 50 ± 4·√50 with near certainty.
    assert!((22..=78).contains(&arrivals), "{arrivals} arrivals");
    let (ticks, progress) = counter();
    let payloads = Payloads::single(r#"{"cpu_ms": 5}"#.into());
    let out = load::run(
        &scenario,
        &opts,
        &payloads,
        progress,
        std::future::pending(),
    )
    .await
    .expect("the load runs");
    let r = &out.report;
    assert_eq!(r.schema_version, load::LOAD_SCHEMA_VERSION);
    assert_eq!(r.functions.len(), 1);
    let f = &r.functions[0];
    let (m, s) = (&f.measured, &f.simulated);
    // The same requests on both sides, every one answered and counted once.
    assert_eq!(m.invocations, arrivals as f64, "{r:#?}");
    assert_eq!(s.invocations, arrivals as f64, "{r:#?}");
    assert_eq!((m.throttles, s.throttles), (0.0, 0.0));
    assert_eq!(ticks.load(Ordering::Relaxed), arrivals as u64);
    assert_eq!(r.generator.requests, arrivals as u64);
    assert_eq!(out.records.len(), arrivals);
    // Cold starts are the records with an init (REPORT's Init Duration); the first is one.
    let cold = out.records.iter().filter(|r| r.init_ms.is_some()).count();
    assert_eq!(m.cold_starts, cold as f64);
    assert!(m.cold_starts >= 1.0 && s.cold_starts >= 1.0, "{r:#?}");
    // No environment outlives the window or retires in it (keep-alive 10 min), so the
    // average is at most the environments started, and at least one was up most of the time.
    assert!(m.environments_avg <= m.cold_starts + 0.05, "{r:#?}");
    assert!(m.environments_avg > 0.5, "{r:#?}");
    assert!(f.agreement.cold_starts, "cold starts disagree: {r:#?}");
    assert!(
        f.agreement.environments_avg,
        "environments disagree: {r:#?}"
    );
    // The model was fitted to these invocations, not taken from the workload.
    assert!(
        !r.warnings.iter().any(|w| w.contains("could not be fitted")),
        "{:#?}",
        r.warnings
    );
    // Latency is measured from the scheduled time, so it is never below the handler's work.
    assert!(m.latency_ms.p50 >= 5.0 * 0.9, "{r:#?}");
    assert!(m.latency_ms.max >= m.latency_ms.p99 && m.latency_ms.p99 >= m.latency_ms.p50);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_of_a_python_handler_matches_the_model_fitted_to_it() {
    let Some(py) = python("load_of_a_python_handler_matches_the_model_fitted_to_it") else {
        return;
    };
    let _quiet = cpu_heavy().lock().await;
    let mut scenario = cpu_workload(4.0);
    let model = scenario.functions[0].clone();
    let mut f = crate::python_runtime::py_function(&py, "py-cpu", "app.cpu");
    f.triggers = model.triggers;
    f.keep_alive = model.keep_alive;
    f.timeout = SimTime::from_secs(10);
    scenario.functions = vec![f];
    let window = SimTime::from_secs(8);
    let opts = LoadOptions {
        window,
        ..LoadOptions::default()
    };
    let arrivals = load::arrival_schedule(&scenario.functions[0], 11, window).len();
    let (_, progress) = counter();
    let payloads = Payloads::single(r#"{"cpu_ms": 5}"#.into());
    let out = load::run(
        &scenario,
        &opts,
        &payloads,
        progress,
        std::future::pending(),
    )
    .await
    .expect("the load runs");
    let r = &out.report;
    let f = &r.functions[0];
    assert_eq!(f.measured.invocations, arrivals as f64, "{r:#?}");
    assert_eq!(f.simulated.invocations, arrivals as f64, "{r:#?}");
    // awslambdaric's init (an interpreter start, ~100 ms or more) is in every cold latency.
    let init: Vec<f64> = out.records.iter().filter_map(|r| r.init_ms).collect();
    assert_eq!(init.len() as f64, f.measured.cold_starts);
    assert!(f.measured.latency_ms.max >= init.iter().cloned().fold(0.0, f64::max));
    assert!(f.agreement.cold_starts, "cold starts disagree: {r:#?}");
    assert!(
        f.agreement.environments_avg,
        "environments disagree: {r:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_beyond_the_machine_says_the_comparison_does_not_hold() {
    let _quiet = cpu_heavy().lock().await;
    // 8 environments of 1,769 MB each want a whole CPU: four times this 2-core machine.
    let mut scenario = cpu_workload(300.0);
    scenario.functions[0].reserved_concurrency = Some(8);
    let window = SimTime::from_secs(2);
    let opts = LoadOptions {
        window,
        ..LoadOptions::default()
    };
    let (_, progress) = counter();
    let payloads = Payloads::single(r#"{"cpu_ms": 50}"#.into());
    let out = load::run(
        &scenario,
        &opts,
        &payloads,
        progress,
        std::future::pending(),
    )
    .await
    .expect("the load runs");
    let r = &out.report;
    let g = &r.generator;
    let saturated = g.cpu_busy.is_some_and(|b| b > load::CPU_SATURATED)
        || g.late_fraction > load::LATE_FRACTION;
    assert!(saturated, "{g:#?}");
    assert!(
        r.warnings
            .iter()
            .any(|w| w.contains("CPU was saturated") || w.contains("could not keep up")),
        "{:#?}",
        r.warnings
    );
    let m = &r.functions[0].measured;
    assert_eq!(m.invocations + m.throttles, g.requests as f64);
    assert!(
        m.throttles > 0.0 && r.functions[0].simulated.throttles > 0.0,
        "{r:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_stops_cleanly_when_interrupted() {
    let scenario = cpu_workload(5.0);
    let opts = LoadOptions {
        window: SimTime::from_secs(60),
        ..LoadOptions::default()
    };
    let (_, progress) = counter();
    let stop = tokio::time::sleep(std::time::Duration::from_millis(500));
    let started = std::time::Instant::now();
    let r = load::run(&scenario, &opts, &Payloads::default(), progress, stop).await;
    assert!(matches!(r, Err(LoadError::Interrupted)), "{r:?}");
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}
