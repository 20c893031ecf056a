//! Concurrency limits: reserved concurrency and the account pool throttle with 429
//! `TooManyRequestsException`, as AWS does.

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reserved_concurrency_throttles_the_extra_request() {
    let mut f = rust_function("slow", "io-wait", 128);
    f.reserved_concurrency = Some(2);
    let rt = start(vec![f]).await;
    let addr = rt.addr();
    let calls: Vec<_> = (0..3)
        .map(|i| {
            tokio::spawn(async move {
                // Stagger so that the third arrives while the first two run.
                tokio::time::sleep(std::time::Duration::from_millis(i * 150)).await;
                invoke(addr, "slow", &[], r#"{"wait_ms": 1500}"#).await
            })
        })
        .collect();
    let mut statuses = Vec::new();
    let mut throttled = None;
    for c in calls {
        let r = c.await.unwrap();
        statuses.push(r.status);
        if r.status == 429 {
            throttled = Some(r);
        }
    }
    assert_eq!(statuses, [200, 200, 429]);
    let t = throttled.unwrap();
    assert_eq!(
        t.header("X-Amzn-ErrorType"),
        Some("TooManyRequestsException")
    );
    assert_eq!(
        t.json(),
        serde_json::json!({"Type": "User", "message": "Rate Exceeded.",
                           "Reason": "ReservedFunctionConcurrentInvocationLimitExceeded"})
    );
    // The slots are free again.
    assert_eq!(
        invoke(addr, "slow", &[], r#"{"wait_ms": 1}"#).await.status,
        200
    );
    rt.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn account_pool_is_shared_by_unreserved_functions() {
    // Account limit 3 with 2 reserved for `r`: `a` and `b` share 1.
    let mut r = rust_function("r", "io-wait", 128);
    r.reserved_concurrency = Some(2);
    let a = rust_function("a", "io-wait", 128);
    let b = rust_function("b", "io-wait", 128);
    let mut opts = options();
    opts.concurrency_limit = 3;
    let rt = start_with(vec![r, a, b], opts).await;
    let addr = rt.addr();
    let first = tokio::spawn(async move { invoke(addr, "a", &[], r#"{"wait_ms": 1500}"#).await });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let second = invoke(addr, "b", &[], r#"{"wait_ms": 1}"#).await;
    assert_eq!(second.status, 429);
    assert_eq!(second.json()["Reason"], "ConcurrentInvocationLimitExceeded");
    // The reserved function is not affected.
    assert_eq!(
        invoke(addr, "r", &[], r#"{"wait_ms": 1}"#).await.status,
        200
    );
    assert_eq!(first.await.unwrap().status, 200);
    rt.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_wait_for_a_slot_instead_of_being_throttled() {
    let mut f = rust_function("slow", "io-wait", 128);
    f.reserved_concurrency = Some(1);
    let rt = start(vec![f]).await;
    let addr = rt.addr();
    let sync = tokio::spawn(async move { invoke(addr, "slow", &[], r#"{"wait_ms": 600}"#).await });
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let ev = invoke(
        addr,
        "slow",
        &[("X-Amz-Invocation-Type", "Event")],
        r#"{"wait_ms": 1}"#,
    )
    .await;
    assert_eq!(ev.status, 202, "queued, not throttled");
    assert_eq!(sync.await.unwrap().status, 200);
    let mut recs = Vec::new();
    for _ in 0..200 {
        recs.extend(rt.take_records());
        if recs.len() == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(recs.len(), 2);
    let event = recs
        .iter()
        .find(|r| r.invocation_type == lamsim_harness::InvocationType::Event)
        .unwrap();
    // It waited for the 600 ms call to finish, then ran on the freed (warm) environment.
    assert!(event.client_latency_ms > 300.0, "{event:?}");
    assert!(!event.cold);
    rt.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn scripted_reserved_and_account_limits_throttle_exactly_at_the_limit() {
    use lamsim_harness::launcher::{FunctionScript, ScriptedLauncher};
    use std::sync::Arc;
    // Account limit 4, `r` reserves 3: `a` and `b` share the 1 left.
    let mut r = scripted_function("r");
    r.reserved_concurrency = Some(3);
    let slow = FunctionScript::new(ms(10), ms(1_000));
    let launcher = Arc::new(
        ScriptedLauncher::new()
            .script("r", slow.clone())
            .script("a", slow.clone())
            .script("b", slow),
    );
    let mut opts = options();
    opts.concurrency_limit = 4;
    let rt = Arc::new(
        scripted_with(
            vec![r, scripted_function("a"), scripted_function("b")],
            &launcher,
            opts,
        )
        .await,
    );
    let spawn = |name: &'static str| {
        let rt = rt.clone();
        tokio::spawn(async move { rt.invoke(name, "{}".into(), false).await })
    };
    let running: Vec<_> = ["r", "r", "r", "a"].into_iter().map(spawn).collect();
    tokio::time::sleep(ms(100)).await;
    let reserved = rt.invoke("r", "{}".into(), false).await.unwrap_err();
    assert_eq!(reserved.status(), 429);
    assert_eq!(
        reserved.body()["Reason"],
        "ReservedFunctionConcurrentInvocationLimitExceeded"
    );
    let pool = rt.invoke("b", "{}".into(), false).await.unwrap_err();
    assert_eq!(pool.body()["Reason"], "ConcurrentInvocationLimitExceeded");
    for c in running {
        assert_eq!(c.await.unwrap().unwrap().function_error, None);
    }
    // Every slot is free again.
    assert!(rt.invoke("b", "{}".into(), false).await.is_ok());
    assert!(rt.invoke("r", "{}".into(), false).await.is_ok());
    rt.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_that_hang_up_mid_invocation_leak_no_slot() {
    use tokio::io::AsyncWriteExt;
    // Reserved concurrency 2; two clients send a 600 ms invocation and hang up after 100 ms.
    let mut f = rust_function("slow", "io-wait", 128);
    f.reserved_concurrency = Some(2);
    let rt = start(vec![f]).await;
    let addr = rt.addr();
    let body = r#"{"wait_ms": 600}"#;
    let request = format!(
        "POST /2015-03-31/functions/slow/invocations HTTP/1.1\r\nHost: {addr}\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let mut clients = Vec::new();
    for _ in 0..2 {
        let mut c = tokio::net::TcpStream::connect(addr).await.unwrap();
        c.write_all(request.as_bytes()).await.unwrap();
        clients.push(c);
    }
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    drop(clients);
    // As on AWS, both invocations run to the end and are recorded (hang guard: 10 s).
    let mut recs = Vec::new();
    for _ in 0..500 {
        recs.extend(rt.take_records());
        if recs.len() == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(recs.len(), 2, "{recs:?}");
    assert!(
        recs.iter()
            .all(|r| r.status == lamsim_harness::Status::Success)
    );
    // Their slots are free: two more calls run at once, and both environments are reused.
    let a = tokio::spawn(async move { invoke(addr, "slow", &[], r#"{"wait_ms": 200}"#).await });
    let b = invoke(addr, "slow", &[], r#"{"wait_ms": 200}"#).await;
    assert_eq!((a.await.unwrap().status, b.status), (200, 200));
    assert_eq!(rt.environments("slow"), 2);
    rt.shutdown().await;
}
