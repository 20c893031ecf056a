//! # lamsim-reports: exporters for lamsim results
//!
//! A run of the simulator produces a [`Summary`]; this crate turns it into what people and
//! tools read: a terminal table, `summary.json`, Markdown for a pull request, or CSV. Every
//! format is an [`Exporter`]; [`Format`] parses the `--format` value and picks one.
//!
//! ```
//! use lamsim_reports::{render, Format};
//! use lamsim_sim::summary::{Summary, SCHEMA_VERSION};
//!
//! let summary = Summary {
//!     schema_version: SCHEMA_VERSION,
//!     lamsim_version: "0.1.0".into(),
//!     seed: 42,
//!     replicates: 1,
//!     window_s: 3600.0,
//!     warmup_s: 0.0,
//!     functions: vec![],
//!     cost: None,
//!     slo: None,
//!     aggregate: None,
//! };
//! let format: Format = "csv".parse().unwrap();
//! let csv = render(&summary, format);
//! assert!(csv.starts_with("function,memory_mb,architecture,"));
//! assert_eq!(csv.lines().count(), 1); // header only: no functions
//! ```
//!
//! [`write_output_dir`] writes the `--out DIR` folder (`summary.json` and
//! `workload.resolved.toml`) so that a failure never leaves a half-written folder.
//!
//! [`run_report_files`], [`bench_report_files`] and [`sweep_report_files`] build the human
//! reports of an output folder (`report.html`, `report.md`, `charts/*.svg`, and
//! `charts/*.png` on request), ready for [`write_dir_files`]; [`charts`] draws them.
#![warn(missing_docs)]

mod aggregate;
pub mod charts;
mod csv;
mod format;
mod json;
mod markdown;
pub mod num;
mod output_dir;
mod parquet;
mod report;
mod sweep;
mod table;
mod tables;

use std::io::{self, Write};

use lamsim_sim::summary::Summary;

pub use crate::csv::{CSV_ADJACENT_COLUMNS, CSV_CAPACITY_COLUMNS, CSV_COLUMNS, CsvExporter};
pub use crate::format::{Format, ParseFormatError};
pub use crate::json::JsonExporter;
pub use crate::markdown::MarkdownExporter;
pub use crate::output_dir::{
    RESOLVED_TOML_FILE, SUMMARY_JSON_FILE, write_dir_files, write_dir_streamed, write_output_dir,
};
pub use crate::parquet::{
    FUNCTIONS_PARQUET_FILE, INVOCATIONS_COLUMNS, INVOCATIONS_PARQUET_FILE, ParquetError,
    TIMESERIES_COLUMNS, TIMESERIES_PARQUET_FILE, functions_parquet, invocations_parquet,
    timeseries_parquet,
};
pub use crate::report::{
    CHARTS_DIR, NamedChart, REPORT_HTML_FILE, REPORT_MD_FILE, ReportError, ReportOptions,
    bench_report_files, run_report_files, sweep_report_files,
};
pub use crate::sweep::{
    SWEEP_CSV_COLUMNS, function_line, points_table, render_check, render_sweep, sweep_json,
    write_shard_dir, write_sweep_dir,
};
pub use crate::table::TableExporter;
pub use crate::tables::{Table, csv_text, markdown_cell};

/// One output format of a [`Summary`].
///
/// Exporters are pure: they only read the summary and return the full text, so the caller
/// decides where it goes (stdout, a file) and how to handle write errors such as a broken pipe.
pub trait Exporter {
    /// Renders the summary. The text ends with a newline.
    fn render(&self, summary: &Summary) -> String;
}

/// Renders `summary` in `format`. The text ends with a newline.
pub fn render(summary: &Summary, format: Format) -> String {
    format.exporter().render(summary)
}

/// Renders `summary` in `format` and writes it to `out` (use `std::io::stdout().lock()` for
/// the terminal). Errors are those of `out`, e.g. [`io::ErrorKind::BrokenPipe`].
pub fn write(summary: &Summary, format: Format, out: &mut impl Write) -> io::Result<()> {
    out.write_all(render(summary, format).as_bytes())?;
    out.flush()
}

/// The Lambda subtotal and the lines beside Lambda (gateway, event sources, logs) of a bill,
/// formatted with `fmt` (shared by the table and the Markdown exporters; a missing value is
/// `-`). Present only when the summary has them (`lambda_usd` is set).
pub(crate) fn adjacent_cells(
    b: &lamsim_sim::summary::BillLines,
    fmt: impl Fn(f64) -> String,
) -> Vec<String> {
    [b.lambda_usd, b.gateway_usd, b.event_sources_usd, b.logs_usd]
        .into_iter()
        .map(|v| v.map_or_else(|| "-".to_string(), &fmt))
        .collect()
}

/// The billable-usage cells of one function, after its name (shared by the table and the
/// Markdown exporters, whose headers differ only in wording).
pub(crate) fn usage_cells(u: &lamsim_sim::summary::UsageSummary) -> Vec<String> {
    use crate::num::{count, decimal};
    vec![
        count(u.requests),
        decimal(u.ondemand_gb_s),
        decimal(u.init_gb_s),
        decimal(u.provisioned_configured_gb_s),
        decimal(u.provisioned_used_gb_s),
        decimal(u.ephemeral_gb_s),
        count(u.restores),
    ]
}
