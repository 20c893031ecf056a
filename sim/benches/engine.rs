//! Simulator throughput: simulated invocations per second of wall time, one core.
//!
//! Run with `cargo bench -p lamsim-sim --bench engine`. Each scenario is named by what it
//! stresses; the throughput line reads "elements/s" = simulated invocations per second. The
//! steady scenarios also run their floor ([`floor`]): the same draws, and then the same event
//! queue, without the rest of the model, to show what the engine adds to the work no
//! simulation of them can skip.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use lamsim_sim::engine::Engine;
use lamsim_sim::metrics::Recorder;
use lamsim_sim::model::Scenario;
use lamsim_sim::observer::Observer;
use lamsim_sim::testing::{FloorLevel, bench_scenarios, floor, has_floor, many_functions};

fn simulate<O: Observer>(s: &Scenario, o: O) -> u64 {
    let mut e = Engine::new(s, 1, o);
    e.run();
    e.stats().arrivals
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("engine");
    g.sample_size(10);
    let cases = bench_scenarios();
    for (name, s) in &cases {
        let n = simulate(s, ());
        g.throughput(Throughput::Elements(n));
        g.bench_function(format!("{name}/recorder"), |b| {
            b.iter(|| simulate(s, Recorder::new(s)))
        });
        g.bench_function(format!("{name}/no_observer"), |b| {
            b.iter(|| simulate(s, ()))
        });
        if has_floor(name) {
            for level in FloorLevel::ALL {
                g.bench_function(level.case(name), |b| {
                    b.iter(|| floor(s, 1, level).invocations)
                });
            }
        }
    }
    g.finish();
}

/// An account of 10,000 functions with heavy-tailed rates ([`many_functions`]), 20 simulated
/// seconds (about 0.9 M invocations, most environments created in them): the cost of many
/// small per-function states, whose working set is far larger than the caches.
fn bench_many(c: &mut Criterion) {
    let mut g = c.benchmark_group("many_functions");
    g.sample_size(10);
    let s = many_functions(10_000, "20s");
    g.throughput(Throughput::Elements(simulate(&s, ())));
    g.bench_function("functions_10000/recorder", |b| {
        b.iter(|| simulate(&s, Recorder::new(&s)))
    });
    g.finish();
}

criterion_group!(benches, bench, bench_many);
criterion_main!(benches);
