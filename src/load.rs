//! `lamsim load WORKLOAD.toml [--for 60s] [--function NAME]... [--payload FILE] [--out DIR]`:
//! drives the workload's real handlers open-loop with its own arrivals in real time, then
//! simulates the same window with the model fitted to what was measured, and prints both side
//! by side (see `lamsim_harness::load`).

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result, anyhow};
use clap::Args;
use lamsim_harness::bench::Payloads;
use lamsim_harness::events::EventKind;
use lamsim_harness::load::{self, LoadMetrics, LoadOptions, LoadReport};
use lamsim_reports::Format;
use lamsim_sim::time::SimTime;

use crate::ExitStatus;
use crate::progress::Progress;

/// Name of the result file in the `--out` folder.
pub const LOAD_JSON_FILE: &str = "load.json";

/// Name of the short Markdown report in the `--out` folder.
pub const LOAD_MD_FILE: &str = "load.md";

/// `lamsim load`.
#[derive(Args, Debug)]
pub struct LoadArgs {
    /// The workload file: its functions' `[function.handler]` are run, their
    /// `[function.arrivals]` drive them.
    pub workload: PathBuf,
    /// Length of the window to drive and simulate (e.g. 10s, 2m).
    #[arg(long = "for", value_name = "DURATION", default_value = "60s", value_parser = parse_window)]
    pub window: SimTime,
    /// A function to drive (repeatable); default every function with a handler.
    #[arg(long, value_name = "NAME")]
    pub function: Vec<String>,
    /// The event: one JSON event, or JSON lines of {"weight": W, "payload": EVENT} used in
    /// proportion to their weights. Sync and async triggers send it as the event (default
    /// `{}`); SQS and stream batches carry it as each record's body (default: the body of
    /// `lamsim events SQS`, a small order).
    #[arg(long, value_name = "FILE")]
    pub payload: Option<PathBuf>,
    /// The event shape of stream batches: KINESIS or DYNAMODB (as `lamsim events`).
    #[arg(long, value_name = "KIND", default_value = "KINESIS", value_parser = parse_stream_event)]
    pub stream_event: EventKind,
    /// Write load.json, load.md and the harness's logs (serve.log, logs/NAME.log,
    /// invocations.jsonl) into this folder.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Output on stdout: table, json (load.json) or markdown (load.md).
    #[arg(long, default_value_t = Format::Table,
          value_parser = crate::output::formats(&[Format::Table, Format::Json, Format::Markdown]))]
    pub format: Format,
    /// Run handlers without cgroup CPU and memory limits.
    #[arg(long)]
    pub no_cgroups: bool,
    /// No progress bar and no notes (warnings about the measurement are still printed).
    #[arg(long, short)]
    pub quiet: bool,
}

fn parse_stream_event(s: &str) -> Result<EventKind, String> {
    EventKind::parse(s)
        .filter(|k| matches!(k, EventKind::Kinesis | EventKind::DynamoDb))
        .ok_or_else(|| format!("`{s}` is not a stream's event (hint: KINESIS or DYNAMODB)"))
}

fn parse_window(s: &str) -> Result<SimTime, String> {
    lamsim_sim::time::parse_duration(s).map_err(|e| format!("`{s}`: {}", e.0))
}

