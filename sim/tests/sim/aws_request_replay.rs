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
    /// The sandbox that ran it (numbered within its experiment).
    sandbox: u32,
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
            sandbox: c[4].parse().unwrap(),
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

/// Records, for each invocation by arrival time, whether it started an environment and which
/// environment ran it.
#[derive(Default)]
struct ColdFlags(Vec<(SimTime, bool, (u32, SimTime))>);

impl Observer for ColdFlags {
    fn on_complete(&mut self, _t: SimTime, inv: &Invocation) {
        self.0.push((inv.arrival, inv.cold, inv.environment));
    }
}

/// One experiment replayed: its logged requests and what the simulation did with each (in
/// arrival order).
type Replayed = (String, Vec<Request>, Vec<(SimTime, bool, (u32, SimTime))>);

/// Per experiment: (true positives, false positives, false negatives, requests), the first
/// request left out (the simulation starts with no environment; Lambda sometimes still had one
/// from the previous experiment).
pub(crate) fn replay(routing: Routing) -> Vec<(String, [u32; 4])> {
    run_replay(routing)
        .into_iter()
        .map(|(id, reqs, flags)| {
            let mut c = [0u32; 4];
            for (r, (t, predicted, _)) in reqs.iter().zip(&flags).skip(1) {
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

/// Per experiment and hour (from its first request): the number of distinct sandboxes that
/// ran a request in the hour, as logged and as simulated.
pub(crate) fn sandboxes_per_hour(routing: Routing) -> Vec<(String, Vec<(u32, u32)>)> {
    run_replay(routing)
        .into_iter()
        .map(|(id, reqs, flags)| {
            let hours = (reqs.last().unwrap().at.0 / 3_600_000_000_000 + 1) as usize;
            let mut logged = vec![std::collections::BTreeSet::new(); hours];
            let mut simulated = vec![std::collections::BTreeSet::new(); hours];
            for (r, (_, _, env)) in reqs.iter().zip(&flags) {
                let h = (r.at.0 / 3_600_000_000_000) as usize;
                logged[h].insert(r.sandbox);
                simulated[h].insert(*env);
            }
            let counts = logged
                .iter()
                .zip(&simulated)
                .map(|(l, s)| (l.len() as u32, s.len() as u32))
                .collect();
            (id, counts)
        })
        .collect()
}

/// Over every experiment-hour with a request: the mean logged and simulated sandbox counts,
/// and the mean absolute percentage error of the simulated count.
pub(crate) fn sandbox_errors(rows: &[(String, Vec<(u32, u32)>)]) -> (f64, f64, f64) {
    let hours: Vec<(u32, u32)> = rows
        .iter()
        .flat_map(|(_, h)| h.iter().copied())
        .filter(|(l, _)| *l > 0)
        .collect();
    let n = hours.len() as f64;
    let mean = |f: &dyn Fn(&(u32, u32)) -> f64| hours.iter().map(f).sum::<f64>() / n;
    (
        mean(&|h| h.0 as f64),
        mean(&|h| h.1 as f64),
        mean(&|h| (h.1 as f64 - h.0 as f64).abs() / h.0 as f64),
    )
}

/// Replays every experiment's logged inputs with `routing`.
fn run_replay(routing: Routing) -> Vec<Replayed> {
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
            flags.sort_by_key(|(t, _, _)| *t);
            assert_eq!(flags.len(), reqs.len(), "{id}: every request ran");
            (id, reqs, flags)
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

/// Instance counts over time: the distinct sandboxes that ran requests in each hour. Lambda
/// used 2.2 per hour on average over the nine logs; replayed, lamsim's default model uses 3.3
/// (it starts about three times as many environments at the higher rates, the false cold
/// starts above), least-recently-used and random routing 3.0. The thresholds are a regression
/// check of that known disagreement (`docs/validation.md`), and the test pins how the counts
/// are made: every simulated environment starts with a cold start, and every logged sandbox
/// but the one left from before the experiment starts with a logged cold start.
#[test]
fn replayed_aws_requests_use_about_as_many_sandboxes_per_hour_as_lambda_did() {
    for (id, reqs, flags) in run_replay(Routing::Newest) {
        let colds = flags.iter().filter(|f| f.1).count();
        let envs: std::collections::BTreeSet<_> = flags.iter().map(|f| f.2).collect();
        assert_eq!(envs.len(), colds, "{id}: one environment per cold start");
        let sandboxes: std::collections::BTreeSet<_> = reqs.iter().map(|r| r.sandbox).collect();
        let logged_colds = reqs.iter().filter(|r| r.cold).count();
        assert!(
            (logged_colds..=logged_colds + 2).contains(&sandboxes.len()),
            "{id}: {} sandboxes, {logged_colds} logged cold starts",
            sandboxes.len()
        );
    }
    let rows = sandboxes_per_hour(Routing::Newest);
    assert_eq!(rows.len(), 9);
    let (logged, simulated, mape) = sandbox_errors(&rows);
    assert!((2.0..2.5).contains(&logged), "logged {logged:.3}");
    assert!(
        simulated >= logged && simulated <= 1.6 * logged && mape <= 0.65,
        "simulated {simulated:.3} per hour against {logged:.3} logged, MAPE {mape:.3}"
    );
}
