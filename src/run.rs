//! `lamsim run`, `lamsim validate` and `lamsim runtimes`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Args;
use lamsim_reports::Format;
use lamsim_sim::config::{self, resolved::to_resolved_toml};
use lamsim_sim::model::Scenario;
use lamsim_sim::report_data::ReportData;
use lamsim_sim::runner::{self, PROGRESS_STEPS};
use lamsim_sim::series::{InvocationSample, SeriesOptions};
use lamsim_sim::stats::Warning;
use lamsim_sim::summary::Summary;

use crate::ExitStatus;
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
    /// Also write `summary.json`, `workload.resolved.toml`, `report-data.json`,
    /// `timeseries.parquet` and `invocations.parquet` into this folder.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// With `--out`: do not write the Parquet files (`timeseries.parquet`,
    /// `invocations.parquet`).
    #[arg(long)]
    pub no_parquet: bool,
    /// With `--out`: also render every chart as PNG (`charts/*.png`, bundled font).
    #[arg(long)]
    pub png: bool,
    /// Run replicates until the 95 % intervals of the key metrics (total cost, each
    /// function's p99 latency and average environments) are within this share of their value,
    /// e.g. `2%`; starts with `--replicates` (at least 5) and doubles. Deterministic: replicate
    /// k always has the same seed.
    #[arg(long, value_parser = parse_precision)]
    pub precision: Option<f64>,
    /// With `--precision`: never more replicates than this (at least 2: an interval needs
    /// two).
    #[arg(
        long,
        default_value_t = runner::DEFAULT_MAX_REPLICATES,
        requires = "precision",
        value_parser = clap::value_parser!(u32).range(2..)
    )]
    pub max_replicates: u32,
    /// Run shard I of N (0-based; function k belongs to shard k mod N) and write its
    /// measurements (run-shard.json) into --out for `lamsim merge`. `/N` takes I from
    /// JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID. Refused when the account's concurrency
    /// limit may bind, since the shards would then not give the answer of one run.
    #[arg(long, value_name = "I/N", conflicts_with = "precision")]
    pub shard: Option<String>,
    /// Number of shards, the index taken from JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID
    /// (same as --shard /N).
    #[arg(long, value_name = "N", conflicts_with_all = ["shard", "precision"])]
    pub shards: Option<usize>,
    /// Simulate the functions in blocks: `auto` (default) for workloads of more than 40
    /// functions (see docs/populations.md), `off`, or a number of blocks. Every output is
    /// that of one run; only the rows of `invocations.parquet` depend on the number of blocks,
    /// so `auto` leaves `[[function]]`-only workloads run with --out as they are.
    #[arg(long, value_name = "auto|off|N", default_value = "auto", value_parser = parse_blocks, conflicts_with_all = ["shard", "shards"])]
    pub blocks: Blocks,
    /// No progress bar, no seed line, no warnings.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `--blocks`: how `lamsim run` splits a workload's functions into blocks simulated one after
/// another (see [`lamsim_sim::shard::run_in_blocks`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Blocks {
    /// [`lamsim_sim::shard::default_blocks`] where it is more than one, the run allows it and
    /// the invocation sample of a workload without `[[population]]` is not asked for.
    Auto,
    /// One run of every function together.
    Off,
    /// This many blocks.
    Count(usize),
}

/// `--blocks`: `auto`, `off` or a positive number.
fn parse_blocks(text: &str) -> Result<Blocks, String> {
    match text.trim() {
        "auto" => Ok(Blocks::Auto),
        "off" => Ok(Blocks::Off),
        n => match n.parse::<usize>() {
            Ok(0) | Err(_) => Err(format!(
                "`{text}` is not auto, off or a number of blocks of at least 1"
            )),
            Ok(n) => Ok(Blocks::Count(n)),
        },
    }
}

