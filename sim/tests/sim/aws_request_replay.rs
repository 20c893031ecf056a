//! Exact-input replay of pacslab's per-request AWS Lambda logs: the real arrival times and
//! execution times of nine experiments (2020, Python 3.6, 128 MB) fed through trace replay,
//! and the predicted cold start of each request compared with the one Lambda logged.

use std::sync::Arc;

use lamsim_sim::model::{ArrivalProcess, Dist, DurationModel, Routing, Trace};
use lamsim_sim::observer::{Invocation, Observer};
use lamsim_sim::runner;
use lamsim_sim::testing::simple_scenario;
use lamsim_sim::time::SimTime;

const REQUESTS: &str = include_str!("../fixtures/pacslab-aws-requests.csv");
const EXPERIMENTS: &str = include_str!("../fixtures/pacslab-aws-experiments.csv");

/// One logged request.
struct Request {
    at: SimTime,
    duration: SimTime,
    cold: bool,
}

/// The logged requests of each experiment, in arrival order.
fn logs() -> Vec<(String, Vec<Request>)> {
    let mut out: Vec<(String, Vec<Request>)> = Vec::new();
    for line in REQUESTS.lines().skip(1) {
        let c: Vec<&str> = line.split(',').collect();
        let ns = |x: &str, scale: f64| SimTime((x.parse::<f64>().unwrap() * scale).round() as u64);
        let r = Request {
            at: ns(c[1], 1e9),
            duration: ns(c[2], 1e6),
            cold: c[3] == "1",
        };
        match out.last_mut() {
            Some((id, list)) if id == c[0] => list.push(r),
            _ => out.push((c[0].to_string(), vec![r])),
        }
    }
    out
}

/// The measured init time of an experiment: mean cold − mean warm service time (exp.csv).
fn init_ms(id: &str) -> f64 {
    let line = EXPERIMENTS
        .lines()
        .find(|l| l.split(',').next() == Some(id))
        .unwrap();
    let c: Vec<f64> = line
        .split(',')
        .skip(1)
        .map(|x| x.parse().unwrap())
        .collect();
    c[2] - c[1]
}

/// Records whether each invocation, by arrival time, started an environment.
#[derive(Default)]
struct ColdFlags(Vec<(SimTime, bool)>);

impl Observer for ColdFlags {
    fn on_complete(&mut self, _t: SimTime, inv: &Invocation) {
        self.0.push((inv.arrival, inv.cold));
    }
}

/// Per experiment: (true positives, false positives, false negatives, requests), the first
/// request left out (the simulation starts with no environment; Lambda sometimes still had one
/// from the previous experiment).
pub(crate) fn replay(routing: Routing) -> Vec<(String, [u32; 4])> {
    logs()
        .into_iter()
        .map(|(id, reqs)| {
            let last = reqs.last().unwrap().at;
            let mut s = simple_scenario(1.0, 1.0, "10m", "1s");
            s.functions[0].routing = routing;
            s.simulation.duration = last + SimTime::from_secs(3600);
            let f = &mut s.functions[0];
            f.memory_mb = 128;
            f.init = DurationModel::unscaled(
                Dist::Const {
                    value_ms: init_ms(&id),
                },
                128,
            );
            f.triggers[0].arrivals.process = ArrivalProcess::Trace(Arc::new(Trace {
                times: reqs.iter().map(|r| r.at).collect(),
                durations: Some(reqs.iter().map(|r| r.duration).collect()),
                ..Trace::default()
            }));
            f.triggers[0].arrivals.end = s.simulation.duration;
            let (_, flags, _) = runner::run_replicate_with(&s, 1, ColdFlags::default(), &|_| {});
            let mut flags = flags.0;
            flags.sort_by_key(|(t, _)| *t);
            assert_eq!(flags.len(), reqs.len(), "{id}: every request ran");
            let mut c = [0u32; 4];
            for (r, (t, predicted)) in reqs.iter().zip(&flags).skip(1) {
                assert_eq!(*t, r.at);
                match (*predicted, r.cold) {
                    (true, true) => c[0] += 1,
                    (true, false) => c[1] += 1,
                    (false, true) => c[2] += 1,
                    (false, false) => {}
                }
                c[3] += 1;
            }
            (id, c)
        })
        .collect()
}

/// Precision and recall of the predicted cold starts over all nine experiments.
pub(crate) fn precision_recall(rows: &[(String, [u32; 4])]) -> (f64, f64) {
    let (tp, fp, fne) = rows.iter().fold((0, 0, 0), |(a, b, c), (_, r)| {
        (a + r[0], b + r[1], c + r[2])
    });
    (tp as f64 / (tp + fp) as f64, tp as f64 / (tp + fne) as f64)
}

/// The default model (10 minutes of keep-alive, newest-first routing) replaying the logged
/// inputs: precision 0.44 and recall 0.74 today (`docs/validation.md`); the thresholds are a
/// little below, so a change that loses cold starts or invents them fails. The misses are at
/// the higher rates (experiments 10, 12, 18, 19), where Lambda kept more environments warm
/// than newest-first routing does; least-recently-used routing raises the precision to 0.66 at
/// a recall of 0.70 but breaks the 20-experiment check (see `docs/validation.md`).
#[test]
fn replayed_aws_requests_are_cold_when_lambda_logged_them_cold() {
    let rows = replay(Routing::Newest);
    assert_eq!(rows.len(), 9);
    let requests: u32 = rows.iter().map(|(_, r)| r[3]).sum();
    assert_eq!(requests, 9564 - 9);
    let (precision, recall) = precision_recall(&rows);
    assert!(
        precision >= 0.40 && recall >= 0.70,
        "precision {precision:.3}, recall {recall:.3}"
    );
    // Routing matters to this check: least-recently-used routing changes both figures.
    let (p_lru, r_lru) = precision_recall(&replay(Routing::Lru));
    assert!(p_lru > precision + 0.1 && r_lru < recall, "{p_lru} {r_lru}");
}
