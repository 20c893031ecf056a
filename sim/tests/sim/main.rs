//! Integration tests of the simulator, one file per behaviour.

mod analytic;
mod aws_measurements;
mod config_calibration;
mod config_examples;
mod config_profiles;
mod config_ranges;
mod config_trace;
mod config_triggers;
mod config_validation;
mod conservation;
mod cost_adjacent;
mod cost_bill;
mod cost_invocation_billing;
mod cost_properties;
mod determinism;
mod estimate;
mod keep_alive;
mod limits;
mod outcomes;
mod provisioned;
mod replicate_merge;
mod series;
mod slo_objectives;
mod support;
mod triggers;