/// The number of blocks `lamsim run` splits `scenario` into (None: one run of every function);
/// `series` are the options of `--out`.
fn blocks_of(
    scenario: &Scenario,
    args: &RunArgs,
    series: Option<&SeriesOptions>,
) -> Result<Option<usize>> {
    let functions = scenario.functions.len();
    let n = match args.blocks {
        Blocks::Off => return Ok(None),
        Blocks::Count(n) if n > functions => bail!(
            "--blocks {n}: the workload has {functions} function{}; give at most {functions} blocks, or auto",
            if functions == 1 { "" } else { "s" }
        ),
        Blocks::Count(_) if args.precision.is_some() => {
            bail!(
                "--blocks cannot be used with --precision (its stopping rule looks at every function at once): use --blocks auto or off"
            )
        }
        Blocks::Count(n) => n,
        Blocks::Auto => {
            // Workloads without a new key keep their invocation sample (which depends on the
            // blocks); legacy scaling shares one burst among every function.
            let sample = series.is_some_and(|o| o.sample_cap > 0);
            if args.precision.is_some()
                || scenario.account.scaling == lamsim_sim::model::Scaling::LegacyBurst
                || (sample && scenario.populations.is_empty())
            {
                return Ok(None);
            }
            lamsim_sim::shard::default_blocks(scenario)
        }
    };
    Ok((n > 1).then_some(n))
}

/// `--precision`: `2%` or `2` (percent), more than 0 and less than 100.
fn parse_precision(text: &str) -> Result<f64, String> {
    let x: f64 = text
        .trim()
        .trim_end_matches('%')
        .parse()
        .map_err(|_| format!("`{text}` is not a percentage (e.g. 2%)"))?;
    if !(x > 0.0 && x < 100.0) {
        return Err(format!("`{text}` must be more than 0% and less than 100%"));
    }
    Ok(x / 100.0)
}

/// `lamsim validate`.
#[derive(Args, Debug)]
pub struct ValidateArgs {
    /// Workload files to check.
    #[arg(required = true)]
    pub workloads: Vec<PathBuf>,
    /// Output format on stdout: `table` (an `ok:` line per valid file) or `json` (every
    /// file with its errors, which also go to stderr).
    #[arg(long, default_value_t = Format::Table, value_parser = crate::output::formats(&[Format::Table, Format::Json]))]
    pub format: Format,
    /// Print nothing for valid files.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `lamsim runtimes`.
#[derive(Args, Debug)]
pub struct RuntimesArgs {
    /// Output format on stdout.
    #[arg(long, default_value_t = Format::Table)]
    pub format: Format,
    /// Accepted for symmetry with the other commands (the list is the output).
    #[arg(long, short)]
    pub quiet: bool,
}

/// Loads a workload; the error lists every validation error (see [`crate::exit::print_error`]).
/// Warns on stderr about functions on runtimes AWS has deprecated.
pub(crate) fn load(path: &Path) -> Result<Scenario> {
    load_for(path, config::Purpose::Simulate)
}

/// [`load`] for `purpose` (`serve` and `bench` need neither arrivals nor durations).
pub(crate) fn load_for(path: &Path, purpose: config::Purpose) -> Result<Scenario> {
    let scenario = config::load_for(path, purpose)?;
    warn_deprecated_runtimes(path, &scenario);
    Ok(scenario)
}

/// One warning on stderr per function whose `runtime` AWS has deprecated (accepted, since
/// templates still name them; see `lamsim_sim::profiles::DEPRECATED`).
fn warn_deprecated_runtimes(path: &Path, scenario: &Scenario) {
    for (i, f) in scenario.functions.iter().enumerate() {
        if let Some(d) = f
            .runtime
            .as_deref()
            .and_then(lamsim_sim::profiles::deprecation)
        {
            eprintln!(
                "warning: {}: function[{i}].runtime (`{}`): {}",
                path.display(),
                f.name,
                d.warning()
            );
        }
    }
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

/// Refuses a run that cannot finish or fit (exit 2, saying the estimate) and warns on stderr
/// about one expected to take more than a minute; see [`lamsim_sim::estimate`] for the
/// assumed speed and the limits.
fn check_size(scenario: &Scenario, blocks: usize, quiet: bool) -> Result<()> {
    use lamsim_sim::estimate::{INVOCATIONS_PER_S_PER_CORE, MAX_INVOCATIONS, WARN_SECONDS};
    let est = lamsim_sim::estimate::estimate(scenario, scenario.simulation.replicates);
    let available = available_memory_bytes();
    let too_big = available.is_some_and(|m| est.memory_bytes > m);
    if est.too_many_invocations() || too_big {
        let limit = match available {
            Some(m) => format!("{} of available memory", lamsim_sim::estimate::Bytes(m)),
            None => "no memory limit known".to_string(),
        };
        // The function with the most traffic, to say where to look.
        let window = scenario.simulation.duration;
        let heaviest = scenario
            .functions
            .iter()
            .map(|f| (f, lamsim_sim::estimate::function_arrivals(f, window)))
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(f, n)| {
                format!(
                    "; the most from function `{}`, about {} arrivals per replicate",
                    f.name,
                    lamsim_sim::config::hints::number(n.round())
                )
            })
            .unwrap_or_default();
        bail!(
            "refusing to run {est}: the limits are {MAX_INVOCATIONS:e} invocations and {limit} (lower the rates, the window or --replicates){heaviest}"
        );
    }
    // Replicates (and the blocks of each) run in parallel, one core each.
    let machine = std::thread::available_parallelism().map_or(1, |n| n.get());
    let cores = est.cores_used(machine, blocks);
    let secs = est.seconds(machine, blocks);
    if secs > WARN_SECONDS && !quiet {
        eprintln!(
            "lamsim: warning: {est}: expect about {:.0} min on {cores} core{} (at {INVOCATIONS_PER_S_PER_CORE:e} invocations/s per core)",
            secs / 60.0,
            if cores == 1 { "" } else { "s" }
        );
    }
    Ok(())
}

/// `MemAvailable` of `/proc/meminfo`, bytes (None where there is no such file).
fn available_memory_bytes() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024.0)
}

