//! `Runtime::shutdown` ends every environment, idle or busy, and refuses new calls.

use std::sync::Arc;

use lamsim_harness::launcher::{FunctionScript, ScriptedLauncher};
use lamsim_harness::{InvokeError, Status};

use crate::common::*;

#[tokio::test(start_paused = true)]
async fn shutdown_ends_idle_and_busy_environments_and_refuses_new_calls() {
    let launcher =
        Arc::new(ScriptedLauncher::new().script("f", FunctionScript::new(ms(10), ms(5_000))));
    let mut f = scripted_function("f");
    f.timeout = lamsim_sim::time::SimTime::from_secs(60);
    let rt = Arc::new(scripted(vec![f, scripted_function("g")], &launcher).await);
    rt.invoke("g", "{}".into(), false).await.unwrap();
    let busy = {
        let rt = rt.clone();
        tokio::spawn(async move { rt.invoke("f", "{}".into(), false).await.unwrap() })
    };
    tokio::time::sleep(ms(100)).await;
    assert_eq!((rt.environments("f"), rt.environments("g")), (1, 1));
    rt.shutdown().await;
    assert_eq!((rt.environments("f"), rt.environments("g")), (0, 0));
    let cut = busy.await.unwrap();
    assert_eq!(
        cut.record.status,
        Status::Crash,
        "its environment was stopped"
    );
    assert_eq!(
        rt.invoke("g", "{}".into(), false).await.unwrap_err(),
        InvokeError::ShuttingDown
    );
}

#[tokio::test(start_paused = true)]
async fn queued_events_that_never_ran_are_reported_at_shutdown() {
    let launcher =
        Arc::new(ScriptedLauncher::new().script("f", FunctionScript::new(ms(10), ms(5_000))));
    let mut f = scripted_function("f");
    f.reserved_concurrency = Some(1);
    f.timeout = lamsim_sim::time::SimTime::from_secs(60);
    let rt = Arc::new(scripted(vec![f], &launcher).await);
    let first = rt.invoke_event("f", "{}".into()).unwrap();
    tokio::time::sleep(ms(100)).await;
    // The slot is taken by the first: these two wait in the queue.
    let mut queued = vec![
        rt.invoke_event("f", "{}".into()).unwrap(),
        rt.invoke_event("f", "{}".into()).unwrap(),
    ];
    queued.sort();
    tokio::time::sleep(ms(100)).await;
    let dropped = rt.shutdown().await;
    assert_eq!(dropped, queued);
    assert!(
        !dropped.contains(&first),
        "the running one is not counted as dropped"
    );
}
