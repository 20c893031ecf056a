//! The official Node.js runtime interface client (`aws-lambda-ric`, from npm) against the
//! harness, beside the Python one: events, context, errors, init failures, the streaming
//! handler form, and the Node example app (an API handler and an SQS batch worker).

use std::path::Path;

use lamsim_harness::Status;

use crate::common::*;

fn node_function(ric: &str, name: &str, dir: &Path, handler: &str) -> lamsim_sim::model::Function {
    let mut f = function(
        name,
        512,
        vec!["node".into(), ric.to_string(), handler.to_string()],
    );
    f.handler.as_mut().unwrap().cwd = dir.to_path_buf();
    f
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aws_lambda_ric_serves_events_context_and_errors() {
    let Some(ric) = node_ric("aws_lambda_ric_serves_events_context_and_errors") else {
        return;
    };
    let _quiet = cpu_heavy().lock().await;
    let dir = node_handlers_dir();
    let rt = start(vec![
        node_function(&ric, "echo", &dir, "app.echo"),
        node_function(&ric, "context", &dir, "app.context"),
        node_function(&ric, "fail", &dir, "app.fail"),
        node_function(&ric, "missing", &dir, "app.nope"),
    ])
    .await;
    let addr = rt.addr();
    let r = invoke(addr, "echo", &[], r#"{"a":[1,2],"b":"x"}"#).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.json(), serde_json::json!({"a": [1, 2], "b": "x"}));
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
    assert_eq!(c["region"], "us-east-1");
    assert_eq!(c["task_root"], dir.display().to_string());
    let f = invoke(addr, "fail", &[], "{}").await;
    assert_eq!(f.header("X-Amz-Function-Error"), Some("Unhandled"));
    let body = f.json();
    assert_eq!(body["errorType"], "TypeError", "{body}");
    assert_eq!(body["errorMessage"], "failed on purpose");
    assert!(
        body["trace"].is_array() || body["stackTrace"].is_array(),
        "{body}"
    );
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
    assert_eq!(by("echo").status, Status::Success);
    assert!(by("echo").init_ms.unwrap() > 1.0);
    // A Node process with the runtime client loaded is resident in more than 20 MB.
    assert!(by("echo").max_memory_used_mb > 20, "{:?}", by("echo"));
    assert_eq!(by("fail").status, Status::FunctionError);
    assert_eq!(by("fail").error_type.as_deref(), Some("TypeError"));
    assert_eq!(by("missing").status, Status::InitError);
    rt.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aws_lambda_ric_warm_invocations_do_not_stall() {
    let Some(ric) = node_ric("aws_lambda_ric_warm_invocations_do_not_stall") else {
        return;
    };
    let _quiet = cpu_heavy().lock().await;
    let rt = start(vec![node_function(
        &ric,
        "echo",
        &node_handlers_dir(),
        "app.echo",
    )])
    .await;
    rt.invoke("echo", "{}".into(), false).await.unwrap();
    let mut latencies = Vec::new();
    for i in 0..20 {
        let inv = rt
            .invoke("echo", format!(r#"{{"i":{i}}}"#).into(), false)
            .await
            .unwrap();
        assert_eq!(inv.payload, format!(r#"{{"i":{i}}}"#));
        assert!(inv.record.init_ms.is_none(), "warm call {i} was cold");
        latencies.push(inv.record.client_latency_ms);
    }
    latencies.sort_by(f64::total_cmp);
    // The Node client is libcurl-based too: without TCP_NODELAY it waits ~40 ms per request.
    assert!(
        latencies[10] < 20.0,
        "median warm latency {} ms",
        latencies[10]
    );
    rt.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aws_lambda_ric_streams_a_streamify_response_handler() {
    let Some(ric) = node_ric("aws_lambda_ric_streams_a_streamify_response_handler") else {
        return;
    };
    let _quiet = cpu_heavy().lock().await;
    let rt = start(vec![node_function(
        &ric,
        "stream",
        &node_handlers_dir(),
        "app.stream",
    )])
    .await;
    let r = invoke(rt.addr(), "stream", &[], r#"{"chunks": 4, "gap_ms": 50}"#).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(&r.body[..], b"chunk 0\nchunk 1\nchunk 2\nchunk 3\n");
    let rec = &rt.take_records()[0];
    let first = rec
        .first_byte_ms
        .expect("first byte measured: the response was streamed");
    // Three 50 ms gaps separate the first chunk from the last.
    assert!(
        first < rec.duration_ms - 140.0,
        "first {first}, last {}",
        rec.duration_ms
    );
    // InvokeWithResponseStream hands the chunks on as the handler writes them.
    let (status, frames) =
        invoke_stream(rt.addr(), "stream", &[], r#"{"chunks": 4, "gap_ms": 50}"#).await;
    assert_eq!(status, 200);
    let m = messages(&frames);
    let (end, last) = m.last().expect("messages");
    assert_eq!(last.header(":event-type"), Some("InvokeComplete"));
    let text: Vec<u8> = m[..m.len() - 1]
        .iter()
        .flat_map(|(_, c)| c.payload.to_vec())
        .collect();
    assert_eq!(&text[..], b"chunk 0\nchunk 1\nchunk 2\nchunk 3\n");
    assert!(*end - m[0].0 >= std::time::Duration::from_millis(120));
    rt.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_example_api_and_sqs_worker_answer_as_written() {
    let Some(ric) = node_ric("node_example_api_and_sqs_worker_answer_as_written") else {
        return;
    };
    let _quiet = cpu_heavy().lock().await;
    let dir = node_example_dir();
    let rt = start(vec![
        node_function(&ric, "api", &dir, "api.handler"),
        node_function(&ric, "worker", &dir, "worker.handler"),
    ])
    .await;
    let addr = rt.addr();
    let get = invoke(
        addr,
        "api",
        &[],
        r#"{"httpMethod":"GET","path":"/items/abc","queryStringParameters":{"work":"4"}}"#,
    )
    .await
    .json();
    assert_eq!(get["statusCode"], 200, "{get}");
    let body: serde_json::Value = serde_json::from_str(get["body"].as_str().unwrap()).unwrap();
    // "abc" = 97 + 98 + 99 = 294: price 29.4, stock 294 mod 17 = 5.
    assert_eq!(
        body["item"],
        serde_json::json!({"id": "abc", "price": 29.4, "stock": 5})
    );
    assert_eq!(body["meta"]["function"], "api");
    assert_eq!(body["meta"]["memoryMb"], 512);
    let bad = invoke(
        addr,
        "api",
        &[],
        r#"{"httpMethod":"POST","path":"/items","body":"{"}"#,
    )
    .await
    .json();
    assert_eq!(bad["statusCode"], 400, "{bad}");
    let batch = invoke(
        addr,
        "worker",
        &[],
        r#"{"Records":[{"messageId":"m1","body":"{\"orderId\":1,\"amount\":3}"},
                       {"messageId":"m2","body":"not json"},
                       {"messageId":"m3","body":"{\"amount\":1}"}]}"#,
    )
    .await
    .json();
    assert_eq!(
        batch,
        serde_json::json!({"batchItemFailures": [{"itemIdentifier": "m2"}, {"itemIdentifier": "m3"}]})
    );
    rt.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_drives_the_node_example_api_and_its_sqs_worker() {
    use lamsim_harness::load::{self, LoadOptions};
    use lamsim_sim::time::SimTime;
    let Some(ric) = node_ric("load_drives_the_node_example_api_and_its_sqs_worker") else {
        return;
    };
    let _quiet = cpu_heavy().lock().await;
    let dir = node_example_dir();
    let path = dir.join("node-app.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut scenario = lamsim_sim::config::from_str(&text, &dir, "node-app.toml").unwrap();
    // The example's own arrivals and triggers, with the client installed for the tests.
    for f in &mut scenario.functions {
        let handler = if f.name == "api" {
            "api.handler"
        } else {
            "worker.handler"
        };
        f.handler = node_function(&ric, &f.name, &dir, handler).handler;
    }
    let window = SimTime::from_secs(4);
    let opts = LoadOptions {
        window,
        ..LoadOptions::default()
    };
    let seed = scenario.simulation.seed;
    let expected: Vec<usize> = scenario
        .functions
        .iter()
        .map(|f| load::arrival_schedule(f, seed, window).len())
        .collect();
    let progress: load::ProgressFn = std::sync::Arc::new(|_| {});
    let out = load::run(&scenario, &opts, None, progress, std::future::pending())
        .await
        .expect("the load runs");
    let r = &out.report;
    assert_eq!(r.functions.len(), 2, "both functions are driven: {r:#?}");
    let (api, worker) = (&r.functions[0], &r.functions[1]);
    assert_eq!(api.measured.invocations, expected[0] as f64, "{r:#?}");
    assert_eq!(api.simulated.invocations, expected[0] as f64, "{r:#?}");
    assert!(api.measured.queued.is_none());
    // Every SQS message the worker got is a valid order (the default body): all complete, or
    // are in flight at the end; none is redelivered.
    let q = worker.measured.queued.as_ref().expect("the worker's queue");
    assert_eq!(q.arrivals, expected[1] as f64, "{r:#?}");
    assert_eq!(q.completed + q.pending, q.arrivals, "{r:#?}");
    assert!(q.pending <= 1.0, "{r:#?}");
    assert_eq!((q.dead_letters, q.expired), (0.0, 0.0));
    assert_eq!(worker.simulated_error_rate, Some(0.0));
    let qs = worker.simulated.queued.as_ref().expect("simulated queue");
    assert_eq!(qs.arrivals, q.arrivals);
}
