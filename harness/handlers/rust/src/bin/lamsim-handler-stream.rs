//! Streams its response: `{"chunks": 3, "gap_ms": 10}` sends `chunk 0\n`, `chunk 1\n`, … with
//! a pause between them.
use std::time::Duration;

use lambda_runtime::streaming::{Body, Response, channel};
use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;

async fn handler(event: LambdaEvent<Value>) -> Result<Response<Body>, Error> {
    let chunks = event
        .payload
        .get("chunks")
        .and_then(Value::as_u64)
        .unwrap_or(3);
    let gap = event
        .payload
        .get("gap_ms")
        .and_then(Value::as_u64)
        .unwrap_or(10);
    let (mut tx, rx) = channel();
    tokio::spawn(async move {
        for i in 0..chunks {
            if tx.send_data(format!("chunk {i}\n").into()).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(gap)).await;
        }
    });
    Ok(Response::from(rx))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(handler)).await
}
