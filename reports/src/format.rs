//! The `--format` value.

use std::fmt;
use std::str::FromStr;

use crate::{CsvExporter, Exporter, JsonExporter, MarkdownExporter, TableExporter};

/// Output format of `lamsim run`, chosen with `--format table|json|markdown|csv`.
///
/// Default: [`Format::Table`]. Parse it from the command line with [`str::parse`]; the
/// [`FromStr`] error lists the choices, and clap accepts the type directly
/// (`#[arg(long, default_value_t = Format::Table)] format: Format`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Format {
    /// Aligned plain-text tables for a terminal ([`TableExporter`]).
    #[default]
    Table,
    /// `summary.json` exactly ([`JsonExporter`]).
    Json,
    /// GitHub-flavoured Markdown tables for a pull request ([`MarkdownExporter`]).
    Markdown,
    /// One CSV row per function ([`CsvExporter`]).
    Csv,
}

impl Format {
    /// Every format, in the order `--help` lists them.
    pub const ALL: [Format; 4] = [Format::Table, Format::Json, Format::Markdown, Format::Csv];

    /// The name used on the command line: `table`, `json`, `markdown` or `csv`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Markdown => "markdown",
            Format::Csv => "csv",
        }
    }

    /// The exporter that renders this format.
    pub fn exporter(self) -> Box<dyn Exporter> {
        match self {
            Format::Table => Box::new(TableExporter),
            Format::Json => Box::new(JsonExporter),
            Format::Markdown => Box::new(MarkdownExporter),
            Format::Csv => Box::new(CsvExporter),
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An unknown `--format` value.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown format `{given}`: expected one of table, json, markdown, csv")]
pub struct ParseFormatError {
    /// The value given.
    pub given: String,
}

impl FromStr for Format {
    type Err = ParseFormatError;

    /// Parses a format name: lower case, exactly as `--help` shows them.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "table" => Ok(Format::Table),
            "json" => Ok(Format::Json),
            "markdown" => Ok(Format::Markdown),
            "csv" => Ok(Format::Csv),
            _ => Err(ParseFormatError {
                given: s.to_string(),
            }),
        }
    }
}
