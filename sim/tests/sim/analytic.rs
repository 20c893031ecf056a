//! Results checked against queueing theory.

use crate::support::{assert_within, erlang_b, run};
use lamsim_sim::model::{Dist, DurationModel, Scaling};
use lamsim_sim::testing::simple_scenario;
use lamsim_sim::time::{SimTime, parse_duration};

/// M/G/∞: the time-average of busy environments is λ·E[S], whatever the distribution of S.
#[test]
fn mean_busy_environments_is_rate_times_mean_service() {
    for (rate, mean_ms) in [(20.0, 100.0), (200.0, 2000.0)] {
        let mut s = simple_scenario(rate, mean_ms, "10m", "2h");
        s.simulation.warmup = parse_duration("10m").unwrap();
        s.functions[0].duration = DurationModel::unscaled(
            Dist::LogNormal {
                mu: mean_ms.ln() - 0.125,
                sigma: 0.5,
            },
            1024,
        );
        s.simulation.replicates = 4;
        let out = run(&s);
        let f = &out.summary.functions[0];
        // Service includes init for the (rare) cold starts.
        let es = mean_ms / 1000.0 + f.cold_start_ratio * 0.25;
        let expect = rate * es;
        // Busy count is Poisson(λE[S]) at each instant; correlation time ~E[S] gives an
        // effective sample count of window / (2 E[S]) per replicate.
        let n_eff = 4.0 * 6600.0 / (2.0 * es);
        let se = (expect / n_eff).sqrt();
        assert_within(f.instances.avg_busy, expect, se, 5.0, "avg busy");
        assert!(f.instances.avg_total >= f.instances.avg_busy);
    }
}

/// A concurrency cap c makes the system M/G/c/c: the throttle ratio is Erlang-B(λ·E[S], c).
#[test]
fn throttle_ratio_matches_erlang_b_under_reserved_concurrency() {
    let (rate, mean_ms, c) = (100.0, 100.0, 12u32);
    let mut s = simple_scenario(rate, mean_ms, "1h", "2h");
    s.simulation.warmup = parse_duration("5m").unwrap();
    s.simulation.replicates = 4;
    s.functions[0].reserved_concurrency = Some(c);
    // Warm environments only after the fill: init is negligible (1 µs) so S is the execution.
    s.functions[0].init = DurationModel::unscaled(Dist::Const { value_ms: 0.001 }, 1024);
    let out = run(&s);
    let f = &out.summary.functions[0];
    let expect = erlang_b(rate * mean_ms / 1000.0, c);
    let n = f.arrivals * 4.0;
    // Throttles cluster in busy periods; allow a variance inflation of 10.
    let se = (10.0 * expect * (1.0 - expect) / n).sqrt();
    assert_within(
        f.throttle_ratio,
        expect,
        se,
        5.0,
        "throttle ratio vs Erlang-B",
    );
    assert!(f.instances.peak <= c as f64);
}

/// At low rates one environment serves almost everything: a request is cold when the gap G
/// since the previous one exceeds its service plus the keep-alive (the environment expired),
/// or is shorter than its service (the environment is still busy):
/// P = P(G > S + K) + P(G < S) = e^{−λK} · E[e^{−λS}] + 1 − E[e^{−λS}].
#[test]
fn cold_ratio_at_low_rate_is_the_gap_probability() {
    let (rate, mean_ms) = (1.0 / 300.0, 2000.0);
    for ka in ["5m", "10m", "20m"] {
        let mut s = simple_scenario(rate, mean_ms, ka, "30d");
        s.simulation.replicates = 2;
        let k = parse_duration(ka).unwrap().as_secs_f64();
        let out = run(&s);
        let f = &out.summary.functions[0];
        // Exponential service of mean m: E[e^{−λS}] = 1 / (1 + λm); init adds ~0 at this rate.
        let laplace = 1.0 / (1.0 + rate * mean_ms / 1000.0);
        let expect = (-rate * k).exp() * laplace + 1.0 - laplace;
        let n = f.invocations * 2.0;
        let se = (expect * (1.0 - expect) / n).sqrt();
        assert_within(
            f.cold_start_ratio,
            expect,
            se,
            5.0,
            &format!("cold ratio, keep-alive {ka}"),
        );
    }
}

/// The legacy and per-function scaling models never throttle a modest steady load.
#[test]
fn steady_load_is_not_throttled_by_scaling() {
    for scaling in [
        Scaling::PerFunction,
        Scaling::LegacyBurst,
        Scaling::Unlimited,
    ] {
        let mut s = simple_scenario(50.0, 100.0, "10m", "30m");
        s.account.scaling = scaling;
        let out = run(&s);
        assert_eq!(out.summary.functions[0].throttles, 0.0, "{scaling:?}");
        assert!(out.summary.functions[0].invocations > 80_000.0);
    }
    let _ = SimTime::ZERO;
}
