//! Integration tests of the exporters, one file per behaviour.
