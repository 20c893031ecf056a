//! A sweep whose answer is known analytically: a CPU-free function (cpu-fraction 0) runs as
//! long at every memory size, so its bill is linear in memory and the smallest size wins.

use std::path::Path;

use lamsim_sim::runner;
use lamsim_study::axis::{Axis, cross_product};
use lamsim_study::sweep::{self, SweepHeader};
use lamsim_study::workload::Workload;

/// 10 req/s evenly spaced (t = 0, 0.1 s, …) for 10 minutes, 100 ms executions, 250 ms inits,
/// environments kept for an hour, nothing scales with CPU. The arrivals at 0, 0.1, 0.2 and
/// 0.3 s each find every environment still busy (the first is busy until 0.35 s), so there are
/// exactly 4 cold starts; from 0.4 s on one of the four is always free.
const CPU_FREE: &str = r#"
[simulation]
duration = "10m"
seed = 3

[[function]]
name = "io"
memory-mb = 1024

[function.arrivals]
kind = "constant"
rate-per-s = 10.0

[function.duration]
dist = "const"
value = "100ms"
cpu-fraction = 0.0

[function.init]
dist = "const"
value = "250ms"
cpu-fraction = 0.0

[function.keep-alive]
idle = "1h"
"#;

#[test]
fn cpu_free_cost_is_linear_in_memory_and_the_smallest_size_wins() {
    let w = Workload::from_text(CPU_FREE, Path::new("."), "cpu-free.toml").unwrap();
    let axes = vec![Axis::memory([1024, 128, 512, 2048])];
    w.check_axes(&axes).unwrap();
    let specs = cross_product(&axes);
    let points: Vec<sweep::Point> = specs
        .iter()
        .map(|spec| {
            let s = w.scenario(&axes, spec).unwrap();
            let out = runner::run(&s, &|_| {});
            sweep::point_result(&w, &axes, spec, &s, &out)
        })
        .collect();
    let mem: Vec<u32> = points.iter().map(|p| p.memory_mb.unwrap()).collect();
    assert_eq!(mem, [1024, 128, 512, 2048]);

    // Latency does not depend on memory: every request takes exactly 100 ms warm.
    for p in &points {
        assert_eq!(p.p50_ms, points[0].p50_ms);
        assert_eq!(p.p99_ms, points[0].p99_ms);
        assert!((p.p99_ms - 100.0).abs() < 0.1, "p99 {}", p.p99_ms);
    }

    // Hand-computed bill at 128 MB: 6,000 requests × 0.1 s + four 0.25 s INITs, at 0.125 GB;
    // us-east-1 x86_64 $0.0000166667 per GB-s and $0.0000002 per request; a 30-day month is
    // 4,320 windows of 10 minutes.
    let gb_s = (6000.0 * 0.1 + 4.0 * 0.25) * 0.125;
    let expect_128 = (gb_s * 0.000_016_666_7 + 6000.0 * 0.000_000_2) * 4320.0;
    let c128 = points[1].monthly_cost_usd;
    assert!(
        (c128 - expect_128).abs() < 1e-6 * expect_128,
        "{c128} vs {expect_128}"
    );
    // Linear: the cost per extra MB is the same between every pair of sizes.
    let slope = |a: usize, b: usize| {
        (points[b].monthly_cost_usd - points[a].monthly_cost_usd) / (mem[b] as f64 - mem[a] as f64)
    };
    let s = slope(1, 2);
    for (a, b) in [(2, 0), (0, 3), (1, 3)] {
        assert!((slope(a, b) - s).abs() < 1e-9 * s.abs(), "slope {a}->{b}");
    }

    let header = SweepHeader::new(&w.base, &axes);
    let report = sweep::finish(header, &axes, points);
    // No [slo]: the cheapest point; it is also the only one on the Pareto front (equal p99,
    // higher cost everywhere else).
    let rec = report.recommendation.as_ref().unwrap();
    assert_eq!((rec.index, rec.memory_mb), (1, Some(128)));
    assert_eq!(report.pareto, vec![1]);
    assert!(report.points.iter().all(|p| p.meets_slo));
}

#[test]
fn an_slo_on_cost_moves_the_recommendation_and_none_meeting_it_gives_a_nearest_miss() {
    let with_slo = format!("{CPU_FREE}\n[slo]\nmonthly-cost-usd = 0.01\n");
    let w = Workload::from_text(&with_slo, Path::new("."), "slo.toml").unwrap();
    let axes = vec![Axis::memory([512, 128])];
    let specs = cross_product(&axes);
    let points: Vec<sweep::Point> = specs
        .iter()
        .map(|spec| {
            let s = w.scenario(&axes, spec).unwrap();
            sweep::point_result(&w, &axes, spec, &s, &runner::run(&s, &|_| {}))
        })
        .collect();
    // Both points cost dollars a month: none meets $0.01, and 128 MB misses least.
    assert!(points.iter().all(|p| !p.meets_slo));
    assert!(points[0].slo_violations[0].starts_with("cost.monthly.total_usd"));
    let report = sweep::finish(SweepHeader::new(&w.base, &axes), &axes, points);
    assert_eq!(report.recommendation, None);
    assert_eq!(report.nearest_miss, Some(1));
    let json = serde_json::to_value(&report).unwrap();
    assert!(json["recommendation"].is_null());
}
