//! `lamsim report DIR`: redraw `report.html`, `report.md` and `charts/` from what a run, a
//! bench or a sweep wrote into its output folder, without running anything again.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use clap::Args;
use lamsim_reports::{
    CHARTS_DIR, REPORT_HTML_FILE, REPORT_MD_FILE, ReportOptions, SUMMARY_JSON_FILE,
    bench_report_files, run_report_files, sweep_report_files, write_dir_files,
};
use lamsim_sim::bench::{BENCH_SCHEMA_VERSION, BenchSummary};
use lamsim_sim::report_data::{REPORT_DATA_SCHEMA_VERSION, ReportData};
use lamsim_sim::summary::{SCHEMA_VERSION, Summary};
use lamsim_study::sweep::{self, Point, SWEEP_JSON_FILE, SweepHeader, SweepReport};

use crate::ExitStatus;
use crate::bench::BENCH_JSON_FILE;
use crate::run::REPORT_DATA_JSON_FILE;

/// `lamsim report`.
#[derive(Args, Debug)]
pub struct ReportArgs {
    /// An output folder of `lamsim run`, `bench` or `sweep` (`--out DIR`).
    pub dir: PathBuf,
    /// Also write the charts as PNG (charts/*.png).
    #[arg(long)]
    pub png: bool,
    /// Print nothing on success.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Reads and parses `path`; the error names the file and says what was expected.
macro_rules! read_json {
    ($path:expr, $what:expr) => {{
        let path: &Path = $path;
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        serde_json::from_str(&text)
            .map_err(|e| format!("{}: not {}: {e}", path.display(), $what))?
    }};
}

fn check_version(path: &Path, found: u32, expected: u32) -> Result<(), String> {
    if found == expected {
        Ok(())
    } else {
        Err(format!(
            "{}: schema_version {found} is not supported (this lamsim reads {expected}); redraw it with the lamsim that wrote it",
            path.display()
        ))
    }
}

/// Reads `sweep.json`: its header and points, the rest recomputed exactly as the sweep did
/// (the front and the recommendation are functions of the points, as for `lamsim merge`).
fn read_sweep(path: &Path) -> Result<SweepReport, String> {
    let v: serde_json::Value = read_json!(path, "a lamsim sweep result");
    let bad = |e: serde_json::Error| format!("{}: not a lamsim sweep result: {e}", path.display());
    let version = v
        .get("schema_version")
        .and_then(serde_json::Value::as_u64)
        .ok_or_else(|| {
            format!(
                "{}: not a lamsim sweep result: no schema_version",
                path.display()
            )
        })?;
    check_version(path, version as u32, sweep::SCHEMA_VERSION)?;
    let header: SweepHeader = serde_json::from_value(v.clone()).map_err(bad)?;
    let points: Vec<Point> =
        serde_json::from_value(v.get("points").cloned().unwrap_or_default()).map_err(bad)?;
    let axes = sweep::axes_of(&header);
    Ok(sweep::finish(header, &axes, points))
}

/// The report files of the folder `dir`, by what it holds.
fn files_of(dir: &Path, opts: &ReportOptions) -> Result<Vec<(String, Vec<u8>)>, String> {
    let summary = dir.join(SUMMARY_JSON_FILE);
    let bench = dir.join(BENCH_JSON_FILE);
    let sweep = dir.join(SWEEP_JSON_FILE);
    if summary.is_file() {
        let s: Summary = read_json!(&summary, "a lamsim summary");
        check_version(&summary, s.schema_version, SCHEMA_VERSION)?;
        let data_path = dir.join(REPORT_DATA_JSON_FILE);
        if !data_path.is_file() {
            return Err(format!(
                "{}: missing; it holds the charts' data, written by `lamsim run --out` (re-run the workload with --out {})",
                data_path.display(),
                dir.display()
            ));
        }
        let data: ReportData = read_json!(&data_path, "lamsim chart data");
        check_version(&data_path, data.schema_version, REPORT_DATA_SCHEMA_VERSION)?;
        run_report_files(&s, &data, opts).map_err(|e| e.to_string())
    } else if bench.is_file() {
        let b: BenchSummary = read_json!(&bench, "a lamsim bench result");
        check_version(&bench, b.schema_version, BENCH_SCHEMA_VERSION)?;
        bench_report_files(&b, opts).map_err(|e| e.to_string())
    } else if sweep.is_file() {
        let r = read_sweep(&sweep)?;
        sweep_report_files(&r, opts).map_err(|e| e.to_string())
    } else {
        Err(format!(
            "{}: not a lamsim output folder: it holds none of {SUMMARY_JSON_FILE} (with {REPORT_DATA_JSON_FILE}), {BENCH_JSON_FILE} or {SWEEP_JSON_FILE}",
            dir.display()
        ))
    }
}

/// `lamsim report DIR`: regenerate the reports in place, all or nothing; exit 2 when `DIR`
/// is not an output folder or its files cannot be read.
pub fn report(args: ReportArgs) -> Result<ExitStatus> {
    if !args.dir.is_dir() {
        bail!(
            "{}: not a folder; give the --out folder of lamsim run, bench or sweep",
            args.dir.display()
        );
    }
    let opts = ReportOptions { png: args.png };
    let files = files_of(&args.dir, &opts).map_err(|e| anyhow!(e))?;
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    write_dir_files(&args.dir, &refs)
        .with_context(|| format!("cannot write the reports into {}", args.dir.display()))?;
    if !args.quiet {
        let charts = files
            .iter()
            .filter(|(n, _)| n.starts_with(CHARTS_DIR))
            .count();
        eprintln!(
            "lamsim: wrote {REPORT_HTML_FILE}, {REPORT_MD_FILE} and {charts} chart file{} into {}",
            if charts == 1 { "" } else { "s" },
            args.dir.display()
        );
    }
    Ok(ExitStatus::Ok)
}
