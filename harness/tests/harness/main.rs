//! Integration tests of the mini-runtime, one file per behaviour. They run the bundled Rust
//! handlers (built on the official `lambda_runtime` crate); tests of the Python runtime
//! (`awslambdaric`) and of boto3 need `LAMSIM_TEST_PYTHON` (set by `.ci/harness-setup.sh`)
//! and say they skip without it (a `SKIP` line, a failure under `CI=true`: see `skip`); those
//! of the Node.js runtime (`aws-lambda-ric`) need `LAMSIM_TEST_NODE_RIC` (set by
//! `.ci/node-setup.sh`) under the same rule. Life-cycle tests (cold and warm starts, keep-alive,
//! limits, timeouts, crashes, shutdown) also run on scripted environments (no process, a
//! paused clock, exact durations).

mod common;
#[path = "../../../tests/support/skip.rs"]
mod skip;

mod accept_backoff;
mod bad_config;
mod bench_cpu_share;
mod bench_recommendation;
mod boto3_client;
mod calibrate_from_bench;
mod cloudwatch_reports;
mod cold_and_warm_starts;
mod cpu_quota;
mod errors;
mod fit_recovers_parameters;
mod handler_environment;
mod invoke_api;
mod keep_alive;
mod load_against_model;
mod log_streams;
mod long_log_lines;
mod node_runtime;
mod provisioned_concurrency;
mod python_runtime;
mod retire_idle;
mod runtime_api;
mod shutdown;
mod slow_clients;
mod streaming;
mod throttling;
