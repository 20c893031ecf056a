//! The work estimate: expected invocations from each arrival process's mean rate, and the
//! memory of the replicates' records.

use std::sync::Arc;

use lamsim_sim::estimate::{
    Estimate, INVOCATIONS_PER_S_PER_CORE, MAX_INVOCATIONS, estimate, expected_arrivals,
};
use lamsim_sim::model::{ArrivalProcess, Arrivals, ConstantSpacing, DiurnalProfile, Trace};
use lamsim_sim::runner;
use lamsim_sim::testing::simple_scenario;
use lamsim_sim::time::SimTime;

fn hour() -> SimTime {
    SimTime::from_secs(3600)
}

fn arrivals(process: ArrivalProcess) -> Arrivals {
    Arrivals {
        process,
        start: SimTime::ZERO,
        end: hour(),
    }
}

#[test]
fn expected_arrivals_are_the_mean_rate_times_the_window() {
    let h = hour();
    let poisson = arrivals(ArrivalProcess::Poisson { rate_per_s: 10.0 });
    assert_eq!(expected_arrivals(&poisson, h), 36_000.0);
    // Limited to [start, end) and to the window.
    let late = Arrivals {
        start: SimTime::from_secs(1800),
        end: SimTime::from_secs(7200),
        ..poisson.clone()
    };
    assert_eq!(expected_arrivals(&late, h), 18_000.0);
    let count = arrivals(ArrivalProcess::Constant(ConstantSpacing::Count(7)));
    assert_eq!(expected_arrivals(&count, h), 7.0);
    // On 1 min at 60/s, off 3 min at 4/s: (60·1 + 4·3) / 4 = 18/s.
    let on_off = arrivals(ArrivalProcess::OnOff {
        on_rate_per_s: 60.0,
        off_rate_per_s: 4.0,
        on_mean: SimTime::from_secs(60),
        off_mean: SimTime::from_secs(180),
    });
    assert_eq!(expected_arrivals(&on_off, h), 18.0 * 3600.0);
    let mut rates = [0.0; 24];
    rates[0] = 48.0;
    let hourly = arrivals(ArrivalProcess::Diurnal(DiurnalProfile::Hourly {
        rates_per_s: rates,
    }));
    assert_eq!(expected_arrivals(&hourly, h), 2.0 * 3600.0);
    let trace = arrivals(ArrivalProcess::Trace(Arc::new(Trace {
        times: vec![
            SimTime::ZERO,
            SimTime::from_secs(10),
            SimTime::from_secs(4000),
        ],
        ..Trace::default()
    })));
    assert_eq!(expected_arrivals(&trace, h), 2.0);
}

#[test]
fn a_poisson_run_has_about_the_estimated_invocations() {
    let s = simple_scenario(10.0, 100.0, "10m", "1h");
    let e = estimate(&s, 1);
    let out = runner::run(&s, &|_| {});
    let got = out.summary.functions[0].arrivals;
    // Poisson count: standard deviation sqrt(36,000) ≈ 190; allow 5 of them.
    assert!(
        (got - e.invocations).abs() < 5.0 * e.invocations.sqrt(),
        "{got} vs {}",
        e.invocations
    );
}

#[test]
fn memory_grows_with_replicates_and_functions() {
    let one = simple_scenario(10.0, 100.0, "10m", "1h");
    let mut two = one.clone();
    let mut g = two.functions[0].clone();
    g.name = "g".into();
    two.functions.push(g);
    let (a, b) = (estimate(&one, 10), estimate(&one, 20));
    assert!((b.memory_bytes - 2.0 * a.memory_bytes).abs() < 1e-6);
    assert!(estimate(&two, 10).memory_bytes > a.memory_bytes);
    assert_eq!(estimate(&two, 10).invocations, 2.0 * a.invocations);
}

#[test]
fn a_hundred_million_replicates_need_tens_of_gigabytes() {
    // `--replicates 100000000` used to abort on a 38 GB allocation.
    let s = simple_scenario(10.0, 100.0, "10m", "1h");
    assert!(estimate(&s, 100_000_000).memory_bytes > 1e10);
}

#[test]
fn a_rate_of_1e12_per_second_is_too_many_invocations() {
    let s = simple_scenario(1e12, 100.0, "10m", "1h");
    let e = estimate(&s, 1);
    assert!(e.invocations > MAX_INVOCATIONS && e.too_many_invocations());
    assert!(!estimate(&simple_scenario(10.0, 100.0, "10m", "1h"), 1).too_many_invocations());
}

#[test]
fn expected_time_counts_one_core_per_replicate_and_block() {
    // 10⁷ invocations at INVOCATIONS_PER_S_PER_CORE: 4 s on one core at 2.5 × 10⁶.
    let est = Estimate {
        invocations_per_replicate: 5e6,
        invocations: 1e7,
        memory_bytes: 0.0,
        replicates: 2,
    };
    let per_core = 1e7 / INVOCATIONS_PER_S_PER_CORE;
    assert_eq!(est.seconds(1, 1), per_core);
    // Two replicates use two of eight cores; split in 3 blocks each, six.
    assert_eq!(est.seconds(8, 1), per_core / 2.0);
    assert_eq!(est.seconds(8, 3), per_core / 6.0);
    // Never more than the cores there are.
    assert_eq!(est.seconds(4, 250), per_core / 4.0);
    let used: Vec<usize> = [(1, 1), (8, 1), (8, 3), (4, 250)]
        .iter()
        .map(|&(cores, blocks)| est.cores_used(cores, blocks))
        .collect();
    assert_eq!(used, [1, 2, 6, 4]);
}
