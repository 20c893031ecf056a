//! Power Tuning's strategies on hand-computed rows: `cost` (cheapest, ties to the faster),
//! `speed` (fastest, ties to the cheaper) and `balanced` (smallest
//! `w · cost / max cost + (1 − w) · duration / max duration`, ties to the cheaper).

use lamsim_sim::bench::BenchRecommendation;
use lamsim_study::tuning::{Candidate, recommend};

fn c(memory_mb: u32, cost: f64, duration_ms: f64) -> Candidate {
    Candidate {
        memory_mb,
        cost,
        duration_ms,
    }
}

/// 128 and 256 cost the same (256 is faster); 512 and 1024 are equally fast (512 is cheaper).
fn rows() -> Vec<Candidate> {
    vec![
        c(128, 2.0, 100.0),
        c(256, 2.0, 50.0),
        c(512, 3.0, 40.0),
        c(1024, 5.0, 40.0),
    ]
}

#[test]
fn cost_ties_go_to_the_faster_and_speed_ties_to_the_cheaper() {
    let r = recommend(&rows(), 0.5).unwrap();
    assert_eq!(r.cost, 256);
    assert_eq!(r.speed, 512);
}

#[test]
fn balanced_minimises_the_weighted_normalised_sum() {
    // max cost 5, max duration 100. w = 0.5:
    //   128: .5·.4 + .5·1 = .70   256: .5·.4 + .5·.5 = .45
    //   512: .5·.6 + .5·.4 = .50  1024: .5·1 + .5·.4 = .70
    assert_eq!(recommend(&rows(), 0.5).unwrap().balanced, 256);
    // w = 0.2: 128: .08 + .8 = .88, 256: .08 + .4 = .48, 512: .12 + .32 = .44, 1024: .2 + .32 = .52
    assert_eq!(recommend(&rows(), 0.2).unwrap().balanced, 512);
    // w = 1 weighs cost only: 128 and 256 tie on cost, and 256 is faster.
    assert_eq!(recommend(&rows(), 1.0).unwrap().balanced, 256);
    // w = 0 weighs duration only: 512 and 1024 tie, and 512 is cheaper.
    assert_eq!(recommend(&rows(), 0.0).unwrap().balanced, 512);
}

#[test]
fn zero_costs_and_durations_give_the_first_row_and_no_rows_give_none() {
    let zero = [c(512, 0.0, 0.0), c(128, 0.0, 0.0)];
    assert_eq!(
        recommend(&zero, 0.5).unwrap(),
        BenchRecommendation {
            cost: 512,
            speed: 512,
            balanced: 512
        }
    );
    assert_eq!(recommend(&[], 0.5), None);
}
