//! `lamsim load`: the real handlers under the workload's own traffic, held against the model.
//!
//! 1. **Arrivals** ([`arrival_schedule`]): each function's arrival times in `[0, window)`,
//!    drawn by the simulator's own arrival code ([`ArrivalGen`]) from the same random streams
//!    the engine uses (same seed, same trigger streams), so the simulated window below sees
//!    exactly the requests that were sent.
//! 2. **Open-loop driving** ([`run`]): the functions run in a [`Runtime`] (as `serve` runs
//!    them: one process per environment, cgroups, provisioned concurrency pre-warmed); each
//!    request is sent at its scheduled time in its own task, without waiting for earlier ones,
//!    and its **latency is measured from the scheduled time** (a late send or a queue inside
//!    the harness shows up in the latency: no coordinated omission). Per function: invocations,
//!    cold starts (invocations whose record has an init, the REPORT line's `Init Duration`),
//!    throttles (the harness's 429s), the time-averaged number of environments (sampled every
//!    [`SAMPLE_EVERY`]) and the latency distribution ([`Latencies`], as the simulator keeps it).
//! 3. **Honesty about the machine** ([`Generator`]): how late each request was actually sent
//!    against its schedule, and how busy the machine's CPUs were over the window
//!    (`/proc/stat`). When more than [`LATE_FRACTION`] of the sends are later than
//!    [`LATE_MS`], or the CPUs were busier than [`CPU_SATURATED`], the report carries a warning
//!    that the measurement shows this machine's limits rather than the handler's behaviour.
//! 4. **The model** ([`simulate`]): durations and inits fitted to the load's own REPORT lines
//!    ([`samples_of`]) by [`crate::calibrate::calibrate`] (what `lamsim calibrate` does with
//!    `logs/NAME.log`), the window simulated
//!    with the same seed and length, and both reported side by side ([`LoadReport`], written
//!    as `load.json`).

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use lamsim_sim::arrivals::ArrivalGen;
use lamsim_sim::metrics::Latencies;
use lamsim_sim::model::{Dist, DurationModel, Function, Scenario, TriggerKind};
use lamsim_sim::rng::{Component, trigger_stream};
use lamsim_sim::summary::FunctionSummary;
use lamsim_sim::time::SimTime;
use tokio::time::Instant;

use crate::bench::Payloads;
use crate::calibrate::{self, Samples};
use crate::error::{HarnessError, InvokeError};
use crate::record::InvocationRecord;
use crate::runtime::{InvokeOptions, Runtime, RuntimeOptions};

/// Version of the `load.json` layout.
pub const LOAD_SCHEMA_VERSION: u32 = 1;

/// A send later than this after its scheduled time counts as late, ms.
pub const LATE_MS: f64 = 10.0;

/// Share of late sends above which the load generator is said to be saturated.
pub const LATE_FRACTION: f64 = 0.01;

/// Share of the machine's CPU time busy over the window above which the CPU is said to be
/// saturated.
pub const CPU_SATURATED: f64 = 0.9;

/// How often the number of environments is sampled.
pub const SAMPLE_EVERY: Duration = Duration::from_millis(10);

/// Delay between the start of the clock and the first possible arrival, so that the first
/// sends are not late because the tasks are still being set up.
const LEAD: Duration = Duration::from_millis(100);

/// A problem that stops a load run.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// `--function` names no function of the workload.
    #[error(
        "--function: the workload has no function `{name}` (hint: its functions are {available})"
    )]
    UnknownFunction {
        /// The name given.
        name: String,
        /// The workload's function names, comma-separated.
        available: String,
    },
    /// A function cannot be driven.
    #[error("function[{index}]: {message}")]
    Unsupported {
        /// Position of the function in the workload.
        index: usize,
        /// Why, and what to do.
        message: String,
    },
    /// Nothing to drive.
    #[error("no function to load: {0}")]
    Nothing(String),
    /// `--for` is out of range.
    #[error("--for: {0}")]
    BadWindow(String),
    /// The runtime could not start.
    #[error(transparent)]
    Harness(#[from] HarnessError),
    /// Ctrl-C (or SIGTERM) stopped the run; every environment was stopped.
    #[error("interrupted: every environment was stopped and nothing was written")]
    Interrupted,
}

