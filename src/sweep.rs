//! `lamsim sweep` and `lamsim merge`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result, anyhow, bail};
use clap::Args;
use lamsim_reports::{Format, ReportOptions};
use lamsim_sim::config::resolved::to_resolved_toml;
use lamsim_sim::model::Scenario;
use lamsim_sim::runner::{self, PROGRESS_STEPS};
use lamsim_study::axis::{self, Axis, PointSpec};
use lamsim_study::front::auto_provisioned_counts;
use lamsim_study::sweep::{self, SHARD_JSON_FILE, ShardFile, ShardPoint, SweepHeader};
use lamsim_study::workload::Workload;
use rayon::prelude::*;

use crate::ExitStatus;
use crate::flags::{self, ProvisionedList};
use crate::progress::Progress;

/// `lamsim sweep`.
#[derive(Args, Debug)]
pub struct SweepArgs {
    /// The workload file.
    pub workload: PathBuf,
    /// Memory sizes for every function, MB (e.g. 128,512,1769).
    #[arg(long, value_name = "LIST")]
    pub memory: Option<String>,
    /// Architectures for every function (x86_64,arm64).
    #[arg(long, value_name = "LIST")]
    pub architecture: Option<String>,
    /// Provisioned-concurrency counts for every function (e.g. 0,5,10), or `auto`.
    #[arg(long, value_name = "LIST")]
    pub provisioned: Option<String>,
    /// Any scalar key by TOML path and its values, e.g. function.keep-alive.idle=5m,10m
    /// (repeatable); a key of a function alone means that key of every function
    /// (compute=on-demand,managed-instances is function.compute=…).
    #[arg(long = "set", value_name = "KEY=LIST")]
    pub set: Vec<String>,
    /// Study one function: vary only its keys and report its latency, ratios and own monthly
    /// cost (the rest of the stack still runs, so shared limits still act).
    #[arg(long, value_name = "NAME")]
    pub function: Option<String>,
    /// Root seed of every point (overrides `[simulation] seed`).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Replicates per point (overrides `[simulation] replicates`).
    #[arg(long)]
    pub replicates: Option<u32>,
    /// Write sweep.json, sweep.csv, sweep.md, report.html, report.md, charts/ and
    /// workload.resolved.toml (a shard: sweep-shard.json and workload.resolved.toml) into
    /// this folder.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// With --out, also write the charts as PNG (charts/*.png).
    #[arg(long)]
    pub png: bool,
    /// Run shard I of N (0-based; point k belongs to shard k mod N). `/N` takes I from
    /// JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Number of shards, the index taken from JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID
    /// (same as --shard /N).
    #[arg(long, value_name = "N", conflicts_with = "shard")]
    pub shards: Option<usize>,
    /// Output format on stdout.
    #[arg(long, default_value_t = Format::Table)]
    pub format: Format,
    /// No progress bar, no information lines.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `lamsim merge`.
#[derive(Args, Debug)]
pub struct MergeArgs {
    /// Output folders of the shards: each holds sweep-shard.json (`lamsim sweep --shard`) or
    /// run-shard.json (`lamsim run --shard`).
    #[arg(required = true)]
    pub shard_dirs: Vec<PathBuf>,
    /// Folder to write the merged results into: what the unsharded `sweep --out` or
    /// `run --out` writes.
    #[arg(long)]
    pub out: PathBuf,
    /// Also write the charts as PNG (charts/*.png).
    #[arg(long)]
    pub png: bool,
    /// Run shards: do not write the Parquet files (as `run --no-parquet`).
    #[arg(long)]
    pub no_parquet: bool,
    /// Output format on stdout.
    #[arg(long, default_value_t = Format::Table)]
    pub format: Format,
    /// Print nothing on stdout.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Applies `--seed` / `--replicates`.
fn overrides(s: &mut Scenario, seed: Option<u64>, replicates: Option<u32>) {
    if let Some(x) = seed {
        s.simulation.seed = x;
    }
    if let Some(r) = replicates {
        s.simulation.replicates = r;
    }
}

/// The axes from the flags; `auto` runs the workload once without provisioned concurrency.
fn axes(args: &SweepArgs, w: &Workload) -> Result<Vec<Axis>> {
    let mut axes = Vec::new();
    if let Some(m) = &args.memory {
        axes.push(flags::parse_memory(m)?);
    }
    if let Some(a) = &args.architecture {
        axes.push(flags::parse_architecture(a)?);
    }
    let provisioned = match &args.provisioned {
        Some(p) => Some(flags::parse_provisioned(p)?),
        None => None,
    };
    // `auto` stands in as an empty list until its values are known.
    let at = axes.len();
    if let Some(p) = &provisioned {
        axes.push(match p {
            ProvisionedList::Counts(counts) => Axis::provisioned(counts.iter().copied()),
            ProvisionedList::Auto => Axis::provisioned([]),
        });
    }
    for s in &args.set {
        axes.push(flags::parse_set(s)?);
    }
    // Before `auto` runs its simulation: two axes on one key are refused at once.
    lamsim_study::axis::check_distinct(&axes).map_err(anyhow::Error::msg)?;
    if let Some(ProvisionedList::Auto) = provisioned {
        axes[at] = auto_provisioned(args, w)?;
    }
    Ok(axes)
}

fn auto_provisioned(args: &SweepArgs, w: &Workload) -> Result<Axis> {
    let zero = [Axis::provisioned([0])];
    let spec = PointSpec {
        index: 0,
        values: zero[0].values.clone(),
    };
    let mut s = w.scenario(&zero, &spec)?;
    overrides(&mut s, args.seed, args.replicates);
    let progress = Progress::new(
        s.simulation.replicates as u64 * PROGRESS_STEPS,
        "sizing provisioned concurrency",
        args.quiet,
    );
    let out = runner::run(&s, &|n| progress.inc(n));
    progress.finish();
    // The studied function alone, or every function.
    let studied = |i: &usize| w.focused().is_none_or(|f| f == *i);
    let peak = out
        .summary
        .functions
        .iter()
        .enumerate()
        .filter(|(i, _)| studied(i))
        .map(|(_, f)| f.instances.peak.ceil() as u32)
        .max()
        .unwrap_or(0);
    let cap = s
        .functions
        .iter()
        .enumerate()
        .filter(|(i, _)| studied(i))
        .filter_map(|(_, f)| f.reserved_concurrency)
        .min();
    let counts = auto_provisioned_counts(peak, cap);
    if !args.quiet {
        eprintln!(
            "lamsim: --provisioned auto: peak of {peak} environments without provisioned concurrency → {}",
            counts
                .iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join(",")
        );
    }
    Ok(Axis::provisioned(counts))
}

/// `lamsim sweep`: run every point (or one shard's), print the table, write the folder; exit
/// 1 when the workload has an `[slo]` and no point meets it.
pub fn sweep(args: SweepArgs) -> Result<ExitStatus> {
    if args.replicates == Some(0) {
        bail!("--replicates must be at least 1");
    }
    let mut w = Workload::load(&args.workload)?;
    if let Some(name) = &args.function {
        w.focus(name)?;
    }
    let axes = axes(&args, &w)?;
    w.check_axes(&axes)?;
    let shard = flags::shard_of(args.shard.as_deref(), args.shards)?;
    if shard.is_some() && args.out.is_none() {
        bail!("--shard needs --out DIR: `lamsim merge` reads the shards' folders");
    }
    if let Some(dir) = &args.out {
        let inputs = crate::out_dir::inputs_of(&args.workload, &w.base);
        crate::out_dir::check(dir, &inputs, None)?;
    }
    let all = axis::cross_product(&axes);
    let mine = match shard {
        Some((i, n)) => axis::shard_points(&all, i, n),
        None => all.clone(),
    };
    let mut scenarios = Vec::with_capacity(mine.len());
    for spec in &mine {
        let mut s = w.scenario(&axes, spec)?;
        overrides(&mut s, args.seed, args.replicates);
        scenarios.push(s);
    }
    let mut base = w.base.clone();
    overrides(&mut base, args.seed, args.replicates);
    let header = SweepHeader::of_scenario(&base, w.focused(), &axes);
    let resolved = to_resolved_toml(&base);

    if !args.quiet {
        eprintln!(
            "lamsim: {} · {} point{}{} · seed {} · {} replicate{} per point",
            args.workload.display(),
            all.len(),
            if all.len() == 1 { "" } else { "s" },
            match shard {
                Some((i, n)) => format!(" (shard {i}/{n}: {} of them)", mine.len()),
                None => String::new(),
            },
            header.seed,
            header.replicates,
            if header.replicates == 1 { "" } else { "s" },
        );
    }
    let total: u64 = scenarios
        .iter()
        .map(|s| s.simulation.replicates.max(1) as u64 * PROGRESS_STEPS)
        .sum();
    let progress = Progress::new(total, "sweeping", args.quiet);
    let (points, warnings): (Vec<sweep::Point>, Vec<Vec<String>>) = mine
        .par_iter()
        .zip(scenarios.par_iter())
        .map(|(spec, s)| {
            let out = runner::run(s, &|n| progress.inc(n));
            let warnings = out.warnings.iter().map(|w| w.to_string()).collect();
            (sweep::point_result(&w, &axes, spec, s, &out), warnings)
        })
        .unzip();
    progress.finish();
    if !args.quiet {
        // Each statistical warning once, however many points share it.
        let mut seen = std::collections::BTreeSet::new();
        for w in warnings.iter().flatten() {
            if seen.insert(w) {
                eprintln!("lamsim: warning: {w}");
            }
        }
    }

    let mut stdout = std::io::stdout().lock();
    if let Some((i, n)) = shard {
        let file = ShardFile {
            schema_version: sweep::SCHEMA_VERSION,
            shard: i,
            shards: n,
            total_points: all.len(),
            workload_fingerprint: w.fingerprint.clone(),
            header,
            points: mine
                .iter()
                .zip(points)
                .map(|(spec, point)| ShardPoint {
                    index: spec.index,
                    point,
                })
                .collect(),
        };
        let dir = args.out.as_ref().expect("checked above");
        lamsim_reports::write_shard_dir(dir, &file, Some(&resolved))
            .with_context(|| format!("cannot write the output folder {}", dir.display()))?;
        let keys: Vec<String> = file
            .header
            .axes
            .iter()
            .map(|a| a.key.clone())
            .filter(|k| !["memory_mb", "architecture", "provisioned"].contains(&k.as_str()))
            .collect();
        let rows: Vec<(usize, &sweep::Point)> =
            file.points.iter().map(|p| (p.index, &p.point)).collect();
        write!(
            stdout,
            "{}{}",
            lamsim_reports::function_line(file.header.function.as_deref()),
            lamsim_reports::points_table(&keys, &rows, &[], None)
        )
        .context("cannot write to stdout")?;
        if !args.quiet {
            eprintln!(
                "lamsim: shard {i}/{n} written to {}; combine the shards with `lamsim merge`",
                dir.join(SHARD_JSON_FILE).display()
            );
        }
        stdout.flush().context("cannot write to stdout")?;
        return Ok(ExitStatus::Ok);
    }
    let report = sweep::finish(header, &axes, points);
    let opts = ReportOptions { png: args.png };
    finish_report(
        &report,
        args.out.as_ref(),
        Some(&resolved),
        &opts,
        args.format,
        false,
        args.quiet,
    )
}

/// Writes the folder, prints the report, and picks the exit code.
fn finish_report(
    report: &sweep::SweepReport,
    out: Option<&PathBuf>,
    resolved_toml: Option<&str>,
    opts: &ReportOptions,
    format: Format,
    silent: bool,
    quiet: bool,
) -> Result<ExitStatus> {
    if let Some(dir) = out {
        lamsim_reports::write_sweep_dir(dir, report, opts, resolved_toml)
            .with_context(|| format!("cannot write the output folder {}", dir.display()))?;
    }
    if !silent {
        let mut stdout = std::io::stdout().lock();
        stdout
            .write_all(lamsim_reports::render_sweep(report, format).as_bytes())
            .context("cannot write to stdout")?;
        stdout.flush().context("cannot write to stdout")?;
    }
    if report.recommendation.is_none() {
        if !quiet {
            eprintln!("lamsim: none of the points meets the SLO");
        }
        return Ok(ExitStatus::CheckFailed);
    }
    Ok(ExitStatus::Ok)
}

/// What wrote a shard folder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ShardKind {
    /// `lamsim run --shard`: `run-shard.json`.
    Run,
    /// `lamsim sweep --shard`: `sweep-shard.json`.
    Sweep,
}

impl ShardKind {
    /// The command that writes such a shard.
    fn command(self) -> &'static str {
        match self {
            ShardKind::Run => "run",
            ShardKind::Sweep => "sweep",
        }
    }
}

