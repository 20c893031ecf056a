//! Integration tests of the simulator, one file per behaviour.
mod cost_bill;
mod cost_properties;
