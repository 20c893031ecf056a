//! The benchmarks' floor ([`floor`]) does the engine's draws: the same arrivals and the same
//! execution times as a run of the engine under the same seed, so the throughput it shows is
//! that of the work no simulation of the scenario can skip.

use lamsim_sim::engine::Engine;
use lamsim_sim::model::{ArrivalProcess, ConstantSpacing, Dist, DurationModel};
use lamsim_sim::observer::{Invocation, Observer};
use lamsim_sim::testing::{FloorLevel, floor, simple_scenario, steady};
use lamsim_sim::time::SimTime;

/// Sums what the engine completed.
#[derive(Default)]
struct Sums {
    completed: u64,
    exec_ns: u128,
}

impl Observer for Sums {
    fn on_complete(&mut self, _t: SimTime, inv: &Invocation) {
        self.completed += 1;
        self.exec_ns += inv.exec.0 as u128;
    }
}

#[test]
fn the_floor_draws_the_engines_arrivals_and_execution_times() {
    // The second scenario cuts about one execution in seven at its 150 ms timeout.
    let mut cut = steady(8.0, "300s");
    cut.functions[0].timeout = SimTime::from_millis(150);
    for (s, seed) in [(steady(8.0, "300s"), 1), (steady(8.0, "300s"), 7), (cut, 1)] {
        let mut e = Engine::new(&s, seed, Sums::default());
        e.run();
        let arrivals = e.stats().arrivals;
        let sums = e.into_observer();
        // The engine runs every request to its end, past the window if need be.
        assert_eq!(sums.completed, arrivals, "every request completes");
        for level in [FloorLevel::Draws, FloorLevel::Queue] {
            let run = floor(&s, seed, level);
            let timeout = s.functions[0].timeout;
            let case = format!("{level:?}, seed {seed}, timeout {timeout:?}");
            assert_eq!(run.invocations, arrivals, "{case}: arrivals");
            assert_eq!(run.exec_ns, sums.exec_ns, "{case}: execution sum");
        }
    }
}

#[test]
fn the_floor_queue_reuses_idle_environments() {
    // One request every 10 ms, each running 30 ms: at every arrival the two before it are still
    // running and the one three before ends at that instant, ahead of the arrival (equal times
    // go in the order they were scheduled, as in the engine), so three environments serve
    // them all. The draws-only floor creates none.
    let mut s = simple_scenario(1.0, 30.0, "10m", "10s");
    let f = &mut s.functions[0];
    f.triggers[0].arrivals.process = ArrivalProcess::Constant(ConstantSpacing::Rate(100.0));
    f.duration = DurationModel::unscaled(Dist::Const { value_ms: 30.0 }, f.memory_mb);
    let run = floor(&s, 1, FloorLevel::Queue);
    assert_eq!(run.invocations, 1000);
    assert_eq!(run.exec_ns, 1000 * 30_000_000);
    assert_eq!(run.environments, 3);
    assert_eq!(floor(&s, 1, FloorLevel::Draws).environments, 0);
}
