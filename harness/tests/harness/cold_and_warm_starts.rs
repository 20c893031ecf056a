//! Cold starts and warm reuse, on scripted environments (no process; tokio's clock is paused,
//! so the measured init and duration are exactly the scripted ones).

use std::sync::Arc;

use lamsim_harness::Status;
use lamsim_harness::launcher::{FunctionScript, ScriptedLauncher};

use crate::common::*;

#[tokio::test(start_paused = true)]
async fn a_cold_start_measures_its_init_and_the_next_call_reuses_the_environment() {
    let launcher =
        Arc::new(ScriptedLauncher::new().script("f", FunctionScript::new(ms(250), ms(40))));
    let rt = scripted(vec![scripted_function("f")], &launcher).await;
    let cold = rt.invoke("f", r#"{"n": 1}"#.into(), false).await.unwrap();
    assert!(cold.record.cold);
    assert_eq!(cold.record.init_ms, Some(250.0));
    assert_eq!(cold.record.duration_ms, 40.0);
    assert_eq!(cold.record.billed_duration_ms, 290, "INIT is billed");
    assert_eq!(cold.record.status, Status::Success);
    assert_eq!(cold.payload, r#"{"n": 1}"#, "the script echoes the event");
    assert_eq!(cold.record.client_latency_ms, 290.0);

    let warm = rt.invoke("f", "{}".into(), false).await.unwrap();
    assert!(!warm.record.cold);
    assert_eq!(warm.record.init_ms, None);
    assert_eq!(warm.record.duration_ms, 40.0);
    assert_eq!(warm.record.billed_duration_ms, 40);
    assert_eq!(warm.record.environment, cold.record.environment);
    assert_eq!(launcher.launches("f"), 1);
    assert_eq!(rt.environments("f"), 1);
    rt.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_forced_cold_call_starts_a_new_environment_beside_the_idle_one() {
    let launcher = Arc::new(ScriptedLauncher::new());
    let rt = scripted(vec![scripted_function("f")], &launcher).await;
    rt.invoke("f", "{}".into(), false).await.unwrap();
    let forced = rt.invoke("f", "{}".into(), true).await.unwrap();
    assert!(forced.record.cold);
    assert_eq!(launcher.launches("f"), 2);
    assert_eq!(rt.environments("f"), 2);
    rt.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn concurrent_calls_each_start_an_environment_and_later_calls_reuse_them() {
    let launcher =
        Arc::new(ScriptedLauncher::new().script("f", FunctionScript::new(ms(100), ms(500))));
    let rt = Arc::new(scripted(vec![scripted_function("f")], &launcher).await);
    let calls: Vec<_> = (0..3)
        .map(|_| {
            let rt = rt.clone();
            tokio::spawn(async move { rt.invoke("f", "{}".into(), false).await.unwrap() })
        })
        .collect();
    let mut envs = Vec::new();
    for c in calls {
        let inv = c.await.unwrap();
        assert!(inv.record.cold);
        envs.push(inv.record.environment);
    }
    envs.sort();
    envs.dedup();
    assert_eq!(envs.len(), 3, "one environment per concurrent call");
    for _ in 0..3 {
        let inv = rt.invoke("f", "{}".into(), false).await.unwrap();
        assert!(!inv.record.cold);
        assert!(envs.contains(&inv.record.environment));
    }
    assert_eq!(launcher.launches("f"), 3);
    rt.shutdown().await;
}