/// Runs `lamsim load`: exit 0 after a complete run (warnings included), 2 on bad input or an
/// interrupted run (nothing written but the harness's logs).
pub fn load(args: LoadArgs) -> Result<ExitStatus> {
    let scenario = crate::run::load(&args.workload)?;
    let payloads = match &args.payload {
        None => None,
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| anyhow!("--payload {}: {e}", p.display()))?;
            Some(Payloads::parse(&text, &p.display().to_string())?)
        }
    };
    let (functions, notes) = load::select(&scenario, &args.function)?;
    if let Some(dir) = &args.out {
        let mut inputs = crate::out_dir::inputs_of(&args.workload, &scenario);
        inputs.extend(args.payload.clone());
        crate::out_dir::check(dir, &inputs, Some(&crate::out_dir::LOAD_FILES))?;
    }
    let opts = LoadOptions {
        window: args.window,
        functions: args.function.clone(),
        stream_event: args.stream_event,
        cgroups: !args.no_cgroups,
        log_dir: args.out.clone(),
    };
    opts.check()?;
    let arrivals: usize = functions
        .iter()
        .map(|f| load::arrival_schedule(f, scenario.simulation.seed, args.window).len())
        .sum();
    if !args.quiet {
        for n in &notes {
            eprintln!("note: {n}");
        }
        eprintln!(
            "lamsim load: {} for {} s, {arrivals} arrivals open-loop (seed {}){}",
            functions
                .iter()
                .map(|f| format!("`{}`", f.name))
                .collect::<Vec<_>>()
                .join(", "),
            args.window.as_secs_f64(),
            scenario.simulation.seed,
            if args.no_cgroups {
                "; --no-cgroups: handlers run without CPU and memory limits"
            } else {
                ""
            }
        );
    }
    let progress = Arc::new(Progress::new(arrivals as u64, "loading", args.quiet));
    let tick = {
        let p = progress.clone();
        Arc::new(move |n: u64| p.inc(n)) as load::ProgressFn
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let result = rt.block_on(async {
        let stop = crate::signals::stop_requested();
        load::run(&scenario, &opts, payloads.as_ref(), tick, stop).await
    });
    progress.finish();
    let out = result?;
    let report = &out.report;
    for w in &report.warnings {
        eprintln!("warning: {w}");
    }
    let json = {
        let mut s = serde_json::to_string_pretty(report).context("cannot encode load.json")?;
        s.push('\n');
        s
    };
    if let Some(dir) = &args.out {
        let md = render(report, true);
        // load.json goes last: its presence means the folder is complete.
        let files: Vec<(&str, &[u8])> = vec![
            (LOAD_MD_FILE, md.as_bytes()),
            (LOAD_JSON_FILE, json.as_bytes()),
        ];
        lamsim_reports::write_dir_files(dir, &files)
            .with_context(|| format!("cannot write the output folder {}", dir.display()))?;
    }
    match args.format {
        Format::Json => crate::output::print(&json)?,
        Format::Markdown => crate::output::print(&render(report, true))?,
        _ => crate::output::print(&render(report, false))?,
    }
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

fn cells(name: &str, source: &str, m: &LoadMetrics) -> Vec<String> {
    vec![
        name.to_string(),
        source.to_string(),
        format!("{:.0}", m.invocations),
        format!("{:.0}", m.cold_starts),
        format!("{:.0}", m.throttles),
        format!("{:.2}", m.environments_avg),
        ms(m.latency_ms.mean),
        ms(m.latency_ms.p50),
        ms(m.latency_ms.p90),
        ms(m.latency_ms.p99),
        ms(m.latency_ms.max),
    ]
}

/// Measured against simulated as an aligned table or Markdown, with the generator's figures
/// and the warnings.
fn render(r: &LoadReport, markdown: bool) -> String {
    let columns: Vec<(&str, bool)> = [
        "function",
        "source",
        "invocations",
        "cold_starts",
        "throttles",
        "envs_avg",
        "mean_ms",
        "p50_ms",
        "p90_ms",
        "p99_ms",
        "max_ms",
    ]
    .iter()
    .enumerate()
    .map(|(i, h)| (*h, i >= 2))
    .collect();
    let mut table = lamsim_reports::Table::new(&columns);
    for f in &r.functions {
        table.row(cells(&f.name, "measured", &f.measured));
        table.row(cells(&f.name, "simulated", &f.simulated));
    }
    let g = &r.generator;
    let mut text = format!(
        "{}{} s window, seed {}, {} requests open-loop (latency from the scheduled send time)\n\n",
        if markdown {
            "### lamsim load: "
        } else {
            "lamsim load: "
        },
        r.window_s,
        r.seed,
        g.requests
    );
    if !r.warnings.is_empty() {
        text.push_str(if markdown {
            "**Warning: this measurement shows this machine's limits, not the handler's:**\n\n"
        } else {
            "WARNING: THIS MEASUREMENT SHOWS THIS MACHINE'S LIMITS, NOT THE HANDLER'S:\n"
        });
        for w in &r.warnings {
            text.push_str(&format!("- {w}\n"));
        }
        text.push('\n');
    }
    text.push_str(&if markdown {
        table.to_markdown()
    } else {
        table.to_text()
    });
    text.push('\n');
    if r.functions.iter().any(|f| f.measured.queued.is_some()) {
        let columns: Vec<(&str, bool)> = [
            "function",
            "source",
            "arrivals",
            "completed",
            "dead_letters",
            "expired",
            "pending",
            "throttled_tries",
            "e2e_p50_ms",
            "e2e_p99_ms",
            "e2e_max_ms",
        ]
        .iter()
        .enumerate()
        .map(|(i, h)| (*h, i >= 2))
        .collect();
        let mut items = lamsim_reports::Table::new(&columns);
        for f in &r.functions {
            for (source, m) in [("measured", &f.measured), ("simulated", &f.simulated)] {
                if let Some(q) = &m.queued {
                    items.row(vec![
                        f.name.clone(),
                        source.to_string(),
                        format!("{:.0}", q.arrivals),
                        format!("{:.0}", q.completed),
                        format!("{:.0}", q.dead_letters),
                        format!("{:.0}", q.expired),
                        format!("{:.0}", q.pending),
                        format!("{:.0}", q.throttled_tries),
                        ms(q.end_to_end_ms.p50),
                        ms(q.end_to_end_ms.p99),
                        ms(q.end_to_end_ms.max),
                    ]);
                }
            }
        }
        text.push_str(if markdown {
            "\nQueued items (async events, SQS messages, stream records), from arrival in the queue to their fate:\n\n"
        } else {
            "\nQueued items (async events, SQS messages, stream records), from arrival in the queue to their fate:\n"
        });
        text.push_str(&if markdown {
            items.to_markdown()
        } else {
            items.to_text()
        });
        text.push('\n');
    }
    text.push_str(&format!(
        "Sends late by p50 {} ms, p99 {} ms, max {} ms ({:.1} % over {} ms); latency beyond init + duration (late send and harness) p50 {} ms, p99 {} ms; CPU busy {} of {} CPUs, this load {}.\n",
        ms(g.late_ms.p50),
        ms(g.late_ms.p99),
        ms(g.late_ms.max),
        g.late_fraction * 100.0,
        load::LATE_MS,
        ms(g.overhead_ms.p50),
        ms(g.overhead_ms.p99),
        g.cpu_busy
            .map_or_else(|| "unknown".to_string(), |b| format!("{:.0} %", b * 100.0)),
        g.cpus,
        g.cpu_load
            .map_or_else(|| "unknown".to_string(), |b| format!("{:.0} %", b * 100.0)),
    ));
    for f in &r.functions {
        let a = &f.agreement;
        let iv = |i: usize| {
            let [lo, hi] = a.latency_interval_ms[i];
            format!(
                "{}–{}",
                lo.map_or_else(|| "0".to_string(), ms),
                hi.map_or_else(|| "∞".to_string(), ms)
            )
        };
        let checks = [
            ("cold starts", a.cold_starts, String::new()),
            ("environments", a.environments_avg, String::new()),
            (
                "p50",
                a.latency_p50,
                format!(" (measured 95 % interval {} ms)", iv(0)),
            ),
            (
                "p99",
                a.latency_p99,
                format!(" (measured 95 % interval {} ms)", iv(1)),
            ),
        ];
        let agree: Vec<&str> = checks.iter().filter(|c| c.1).map(|c| c.0).collect();
        let differ: Vec<String> = checks
            .iter()
            .filter(|c| !c.1)
            .map(|c| format!("{}{}", c.0, c.2))
            .collect();
        text.push_str(&format!(
            "`{}`: {}{}.\n",
            f.name,
            if agree.is_empty() {
                String::new()
            } else {
                format!(
                    "simulated agrees within sampling error on {}",
                    agree.join(", ")
                )
            },
            if differ.is_empty() {
                String::new()
            } else {
                format!(
                    "{}differs on {}",
                    if agree.is_empty() { "" } else { "; " },
                    differ.join(", ")
                )
            }
        ));
    }
    for f in &r.functions {
        if let Some(p) = f.simulated_error_rate.filter(|p| *p > 0.0) {
            text.push_str(&format!(
                "`{}`: the simulation fails {:.2} % as the handler did, so that retries and redeliveries match.\n",
                f.name,
                p * 100.0
            ));
        }
    }
    text.push_str(
        "Simulated: the same arrivals (seed, window) with durations and inits fitted to the \
         measured invocations; measured latency also holds the harness's own overhead. Queued \
         triggers are played by the simulator's own pollers and queues in real time, so both \
         sides batch, back off and retry by the same rules.\n",
    );
    text
}
