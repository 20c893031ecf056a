//! The Invoke API: sync, Event and DryRun invocations, names and ARNs, log tails, errors.

use std::time::Duration;

use base64::Engine;

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_invoke_cold_then_warm() {
    let rt = start(vec![rust_function("echo", "echo", 256)]).await;
    let addr = rt.addr();
    let r = invoke(addr, "echo", &[], r#"{"hello":"world"}"#).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), serde_json::json!({"hello": "world"}));
    assert_eq!(r.header("X-Amz-Executed-Version"), Some("$LATEST"));
    assert_eq!(r.header("X-Amz-Function-Error"), None);
    assert!(r.header("x-amzn-RequestId").is_some());
    let r2 = invoke(addr, "echo", &[], r#"[1,2]"#).await;
    assert_eq!(r2.json(), serde_json::json!([1, 2]));
    let recs = rt.take_records();
    assert_eq!(recs.len(), 2);
    assert!(recs[0].cold && recs[0].init_ms.unwrap() > 0.0);
    assert!(!recs[1].cold && recs[1].init_ms.is_none());
    assert_eq!(
        recs[0].environment, recs[1].environment,
        "the warm call reuses the environment"
    );
    assert_eq!(recs[1].request_id, r2.header("x-amzn-RequestId").unwrap());
    assert!(recs[1].duration_ms > 0.0 && recs[1].duration_ms <= recs[1].client_latency_ms);
    assert!(recs[1].max_memory_used_mb > 0);
    rt.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_arns_and_qualifiers_reach_the_function() {
    let rt = start(vec![rust_function("echo", "echo", 128)]).await;
    let addr = rt.addr();
    for name in [
        "echo",
        "echo%3A%24LATEST",
        "arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Aecho",
        "000000000000%3Afunction%3Aecho%3A%24LATEST",
    ] {
        let r = invoke(addr, name, &[], "{}").await;
        assert_eq!(r.status, 200, "{name}");
    }
    // The harness has no published version or alias: as on AWS, naming one is a 404.
    for name in ["echo%3Alive", "echo%3A1"] {
        let r = invoke(addr, name, &[], "{}").await;
        assert_eq!(r.status, 404, "{name}");
        assert_eq!(
            r.header("X-Amzn-ErrorType"),
            Some("ResourceNotFoundException")
        );
    }
    let path = |q: &str| format!("/2015-03-31/functions/echo/invocations?Qualifier={q}");
    assert_eq!(post(addr, &path("%24LATEST"), &[], b"{}").await.status, 200);
    assert_eq!(post(addr, &path("live"), &[], b"{}").await.status, 404);
    // The Qualifier parameter applies to a partial ARN as to a name or an ARN.
    let with =
        |name: &str, q: &str| format!("/2015-03-31/functions/{name}/invocations?Qualifier={q}");
    let partial = "000000000000%3Afunction%3Aecho";
    assert_eq!(
        post(addr, &with(partial, "%24LATEST"), &[], b"{}")
            .await
            .status,
        200
    );
    assert_eq!(
        post(addr, &with(partial, "7"), &[], b"{}").await.status,
        404
    );
    // A name whose own qualifier differs from the parameter is refused, as AWS does.
    let arn = "arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Aecho%3A%24LATEST";
    for name in [
        "echo%3A%24LATEST",
        "000000000000%3Afunction%3Aecho%3A%24LATEST",
        arn,
    ] {
        let r = post(addr, &with(name, "prod"), &[], b"{}").await;
        assert_eq!(r.status, 400, "{name}");
        assert_eq!(
            r.header("X-Amzn-ErrorType"),
            Some("InvalidParameterValueException"),
            "{name}"
        );
        assert_eq!(
            post(addr, &with(name, "%24LATEST"), &[], b"{}")
                .await
                .status,
            200
        );
    }
    rt.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_function_is_404_resource_not_found() {
    let rt = start(vec![rust_function("echo", "echo", 128)]).await;
    let r = invoke(rt.addr(), "nope", &[], "{}").await;
    assert_eq!(r.status, 404);
    assert_eq!(
        r.header("X-Amzn-ErrorType"),
        Some("ResourceNotFoundException")
    );
    assert_eq!(
        r.json()["Message"],
        "Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope"
    );
    assert!(r.header("x-amzn-RequestId").is_some());
    // A path that is no operation is refused with a request id too, as every AWS answer is.
    let r = post(rt.addr(), "/", &[], b"{}").await;
    assert_eq!(r.status, 404);
    assert_eq!(
        r.header("X-Amzn-ErrorType"),
        Some("UnknownOperationException")
    );
    assert!(
        r.header("x-amzn-RequestId")
            .is_some_and(|id| id.len() == 36),
        "{:?}",
        r.headers
    );
    rt.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_is_204_and_starts_nothing() {
    let rt = start(vec![rust_function("echo", "echo", 128)]).await;
    let addr = rt.addr();
    let r = invoke(addr, "echo", &[("X-Amz-Invocation-Type", "DryRun")], "{}").await;
    assert_eq!(r.status, 204);
    assert_eq!(rt.environments("echo"), 0);
    let r = invoke(addr, "nope", &[("X-Amz-Invocation-Type", "DryRun")], "{}").await;
    assert_eq!(r.status, 404);
    rt.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn event_is_202_then_runs() {
    let rt = start(vec![rust_function("echo", "echo", 128)]).await;
    let addr = rt.addr();
    let r = invoke(
        addr,
        "echo",
        &[("X-Amz-Invocation-Type", "Event")],
        r#"{"a":1}"#,
    )
    .await;
    assert_eq!(r.status, 202);
    assert!(r.body.is_empty());
    let id = r.header("x-amzn-RequestId").unwrap().to_string();
    let mut recs = Vec::new();
    for _ in 0..200 {
        recs.extend(rt.take_records());
        if !recs.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(recs.len(), 1, "the queued event ran");
    assert_eq!(recs[0].request_id, id);
    assert_eq!(
        recs[0].invocation_type,
        lamsim_harness::InvocationType::Event
    );
    rt.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payload_limits_and_bad_json() {
    let rt = start(vec![rust_function("echo", "echo", 128)]).await;
    let addr = rt.addr();
    // 6 MB + 1 byte of valid JSON (a string).
    let big = format!("\"{}\"", "x".repeat(6 * 1024 * 1024 - 1));
    let r = invoke(addr, "echo", &[], &big).await;
    assert_eq!(r.status, 413);
    assert_eq!(
        r.header("X-Amzn-ErrorType"),
        Some("RequestEntityTooLargeException")
    );
    // 1 MB + 1 byte as an Event.
    let big = format!("\"{}\"", "x".repeat(1024 * 1024 - 1));
    let r = invoke(addr, "echo", &[("X-Amz-Invocation-Type", "Event")], &big).await;
    assert_eq!(r.status, 413);
    // Exactly 1 MB is accepted.
    let ok = format!("\"{}\"", "x".repeat(1024 * 1024 - 2));
    let r = invoke(addr, "echo", &[], &ok).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body.len(), 1024 * 1024);
    let r = invoke(addr, "echo", &[], "{not json").await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.header("X-Amzn-ErrorType"),
        Some("InvalidRequestContentException")
    );
    // JSON is UTF-8: a string holding other bytes is not JSON either, sync or Event.
    for kind in ["RequestResponse", "Event"] {
        let r = post(
            addr,
            "/2015-03-31/functions/echo/invocations",
            &[("X-Amz-Invocation-Type", kind)],
            b"{\"a\":\"\xff\"}",
        )
        .await;
        assert_eq!(r.status, 400, "{kind}");
        assert_eq!(
            r.header("X-Amzn-ErrorType"),
            Some("InvalidRequestContentException"),
            "{kind}"
        );
    }
    // A body that ends before its Content-Length is a bad request, not a large one.
    let mut c = tokio::net::TcpStream::connect(addr).await.unwrap();
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    c.write_all(
        b"POST /2015-03-31/functions/echo/invocations HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"a\":1}",
    )
    .await
    .unwrap();
    c.shutdown().await.unwrap();
    let mut reply = String::new();
    c.read_to_string(&mut reply).await.unwrap();
    assert!(reply.starts_with("HTTP/1.1 400"), "{reply}");
    assert!(reply.contains("InvalidRequestContentException"), "{reply}");
    rt.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_tail_holds_the_invocations_log() {
    let rt = start(vec![rust_function("faults", "faults", 128)]).await;
    let addr = rt.addr();
    let r = invoke(
        addr,
        "faults",
        &[("X-Amz-Log-Type", "Tail")],
        r#"{"action":"log","lines":3}"#,
    )
    .await;
    assert_eq!(r.status, 200);
    let id = r.header("x-amzn-RequestId").unwrap().to_string();
    let tail = base64::engine::general_purpose::STANDARD
        .decode(r.header("X-Amz-Log-Result").expect("log tail"))
        .unwrap();
    let tail = String::from_utf8(tail).unwrap();
    let lines: Vec<&str> = tail.lines().collect();
    assert_eq!(lines[0], format!("START RequestId: {id} Version: $LATEST"));
    assert_eq!(&lines[1..4], ["log line 0", "log line 1", "log line 2"]);
    assert_eq!(lines[4], format!("END RequestId: {id}"));
    assert!(lines[5].starts_with(&format!("REPORT RequestId: {id}\tDuration: ")));
    assert!(
        lines[5].contains("\tInit Duration: "),
        "first call is cold: {}",
        lines[5]
    );
    // A long log is cut to its last 4 KB.
    let r = invoke(
        addr,
        "faults",
        &[("X-Amz-Log-Type", "Tail")],
        r#"{"action":"log","lines":2000}"#,
    )
    .await;
    let tail = base64::engine::general_purpose::STANDARD
        .decode(r.header("X-Amz-Log-Result").unwrap())
        .unwrap();
    assert_eq!(tail.len(), 4096);
    assert!(String::from_utf8_lossy(&tail).contains("log line 1999\nEND RequestId"));
    // Without Tail there is no header.
    let r = invoke(addr, "faults", &[], r#"{"action":"log"}"#).await;
    assert!(r.header("X-Amz-Log-Result").is_none());
    rt.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_file_and_records_file_hold_every_invocation() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut opts = options();
    opts.log_file = Some(dir.join("serve.log"));
    opts.records_file = Some(dir.join("invocations.jsonl"));
    let rt = start_with(vec![rust_function("faults", "faults", 256)], opts).await;
    let addr = rt.addr();
    invoke(addr, "faults", &[], r#"{"action":"log","lines":1}"#).await;
    invoke(addr, "faults", &[], r#"{"action":"error"}"#).await;
    let kept = rt.take_records();
    rt.shutdown().await;
    let jsonl = std::fs::read_to_string(dir.join("invocations.jsonl")).unwrap();
    let from_file: Vec<lamsim_harness::InvocationRecord> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(from_file, kept);
    let log = std::fs::read_to_string(dir.join("serve.log")).unwrap();
    let lines: Vec<&str> = log.lines().collect();
    let id0 = &kept[0].request_id;
    assert_eq!(lines[0], format!("START RequestId: {id0} Version: $LATEST"));
    assert_eq!(lines[1], "log line 0");
    assert_eq!(lines[2], format!("END RequestId: {id0}"));
    assert!(lines[3].starts_with(&format!("REPORT RequestId: {id0}\tDuration: ")));
    assert!(lines[3].contains("\tMemory Size: 256 MB\tMax Memory Used: "));
    assert!(lines[3].contains("\tInit Duration: "));
    let report1 = lines
        .iter()
        .find(|l| l.starts_with(&format!("REPORT RequestId: {}", kept[1].request_id)))
        .unwrap();
    assert!(!report1.contains("Init Duration"), "warm: {report1}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_cgroups_it_serves_and_says_so() {
    let mut opts = options();
    opts.cgroups = false;
    let rt = start_with(vec![rust_function("echo", "echo", 128)], opts).await;
    assert_eq!(rt.cpu_limit(), lamsim_harness::CpuLimit::None);
    assert!(rt.cpu_limit_reason().is_some());
    let inv = rt.invoke("echo", "{}".into(), false).await.unwrap();
    assert_eq!(inv.record.cpu_limit, lamsim_harness::CpuLimit::None);
    assert!(inv.record.max_memory_used_mb > 0, "VmHWM without a cgroup");
    rt.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_client_context_is_refused_and_never_reaches_the_runtime() {
    use base64::Engine;
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let rt = start(vec![rust_function("echo", "echo", 128)]).await;
    let addr = rt.addr();
    for bad in [
        b64("not json"),
        b64("{\"a\":1}\r\nX-Evil: 1"),
        "%%%".to_string(),
    ] {
        let r = invoke(addr, "echo", &[("X-Amz-Client-Context", &bad)], "{}").await;
        assert_eq!(r.status, 400, "{bad}");
        assert_eq!(
            r.header("X-Amzn-ErrorType"),
            Some("InvalidRequestContentException")
        );
        assert_eq!(r.json()["Type"], "User");
    }
    assert_eq!(
        rt.environments("echo"),
        0,
        "refused before any environment started"
    );
    // CR/LF between JSON tokens are fine: the runtime gets the compact JSON.
    let ok = b64("{\r\n \"custom\": {\"k\": \"v\"}\r\n}");
    for _ in 0..2 {
        let r = invoke(addr, "echo", &[("X-Amz-Client-Context", &ok)], "{}").await;
        assert_eq!(r.status, 200);
        assert_eq!(r.header("X-Amz-Function-Error"), None);
    }
    let recs = rt.take_records();
    assert_eq!(
        recs.iter().map(|r| r.cold).collect::<Vec<_>>(),
        [true, false],
        "the environment survived"
    );
    rt.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn responses_up_to_awss_limit_of_6291556_bytes_pass() {
    let rt = start(vec![rust_function("faults", "faults", 256)]).await;
    let addr = rt.addr();
    let r = invoke(
        addr,
        "faults",
        &[],
        r#"{"action": "big", "bytes": 6291556}"#,
    )
    .await;
    assert_eq!(r.header("X-Amz-Function-Error"), None);
    assert_eq!(r.body.len(), 6_291_556);
    let r = invoke(
        addr,
        "faults",
        &[],
        r#"{"action": "big", "bytes": 6291557}"#,
    )
    .await;
    assert_eq!(r.header("X-Amz-Function-Error"), Some("Unhandled"));
    assert_eq!(r.json()["errorType"], "Function.ResponseSizeTooLarge");
    rt.shutdown().await;
}

/// Waits until `n` records have been taken (or 10 s pass).
async fn records(rt: &Served, n: usize) -> Vec<lamsim_harness::InvocationRecord> {
    let mut recs = Vec::new();
    for _ in 0..400 {
        recs.extend(rt.take_records());
        if recs.len() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    recs
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_event_is_retried_after_the_delays_then_sent_to_the_destination() {
    // max-retries 1 on the function's async trigger, delays shortened to 200 ms / 400 ms: the
    // failing event runs twice with the same request id, 200 ms apart at least, and the log
    // says so; a succeeding event runs once.
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("serve.log");
    let mut f = rust_function("faults", "faults", 128);
    f.trigger_form = true;
    f.triggers[0].name = "s3".into();
    f.triggers[0].kind =
        lamsim_sim::model::TriggerKind::Async(lamsim_sim::model::trigger::AsyncTrigger {
            max_retries: 1,
            max_event_age: lamsim_sim::time::SimTime::from_secs(3600),
            event_size_kb: 1,
        });
    let mut opts = options();
    opts.async_retry_delays = [Duration::from_millis(200), Duration::from_millis(400)];
    opts.log_file = Some(log.clone());
    let rt = start_with(vec![f], opts).await;
    let addr = rt.addr();
    let event = [("X-Amz-Invocation-Type", "Event")];
    let r = invoke(addr, "faults", &event, r#"{"action":"error"}"#).await;
    assert_eq!(r.status, 202);
    let id = r.header("x-amzn-RequestId").unwrap().to_string();
    let recs = records(&rt, 2).await;
    assert_eq!(recs.len(), 2, "one try and one retry");
    assert!(recs.iter().all(|r| r.request_id == id));
    assert!(
        recs.iter()
            .all(|r| r.status == lamsim_harness::Status::FunctionError)
    );
    let gap = recs[1].timestamp_ms as i64 - recs[0].timestamp_ms as i64;
    assert!(gap >= 200, "retried {gap} ms after the first try");
    // No third try: max-retries is 1.
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(rt.take_records().is_empty());
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        text.contains(&format!(
            "ASYNC RequestId: {id}\tStatus: FunctionError\tRetry 1 of 1 in 0.200 s"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!("ASYNC RequestId: {id}\tStatus: FunctionError\tSent to the on-failure destination after 1 retries")),
        "{text}"
    );
    let ok = invoke(addr, "faults", &event, r#"{"action":"echo"}"#).await;
    assert_eq!(ok.status, 202);
    let recs = records(&rt, 1).await;
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0].status, lamsim_harness::Status::Success);
    rt.shutdown().await;
}