/// How to run a load. [`LoadOptions::default`] documents each default.
#[derive(Clone, Debug)]
pub struct LoadOptions {
    /// Length of the window driven and simulated. Default 60 s.
    pub window: SimTime,
    /// Functions to drive; empty (default) means every function with a `[function.handler]`
    /// that is invoked synchronously.
    pub functions: Vec<String>,
    /// Limit CPU and memory with cgroups where the machine allows. Default true.
    pub cgroups: bool,
    /// Where the harness writes its logs and records: `serve.log`, `logs/NAME.log`,
    /// `invocations.jsonl`, as `serve` does. Default none (records kept in memory only).
    pub log_dir: Option<PathBuf>,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            window: SimTime::from_secs(60),
            functions: Vec::new(),
            cgroups: true,
            log_dir: None,
        }
    }
}

impl LoadOptions {
    /// Checks the window: above zero and at most a day.
    pub fn check(&self) -> Result<(), LoadError> {
        if self.window == SimTime::ZERO || self.window > SimTime::from_secs(24 * 3600) {
            return Err(LoadError::BadWindow(
                "give a window above 0 and at most 24h, e.g. 60s".into(),
            ));
        }
        Ok(())
    }
}

/// Mean, percentiles and maximum of a latency distribution, ms.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LoadLatency {
    /// Mean.
    pub mean: f64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Maximum.
    pub max: f64,
}

/// One side of the comparison (`M` of the spec), over the window.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LoadMetrics {
    /// Requests that ran (arrivals minus throttles).
    pub invocations: f64,
    /// Invocations that started a new environment.
    pub cold_starts: f64,
    /// Requests refused by a concurrency limit.
    pub throttles: f64,
    /// Time-averaged number of environments (initialising, busy or idle).
    pub environments_avg: f64,
    /// Latency of the invocations: measured from the scheduled send time to the response;
    /// simulated as init (cold) + duration.
    pub latency_ms: LoadLatency,
}

/// One function's comparison.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LoadFunction {
    /// The function.
    pub name: String,
    /// What the harness measured.
    pub measured: LoadMetrics,
    /// What the simulator gives for the same window with the fitted model.
    pub simulated: LoadMetrics,
    /// Whether they agree within the measurement's sampling error ([`agreement`]).
    pub agreement: Agreement,
}

/// Whether the simulated figures lie within the measured ones' sampling error.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Agreement {
    /// `|measured − simulated| ≤ 1.96 √(measured + simulated)`: two counts of rare events,
    /// each with a Poisson variance equal to its mean.
    pub cold_starts: bool,
    /// Within the same bound as the cold starts (plus 0.05 for the sampling of the measured
    /// count): environments are created by cold starts and, within a window shorter than the
    /// keep-alive, the time average cannot vary more than their count.
    pub environments_avg: bool,
    /// The simulated p50 lies within the distribution-free 95 % interval of the measured p50
    /// ([`crate::calibrate::quantile_interval`]).
    pub latency_p50: bool,
    /// The same for p99 (open-ended above with fewer than about 400 invocations).
    pub latency_p99: bool,
    /// The measured 95 % intervals of p50 and p99, ms (`null` for an open end).
    pub latency_interval_ms: [[Option<f64>; 2]; 2],
}

/// Holds `simulated` against `measured`, whose sorted latencies are `latencies_ms`.
pub fn agreement(
    measured: &LoadMetrics,
    simulated: &LoadMetrics,
    latencies_ms: &[f64],
) -> Agreement {
    let bound = 1.96 * (measured.cold_starts + simulated.cold_starts).sqrt();
    let finite = |x: f64| x.is_finite().then_some(x);
    let mut intervals = [[None; 2]; 2];
    let mut within = [true; 2];
    for (i, (p, sim)) in [
        (0.5, simulated.latency_ms.p50),
        (0.99, simulated.latency_ms.p99),
    ]
    .into_iter()
    .enumerate()
    {
        let (lo, hi) = calibrate::quantile_interval(latencies_ms, p);
        intervals[i] = [finite(lo), finite(hi)];
        within[i] = latencies_ms.is_empty() || (sim >= lo && sim <= hi);
    }
    Agreement {
        cold_starts: (measured.cold_starts - simulated.cold_starts).abs() <= bound,
        environments_avg: (measured.environments_avg - simulated.environments_avg).abs()
            <= bound + 0.05,
        latency_p50: within[0],
        latency_p99: within[1],
        latency_interval_ms: intervals,
    }
}

