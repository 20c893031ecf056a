//! Keep-alive, recycling, timeouts and routing.

use crate::support::{assert_within, run};
use lamsim_sim::model::{ArrivalProcess, ConstantSpacing, Dist, DurationModel, Routing};
use lamsim_sim::testing::simple_scenario;
use lamsim_sim::time::parse_duration;

fn constant(rate: f64, exec_ms: f64, keep_alive: &str) -> lamsim_sim::model::Scenario {
    let mut s = simple_scenario(rate, exec_ms, keep_alive, "1h");
    s.functions[0].triggers[0].arrivals.process =
        ArrivalProcess::Constant(ConstantSpacing::Rate(rate));
    s.functions[0].duration = DurationModel::unscaled(Dist::Const { value_ms: exec_ms }, 1024);
    s
}

#[test]
fn an_environment_idle_longer_than_keep_alive_is_reclaimed() {
    // One request every 2 minutes, 100 ms each.
    let warm = run(&constant(1.0 / 120.0, 100.0, "3m")).summary;
    assert_eq!(
        warm.functions[0].cold_starts, 1.0,
        "only the first request is cold"
    );
    let cold = run(&constant(1.0 / 120.0, 100.0, "1m")).summary;
    assert_eq!(
        cold.functions[0].cold_starts, cold.functions[0].invocations,
        "every request is cold"
    );
    assert_eq!(cold.functions[0].invocations, 30.0);
    // Between requests the environment lives 1 min of every 2: avg_total ≈ (0.35 + 60 s) / 120 s.
    assert_within(
        cold.functions[0].instances.avg_total,
        60.35 / 120.0,
        0.01,
        1.0,
        "avg environments",
    );
}

#[test]
fn max_lifetime_recycles_environments_after_their_request() {
    let mut s = constant(1.0, 100.0, "10m");
    s.functions[0].keep_alive.max_lifetime = Some(parse_duration("60s").unwrap());
    let f = &run(&s).summary.functions[0];
    // One request per second; an environment is recycled after the first request that ends
    // past 60 s of age, i.e. every ~60 requests.
    assert_within(
        f.cold_start_ratio,
        1.0 / 60.5,
        0.002,
        1.0,
        "recycling cold ratio",
    );
}

#[test]
fn a_timed_out_invocation_ends_at_the_timeout_and_discards_its_environment() {
    let mut s = simple_scenario(1.0, 100.0, "10m", "2h");
    s.functions[0].triggers[0].arrivals.process =
        ArrivalProcess::Constant(ConstantSpacing::Rate(1.0));
    s.functions[0].timeout = parse_duration("100ms").unwrap();
    let f = &run(&s).summary.functions[0];
    let p = (-1.0f64).exp(); // P(Exp(mean 100 ms) > 100 ms)
    let n = f.invocations;
    assert_within(
        f.timeouts / n,
        p,
        (p * (1.0 - p) / n).sqrt(),
        5.0,
        "timeout ratio",
    );
    // The request after a timeout is cold (its environment was discarded).
    assert_within(
        f.cold_starts,
        f.timeouts,
        1.0,
        1.0,
        "cold starts follow timeouts",
    );
    assert!(f.latency_warm_ms.max <= 100.0 + 1e-9);
    assert!(f.latency_cold_ms.max <= 350.0 + 1e-9);
}

#[test]
fn newest_routing_lets_old_environments_expire_and_lru_keeps_them_all() {
    let base = simple_scenario(20.0, 200.0, "1m", "1h");
    let with = |r| {
        let mut s = base.clone();
        s.functions[0].routing = r;
        s.simulation.warmup = parse_duration("10m").unwrap();
        run(&s).summary.functions[0].clone()
    };
    let newest = with(Routing::Newest);
    let lru = with(Routing::Lru);
    let mru = with(Routing::Mru);
    let random = with(Routing::Random);
    assert!(
        lru.instances.avg_total > newest.instances.avg_total * 1.15,
        "{} vs {}",
        lru.instances.avg_total,
        newest.instances.avg_total
    );
    assert!(mru.instances.avg_total < lru.instances.avg_total);
    assert!(random.instances.avg_total < lru.instances.avg_total * 1.01);
    // Busy time does not depend on routing.
    for f in [&newest, &lru, &mru, &random] {
        assert_within(f.instances.avg_busy, 20.0 * 0.2, 0.2, 1.0, "avg busy");
    }
}

