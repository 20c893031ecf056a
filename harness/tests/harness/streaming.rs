//! Streamed responses (`Lambda-Runtime-Function-Response-Mode: streaming`, chunked body):
//! buffered for Invoke, first and last byte measured; sent on as they come by
//! InvokeWithResponseStream.

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streamed_response_is_assembled_and_first_byte_measured() {
    let rt = start(vec![rust_function("stream", "stream", 128)]).await;
    let addr = rt.addr();
    let r = invoke(addr, "stream", &[], r#"{"chunks": 4, "gap_ms": 50}"#).await;
    assert_eq!(r.status, 200);
    assert_eq!(&r.body[..], b"chunk 0\nchunk 1\nchunk 2\nchunk 3\n");
    let rec = &rt.take_records()[0];
    let first = rec.first_byte_ms.expect("first byte measured");
    // Three 50 ms gaps separate the first chunk from the last.
    assert!(
        first < rec.duration_ms - 140.0,
        "first {first}, last {}",
        rec.duration_ms
    );
    rt.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invoke_with_response_stream_sends_each_chunk_as_the_function_writes_it() {
    let rt = start(vec![
        rust_function("stream", "stream", 128),
        rust_function("echo", "echo", 128),
        rust_function("faults", "faults", 128),
    ])
    .await;
    let addr = rt.addr();
    let (status, frames) = invoke_stream(
        addr,
        "stream",
        &[("X-Amz-Log-Type", "Tail")],
        r#"{"chunks": 4, "gap_ms": 100}"#,
    )
    .await;
    assert_eq!(status, 200);
    let m = messages(&frames);
    let (last_t, last) = m.last().expect("messages");
    assert_eq!(last.header(":event-type"), Some("InvokeComplete"));
    let complete: serde_json::Value = serde_json::from_slice(&last.payload).unwrap();
    assert!(complete.get("ErrorCode").is_none(), "{complete}");
    let log = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        complete["LogResult"].as_str().expect("log tail asked for"),
    )
    .unwrap();
    assert!(String::from_utf8_lossy(&log).contains("REPORT RequestId: "));
    let chunks: Vec<_> = m[..m.len() - 1].iter().collect();
    assert!(
        chunks
            .iter()
            .all(|(_, c)| c.header(":event-type") == Some("PayloadChunk"))
    );
    let text: Vec<u8> = chunks
        .iter()
        .flat_map(|(_, c)| c.payload.to_vec())
        .collect();
    assert_eq!(&text[..], b"chunk 0\nchunk 1\nchunk 2\nchunk 3\n");
    // The first chunk reaches the client before the three 100 ms gaps that follow it.
    let first_t = chunks[0].0;
    assert!(
        *last_t - first_t >= std::time::Duration::from_millis(250),
        "first chunk {:?} before the end",
        *last_t - first_t
    );

    // A buffered function answers in the same form; a failure is told by InvokeComplete.
    let (status, frames) = invoke_stream(addr, "echo", &[], r#"{"a": 1}"#).await;
    assert_eq!(status, 200);
    let m = messages(&frames);
    let text: Vec<u8> = m[..m.len() - 1]
        .iter()
        .flat_map(|(_, c)| c.payload.to_vec())
        .collect();
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&text).unwrap(),
        serde_json::json!({"a": 1})
    );
    let (status, frames) = invoke_stream(addr, "faults", &[], r#"{"action": "error"}"#).await;
    assert_eq!(status, 200);
    let m = messages(&frames);
    let complete: serde_json::Value = serde_json::from_slice(&m.last().unwrap().1.payload).unwrap();
    assert!(
        complete["ErrorCode"]
            .as_str()
            .is_some_and(|c| !c.is_empty()),
        "{complete}"
    );
    assert!(
        complete["ErrorDetails"]
            .as_str()
            .unwrap()
            .contains("failed on purpose"),
        "{complete}"
    );

    // Refusals before the function runs are ordinary error responses.
    let (status, frames) = invoke_stream(addr, "nope", &[], "{}").await;
    assert_eq!(status, 404);
    let body: Vec<u8> = frames.iter().flat_map(|(_, f)| f.to_vec()).collect();
    assert!(
        String::from_utf8_lossy(&body).contains("Function not found"),
        "{}",
        String::from_utf8_lossy(&body)
    );
    let (status, _) = invoke_stream(addr, "echo", &[("X-Amz-Invocation-Type", "DryRun")], "").await;
    assert_eq!(status, 204);
    let (status, _) =
        invoke_stream(addr, "echo", &[("X-Amz-Invocation-Type", "Event")], "{}").await;
    assert_eq!(status, 400);
    rt.shutdown().await;
}