/// The load generator and the machine over the window.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Generator {
    /// Requests scheduled.
    pub requests: u64,
    /// How late the requests were sent against their schedule, ms.
    pub late_ms: LoadLatency,
    /// Share of the requests sent later than [`LATE_MS`].
    pub late_fraction: f64,
    /// What the measured latency holds beyond the handler's init and duration, ms: the late
    /// send and the harness's own work (admission, handing the event over, the response) —
    /// what separates a measured latency from the simulated one, which has no such overhead.
    pub overhead_ms: LoadLatency,
    /// Share of the machine's CPU time that was busy over the window (every process, not only
    /// the handlers), 0..=1; `None` where `/proc/stat` cannot be read.
    pub cpu_busy: Option<f64>,
    /// Share of the machine's CPU time over the window used by this load itself: the
    /// harness and its handler processes (theirs counted once reaped, at the end), 0..=1;
    /// `None` where `/proc` cannot be read.
    pub cpu_load: Option<f64>,
    /// CPUs of the machine.
    pub cpus: usize,
}

/// `load.json`.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LoadReport {
    /// [`LOAD_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The seed of the arrivals and of the simulation.
    pub seed: u64,
    /// Length of the window, s.
    pub window_s: f64,
    /// Per function, in workload order.
    pub functions: Vec<LoadFunction>,
    /// The load generator and the machine.
    pub generator: Generator,
    /// Why the comparison may not mean what it seems (late sends, a saturated CPU, errors, a
    /// model that could not be fitted); empty when none applies.
    pub warnings: Vec<String>,
}

/// The result of [`run`].
#[derive(Clone, Debug)]
pub struct LoadOutput {
    /// `load.json`.
    pub report: LoadReport,
    /// Every invocation's record, in completion order.
    pub records: Vec<InvocationRecord>,
}

/// Called with the number of requests finished (answered or refused) since the last call.
pub type ProgressFn = Arc<dyn Fn(u64) + Send + Sync>;

/// The arrival times of `f` (the function at `index` of the workload) in `[0, window)`, in
/// order: its synchronous triggers' arrivals, drawn as the engine draws them (seed `seed`,
/// each trigger's own arrival stream), merged.
pub fn arrival_schedule(f: &Function, seed: u64, window: SimTime) -> Vec<SimTime> {
    let mut times = Vec::new();
    for (j, t) in f.triggers.iter().enumerate() {
        if !matches!(t.kind, TriggerKind::Sync(_)) {
            continue;
        }
        let mut rng = trigger_stream(seed, &f.name, j, &t.name, Component::Arrivals);
        let mut g = ArrivalGen::new(&t.arrivals, window);
        while let Some(a) = g.next(&mut rng) {
            if a.time >= window {
                break;
            }
            times.push(a.time);
        }
    }
    times.sort();
    times
}

