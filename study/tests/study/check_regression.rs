//! `check` fails on a real regression and passes on noise.

use lamsim_sim::runner;
use lamsim_sim::summary::Summary;
use lamsim_sim::testing::simple_scenario;
use lamsim_study::check::{self, CheckError, Metric, Significance, Threshold};

/// 20 req/s, exponential executions of `mean_ms`, 10 simulated minutes, 8 replicates.
fn summary(mean_ms: f64, seed: u64) -> Summary {
    let mut s = simple_scenario(20.0, mean_ms, "10m", "10m");
    s.simulation.seed = seed;
    s.simulation.replicates = 8;
    runner::run(&s, &|_| {}).summary
}

fn limits() -> Vec<(Metric, Threshold)> {
    vec![
        (Metric::Cost, Threshold::Relative(0.05)),
        (Metric::P99, Threshold::Relative(0.10)),
    ]
}

#[test]
fn a_slower_handler_is_a_significant_regression() {
    // Executions 30 % longer: p99 of an exponential scales with its mean (+30 %), and the
    // compute part of the bill with it (≈ +25 % with request fees): both beyond their limits.
    let base = summary(100.0, 1);
    let cur = summary(130.0, 2);
    let c = check::compare(&base, &cur, &limits());
    assert!(c.failed());
    let row = |m: Metric| c.rows.iter().find(|r| r.metric == m).unwrap();
    for m in [Metric::Cost, Metric::P99] {
        let r = row(m);
        assert!(r.beyond && r.failed, "{m}: {r:?}");
        assert_eq!(r.significance, Significance::Significant, "{m}");
    }
    let p99 = row(Metric::P99);
    assert!((p99.change_ratio().unwrap() - 0.30).abs() < 0.08, "{p99:?}");
}

#[test]
fn another_seed_of_the_same_workload_passes() {
    // Same workload, independent random numbers: any difference is noise. Zero limits make
    // every increase "beyond", so only the significance test keeps the check green.
    let base = summary(100.0, 11);
    let cur = summary(100.0, 12);
    let strict = [
        (Metric::Cost, Threshold::Relative(0.0)),
        (Metric::P99, Threshold::Relative(0.0)),
    ];
    let c = check::compare(&base, &cur, &strict);
    for r in &c.rows {
        if r.significance != Significance::ThresholdOnly {
            assert!(!r.failed, "noise flagged: {r:?}");
        }
    }
    assert!(!check::compare(&base, &cur, &limits()).failed());
}

#[test]
fn with_one_replicate_the_threshold_alone_decides() {
    let mut s = simple_scenario(20.0, 100.0, "10m", "10m");
    let base = runner::run(&s, &|_| {}).summary;
    s.functions[0].duration = lamsim_sim::model::DurationModel::unscaled(
        lamsim_sim::model::Dist::Exp { mean_ms: 130.0 },
        1024,
    );
    let cur = runner::run(&s, &|_| {}).summary;
    let c = check::compare(&base, &cur, &limits());
    assert!(c.failed());
    assert!(
        c.rows
            .iter()
            .all(|r| r.significance == Significance::ThresholdOnly)
    );
    // An improvement never fails.
    assert!(!check::compare(&cur, &base, &limits()).failed());
}

#[test]
fn bad_summaries_are_input_errors() {
    let s = summary(100.0, 1);
    let mut v = serde_json::to_value(&s).unwrap();
    let ok = check::parse_summary(&v.to_string(), "a.json").unwrap();
    assert_eq!(ok.functions.len(), 1);
    v["schema_version"] = 2.into();
    assert!(matches!(
        check::parse_summary(&v.to_string(), "a.json"),
        Err(CheckError::BadSummary { message, .. }) if message.contains("schema_version 2")
    ));
    assert!(check::parse_summary("{", "b.json").is_err());
    assert!(check::parse_summary("{\"schema_version\": 1}", "c.json").is_err());
}
