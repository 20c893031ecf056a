//! Predictions checked against measurements on real AWS Lambda (pacslab's 20 experiments,
//! the data behind SimFaaS): cold-start probability and average environment count.

use crate::support::run;
use lamsim_sim::model::{Dist, DurationModel, KeepAlivePolicy, Routing, Scenario};
use lamsim_sim::observer::{Invocation, Observer};
use lamsim_sim::rng::replicate_seed;
use lamsim_sim::runner;
use lamsim_sim::testing::simple_scenario;
use lamsim_sim::time::SimTime;
use lamsim_sim::time::parse_duration;

const DATA: &str = include_str!("../fixtures/pacslab-aws-experiments.csv");

pub(crate) struct Experiment {
    pub id: String,
    pub rate: f64,
    pub warm_ms: f64,
    pub cold_ms: f64,
    pub instances: f64,
    pub p_cold: f64,
    pub p_cold_se: f64,
}

pub(crate) fn experiments() -> Vec<Experiment> {
    DATA.lines()
        .skip(1)
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            let n = |i: usize| c[i].parse::<f64>().unwrap();
            Experiment {
                id: c[0].to_string(),
                rate: n(1),
                warm_ms: n(2),
                cold_ms: n(3),
                instances: n(5),
                p_cold: n(7),
                p_cold_se: n(8),
            }
        })
        .collect()
}

/// A change to the experiments' setting, to show that the check tells a wrong simulator apart
/// (what a bug in the engine's use of the init would do).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Variant {
    /// Factor on the init time (cold − warm).
    pub init: f64,
    /// Forced recycle at this age (`max-lifetime`), minutes.
    pub lifetime_min: Option<u64>,
    /// Which idle environment takes a request.
    pub routing: Routing,
    /// Keep-alive, uniform in `[min, max]` seconds (fixed when equal).
    pub keep_alive_s: (u64, u64),
    /// Keep-alive drawn from the curve the per-request logs give instead
    /// (`aws_request_replay::fitted_keep_alive_curve`).
    pub logged_curve: bool,
}

pub(crate) const AS_MEASURED: Variant = Variant {
    init: 1.0,
    lifetime_min: None,
    routing: Routing::Newest,
    keep_alive_s: (600, 600),
    logged_curve: false,
};

/// Each environment's first arrival and last completion, by identity.
#[derive(Default)]
struct Lifespans(std::collections::HashMap<(u32, SimTime), (u64, u64)>);

impl Observer for Lifespans {
    fn on_complete(&mut self, t: SimTime, inv: &Invocation) {
        let e = self
            .0
            .entry(inv.environment)
            .or_insert((inv.arrival.0, t.0));
        e.0 = e.0.min(inv.arrival.0);
        e.1 = e.1.max(t.0);
    }
}

/// pacslab's instance count (`IdleMinutesBeforeKill = 10`): each sandbox counted from its
/// first request until 10 minutes after its last one ends, whatever became of it, averaged
/// over the window after the warm-up. Applied to one simulated replicate's environments, it
/// makes the prediction comparable with the measured `AverageInstanceCount`.
fn instances_as_counted(s: &Scenario, seed: u64) -> f64 {
    let (_, spans, _) = runner::run_replicate_with(s, seed, Lifespans::default(), &|_| {});
    let (from, to) = (s.simulation.warmup.0, s.simulation.duration.0);
    let kept = SimTime::from_secs(600).0;
    let area: u128 = spans
        .0
        .values()
        .map(|&(first, last)| (last + kept).min(to).saturating_sub(first.max(from)) as u128)
        .sum();
    area as f64 / (to - from) as f64
}

/// The instance MAPE over the 20 experiments with instances counted as pacslab counted them
/// ([`instances_as_counted`], averaged over the replicates).
pub(crate) fn counted_instance_mape(v: Variant) -> f64 {
    let exps = experiments();
    let total: f64 = exps
        .iter()
        .map(|e| {
            let s = scenario(e, v);
            let n = s.simulation.replicates;
            let counted = (0..n)
                .map(|i| instances_as_counted(&s, replicate_seed(s.simulation.seed, i)))
                .sum::<f64>()
                / n as f64;
            (counted - e.instances).abs() / e.instances
        })
        .sum();
    100.0 * total / exps.len() as f64
}

/// One experiment's prediction: cold-start ratio, its standard error, average environments.
struct Prediction {
    p_cold: f64,
    p_cold_se: f64,
    instances: f64,
    cold_ms: f64,
}