/// The functions to drive: those named (each must have a handler and be invoked
/// synchronously), or every function with a handler that is (the others skipped, with a note).
pub fn select(
    scenario: &Scenario,
    names: &[String],
) -> Result<(Vec<Function>, Vec<String>), LoadError> {
    let why_not = |f: &Function| -> Option<String> {
        if f.handler.is_none() {
            Some(format!(
                "function `{}` has no [function.handler], so there is nothing to run (hint: add \
                 `[function.handler]` with `command = [...]`)",
                f.name
            ))
        } else if f.event_driven() {
            Some(format!(
                "function `{}` is event-driven (an async, SQS or stream trigger, client retries or \
                 an error rate): `lamsim load` drives synchronous invocations only (measure its \
                 handler with `lamsim bench WORKLOAD.toml --function {} --payload FILE`, FILE a sample event \
                 from `lamsim events`, then `lamsim calibrate`)",
                f.name, f.name
            ))
        } else {
            None
        }
    };
    let mut notes = Vec::new();
    let mut chosen = Vec::new();
    if names.is_empty() {
        for f in &scenario.functions {
            match why_not(f) {
                None => chosen.push(f.clone()),
                Some(w) if f.handler.is_some() => notes.push(format!("{w}; it is not loaded")),
                Some(_) => {}
            }
        }
        if chosen.is_empty() {
            return Err(LoadError::Nothing(
                "no function has a [function.handler] and synchronous arrivals".into(),
            ));
        }
    } else {
        for n in names {
            let Some((index, f)) = scenario
                .functions
                .iter()
                .enumerate()
                .find(|(_, f)| &f.name == n)
            else {
                return Err(LoadError::UnknownFunction {
                    name: n.clone(),
                    available: scenario
                        .functions
                        .iter()
                        .map(|f| f.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                });
            };
            if let Some(message) = why_not(f) {
                return Err(LoadError::Unsupported { index, message });
            }
            if !chosen.iter().any(|c: &Function| &c.name == n) {
                chosen.push(f.clone());
            }
        }
    }
    Ok((chosen, notes))
}

/// What one function's requests measured.
#[derive(Default)]
struct Measured {
    latencies: Latencies,
    /// The same latencies, ms, for the quantiles' intervals.
    latency_ms: Vec<f64>,
    /// Latency minus init and duration.
    overhead: Latencies,
    invocations: u64,
    cold_starts: u64,
    throttles: u64,
    errors: u64,
    /// ∫ environments dt over the window, environment·ns.
    env_area: f64,
}

/// Busy and total jiffies of every CPU, from the first line of `/proc/stat`.
fn cpu_jiffies() -> Option<(u64, u64)> {
    let text = std::fs::read_to_string("/proc/stat").ok()?;
    let line = text.lines().next()?;
    let v: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|x| x.parse().ok())
        .collect();
    if v.len() < 5 {
        return None;
    }
    // user nice system idle iowait irq softirq steal (guest time is inside user).
    let total: u64 = v.iter().take(8).sum();
    let idle = v[3] + v[4];
    Some((total - idle, total))
}

/// CPU time of this process and of its reaped children (the handlers, once stopped), in the
/// same clock ticks as `/proc/stat`: utime + stime + cutime + cstime of `/proc/self/stat`.
fn own_cpu_ticks() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces, hence the last ')'): state is
    // field 3, utime..cstime are fields 14..=17.
    let rest = &text[text.rfind(')')? + 1..];
    let v: Vec<u64> = rest
        .split_whitespace()
        .skip(11)
        .take(4)
        .map(|x| x.parse().ok())
        .collect::<Option<_>>()?;
    (v.len() == 4).then(|| v.iter().sum())
}

fn latency(l: &Latencies) -> LoadLatency {
    let s = l.stats();
    LoadLatency {
        mean: s.mean,
        p50: s.p50,
        p90: s.p90,
        p99: s.p99,
        max: s.max,
    }
}

