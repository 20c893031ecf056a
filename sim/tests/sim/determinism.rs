//! One seed, one result: byte-identical summaries, whatever the thread count.

use crate::support::run;
use lamsim_sim::model::Scaling;
use lamsim_sim::testing::{simple_function, simple_scenario};

fn scenario() -> lamsim_sim::model::Scenario {
    let mut s = simple_scenario(40.0, 120.0, "2m", "30m");
    s.account.scaling = Scaling::PerFunction;
    s.simulation.replicates = 5;
    s.simulation.seed = 42;
    s.functions
        .push(simple_function("second", 5.0, 500.0, "1m"));
    s
}

#[test]
fn same_seed_gives_byte_identical_summaries() {
    let a = serde_json::to_string(&run(&scenario()).summary).unwrap();
    let b = serde_json::to_string(&run(&scenario()).summary).unwrap();
    assert_eq!(a, b);
    let mut other = scenario();
    other.simulation.seed = 43;
    assert_ne!(a, serde_json::to_string(&run(&other).summary).unwrap());
}

#[test]
fn thread_count_does_not_change_the_result() {
    let with = |n| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .unwrap();
        pool.install(|| serde_json::to_string(&run(&scenario()).summary).unwrap())
    };
    assert_eq!(with(1), with(3));
}

#[test]
fn adding_a_function_does_not_shift_the_others_samples() {
    let mut one = simple_scenario(40.0, 120.0, "2m", "10m");
    one.account.scaling = Scaling::Unlimited;
    let mut two = one.clone();
    two.functions
        .push(simple_function("other", 30.0, 50.0, "1m"));
    // Costs may shift (account-wide tiers are shared); the simulated behaviour may not.
    let strip = |mut f: lamsim_sim::summary::FunctionSummary| {
        f.cost_usd = None;
        f
    };
    let a = strip(run(&one).summary.functions[0].clone());
    let b = strip(run(&two).summary.functions[0].clone());
    assert_eq!(a, b);
}

#[test]
fn replicates_report_confidence_intervals_around_the_mean() {
    let out = run(&scenario());
    let f = &out.summary.functions[0];
    let [lo, hi] = f.cold_start_ratio_ci95.expect("ci with 5 replicates");
    assert!(lo <= f.cold_start_ratio && f.cold_start_ratio <= hi);
    let [lo, hi] = f.latency_ms.p99_ci95.expect("p99 ci");
    assert!(lo <= f.latency_ms.p99 && f.latency_ms.p99 <= hi);
    assert_eq!(out.replicates.len(), 5);
    assert_eq!(out.summary.replicates, 5);
    // The mean is the mean of the replicates.
    let mean = out
        .replicates
        .iter()
        .map(|r| r.summary.functions[0].invocations)
        .sum::<f64>()
        / 5.0;
    assert!((f.invocations - mean).abs() < 1e-9);
}
