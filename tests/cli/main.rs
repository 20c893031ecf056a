//! Integration tests of the `lamsim` binary, one file per command group.

mod sweep;
