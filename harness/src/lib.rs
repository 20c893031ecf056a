//! # lamsim-harness: a Lambda-compatible mini-runtime that runs real handlers
//!
//! The harness starts the user's real handler processes (one per execution environment),
//! speaks the AWS Lambda Runtime API (2018-06-01) to them and the Lambda Invoke API to clients,
//! so that what it measures is what Lambda would run: init (spawn → first `/next`), duration
//! (event handed over → result received), peak memory, and the client's latency. CPU share
//! (`memory-mb / 1769` of a CPU) and memory are limited with cgroups where the machine allows.
//!
//! `lamsim serve` puts the HTTP front, [`InvokeApi`], before it; `lamsim bench` and
//! `lamsim load` ([`load`]) drive it in-process through [`Runtime::invoke`], which returns an
//! [`InvocationRecord`] per call.
//! Environments are started by a [`launcher::Launcher`]: real processes
//! ([`launcher::ProcessLauncher`]) or, in tests, scripts ([`launcher::ScriptedLauncher`]).
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use lamsim_harness::{Runtime, RuntimeOptions};
//! # let functions: Vec<lamsim_sim::model::Function> = vec![];
//! let rt = Runtime::start(functions, RuntimeOptions::default()).await?;
//! let inv = rt.invoke("hello", r#"{"name": "world"}"#.into(), true).await?;
//! assert!(inv.record.cold);
//! println!("{}", lamsim_harness::record::report_line(&inv.record));
//! rt.shutdown().await;
//! # Ok(()) }
//! ```
#![warn(missing_docs)]

pub mod bench;
pub mod calibrate;
pub mod cgroup;
pub mod cloudwatch;
mod env;
pub mod error;
pub mod event_stream;
pub mod events;
pub mod fit;
pub mod ids;
pub mod invoke_api;
pub mod launcher;
pub mod load;
pub mod log_lines;
mod peer;
pub mod record;
mod runtime;
mod runtime_api;
/// The workspace's one way for a test to say it cannot run here (unit tests).
#[cfg(test)]
#[path = "../../tests/support/skip.rs"]
mod test_skip;

pub use bytes::Bytes;
pub use cgroup::{CpuLimit, InitCpu};
pub use env::{LOG_TAIL_BYTES, MAX_RESPONSE_BYTES, MAX_STREAM_BYTES};
pub use error::{HarnessError, InvokeError};
pub use invoke_api::{InvokeApi, InvokeApiOptions};
pub use record::{InvocationRecord, InvocationType, Status};
pub use runtime::{
    INIT_TIMEOUT, Invocation, InvokeOptions, MAX_ASYNC_PAYLOAD, MAX_SYNC_PAYLOAD, Prewarmed,
    Runtime, RuntimeOptions, parse_function_name,
};
