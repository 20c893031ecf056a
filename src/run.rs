//! `lamsim run`, `lamsim validate` and `lamsim runtimes`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Args;
use lamsim_reports::Format;
use lamsim_sim::config::{self, resolved::to_resolved_toml};
use lamsim_sim::model::Scenario;
use lamsim_sim::runner::{self, PROGRESS_STEPS};

use crate::progress::Progress;

/// `lamsim run`.
#[derive(Args, Debug)]
pub struct RunArgs {
    /// The workload file.
    pub workload: PathBuf,
    /// Root seed (overrides `[simulation] seed`).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Independent replicates with derived seeds (overrides `[simulation] replicates`).
    #[arg(long)]
    pub replicates: Option<u32>,
    /// Output format on stdout.
    #[arg(long, default_value_t = Format::Table)]
    pub format: Format,
    /// Also write `summary.json` and `workload.resolved.toml` into this folder.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// No progress bar, no seed line, no warnings.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `lamsim validate`.
#[derive(Args, Debug)]
pub struct ValidateArgs {
    /// Workload files to check.
    #[arg(required = true)]
    pub workloads: Vec<PathBuf>,
    /// Print nothing for valid files.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `lamsim runtimes`.
#[derive(Args, Debug)]
pub struct RuntimesArgs {
    /// Accepted for symmetry with the other commands (the list is the output).
    #[arg(long, short)]
    pub quiet: bool,
}

/// Loads a workload, printing every validation error on stderr.
pub(crate) fn load(path: &Path) -> Result<Scenario, ExitCode> {
    config::load(path).map_err(|errors| {
        eprint!("{errors}");
        ExitCode::from(crate::EXIT_ERROR)
    })
}

/// Applies command-line overrides and checks them like the file's own keys.
fn apply_overrides(
    scenario: &mut Scenario,
    seed: Option<u64>,
    replicates: Option<u32>,
) -> Result<()> {
    if let Some(s) = seed {
        scenario.simulation.seed = s;
    }
    if let Some(r) = replicates {
        if r == 0 {
            bail!("--replicates must be at least 1");
        }
        scenario.simulation.replicates = r;
    }
    Ok(())
}

/// `lamsim run`: simulate, print, optionally write the output folder; exit 1 on a violated
/// `[slo]`.
pub fn run(args: RunArgs) -> Result<ExitCode> {
    let mut scenario = match load(&args.workload) {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    apply_overrides(&mut scenario, args.seed, args.replicates)?;
    let sim = &scenario.simulation;
    if !args.quiet {
        eprintln!(
            "lamsim: {} · seed {} · {} replicate{} · window {}",
            args.workload.display(),
            sim.seed,
            sim.replicates,
            if sim.replicates == 1 { "" } else { "s" },
            sim.duration
        );
    }
    let progress = Progress::new(
        sim.replicates as u64 * PROGRESS_STEPS,
        "simulating",
        args.quiet,
    );
    let out = runner::run(&scenario, &|n| progress.inc(n));
    progress.finish();
    let summary = out.summary;

    if let Some(dir) = &args.out {
        lamsim_reports::write_output_dir(dir, &summary, &to_resolved_toml(&scenario))
            .with_context(|| format!("cannot write the output folder {}", dir.display()))?;
    }
    let mut stdout = std::io::stdout().lock();
    lamsim_reports::write(&summary, args.format, &mut stdout).context("cannot write to stdout")?;
    stdout.flush().context("cannot write to stdout")?;

    if let Some(slo) = &summary.slo {
        if !slo.met {
            // Always said, even with --quiet: it is the reason for exit code 1.
            eprintln!("lamsim: SLO violated:");
            for v in &slo.violations {
                eprintln!("  {v}");
            }
            return Ok(ExitCode::from(crate::EXIT_CHECK_FAILED));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `lamsim validate`: every file is checked; exit 2 when any has an error.
pub fn validate(args: ValidateArgs) -> Result<ExitCode> {
    let mut failed = false;
    // Written with `writeln!`, not `println!`, so a closed stdout is an error that ends the
    // program quietly (see `main`), not a panic.
    let mut out = std::io::stdout().lock();
    for path in &args.workloads {
        match config::load(path) {
            Ok(s) => {
                if !args.quiet {
                    writeln!(
                        out,
                        "ok: {} ({} function{}, window {})",
                        path.display(),
                        s.functions.len(),
                        if s.functions.len() == 1 { "" } else { "s" },
                        s.simulation.duration
                    )?;
                }
            }
            Err(errors) => {
                failed = true;
                eprint!("{errors}");
            }
        }
    }
    Ok(if failed {
        ExitCode::from(crate::EXIT_ERROR)
    } else {
        ExitCode::SUCCESS
    })
}

/// `lamsim runtimes`: the built-in cold-start profiles.
pub fn runtimes(_args: RuntimesArgs) -> Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{:<28} {:>16} {:<14} {:<10} {:<24} display name",
        "runtime", "median init (ms)", "architectures", "packages", "memory (MB)"
    )?;
    for r in lamsim_sim::profiles::runtimes() {
        let archs: Vec<&str> = r.architectures.iter().map(|a| a.as_str()).collect();
        let pkgs: Vec<&str> = r.packages.iter().map(|p| p.as_str()).collect();
        let mems: Vec<String> = r.memory_mb.iter().map(|m| m.to_string()).collect();
        writeln!(
            out,
            "{:<28} {:>16.1} {:<14} {:<10} {:<24} {}",
            r.id,
            r.median_init_ms,
            archs.join(","),
            pkgs.join(","),
            mems.join(","),
            r.display
        )?;
    }
    writeln!(
        out,
        "\nSource: maxday/lambda-perf measurements of 2026-08-22 (Apache-2.0); see sim/data/PROVENANCE.md."
    )?;
    Ok(ExitCode::SUCCESS)
}