/// The kind of every folder of `dirs`, which must be one: an error names a folder that is no
/// shard folder (missing, or a shard that stopped with an error and wrote nothing) or that
/// another command wrote.
fn shards_kind(dirs: &[std::path::PathBuf]) -> Result<ShardKind> {
    const RUN: &str = lamsim_sim::shard::RUN_SHARD_JSON_FILE;
    let mut kind = None;
    for dir in dirs {
        if !dir.is_dir() {
            bail!(
                "{}: no such folder (merge reads the --out folders of `lamsim run --shard I/N` \
                 or `lamsim sweep --shard I/N`)",
                dir.display()
            );
        }
        let this = match (dir.join(RUN).is_file(), dir.join(SHARD_JSON_FILE).is_file()) {
            (true, false) => ShardKind::Run,
            (false, true) => ShardKind::Sweep,
            (true, true) => bail!(
                "{}: holds both {RUN} and {SHARD_JSON_FILE}; give each shard its own --out folder",
                dir.display()
            ),
            (false, false) => bail!(
                "{}: not a shard folder: it holds neither {RUN} (written by `lamsim run --shard \
                 I/N --out`) nor {SHARD_JSON_FILE} (`lamsim sweep --shard I/N --out`); a shard \
                 that stopped with an error writes nothing: run it again",
                dir.display()
            ),
        };
        match kind {
            None => kind = Some((this, dir)),
            Some((k, first)) if k != this => bail!(
                "{} is a shard of `lamsim {}` but {} is a shard of `lamsim {}`: merge the shards \
                 of one command",
                dir.display(),
                this.command(),
                first.display(),
                k.command(),
            ),
            Some(_) => {}
        }
    }
    kind.map(|(k, _)| k)
        .ok_or_else(|| anyhow!("merge needs at least one shard folder"))
}

