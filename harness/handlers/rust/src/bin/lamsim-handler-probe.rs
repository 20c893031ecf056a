//! A raw Runtime API client (no runtime library) that probes the API's edge cases and reports
//! what it saw as its response: the status of posting to an unknown request id, of posting a
//! second response for the previous request, of `/init/error` after init, the `/next`
//! headers and the environment variables. Used by the conformance tests.
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;

use serde_json::{Value, json};

struct Reply {
    status: u16,
    headers: BTreeMap<String, String>,
    body: Vec<u8>,
}

fn request(api: &str, method: &str, path: &str, body: &[u8]) -> Reply {
    let mut s = TcpStream::connect(api).expect("connect to the Runtime API");
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {api}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("header end");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Reply {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    }
}

const ENV: [&str; 14] = [
    "AWS_LAMBDA_RUNTIME_API",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "_HANDLER",
    "LAMBDA_TASK_ROOT",
    "TZ",
];

fn main() {
    let api = std::env::var("AWS_LAMBDA_RUNTIME_API").expect("AWS_LAMBDA_RUNTIME_API");
    let mut prev: Option<String> = None;
    loop {
        let next = request(&api, "GET", "/2018-06-01/runtime/invocation/next", b"");
        let id = next.headers["lambda-runtime-aws-request-id"].clone();
        let unknown = request(
            &api,
            "POST",
            "/2018-06-01/runtime/invocation/not-a-request-id/response",
            b"{}",
        );
        let repeat = prev.as_ref().map(|p| {
            request(
                &api,
                "POST",
                &format!("/2018-06-01/runtime/invocation/{p}/response"),
                b"{}",
            )
            .status
        });
        let init_error = request(&api, "POST", "/2018-06-01/runtime/init/error", b"{}");
        let env: BTreeMap<&str, Option<String>> =
            ENV.iter().map(|k| (*k, std::env::var(k).ok())).collect();
        let report = json!({
            "next_status": next.status,
            "next_headers": next.headers,
            "event": serde_json::from_slice::<Value>(&next.body).unwrap_or(Value::Null),
            "unknown_id_status": unknown.status,
            "unknown_id_body": serde_json::from_slice::<Value>(&unknown.body).unwrap_or(Value::Null),
            "repeat_status": repeat,
            "init_error_after_init_status": init_error.status,
            "env": env,
        });
        let r = request(
            &api,
            "POST",
            &format!("/2018-06-01/runtime/invocation/{id}/response"),
            report.to_string().as_bytes(),
        );
        assert_eq!(r.status, 202);
        prev = Some(id);
    }
}
