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
        Some(&payloads),
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
        Some(&payloads),
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
        Some(&payloads),
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
    let r = load::run(&scenario, &opts, None, progress, stop).await;
    assert!(matches!(r, Err(LoadError::Interrupted)), "{r:?}");
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}

/// One function running the bundled echo handler (it answers at once, with no partial-batch
/// response) fed by an SQS queue: messages Poisson at `rate_per_s`, batches of 10 with a
/// 500 ms batching window, at most 2 concurrent batches.
fn sqs_workload(rate_per_s: f64) -> Scenario {
    use lamsim_sim::model::trigger::{SqsScaling, SqsTrigger, Trigger, TriggerKind};
    let mut scenario = cpu_workload(rate_per_s);
    let arrivals = scenario.functions[0].triggers[0].arrivals.clone();
    let mut f: Function = rust_function("worker", "echo", 1024);
    f.keep_alive = scenario.functions[0].keep_alive.clone();
    f.timeout = SimTime::from_secs(10);
    f.trigger_form = true;
    f.triggers = vec![Trigger {
        name: "orders".into(),
        arrivals,
        kind: TriggerKind::Sqs(SqsTrigger {
            batch_size: 10,
            batching_window: SimTime::from_millis(500),
            max_concurrency: Some(2),
            scaling: SqsScaling::Standard { max_pollers: 1000 },
            per_record: SimTime::ZERO,
            visibility_timeout: SimTime::from_secs(30),
            max_receive_count: None,
            retention: SimTime::from_secs(4 * 86_400),
            report_batch_item_failures: true,
        }),
    }];
    scenario.functions = vec![f];
    scenario
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_plays_the_sqs_poller_against_the_real_handler() {
    let _quiet = cpu_heavy().lock().await;
    let scenario = sqs_workload(40.0);
    let window = SimTime::from_secs(5);
    let opts = LoadOptions {
        window,
        ..LoadOptions::default()
    };
    let arrivals = load::arrival_schedule(&scenario.functions[0], 11, window).len() as f64;
    let (ticks, progress) = counter();
    let out = load::run(&scenario, &opts, None, progress, std::future::pending())
        .await
        .expect("the load runs");
    let r = &out.report;
    let f = &r.functions[0];
    let (m, s) = (&f.measured, &f.simulated);
    let (qm, qs) = (
        m.queued.as_ref().expect("measured queue"),
        s.queued.as_ref().expect("simulated queue"),
    );
    // The same messages on both sides (the simulator's own arrival stream), each counted once.
    assert_eq!(qm.arrivals, arrivals, "{r:#?}");
    assert_eq!(qs.arrivals, arrivals, "{r:#?}");
    assert_eq!(ticks.load(Ordering::Relaxed) as f64, arrivals);
    // Every message completed or is still waiting: none failed, none expired.
    for q in [qm, qs] {
        assert_eq!(q.completed + q.pending, q.arrivals, "{r:#?}");
        assert_eq!(
            (q.dead_letters, q.expired, q.throttled_tries),
            (0.0, 0.0, 0.0)
        );
    }
    assert_eq!(f.simulated_error_rate, Some(0.0));
    // Batches of up to 10: at least arrivals / 10 executions, one REPORT line each.
    assert_eq!(out.records.len() as f64, m.invocations);
    assert!(m.invocations >= (qm.completed / 10.0).ceil(), "{r:#?}");
    // 40 messages/s fill a batch of 10 in about 0.25 s, inside the 500 ms window, and the
    // handler answers in milliseconds, so two slots never bind: the poller forms the same
    // batches on both sides (one may differ at the end of the window).
    assert!((m.invocations - s.invocations).abs() <= 1.0, "{r:#?}");
    assert!((qm.completed - qs.completed).abs() <= 10.0, "{r:#?}");
    // End to end is the wait for the batch plus the execution: the same waits on both sides,
    // so the medians differ by no more than the harness's overhead and the execution.
    let tol = r.generator.overhead_ms.p99 + m.latency_ms.p99 + 5.0;
    assert!(
        (qm.end_to_end_ms.p50 - qs.end_to_end_ms.p50).abs() <= tol,
        "end to end p50 {} measured, {} simulated (tolerance {tol} ms): {r:#?}",
        qm.end_to_end_ms.p50,
        qs.end_to_end_ms.p50
    );
    assert!(qm.end_to_end_ms.p50 > 0.0 && qm.end_to_end_ms.max <= 500.0 + tol);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_redelivers_the_messages_a_python_worker_reports_failed() {
    use lamsim_sim::model::trigger::TriggerKind;
    let Some(py) = python("load_redelivers_the_messages_a_python_worker_reports_failed") else {
        return;
    };
    let _quiet = cpu_heavy().lock().await;
    // 10 messages/s, taken as they come (no batching window); one message in four is poison
    // (the weighted payloads 3:1 give bodies good, good, poison, good, … in arrival order). A
    // poison message fails by partial-batch response, comes back after the 1 s visibility
    // timeout, fails again and goes to the dead-letter queue on its third receive.
    let mut scenario = sqs_workload(10.0);
    let model = scenario.functions[0].clone();
    let mut f = crate::python_runtime::py_function(&py, "py-worker", "app.sqs_worker");
    f.trigger_form = true;
    f.triggers = model.triggers;
    if let TriggerKind::Sqs(q) = &mut f.triggers[0].kind {
        q.batching_window = SimTime::ZERO;
        q.visibility_timeout = SimTime::from_secs(1);
        q.max_receive_count = Some(2);
    }
    f.keep_alive = model.keep_alive;
    f.timeout = SimTime::from_secs(10);
    scenario.functions = vec![f];
    let window = SimTime::from_secs(6);
    let opts = LoadOptions {
        window,
        ..LoadOptions::default()
    };
    let arrivals = load::arrival_schedule(&scenario.functions[0], 11, window).len();
    let payloads = Payloads::parse(
        "{\"weight\": 3, \"payload\": {\"orderId\": 1}}\n{\"weight\": 1, \"payload\": {\"fail\": true}}\n",
        "weights",
    )
    .unwrap();
    let (_, progress) = counter();
    let out = load::run(
        &scenario,
        &opts,
        Some(&payloads),
        progress,
        std::future::pending(),
    )
    .await
    .expect("the load runs");
    let r = &out.report;
    let f = &r.functions[0];
    let q = f.measured.queued.as_ref().expect("measured queue");
    assert_eq!(q.arrivals, arrivals as f64);
    // Messages 2, 6, 10, … (from 0) are poison: (A + 1) / 4 of the first A.
    let poison = (arrivals + 1) / 4;
    let good = (arrivals - poison) as f64;
    // A good message completes on its first receive, within milliseconds (the last one may
    // still be in flight when the window closes).
    assert!(
        q.completed <= good && q.completed >= good - 1.0,
        "{good} good: {r:#?}"
    );
    // A poison message never completes: it is dead-lettered or still waiting.
    assert_eq!(
        q.completed + q.dead_letters + q.pending,
        q.arrivals,
        "{r:#?}"
    );
    assert!(
        q.dead_letters >= 1.0 && q.dead_letters <= poison as f64,
        "{r:#?}"
    );
    // Each poison message was received at most twice: executions = good + 2·dead + the
    // pending ones' receives (one or two each).
    let execs = f.measured.invocations;
    let lo = good + 2.0 * q.dead_letters + (q.pending - 1.0).max(0.0);
    assert!(
        execs >= lo - 1.0 && execs <= lo + 2.0 * q.pending + 1.0,
        "{execs}: {r:#?}"
    );
    // The simulation fails SQS records as often as the handler did.
    let p = f.simulated_error_rate.expect("a queued function");
    assert!(p > 0.1 && p < 0.6, "{p}");
}