/// `lamsim merge`: combine shard folders into what the unsharded sweep writes.
pub fn merge(args: MergeArgs) -> Result<ExitStatus> {
    crate::out_dir::check(&args.out, &args.shard_dirs, None)?;
    if shards_kind(&args.shard_dirs)? == ShardKind::Run {
        return crate::run::merge(args);
    }
    let mut shards = Vec::new();
    for dir in &args.shard_dirs {
        let path = dir.join(SHARD_JSON_FILE);
        let text =
            std::fs::read_to_string(&path).map_err(|e| anyhow!("{}: {e}", path.display()))?;
        let shard = serde_json::from_str::<ShardFile>(&text)
            .map_err(|e| anyhow!("{}: not a lamsim sweep shard: {e}", path.display()))?;
        shards.push(shard);
    }
    let report = sweep::merge_shards(shards)?;
    // The shards ran one workload (their fingerprints and headers agree): the first one's
    // resolved workload is the sweep's. Shards written before it was kept have none.
    let resolved = args
        .shard_dirs
        .first()
        .and_then(|d| std::fs::read_to_string(d.join(lamsim_reports::RESOLVED_TOML_FILE)).ok());
    finish_report(
        &report,
        Some(&args.out),
        resolved.as_deref(),
        &ReportOptions { png: args.png },
        args.format,
        args.quiet,
        args.quiet,
    )
}
