//! `lamsim check`: a CI gate on `summary.json` files.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;
use lamsim_sim::check::{self, CheckError};
use lamsim_sim::summary::Summary;

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
pub fn check(args: CheckArgs) -> Result<ExitCode> {
    let fail = |e: CheckError| {
        eprintln!("error: {e}");
        Ok(ExitCode::from(crate::EXIT_ERROR))
    };
    let limits = match args.max_increase.as_deref().map(check::parse_max_increase) {
        None => Vec::new(),
        Some(Ok(l)) => l,
        Some(Err(e)) => return fail(e),
    };
    let current = match read(&args.summary) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let mut stdout = std::io::stdout().lock();
    let Some(base_path) = &args.baseline else {
        if !limits.is_empty() {
            eprintln!("error: --max-increase needs --baseline BASE.json to compare with");
            return Ok(ExitCode::from(crate::EXIT_ERROR));
        }
        return match &current.slo {
            Some(slo) if !slo.met => {
                writeln!(stdout, "{}: SLO violated:", args.summary.display())?;
                for v in &slo.violations {
                    writeln!(stdout, "  {v}")?;
                }
                Ok(ExitCode::from(crate::EXIT_CHECK_FAILED))
            }
            Some(_) => {
                if !args.quiet {
                    writeln!(stdout, "{}: valid; SLO met", args.summary.display())?;
                }
                Ok(ExitCode::SUCCESS)
            }
            None => {
                if !args.quiet {
                    writeln!(
                        stdout,
                        "{}: valid; no [slo] recorded (nothing to check)",
                        args.summary.display()
                    )?;
                }
                Ok(ExitCode::SUCCESS)
            }
        };
    };
    let baseline = match read(base_path) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let cmp = check::compare(&baseline, &current, &limits);
    if !args.quiet || cmp.failed() {
        let text = lamsim_reports::render_check(&cmp, lamsim_reports::Format::Table);
        stdout
            .write_all(text.as_bytes())
            .context("cannot write to stdout")?;
    }
    if limits.is_empty() && !args.quiet {
        writeln!(
            stdout,
            "note: no --max-increase given: changes are reported, nothing can fail."
        )?;
    }
    stdout.flush().context("cannot write to stdout")?;
    Ok(if cmp.failed() {
        ExitCode::from(crate::EXIT_CHECK_FAILED)
    } else {
        ExitCode::SUCCESS
    })
}
