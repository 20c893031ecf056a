//! The official Python runtime interface client (`awslambdaric`, from PyPI) against the
//! harness: events, context, errors and init failures.

use lamsim_harness::Status;

use crate::common::*;

pub fn py_function(python: &str, name: &str, handler: &str) -> lamsim_sim::model::Function {
    let mut f = function(
        name,
        512,
        vec![
            python.to_string(),
            "-m".into(),
            "awslambdaric".into(),
            handler.to_string(),
        ],
    );
    let h = f.handler.as_mut().unwrap();
    h.cwd = python_handlers_dir();
    // Handlers get none of the host's variables: keep the source tree free of __pycache__.
    h.env.insert("PYTHONDONTWRITEBYTECODE".into(), "1".into());
    f
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn awslambdaric_serves_events_context_and_errors() {
    let Some(py) = python("awslambdaric_serves_events_context_and_errors") else {
        return;
    };
    let _quiet = cpu_heavy().lock().await;
    let rt = start(vec![
        py_function(&py, "transform", "app.transform"),
        py_function(&py, "context", "app.context"),
        py_function(&py, "fail", "app.fail"),
        py_function(&py, "missing", "app.nope"),
    ])
    .await;
    let addr = rt.addr();
    let r = invoke(
        addr,
        "transform",
        &[],
        r#"{"records":[{"category":"b","amount":2},{"category":"a","amount":1.5},{"category":"b","amount":0.5}]}"#,
    )
    .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(
        r.json(),
        serde_json::json!({"groups": [{"category": "a", "count": 1, "total": 1.5},
                                      {"category": "b", "count": 2, "total": 2.5}],
                           "records": 3, "total": 4.0})
    );
    // Warm call, and what the runtime saw.
    let c = invoke(addr, "context", &[], "{}").await.json();
    assert_eq!(c["function_name"], "context");
    assert_eq!(c["memory_limit_in_mb"], "512");
    assert_eq!(
        c["invoked_function_arn"],
        "arn:aws:lambda:us-east-1:000000000000:function:context"
    );
    let remaining = c["remaining_ms"].as_i64().unwrap();
    assert!(remaining > 2000 && remaining <= 3000, "{remaining}");
    assert_eq!(c["handler"], "app.context");
    let f = invoke(addr, "fail", &[], "{}").await;
    assert_eq!(f.header("X-Amz-Function-Error"), Some("Unhandled"));
    let body = f.json();
    assert_eq!(body["errorType"], "ValueError");
    assert_eq!(body["errorMessage"], "failed on purpose");
    assert!(body["stackTrace"].is_array());
    let m = invoke(addr, "missing", &[], "{}").await;
    assert_eq!(m.header("X-Amz-Function-Error"), Some("Unhandled"));
    assert_eq!(
        m.json()["errorType"],
        "Runtime.HandlerNotFound",
        "{}",
        m.json()
    );
    let recs = rt.take_records();
    let by = |n: &str| recs.iter().find(|r| r.function == n).unwrap().clone();
    assert_eq!(by("transform").status, Status::Success);
    assert!(by("transform").init_ms.unwrap() > 1.0);
    // An interpreter with awslambdaric loaded is resident in more than 8 MB.
    assert!(
        by("transform").max_memory_used_mb > 8,
        "{:?}",
        by("transform")
    );
    assert_eq!(by("fail").status, Status::FunctionError);
    assert_eq!(by("fail").error_type.as_deref(), Some("ValueError"));
    assert_eq!(by("missing").status, Status::InitError);
    rt.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn awslambdaric_warm_invocations_do_not_stall() {
    let Some(py) = python("awslambdaric_warm_invocations_do_not_stall") else {
        return;
    };
    let _quiet = cpu_heavy().lock().await;
    let rt = start(vec![py_function(&py, "echo", "app.echo")]).await;
    rt.invoke("echo", "{}".into(), false).await.unwrap();
    let mut durations = Vec::new();
    for i in 0..20 {
        let inv = rt
            .invoke("echo", format!(r#"{{"i":{i}}}"#).into(), false)
            .await
            .unwrap();
        assert_eq!(inv.payload, format!(r#"{{"i": {i}}}"#));
        durations.push(inv.record.client_latency_ms);
    }
    durations.sort_by(f64::total_cmp);
    // Without TCP_NODELAY and one-piece writes libcurl waits ~40 ms for delayed ACKs.
    assert!(
        durations[10] < 20.0,
        "median warm latency {} ms",
        durations[10]
    );
    rt.shutdown().await;
}
