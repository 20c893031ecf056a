//! The statistics printed over replicates (`lamsim_sim::stats`): intervals that cover a known
//! answer 95 % of the time and are as wide as Student's t says, never outside the range of
//! their quantity, percentiles pooled over the replicates that had samples, the warnings, and
//! `--precision`.

use lamsim_sim::config;
use lamsim_sim::model::Scenario;
use lamsim_sim::runner::{self, Precision};
use lamsim_sim::stats::{Warning, t975};

fn scenario(toml: &str) -> Scenario {
    config::from_str(toml, std::path::Path::new("."), "stats.toml").unwrap()
}

/// Two functions with exactly known answers.
/// - `gate`: Poisson arrivals at 1/s, one environment at most (`reserved-concurrency = 1`,
///   calls that find it busy are throttled), 1 s of keep-alive. Arrivals are memoryless, so
///   the gap from the moment the environment goes idle to the next admitted call is
///   exponential at 1/s whatever happened before: a call is cold exactly when that gap
///   exceeds 1 s, with probability `e^−1`.
/// - `exp`: exponential execution of mean 100 ms; a warm call's latency is its execution time,
///   drawn independently of whether the call is warm, so the warm p99 is `100 ms · ln 100`.
const KNOWN: &str = r#"
[simulation]
duration = "410s"
warmup = "10s"
replicates = 5

[[function]]
name = "gate"
memory-mb = 1024
reserved-concurrency = 1
[function.arrivals]
kind = "poisson"
rate-per-s = 1.0
[function.duration]
dist = "const"
value = "10ms"
[function.init]
dist = "const"
value = "100ms"
[function.keep-alive]
idle = "1s"

[[function]]
name = "exp"
memory-mb = 1024
[function.arrivals]
kind = "poisson"
rate-per-s = 5.0
[function.duration]
dist = "exp"
mean = "100ms"
"#;

/// c4(n): E[s] = c4 · σ for the sample standard deviation of n normal values.
fn c4(n: f64) -> f64 {
    use statrs::function::gamma::ln_gamma;
    (2.0 / (n - 1.0)).sqrt() * (ln_gamma(n / 2.0) - ln_gamma((n - 1.0) / 2.0)).exp()
}

fn sd(xs: &[f64]) -> f64 {
    let m = xs.iter().sum::<f64>() / xs.len() as f64;
    (xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (xs.len() as f64 - 1.0)).sqrt()
}

/// 200 independent sets of 5 replicates: each 95 % interval covers the true value 95 % of the
/// time (± 3 binomial standard errors), and its half-width averages `t · c4 · σ / √5`, σ being
/// the spread of one replicate's value (within 10 %, about 4 standard errors). An interval half
/// as wide, or built with z = 1.96 instead of t(0.975, 4) = 2.776, fails the width check.
#[test]
fn intervals_cover_known_answers_95_percent_of_the_time_with_student_t_width() {
    let base = scenario(KNOWN);
    let truth_ratio = (-1.0f64).exp();
    let truth_p99 = 100.0 * 100f64.ln();
    const SETS: u64 = 200;
    let (mut cover, mut half) = ([0u32; 2], [0.0f64; 2]);
    let (mut ratios, mut p99s) = (Vec::new(), Vec::new());
    for k in 0..SETS {
        let mut s = base.clone();
        s.simulation.seed = 1 + k * 1_000_003;
        let out = runner::run(&s, &|_| {});
        let gate = &out.summary.functions[0];
        let exp = &out.summary.functions[1];
        let [lo, hi] = gate.cold_start_ratio_ci95.unwrap();
        cover[0] += u32::from(lo <= truth_ratio && truth_ratio <= hi);
        half[0] += (hi - lo) / 2.0;
        let [lo, hi] = exp.latency_warm_ms.p99_ci95.unwrap();
        cover[1] += u32::from(lo <= truth_p99 && truth_p99 <= hi);
        half[1] += (hi - lo) / 2.0;
        for r in &out.replicates {
            ratios.push(r.summary.functions[0].cold_start_ratio);
            p99s.push(r.summary.functions[1].latency_warm_ms.p99);
        }
    }
    let se = (0.95 * 0.05 / SETS as f64).sqrt();
    let expected_half = |xs: &[f64]| t975(4.0) * c4(5.0) * sd(xs) / 5f64.sqrt();
    for (i, (name, xs)) in [("cold-start ratio", &ratios), ("warm p99", &p99s)]
        .into_iter()
        .enumerate()
    {
        let coverage = cover[i] as f64 / SETS as f64;
        assert!(
            (coverage - 0.95).abs() <= 3.0 * se,
            "{name}: coverage {coverage} (expected 0.95 ± {:.3})",
            3.0 * se
        );
        let width = half[i] / SETS as f64 / expected_half(xs);
        assert!(
            (0.9..=1.1).contains(&width),
            "{name}: mean half-width is {width:.3} × Student's t"
        );
    }
}

