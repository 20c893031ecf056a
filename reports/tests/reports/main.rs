//! Integration tests of the exporters, one file per behaviour.

mod csv;
mod fixtures;
mod format_choice;
mod json;
mod markdown;
mod output_dir;
mod schema;
mod table;