/// What lamsim predicts for experiment `e` under `v`.
fn predict(e: &Experiment, v: Variant) -> Prediction {
    let s = scenario(e, v);
    let f = run(&s).summary.functions[0].clone();
    Prediction {
        p_cold: f.cold_start_ratio,
        p_cold_se: (f.cold_start_ratio * (1.0 - f.cold_start_ratio) / f.invocations).sqrt(),
        instances: f.instances.avg_total,
        cold_ms: f.latency_cold_ms.mean,
    }
}

/// The experiments' setting, as a user would write it: Poisson arrivals at the measured rate,
/// exponential execution around the measured warm mean, init = cold − warm, 10 minutes of
/// keep-alive, newest-first routing; at least 20,000 arrivals and 3 days per replicate, two
/// replicates.
fn scenario(e: &Experiment, v: Variant) -> Scenario {
    let days = (20_000.0 / e.rate / 86_400.0).max(3.0).ceil();
    let mut s = simple_scenario(e.rate, e.warm_ms, "10m", &format!("{days}d"));
    s.functions[0].duration = DurationModel::unscaled(Dist::Exp { mean_ms: e.warm_ms }, 128);
    s.functions[0].init = DurationModel::unscaled(
        Dist::Const {
            value_ms: (e.cold_ms - e.warm_ms) * v.init,
        },
        128,
    );
    s.functions[0].memory_mb = 128;
    s.functions[0].routing = v.routing;
    let (lo, hi) = v.keep_alive_s;
    s.functions[0].keep_alive.policy = if v.logged_curve {
        KeepAlivePolicy::Curve {
            points: crate::aws_request_replay::fitted_keep_alive_curve(),
        }
    } else if lo == hi {
        KeepAlivePolicy::Fixed {
            idle: SimTime::from_secs(lo),
        }
    } else {
        KeepAlivePolicy::Uniform {
            min: SimTime::from_secs(lo),
            max: SimTime::from_secs(hi),
        }
    };
    s.functions[0].keep_alive.max_lifetime = v
        .lifetime_min
        .map(|m| lamsim_sim::time::SimTime::from_secs(m * 60));
    s.simulation.warmup = parse_duration("1h").unwrap();
    s.simulation.replicates = 2;
    s
}

/// The aggregate errors over the 20 experiments.
#[derive(Debug)]
pub(crate) struct Score {
    /// Mean absolute percentage error of the cold-start probability, %.
    pub cold_mape: f64,
    /// Mean absolute percentage error of the average environment count, %.
    pub instance_mape: f64,
    /// Mean absolute percentage error of the cold requests' mean response time, %.
    pub cold_latency_mape: f64,
    /// Per experiment: its id and (prediction − measurement) / combined standard error.
    pub z: Vec<(String, f64)>,
    /// Per experiment (same order): predicted cold-start probability and environments.
    pub predicted: Vec<[f64; 2]>,
}

impl Score {
    /// Experiments beyond 3 combined standard errors.
    pub fn beyond_3se(&self) -> usize {
        self.z.iter().filter(|(_, z)| z.abs() > 3.0).count()
    }

    /// Mean of z² (1 when the prediction is right and the standard errors honest).
    pub fn mean_z2(&self) -> f64 {
        self.z.iter().map(|(_, z)| z * z).sum::<f64>() / self.z.len() as f64
    }
}

pub(crate) fn score(v: Variant) -> Score {
    score_of(v, &|_| true)
}

/// [`score`] over the experiments whose id `keep` accepts.
pub(crate) fn score_of(v: Variant, keep: &dyn Fn(&str) -> bool) -> Score {
    let exps: Vec<Experiment> = experiments().into_iter().filter(|e| keep(&e.id)).collect();
    let (mut cold, mut inst, mut z) = (0.0, 0.0, Vec::new());
    let mut latency = 0.0;
    let mut predicted = Vec::new();
    let n = exps.len() as f64;
    for e in &exps {
        let p = predict(e, v);
        cold += (p.p_cold - e.p_cold).abs() / e.p_cold;
        inst += (p.instances - e.instances).abs() / e.instances;
        latency += (p.cold_ms - e.cold_ms).abs() / e.cold_ms;
        let se = (e.p_cold_se.powi(2) + p.p_cold_se.powi(2)).sqrt();
        z.push((e.id.clone(), (p.p_cold - e.p_cold) / se));
        predicted.push([p.p_cold, p.instances]);
    }
    Score {
        cold_mape: 100.0 * cold / n,
        instance_mape: 100.0 * inst / n,
        cold_latency_mape: 100.0 * latency / n,
        z,
        predicted,
    }
}

