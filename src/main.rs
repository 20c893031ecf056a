//! `lamsim`: simulate the cost and latency of an AWS Lambda workload before deploying it.
//!
//! Exit codes ([`ExitStatus`]): 0 ok; 1 the command finished but a declared check failed (an
//! `[slo]`, a `check` limit); 2 error, printed once on stderr by [`exit::print_error`].

mod bench;
mod calibrate;
mod check;
mod completions;
mod events;
mod exit;
mod flags;
mod import;
mod instance_types;
mod load;
mod out_dir;
mod output;
mod population;
mod progress;
mod report;
mod run;
mod serve;
mod signals;
mod sweep;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub use crate::exit::ExitStatus;

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
    /// List the EC2 price book of Lambda Managed Instances (`instance-type = "…"`).
    InstanceTypes(instance_types::InstanceTypesArgs),
    /// Run a workload at every combination of settings; Pareto front and recommendation.
    Sweep(sweep::SweepArgs),
    /// Combine the output folders of `run --shard` or `sweep --shard` into one run or sweep result.
    Merge(sweep::MergeArgs),
    /// Compare a summary.json with a baseline (a CI gate), or check its recorded SLO.
    Check(check::CheckArgs),
    /// Run the workload's real handlers behind the Lambda Invoke API (until Ctrl-C).
    Serve(serve::ServeArgs),
    /// Measure a function's real handler at several memory sizes: durations, cost, recommendation.
    Bench(bench::BenchArgs),
    /// Drive the real handlers open-loop with the workload's own arrivals, then compare with
    /// the simulation of the same window (cold starts, throttles, environments, latency).
    Load(load::LoadArgs),
    /// Print a sample event in AWS's shape (API, SQS, S3, SNS, EVENTBRIDGE, SCHEDULE, KINESIS,
    /// DYNAMODB), e.g. for `bench --payload`.
    Events(events::EventsArgs),
    /// Fit duration and init distributions to a bench folder or CloudWatch logs.
    Calibrate(calibrate::CalibrateArgs),
    /// Redraw report.html, report.md and charts/ from a run, bench or sweep output folder.
    Report(report::ReportArgs),
    /// Write a workload from a SAM/CloudFormation template or a CloudWatch metrics export.
    Import(import::ImportArgs),
    /// Write an account-scale population (Azure Functions 2019 schema) drawn from a real
    /// excerpt's distributions, with a workload that reads it.
    SynthesizePopulation(population::SynthesizeArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell) on stdout.
    Completions(completions::CompletionsArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // `[[population]]` traces are read by lamsim-population (polars), outside the core.
    lamsim_population::register();
    exit::finish(match cli.command {
        Command::Run(a) => run::run(a),
        Command::Validate(a) => run::validate(a),
        Command::Runtimes(a) => run::runtimes(a),
        Command::InstanceTypes(a) => instance_types::instance_types_cmd(a),
        Command::Sweep(a) => sweep::sweep(a),
        Command::Merge(a) => sweep::merge(a),
        Command::Check(a) => check::check(a),
        Command::Serve(a) => serve::run(a),
        Command::Bench(a) => bench::bench(a),
        Command::Events(a) => events::events(a),
        Command::Load(a) => load::load(a),
        Command::Calibrate(a) => calibrate::calibrate(a),
        Command::Report(a) => report::report(a),
        Command::Import(a) => import::import(a),
        Command::SynthesizePopulation(a) => population::synthesize_cmd(a),
        Command::Completions(a) => completions::completions(a),
    })
}
