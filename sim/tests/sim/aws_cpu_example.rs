//! The CPU-bound example of AWS's Lambda material (`fixtures/aws-cpu-example.csv`): given
//! the time at 1,024 MB, lamsim's memory → CPU share rule predicts the times and the bill at
//! 128, 256 and 512 MB.

use lamsim_sim::model::{ArrivalProcess, ConstantSpacing, Dist, DurationModel, RateOverrides};
use lamsim_sim::runner;
use lamsim_sim::testing::simple_scenario;
use lamsim_sim::time::SimTime;

const DATA: &str = include_str!("../fixtures/aws-cpu-example.csv");

/// The measurement at one memory size.
#[derive(Clone, Copy, Debug)]
pub struct Measured {
    /// Memory, MB.
    pub memory_mb: u32,
    /// Mean execution time, s.
    pub mean_s: f64,
    /// Total cost of the 1,000 invocations, USD.
    pub cost_usd: f64,
}

/// The four rows of the fixture.
pub fn measured() -> Vec<Measured> {
    DATA.lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("memory_mb"))
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            Measured {
                memory_mb: f[0].parse().unwrap(),
                mean_s: f[1].parse().unwrap(),
                cost_usd: f[2].parse().unwrap(),
            }
        })
        .collect()
}

/// The memory size whose time the predictions start from (the largest: its CPU share is the
/// steadiest).
pub const ANCHOR_MB: u32 = 1024;

/// lamsim's mean execution time (s) and bill (USD) for 1,000 invocations at `memory_mb` of a
/// fully CPU-bound function that takes `anchor_s` at [`ANCHOR_MB`], priced as the experiment
/// priced it (2017 rates, exact durations to the millisecond, no free tier).
pub fn predict(memory_mb: u32, anchor_s: f64) -> (f64, f64) {
    let mut s = simple_scenario(1.0, 1.0, "10m", "1000s");
    s.pricing.free_tier = false;
    s.pricing.granularity = SimTime::from_millis(1);
    s.pricing.rates = RateOverrides {
        request: Some(0.000_000_2),
        duration_x86: Some(0.000_016_67),
        ..RateOverrides::default()
    };
    let f = &mut s.functions[0];
    f.memory_mb = memory_mb;
    f.timeout = SimTime::from_secs(300);
    f.duration = DurationModel {
        dist: Dist::Const {
            value_ms: anchor_s * 1000.0,
        },
        reference_memory_mb: ANCHOR_MB,
        cpu_fraction: 1.0,
        threads: 1,
    };
    // No init: the experiment timed the handler's work.
    f.init = DurationModel::unscaled(Dist::Const { value_ms: 0.0 }, memory_mb);
    f.triggers[0].arrivals.process = ArrivalProcess::Constant(ConstantSpacing::Count(1000));
    let out = runner::run(&s, &|_| {}).summary;
    let fs = &out.functions[0];
    assert_eq!(fs.invocations, 1000.0);
    let cost = out.cost.expect("priced").window.total_usd;
    (fs.latency_ms.mean / 1000.0, cost)
}

/// `(memory, measured s, predicted s, measured $, predicted $)` for every size.
pub fn table() -> Vec<(u32, f64, f64, f64, f64)> {
    let rows = measured();
    let anchor = rows
        .iter()
        .find(|r| r.memory_mb == ANCHOR_MB)
        .expect("anchor row")
        .mean_s;
    rows.iter()
        .map(|r| {
            let (t, c) = predict(r.memory_mb, anchor);
            (r.memory_mb, r.mean_s, t, r.cost_usd, c)
        })
        .collect()
}

/// Mean absolute percentage error of the predicted times at the sizes other than the anchor.
pub fn time_mape(rows: &[(u32, f64, f64, f64, f64)]) -> f64 {
    let errs: Vec<f64> = rows
        .iter()
        .filter(|r| r.0 != ANCHOR_MB)
        .map(|r| ((r.2 - r.1) / r.1).abs())
        .collect();
    errs.iter().sum::<f64>() / errs.len() as f64
}

#[test]
fn memory_buys_cpu_as_aws_measured_it() {
    let rows = table();
    for &(mem, measured, predicted, _, _) in &rows {
        // Below 1,769 MB the CPU share is memory / 1,769 vCPU: the time is inverse to memory.
        let rule = 1.465984 * ANCHOR_MB as f64 / mem as f64;
        assert!(
            (predicted - rule).abs() < 1e-6,
            "{mem} MB: {predicted} s, rule {rule} s"
        );
        // Thresholds: every size within 15 % (single runs vary by about 6 %, and the 2017
        // measurement is not monotone in efficiency: 256 MB was 14 % dearer than 128 MB).
        let err = (predicted - measured) / measured;
        assert!(err.abs() <= 0.15, "{mem} MB: {err:+.3}");
    }
    let mape = time_mape(&rows);
    assert!(mape <= 0.10, "time MAPE {mape:.3}");
    // The bill: the same work costs the same at every size in the model (to the millisecond
    // rounding); the measured totals are within 14 % of one another.
    for &(mem, _, _, measured, predicted) in &rows {
        let err = (predicted - measured) / measured;
        assert!(err.abs() <= 0.15, "{mem} MB cost: {err:+.3}");
    }
    let at = |m: u32| rows.iter().find(|r| r.0 == m).unwrap();
    // 128 MB and 1,024 MB: measured within 0.05 % of each other, and so predicted.
    assert!((at(128).4 / at(1024).4 - 1.0).abs() < 0.001);
    assert!((at(128).3 / at(1024).3 - 1.0).abs() < 0.001);
}
