//! The Runtime API as a runtime sees it: `/next` headers, environment variables, status codes
//! for unknown and repeated request ids and for a late `/init/error` (probed by a raw client).

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn next_headers_env_and_status_codes() {
    let mut f = rust_function("probe", "probe", 512);
    f.timeout = lamsim_sim::time::SimTime::from_secs(7);
    let rt = start(vec![f]).await;
    let addr = rt.addr();
    // base64 of {"custom":{"a":1}}
    let cc = "eyJjdXN0b20iOnsiYSI6MX19";
    let r = invoke(
        addr,
        "probe",
        &[("X-Amz-Client-Context", cc)],
        r#"{"k":"v"}"#,
    )
    .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let p = r.json();
    assert_eq!(p["next_status"], 200);
    assert_eq!(p["event"], serde_json::json!({"k": "v"}));
    let h = &p["next_headers"];
    assert_eq!(
        h["lambda-runtime-aws-request-id"],
        r.header("x-amzn-RequestId").unwrap()
    );
    assert_eq!(
        h["lambda-runtime-invoked-function-arn"],
        "arn:aws:lambda:us-east-1:000000000000:function:probe"
    );
    assert!(
        h["lambda-runtime-trace-id"]
            .as_str()
            .unwrap()
            .starts_with("Root=1-")
    );
    assert_eq!(h["content-type"], "application/json");
    assert_eq!(h["lambda-runtime-client-context"], r#"{"custom":{"a":1}}"#);
    // The deadline is now + 7 s (give or take the time the call took).
    let deadline: u64 = h["lambda-runtime-deadline-ms"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    assert!(
        deadline > now + 5_000 && deadline <= now + 7_000,
        "deadline {deadline}, now {now}"
    );
    let env = &p["env"];
    for (k, v) in env.as_object().unwrap() {
        assert!(v.is_string(), "{k} is not set");
    }
    assert_eq!(env["AWS_LAMBDA_FUNCTION_NAME"], "probe");
    assert_eq!(env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"], "512");
    assert_eq!(env["AWS_LAMBDA_FUNCTION_VERSION"], "$LATEST");
    assert_eq!(env["AWS_LAMBDA_LOG_GROUP_NAME"], "/aws/lambda/probe");
    assert_eq!(env["AWS_REGION"], "us-east-1");
    assert_eq!(env["_HANDLER"], "lamsim-handler-probe");
    // Unknown id: 400 InvalidRequestID; /init/error after init: 403.
    assert_eq!(p["unknown_id_status"], 400);
    assert_eq!(p["unknown_id_body"]["errorType"], "InvalidRequestID");
    assert_eq!(p["init_error_after_init_status"], 403);
    assert!(p["repeat_status"].is_null());
    // Second call: a second response for the first request id is refused with 403.
    let p2 = invoke(addr, "probe", &[], "{}").await.json();
    assert_eq!(p2["repeat_status"], 403);
    rt.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_local_processes_cannot_use_an_environments_runtime_api() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rt = start(vec![rust_function("faults", "faults", 128)]).await;
    let addr = rt.addr();
    let r = invoke(addr, "faults", &[], r#"{"action": "env"}"#).await;
    let api = r.json()["env"]["AWS_LAMBDA_RUNTIME_API"]
        .as_str()
        .unwrap()
        .to_string();
    // This test process is not the environment's: it gets no event and cannot answer one.
    for request in [
        format!("GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: {api}\r\n\r\n"),
        format!(
            "POST /2018-06-01/runtime/invocation/x/response HTTP/1.1\r\nHost: {api}\r\n\
             Content-Length: 2\r\n\r\n{{}}"
        ),
    ] {
        let mut s = tokio::net::TcpStream::connect(&api).await.unwrap();
        let _ = s.write_all(request.as_bytes()).await;
        let mut got = Vec::new();
        let _ = tokio::time::timeout(ms(10_000), s.read_to_end(&mut got))
            .await
            .expect("closed (hang guard)");
        assert!(got.is_empty(), "{}", String::from_utf8_lossy(&got));
    }
    // The environment's own runtime still is served.
    let r = invoke(addr, "faults", &[], r#"{"n": 1}"#).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["n"], 1);
    let recs = rt.take_records();
    assert!(!recs[1].cold);
    rt.shutdown().await;
}
