//! # lamsim-sim: a deterministic discrete-event simulator of AWS Lambda
//!
//! The crate turns a validated workload ([`model::Scenario`]) into results: execution
//! environments are created, kept warm, reused and reclaimed as Lambda does, requests are
//! throttled by the same limits, and observers record latency, instance counts and billable
//! usage. Everything random comes from one root seed, so a run is exactly reproducible.
#![warn(missing_docs)]

pub mod config;
pub mod model;
pub mod profiles;
pub mod summary;
pub mod time;
pub mod usage;
