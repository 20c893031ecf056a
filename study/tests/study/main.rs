//! Integration tests of the study layer, one file per behaviour.

mod check_regression;
mod power_tuning;
mod sweep_analytic;
mod sweep_axes;
mod sweep_front;
mod sweep_function;
