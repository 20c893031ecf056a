//! Misbehaves on purpose, for tests of error handling:
//! `{"action": "error"}` returns an error; `{"action": "exit", "code": 3}` exits the process;
//! `{"action": "alloc", "mb": 300}` touches that much memory; `{"action": "sleep", "ms": 5000}`
//! sleeps; `{"action": "log", "lines": 3}` prints that many lines; `{"action": "long-line",
//! "bytes": 16777216}` writes that many bytes to stdout with no newline; `{"action": "big", "bytes": N}` returns a response of N bytes; `{"action": "env"}`
//! returns the process's environment variables and open file descriptors (number → target); anything else echoes. With `LAMSIM_FAULT_INIT=exit` the process exits during init,
//! with `LAMSIM_FAULT_INIT=hang` it never calls the Runtime API.
use std::io::Write;
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
            Some("big") => {
                // A JSON string: `bytes` bytes in all, quotes included.
                let n = p.get("bytes").and_then(Value::as_u64).unwrap_or(1024) as usize;
                Ok(Value::String("x".repeat(n.saturating_sub(2))))
            }
            Some("long-line") => {
                let n = p.get("bytes").and_then(Value::as_u64).unwrap_or(1 << 20) as usize;
                let mut out = std::io::stdout().lock();
                let chunk = [b'x'; 64 * 1024];
                let mut left = n;
                while left > 0 {
                    let k = left.min(chunk.len());
                    out.write_all(&chunk[..k])?;
                    left -= k;
                }
                out.flush()?;
                Ok(json!({"written": n}))
            }
            Some("env") => {
                let env: serde_json::Map<String, Value> = std::env::vars()
                    .map(|(k, v)| (k, Value::String(v)))
                    .collect();
                // Each open descriptor and what it points to.
                let fds: serde_json::Map<String, Value> = std::fs::read_dir("/proc/self/fd")?
                    .filter_map(|e| {
                        let e = e.ok()?;
                        let target = std::fs::read_link(e.path()).ok()?;
                        Some((
                            e.file_name().to_string_lossy().into_owned(),
                            Value::String(target.display().to_string()),
                        ))
                    })
                    .collect();
                Ok(json!({"env": env, "fds": fds}))
            }
            _ => Ok(p),
        }
    }))
    .await
}
