//! Keep-alive and max-lifetime recycling, and parallel environments.

use std::time::Duration;

use lamsim_sim::model::KeepAlivePolicy;
use lamsim_sim::time::SimTime;

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_environment_is_reclaimed_after_keep_alive() {
    let mut f = rust_function("echo", "echo", 128);
    f.keep_alive.policy = KeepAlivePolicy::Fixed {
        idle: SimTime::from_millis(300),
    };
    let rt = start(vec![f]).await;
    let addr = rt.addr();
    invoke(addr, "echo", &[], "{}").await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    invoke(addr, "echo", &[], "{}").await; // warm: resets the idle clock
    assert_eq!(rt.environments("echo"), 1);
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(rt.environments("echo"), 0, "reclaimed after 300 ms idle");
    invoke(addr, "echo", &[], "{}").await;
    let cold: Vec<bool> = rt.take_records().iter().map(|r| r.cold).collect();
    assert_eq!(cold, [true, false, true]);
    rt.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_lifetime_recycles_after_the_current_request() {
    let mut f = rust_function("echo", "echo", 128);
    f.keep_alive.max_lifetime = Some(SimTime::from_millis(400));
    let rt = start(vec![f]).await;
    let addr = rt.addr();
    invoke(addr, "echo", &[], "{}").await;
    invoke(addr, "echo", &[], "{}").await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    invoke(addr, "echo", &[], "{}").await;
    let recs = rt.take_records();
    assert_eq!(
        recs.iter().map(|r| r.cold).collect::<Vec<_>>(),
        [true, false, true]
    );
    assert_ne!(recs[0].environment, recs[2].environment);
    rt.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_get_one_environment_each() {
    let rt = start(vec![rust_function("slow", "io-wait", 128)]).await;
    let addr = rt.addr();
    let calls: Vec<_> = (0..4)
        .map(|_| {
            tokio::spawn(async move { invoke(addr, "slow", &[], r#"{"wait_ms": 400}"#).await })
        })
        .collect();
    for c in calls {
        assert_eq!(c.await.unwrap().status, 200);
    }
    let recs = rt.take_records();
    let mut envs: Vec<u64> = recs.iter().map(|r| r.environment).collect();
    envs.sort();
    envs.dedup();
    assert_eq!(
        envs.len(),
        4,
        "each concurrent request ran in its own environment"
    );
    assert_eq!(rt.environments("slow"), 4);
    // In-process: a cold call forces a new environment even with idle ones.
    let inv = rt
        .invoke("slow", r#"{"wait_ms": 1}"#.into(), true)
        .await
        .unwrap();
    assert!(inv.record.cold);
    assert_eq!(rt.environments("slow"), 5);
    rt.shutdown().await;
    assert_eq!(rt.environments("slow"), 0);
}

#[tokio::test(start_paused = true)]
async fn scripted_idle_environment_retires_exactly_at_its_keep_alive() {
    let mut f = scripted_function("f");
    f.keep_alive.policy = KeepAlivePolicy::Fixed {
        idle: SimTime::from_secs(10),
    };
    let launcher = std::sync::Arc::new(lamsim_harness::launcher::ScriptedLauncher::new());
    let rt = scripted(vec![f], &launcher).await;
    rt.invoke("f", "{}".into(), false).await.unwrap();
    tokio::time::sleep(ms(9_999)).await;
    assert_eq!(
        rt.environments("f"),
        1,
        "still warm 1 ms before the keep-alive ends"
    );
    let warm = rt.invoke("f", "{}".into(), false).await.unwrap();
    assert!(!warm.record.cold, "a call resets the idle clock");
    tokio::time::sleep(ms(9_999)).await;
    assert_eq!(rt.environments("f"), 1);
    tokio::time::sleep(ms(2)).await;
    assert_eq!(rt.environments("f"), 0, "retired 10 s after its last call");
    let next = rt.invoke("f", "{}".into(), false).await.unwrap();
    assert!(next.record.cold);
    assert_eq!(launcher.launches("f"), 2);
    rt.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn scripted_environment_is_recycled_at_max_lifetime_after_its_request() {
    let mut f = scripted_function("f");
    f.keep_alive.max_lifetime = Some(SimTime::from_secs(1));
    let launcher = std::sync::Arc::new(lamsim_harness::launcher::ScriptedLauncher::new().script(
        "f",
        lamsim_harness::launcher::FunctionScript::new(ms(100), ms(600)),
    ));
    let rt = scripted(vec![f], &launcher).await;
    // Init 100 ms + 600 ms: 700 ms old, kept; the second call ends at 1.3 s: recycled then.
    assert!(
        rt.invoke("f", "{}".into(), false)
            .await
            .unwrap()
            .record
            .cold
    );
    let second = rt.invoke("f", "{}".into(), false).await.unwrap();
    assert!(!second.record.cold, "the current request is not cut short");
    tokio::time::sleep(ms(1)).await;
    assert_eq!(rt.environments("f"), 0);
    assert!(
        rt.invoke("f", "{}".into(), false)
            .await
            .unwrap()
            .record
            .cold
    );
    rt.shutdown().await;
}
