//! # lamsim-sim: a deterministic discrete-event simulator of AWS Lambda
//!
//! The crate turns a validated workload ([`model::Scenario`]) into results: execution
//! environments are created, kept warm, reused and reclaimed as Lambda does, requests are
//! throttled by the same limits, and observers record latency, instance counts and billable
//! usage. Everything random comes from one root seed, so a run is exactly reproducible.
//!
//! ```
//! use lamsim_sim::{runner, testing::simple_scenario};
//! // 10 req/s, 100 ms mean execution, 10 min keep-alive, one simulated hour.
//! let scenario = simple_scenario(10.0, 100.0, "10m", "1h");
//! let out = runner::run(&scenario, &|_| {});
//! let f = &out.summary.functions[0];
//! // M/G/∞: mean busy environments = λ · E[S] = 10/s · 0.1 s = 1.
//! assert!((f.instances.avg_busy - 1.0).abs() < 0.1);
//! ```
#![warn(missing_docs)]

pub mod aggregate;
pub mod arrivals;
pub mod bench;
pub mod config;
pub mod cost;
pub mod dist;
pub mod engine;
pub mod estimate;
pub mod heap;
pub mod histogram;
pub mod metrics;
pub mod model;
pub mod observer;
pub mod profiles;
pub mod report_data;
pub mod rng;
pub mod runner;
pub mod schedule;
pub mod series;
pub mod shard;
pub mod slo;
pub mod stats;
pub mod summary;
pub mod testing;
pub mod time;
pub mod usage;
