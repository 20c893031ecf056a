//! Quick throughput check without criterion: `cargo run --release -p lamsim-sim --example
//! throughput` prints simulated invocations per second (best of 3) for each benchmark
//! scenario, with the standard recorder attached, and for the steady scenarios their floors
//! ([`floor`]: `NAME/floor_draws`, the draws alone, and `NAME/floor_queue`, the draws and the
//! event queue). `throughput NAME [ROUNDS]` runs one of these once, or ROUNDS times in one
//! process (e.g. under valgrind, or long enough for a profiler to see the engine rather than
//! the set-up); `throughput functions_10000` runs the account of 10,000 functions of
//! [`many_functions`] (not in the default list: it takes a few seconds).

use std::time::Instant;

use lamsim_sim::engine::Engine;
use lamsim_sim::metrics::Recorder;
use lamsim_sim::model::Scenario;
use lamsim_sim::testing::{FloorLevel, bench_scenarios, floor, has_floor, many_functions};

/// The name of the 10,000-function account.
const MANY: &str = "functions_10000";

/// One simulation of `s` as case `how` runs it; returns the invocations simulated.
fn simulate(s: &Scenario, how: Option<FloorLevel>) -> u64 {
    match how {
        None => {
            let mut e = Engine::new(s, 1, Recorder::new(s));
            e.run();
            e.stats().arrivals
        }
        Some(level) => floor(s, 1, level).invocations,
    }
}

fn main() {
    // An optional argument picks one case and runs it once (e.g. under valgrind).
    let only = std::env::args().nth(1);
    let rounds = match (&only, std::env::args().nth(2)) {
        (None, _) => 3,
        (Some(_), None) => 1,
        (Some(_), Some(r)) => r.parse().expect("ROUNDS is a whole number"),
    };
    let mut scenarios = bench_scenarios();
    if only.as_deref() == Some(MANY) {
        scenarios = vec![(MANY, many_functions(10_000, "20s"))];
    }
    for (name, s) in &scenarios {
        let mut cases = vec![(name.to_string(), None)];
        if has_floor(name) {
            cases.extend(FloorLevel::ALL.map(|level| (level.case(name), Some(level))));
        }
        for (case, how) in cases {
            if only.as_deref().is_some_and(|o| o != case) {
                continue;
            }
            let mut best = f64::MAX;
            let mut n = 0;
            for _ in 0..rounds {
                let start = Instant::now();
                n = simulate(s, how);
                best = best.min(start.elapsed().as_secs_f64());
            }
            println!(
                "{case:<34} {n:>10} invocations  {:>6.2} M invocations/s",
                n as f64 / best / 1e6
            );
        }
    }
}
