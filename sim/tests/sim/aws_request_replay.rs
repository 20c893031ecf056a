//! Exact-input replay of pacslab's per-request AWS Lambda logs: the real arrival times and
//! execution times of nine experiments (2020, Python 3.6, 128 MB) fed through trace replay,
//! and the predicted cold start of each request compared with the one Lambda logged.

use std::sync::Arc;

use lamsim_sim::model::{
    ArrivalProcess, Dist, DurationModel, KeepAlive, KeepAlivePolicy, Routing, Trace,
};
use lamsim_sim::observer::{Invocation, Observer};
use lamsim_sim::runner;
use lamsim_sim::testing::simple_scenario;
use lamsim_sim::time::SimTime;

const REQUESTS: &str = include_str!("../fixtures/pacslab-aws-requests.csv");
const EXPERIMENTS: &str = include_str!("../fixtures/pacslab-aws-experiments.csv");

/// One logged request.
pub(crate) struct Request {
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
pub(crate) type Replayed = (String, Vec<Request>, Vec<(SimTime, bool, (u32, SimTime))>);

/// Per experiment: (true positives, false positives, false negatives, requests), the first
/// request left out (the simulation starts with no environment; Lambda sometimes still had one
/// from the previous experiment).
pub(crate) fn replay(routing: Routing) -> Vec<(String, [u32; 4])> {
    counts(run_replay(routing))
}

/// Per experiment: (true positives, false positives, false negatives, requests) of replayed
/// experiments, the first request of each left out.
pub(crate) fn counts(replayed: Vec<Replayed>) -> Vec<(String, [u32; 4])> {
    replayed
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

/// Replays every experiment's logged inputs with `routing` and the default 10-minute
/// keep-alive.
fn run_replay(routing: Routing) -> Vec<Replayed> {
    run_replay_with(routing, SimTime::from_secs(600))
}

/// [`run_replay`] with a fixed `keep_alive`.
fn run_replay_with(routing: Routing, keep_alive: SimTime) -> Vec<Replayed> {
    run_replay_kept(
        routing,
        KeepAlive {
            policy: KeepAlivePolicy::Fixed { idle: keep_alive },
            max_lifetime: None,
        },
        1,
    )
}

/// [`run_replay`] with `keep_alive` (and its lifetime), replicate `seed`.
pub(crate) fn run_replay_kept(routing: Routing, keep_alive: KeepAlive, seed: u64) -> Vec<Replayed> {
    logs()
        .into_iter()
        .map(|(id, reqs)| {
            let last = reqs.last().unwrap().at;
            let mut s = simple_scenario(1.0, 1.0, "10m", "1s");
            s.functions[0].routing = routing;
            s.functions[0].keep_alive = keep_alive.clone();
            s.simulation.duration = last + SimTime::from_secs(3600);
            let f = &mut s.functions[0];
            f.memory_mb = 128;
            // The logged execution times were measured at 128 MB: the trace's durations run as
            // they are (a trace duration is scaled from the duration model's reference memory
            // to the function's, and this scenario's reference is 1,024 MB).
            f.duration = DurationModel::unscaled(Dist::Const { value_ms: 1.0 }, 128);
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
            let (_, flags, _) = runner::run_replicate_with(&s, seed, ColdFlags::default(), &|_| {});
            let mut flags = flags.0;
            flags.sort_by_key(|(t, _, _)| *t);
            assert_eq!(flags.len(), reqs.len(), "{id}: every request ran");
            (id, reqs, flags)
        })
        .collect()
}

/// The keep-alive values tried when fitting it to the logs, seconds.
pub(crate) const KEEP_ALIVE_GRID: [u64; 8] = [540, 570, 600, 615, 630, 645, 660, 720];

/// The fixed keep-alive that best replays the logs (most-recently-used routing, as the logs
/// show): the one of [`KEEP_ALIVE_GRID`] with the highest F1 score of the predicted cold
/// starts, and its precision and recall. Fitted on the nine logs only.
pub(crate) fn fitted_keep_alive() -> (u64, f64, f64) {
    KEEP_ALIVE_GRID
        .iter()
        .map(|&ka| {
            let (p, r) = precision_recall(&counts(run_replay_with(
                Routing::Mru,
                SimTime::from_secs(ka),
            )));
            (ka, p, r)
        })
        .max_by(|a, b| f1(a.1, a.2).total_cmp(&f1(b.1, b.2)))
        .expect("a grid")
}

fn f1(p: f64, r: f64) -> f64 {
    2.0 * p * r / (p + r)
}

/// Sandbox → (created, end of its last request), as the logs stand when a request arrives.
type Sandboxes = std::collections::BTreeMap<u32, (u64, u64)>;

/// Calls `f(index, request, sandboxes)` for every logged request of every experiment, in
/// arrival order, with the sandboxes as they were when it arrived (before it ran).
fn walk_logs(mut f: impl FnMut(usize, &Request, &Sandboxes)) {
    for (_, reqs) in logs() {
        let mut seen = Sandboxes::new();
        for (i, r) in reqs.iter().enumerate() {
            f(i, r, &seen);
            let e = seen.entry(r.sandbox).or_insert((r.at.0, 0));
            e.1 = r.at.0 + r.duration.0;
        }
    }
}

/// The most recently used sandbox idle when `r` arrives: `(id, created, last end)`.
fn most_recently_used(r: &Request, seen: &Sandboxes) -> Option<(u32, u64, u64)> {
    seen.iter()
        .filter(|(_, (_, end))| *end <= r.at.0)
        .max_by_key(|(_, (_, end))| *end)
        .map(|(&sb, &(born, end))| (sb, born, end))
}

/// Which idle sandbox Lambda gave a warm request, when the most recently used one (idle
/// last) and the newest one (created last) differ: `(most recently used, newest, another)`,
/// counted over the nine logs. A sandbox counts as idle when its last request ended before the
/// arrival and less than 10 minutes before.
pub(crate) fn routing_choices() -> [u32; 3] {
    let mut c = [0u32; 3];
    walk_logs(|_, r, seen| {
        let idle: Vec<(u32, u64, u64)> = seen
            .iter()
            .filter(|(_, (_, end))| *end <= r.at.0 && r.at.0 - end < 600_000_000_000)
            .map(|(&sb, &(born, end))| (sb, born, end))
            .collect();
        if !r.cold && idle.len() >= 2 && idle.iter().any(|i| i.0 == r.sandbox) {
            let mru = idle.iter().max_by_key(|i| i.2).unwrap().0;
            let newest = idle.iter().max_by_key(|i| i.1).unwrap().0;
            if mru != newest {
                c[if r.sandbox == mru {
                    0
                } else if r.sandbox == newest {
                    1
                } else {
                    2
                }] += 1;
            }
        }
    });
    c
}

/// Precision and recall of the predicted cold starts over all nine experiments.
pub(crate) fn precision_recall(rows: &[(String, [u32; 4])]) -> (f64, f64) {
    let (tp, fp, fne) = rows.iter().fold((0, 0, 0), |(a, b, c), (_, r)| {
        (a + r[0], b + r[1], c + r[2])
    });
    (tp as f64 / (tp + fp) as f64, tp as f64 / (tp + fne) as f64)
}

/// The default model (10 minutes of keep-alive, newest-first routing) replaying the logged
/// inputs: precision 0.77 and recall 0.83 today (`docs/validation.md`); the thresholds are a
/// little below, so a change that loses cold starts or invents them fails (running the logged
/// 128 MB durations at the scenario's reference memory instead, 8 times longer, gives 0.44 and
/// 0.74). The misses concentrate at the highest logged rate (experiment 10), where Lambda kept
/// a second environment warm longer than a 10-minute keep-alive does.
#[test]
fn replayed_aws_requests_are_cold_when_lambda_logged_them_cold() {
    let rows = replay(Routing::Newest);
    assert_eq!(rows.len(), 9);
    let requests: u32 = rows.iter().map(|(_, r)| r[3]).sum();
    assert_eq!(requests, 9564 - 9);
    let (precision, recall) = precision_recall(&rows);
    assert!(
        precision >= 0.72 && recall >= 0.78,
        "precision {precision:.3}, recall {recall:.3}"
    );
    // Routing matters to this check: least-recently-used routing keeps every environment
    // alive, which trades recall for precision.
    let (p_lru, r_lru) = precision_recall(&replay(Routing::Lru));
    assert!(
        p_lru > precision + 0.05 && r_lru < recall - 0.05,
        "{p_lru} {r_lru}"
    );
}

/// What the logs say of routing: when the most recently used idle sandbox and the newest one
/// differ, Lambda chose the most recently used (2,156 of 2,172 times).
#[test]
fn lambda_routes_to_the_most_recently_used_idle_sandbox() {
    let [mru, newest, other] = routing_choices();
    let n = mru + newest + other;
    assert!(n > 1000, "{n} requests where the two rules differ");
    assert!(mru as f64 >= 0.98 * n as f64, "{mru} of {n}");
}

/// Instance counts over time: the distinct sandboxes that ran requests in each hour. Lambda
/// used 2.22 per hour on average over the nine logs; replayed, lamsim's default model uses
/// 2.31 (per experiment-hour MAPE 17 %). The test also pins how the counts are made: every
/// simulated environment starts with a cold start, and every logged sandbox but the one left
/// from before the experiment starts with a logged cold start.
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
        simulated >= 0.9 * logged && simulated <= 1.15 * logged && mape <= 0.22,
        "simulated {simulated:.3} per hour against {logged:.3} logged, MAPE {mape:.3}"
    );
}

