//! CPU-bound handler: `{"cpu_ms": X}` burns X ms of CPU time, `{"iterations": N}` hashes N rounds.
use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| async move {
        lamsim_handlers::cpu(&event.payload).map_err(Error::from)
    }))
    .await
}
