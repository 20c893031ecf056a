//! An account-scale population: 10,000 functions synthesized from the Azure 2019 excerpt's
//! distributions (`lamsim synthesize-population`, seed 1), simulated with the standard
//! recorder on one core, and as `lamsim run` simulates it: in blocks of 40 functions on every
//! core (`10k_functions/1h_in_250_blocks`, `…/24h_in_250_blocks`), summary included.
//!
//! Run with `cargo bench -p lamsim-population --bench population`. The throughput line reads
//! "elements/s" = simulated invocations per second. `10k_functions/1h` simulates the first hour
//! (about 6.7 M invocations); `10k_functions/24h` the whole day (about 161 M invocations, a
//! minute or more per sample: run it alone with `-- 24h`). Loading (reading the 35 MB of CSV and
//! expanding 10,000 functions) is measured separately as `10k_functions/load`.

use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use lamsim_population::synth::{SynthOptions, synthesize};
use lamsim_sim::config;
use lamsim_sim::engine::Engine;
use lamsim_sim::metrics::Recorder;
use lamsim_sim::model::Scenario;
use lamsim_sim::shard;

fn simulate(s: &Scenario) -> u64 {
    let mut e = Engine::new(s, 1, Recorder::new(s));
    e.run();
    e.stats().arrivals
}

fn load(dir: &Path, duration: &str) -> Scenario {
    let text = std::fs::read_to_string(dir.join("workload.toml"))
        .expect("the generated workload")
        .replace("duration = \"24h\"", &format!("duration = \"{duration}\""));
    config::from_str(&text, dir, "workload.toml").unwrap_or_else(|e| panic!("{e}"))
}

fn bench(c: &mut Criterion) {
    lamsim_population::register();
    let dir = tempfile::tempdir().expect("a temporary folder");
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("../workloads/populations/azure2019");
    let opts = SynthOptions {
        functions: 10_000,
        hours: 24,
        seed: 1,
        from,
        concurrency_limit: lamsim_population::synth::CONCURRENCY_LIMIT,
    };
    synthesize(&opts, dir.path()).expect("synthesized population");
    let mut g = c.benchmark_group("10k_functions");
    g.sample_size(10);
    g.bench_function("load", |b| {
        b.iter(|| load(dir.path(), "1h").functions.len())
    });
    for window in ["1h", "24h"] {
        let s = load(dir.path(), window);
        let n = simulate(&s);
        g.throughput(Throughput::Elements(n));
        g.bench_function(window, |b| b.iter(|| simulate(&s)));
        // What `lamsim run` does: blocks of functions on every core, then the summary.
        let blocks = shard::default_blocks(&s);
        g.bench_function(format!("{window}_in_{blocks}_blocks"), |b| {
            b.iter(|| {
                let (out, _) = shard::run_in_blocks(&s, blocks, None, &|_| {})
                    .expect("the account limit does not bind");
                out.summary.functions.len()
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
