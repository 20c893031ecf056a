//! `lamsim`: simulate the cost and latency of an AWS Lambda workload before deploying it.
//!
//! Exit codes: 0 ok; 1 the run finished but a declared check failed (an `[slo]`); 2 error.

mod bench;
mod calibrate;
mod check;
mod flags;
mod progress;
mod report;
mod run;
mod serve;
mod sweep;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Exit code of a run whose declared check (an `[slo]`) failed.
pub const EXIT_CHECK_FAILED: u8 = 1;
/// Exit code of an error (bad input, I/O).
pub const EXIT_ERROR: u8 = 2;

/// Simulate what an AWS Lambda workload will cost and how fast it will answer.
#[derive(Parser, Debug)]
#[command(name = "lamsim", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Simulate a workload and report latency, cold starts, throttles, instances and cost.
    Run(run::RunArgs),
    /// Check workload files without simulating (exit 2 when any has an error).
    Validate(run::ValidateArgs),
    /// List the built-in cold-start profiles selected by `runtime = "…"`.
    Runtimes(run::RuntimesArgs),
    /// Run a workload at every combination of settings; Pareto front and recommendation.
    Sweep(sweep::SweepArgs),
    /// Combine the output folders of sweep shards into one sweep result.
    Merge(sweep::MergeArgs),
    /// Compare a summary.json with a baseline (a CI gate), or check its recorded SLO.
    Check(check::CheckArgs),
    /// Run the workload's real handlers behind the Lambda Invoke API (until Ctrl-C).
    Serve(serve::ServeArgs),
    /// Measure a function's real handler at several memory sizes: durations, cost, recommendation.
    Bench(bench::BenchArgs),
    /// Fit duration and init distributions to a bench folder or CloudWatch logs.
    Calibrate(calibrate::CalibrateArgs),
    /// Redraw report.html, report.md and charts/ from a run, bench or sweep output folder.
    Report(report::ReportArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(a) => run::run(a),
        Command::Validate(a) => run::validate(a),
        Command::Runtimes(a) => run::runtimes(a),
        Command::Sweep(a) => sweep::sweep(a),
        Command::Merge(a) => sweep::merge(a),
        Command::Check(a) => check::check(a),
        Command::Serve(a) => serve::run(a),
        Command::Bench(a) => bench::bench(a),
        Command::Calibrate(a) => calibrate::calibrate(a),
        Command::Report(a) => report::report(a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            // A closed stdout (e.g. `lamsim run … | head`) ends quietly.
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {e:#}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}