/// Regression (issue 18): two replicates of a rarely cold function printed a cold-start
/// ratio of `0.037% [-0.043%, 0.12%]`. The interval stays in [0, 1] and the run warns that
/// two replicates are too few.
#[test]
fn a_ratio_interval_never_goes_below_zero_and_two_replicates_warn() {
    let mut s = scenario(KNOWN);
    s.simulation.replicates = 2;
    // `exp` is rarely cold after its pool has grown (100 ms calls at 5/s, 10 minutes of
    // keep-alive): the unbounded interval of such a ratio often goes below zero.
    let mut found = false;
    for seed in 1..30 {
        s.simulation.seed = seed;
        let out = runner::run(&s, &|_| {});
        assert!(
            out.warnings
                .contains(&Warning::FewReplicates { replicates: 2 })
        );
        for (i, f) in out.summary.functions.iter().enumerate() {
            let [lo, hi] = f.cold_start_ratio_ci95.unwrap();
            assert!(0.0 <= lo && lo <= hi && hi <= 1.0, "{lo} {hi}");
            let r: Vec<f64> = out
                .replicates
                .iter()
                .map(|r| r.summary.functions[i].cold_start_ratio)
                .collect();
            // The old interval: mean ± t(0.975, 1) · s / √2, with s / √2 = |r0 − r1| / 2.
            let old_lo = (r[0] + r[1]) / 2.0 - t975(1.0) * (r[0] - r[1]).abs() / 2.0;
            found |= old_lo < 0.0;
        }
    }
    assert!(found, "no seed gave an unbounded interval below zero");
}

/// Regression (issue 18): init 300 ms + execution 20 ms, both constant: every cold start
/// takes 320 ms. With 8 replicates, some without any cold start in the window, the pooled
/// cold-latency percentiles are exactly 320 ms and their interval is the point itself (the
/// old merge averaged in zeros: p50 240 ms, p99 in [-14.6, 494.6] ms).
#[test]
fn replicates_without_cold_starts_add_no_zeros_to_cold_latency() {
    let s = scenario(
        r#"
[simulation]
duration = "11m"
warmup = "1m"
replicates = 8
seed = 3

[[function]]
name = "api"
memory-mb = 1024
[function.arrivals]
kind = "poisson"
rate-per-s = 0.2
[function.duration]
dist = "const"
value = "20ms"
[function.init]
dist = "const"
value = "300ms"
"#,
    );
    let out = runner::run(&s, &|_| {});
    let colds: Vec<f64> = out
        .replicates
        .iter()
        .map(|r| r.summary.functions[0].cold_starts)
        .collect();
    assert!(
        colds.contains(&0.0) && colds.iter().filter(|c| **c > 0.0).count() >= 2,
        "the scenario must mix replicates with and without cold starts: {colds:?}"
    );
    let cold = &out.summary.functions[0].latency_cold_ms;
    // HDR buckets hold 320 ms within 0.1 %; the maximum caps them at the exact value.
    for (name, v) in [("p50", cold.p50), ("p99", cold.p99), ("mean", cold.mean)] {
        assert!((v - 320.0).abs() < 1e-9, "cold {name} = {v}");
    }
    assert_eq!(cold.p99_ci95, Some([320.0, 320.0]));
    let warm = &out.summary.functions[0].latency_warm_ms;
    assert!((warm.p99 - 20.0).abs() < 1e-9 && warm.p99_ci95 == Some([20.0, 20.0]));

    // With inits that vary, the replicates' cold p99s differ, so the interval has a width;
    // the replicates without a cold start must not narrow it with p99s of their own.
    let mut s = s;
    s.functions[0].init = lamsim_sim::model::DurationModel::unscaled(
        lamsim_sim::model::Dist::Exp { mean_ms: 300.0 },
        s.functions[0].memory_mb,
    );
    let out = runner::run(&s, &|_| {});
    let with: Vec<f64> = out
        .replicates
        .iter()
        .filter(|r| r.summary.functions[0].cold_starts > 0.0)
        .map(|r| r.summary.functions[0].latency_cold_ms.p99)
        .collect();
    assert!(with.len() >= 2 && with.len() < 8, "{with:?}");
    let ci = out.summary.functions[0]
        .latency_cold_ms
        .p99_ci95
        .expect("an interval");
    let (lo, hi) = with
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), &x| (a.min(x), b.max(x)));
    assert!(hi > lo, "{with:?}");
    assert!(ci[1] > ci[0], "{ci:?} from {with:?}");
}

