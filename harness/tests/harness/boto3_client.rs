//! boto3 (the AWS SDK for Python) as the Invoke API client, unchanged but for `endpoint_url`:
//! payloads, log tails, function errors, 404s, 429s, Event and DryRun, and
//! InvokeWithResponseStream's event stream.

use lamsim_sim::time::SimTime;

use crate::common::*;

const SCRIPT: &str = r#"
import base64, json, sys, concurrent.futures
import boto3
from botocore.config import Config
c = boto3.client("lambda", endpoint_url=sys.argv[1], region_name="us-east-1",
                 aws_access_key_id="x", aws_secret_access_key="y",
                 config=Config(retries={"total_max_attempts": 1}, read_timeout=120))
out = {}
r = c.invoke(FunctionName="echo", Payload=json.dumps({"a": 1}), LogType="Tail")
out["status"] = r["StatusCode"]
out["payload"] = json.loads(r["Payload"].read())
out["version"] = r["ExecutedVersion"]
out["log"] = base64.b64decode(r["LogResult"]).decode()
r = c.invoke(FunctionName="arn:aws:lambda:us-east-1:000000000000:function:echo", Qualifier="$LATEST", Payload=b"{}")
out["arn_status"] = r["StatusCode"]
r = c.invoke(FunctionName="faults", Payload=json.dumps({"action": "error"}))
out["function_error"] = r.get("FunctionError")
out["error_payload"] = json.loads(r["Payload"].read())
try:
    c.invoke(FunctionName="nope", Payload=b"{}")
except c.exceptions.ResourceNotFoundException as e:
    out["not_found"] = e.response["Error"]["Code"]
out["event"] = c.invoke(FunctionName="echo", InvocationType="Event", Payload=b"{}")["StatusCode"]
out["dry_run"] = c.invoke(FunctionName="echo", InvocationType="DryRun")["StatusCode"]
r = c.invoke_with_response_stream(FunctionName="stream", Payload=json.dumps({"chunks": 3, "gap_ms": 20}), LogType="Tail")
out["stream_status"] = r["StatusCode"]
chunks, complete = [], None
for event in r["EventStream"]:
    if "PayloadChunk" in event:
        chunks.append(event["PayloadChunk"]["Payload"].decode())
    if "InvokeComplete" in event:
        complete = event["InvokeComplete"]
out["stream_chunks"] = "".join(chunks)
out["stream_log"] = base64.b64decode(complete["LogResult"]).decode()
r = c.invoke_with_response_stream(FunctionName="faults", Payload=json.dumps({"action": "error"}))
out["stream_error"] = [e["InvokeComplete"] for e in r["EventStream"] if "InvokeComplete" in e][0]
def slow(_):
    try:
        return c.invoke(FunctionName="slow", Payload=json.dumps({"wait_ms": 1500}))["StatusCode"]
    except c.exceptions.TooManyRequestsException as e:
        assert e.response["Error"]["Code"] == "TooManyRequestsException", e.response
        return e.response["Reason"]
with concurrent.futures.ThreadPoolExecutor(2) as pool:
    first = pool.submit(slow, 0)
    import time; time.sleep(0.4)
    second = pool.submit(slow, 1)
    out["throttle"] = sorted([str(first.result()), str(second.result())])
print(json.dumps(out))
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boto3_invokes_unchanged() {
    let Some(py) = python("boto3_invokes_unchanged") else {
        return;
    };
    let mut slow = rust_function("slow", "io-wait", 128);
    slow.reserved_concurrency = Some(1);
    slow.timeout = SimTime::from_secs(10);
    let rt = start(vec![
        rust_function("echo", "echo", 128),
        rust_function("faults", "faults", 128),
        rust_function("stream", "stream", 128),
        slow,
    ])
    .await;
    let url = format!("http://{}", rt.addr());
    let out = tokio::process::Command::new(&py)
        .args(["-c", SCRIPT, &url])
        .output()
        .await
        .expect("python runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let o: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(o["status"], 200);
    assert_eq!(o["payload"], serde_json::json!({"a": 1}));
    assert_eq!(o["version"], "$LATEST");
    assert!(
        o["log"].as_str().unwrap().starts_with("START RequestId: "),
        "{o}"
    );
    assert!(
        o["log"].as_str().unwrap().contains("\nREPORT RequestId: "),
        "{o}"
    );
    assert_eq!(o["arn_status"], 200);
    assert_eq!(o["function_error"], "Unhandled");
    assert_eq!(o["error_payload"]["errorMessage"], "failed on purpose");
    assert_eq!(o["not_found"], "ResourceNotFoundException");
    assert_eq!(o["event"], 202);
    assert_eq!(o["dry_run"], 204);
    assert_eq!(o["stream_status"], 200);
    assert_eq!(o["stream_chunks"], "chunk 0\nchunk 1\nchunk 2\n");
    assert!(
        o["stream_log"]
            .as_str()
            .unwrap()
            .contains("REPORT RequestId: "),
        "{o}"
    );
    assert!(
        o["stream_error"]["ErrorDetails"]
            .as_str()
            .unwrap()
            .contains("failed on purpose"),
        "{o}"
    );
    assert_eq!(
        o["throttle"],
        serde_json::json!(["200", "ReservedFunctionConcurrentInvocationLimitExceeded"])
    );
    rt.shutdown().await;
}
