//! `lamsim bench WORKLOAD.toml --function NAME --memory LIST`: runs one function's real
//! handler through the mini-runtime at each memory size and reports init and duration
//! statistics, cost and the Power Tuning recommendations (see `lamsim_harness::bench`).

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result, anyhow};
use clap::Args;
use lamsim_harness::bench::{self, BenchOptions, BenchOutput, Payloads};
use lamsim_reports::Format;
use lamsim_sim::bench::{BENCH_SCHEMA_VERSION, BenchResult, SAMPLES_CSV_FILE};
use lamsim_sim::config::Purpose;

use crate::ExitStatus;
use crate::flags;
use crate::progress::Progress;

/// Name of the summary file in the `--out` folder.
pub const BENCH_JSON_FILE: &str = "bench.json";

/// `lamsim bench`.
#[derive(Args, Debug)]
pub struct BenchArgs {
    /// The workload file; `[function.arrivals]` is ignored and, like `[function.duration]` and
    /// `[simulation]`, may be left out.
    pub workload: PathBuf,
    /// The function to benchmark (it needs a `[function.handler]`).
    #[arg(long, value_name = "NAME")]
    pub function: String,
    /// Memory sizes to measure, MB (e.g. 128,512,1769).
    #[arg(long, value_name = "LIST")]
    pub memory: String,
    /// Architectures to report (x86_64,arm64); default the function's. Only this machine's is
    /// measured, the other is modelled from it with `arm64-speedup`.
    #[arg(long, value_name = "LIST")]
    pub architecture: Option<String>,
    /// Measured warm invocations per memory size.
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub invocations: u32,
    /// Forced cold starts (fresh environments) per memory size.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub cold: u32,
    /// Unmeasured warm-up invocations before the warm ones (default: the concurrency).
    #[arg(long, value_name = "N")]
    pub warmup: Option<u32>,
    /// Concurrent clients of the warm phase (1: sequential).
    #[arg(long, value_name = "C", default_value_t = 1)]
    pub concurrency: u32,
    /// The event: one JSON event, or JSON lines of {"weight": W, "payload": EVENT} used in
    /// proportion to their weights. Default `{}`.
    #[arg(long, value_name = "FILE")]
    pub payload: Option<PathBuf>,
    /// Weight of cost in the `balanced` recommendation (duration gets 1 − W).
    #[arg(long, value_name = "W", default_value_t = 0.5)]
    pub balanced_weight: f64,
    /// Write bench.json, samples.csv and the report (report.html, report.md, charts/) into
    /// this folder.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// With `--out`: also render every chart as PNG (`charts/*.png`, bundled font).
    #[arg(long)]
    pub png: bool,
    /// Output on stdout: table, json (bench.json), markdown, or csv (samples.csv).
    #[arg(long, default_value_t = Format::Table)]
    pub format: Format,
    /// Run handlers without cgroup CPU and memory limits (durations are then not
    /// memory-scaled).
    #[arg(long)]
    pub no_cgroups: bool,
    /// No progress bar and no notes.
    #[arg(long, short)]
    pub quiet: bool,
}

/// The options from the flags.
fn options(args: &BenchArgs) -> Result<BenchOptions> {
    let memory_mb = flags::memory_list(&args.memory)?;
    let architectures = match &args.architecture {
        None => Vec::new(),
        Some(list) => flags::architecture_list(list)?,
    };
    Ok(BenchOptions {
        memory_mb,
        architectures,
        cold: args.cold,
        warmup: args.warmup,
        invocations: args.invocations,
        concurrency: args.concurrency,
        balanced_weight: args.balanced_weight,
        cgroups: !args.no_cgroups,
    })
}