/// `lamsim run`: simulate, print, optionally write the output folder; exit 1 on a violated
/// `[slo]`.
pub fn run(args: RunArgs) -> Result<ExitStatus> {
    let mut scenario = load(&args.workload)?;
    apply_overrides(&mut scenario, args.seed, args.replicates)?;
    let shard = crate::flags::shard_of(args.shard.as_deref(), args.shards)?;
    if shard.is_some() && args.out.is_none() {
        bail!("--shard needs --out DIR: `lamsim merge` reads the shards' folders");
    }
    // Time series and the invocation sample cost a little speed: only for `--out`.
    let series_options = args.out.is_some().then(|| SeriesOptions {
        sample_cap: if args.no_parquet {
            0
        } else {
            SeriesOptions::default().sample_cap
        },
        ..SeriesOptions::default()
    });
    let mut blocks = None;
    if let Some((i, n)) = shard {
        // Checked before the estimate, which is of the whole workload.
        lamsim_sim::shard::shard_scenario(&scenario, i, n)?;
    } else {
        blocks = blocks_of(&scenario, &args, series_options.as_ref())?;
        check_size(&scenario, blocks.unwrap_or(1), args.quiet)?;
    }
    if let Some(dir) = &args.out {
        crate::out_dir::check(
            dir,
            &crate::out_dir::inputs_of(&args.workload, &scenario),
            None,
        )?;
    }
    let sim = &scenario.simulation;
    if !args.quiet {
        eprintln!(
            "lamsim: {} · seed {} · {} replicate{} · window {}{}",
            args.workload.display(),
            sim.seed,
            sim.replicates,
            if sim.replicates == 1 { "" } else { "s" },
            sim.duration,
            match shard {
                Some((i, n)) => format!(
                    " · shard {i}/{n}: {} of {} functions",
                    lamsim_sim::shard::members(scenario.functions.len(), i, n).len(),
                    scenario.functions.len()
                ),
                None => String::new(),
            }
        );
    }
    if let Some((i, n)) = shard {
        let dir = args.out.as_ref().expect("checked above");
        return run_shard(&scenario, i, n, dir, &args);
    }
    let new_progress = || {
        Progress::new(
            sim.replicates as u64 * PROGRESS_STEPS,
            "simulating",
            args.quiet,
        )
    };
    let mut progress = new_progress();
    let finish_options = FinishOptions {
        out: args.out.as_deref(),
        parquet: !args.no_parquet,
        png: args.png,
        format: args.format,
        quiet: args.quiet,
        print: true,
    };
    if let Some(blocks) = blocks {
        use lamsim_sim::shard::{ShardError, run_in_blocks};
        match run_in_blocks(&scenario, blocks, series_options.as_ref(), &|n| {
            progress.inc(n)
        }) {
            Ok((out, series)) => {
                progress.finish();
                return finish(&scenario, out, series.as_ref(), &finish_options);
            }
            Err(e @ (ShardError::Binds { .. } | ShardError::MayBind { .. })) => {
                progress.finish();
                if !args.quiet {
                    eprintln!(
                        "lamsim: the account's concurrency limit may bind, so the functions are simulated together rather than in {blocks} blocks (slower): {}",
                        match e {
                            ShardError::MayBind {
                                replicate,
                                from_s,
                                to_s,
                                bound,
                                pool,
                            } => format!(
                                "in replicate {replicate}, between {from_s} s and {to_s} s, the blocks held up to {bound} of the {pool} unreserved concurrency"
                            ),
                            _ =>
                                "the functions of one block alone were throttled by it".to_string(),
                        }
                    );
                }
                progress = new_progress();
            }
            Err(e) => return Err(e.into()),
        }
    }
    let (out, series) = if let Some(options) = series_options {
        // `--precision` first finds the replicate count; the same replicates (same seeds) then
        // run again with the time series.
        let mut unmet = Vec::new();
        if let Some(target) = args.precision {
            let precision = runner::Precision {
                target,
                max_replicates: args.max_replicates,
            };
            let first = runner::run_to_precision(&scenario, precision, &|n| progress.inc(n));
            scenario.simulation.replicates = first.replicates.len() as u32;
            unmet.extend(
                first
                    .warnings
                    .into_iter()
                    .filter(|w| matches!(w, Warning::PrecisionNotReached { .. })),
            );
        }
        let (mut out, data, sample) =
            runner::run_with_series(&scenario, &|n| progress.inc(n), &options);
        out.warnings.extend(unmet);
        (out, Some((data, sample)))
    } else {
        let out = match args.precision {
            Some(target) => runner::run_to_precision(
                &scenario,
                runner::Precision {
                    target,
                    max_replicates: args.max_replicates,
                },
                &|n| progress.inc(n),
            ),
            None => runner::run(&scenario, &|n| progress.inc(n)),
        };
        (out, None)
    };
    progress.finish();
    finish(&scenario, out, series.as_ref(), &finish_options)
}