#[test]
fn the_keep_alive_clock_starts_when_the_invocation_ends() {
    // One request every 5 min, each 250 ms of init (first only) and 4 min of execution: the
    // environment is free at 4 min 0.25 s after its first request, then at 9 min, 14 min, …
    // A keep-alive of 61 s keeps it until after the next request (an environment idle since
    // the end of its invocation); 59 s does not. Counted from the request's arrival, even
    // 61 s would expire long before the next one.
    let cold_starts = |keep_alive: &str| {
        let f = &run(&constant(1.0 / 300.0, 240_000.0, keep_alive))
            .summary
            .functions[0];
        assert_eq!(f.invocations, 12.0, "keep-alive {keep_alive}");
        f.cold_starts
    };
    assert_eq!(cold_starts("61s"), 1.0, "only the first request is cold");
    assert_eq!(cold_starts("59s"), 12.0, "every request is cold");
}

/// Reclaim times of function 0's environments.
#[derive(Default)]
struct Reclaims(Vec<lamsim_sim::time::SimTime>);

impl lamsim_sim::observer::Observer for Reclaims {
    fn on_reclaim(&mut self, t: lamsim_sim::time::SimTime, _f: u32, _provisioned: bool) {
        self.0.push(t);
    }
}

#[test]
fn each_environment_of_a_uniform_keep_alive_is_reclaimed_at_its_own_draw() {
    use lamsim_sim::model::KeepAlivePolicy;
    use lamsim_sim::rng::{Component, stream};
    use lamsim_sim::time::SimTime;
    use rand::Rng;
    // Six requests at once, running 1 to 6 s: six environments go idle at 1, 2, …, 6 s (in
    // that order, nothing reuses them) and each draws its keep-alive from the function's
    // keep-alive stream, uniform in 1..=10 min. A later one often expires before an earlier
    // one: every environment must still leave at exactly its own end of keep-alive.
    let (min, max) = (SimTime::from_secs(60), SimTime::from_secs(600));
    let (got, name) = six_idle_environments(KeepAlivePolicy::Uniform { min, max });
    // The same draws, made here from the same stream in the same order.
    let mut rng = stream(1, &name, Component::KeepAlive);
    let mut expected: Vec<SimTime> = (1..=6)
        .map(|k| SimTime(SimTime::from_secs(k).0 + rng.random_range(min.0..=max.0)))
        .collect();
    // At least one later environment expires before an earlier one (the case that needs an
    // earlier expiry event).
    assert!(expected.windows(2).any(|w| w[1] < w[0]), "{expected:?}");
    expected.sort();
    assert_eq!(got, expected);
}

/// The idle time by which a share `u` of environments is reclaimed on the piecewise-linear
/// curve `points`, written out here independently of the engine's inversion.
fn curve_inverse(points: &[(f64, f64)], u: f64) -> f64 {
    for w in points.windows(2) {
        let ((t0, p0), (t1, p1)) = (w[0], w[1]);
        if u < p1 {
            return t0 + (t1 - t0) * (u - p0) / (p1 - p0);
        }
    }
    points.last().unwrap().0
}

#[test]
fn a_curve_keep_alive_is_drawn_from_its_curve() {
    use lamsim_sim::model::KeepAlivePolicy;
    use lamsim_sim::time::SimTime;
    use rand::SeedableRng;
    // 40,000 draws: the share below each point's idle time is its probability, and halfway
    // along each segment it is halfway between the two (linear), each within 4 binomial
    // standard errors.
    let pts = [(600.0, 0.0), (660.0, 0.2), (700.0, 0.8), (1500.0, 1.0)];
    let policy = KeepAlivePolicy::Curve {
        points: pts
            .iter()
            .map(|&(t, p)| (SimTime::from_secs(t as u64), p))
            .collect::<Vec<_>>()
            .into(),
    };
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let n = 40_000;
    let draws: Vec<f64> = (0..n).map(|_| policy.draw(&mut rng) as f64 / 1e9).collect();
    assert!(draws.iter().all(|&d| (600.0..=1500.0).contains(&d)));
    let mut checks = vec![];
    for w in pts.windows(2) {
        checks.push(w[1]);
        checks.push(((w[0].0 + w[1].0) / 2.0, (w[0].1 + w[1].1) / 2.0));
    }
    for (t, p) in checks {
        let share = draws.iter().filter(|&&d| d <= t).count() as f64 / n as f64;
        let se = (p * (1.0 - p) / n as f64).sqrt().max(1.0 / n as f64);
        assert_within(share, p, se, 4.0, &format!("share reclaimed by {t} s"));
    }
}

