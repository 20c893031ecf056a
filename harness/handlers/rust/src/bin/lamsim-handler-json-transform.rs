//! JSON-transform handler: groups `records` by `category` and sums `amount`.
use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| async move {
        lamsim_handlers::json_transform(&event.payload).map_err(Error::from)
    }))
    .await
}