/// The thresholds of the aggregate check, about 1.2 × today's figures (cold-start MAPE
/// 12.9 %, instance MAPE 3.2 %, cold response-time MAPE 3.3 %, no experiment beyond 3
/// combined standard errors, mean z² 1.6). For scale: measurement noise alone gives a
/// cold-start MAPE of about 8 % (the experiments' own standard errors); SimFaaS reports
/// 12.2 % and 3.05 %.
pub(crate) fn passes(s: &Score) -> bool {
    s.cold_mape <= 15.0
        && s.instance_mape <= 4.0
        && s.cold_latency_mape <= 5.0
        && s.beyond_3se() <= 1
        && s.mean_z2() <= 2.5
}

/// The 20 experiments as one check: cold-start MAPE, instance MAPE, the cold requests' mean
/// response time, and every experiment's cold-start error in combined standard errors.
#[test]
fn cold_start_probability_and_instances_match_measured_aws_lambda() {
    let s = score(AS_MEASURED);
    assert!(passes(&s), "{s:?}");
}

/// The check rejects a simulator that gets the init wrong (twice as long, none, five times).
///
/// What these measurements cannot reject, so other tests must: a keep-alive 5 % longer fits
/// them slightly *better* (cold-start MAPE 11.2 %, instance 2.9 %), 5 % shorter a little worse
/// (15.6 %, 3.9 %), and a constant execution time as well as the exponential one (12.7 %,
/// 2.9 %): with minutes between requests and seconds of execution, the cold-start probability
/// hardly depends on the execution time's shape, and the mean cold response time not at all.
/// The keep-alive clock and the distributions' shapes are checked by deterministic and
/// quantile tests instead.
#[test]
fn the_aws_check_rejects_a_wrong_init() {
    for init in [2.0, 0.0, 5.0] {
        let v = Variant {
            init,
            ..AS_MEASURED
        };
        let s = score(v);
        assert!(!passes(&s), "{v:?} passes: {s:?}");
    }
}

#[test]
fn the_profile_fitted_on_the_logs_meets_the_cold_start_target() {
    // The `aws-2020` profile of docs/validation.md: the keep-alive curve and the lifetime the
    // nine per-request logs give, newest-first routing. Nothing in it comes from the 20
    // experiments, so they test it; the 11 without logs test it out of sample. Thresholds:
    // the cold-start target (MAPE ≤ 10 %), on all and on the held-out ones, errors
    // consistent with the experiments' standard errors (mean z² ≤ 1.5), and instances no
    // worse than the default's threshold (today 9.4 %, 6.8 %, 0.95 and 3.3 %).
    let profile = Variant {
        logged_curve: true,
        lifetime_min: Some(crate::aws_request_replay::logged_lifetime_min().round() as u64),
        ..AS_MEASURED
    };
    let all = score(profile);
    let held = score_of(profile, &|id| {
        !crate::validation_report::LOGGED.contains(&id)
    });
    assert!(
        all.cold_mape <= 10.0 && held.cold_mape <= 10.0,
        "{all:?} {held:?}"
    );
    assert!(all.mean_z2() <= 1.5 && all.beyond_3se() == 0, "{all:?}");
    assert!(all.instance_mape <= 4.0, "{all:?}");
}

#[test]
fn pacslab_counting_keeps_each_environment_ten_minutes_after_its_last_request() {
    use lamsim_sim::model::{ArrivalProcess, ConstantSpacing};
    // One request every 30 minutes from 0 s, 1 s of execution, no init, a 2-minute keep-alive:
    // each request starts its own environment, which lamsim reclaims 2 minutes after it ends,
    // but pacslab's count keeps for 10. Over the 9 hours after a 1-hour warm-up, the 18
    // requests from 1 h on each count 1 + 600 s: 18 × 601 / 32,400 environments.
    let mut s = lamsim_sim::testing::simple_scenario(1.0, 1000.0, "2m", "10h");
    s.simulation.warmup = SimTime::from_secs(3600);
    let f = &mut s.functions[0];
    f.duration = DurationModel::unscaled(Dist::Const { value_ms: 1000.0 }, f.memory_mb);
    f.init = DurationModel::unscaled(Dist::Const { value_ms: 0.0 }, f.memory_mb);
    f.triggers[0].arrivals.process = ArrivalProcess::Constant(ConstantSpacing::Rate(1.0 / 1800.0));
    let counted = instances_as_counted(&s, 1);
    assert!(
        (counted - 18.0 * 601.0 / 32_400.0).abs() < 1e-9,
        "{counted}"
    );
    // lamsim's own count: 1 + 120 s per request.
    let own = run(&s).summary.functions[0].instances.avg_total;
    assert!((own - 18.0 * 121.0 / 32_400.0).abs() < 1e-6, "{own}");
}
