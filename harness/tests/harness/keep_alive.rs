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
    let addr = rt.invoke_api_addr().unwrap();
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
    let addr = rt.invoke_api_addr().unwrap();
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
    let addr = rt.invoke_api_addr().unwrap();
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
