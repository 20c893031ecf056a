//! Provisioned concurrency: `Runtime::prewarm` initialises the function's provisioned
//! environments before traffic; they serve first, are never cold, outlive the keep-alive, and
//! their records say so. Spill-over beyond them starts on-demand environments.

use std::time::Duration;

use lamsim_sim::model::{KeepAlivePolicy, ProvisionedWindow};
use lamsim_sim::time::SimTime;

use crate::common::*;

fn provisioned(mut f: lamsim_sim::model::Function, count: u32) -> lamsim_sim::model::Function {
    f.provisioned = vec![ProvisionedWindow {
        start: SimTime::ZERO,
        end: SimTime::MAX,
        count,
    }];
    f
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prewarmed_environments_serve_warm_and_outlive_the_keep_alive() {
    let mut f = provisioned(rust_function("pc", "faults", 128), 2);
    f.keep_alive.policy = KeepAlivePolicy::Fixed {
        idle: SimTime::from_millis(200),
    };
    let rt = start(vec![f, rust_function("plain", "echo", 128)]).await;
    let warmed = rt.prewarm().await;
    assert_eq!(warmed.len(), 2, "{warmed:?}");
    for w in &warmed {
        assert_eq!(w.function, "pc");
        let (_, init_ms) = w.result.clone().expect("initialised");
        assert!(init_ms > 0.0);
    }
    assert_eq!(rt.environments("pc"), 2);
    assert_eq!(
        rt.environments("plain"),
        0,
        "no provisioned concurrency, nothing started"
    );
    // Longer than the keep-alive: provisioned environments stay.
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(rt.environments("pc"), 2);
    let addr = rt.addr();
    let env = invoke(addr, "pc", &[], r#"{"action": "env"}"#).await.json();
    assert_eq!(
        env["env"]["AWS_LAMBDA_INITIALIZATION_TYPE"], "provisioned-concurrency",
        "{env}"
    );
    // Three at once: two on the provisioned environments, one spills over on demand.
    let (a, b, c) = tokio::join!(
        invoke(addr, "pc", &[], r#"{"action": "sleep", "ms": 300}"#),
        invoke(addr, "pc", &[], r#"{"action": "sleep", "ms": 300}"#),
        invoke(addr, "pc", &[], r#"{"action": "sleep", "ms": 300}"#),
    );
    for r in [&a, &b, &c] {
        assert_eq!(r.status, 200);
    }
    let recs = rt.take_records();
    assert_eq!(recs.len(), 4);
    let ids: Vec<u64> = warmed.iter().map(|w| w.result.clone().unwrap().0).collect();
    assert!(!recs[0].cold && recs[0].provisioned && recs[0].init_ms.is_none());
    assert!(ids.contains(&recs[0].environment));
    let burst = &recs[1..];
    assert_eq!(
        burst.iter().filter(|r| r.provisioned).count(),
        2,
        "{burst:?}"
    );
    let spill: Vec<_> = burst.iter().filter(|r| !r.provisioned).collect();
    assert_eq!(spill.len(), 1, "{burst:?}");
    assert!(spill[0].cold && spill[0].init_ms.is_some());
    assert!(!ids.contains(&spill[0].environment));
    // The on-demand one is reclaimed after its keep-alive; the provisioned ones stay.
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(rt.environments("pc"), 2);
    rt.shutdown().await;
}
