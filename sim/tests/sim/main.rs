//! Integration tests of the simulator, one file per behaviour.
