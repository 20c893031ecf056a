//! Concurrency limits and the scaling rate.

use crate::support::run;
use lamsim_sim::engine::Engine;
use lamsim_sim::model::{ArrivalProcess, ConstantSpacing, Dist, DurationModel, Scaling};
use lamsim_sim::observer::Observer;
use lamsim_sim::testing::{simple_function, simple_scenario};
use lamsim_sim::time::{SimTime, parse_duration};

#[derive(Default)]
struct ColdStarts(Vec<SimTime>);
impl Observer for ColdStarts {
    fn on_cold_start(&mut self, t: SimTime, _f: u32, _init: SimTime) {
        self.0.push(t);
    }
}

/// A flood of long requests: 20,000 arrivals in 40 s, each running 5 minutes.
fn flood(scaling: Scaling) -> lamsim_sim::model::Scenario {
    let mut s = simple_scenario(1.0, 1.0, "10m", "10m");
    s.account.scaling = scaling;
    s.account.concurrency_limit = 100_000;
    let f = &mut s.functions[0];
    f.triggers[0].arrivals.process = ArrivalProcess::Constant(ConstantSpacing::Count(20_000));
    f.triggers[0].arrivals.end = parse_duration("40s").unwrap();
    f.duration = DurationModel::unscaled(
        Dist::Const {
            value_ms: 300_000.0,
        },
        1024,
    );
    s
}

#[test]
fn per_function_scaling_never_admits_more_than_1000_new_environments_in_any_10s() {
    let s = flood(Scaling::PerFunction);
    let mut e = Engine::new(&s, 1, ColdStarts::default());
    e.run();
    let t = &e.observer().0;
    let ten = parse_duration("10s").unwrap().0;
    let mut j = 0;
    for i in 0..t.len() {
        while t[i].0 - t[j].0 > ten {
            j += 1;
        }
        // Creations in the closed window [t[i] − 10 s, t[i]].
        assert!(
            i - j < 1000,
            "{} creations within 10 s ending at {}",
            i - j + 1,
            t[i]
        );
    }
    // ... and it does refill: in 40 s of flood about 4,000 environments (1,000 per 10 s).
    assert!(t.len() >= 3900 && t.len() <= 4001, "{}", t.len());
}

#[test]
fn legacy_burst_allows_the_regional_burst_then_500_per_minute() {
    let mut s = flood(Scaling::LegacyBurst);
    s.account.region = "eu-west-2".into(); // a 500 burst region
    let out = run(&s);
    let f = &out.summary.functions[0];
    // 500 at once, then 500/min over the 40 s flood: ≈ 500 + 333.
    assert!((f.cold_starts - 833.0).abs() <= 2.0, "{}", f.cold_starts);
    s.account.region = "us-east-1".into(); // 3,000
    let f = run(&s).summary.functions[0].clone();
    assert!((f.cold_starts - 3333.0).abs() <= 2.0, "{}", f.cold_starts);
    // The middle group of the documentation's table: 1,000 at once, then 500/min.
    for region in ["ap-northeast-1", "eu-central-1", "us-east-2"] {
        s.account.region = region.into();
        let f = run(&s).summary.functions[0].clone();
        assert!(
            (f.cold_starts - 1333.0).abs() <= 2.0,
            "{region}: {}",
            f.cold_starts
        );
    }
}

#[test]
fn reserved_concurrency_is_carved_out_of_the_account_pool() {
    let mut s = simple_scenario(400.0, 1000.0, "10m", "20m");
    s.account.concurrency_limit = 500;
    s.simulation.warmup = parse_duration("5m").unwrap();
    s.functions[0].name = "greedy".into();
    let mut reserved = simple_function("reserved", 1.0, 100.0, "10m");
    reserved.reserved_concurrency = Some(150);
    s.functions.push(reserved);
    let out = run(&s);
    let greedy = &out.summary.functions[0];
    // Unreserved pool: 500 − 150 = 350 < 400 offered erlangs: throttled at exactly 350.
    assert_eq!(greedy.instances.peak, 350.0);
    assert!(greedy.throttle_ratio > 0.05);
    assert_eq!(out.summary.functions[1].throttles, 0.0);
    assert!(out.summary.functions[0].invocations > 0.0);
}

#[test]
fn unlimited_scaling_admits_the_whole_flood() {
    let f = run(&flood(Scaling::Unlimited)).summary.functions[0].clone();
    assert_eq!(f.throttles, 0.0);
    assert_eq!(f.cold_starts, 20_000.0);
}
