//! `Runtime::retire_idle` stops every idle environment (what `lamsim bench` uses to force
//! fresh cold starts), and the next invocation starts a new one.

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retired_environments_are_gone_and_the_next_invocation_is_cold() {
    let rt = start(vec![rust_function("echo", "echo", 256)]).await;
    for _ in 0..3 {
        let inv = rt.invoke("echo", "{}".into(), true).await.unwrap();
        assert!(inv.record.cold);
    }
    assert_eq!(rt.environments("echo"), 3);
    assert_eq!(rt.retire_idle("echo").await, 3);
    assert_eq!(
        rt.environments("echo"),
        0,
        "retire_idle waits for the exits"
    );
    assert_eq!(rt.retire_idle("nope").await, 0);
    let next = rt.invoke("echo", "{}".into(), false).await.unwrap();
    assert!(next.record.cold, "no idle environment is left to reuse");
    assert_eq!(next.function_error, None);
    let warm = rt.invoke("echo", "{}".into(), false).await.unwrap();
    assert!(!warm.record.cold);
    rt.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn retire_idle_leaves_busy_scripted_environments_alone() {
    let launcher = std::sync::Arc::new(lamsim_harness::launcher::ScriptedLauncher::new().script(
        "f",
        lamsim_harness::launcher::FunctionScript::new(ms(10), ms(1_000)),
    ));
    let rt = std::sync::Arc::new(scripted(vec![scripted_function("f")], &launcher).await);
    rt.invoke("f", "{}".into(), true).await.unwrap();
    rt.invoke("f", "{}".into(), true).await.unwrap();
    let busy = {
        let rt = rt.clone();
        tokio::spawn(async move { rt.invoke("f", "{}".into(), true).await.unwrap() })
    };
    tokio::time::sleep(ms(500)).await;
    assert_eq!(rt.environments("f"), 3);
    assert_eq!(rt.retire_idle("f").await, 2, "the two idle ones");
    assert_eq!(rt.environments("f"), 1, "the busy one stays");
    let done = busy.await.unwrap();
    assert_eq!(done.function_error, None, "and finishes its request");
    let next = rt.invoke("f", "{}".into(), false).await.unwrap();
    assert!(!next.record.cold);
    assert_eq!(next.record.environment, done.record.environment);
    rt.shutdown().await;
}
