//! Integration tests of the simulator, one file per behaviour.

mod config_examples;
mod config_profiles;
mod config_trace;
mod config_validation;
