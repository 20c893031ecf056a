//! Streamed responses (`Lambda-Runtime-Function-Response-Mode: streaming`, chunked body):
//! buffered for Invoke, first and last byte measured.

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
