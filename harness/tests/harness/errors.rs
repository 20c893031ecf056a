//! Function errors, crashes, timeouts, out-of-memory kills and init failures, reported as
//! Lambda reports them.

use std::time::{Duration, Instant};

use lamsim_harness::Status;
use lamsim_sim::time::SimTime;

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handler_error_is_unhandled_and_keeps_the_environment() {
    let rt = start(vec![rust_function("faults", "faults", 128)]).await;
    let addr = rt.addr();
    let r = invoke(addr, "faults", &[], r#"{"action":"error"}"#).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("X-Amz-Function-Error"), Some("Unhandled"));
    assert_eq!(r.json()["errorMessage"], "failed on purpose");
    let ok = invoke(addr, "faults", &[], r#"{"x":1}"#).await;
    assert_eq!(ok.status, 200);
    assert_eq!(ok.header("X-Amz-Function-Error"), None);
    let recs = rt.take_records();
    assert_eq!(recs[0].status, Status::FunctionError);
    assert!(
        !recs[1].cold,
        "a handled error does not cost the environment"
    );
    rt.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_is_runtime_exit_error_and_next_call_is_cold() {
    let rt = start(vec![rust_function("faults", "faults", 128)]).await;
    let addr = rt.addr();
    let r = invoke(addr, "faults", &[], r#"{"action":"exit","code":3}"#).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("X-Amz-Function-Error"), Some("Unhandled"));
    let body = r.json();
    assert_eq!(body["errorType"], "Runtime.ExitError");
    assert!(
        body["errorMessage"]
            .as_str()
            .unwrap()
            .ends_with("Error: Runtime exited with error: exit status 3"),
        "{body}"
    );
    let again = invoke(addr, "faults", &[], "{}").await;
    assert_eq!(again.status, 200);
    let recs = rt.take_records();
    assert_eq!(recs[0].status, Status::Crash);
    assert!(recs[1].cold, "the crashed environment is gone");
    rt.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeout_kills_the_environment_and_reports_sandbox_timedout() {
    let mut f = rust_function("faults", "faults", 128);
    f.timeout = SimTime::from_millis(300);
    let rt = start(vec![f]).await;
    let addr = rt.addr();
    invoke(addr, "faults", &[], "{}").await; // warm it up
    let t = Instant::now();
    let r = invoke(addr, "faults", &[], r#"{"action":"sleep","ms":5000}"#).await;
    let took = t.elapsed();
    assert!(
        took >= Duration::from_millis(300) && took < Duration::from_millis(2000),
        "{took:?}"
    );
    assert_eq!(r.header("X-Amz-Function-Error"), Some("Unhandled"));
    let body = r.json();
    assert_eq!(body["errorType"], "Sandbox.Timedout");
    assert!(
        body["errorMessage"]
            .as_str()
            .unwrap()
            .ends_with("Task timed out after 0.30 seconds")
    );
    let next = invoke(addr, "faults", &[], "{}").await;
    assert_eq!(next.status, 200);
    let recs = rt.take_records();
    assert_eq!(recs[1].status, Status::Timeout);
    assert!((recs[1].duration_ms - 300.0).abs() < 1e-6);
    assert!(recs[2].cold, "the next invocation after a timeout is cold");
    assert_ne!(recs[2].environment, recs[1].environment);
    rt.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn init_exit_and_init_timeout_are_reported() {
    let mut exits = rust_function("exits", "faults", 128);
    exits
        .handler
        .as_mut()
        .unwrap()
        .env
        .insert("LAMSIM_FAULT_INIT".into(), "exit".into());
    let mut hangs = rust_function("hangs", "faults", 128);
    hangs
        .handler
        .as_mut()
        .unwrap()
        .env
        .insert("LAMSIM_FAULT_INIT".into(), "hang".into());
    let mut opts = options();
    opts.init_timeout = Duration::from_millis(400);
    let rt = start_with(vec![exits, hangs], opts).await;
    let addr = rt.addr();
    let r = invoke(addr, "exits", &[], "{}").await;
    assert_eq!(r.header("X-Amz-Function-Error"), Some("Unhandled"));
    assert_eq!(r.json()["errorType"], "Runtime.ExitError");
    assert!(
        r.json()["errorMessage"]
            .as_str()
            .unwrap()
            .contains("exit status 7")
    );
    let r = invoke(addr, "hangs", &[], "{}").await;
    assert_eq!(r.json()["errorType"], "Sandbox.Timedout");
    let recs = rt.take_records();
    assert!(recs.iter().all(|r| r.status == Status::InitError && r.cold));
    assert!(recs[1].init_ms.unwrap() >= 400.0);
    // The hung environment is killed; its exit is noticed shortly after.
    for _ in 0..100 {
        if rt.environments("hangs") == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(rt.environments("hangs"), 0);
    rt.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_limit_kill_is_runtime_out_of_memory() {
    // At 128 MB the handler has 7 % of a CPU: touching 128 MB of pages can take longer than
    // the default 3 s timeout on a busy machine, and the timeout would then fire before the
    // memory limit. The rule under test is the memory limit, so the timeout is out of its way.
    let mut f = rust_function("faults", "faults", 128);
    f.timeout = lamsim_sim::time::SimTime::from_secs(60);
    let rt = start(vec![f]).await;
    if rt.cpu_limit() == lamsim_harness::CpuLimit::None {
        crate::skip::unavailable(
            "memory_limit_kill",
            &format!("no cgroups here ({:?})", rt.cpu_limit_reason()),
        );
        return;
    }
    let addr = rt.addr();
    let small = invoke(addr, "faults", &[], r#"{"action":"alloc","mb":16}"#).await;
    assert_eq!(small.status, 200);
    assert_eq!(small.header("X-Amz-Function-Error"), None);
    let r = invoke(addr, "faults", &[], r#"{"action":"alloc","mb":400}"#).await;
    assert_eq!(r.header("X-Amz-Function-Error"), Some("Unhandled"));
    assert_eq!(r.json()["errorType"], "Runtime.OutOfMemory");
    let recs = rt.take_records();
    assert!(recs[0].max_memory_used_mb >= 16, "{:?}", recs[0]);
    assert_eq!(recs[1].status, Status::OutOfMemory);
    assert!(
        recs[1].max_memory_used_mb >= 120,
        "peak near the 128 MB limit: {:?}",
        recs[1]
    );
    rt.shutdown().await;
}

mod scripted_environments {
    use std::sync::Arc;

    use lamsim_harness::Status;
    use lamsim_harness::launcher::{FunctionScript, Init, InitEnd, ScriptedLauncher, Step};

    use crate::common::*;

    #[tokio::test(start_paused = true)]
    async fn a_timeout_destroys_the_environment_and_the_next_call_is_cold() {
        let launcher = Arc::new(ScriptedLauncher::new().script(
            "f",
            FunctionScript::new(ms(50), ms(20)).invocation(Step::Hang),
        ));
        let rt = scripted(vec![scripted_function("f")], &launcher).await;
        let t = rt.invoke("f", "{}".into(), false).await.unwrap();
        assert_eq!(t.record.status, Status::Timeout);
        assert_eq!(t.record.duration_ms, 3_000.0, "the function's timeout");
        assert_eq!(t.record.error_type.as_deref(), Some("Sandbox.Timedout"));
        assert_eq!(t.function_error, Some("Unhandled"));
        let body: serde_json::Value = serde_json::from_slice(&t.payload).unwrap();
        assert!(
            body["errorMessage"]
                .as_str()
                .unwrap()
                .ends_with("Task timed out after 3.00 seconds")
        );
        let next = rt.invoke("f", "{}".into(), false).await.unwrap();
        assert!(next.record.cold);
        assert_ne!(next.record.environment, t.record.environment);
        assert_eq!(next.record.status, Status::Success);
        assert_eq!(rt.environments("f"), 1, "the timed-out one is gone");
        rt.shutdown().await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_crash_is_an_exit_error_and_a_new_environment_takes_the_next_call() {
        let launcher = Arc::new(ScriptedLauncher::new().script(
            "f",
            FunctionScript::new(ms(50), ms(20)).invocation(Step::Crash { after: ms(30) }),
        ));
        let rt = scripted(vec![scripted_function("f")], &launcher).await;
        let c = rt.invoke("f", "{}".into(), false).await.unwrap();
        assert_eq!(c.record.status, Status::Crash);
        assert_eq!(c.record.error_type.as_deref(), Some("Runtime.ExitError"));
        let body: serde_json::Value = serde_json::from_slice(&c.payload).unwrap();
        assert!(
            body["errorMessage"]
                .as_str()
                .unwrap()
                .ends_with("Runtime exited with error: exit status 1"),
            "{body}"
        );
        let next = rt.invoke("f", "{}".into(), false).await.unwrap();
        assert!(next.record.cold);
        assert_eq!(next.record.status, Status::Success);
        assert_eq!(launcher.launches("f"), 2);
        rt.shutdown().await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_function_error_keeps_the_environment_warm() {
        let launcher = Arc::new(ScriptedLauncher::new().script(
            "f",
            FunctionScript::new(ms(50), ms(20)).invocation(Step::Error {
                after: ms(5),
                error_type: "ValueError".into(),
            }),
        ));
        let rt = scripted(vec![scripted_function("f")], &launcher).await;
        let e = rt.invoke("f", "{}".into(), false).await.unwrap();
        assert_eq!(e.record.status, Status::FunctionError);
        assert_eq!(e.record.error_type.as_deref(), Some("ValueError"));
        assert_eq!(e.record.duration_ms, 5.0);
        let next = rt.invoke("f", "{}".into(), false).await.unwrap();
        assert!(!next.record.cold);
        assert_eq!(next.record.environment, e.record.environment);
        rt.shutdown().await;
    }

    #[tokio::test(start_paused = true)]
    async fn init_failures_are_reported_and_the_next_call_tries_a_new_environment() {
        let mut opts = options();
        opts.init_timeout = ms(2_000);
        let launcher = Arc::new(
            ScriptedLauncher::new().script(
                "f",
                FunctionScript::new(ms(70), ms(20))
                    .init(Init {
                        after: ms(30),
                        end: InitEnd::Error("Runtime.HandlerNotFound".into()),
                    })
                    .init(Init {
                        after: ms(40),
                        end: InitEnd::Crash,
                    })
                    .init(Init {
                        after: ms(0),
                        end: InitEnd::Hang,
                    }),
            ),
        );
        // Function timeout = init limit: no second init within the invocation.
        let mut f = scripted_function("f");
        f.timeout = lamsim_sim::time::SimTime::from_secs(2);
        let rt = scripted_with(vec![f], &launcher, opts).await;
        let reported = rt.invoke("f", "{}".into(), false).await.unwrap();
        assert_eq!(reported.record.status, Status::InitError);
        assert_eq!(
            reported.record.error_type.as_deref(),
            Some("Runtime.HandlerNotFound")
        );
        assert_eq!(reported.record.init_ms, Some(30.0));
        let crashed = rt.invoke("f", "{}".into(), false).await.unwrap();
        assert_eq!(
            crashed.record.error_type.as_deref(),
            Some("Runtime.ExitError")
        );
        assert_eq!(crashed.record.init_ms, Some(40.0));
        let hung = rt.invoke("f", "{}".into(), false).await.unwrap();
        assert_eq!(hung.record.error_type.as_deref(), Some("Sandbox.Timedout"));
        assert_eq!(hung.record.init_ms, Some(2_000.0), "the init timeout");
        let ok = rt.invoke("f", "{}".into(), false).await.unwrap();
        assert_eq!(ok.record.status, Status::Success);
        assert_eq!(ok.record.init_ms, Some(70.0));
        assert_eq!(launcher.launches("f"), 4);
        tokio::time::sleep(ms(1)).await;
        assert_eq!(rt.environments("f"), 1, "failed environments are gone");
        rt.shutdown().await;
    }
}

mod suppressed_init {
    use std::sync::Arc;

    use lamsim_harness::Status;
    use lamsim_harness::launcher::{FunctionScript, Init, InitEnd, ScriptedLauncher};

    use crate::common::*;

    #[tokio::test(start_paused = true)]
    async fn an_init_past_the_limit_is_tried_again_within_the_function_timeout() {
        // Init limit 1 s, function timeout 3 s: the first init hangs, is stopped at 1 s, and
        // a second one (1.5 s) runs within the invocation, counted in its duration.
        let mut opts = options();
        opts.init_timeout = ms(1_000);
        let launcher = Arc::new(ScriptedLauncher::new().script(
            "f",
            FunctionScript::new(ms(1_500), ms(200)).init(Init {
                after: ms(0),
                end: InitEnd::Hang,
            }),
        ));
        let rt = scripted_with(vec![scripted_function("f")], &launcher, opts).await;
        let inv = rt.invoke("f", "{}".into(), false).await.unwrap();
        assert_eq!(inv.record.status, Status::Success);
        assert!(inv.record.cold);
        assert_eq!(inv.record.init_ms, None, "no Init Duration, as on AWS");
        assert_eq!(inv.record.duration_ms, 1_700.0, "second init + handler");
        assert_eq!(inv.record.billed_duration_ms, 1_700);
        assert_eq!(launcher.launches("f"), 2);
        let warm = rt.invoke("f", "{}".into(), false).await.unwrap();
        assert!(!warm.record.cold);
        assert_eq!(warm.record.duration_ms, 200.0);
        rt.shutdown().await;
    }
}