/// Age (minutes) from which an idle sandbox's end is read as recycling rather than keep-alive:
/// of the 58 logged cold starts whose most recently used sandbox had been idle for less than 10
/// minutes, 41 found it aged 90–131 minutes and 17 younger.
pub(crate) const RECYCLING_AGE_MIN: u64 = 90;

/// What the logs say about each idle sandbox when a request arrived, as "current status"
/// observations `(idle seconds, reclaimed)`: a warm request says its sandbox was still kept
/// after that idle time; a cold one says the most recently used idle sandbox (the one Lambda
/// gives a request, as `routing_choices` shows) was gone. Sandboxes older than
/// [`RECYCLING_AGE_MIN`] are left out (recycling, modelled by `max-lifetime`), and so is the
/// first request of each experiment.
fn idle_observations() -> Vec<(f64, bool)> {
    let mut obs = Vec::new();
    walk_logs(|i, r, seen| {
        let young = |born: u64| r.at.0 - born < RECYCLING_AGE_MIN * 60_000_000_000;
        if i == 0 {
            return;
        }
        if r.cold {
            if let Some((_, _, end)) = most_recently_used(r, seen).filter(|m| young(m.1)) {
                obs.push(((r.at.0 - end) as f64 / 1e9, true));
            }
        } else if let Some(&(born, end)) = seen.get(&r.sandbox)
            && end <= r.at.0
            && young(born)
        {
            obs.push(((r.at.0 - end) as f64 / 1e9, false));
        }
    });
    obs.sort_by(|a, b| a.0.total_cmp(&b.0));
    obs
}