/// `--precision`: replicates are added (5, then doubling) until the key intervals are within
/// the target; the result is exactly the plain run with that many replicates, and a target
/// out of reach ends at `--max-replicates` with a warning.
#[test]
fn precision_adds_replicates_until_the_key_intervals_are_tight_and_is_deterministic() {
    let mut s = scenario(KNOWN);
    s.simulation.duration = lamsim_sim::time::parse_duration("110s").unwrap();
    s.simulation.replicates = 2;
    let target = 0.05;
    let out = runner::run_to_precision(
        &s,
        Precision {
            target,
            max_replicates: 64,
        },
        &|_| {},
    );
    let n = out.replicates.len() as u32;
    let (w, _) = runner::widest_interval(&out.summary).unwrap();
    assert!(w <= target, "widest {w}");
    assert!([5, 10, 20, 40, 64].contains(&n), "{n}");
    assert!(
        n > 5,
        "the target should need more than the first 5 replicates"
    );
    // Half as many replicates were not enough.
    let mut fewer = s.clone();
    fewer.simulation.replicates = n / 2;
    let (w_fewer, _) = runner::widest_interval(&runner::run(&fewer, &|_| {}).summary).unwrap();
    assert!(w_fewer > target || n / 2 < 5, "{w_fewer}");
    // The same as a plain run with n replicates.
    let mut plain = s.clone();
    plain.simulation.replicates = n;
    let a = serde_json::to_string(&out.summary).unwrap();
    let b = serde_json::to_string(&runner::run(&plain, &|_| {}).summary).unwrap();
    assert_eq!(a, b);
    // Out of reach.
    let out = runner::run_to_precision(
        &s,
        Precision {
            target: 1e-6,
            max_replicates: 6,
        },
        &|_| {},
    );
    assert_eq!(out.replicates.len(), 6);
    assert!(
        out.warnings
            .iter()
            .any(|w| matches!(w, Warning::PrecisionNotReached { replicates: 6, .. }))
    );
}

/// MSER-5 on the environment count: a 10-minute keep-alive at 2 calls/s of 1 s each fills
/// up over the first minutes; with no warm-up the run warns, with a warm-up past the transient
/// it does not.
#[test]
fn a_warmup_shorter_than_the_transient_is_reported() {
    let toml = |warmup: &str| {
        format!(
            r#"
[simulation]
duration = "2h"
warmup = "{warmup}"
replicates = 4

[[function]]
name = "api"
memory-mb = 1024
[function.arrivals]
kind = "poisson"
rate-per-s = 2.0
[function.duration]
dist = "exp"
mean = "1s"
[function.keep-alive]
idle = "10m"
"#
        )
    };
    let warned = |w: &str| {
        runner::run(&scenario(&toml(w)), &|_| {})
            .warnings
            .iter()
            .find_map(|w| match w {
                Warning::WarmupTooShort { detected_s, .. } => Some(*detected_s),
                _ => None,
            })
    };
    let detected = warned("0s").expect("no warm-up: a warning");
    assert!(detected > 60.0, "{detected}");
    assert_eq!(warned("40m"), None);
}

/// Per-trigger latencies pool too (and end-to-end ones, by the same code): an async function at 0.02 calls/s for a
/// minute has no call at all in some replicates; each call that runs takes 320 ms (cold) or
/// 20 ms (warm), so the pooled statistics are exactly those values, the maximum is 320 ms, and
/// the trigger's numbers equal the function's (the same invocations, through another
/// recorder).
#[test]
fn trigger_latencies_pool_without_zeros() {
    let s = scenario(
        r#"
[simulation]
duration = "1m"
replicates = 8
seed = 5

[[function]]
name = "worker"
memory-mb = 1024
invocation = "async"
[function.arrivals]
kind = "poisson"
rate-per-s = 0.02
[function.duration]
dist = "const"
value = "20ms"
[function.init]
dist = "const"
value = "300ms"
"#,
    );
    let out = runner::run(&s, &|_| {});
    let calls: Vec<f64> = out
        .replicates
        .iter()
        .map(|r| r.summary.functions[0].invocations)
        .collect();
    assert!(
        calls.contains(&0.0) && calls.iter().any(|c| *c > 0.0),
        "the scenario must mix replicates with and without calls: {calls:?}"
    );
    let f = &out.summary.functions[0];
    let t = &f.triggers.as_ref().expect("event-driven")[0];
    for l in [&f.latency_ms, &t.latency_ms] {
        assert_eq!(l.max, 320.0);
        for q in [l.p50, l.p90, l.p99] {
            assert!(q == 20.0 || q == 320.0, "{l:?}");
        }
    }
    assert_eq!(t.latency_ms.mean, f.latency_ms.mean);
    assert_eq!(t.latency_ms.p50, f.latency_ms.p50);
}