#[test]
fn each_environment_of_a_curve_keep_alive_is_reclaimed_at_its_own_draw() {
    use lamsim_sim::model::KeepAlivePolicy;
    use lamsim_sim::rng::{Component, stream};
    use lamsim_sim::time::SimTime;
    use rand::Rng;
    // As for the uniform keep-alive: six environments go idle at 1, 2, …, 6 s and each leaves
    // at its own draw from the function's keep-alive stream, inverted on the curve here.
    let pts = [(60.0, 0.0), (120.0, 0.5), (600.0, 1.0)];
    let (got, name) = six_idle_environments(KeepAlivePolicy::Curve {
        points: pts
            .iter()
            .map(|&(t, p)| (SimTime::from_secs(t as u64), p))
            .collect::<Vec<_>>()
            .into(),
    });
    let mut rng = stream(1, &name, Component::KeepAlive);
    let mut expected: Vec<SimTime> = (1..=6)
        .map(|k| {
            let keep = curve_inverse(&pts, rng.random::<f64>());
            SimTime(SimTime::from_secs(k).0 + (keep * 1e9).round() as u64)
        })
        .collect();
    expected.sort();
    assert_eq!(got, expected);
}

/// Six requests at 0 s running 1 to 6 s with no init under `policy`: six environments go idle
/// at 1, 2, …, 6 s, nothing reuses them. Their reclaim times, sorted, and the function's name.
fn six_idle_environments(
    policy: lamsim_sim::model::KeepAlivePolicy,
) -> (Vec<lamsim_sim::time::SimTime>, String) {
    use lamsim_sim::model::Trace;
    use lamsim_sim::time::SimTime;
    let mut s = simple_scenario(1.0, 1.0, "10m", "1h");
    let f = &mut s.functions[0];
    f.keep_alive.policy = policy;
    f.init = DurationModel::unscaled(Dist::Const { value_ms: 0.0 }, f.memory_mb);
    f.triggers[0].arrivals.process = ArrivalProcess::Trace(std::sync::Arc::new(Trace {
        times: vec![SimTime::ZERO; 6],
        durations: Some((1..=6).map(SimTime::from_secs).collect()),
        ..Trace::default()
    }));
    let name = f.name.clone();
    let mut e = lamsim_sim::engine::Engine::new(&s, 1, Reclaims::default());
    e.run();
    let mut got = e.into_observer().0;
    got.sort();
    (got, name)
}

#[test]
fn a_curve_keep_alive_gives_the_cold_start_probability_its_curve_integrates_to() {
    use lamsim_sim::model::KeepAlivePolicy;
    use lamsim_sim::time::SimTime;
    // Poisson arrivals at λ = 1/300 per s, 1 ms executions: a request is cold when the gap
    // before it (exponential) outlives the keep-alive K drawn for the idle period before it,
    // so P(cold) = E[e^(−λK)]. With 80 % of K uniform on 300–400 s and 20 % on 400–1200 s
    // (the curve 0 → 0.8 → 1), E[e^(−λK)] = 0.8·(e^(−1) − e^(−4/3))·3 + 0.2·(e^(−4/3) −
    // e^(−4))·3/8 ≈ 0.2384, against e^(−λ·400) ≈ 0.2636 for a fixed 400 s.
    let lambda = 1.0 / 300.0;
    let mut s = simple_scenario(lambda, 1.0, "10m", "70d");
    s.functions[0].keep_alive.policy = KeepAlivePolicy::Curve {
        points: vec![
            (SimTime::from_secs(300), 0.0),
            (SimTime::from_secs(400), 0.8),
            (SimTime::from_secs(1200), 1.0),
        ]
        .into(),
    };
    let e = |x: f64| (-x).exp();
    let expected = 0.8 * (e(1.0) - e(4.0 / 3.0)) * 3.0 + 0.2 * (e(4.0 / 3.0) - e(4.0)) * 3.0 / 8.0;
    let f = &run(&s).summary.functions[0];
    let se = (expected * (1.0 - expected) / f.invocations).sqrt();
    assert_within(f.cold_start_ratio, expected, se, 4.0, "cold-start ratio");
}
