//! Misbehaves on purpose, for tests of error handling:
//! `{"action": "error"}` returns an error; `{"action": "exit", "code": 3}` exits the process;
//! `{"action": "alloc", "mb": 300}` touches that much memory; `{"action": "sleep", "ms": 5000}`
//! sleeps; anything else echoes. With `LAMSIM_FAULT_INIT=exit` the process exits during init,
//! with `LAMSIM_FAULT_INIT=hang` it never calls the Runtime API.
use std::time::Duration;

use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::{Value, json};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    match std::env::var("LAMSIM_FAULT_INIT").as_deref() {
        Ok("exit") => {
            eprintln!("init failed on purpose");
            std::process::exit(7);
        }
        Ok("hang") => loop {
            tokio::time::sleep(Duration::from_secs(3600)).await;
        },
        _ => {}
    }
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| async move {
        let p = event.payload;
        match p.get("action").and_then(Value::as_str) {
            Some("error") => Err(Error::from("failed on purpose")),
            Some("exit") => {
                println!("exiting on purpose");
                std::process::exit(p.get("code").and_then(Value::as_i64).unwrap_or(1) as i32)
            }
            Some("alloc") => {
                let mb = p.get("mb").and_then(Value::as_u64).unwrap_or(64) as usize;
                let mut v = vec![0u8; mb << 20];
                for i in (0..v.len()).step_by(4096) {
                    v[i] = 1;
                }
                Ok(json!({"allocated_mb": mb, "sum": v.iter().step_by(4096).map(|&b| b as u64).sum::<u64>()}))
            }
            Some("sleep") => {
                let ms = p.get("ms").and_then(Value::as_u64).unwrap_or(1000);
                tokio::time::sleep(Duration::from_millis(ms)).await;
                Ok(json!({"slept_ms": ms}))
            }
            Some("log") => {
                for i in 0..p.get("lines").and_then(Value::as_u64).unwrap_or(1) {
                    println!("log line {i}");
                }
                Ok(json!({"logged": true}))
            }
            _ => Ok(p),
        }
    }))
    .await
}
