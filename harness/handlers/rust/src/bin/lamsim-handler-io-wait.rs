//! I/O-wait handler: `{"wait_ms": X}` waits X ms without using CPU (a downstream call).
use std::time::Duration;

use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::{Value, json};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| async move {
        let ms = event
            .payload
            .get("wait_ms")
            .and_then(Value::as_f64)
            .unwrap_or(50.0);
        tokio::time::sleep(Duration::from_secs_f64(ms.max(0.0) / 1000.0)).await;
        Ok::<Value, Error>(json!({"waited_ms": ms}))
    }))
    .await
}
