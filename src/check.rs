//! `lamsim check`: a CI gate on `summary.json` files.

use std::path::PathBuf;

use anyhow::{Result, bail};
use clap::Args;
use lamsim_reports::Format;
use lamsim_study::check::{self, CheckError};

use crate::flags;
use lamsim_sim::summary::Summary;

use crate::ExitStatus;

/// `lamsim check`.
#[derive(Args, Debug)]
pub struct CheckArgs {
    /// The current run's summary.json.
    pub summary: PathBuf,
    /// The baseline's summary.json; without it, the summary's `slo` block is checked.
    #[arg(long)]
    pub baseline: Option<PathBuf>,
    /// Largest acceptable increases, e.g. cost=5%,p99=10%,cold-start-ratio=0.001
    /// (metrics: cost, p99, p50, cold-start-ratio, throttle-ratio; N% relative, a bare
    /// number absolute in the metric's unit).
    #[arg(long, value_name = "LIST")]
    pub max_increase: Option<String>,
    /// Output format on stdout: the comparison as a table, Markdown, CSV or JSON (without
    /// `--baseline`: the SLO result as text, CSV or JSON).
    #[arg(long, default_value_t = Format::Table)]
    pub format: Format,
    /// Print only failures.
    #[arg(long, short)]
    pub quiet: bool,
}

fn read(path: &PathBuf) -> Result<Summary, CheckError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| CheckError::BadSummary {
        file: file.clone(),
        message: format!("cannot read: {e}"),
    })?;
    check::parse_summary(&text, &file)
}

/// `lamsim check`: exit 1 on a significant regression beyond a limit (or a recorded SLO
/// violation without `--baseline`), 2 on bad input.
pub fn check(args: CheckArgs) -> Result<ExitStatus> {
    let limits = match args.max_increase.as_deref() {
        None => Vec::new(),
        Some(list) => flags::parse_max_increase(list)?,
    };
    let current = read(&args.summary)?;
    let Some(base_path) = &args.baseline else {
        if !limits.is_empty() {
            bail!("--max-increase needs --baseline BASE.json to compare with");
        }
        let violated = current.slo.as_ref().is_some_and(|slo| !slo.met);
        if !args.quiet || violated {
            crate::output::print(&slo_result(&args, &current))?;
        }
        return Ok(if violated {
            ExitStatus::CheckFailed
        } else {
            ExitStatus::Ok
        });
    };
    let baseline = read(base_path)?;
    let cmp = check::compare(&baseline, &current, &limits);
    if !args.quiet || cmp.failed() {
        let mut text = lamsim_reports::render_check(&cmp, args.format);
        if limits.is_empty() {
            match args.format {
                Format::Table => text.push_str(NO_LIMITS_NOTE_TABLE),
                Format::Markdown => text.push_str(NO_LIMITS_NOTE_MARKDOWN),
                Format::Json | Format::Csv => {}
            }
        }
        crate::output::print(&text)?;
    }
    Ok(if cmp.failed() {
        ExitStatus::CheckFailed
    } else {
        ExitStatus::Ok
    })
}

const NO_LIMITS_NOTE_TABLE: &str =
    "note: no --max-increase given: changes are reported, nothing can fail.\n";
const NO_LIMITS_NOTE_MARKDOWN: &str =
    "- no --max-increase given: changes are reported, nothing can fail.\n";

/// The recorded SLO result of a summary (checked without `--baseline`) in `args.format`:
/// text lines (table and Markdown), CSV (`summary,slo,violation`, one row per violation) or
/// JSON (`{"summary": …, "slo": {"met": …, "violations": […]} | null}`).
fn slo_result(args: &CheckArgs, current: &Summary) -> String {
    let file = args.summary.display().to_string();
    match args.format {
        Format::Json => {
            let slo = current
                .slo
                .as_ref()
                .map(|s| serde_json::json!({"met": s.met, "violations": s.violations}));
            let mut s = serde_json::to_string_pretty(&serde_json::json!({
                "summary": file,
                "slo": slo,
            }))
            .expect("JSON values serialize");
            s.push('\n');
            s
        }
        Format::Csv => {
            let mut records = vec![["summary", "slo", "violation"].map(str::to_string)];
            match &current.slo {
                None => records.push([file, "none".into(), String::new()]),
                Some(s) if s.met => records.push([file, "met".into(), String::new()]),
                Some(s) => records.extend(
                    s.violations
                        .iter()
                        .map(|v| [file.clone(), "violated".into(), v.clone()]),
                ),
            }
            lamsim_reports::csv_text(records)
        }
        Format::Table | Format::Markdown => match &current.slo {
            Some(slo) if !slo.met => {
                let mut text = format!("{file}: SLO violated:\n");
                for v in &slo.violations {
                    text.push_str(&format!("  {v}\n"));
                }
                text
            }
            Some(_) => format!("{file}: valid; SLO met\n"),
            None => format!("{file}: valid; no [slo] recorded (nothing to check)\n"),
        },
    }
}