/// Runs the load: starts `scenario`'s selected functions in a [`Runtime`], drives them
/// open-loop for `opts.window` with their own arrivals, then fits and simulates (see the
/// module docs). `stop` ends the run early ([`LoadError::Interrupted`]), after stopping every
/// environment.
pub async fn run(
    scenario: &Scenario,
    opts: &LoadOptions,
    payloads: &Payloads,
    progress: ProgressFn,
    stop: impl std::future::Future<Output = ()>,
) -> Result<LoadOutput, LoadError> {
    opts.check()?;
    let (functions, mut warnings) = select(scenario, &opts.functions)?;
    let seed = scenario.simulation.seed;
    // The schedule: (time, function, payload index), in time order (ties by function).
    let mut schedule: Vec<(SimTime, usize, usize)> = Vec::new();
    for (i, f) in functions.iter().enumerate() {
        let times = arrival_schedule(f, seed, opts.window);
        let picks = payloads.schedule(times.len());
        schedule.extend(times.into_iter().zip(picks).map(|(t, p)| (t, i, p)));
    }
    schedule.sort();
    let events: Vec<Bytes> = payloads.events().map(|(_, e)| e.clone()).collect();
    let names: Vec<String> = functions.iter().map(|f| f.name.clone()).collect();

    let ropts = RuntimeOptions {
        cgroups: opts.cgroups,
        log_file: opts.log_dir.as_ref().map(|d| d.join("serve.log")),
        log_dir: opts.log_dir.as_ref().map(|d| d.join("logs")),
        records_file: opts.log_dir.as_ref().map(|d| d.join("invocations.jsonl")),
        keep_records: true,
        ..RuntimeOptions::for_account(&scenario.account)
    };
    // `stop` is watched from the start: a Ctrl-C during start-up or pre-warming stops too.
    tokio::pin!(stop);
    let runtime = tokio::select! {
        r = Runtime::start(functions.clone(), ropts) => Arc::new(r?),
        _ = &mut stop => return Err(LoadError::Interrupted),
    };
    // Provisioned concurrency is initialised before the first request, as `serve` does.
    let warmed = tokio::select! {
        w = runtime.prewarm() => w,
        _ = &mut stop => {
            runtime.shutdown().await;
            return Err(LoadError::Interrupted);
        }
    };
    for w in warmed {
        if let Err(e) = w.result {
            warnings.push(format!(
                "`{}`: a provisioned environment failed to initialise ({e})",
                w.function
            ));
        }
    }
    let own_before = own_cpu_ticks();
    let measured: Arc<Mutex<Vec<Measured>>> = Arc::new(Mutex::new(
        (0..functions.len()).map(|_| Measured::default()).collect(),
    ));
    let driven = drive(
        &runtime,
        &names,
        &schedule,
        &events,
        opts.window,
        &measured,
        progress,
    );
    let (mut generator, total_ticks) = tokio::select! {
        g = driven => g,
        _ = &mut stop => {
            runtime.shutdown().await;
            return Err(LoadError::Interrupted);
        }
    };
    runtime.shutdown().await;
    if let (Some(a), Some(b), Some(t)) = (own_before, own_cpu_ticks(), total_ticks) {
        generator.cpu_load = Some((b.saturating_sub(a) as f64 / t as f64).min(1.0));
    }
    let records = runtime.take_records();
    let measured = std::mem::take(&mut *measured.lock().expect("not poisoned"));
    let mut overhead = Latencies::default();
    for m in &measured {
        overhead.add(&m.overhead);
    }
    generator.overhead_ms = latency(&overhead);

    if generator.late_fraction > LATE_FRACTION {
        warnings.push(format!(
            "the load generator could not keep up: {:.1} % of the requests were sent more than {LATE_MS} ms late (p99 {:.1} ms, max {:.1} ms); the measured latencies include that lateness, so they show this machine's limits, not the handler's",
            generator.late_fraction * 100.0,
            generator.late_ms.p99,
            generator.late_ms.max
        ));
    }
    if let Some(busy) = generator.cpu_busy.filter(|b| *b > CPU_SATURATED) {
        warnings.push(format!(
            "the CPU was saturated: {:.0} % of the machine's {} CPUs' time was busy over the window, {} by this load (harness and handlers) and the rest by other processes; handlers got less CPU than their memory's share and their durations depend on what else ran, so the measured latencies show this machine's limits and the fitted model is this machine's, not Lambda's",
            busy * 100.0,
            generator.cpus,
            generator
                .cpu_load
                .map_or_else(|| "an unknown share".to_string(), |l| format!("{:.0} %", l * 100.0))
        ));
    }
    for (f, m) in functions.iter().zip(&measured) {
        if m.errors > 0 {
            warnings.push(format!(
                "`{}`: {} invocations failed (function errors, timeouts or crashes); they are counted and timed, but the model is fitted to the successful ones",
                f.name, m.errors
            ));
        }
    }
    let (simulated, notes) = simulate(scenario, &functions, &records, opts.window);
    warnings.extend(notes);
    let window_ns = opts.window.0 as f64;
    let report = LoadReport {
        schema_version: LOAD_SCHEMA_VERSION,
        seed,
        window_s: opts.window.as_secs_f64(),
        functions: functions
            .iter()
            .zip(&measured)
            .zip(simulated)
            .map(|((f, m), s)| {
                let measured = LoadMetrics {
                    invocations: m.invocations as f64,
                    cold_starts: m.cold_starts as f64,
                    throttles: m.throttles as f64,
                    environments_avg: m.env_area / window_ns,
                    latency_ms: latency(&m.latencies),
                };
                let mut sorted = m.latency_ms.clone();
                sorted.sort_by(f64::total_cmp);
                LoadFunction {
                    name: f.name.clone(),
                    agreement: agreement(&measured, &s, &sorted),
                    measured,
                    simulated: s,
                }
            })
            .collect(),
        generator,
        warnings,
    };
    Ok(LoadOutput { report, records })
}

