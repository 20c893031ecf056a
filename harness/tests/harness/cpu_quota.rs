//! CPU share is memory-proportional: a CPU-bound handler at 128 MB takes about 1769/128 = 13.8
//! times as long as at 1,769 MB (where cgroups are available).

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cpu_bound_duration_scales_with_memory() {
    let _quiet = cpu_heavy().lock().await;
    let rt = start(vec![
        rust_function("full", "cpu", 1769),
        rust_function("small", "cpu", 128),
    ])
    .await;
    if rt.cpu_limit() == lamsim_harness::CpuLimit::None {
        crate::skip::unavailable(
            "cpu_quota",
            &format!("no cgroups here ({:?})", rt.cpu_limit_reason()),
        );
        return;
    }
    // 20 ms of CPU time (the handler counts its thread's CPU time, not wall time).
    let job = r#"{"cpu_ms": 20}"#;
    // Warm both (init is not what is measured here).
    rt.invoke("full", job.into(), false).await.unwrap();
    rt.invoke("small", job.into(), false).await.unwrap();
    // The quota makes 128 MB take 20 ms / (128/1769) = 276 ms of wall time: a floor that no
    // machine load can lower.
    let small = rt
        .invoke("small", job.into(), false)
        .await
        .unwrap()
        .record
        .duration_ms;
    let expected_small = 20.0 * 1769.0 / 128.0;
    assert!(
        small > 0.75 * expected_small && small < 1.6 * expected_small,
        "128 MB took {small:.1} ms, expected about {expected_small:.0} ms"
    );
    // At 1,769 MB (one full vCPU) it takes about 20 ms; other load on the machine can only
    // slow it down, so take the fastest of a few runs.
    let mut full = f64::MAX;
    for _ in 0..10 {
        let inv = rt.invoke("full", job.into(), false).await.unwrap();
        assert_eq!(inv.function_error, None);
        full = full.min(inv.record.duration_ms);
        if full < 24.0 {
            break;
        }
    }
    let expected = 1769.0 / 128.0;
    let ratio = small / full;
    assert!(
        ratio > 0.6 * expected && ratio < 1.4 * expected,
        "128 MB took {small:.1} ms, 1769 MB {full:.1} ms: ratio {ratio:.1}, expected about {expected:.1}"
    );
    rt.shutdown().await;
}
