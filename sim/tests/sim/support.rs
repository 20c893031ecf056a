//! Shared helpers for the integration tests.

use lamsim_sim::model::Scenario;
use lamsim_sim::runner::{self, RunOutput};

/// Runs `scenario` with no pricing and no progress.
pub fn run(scenario: &Scenario) -> RunOutput {
    runner::run(scenario, &|_| {})
}

/// A temporary folder holding `t.csv`, a trace of requests arriving at `times` (seconds), for a
/// workload read from that folder with `kind = "trace"` and `file = "t.csv"`.
pub fn trace_dir(name: &str, times: impl IntoIterator<Item = f64>) -> tempfile::TempDir {
    let dir = crate::config_validation::temp_dir(name);
    let rows: String = times.into_iter().map(|t| format!("{t}\n")).collect();
    std::fs::write(dir.path().join("t.csv"), format!("timestamp\n{rows}")).unwrap();
    dir
}

/// Asserts `|x - expect| <= k · se`, printing all three.
#[track_caller]
pub fn assert_within(x: f64, expect: f64, se: f64, k: f64, what: &str) {
    assert!(
        (x - expect).abs() <= k * se,
        "{what}: got {x}, expected {expect} ± {k}·{se}"
    );
}

/// Erlang-B blocking probability for offered load `a` erlangs and `c` servers.
pub fn erlang_b(a: f64, c: u32) -> f64 {
    let mut b = 1.0;
    for k in 1..=c {
        b = a * b / (k as f64 + a * b);
    }
    b
}
