//! Predictions checked against measurements on real AWS Lambda (pacslab's 20 experiments,
//! the data behind SimFaaS): cold-start probability and average environment count.

use crate::support::run;
use lamsim_sim::model::{Dist, DurationModel};
use lamsim_sim::testing::simple_scenario;
use lamsim_sim::time::parse_duration;

const DATA: &str = include_str!("../fixtures/pacslab-aws-experiments.csv");

struct Experiment {
    id: String,
    rate: f64,
    warm_ms: f64,
    cold_ms: f64,
    instances: f64,
    p_cold: f64,
    p_cold_se: f64,
}

fn experiments() -> Vec<Experiment> {
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

/// The experiments' setting: Poisson arrivals, exponential execution around the measured
/// warm mean, init = cold − warm, 10 minutes of keep-alive, newest-first routing.
#[test]
fn cold_start_probability_and_instances_match_measured_aws_lambda() {
    let exps = experiments();
    assert_eq!(exps.len(), 20);
    for e in exps {
        // About 20,000 arrivals per replicate, at least 3 days.
        let days = (20_000.0 / e.rate / 86_400.0).max(3.0).ceil();
        let mut s = simple_scenario(e.rate, e.warm_ms, "10m", &format!("{days}d"));
        s.functions[0].duration = DurationModel::unscaled(Dist::Exp { mean_ms: e.warm_ms }, 128);
        s.functions[0].init = DurationModel::unscaled(
            Dist::Const {
                value_ms: e.cold_ms - e.warm_ms,
            },
            128,
        );
        s.functions[0].memory_mb = 128;
        s.simulation.warmup = parse_duration("1h").unwrap();
        s.simulation.replicates = 2;
        let f = run(&s).summary.functions[0].clone();
        let sim_se =
            (f.cold_start_ratio * (1.0 - f.cold_start_ratio) / (2.0 * f.invocations)).sqrt();
        let tol = 3.5 * (e.p_cold_se.powi(2) + sim_se.powi(2)).sqrt();
        assert!(
            (f.cold_start_ratio - e.p_cold).abs() <= tol,
            "{}: cold-start probability {:.4} vs measured {:.4} ± {:.4}",
            e.id,
            f.cold_start_ratio,
            e.p_cold,
            e.p_cold_se
        );
        // Environment counts within 10 % of the measured averages.
        assert!(
            (f.instances.avg_total - e.instances).abs() <= 0.10 * e.instances,
            "{}: average environments {:.3} vs measured {:.3}",
            e.id,
            f.instances.avg_total,
            e.instances
        );
    }
}
