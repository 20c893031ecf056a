//! The bench's cost per invocation feeds Power Tuning's strategies (lamsim-study) so that
//! float rounding of equal costs still counts as a tie.

use lamsim_harness::bench::{Billable, cost_per_invocation};
use lamsim_sim::bench::BenchRecommendation;
use lamsim_sim::cost::{PriceBook, example_function};
use lamsim_sim::model::Architecture;
use lamsim_study::tuning::{Candidate, recommend};

fn c(memory_mb: u32, cost: f64, duration_ms: f64) -> Candidate {
    Candidate {
        memory_mb,
        cost,
        duration_ms,
    }
}

#[test]
fn a_perfectly_cpu_bound_function_costs_the_same_everywhere_so_faster_wins() {
    // Duration ∝ 1 / memory: every size bills 0.1 GB-s (up to float rounding, which must
    // still count as a tie), so `cost` goes to the fastest.
    let pricing = lamsim_sim::testing::simple_scenario(1.0, 1.0, "10m", "1h").pricing;
    let book = PriceBook::us_east_1();
    let rows: Vec<Candidate> = [(128u32, 800.0), (256, 400.0), (512, 200.0), (1024, 100.0)]
        .into_iter()
        .map(|(m, d)| {
            let f = example_function("f", m, Architecture::X86_64);
            let b = [Billable {
                duration_ms: d,
                init_ms: None,
            }];
            c(m, cost_per_invocation(&f, &b, &pricing, &book), d)
        })
        .collect();
    let expected = book.request + 0.1 * book.duration.x86_64.first();
    for r in &rows {
        assert!((r.cost - expected).abs() < 1e-15, "{r:?}");
    }
    assert_eq!(
        recommend(&rows, 0.5).unwrap(),
        BenchRecommendation {
            cost: 1024,
            speed: 1024,
            balanced: 1024
        }
    );
}
