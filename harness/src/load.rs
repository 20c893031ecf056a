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

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use lamsim_sim::arrivals::ArrivalGen;
use lamsim_sim::engine::source::{AfterThrottle, DrivenSources, Request, SourceId, Submitted};
use lamsim_sim::metrics::Latencies;
use lamsim_sim::metrics::Recorder;
use lamsim_sim::model::{Dist, DurationModel, Function, Scenario, TriggerKind};
use lamsim_sim::observer::{Fate, Invocation, Note, Outcome, ThrottleReason};
use lamsim_sim::rng::{Component, trigger_stream};
use lamsim_sim::summary::{FunctionSummary, TriggerSummary};
use lamsim_sim::time::SimTime;
use tokio::time::Instant;

use crate::bench::{Payloads, Picker};
use crate::calibrate::{self, Samples};
use crate::error::{HarnessError, InvokeError};
use crate::events::{self, EventKind};
use crate::record::{InvocationRecord, Status};
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
    /// `--stream-event` names an event without stream records.
    #[error("--stream-event: {0} is not a stream's event (hint: KINESIS or DYNAMODB)")]
    BadStreamEvent(&'static str),
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
    /// Functions to drive; empty (default) means every function with a `[function.handler]`.
    pub functions: Vec<String>,
    /// The event shape of stream batches: [`EventKind::Kinesis`] (default) or
    /// [`EventKind::DynamoDb`].
    pub stream_event: EventKind,
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
            stream_event: EventKind::Kinesis,
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
        if !matches!(self.stream_event, EventKind::Kinesis | EventKind::DynamoDb) {
            return Err(LoadError::BadStreamEvent(self.stream_event.name()));
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
    /// Requests refused by a concurrency limit: synchronous calls refused on their last try,
    /// plus the throttled tries of queued items (as `summary.json` counts them).
    pub throttles: f64,
    /// Time-averaged number of environments (initialising, busy or idle).
    pub environments_avg: f64,
    /// Latency of the invocations: measured from the scheduled send time to the response;
    /// simulated as init (cold) + duration. For a queued trigger the send time is when its
    /// poller (or Lambda's async queue) took the item or batch.
    pub latency_ms: LoadLatency,
    /// Functions with queued triggers (async, sqs, stream): their items, from arrival in the
    /// queue to their fate. Absent for functions invoked synchronously only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queued: Option<LoadQueued>,
}

/// The items of a function's queued triggers over the window (events, messages, records).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LoadQueued {
    /// Items that arrived.
    pub arrivals: f64,
    /// Items processed successfully.
    pub completed: f64,
    /// Items sent to the on-failure destination or dead-letter queue.
    pub dead_letters: f64,
    /// Items lost to age.
    pub expired: f64,
    /// Items still queued, waiting for a retry or in flight when the window ended.
    pub pending: f64,
    /// Tries refused by a concurrency limit (the item waits and is tried again).
    pub throttled_tries: f64,
    /// Arrival in the queue to successful completion, ms.
    pub end_to_end_ms: LoadLatency,
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
    /// Functions with queued triggers: the `error-rate` the simulation used, the handler's
    /// own (failed records over the records of SQS batches with
    /// `report-batch-item-failures`, else failed executions over executions), so that
    /// retries and redeliveries match. Absent for functions invoked synchronously only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub simulated_error_rate: Option<f64>,
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
    /// Requests sent: synchronous calls (client retries included), and the executions the
    /// queued triggers' pollers started (throttled tries included).
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

/// The arrival times of `f`'s items in `[0, window)`, in order: the calls, events, messages
/// and records of every trigger, drawn as the engine draws them (seed `seed`, each trigger's
/// own arrival stream), merged.
pub fn arrival_schedule(f: &Function, seed: u64, window: SimTime) -> Vec<SimTime> {
    let mut times = Vec::new();
    for (j, t) in f.triggers.iter().enumerate() {
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

/// The functions to drive: those named (each must have a handler and run on Lambda's default
/// compute, not Managed Instances), or every such function (the others skipped, with a note).
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
        } else if f.compute.managed().is_some() {
            Some(format!(
                "function `{}` runs on Lambda Managed Instances (several requests share an \
                 environment), but the harness runs one request per environment as Lambda's \
                 default compute does, so measured and simulated would not be the same system \
                 (hint: measure its handler with `lamsim bench WORKLOAD.toml --function {}` and \
                 feed the fit back with `lamsim calibrate`)",
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
        if chosen.is_empty() && !notes.is_empty() {
            return Err(LoadError::Nothing(notes.join("; ")));
        }
        if chosen.is_empty() {
            return Err(LoadError::Nothing(
                "no function has a [function.handler] (hint: add one with `command = [...]` to \
                 the functions to drive)"
                    .into(),
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
    /// Refusals counted as `summary.json` counts them (see [`LoadMetrics::throttles`]).
    throttles: u64,
    /// Executions that did not succeed (function errors, timeouts, crashes, refusals other
    /// than throttles).
    errors: u64,
    /// Records reported failed by SQS batches (`batchItemFailures`), and the records of the
    /// successful batches they came from.
    failed_records: u64,
    batch_records: u64,
    /// The function's queued items, when it has queued triggers.
    queued: Option<QueuedItems>,
    /// ∫ environments dt over the window, environment·ns.
    env_area: f64,
}

/// The items of a function's queued triggers, from the sources' notes.
#[derive(Default)]
struct QueuedItems {
    arrivals: u64,
    completed: u64,
    dead_letters: u64,
    expired: u64,
    throttled_tries: u64,
    end_to_end: Latencies,
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
    payloads: Option<&Payloads>,
    progress: ProgressFn,
    stop: impl std::future::Future<Output = ()>,
) -> Result<LoadOutput, LoadError> {
    opts.check()?;
    let (functions, mut warnings) = select(scenario, &opts.functions)?;
    let seed = scenario.simulation.seed;
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
    let requests = Requests::new(&functions, payloads, opts.stream_event);
    let driven = drive(
        &runtime,
        &functions,
        requests,
        seed,
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
    // A queued trigger retries what fails, so the simulation fails as often as the handler did.
    let error_rates: Vec<Option<f64>> = functions
        .iter()
        .zip(&measured)
        .map(|(f, m)| {
            m.queued.as_ref()?;
            let per_record = f
                .triggers
                .iter()
                .any(|t| matches!(&t.kind, TriggerKind::Sqs(q) if q.report_batch_item_failures));
            Some(if per_record && m.batch_records > 0 {
                m.failed_records as f64 / m.batch_records as f64
            } else if m.invocations > 0 {
                m.errors as f64 / m.invocations as f64
            } else {
                0.0
            })
        })
        .collect();
    let (simulated, notes) = simulate(scenario, &functions, &records, opts.window, &error_rates);
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
            .zip(error_rates)
            .map(|(((f, m), s), error_rate)| {
                let measured = LoadMetrics {
                    invocations: m.invocations as f64,
                    cold_starts: m.cold_starts as f64,
                    throttles: m.throttles as f64,
                    environments_avg: m.env_area / window_ns,
                    latency_ms: latency(&m.latencies),
                    queued: m.queued.as_ref().map(|q| LoadQueued {
                        arrivals: q.arrivals as f64,
                        completed: q.completed as f64,
                        dead_letters: q.dead_letters as f64,
                        expired: q.expired as f64,
                        pending: q
                            .arrivals
                            .saturating_sub(q.completed + q.dead_letters + q.expired)
                            as f64,
                        throttled_tries: q.throttled_tries as f64,
                        end_to_end_ms: latency(&q.end_to_end),
                    }),
                };
                let mut sorted = m.latency_ms.clone();
                sorted.sort_by(f64::total_cmp);
                LoadFunction {
                    name: f.name.clone(),
                    agreement: agreement(&measured, &s, &sorted),
                    measured,
                    simulated: s,
                    simulated_error_rate: error_rate,
                }
            })
            .collect(),
        generator,
        warnings,
    };
    Ok(LoadOutput { report, records })
}

/// Builds the event of each request. Synchronous and async triggers send the `--payload`
/// events (one at a time, in their weighted order, per trigger; `{}` without `--payload`); SQS
/// and stream batches send an event in AWS's shape ([`events::batch`]) whose records carry the
/// `--payload` events as bodies (or `lamsim events`' default order). An item (a call, an
/// event, a message, a record) keeps its body and ids through retries and redeliveries: it is
/// named by its arrival ([`Submitted::items`]) until its source settles it.
struct Requests<'a> {
    payloads: Option<&'a Payloads>,
    /// Per source (trigger, in the driven sources' order): its payload order and the number of
    /// its next item.
    pickers: Vec<Option<Picker<'a>>>,
    next: Vec<u32>,
    /// Items seen and not yet settled, by (source, arrival ns): their number and body.
    items: HashMap<(SourceId, u64), (u32, Bytes)>,
    /// Per source: the trigger's kind, and whether its function is a wave-one one (its calls
    /// are never retried, so they need no name).
    kinds: Vec<TriggerKind>,
    plain: Vec<bool>,
    stream_event: EventKind,
}

impl<'a> Requests<'a> {
    fn new(
        functions: &[Function],
        payloads: Option<&'a Payloads>,
        stream_event: EventKind,
    ) -> Self {
        let kinds: Vec<TriggerKind> = functions
            .iter()
            .flat_map(|f| f.triggers.iter().map(|t| t.kind.clone()))
            .collect();
        let plain = functions
            .iter()
            .flat_map(|f| f.triggers.iter().map(|_| !f.event_driven()))
            .collect();
        Requests {
            payloads,
            pickers: kinds
                .iter()
                .map(|_| payloads.map(Payloads::picker))
                .collect(),
            next: vec![0; kinds.len()],
            items: HashMap::new(),
            kinds,
            plain,
            stream_event,
        }
    }

    /// The number and payload of the item of source `s` that arrived at `arrival`: the ones
    /// it was given when first seen (`{}` without `--payload`).
    fn item(&mut self, s: SourceId, arrival: SimTime) -> (u32, Bytes) {
        let si = s as usize;
        let (pickers, next) = (&mut self.pickers, &mut self.next);
        self.items
            .entry((s, arrival.0))
            .or_insert_with(|| {
                let n = next[si];
                next[si] = n.wrapping_add(1);
                let body = match &mut pickers[si] {
                    Some(p) => p.next_event().clone(),
                    None => Bytes::from_static(b"{}"),
                };
                (n, body)
            })
            .clone()
    }

    /// The source settled its item that arrived at `arrival`: it is not sent again.
    fn settled(&mut self, s: SourceId, arrival: SimTime) {
        self.items.remove(&(s, arrival.0));
    }

    /// The event of `sub` and, for an SQS batch, its records' message ids in order.
    fn event(&mut self, sub: &Submitted) -> (Bytes, Vec<String>) {
        let s = sub.request.source;
        let kind = match &self.kinds[s as usize] {
            // A wave-one call is never retried: it needs no name.
            TriggerKind::Sync(_) if self.plain[s as usize] => {
                let e = match &mut self.pickers[s as usize] {
                    Some(p) => p.next_event().clone(),
                    None => Bytes::from_static(b"{}"),
                };
                return (e, Vec::new());
            }
            TriggerKind::Sync(_) | TriggerKind::Async(_) => {
                let at = sub.items.first().copied().unwrap_or(sub.request.arrival);
                return (self.item(s, at).1, Vec::new());
            }
            TriggerKind::Sqs(_) => EventKind::Sqs,
            TriggerKind::Stream(_) => self.stream_event,
        };
        let with_payload = self.payloads.is_some();
        let records: Vec<(u32, Option<serde_json::Value>)> = sub
            .items
            .iter()
            .map(|&at| {
                let (n, e) = self.item(s, at);
                let body = with_payload.then(|| {
                    serde_json::from_slice(&e).unwrap_or_else(|_| {
                        serde_json::Value::String(String::from_utf8_lossy(&e).into_owned())
                    })
                });
                (n, body)
            })
            .collect();
        let event = events::batch(kind, &events::EventOptions::default(), &records);
        let ids = if kind == EventKind::Sqs {
            event["Records"]
                .as_array()
                .map(|rs| {
                    rs.iter()
                        .map(|r| r["messageId"].as_str().unwrap_or_default().to_string())
                        .collect()
                })
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        (Bytes::from(event.to_string()), ids)
    }
}

/// What a batch's handler reported failed: the positions of the records named by its
/// partial-batch response (`{"batchItemFailures": [{"itemIdentifier": ID}, ...]}`), in the
/// order of `ids`; `None` when the response fails the whole batch, as AWS reads it: an
/// identifier that is empty, not a string or not one of the batch's message ids. A response
/// without `batchItemFailures` (or not an object) fails no record.
pub fn reported_failures(response: &[u8], ids: &[String]) -> Option<Vec<usize>> {
    let v: serde_json::Value = serde_json::from_slice(response).unwrap_or_default();
    let Some(list) = v.get("batchItemFailures").and_then(|l| l.as_array()) else {
        return Some(Vec::new());
    };
    let mut failed = Vec::new();
    for item in list {
        let id = item.get("itemIdentifier").and_then(|i| i.as_str())?;
        let k = ids.iter().position(|m| !id.is_empty() && m == id)?;
        if !failed.contains(&k) {
            failed.push(k);
        }
    }
    failed.sort_unstable();
    Some(failed)
}

/// A request's answer, sent back to the driver.
struct Answer {
    submitted: Submitted,
    result: Result<crate::runtime::Invocation, InvokeError>,
    /// The batch's message ids (SQS).
    ids: Vec<String>,
}

/// The sim's record of an execution of `r` that ran `init` (a cold start) and `exec` and ended
/// with `outcome`, for its source.
fn sim_invocation(r: &Request, init: Option<f64>, exec_ms: f64, outcome: Outcome) -> Invocation {
    let ns = |ms: f64| SimTime((ms.max(0.0) * 1e6) as u64);
    Invocation {
        function: r.function,
        source: r.source,
        arrival: r.arrival,
        init: init.map_or(SimTime::ZERO, ns),
        exec: ns(exec_ms),
        cold: init.is_some(),
        provisioned: false,
        timed_out: outcome == Outcome::Timeout,
        outcome,
        origin: r.origin,
        token: r.token,
        records: r.records,
        retry: r.retry,
        environment: (u32::MAX, SimTime::ZERO),
    }
}

/// Plays Lambda's side of the functions' triggers in real time with the engine's own sources
/// ([`DrivenSources`]: sync callers, the async queue, SQS pollers, stream shards) and sends each
/// request they submit at its time, each in its own task, without waiting for earlier ones;
/// answers go back to their source (retries, deletes, the next batch). Samples the
/// environments until the window ends, waits for every answer, and returns the generator's
/// figures.
async fn drive(
    runtime: &Arc<Runtime>,
    functions: &[Function],
    mut requests: Requests<'_>,
    seed: u64,
    window: SimTime,
    measured: &Arc<Mutex<Vec<Measured>>>,
    progress: ProgressFn,
) -> (Generator, Option<u64>) {
    let names: Vec<String> = functions.iter().map(|f| f.name.clone()).collect();
    let mut sources = DrivenSources::new(functions, seed, window);
    {
        let mut m = measured.lock().expect("not poisoned");
        for (f, m) in functions.iter().zip(m.iter_mut()) {
            if f.triggers.iter().any(|t| t.kind.is_queued()) {
                m.queued = Some(QueuedItems::default());
            }
        }
    }
    let cpu_before = cpu_jiffies();
    let start = Instant::now() + LEAD;
    let window_d = Duration::from_nanos(window.0);
    let end = start + window_d;
    // Environments over time: a sampler integrates each function's count until the window ends.
    let sampler = {
        let runtime = runtime.clone();
        let names = names.clone();
        let measured = measured.clone();
        tokio::spawn(async move {
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
    // The sources' clock: time since `start`, never going back.
    let mut clock = SimTime::ZERO;
    let tick = |clock: &mut SimTime| {
        *clock = (*clock).max(SimTime(
            Instant::now().saturating_duration_since(start).as_nanos() as u64,
        ));
        *clock
    };
    // A source is queued when its trigger is; a wave-one function's requests are its arrivals.
    let queued: Vec<bool> = requests.kinds.iter().map(TriggerKind::is_queued).collect();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Answer>();
    // The requests' tasks: their answers come through `rx`; a task that panics (a bug) is
    // seen here, so the run stops with its panic instead of waiting for its answer.
    let mut tasks = tokio::task::JoinSet::new();
    let mut in_flight = 0usize;
    let mut late = Latencies::default();
    let (mut late_count, mut sent) = (0u64, 0u64);
    loop {
        let next = sources.next_wake().filter(|t| *t < window);
        if next.is_none() && in_flight == 0 && Instant::now() >= end {
            break;
        }
        let due_at = start + Duration::from_nanos(next.map_or(0, |t| t.0));
        tokio::select! {
            biased;
            Some(a) = rx.recv() => {
                in_flight -= 1;
                let now = tick(&mut clock);
                let r = a.submitted.request;
                let s = r.source as usize;
                let mut all = measured.lock().expect("not poisoned");
                let m = &mut all[r.function as usize];
                match a.result {
                    Ok(inv) => {
                        let ok = inv.record.status == Status::Success && inv.function_error.is_none();
                        let mut outcome = match inv.record.status {
                            _ if ok => Outcome::Success,
                            Status::Timeout => Outcome::Timeout,
                            _ => Outcome::FunctionError,
                        };
                        // An SQS batch: the records its handler reported failed.
                        let mut failed = None;
                        if ok && !a.ids.is_empty() {
                            match reported_failures(&inv.payload, &a.ids) {
                                Some(f) => {
                                    m.failed_records += f.len() as u64;
                                    m.batch_records += u64::from(r.records);
                                    failed = Some(f);
                                }
                                None => outcome = Outcome::FunctionError,
                            }
                        }
                        m.errors += u64::from(outcome != Outcome::Success);
                        let sim = sim_invocation(
                            &r,
                            inv.record.init_ms,
                            inv.record.duration_ms,
                            outcome,
                        );
                        drop(all);
                        sources.finished(&sim, now, failed.as_deref());
                    }
                    Err(InvokeError::Throttled { reason }) => {
                        let why = if reason.starts_with("Reserved") {
                            ThrottleReason::Reserved
                        } else {
                            ThrottleReason::Account
                        };
                        // As summary.json counts: a sync call on its last try, a queued try.
                        let after = {
                            drop(all);
                            sources.throttled(&r, why, now)
                        };
                        let mut all = measured.lock().expect("not poisoned");
                        let m = &mut all[r.function as usize];
                        if after == AfterThrottle::Rejected || queued[s] {
                            m.throttles += 1;
                        }
                        if let (true, Some(q)) = (queued[s], m.queued.as_mut()) {
                            q.throttled_tries += 1;
                        }
                    }
                    // Refusals other than throttles (a payload too large, shutting down) are
                    // errors of the run, not of the function; the source sees a failure.
                    Err(_) => {
                        m.errors += 1;
                        drop(all);
                        let failed = sim_invocation(&r, None, 0.0, Outcome::FunctionError);
                        sources.finished(&failed, now, None);
                    }
                }
            }
            _ = tokio::time::sleep_until(due_at), if next.is_some() => {
                let now = tick(&mut clock);
                for sub in sources.wake_due(now) {
                    let r = sub.request;
                    let due = start + Duration::from_nanos(sub.due.0);
                    let lateness = Instant::now().saturating_duration_since(due);
                    late.record(lateness.as_nanos() as u64);
                    if lateness.as_secs_f64() * 1e3 > LATE_MS {
                        late_count += 1;
                    }
                    sent += 1;
                    if requests.plain[r.source as usize] {
                        progress(1);
                    }
                    let (event, ids) = requests.event(&sub);
                    let runtime = runtime.clone();
                    let name = names[r.function as usize].clone();
                    let measured = measured.clone();
                    let tx = tx.clone();
                    in_flight += 1;
                    tasks.spawn(async move {
                        let opts = InvokeOptions {
                            received: Some(due.into_std()),
                            ..InvokeOptions::default()
                        };
                        let result = runtime.invoke_with(&name, event, &opts).await;
                        let elapsed = Instant::now().saturating_duration_since(due);
                        if let Ok(inv) = &result {
                            let mut all = measured.lock().expect("not poisoned");
                            let m = &mut all[r.function as usize];
                            m.invocations += 1;
                            m.cold_starts += u64::from(inv.record.init_ms.is_some());
                            m.latencies.record(elapsed.as_nanos() as u64);
                            m.latency_ms.push(elapsed.as_secs_f64() * 1e3);
                            let ran = inv.record.init_ms.unwrap_or(0.0) + inv.record.duration_ms;
                            let over = (elapsed.as_secs_f64() * 1e3 - ran).max(0.0);
                            m.overhead.record((over * 1e6) as u64);
                        }
                        let _ = tx.send(Answer { submitted: sub, result, ids });
                    });
                }
            }
            Some(Err(e)) = tasks.join_next(), if !tasks.is_empty() => {
                if e.is_panic() {
                    std::panic::resume_unwind(e.into_panic());
                }
            }
            _ = tokio::time::sleep_until(end), if next.is_none() && in_flight == 0 => {}
        }
        // The queued triggers' items, from what their sources noted.
        tally(
            &mut sources,
            &mut requests,
            &queued,
            measured,
            clock,
            &progress,
        );
    }
    let cpu_after = cpu_jiffies();
    let _ = sampler.await;
    // What expired before the end (queued items older than their limits) is settled.
    sources.close(window.max(clock));
    tally(
        &mut sources,
        &mut requests,
        &queued,
        measured,
        clock,
        &progress,
    );
    let (cpu_busy, total_ticks) = match (cpu_before, cpu_after) {
        (Some((b0, t0)), Some((b1, t1))) if t1 > t0 => (
            Some((b1.saturating_sub(b0)) as f64 / (t1 - t0) as f64),
            Some(t1 - t0),
        ),
        _ => (None, None),
    };
    let g = Generator {
        requests: sent,
        late_ms: latency(&late),
        late_fraction: if sent == 0 {
            0.0
        } else {
            late_count as f64 / sent as f64
        },
        overhead_ms: LoadLatency::default(),
        cpu_busy,
        cpu_load: None,
        cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    (g, total_ticks)
}

/// Takes the notes the sources made and counts them at `now`: an item that arrives ticks the
/// progress bar; one that settles is not sent again ([`Requests::settled`]); for a queued
/// trigger (`queued`, per source), its function's items by fate, and the end-to-end latency
/// of those that completed.
fn tally(
    sources: &mut DrivenSources,
    requests: &mut Requests<'_>,
    queued: &[bool],
    measured: &Mutex<Vec<Measured>>,
    now: SimTime,
    progress: &ProgressFn,
) {
    let notes = sources.take_notes();
    if notes.is_empty() {
        return;
    }
    let mut all = measured.lock().expect("not poisoned");
    for (s, note) in notes {
        match note {
            Note::Settled { arrival, .. } => requests.settled(s, arrival),
            Note::Arrived => progress(1),
            _ => {}
        }
        if !queued[s as usize] {
            continue;
        }
        let (f, _) = sources.trigger_of(s);
        let Some(q) = all[f as usize].queued.as_mut() else {
            continue;
        };
        match note {
            Note::Arrived => q.arrivals += 1,
            Note::Settled { arrival, fate } => match fate {
                Fate::Completed => {
                    q.completed += 1;
                    q.end_to_end.record(now.0.saturating_sub(arrival.0));
                }
                Fate::DeadLettered => q.dead_letters += 1,
                Fate::Expired => q.expired += 1,
                Fate::Throttled => {}
            },
            _ => {}
        }
    }
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
    error_rates: &[Option<f64>],
) -> (Vec<LoadMetrics>, Vec<String>) {
    let mut notes = Vec::new();
    let mut s = scenario.clone();
    s.simulation.duration = window;
    s.simulation.warmup = SimTime::ZERO;
    s.simulation.replicates = 1;
    s.functions
        .retain(|f| functions.iter().any(|g| g.name == f.name));
    for f in &mut s.functions {
        if let Some(p) = functions
            .iter()
            .position(|g| g.name == f.name)
            .and_then(|i| error_rates.get(i).copied().flatten())
        {
            f.error_rate = p;
        }
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
                .position(|x| x.name == f.name)
                .map(|i| metrics_of(&summary.functions[i], &recorder, i))
                .unwrap_or_default()
        })
        .collect();
    (metrics, notes)
}

/// The load's figures of simulated function `i`, summarised as `f`.
fn metrics_of(f: &FunctionSummary, recorder: &Recorder, i: usize) -> LoadMetrics {
    let queued = f.triggers.as_ref().and_then(|ts| {
        let q: Vec<&TriggerSummary> = ts.iter().filter(|t| t.invocation != "sync").collect();
        if q.is_empty() {
            return None;
        }
        let sum = |g: &dyn Fn(&TriggerSummary) -> f64| q.iter().map(|t| g(t)).sum::<f64>();
        // End to end over every queued trigger: their histograms pooled.
        let mut e2e = Latencies::default();
        for s in recorder.sources_of(i) {
            if let Some(t) = &recorder.triggers[s] {
                e2e.add(&t.end_to_end);
            }
        }
        Some(LoadQueued {
            arrivals: sum(&|t| t.arrivals),
            completed: sum(&|t| t.completed),
            dead_letters: sum(&|t| t.dead_letters),
            expired: sum(&|t| t.expired),
            pending: sum(&|t| t.pending),
            throttled_tries: sum(&|t| t.throttles),
            end_to_end_ms: latency(&e2e),
        })
    });
    LoadMetrics {
        queued,
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

#[cfg(test)]
mod tests {
    use super::{LoadError, reported_failures, select};

    /// A function `api` on Managed Instances and `worker` on default compute, both with a
    /// handler.
    fn managed_and_default() -> lamsim_sim::model::Scenario {
        let text = r#"
[simulation]
duration = "1h"
[[function]]
name = "api"
memory-mb = 4096
architecture = "arm64"
runtime = "nodejs22.x"
compute = "managed-instances"
[function.managed-instances]
instance-type = "c7g.xlarge"
[function.arrivals]
kind = "poisson"
rate-per-s = 1
[function.duration]
dist = "const"
value = "10ms"
[function.handler]
command = ["true"]
[[function]]
name = "worker"
memory-mb = 512
[function.arrivals]
kind = "poisson"
rate-per-s = 1
[function.duration]
dist = "const"
value = "10ms"
[function.handler]
command = ["true"]
"#;
        lamsim_sim::config::from_str(text, std::path::Path::new("."), "t.toml").unwrap()
    }

    #[test]
    fn a_managed_instances_function_is_not_loaded() {
        let s = managed_and_default();
        // Without --function: the default-compute one is driven, the other noted.
        let (chosen, notes) = select(&s, &[]).unwrap();
        assert_eq!(chosen.len(), 1);
        assert_eq!(chosen[0].name, "worker");
        assert!(notes[0].contains("Managed Instances"), "{notes:?}");
        // Named: refused, by position.
        let e = select(&s, &["api".to_string()]).unwrap_err();
        assert!(
            matches!(&e, LoadError::Unsupported { index: 0, message } if message.contains("lamsim bench")),
            "{e}"
        );
    }

    fn ids() -> Vec<String> {
        ["a", "b", "c"].iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_partial_batch_response_names_the_failed_records_by_position() {
        let r = br#"{"batchItemFailures": [{"itemIdentifier": "c"}, {"itemIdentifier": "a"}]}"#;
        assert_eq!(reported_failures(r, &ids()), Some(vec![0, 2]));
        // No list, an empty list, or a response that is not an object: nothing failed.
        assert_eq!(
            reported_failures(br#"{"batchItemFailures": []}"#, &ids()),
            Some(vec![])
        );
        assert_eq!(reported_failures(br#"{"ok": true}"#, &ids()), Some(vec![]));
        assert_eq!(reported_failures(b"null", &ids()), Some(vec![]));
    }

    #[test]
    fn an_unknown_empty_or_missing_identifier_fails_the_whole_batch() {
        for r in [
            &br#"{"batchItemFailures": [{"itemIdentifier": "z"}]}"#[..],
            br#"{"batchItemFailures": [{"itemIdentifier": ""}]}"#,
            br#"{"batchItemFailures": [{"itemIdentifier": null}]}"#,
            br#"{"batchItemFailures": [{}]}"#,
        ] {
            assert_eq!(
                reported_failures(r, &ids()),
                None,
                "{}",
                String::from_utf8_lossy(r)
            );
        }
    }
}
