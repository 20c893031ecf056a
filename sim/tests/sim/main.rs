//! Integration tests of the simulator, one file per behaviour.

mod analytic;
mod conservation;
mod determinism;
mod keep_alive;
mod limits;
mod provisioned;
mod support;