/// How [`finish`] ends a run or a merge.
struct FinishOptions<'a> {
    out: Option<&'a Path>,
    parquet: bool,
    png: bool,
    format: Format,
    quiet: bool,
    /// Print the summary on stdout.
    print: bool,
}

/// Most functions named one by one in the warning that their warm-up is too short; the rest
/// are summed up in one line (a population has thousands of functions).
const WARMUP_WARNINGS_SHOWN: usize = 5;

/// Prints `warnings` on stderr, one line each, but at most [`WARMUP_WARNINGS_SHOWN`] functions
/// whose warm-up looks too short, then one line for the others with the longest transient.
fn print_warnings(warnings: &[lamsim_sim::stats::Warning]) {
    use lamsim_sim::stats::Warning;
    let mut others = Vec::new();
    let mut warmup = 0;
    for w in warnings {
        if let Warning::WarmupTooShort {
            function,
            detected_s,
            ..
        } = w
        {
            warmup += 1;
            if warmup > WARMUP_WARNINGS_SHOWN {
                others.push((*detected_s, function.as_str()));
                continue;
            }
        }
        eprintln!("lamsim: warning: {w}");
    }
    if let Some((longest, function)) = others.iter().copied().max_by(|a, b| a.0.total_cmp(&b.0)) {
        eprintln!(
            "lamsim: warning: and {} more function{} whose environment count settles after the warm-up (the latest: {function}, about {longest:.0} s): raise [simulation] warmup",
            others.len(),
            if others.len() == 1 { "" } else { "s" }
        );
    }
}

/// Prints the warnings and the summary, writes the output folder (with the series, when
/// there are some), and says `SLO violated` with exit 1 when the `[slo]` is not met.
fn finish(
    scenario: &Scenario,
    out: runner::RunOutput,
    series: Option<&(ReportData, InvocationSample)>,
    options: &FinishOptions,
) -> Result<ExitStatus> {
    if !options.quiet {
        print_warnings(&out.warnings);
    }
    let summary = out.summary;
    // `summary.json` and `--format json` are the same text: rendered once (for 10,000
    // functions it is 18 MB), while the other files are drawn (they do not need it).
    let writes = options.out.is_some() && series.is_some();
    let prints_json = options.print && options.format == Format::Json;
    let (json, files) = rayon::join(
        || (writes || prints_json).then(|| lamsim_reports::render(&summary, Format::Json)),
        || {
            let (data, sample) = series.filter(|_| writes)?;
            Some(output_files(
                scenario,
                &summary,
                data,
                sample,
                options.parquet,
                options.png,
            ))
        },
    );

    if let (Some(dir), Some(files), Some(json)) = (options.out, files, &json) {
        let files = files?;
        let mut refs: Vec<(&str, &[u8])> = files
            .iter()
            .map(|(name, bytes)| (name.as_str(), bytes.as_slice()))
            .collect();
        // Last, so that its presence means the folder is complete.
        refs.push((lamsim_reports::SUMMARY_JSON_FILE, json.as_bytes()));
        lamsim_reports::write_dir_files(dir, &refs)
            .with_context(|| format!("cannot write the output folder {}", dir.display()))?;
        let written: Vec<&str> = refs.iter().map(|(name, _)| *name).collect();
        crate::out_dir::remove_stale(dir, &written)?;
    }
    if options.print {
        match (&json, prints_json) {
            (Some(json), true) => crate::output::print(json)?,
            _ => crate::output::print(&lamsim_reports::render(&summary, options.format))?,
        }
    }

    if let Some(slo) = &summary.slo
        && !slo.met
    {
        // Always said, even with --quiet: it is the reason for exit code 1.
        eprintln!("lamsim: SLO violated:");
        for v in &slo.violations {
            eprintln!("  {v}");
        }
        return Ok(ExitStatus::CheckFailed);
    }
    Ok(ExitStatus::Ok)
}