/// The keep-alive curve the logs give: the nonparametric maximum-likelihood estimate of the
/// probability that a sandbox is reclaimed within an idle time, from [`idle_observations`]
/// (current-status data: pool adjacent violators), as `kind = "curve"` points: each
/// estimated step becomes a linear rise over the gap between observations, starting at 0
/// where the estimate first exceeds 0 and ending at 1. Idle times are rounded to the second.
/// Fitted once per test run (every experiment of every scored variant uses it).
pub(crate) fn fitted_keep_alive_curve() -> Arc<[(SimTime, f64)]> {
    static CURVE: std::sync::OnceLock<Arc<[(SimTime, f64)]>> = std::sync::OnceLock::new();
    CURVE.get_or_init(|| fit_keep_alive_curve().into()).clone()
}

fn fit_keep_alive_curve() -> Vec<(SimTime, f64)> {
    // Blocks of (reclaimed, observations, first idle, last idle), probabilities non-decreasing.
    let mut blocks: Vec<(f64, f64, f64, f64)> = Vec::new();
    for (g, dead) in idle_observations() {
        blocks.push((if dead { 1.0 } else { 0.0 }, 1.0, g, g));
        while blocks.len() > 1 {
            let b = blocks[blocks.len() - 1];
            let a = blocks[blocks.len() - 2];
            if a.0 / a.1 < b.0 / b.1 {
                break;
            }
            blocks.pop();
            let a = blocks.last_mut().unwrap();
            a.0 += b.0;
            a.1 += b.1;
            a.3 = b.3;
        }
    }
    let mut points: Vec<(SimTime, f64)> = Vec::new();
    let mut prev_end = 0.0f64;
    for (dead, n, first, last) in blocks {
        let p = dead / n;
        if p > 0.0 {
            // The estimate is p from `first` on and lower before: the rise happens between the
            // previous block's last observation and this block's first.
            if points.is_empty() {
                let start = prev_end.round().min(first.round() - 1.0).max(0.0);
                points.push((SimTime::from_secs(start as u64), 0.0));
            }
            points.push((SimTime::from_secs(first.round() as u64), p));
        }
        prev_end = last;
        if p >= 1.0 {
            break;
        }
    }
    points.dedup_by(|b, a| {
        b.0 == a.0 && {
            a.1 = a.1.max(b.1);
            true
        }
    });
    points
}

/// The lifetime the logs give, minutes: the median age of the sandboxes that ended, older than
/// [`RECYCLING_AGE_MIN`], before 10 idle minutes.
pub(crate) fn logged_lifetime_min() -> f64 {
    let mut ages = Vec::new();
    walk_logs(|i, r, seen| {
        if let Some((_, born, end)) = most_recently_used(r, seen) {
            let age = (r.at.0 - born) as f64 / 60e9;
            if i > 0 && r.cold && r.at.0 - end < 600_000_000_000 && age >= RECYCLING_AGE_MIN as f64
            {
                ages.push(age);
            }
        }
    });
    ages.sort_by(f64::total_cmp);
    ages[ages.len() / 2]
}
