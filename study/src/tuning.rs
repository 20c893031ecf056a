//! AWS Lambda Power Tuning's recommendations over `lamsim bench` results: `cost` — the
//! cheapest mean cost per invocation, ties to the faster; `speed` — the shortest mean
//! duration, ties to the cheaper; `balanced` — the smallest
//! `w · cost / max cost + (1 − w) · duration / max duration`, ties to the cheaper. They are
//! taken over the rows without errors (over every row when all have errors, [`candidates`]).
//!
//! The harness measures and prices; choosing among the measured sizes is a study of the
//! results, so it lives here with the other recommendations.

use lamsim_sim::bench::{BenchRecommendation, BenchResult};

/// Two costs or durations closer than this (relative) are a tie.
const TIE_TOLERANCE: f64 = 1e-9;

/// One row considered by [`recommend`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Candidate {
    /// Memory size, MB.
    pub memory_mb: u32,
    /// Mean cost per invocation, USD.
    pub cost: f64,
    /// Mean duration, ms.
    pub duration_ms: f64,
}

fn lt(a: f64, b: f64) -> bool {
    a < b && !same(a, b)
}

fn same(a: f64, b: f64) -> bool {
    (a - b).abs() <= TIE_TOLERANCE * a.abs().max(b.abs())
}

/// Picks the best of `rows` by `keys` compared in order (smaller is better; values within a
/// relative 10⁻⁹ are a tie and go to the next key), then by the first row.
fn best_by(rows: &[Candidate], keys: &[&dyn Fn(&Candidate) -> f64]) -> u32 {
    let mut best = rows[0];
    for r in &rows[1..] {
        for key in keys {
            let (k, kb) = (key(r), key(&best));
            if lt(k, kb) {
                best = *r;
                break;
            }
            if !same(k, kb) {
                break;
            }
        }
    }
    best.memory_mb
}

/// Power Tuning's recommendation per strategy among `rows`; `None` when there are none.
/// `cost`: smallest cost, ties to the shorter duration. `speed`: shortest duration, ties to
/// the smaller cost. `balanced`: smallest `weight · cost / max cost + (1 − weight) · duration /
/// max duration` (a term is 0 when its maximum is 0), ties to the smaller cost, then the
/// shorter duration. Remaining ties go to the row given first.
pub fn recommend(rows: &[Candidate], weight: f64) -> Option<BenchRecommendation> {
    if rows.is_empty() {
        return None;
    }
    let max_cost = rows.iter().map(|r| r.cost).fold(0.0, f64::max);
    let max_dur = rows.iter().map(|r| r.duration_ms).fold(0.0, f64::max);
    let norm = |x: f64, max: f64| if max > 0.0 { x / max } else { 0.0 };
    let balanced = |r: &Candidate| {
        weight * norm(r.cost, max_cost) + (1.0 - weight) * norm(r.duration_ms, max_dur)
    };
    Some(BenchRecommendation {
        cost: best_by(rows, &[&|r| r.cost, &|r| r.duration_ms]),
        speed: best_by(rows, &[&|r| r.duration_ms, &|r| r.cost]),
        balanced: best_by(rows, &[&balanced, &|r| r.cost, &|r| r.duration_ms]),
    })
}

/// The rows [`recommend`] considers: those without errors, or all of them when every one has
/// errors.
pub fn candidates(rows: &[&BenchResult]) -> Vec<Candidate> {
    let clean = rows.iter().any(|r| r.errors == 0);
    rows.iter()
        .filter(|r| !clean || r.errors == 0)
        .map(|r| Candidate {
            memory_mb: r.memory_mb,
            cost: r.cost_per_invocation_usd,
            duration_ms: r.duration_ms.mean,
        })
        .collect()
}
