//! Simulator throughput: simulated invocations per second of wall time, one core.
//!
//! Run with `cargo bench -p lamsim-sim --bench engine`. Each scenario is named by what it
//! stresses; the throughput line reads "elements/s" = simulated invocations per second.

use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use lamsim_sim::engine::Engine;
use lamsim_sim::metrics::Recorder;
use lamsim_sim::model::{ArrivalProcess, Dist, DurationModel, Scaling, Scenario, Trace};
use lamsim_sim::observer::Observer;
use lamsim_sim::testing::simple_scenario;
use lamsim_sim::time::{SimTime, parse_duration};

/// Steady Poisson traffic with lognormal 100 ms executions sized for `busy` environments.
fn steady(busy: f64, duration: &str) -> Scenario {
    let mean_ms = 100.0;
    let mut s = simple_scenario(busy / (mean_ms / 1000.0), mean_ms, "10m", duration);
    s.account.scaling = Scaling::PerFunction;
    s.functions[0].duration = DurationModel::unscaled(
        Dist::LogNormal {
            mu: mean_ms.ln() - 0.125,
            sigma: 0.5,
        },
        1024,
    );
    s
}

/// Bursts of 3,000 req/s against 200 reserved concurrency: most requests are throttled.
fn burst_throttled() -> Scenario {
    let mut s = steady(8.0, "5m");
    s.functions[0].reserved_concurrency = Some(200);
    s.functions[0].arrivals.process = ArrivalProcess::OnOff {
        on_rate_per_s: 3000.0,
        off_rate_per_s: 50.0,
        on_mean: parse_duration("10s").unwrap(),
        off_mean: parse_duration("10s").unwrap(),
    };
    s
}

/// A trace of 1 million timestamps (Poisson at 1,000 req/s) with per-row durations.
fn trace_replay() -> Scenario {
    let mut s = steady(50.0, "1000s");
    let mut t = 0u64;
    let mut x: u64 = 0x1234_5678;
    let mut times = Vec::with_capacity(1_000_000);
    let mut durations = Vec::with_capacity(1_000_000);
    for _ in 0..1_000_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let u = (x >> 11) as f64 / (1u64 << 53) as f64;
        t += (-(1.0 - u).ln() * 1e6) as u64; // mean gap 1 ms
        times.push(SimTime(t));
        durations.push(SimTime::from_millis(20 + (x % 80)));
    }
    s.functions[0].arrivals.process = ArrivalProcess::Trace(Arc::new(Trace {
        path: "bench".into(),
        times,
        durations: Some(durations),
        function: None,
    }));
    s
}

fn simulate<O: Observer>(s: &Scenario, o: O) -> u64 {
    let mut e = Engine::new(s, 1, o);
    e.run();
    e.stats().arrivals
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("engine");
    g.sample_size(10);
    let cases: Vec<(&str, Scenario)> = vec![
        ("steady_8_instances", steady(8.0, "2000s")),
        ("steady_450_instances", steady(450.0, "200s")),
        ("burst_throttled", burst_throttled()),
        ("trace_replay", trace_replay()),
    ];
    for (name, s) in &cases {
        let n = simulate(s, ());
        g.throughput(Throughput::Elements(n));
        g.bench_function(format!("{name}/recorder"), |b| {
            b.iter(|| simulate(s, Recorder::new(s, s.pricing.granularity)))
        });
        g.bench_function(format!("{name}/no_observer"), |b| {
            b.iter(|| simulate(s, ()))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
