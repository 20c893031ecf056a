//! Integration tests of the simulator, one file per behaviour.

mod analytic;
mod aws_measurements;
mod config_calibration;
mod config_examples;
mod config_profiles;
mod config_trace;
mod config_validation;
mod conservation;
mod cost_bill;
mod cost_properties;
mod determinism;
mod keep_alive;
mod limits;
mod provisioned;
mod replicate_merge;
mod series;
mod slo_objectives;
mod support;
