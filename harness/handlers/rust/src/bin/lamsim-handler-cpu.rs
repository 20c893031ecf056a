//! CPU-bound handler: `{"cpu_ms": X}` burns X ms of CPU time, `{"iterations": N}` hashes N rounds.
//! With `LAMSIM_INIT_CPU_MS=X` in its environment it first burns X ms of CPU time during INIT
//! (before its first `/next`), as an import-heavy function does.
use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    if let Some(ms) = std::env::var("LAMSIM_INIT_CPU_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        lamsim_handlers::burn_cpu(std::time::Duration::from_millis(ms));
    }
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| async move {
        lamsim_handlers::cpu(&event.payload).map_err(Error::from)
    }))
    .await
}
