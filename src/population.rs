//! `lamsim synthesize-population`: writes an account-scale population in the Azure Functions
//! 2019 schema, drawn from the distributions of a real excerpt (`lamsim_population::synth`),
//! with a `workload.toml` that reads it.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use clap::Args;
use lamsim_population::synth::{EXCERPT_FILES, FILES, INVOCATIONS_CSV, SynthOptions, synthesize};

use crate::ExitStatus;

/// Arguments of `lamsim synthesize-population`.
#[derive(Args, Debug)]
pub struct SynthesizeArgs {
    /// Functions to generate.
    #[arg(long, default_value_t = 10_000)]
    pub functions: usize,
    /// Hours of traffic.
    #[arg(long, default_value_t = 24)]
    pub hours: u32,
    /// Seed of every draw (the same seed writes the same files).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Folder of the Azure 2019 excerpt whose distributions are drawn from
    /// (invocations.csv, durations.csv, memory.csv). Default: workloads/populations/azure2019
    /// of the current folder, else of the lamsim repository this program was built from.
    #[arg(long)]
    pub from: Option<PathBuf>,
    /// `[account] concurrency-limit` of the written workload (AWS's default quota is 1000,
    /// which throttles much of a 10,000-function day).
    #[arg(
        long,
        default_value_t = lamsim_population::synth::CONCURRENCY_LIMIT,
        value_parser = clap::value_parser!(u32).range(1..)
    )]
    pub concurrency_limit: u32,
    /// Output folder: invocations.csv, durations.csv, memory.csv and workload.toml.
    #[arg(long)]
    pub out: PathBuf,
    /// No summary line on stderr.
    #[arg(long, short)]
    pub quiet: bool,
}

/// The excerpt `--from` names by default, relative to the current folder or to the
/// repository.
const DEFAULT_FROM: &str = "workloads/populations/azure2019";

/// The excerpt to draw from: `--from`, else [`DEFAULT_FROM`] in the current folder, else in
/// the repository this program was built from (run from anywhere in a clone).
fn excerpt_folder(from: Option<&Path>) -> PathBuf {
    if let Some(f) = from {
        return f.to_path_buf();
    }
    let here = PathBuf::from(DEFAULT_FROM);
    let built = Path::new(env!("CARGO_MANIFEST_DIR")).join(DEFAULT_FROM);
    if !here.join(INVOCATIONS_CSV).is_file() && built.join(INVOCATIONS_CSV).is_file() {
        built
    } else {
        here
    }
}

/// Generates the population.
pub fn synthesize_cmd(args: SynthesizeArgs) -> Result<ExitStatus> {
    let from = excerpt_folder(args.from.as_deref());
    if !from.join(INVOCATIONS_CSV).is_file() {
        bail!(
            "{} has no invocations.csv: --from must name a folder with an Azure Functions 2019 excerpt (invocations.csv, durations.csv, memory.csv), such as workloads/populations/azure2019 in the lamsim repository",
            from.display()
        );
    }
    let opts = SynthOptions {
        functions: args.functions,
        hours: args.hours,
        seed: args.seed,
        from: from.clone(),
        concurrency_limit: args.concurrency_limit,
    };
    // The excerpt read must not be written over (`--out` = `--from`), nor a folder of other
    // files; the population appears whole or not at all.
    let inputs: Vec<PathBuf> = EXCERPT_FILES.iter().map(|f| from.join(f)).collect();
    crate::out_dir::check(&args.out, &inputs, Some(&FILES))?;
    let mut done = None;
    lamsim_reports::write_dir_streamed(&args.out, |tmp| -> Result<()> {
        done = Some(synthesize(&opts, tmp)?);
        Ok(())
    })?;
    let done = done.expect("written");
    if !args.quiet {
        eprintln!(
            "wrote {} functions, {} invocations over {} h to {} (run it with: lamsim run {})",
            done.functions,
            done.invocations,
            args.hours,
            args.out.display(),
            args.out.join("workload.toml").display()
        );
    }
    Ok(ExitStatus::Ok)
}