/// `lamsim run --shard I/N`: runs the shard's functions and writes `workload.resolved.toml`
/// (the whole workload) and `run-shard.json` into `dir`; prints one line on stderr.
fn run_shard(
    scenario: &Scenario,
    shard: usize,
    shards: usize,
    dir: &Path,
    args: &RunArgs,
) -> Result<ExitStatus> {
    let sim = &scenario.simulation;
    let progress = Progress::new(
        sim.replicates.max(1) as u64 * PROGRESS_STEPS,
        "simulating",
        args.quiet,
    );
    let options = SeriesOptions::default();
    let file =
        lamsim_sim::shard::run_shard(scenario, shard, shards, &options, &|n| progress.inc(n));
    progress.finish();
    let file = file?;
    let mut json = serde_json::to_vec(&file).context("cannot serialize the shard")?;
    json.push(b'\n');
    let resolved = to_resolved_toml(scenario);
    let files: [(&str, &[u8]); 2] = [
        (lamsim_reports::RESOLVED_TOML_FILE, resolved.as_bytes()),
        (lamsim_sim::shard::RUN_SHARD_JSON_FILE, &json),
    ];
    lamsim_reports::write_dir_files(dir, &files)
        .with_context(|| format!("cannot write the output folder {}", dir.display()))?;
    crate::out_dir::remove_stale(dir, &files.map(|(name, _)| name))?;
    if !args.quiet {
        eprintln!(
            "lamsim: shard {shard}/{shards}: {} arrivals in the window; at most {} of the account's {} unreserved concurrency held by its functions",
            file.arrivals(),
            file.peak_unreserved(),
            file.unreserved_pool
        );
        eprintln!(
            "lamsim: shard {shard}/{shards} written to {}; combine the shards with `lamsim merge`",
            dir.join(lamsim_sim::shard::RUN_SHARD_JSON_FILE).display()
        );
    }
    Ok(ExitStatus::Ok)
}

