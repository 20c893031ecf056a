//! What every command shares to print its results: the `--format` flag of a command that
//! offers only some formats, and writing to stdout.

use std::io::Write;

use anyhow::{Context, Result};
use clap::builder::{PossibleValuesParser, TypedValueParser};
use lamsim_reports::Format;

/// A `--format` parser that accepts only `allowed`, so `--help` and the error of a wrong
/// value list exactly the formats this command offers.
pub fn formats(allowed: &'static [Format]) -> impl TypedValueParser<Value = Format> {
    PossibleValuesParser::new(allowed.iter().map(|f| f.name()))
        .map(|name| name.parse::<Format>().expect("every listed name parses"))
}

/// Writes `text` on stdout and flushes it. A closed stdout is an error that ends the program
/// quietly (see [`crate::exit::finish`]), not a panic as with `print!`.
pub fn print(text: &str) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .context("cannot write to stdout")
}
