//! `lamsim calibrate`: fit duration and init distributions (and cpu-fraction) to a bench
//! folder or CloudWatch Logs exports, and write a calibration file for `calibration = "…"`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Args;
use lamsim_harness::calibrate::{self, Calibration, Options};

use crate::ExitStatus;

/// How many unparseable REPORT lines are shown (all are counted).
const SHOWN_MALFORMED: usize = 5;

/// `lamsim calibrate`.
#[derive(Args, Debug)]
pub struct CalibrateArgs {
    /// A `lamsim bench --out` folder, or CloudWatch Logs exports of one function (plain text
    /// REPORT lines, or the JSON of `aws logs filter-log-events` / `get-log-events`).
    #[arg(required = true, value_name = "BENCH_DIR | CLOUDWATCH_LOG")]
    pub inputs: Vec<PathBuf>,
    /// The calibration file to write (empirical samples, if chosen, go next to it).
    #[arg(long, value_name = "CALIBRATION.toml")]
    pub out: PathBuf,
    /// The function's name: written to the file; with a bench folder, must be the function
    /// it measured.
    #[arg(long, value_name = "NAME")]
    pub function: Option<String>,
    /// Reference memory (MB) to fit the distributions at; one of the measured sizes
    /// (default: the size with the most samples).
    #[arg(long, value_name = "MB")]
    pub memory: Option<u32>,
    /// Parallelism the code can use (`threads` of the scaling model, default 1).
    #[arg(long, value_name = "N")]
    pub threads: Option<u32>,
    /// Print nothing on stdout, and no information lines (warnings still go to stderr).
    #[arg(long, short)]
    pub quiet: bool,
}

/// `lamsim calibrate`: exit 0 when the file was written, 2 on bad input.
pub fn calibrate(args: CalibrateArgs) -> Result<ExitStatus> {
    if args.out.is_dir() {
        bail!(
            "--out {}: is a folder; give the calibration file's name, e.g. --out calibration.toml",
            args.out.display()
        );
    }
    let Some(out_name) = args.out.file_name().and_then(|n| n.to_str()) else {
        bail!("--out {}: not a file name", args.out.display());
    };
    if args.threads == Some(0) {
        bail!("--threads must be at least 1");
    }
    let samples = calibrate::read_inputs(&args.inputs)?;
    let n_malformed = samples.malformed.len();
    if n_malformed > 0 {
        eprintln!(
            "warning: {n_malformed} {} but did not parse (left out):",
            if n_malformed == 1 {
                "line looked like a REPORT line"
            } else {
                "lines looked like REPORT lines"
            }
        );
        for m in samples.malformed.iter().take(SHOWN_MALFORMED) {
            eprintln!("  {}: {}: {}", m.location, m.reason, m.text);
        }
        if n_malformed > SHOWN_MALFORMED {
            eprintln!("  ... and {} more", n_malformed - SHOWN_MALFORMED);
        }
    }
    let cal = calibrate::calibrate(
        &samples,
        &Options {
            reference_memory_mb: args.memory,
            function: args.function.clone(),
            threads: args.threads,
        },
    )?;
    if !args.quiet {
        let used: usize = samples
            .by_memory
            .values()
            .map(|m| m.warm_ms.len() + m.cold_ms.len())
            .sum();
        eprintln!(
            "lamsim: {}: {used} successful invocations at {} memory size{}; {} failed left out, {} other lines skipped, {n_malformed} malformed",
            samples.source,
            samples.by_memory.len(),
            if samples.by_memory.len() == 1 {
                ""
            } else {
                "s"
            },
            samples.failed,
            samples.skipped_lines,
        );
    }
    for n in &cal.notes {
        eprintln!("warning: {n}");
    }
    write(&args, out_name, &cal)?;
    if !args.quiet {
        let mut stdout = std::io::stdout().lock();
        for line in cal.fit_table() {
            writeln!(stdout, "{line}")?;
        }
        writeln!(stdout, "wrote {}", args.out.display())?;
    }
    Ok(ExitStatus::Ok)
}

fn write(args: &CalibrateArgs, out_name: &str, cal: &Calibration) -> Result<()> {
    let files = cal.render(out_name, &calibrate::now_utc());
    let dir = match args.out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    for (name, _) in &files {
        refuse_overwriting_an_input(&dir.join(name), &args.inputs)?;
    }
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_bytes()))
        .collect();
    lamsim_reports::write_dir_files(&dir, &refs)
        .with_context(|| format!("cannot write {}", args.out.display()))
}

/// Refuses to write `target` when it is one of the `inputs`, or a file calibrate reads in an
/// input bench folder (`bench.json`, `samples.csv`).
fn refuse_overwriting_an_input(target: &std::path::Path, inputs: &[PathBuf]) -> Result<()> {
    let same = |a: &std::path::Path, b: &std::path::Path| match (a.canonicalize(), b.canonicalize())
    {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    for input in inputs {
        let read: Vec<PathBuf> = if input.is_dir() {
            [
                crate::bench::BENCH_JSON_FILE,
                lamsim_sim::bench::SAMPLES_CSV_FILE,
            ]
            .iter()
            .map(|n| input.join(n))
            .collect()
        } else {
            vec![input.clone()]
        };
        if read.iter().any(|r| same(r, target)) {
            bail!(
                "--out {}: would overwrite {}, an input of this calibration; choose another file name",
                target.display(),
                input.display()
            );
        }
    }
    Ok(())
}