/// `lamsim merge` of `run --shard` folders: the workload from the first folder's
/// `workload.resolved.toml`, then what the unsharded `run --out` prints and writes.
pub fn merge(args: crate::sweep::MergeArgs) -> Result<ExitStatus> {
    let first = &args.shard_dirs[0];
    let scenario = load(&first.join(lamsim_reports::RESOLVED_TOML_FILE))?;
    let mut shards = Vec::new();
    for dir in &args.shard_dirs {
        let path = dir.join(lamsim_sim::shard::RUN_SHARD_JSON_FILE);
        let bytes = std::fs::read(&path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        let shard = serde_json::from_slice::<lamsim_sim::shard::RunShard>(&bytes)
            .map_err(|e| anyhow::anyhow!("{}: not a lamsim run shard: {e}", path.display()))?;
        shards.push(shard);
    }
    // The workload read back (the first folder's resolved file, and the data files it names)
    // must be the one the shards ran: a folder reused by another run, or data changed since,
    // would price and label the shards' measurements with another workload.
    let resolved_path = first.join(lamsim_reports::RESOLVED_TOML_FILE);
    let resolved = std::fs::read_to_string(&resolved_path)
        .map_err(|e| anyhow::anyhow!("{}: {e}", resolved_path.display()))?;
    if let Some(s) = shards.first()
        && lamsim_sim::shard::fingerprint_text(&resolved) != s.workload_fingerprint
    {
        return Err(lamsim_sim::shard::ShardError::Mismatch(format!(
            "{} (or a data file it reads) is not the workload the shards ran: the folder was reused by another run, or the data changed since; run the shards again",
            resolved_path.display()
        ))
        .into());
    }
    // A mismatch names shards by index; the folders they came from say which is which (the
    // first eight: a message, not a listing).
    let mut folders: Vec<String> = args
        .shard_dirs
        .iter()
        .zip(&shards)
        .take(8)
        .map(|(dir, s)| format!("{} (shard {}/{})", dir.display(), s.shard, s.shards))
        .collect();
    if shards.len() > folders.len() {
        folders.push("…".into());
    }
    let (out, data, sample) = lamsim_sim::shard::merge(&scenario, shards).map_err(|e| match e {
        lamsim_sim::shard::ShardError::Mismatch(m) => {
            lamsim_sim::shard::ShardError::Mismatch(format!("{m} [{}]", folders.join(", ")))
        }
        other => other,
    })?;
    let options = FinishOptions {
        out: Some(&args.out),
        parquet: !args.no_parquet,
        png: args.png,
        format: args.format,
        quiet: args.quiet,
        print: !args.quiet,
    };
    finish(&scenario, out, Some(&(data, sample)), &options)
}

/// Name of the time series and latency CDFs (JSON) in an output folder.
pub const REPORT_DATA_JSON_FILE: &str = "report-data.json";

/// The files of `lamsim run --out DIR` but `summary.json`, as `(file name, contents)`, in the
/// order one [`lamsim_reports::write_dir_files`] call writes them (all or nothing), before
/// `summary.json` (the text `--format json` prints), which comes last so its presence means
/// the folder is complete. The Parquet files are left out when `parquet` is false
/// (`functions.parquet` is written only in the many-function layout); the reports
/// (`report.html`, `report.md`, `charts/`) are always drawn, with PNG copies of the charts
/// when `png` is true. The files do not depend on each other: they are made at the same time
/// (for 10,000 functions the Parquet files take a tenth of a second each).
fn output_files(
    scenario: &Scenario,
    summary: &Summary,
    data: &ReportData,
    sample: &InvocationSample,
    parquet: bool,
    png: bool,
) -> Result<Vec<(String, Vec<u8>)>> {
    use rayon::prelude::*;
    type Files = Result<Vec<(String, Vec<u8>)>>;
    // Many functions: the charts' data of the charted functions only (bounded); every
    // function's series stay in timeseries.parquet.
    let charted = data.charted_only(summary);
    let names: Vec<&str> = scenario.functions.iter().map(|f| f.name.as_str()).collect();
    // The file `name`, made by `make` when it is `wanted`.
    let file = |wanted: bool, name: &str, make: &dyn Fn() -> Result<Vec<u8>>| -> Files {
        Ok(if wanted {
            vec![(name.to_string(), make()?)]
        } else {
            Vec::new()
        })
    };
    let many = summary.aggregate.is_some();
    let parts: [&(dyn Fn() -> Files + Sync); 6] = [
        &|| {
            file(true, lamsim_reports::RESOLVED_TOML_FILE, &|| {
                Ok(to_resolved_toml(scenario).into_bytes())
            })
        },
        &|| {
            file(true, REPORT_DATA_JSON_FILE, &|| {
                let mut json =
                    serde_json::to_vec(&charted).context("cannot serialize report-data.json")?;
                json.push(b'\n');
                Ok(json)
            })
        },
        &|| {
            file(parquet, lamsim_reports::TIMESERIES_PARQUET_FILE, &|| {
                Ok(lamsim_reports::timeseries_parquet(data)?)
            })
        },
        &|| {
            file(parquet, lamsim_reports::INVOCATIONS_PARQUET_FILE, &|| {
                Ok(lamsim_reports::invocations_parquet(sample, &names)?)
            })
        },
        &|| {
            file(
                parquet && many,
                lamsim_reports::FUNCTIONS_PARQUET_FILE,
                &|| Ok(lamsim_reports::functions_parquet(summary)?),
            )
        },
        &|| {
            lamsim_reports::run_report_files(
                summary,
                &charted,
                &lamsim_reports::ReportOptions { png },
            )
            .context("cannot draw the report")
        },
    ];
    let made: Vec<Files> = parts.par_iter().map(|make| make()).collect();
    let mut files = Vec::new();
    for part in made {
        files.extend(part?);
    }
    Ok(files)
}

/// `lamsim validate`: every file is checked; exit 2 when any has an error.
pub fn validate(args: ValidateArgs) -> Result<ExitStatus> {
    let mut failed = false;
    let mut text = String::new();
    let mut files = Vec::new();
    for path in &args.workloads {
        match config::load(path) {
            Ok(s) => {
                warn_deprecated_runtimes(path, &s);
                let n = s.functions.len();
                if !args.quiet {
                    text.push_str(&format!(
                        "ok: {} ({n} function{}, window {})\n",
                        path.display(),
                        if n == 1 { "" } else { "s" },
                        s.simulation.duration
                    ));
                }
                files.push(serde_json::json!({
                    "file": path.display().to_string(),
                    "valid": true,
                    "functions": n,
                    "window": s.simulation.duration.to_string(),
                    "errors": [],
                }));
            }
            Err(errors) => {
                failed = true;
                files.push(serde_json::json!({
                    "file": path.display().to_string(),
                    "valid": false,
                    "errors": errors.errors.iter().map(|e| serde_json::json!({
                        "path": e.path,
                        "message": e.message,
                        "hint": e.hint,
                    })).collect::<Vec<_>>(),
                }));
                crate::exit::print_error(&errors.into());
            }
        }
    }
    if args.format == Format::Json {
        text = serde_json::to_string_pretty(&files).context("cannot encode the result")?;
        text.push('\n');
    }
    crate::output::print(&text)?;
    Ok(if failed {
        ExitStatus::Error
    } else {
        ExitStatus::Ok
    })
}

/// Where the cold-start profiles come from.
const RUNTIMES_SOURCE: &str = "Source: maxday/lambda-perf measurements of 2026-08-22 (Apache-2.0); see sim/data/PROVENANCE.md. The arm64 speed-up is x86_64 / arm64 hello-world duration (arm64-speedup = \"lambda-perf\" uses it).";

/// `lamsim runtimes`: the built-in cold-start profiles, in `--format`.
pub fn runtimes(args: RuntimesArgs) -> Result<ExitStatus> {
    let list = lamsim_sim::profiles::runtimes();
    let text = match args.format {
        Format::Json => {
            let v: Vec<serde_json::Value> = list
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "runtime": r.id,
                        "median_init_ms": r.median_init_ms,
                        "architectures": r.architectures.iter().map(|a| a.as_str()).collect::<Vec<_>>(),
                        "packages": r.packages.iter().map(|p| p.as_str()).collect::<Vec<_>>(),
                        "memory_mb": r.memory_mb,
                        "arm64_speedup": r.arm64_speedup.map(|a| a.speedup),
                        "arm64_speedup_ci95": r.arm64_speedup.map(|a| a.ci95),
                        "display_name": r.display,
                    })
                })
                .collect();
            let mut s = serde_json::to_string_pretty(&v).context("cannot encode the list")?;
            s.push('\n');
            s
        }
        format => {
            let mut t = lamsim_reports::Table::new(&[
                ("runtime", false),
                ("median init (ms)", true),
                ("architectures", false),
                ("packages", false),
                ("memory (MB)", false),
                ("arm64 speed-up (95 % CI)", false),
                ("display name", false),
            ]);
            for r in &list {
                let archs: Vec<&str> = r.architectures.iter().map(|a| a.as_str()).collect();
                let pkgs: Vec<&str> = r.packages.iter().map(|p| p.as_str()).collect();
                let mems: Vec<String> = r.memory_mb.iter().map(|m| m.to_string()).collect();
                t.row(vec![
                    r.id.to_string(),
                    format!("{:.1}", r.median_init_ms),
                    archs.join(","),
                    pkgs.join(","),
                    mems.join(","),
                    r.arm64_speedup.map_or_else(
                        || "-".to_string(),
                        |a| format!("{:.2} ({:.2}–{:.2})", a.speedup, a.ci95[0], a.ci95[1]),
                    ),
                    r.display.to_string(),
                ]);
            }
            match format {
                Format::Csv => t.to_csv(),
                Format::Markdown => format!("{}\n{RUNTIMES_SOURCE}\n", t.to_markdown()),
                _ => format!("{}\n{RUNTIMES_SOURCE}\n", t.to_text()),
            }
        }
    };
    crate::output::print(&text)?;
    Ok(ExitStatus::Ok)
}