/// Runs `lamsim bench`: exit 0 after a complete benchmark, 2 on bad input (nothing written).
pub fn bench(args: BenchArgs) -> Result<ExitStatus> {
    let scenario = crate::run::load_for(&args.workload, Purpose::Harness)?;
    let opts = options(&args)?;
    let payloads = match &args.payload {
        None => Payloads::default(),
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| anyhow!("--payload {}: {e}", p.display()))?;
            Payloads::parse(&text, &p.display().to_string())?
        }
    };
    let (_, function) = bench::check(&scenario, &args.function, &opts)?;
    if let Some(dir) = &args.out {
        let mut inputs = crate::out_dir::inputs_of(&args.workload, &scenario);
        inputs.extend(args.payload.clone());
        crate::out_dir::check(dir, &inputs, None)?;
    }
    let native = bench::native_architecture().expect("checked by bench::check");
    if !args.quiet {
        eprintln!(
            "lamsim bench: `{}` at {} MB on {} ({} cold + {} warm-up + {} warm invocations each, \
             concurrency {})",
            function.name,
            args.memory,
            native.as_str(),
            opts.cold,
            opts.warmup.unwrap_or(opts.concurrency),
            opts.invocations,
            opts.concurrency
        );
        let requested = if opts.architectures.is_empty() {
            vec![function.architecture]
        } else {
            opts.architectures.clone()
        };
        for a in requested.iter().filter(|a| **a != native) {
            eprintln!(
                "note: {} cannot run natively on this {} machine: its rows are MODELLED from the {} \
                 measurements (arm64-speedup = {}), not measured",
                a.as_str(),
                native.as_str(),
                native.as_str(),
                function.arm64_speedup
            );
        }
        if args.no_cgroups {
            eprintln!(
                "warning: --no-cgroups: handlers run without CPU and memory limits (cpu_limit: \
                 \"none\"), so durations are not memory-scaled"
            );
        }
    }
    let total = opts.invocations_per_memory() * opts.memory_mb.len() as u64;
    let progress = Arc::new(Progress::new(total, "benchmarking", args.quiet));
    let tick = {
        let p = progress.clone();
        Arc::new(move |n: u64| p.inc(n)) as bench::ProgressFn
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    // Ctrl-C or SIGTERM ends the bench: its runtime is dropped, so the handler processes are
    // killed rather than left running, and nothing is written.
    let result = rt.block_on(async {
        tokio::select! {
            r = bench::run(&scenario, &args.function, &opts, &payloads, tick) => Some(r),
            _ = crate::signals::stop_requested() => None,
        }
    });
    progress.finish();
    let Some(result) = result else {
        drop(rt);
        anyhow::bail!("interrupted: the bench stopped and nothing was written");
    };
    let out = result?;

    let json = {
        let mut s =
            serde_json::to_string_pretty(&out.summary).context("cannot encode bench.json")?;
        s.push('\n');
        s
    };
    let csv = bench::samples_csv(&out.samples);
    if let Some(dir) = &args.out {
        let report = lamsim_reports::bench_report_files(
            &out.summary,
            &lamsim_reports::ReportOptions { png: args.png },
        )
        .context("cannot draw the bench report")?;
        // bench.json goes last: its presence means the folder is complete.
        let mut files: Vec<(&str, &[u8])> = vec![(SAMPLES_CSV_FILE, csv.as_bytes())];
        files.extend(report.iter().map(|(n, b)| (n.as_str(), b.as_slice())));
        files.push((BENCH_JSON_FILE, json.as_bytes()));
        lamsim_reports::write_dir_files(dir, &files)
            .with_context(|| format!("cannot write the output folder {}", dir.display()))?;
    }
    match args.format {
        Format::Json => crate::output::print(&json)?,
        Format::Csv => crate::output::print(&csv)?,
        Format::Table => crate::output::print(&render(&out, &opts, false))?,
        Format::Markdown => crate::output::print(&render(&out, &opts, true))?,
    }
    debug_assert_eq!(out.summary.schema_version, BENCH_SCHEMA_VERSION);
    Ok(ExitStatus::Ok)
}

fn ms(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

fn cells(r: &BenchResult) -> Vec<String> {
    let init = if r.cold_starts > 0 {
        [ms(r.init_ms.mean), ms(r.init_ms.p99)]
    } else {
        ["-".to_string(), "-".to_string()]
    };
    vec![
        r.memory_mb.to_string(),
        r.architecture.clone(),
        if r.measured { "measured" } else { "MODELLED" }.to_string(),
        r.invocations.to_string(),
        r.cold_starts.to_string(),
        r.errors.to_string(),
        init[0].clone(),
        init[1].clone(),
        ms(r.duration_ms.mean),
        ms(r.duration_ms.p50),
        ms(r.duration_ms.p90),
        ms(r.duration_ms.p99),
        if r.max_memory_used_mb > 0.0 {
            format!("{:.0}", r.max_memory_used_mb)
        } else {
            "-".to_string()
        },
        format!("{:.9}", r.cost_per_invocation_usd),
        format!("{:.4}", r.cost_per_million_usd),
    ]
}

/// The results as an aligned table or a Markdown table, with the recommendations.
fn render(out: &BenchOutput, opts: &BenchOptions, markdown: bool) -> String {
    let s = &out.summary;
    let columns: Vec<(&str, bool)> = [
        "memory_mb",
        "arch",
        "source",
        "invocations",
        "cold",
        "errors",
        "init_mean_ms",
        "init_p99_ms",
        "mean_ms",
        "p50_ms",
        "p90_ms",
        "p99_ms",
        "max_mem_mb",
        "usd_per_invocation",
        "usd_per_million",
    ]
    .iter()
    .enumerate()
    .map(|(i, h)| (*h, i >= 3))
    .collect();
    let mut table = lamsim_reports::Table::new(&columns);
    for r in &s.results {
        table.row(cells(r));
    }
    let mut text = String::new();
    text.push_str(&format!(
        "{}`{}` (cpu_limit: {}, measured on {})\n\n",
        if markdown {
            "### lamsim bench: "
        } else {
            "lamsim bench: "
        },
        s.function,
        s.cpu_limit,
        s.architecture
    ));
    text.push_str(&if markdown {
        table.to_markdown()
    } else {
        table.to_text()
    });
    text.push('\n');
    if !out.modelled.is_empty() {
        text.push_str(&format!(
            "MODELLED rows ({}) are not measured: they scale the {} measurements by the function's \
             arm64-speedup and are priced for that architecture.\n",
            out.modelled
                .iter()
                .map(|a| a.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            s.architecture
        ));
    }
    if s.cpu_limit == "none" {
        text.push_str(
            "cpu_limit is \"none\": handlers ran without CPU limits, so durations are not \
             memory-scaled.\n",
        );
    }
    let r = &s.recommendation;
    text.push_str(&format!(
        "Recommendation ({} measured, balanced weight {}): cost {} MB, speed {} MB, balanced {} MB\n",
        s.architecture, opts.balanced_weight, r.cost, r.speed, r.balanced
    ));
    for (arch, r) in &out.by_architecture {
        if arch.as_str() != s.architecture {
            text.push_str(&format!(
                "  {} (MODELLED): cost {} MB, speed {} MB, balanced {} MB\n",
                arch.as_str(),
                r.cost,
                r.speed,
                r.balanced
            ));
        }
    }
    text
}
