//! Integration tests of the exporters, one file per behaviour.

mod browser;
mod csv;
mod fixtures;
mod format_choice;
mod json;
mod many_functions;
mod markdown;
mod output_dir;
mod report_files;
mod schema;
#[path = "../../../tests/support/skip.rs"]
mod skip;
mod table;
