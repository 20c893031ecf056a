//! `lamsim bench` measures under each memory size's CPU share: the CPU-bound handler at 128 MB
//! takes about 256/128 = 2 times as long as at 256 MB (where cgroups are available).
//!
//! Both sizes get small shares (7 % and 14 % of a CPU) on purpose: the development and CI
//! machines have 2 cores and are often loaded (load average 7–8 measured), and a size whose
//! share exceeds what the scheduler can give it under load (1,024 MB wants 58 % of a core)
//! measures the machine's load rather than the quota.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use lamsim_harness::bench::{self, BenchOptions, Payloads};

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bench_durations_scale_with_the_cpu_share() {
    let _quiet = cpu_heavy().lock().await;
    let mut scenario = lamsim_sim::testing::simple_scenario(1.0, 1.0, "10m", "1h");
    scenario.functions = vec![rust_function("cpu", "cpu", 1769)];
    let opts = BenchOptions {
        memory_mb: vec![128, 256],
        cold: 1,
        invocations: 8,
        ..BenchOptions::default()
    };
    // 30 ms of CPU time per invocation: ~415 ms of wall time at 128 MB, ~207 ms at 256 MB.
    let payloads = Payloads::single(r#"{"cpu_ms": 30}"#.into());
    let bench_once = || async {
        let ticks = Arc::new(AtomicU64::new(0));
        let t = ticks.clone();
        let out = bench::run(
            &scenario,
            "cpu",
            &opts,
            &payloads,
            Arc::new(move |n| {
                t.fetch_add(n, Ordering::Relaxed);
            }),
        )
        .await
        .expect("bench runs");
        // 1 cold + 1 warm-up + 8 warm, twice.
        assert_eq!(ticks.load(Ordering::Relaxed), 20);
        out
    };
    let mut out = bench_once().await;
    let s = &out.summary;
    assert_eq!(s.results.len(), 2);
    for r in &s.results {
        assert!(r.measured);
        assert_eq!((r.invocations, r.cold_starts, r.errors), (9, 1, 0), "{r:?}");
        assert!(r.init_ms.mean > 0.0 && r.duration_ms.p50 > 0.0);
        assert!(r.cost_per_invocation_usd > 0.0);
    }
    assert_eq!(out.samples.len(), 18);
    if s.cpu_limit == "none" {
        crate::skip::unavailable(
            "bench_cpu_share",
            &format!(
                "no cgroups here ({:?}); durations are not memory-scaled",
                out.cpu_limit_reason
            ),
        );
        return;
    }
    // Load (other tests in this binary, other tenants of this shared machine) can only
    // lengthen a quota-bound run, and it lengthens the sizes unequally: in CI the 128 MB mean
    // came out 2.5 times the 256 MB one. The fastest warm invocation of each size is the one
    // load touched least, so the ratio is taken between those. A bench whose fastest 128 MB
    // invocation is still far above its floor (below) measured the load, not the quota, and
    // is run again, up to twice; the floor itself is never relaxed.
    let fastest = |o: &bench::BenchOutput, mb: u32| {
        o.samples
            .iter()
            .filter(|s| s.memory_mb == mb && !s.record.cold)
            .map(|s| s.record.duration_ms)
            .fold(f64::MAX, f64::min)
    };
    for _ in 0..2 {
        if fastest(&out, 128) < 1.25 * 414.6 {
            break;
        }
        out = bench_once().await;
    }
    let (small, large) = (fastest(&out, 128), fastest(&out, 256));
    let ratio = small / large;
    // Expected 256/128 = 2. The CFS quota is enforced per 20 ms period (1.45 ms of CPU per
    // period at 128 MB, 2.9 ms at 256 MB), so a duration ends somewhere within its last
    // period: ±20 ms on ~415 ms (±5 %) and on ~207 ms (±10 %), hence a ratio within about
    // ±15 %; other load can lengthen either side a little more. 25 % either way.
    assert!(
        ratio > 0.75 * 2.0 && ratio < 1.25 * 2.0,
        "fastest warm invocations: 128 MB {small:.1} ms, 256 MB {large:.1} ms, ratio {ratio:.2}, expected about 2"
    );
    // The 128 MB duration has a floor no load can lower: 30 ms / (128/1769) = 415 ms, less
    // at most one 20 ms period. The mean bench.json reports has the same floor.
    let mean = out.summary.results[0].duration_ms.mean;
    assert!(
        small > 0.9 * 414.6 && mean > 0.9 * 414.6,
        "128 MB took {small:.1} ms at the fastest, {mean:.1} ms on average"
    );
    eprintln!("bench_cpu_share: 128 MB {small:.1} ms, 256 MB {large:.1} ms, ratio {ratio:.2}");
}