/// Sends every scheduled request at its time (each in its own task), samples the environments
/// until the window ends, waits for every answer, and returns the generator's figures.
async fn drive(
    runtime: &Arc<Runtime>,
    names: &[String],
    schedule: &[(SimTime, usize, usize)],
    events: &[Bytes],
    window: SimTime,
    measured: &Arc<Mutex<Vec<Measured>>>,
    progress: ProgressFn,
) -> (Generator, Option<u64>) {
    let cpu_before = cpu_jiffies();
    let start = Instant::now() + LEAD;
    let window_d = Duration::from_nanos(window.0);
    // Environments over time: a sampler integrates each function's count until the window ends.
    let sampler = {
        let runtime = runtime.clone();
        let names = names.to_vec();
        let measured = measured.clone();
        tokio::spawn(async move {
            let end = start + window_d;
            tokio::time::sleep_until(start).await;
            let mut last = start;
            let mut counts: Vec<usize> = names.iter().map(|n| runtime.environments(n)).collect();
            loop {
                let next = (Instant::now() + SAMPLE_EVERY).min(end);
                tokio::time::sleep_until(next).await;
                let now = Instant::now().min(end);
                let dt = now.saturating_duration_since(last).as_nanos() as f64;
                {
                    let mut m = measured.lock().expect("not poisoned");
                    for (i, c) in counts.iter().enumerate() {
                        m[i].env_area += *c as f64 * dt;
                    }
                }
                last = now;
                if now >= end {
                    break;
                }
                counts = names.iter().map(|n| runtime.environments(n)).collect();
            }
        })
    };
    let mut late = Latencies::default();
    let mut late_count = 0u64;
    let mut tasks = tokio::task::JoinSet::new();
    for &(t, f, p) in schedule {
        let due = start + Duration::from_nanos(t.0);
        tokio::time::sleep_until(due).await;
        let lateness = Instant::now().saturating_duration_since(due);
        late.record(lateness.as_nanos() as u64);
        if lateness.as_secs_f64() * 1e3 > LATE_MS {
            late_count += 1;
        }
        let runtime = runtime.clone();
        let name = names[f].clone();
        let event = events[p].clone();
        let measured = measured.clone();
        let progress = progress.clone();
        tasks.spawn(async move {
            let opts = InvokeOptions {
                received: Some(due.into_std()),
                ..InvokeOptions::default()
            };
            let r = runtime.invoke_with(&name, event, &opts).await;
            let elapsed = Instant::now().saturating_duration_since(due);
            {
                let mut all = measured.lock().expect("not poisoned");
                let m = &mut all[f];
                match r {
                    Ok(inv) => {
                        m.invocations += 1;
                        m.cold_starts += u64::from(inv.record.init_ms.is_some());
                        m.errors += u64::from(inv.function_error.is_some());
                        m.latencies.record(elapsed.as_nanos() as u64);
                        m.latency_ms.push(elapsed.as_secs_f64() * 1e3);
                        let ran = inv.record.init_ms.unwrap_or(0.0) + inv.record.duration_ms;
                        let over = (elapsed.as_secs_f64() * 1e3 - ran).max(0.0);
                        m.overhead.record((over * 1e6) as u64);
                    }
                    Err(InvokeError::Throttled { .. }) => m.throttles += 1,
                    // Refusals other than throttles (a payload too large, shutting down) are
                    // errors of the run, not of the function.
                    Err(_) => m.errors += 1,
                }
            }
            progress(1);
        });
    }
    // The window ends when its time is up, however early the last request was.
    tokio::time::sleep_until(start + window_d).await;
    let cpu_after = cpu_jiffies();
    let _ = sampler.await;
    while tasks.join_next().await.is_some() {}
    let (cpu_busy, total_ticks) = match (cpu_before, cpu_after) {
        (Some((b0, t0)), Some((b1, t1))) if t1 > t0 => (
            Some((b1.saturating_sub(b0)) as f64 / (t1 - t0) as f64),
            Some(t1 - t0),
        ),
        _ => (None, None),
    };
    let g = Generator {
        requests: schedule.len() as u64,
        late_ms: latency(&late),
        late_fraction: if schedule.is_empty() {
            0.0
        } else {
            late_count as f64 / schedule.len() as f64
        },
        overhead_ms: LoadLatency::default(),
        cpu_busy,
        cpu_load: None,
        cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    (g, total_ticks)
}

/// The samples `lamsim calibrate` fits, from the harness's records of one function: their
/// REPORT lines ([`crate::record::report_line`], what `logs/NAME.log` holds) parsed and grouped
/// exactly as `calibrate` reads a CloudWatch log ([`calibrate::from_logs`]).
pub fn samples_of(
    records: &[InvocationRecord],
    function: &str,
) -> Result<Samples, calibrate::CalibrateError> {
    let text: String = records
        .iter()
        .filter(|r| r.function == function)
        .map(|r| crate::record::report_line(r) + "\n")
        .collect();
    let source = format!("the REPORT lines of `{function}`");
    let logs = crate::cloudwatch::parse_logs(&text, &source)?;
    let mut samples = calibrate::from_logs(logs, &source)?;
    samples.function = Some(function.to_string());
    Ok(samples)
}

/// The measured samples as a distribution: uniform over them ([`Dist::Empirical`]).
fn empirical(samples: &[f64]) -> Dist {
    Dist::Empirical {
        path: PathBuf::from("(measured by lamsim load)"),
        samples_ms: Arc::new(samples.to_vec()),
    }
}

/// Simulates the window with each function's duration and init fitted to its records (at its
/// own memory size): the calibration's chosen fit, or its samples where no family fits; an init
/// with fewer than [`MIN_FIT_SAMPLES`](crate::fit::MIN_FIT_SAMPLES) cold starts is sampled from the measured ones, and one
/// with none keeps the workload's model. Returns the simulated metrics in `functions`' order,
/// and notes on what could not be fitted.
pub fn simulate(
    scenario: &Scenario,
    functions: &[Function],
    records: &[InvocationRecord],
    window: SimTime,
) -> (Vec<LoadMetrics>, Vec<String>) {
    let mut notes = Vec::new();
    let mut s = scenario.clone();
    s.simulation.duration = window;
    s.simulation.warmup = SimTime::ZERO;
    s.simulation.replicates = 1;
    s.functions
        .retain(|f| functions.iter().any(|g| g.name == f.name));
    for f in &mut s.functions {
        let opts = calibrate::Options {
            reference_memory_mb: Some(f.memory_mb),
            function: Some(f.name.clone()),
            threads: Some(f.duration.threads),
        };
        let at = |dist: Dist, old: &DurationModel| DurationModel {
            dist,
            reference_memory_mb: f.memory_mb,
            ..old.clone()
        };
        let fitted = samples_of(records, &f.name)
            .and_then(|samples| Ok((calibrate::calibrate(&samples, &opts)?, samples)));
        match fitted {
            Ok((c, samples)) => {
                let d = c
                    .duration
                    .selection
                    .chosen()
                    .map_or_else(|| empirical(&c.duration.samples_ms), |fit| fit.dist());
                f.duration = at(d, &f.duration);
                let init = samples
                    .by_memory
                    .get(&f.memory_mb)
                    .map(|m| m.init_ms.clone())
                    .unwrap_or_default();
                match c.init.as_ref() {
                    Some(p) => {
                        let d = p
                            .selection
                            .chosen()
                            .map_or_else(|| empirical(&p.samples_ms), |fit| fit.dist());
                        f.init = at(d, &f.init);
                    }
                    None if !init.is_empty() => f.init = at(empirical(&init), &f.init),
                    None => notes.push(format!(
                        "`{}`: no cold start was measured, so the simulation keeps the workload's init model",
                        f.name
                    )),
                }
            }
            Err(e) => notes.push(format!(
                "`{}`: the model could not be fitted ({e}), so the simulation uses the workload's own [function.duration] and [function.init]: run longer or at a higher rate",
                f.name
            )),
        }
    }
    let seed = s.simulation.seed;
    let (recorder, _) = lamsim_sim::runner::run_replicate(&s, seed, &|_| {});
    let summary = lamsim_sim::runner::replicate_summary(&s, seed, &recorder);
    let metrics = functions
        .iter()
        .map(|f| {
            summary
                .functions
                .iter()
                .find(|x| x.name == f.name)
                .map(metrics_of)
                .unwrap_or_default()
        })
        .collect();
    (metrics, notes)
}

fn metrics_of(f: &FunctionSummary) -> LoadMetrics {
    LoadMetrics {
        invocations: f.invocations,
        cold_starts: f.cold_starts,
        throttles: f.throttles,
        environments_avg: f.instances.avg_total,
        latency_ms: LoadLatency {
            mean: f.latency_ms.mean,
            p50: f.latency_ms.p50,
            p90: f.latency_ms.p90,
            p99: f.latency_ms.p99,
            max: f.latency_ms.max,
        },
    }
}
