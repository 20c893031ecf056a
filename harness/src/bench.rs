//! `lamsim bench`: runs one function's real handler through the mini-runtime at several memory
//! sizes (each under that size's CPU share and memory limit), measures forced cold starts and
//! warm invocations, prices them with the simulator's cost engine and recommends a memory size
//! per AWS Lambda Power Tuning strategy.
//!
//! Per memory size, in order:
//!
//! 1. a fresh [`Runtime`] with the function at that `memory-mb` (on this machine's
//!    architecture, without `reserved-concurrency` or provisioned concurrency, and with a
//!    keep-alive long enough that warm environments stay warm for the whole run);
//! 2. `cold` **forced cold starts**, one after another, each on a fresh environment (every idle
//!    environment is stopped first with [`Runtime::retire_idle`]);
//! 3. a **warm-up** of `warmup` invocations (default: `concurrency`), not measured; its first
//!    `concurrency` invocations each start a fresh environment, so that every client of the
//!    warm phase finds a warm one;
//! 4. `invocations` **warm invocations** by `concurrency` clients, each sending its next request
//!    as soon as its previous one is answered.
//!
//! Payloads come from [`Payloads`]: one event, or weighted events used in proportion to their
//! weights and deterministically interleaved (smooth weighted round-robin), each phase starting
//! from the beginning of the sequence.
//!
//! **Statistics** ([`stats`]): mean and nearest-rank percentiles (the p-th percentile of `n`
//! sorted values is the value at rank `⌈p/100 · n⌉`, i.e. the smallest value with at least p %
//! of the sample at or below it). `init_ms` covers the cold starts whose initialisation
//! succeeded; `duration_ms` every measured invocation (cold and warm) that got past init.
//! Errors (function errors, timeouts, crashes, out-of-memory, init failures) are counted in
//! `errors` and kept in the samples.
//!
//! **Cost** ([`cost_per_invocation`]): the mean over the warm phase (the cold phase when there
//! are no warm invocations) of what the cost engine bills for each invocation — the request
//! plus the billed duration (rounded up to the workload's `[pricing]` granularity, INIT added
//! where the billing rules bill it) × memory × the first-tier rate of the region's price book
//! with `[pricing.rates]` overrides; no free tier.
//!
//! **Architectures**: only this machine's architecture ([`native_architecture`]) is measured.
//! Each other requested architecture gets rows with `measured: false`, *modelled* from the
//! native measurements: every duration is multiplied by the ratio of the function's
//! [`DurationModel::scale_factor`] on the two architectures at the same memory (with
//! `arm64-speedup` and the model's `cpu-fraction`), init likewise with `[function.init]`, and
//! priced for that architecture.
//!
//! **Recommendations** ([`lamsim_study::tuning::recommend`]) follow Power Tuning: `cost` — the cheapest mean cost per
//! invocation, ties to the faster; `speed` — the shortest mean duration, ties to the cheaper;
//! `balanced` — the smallest `w · cost / max cost + (1 − w) · duration / max duration`, ties
//! to the cheaper. They are taken over the measured rows without errors (over every measured
//! row when all have errors).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use lamsim_sim::bench::{
    BENCH_SCHEMA_VERSION, BenchRecommendation, BenchResult, BenchSummary, SAMPLES_CSV_HEADER, Stats,
};
use lamsim_sim::cost::{self, BillingRules, PriceBook};
use lamsim_sim::model::{
    Architecture, DurationModel, Function, KeepAlive, KeepAlivePolicy, Pricing, Scenario,
};
use lamsim_sim::time::SimTime;
use lamsim_sim::usage::Usage;
use lamsim_study::tuning::{candidates, recommend};

use crate::error::{HarnessError, InvokeError};
use crate::record::{InvocationRecord, Status};
use crate::runtime::{Runtime, RuntimeOptions};

/// Keep-alive of the benchmarked environments: long enough that none is reclaimed during a
/// run (the workload's own keep-alive is ignored).
const BENCH_KEEP_ALIVE: SimTime = SimTime::from_secs(24 * 3600);

/// A problem that stops a benchmark (bad input, or a runtime that cannot start).
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// `--function` names no function of the workload.
    #[error(
        "--function: the workload has no function `{name}` (hint: its functions are {})",
        available.join(", ")
    )]
    UnknownFunction {
        /// The name given.
        name: String,
        /// The workload's function names.
        available: Vec<String>,
    },
    /// The function has no `[function.handler]`.
    #[error(
        "function[{index}].handler: function `{name}` has no [function.handler], so there is nothing \
         to run (hint: add `[function.handler]` with `command = [\"path/to/bootstrap\"]` or \
         `command = [\"python3\", \"-m\", \"awslambdaric\", \"app.handler\"]`)"
    )]
    NoHandler {
        /// Position of the function in the workload.
        index: usize,
        /// Its name.
        name: String,
    },
    /// An option is out of range.
    #[error("{flag}: {message}")]
    BadOption {
        /// The command-line flag.
        flag: &'static str,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// The payload file is not one JSON event nor JSON lines of weighted events.
    #[error("--payload {path}{}: {message}", line.map(|l| format!(" line {l}")).unwrap_or_default())]
    Payload {
        /// The file.
        path: String,
        /// The line (JSON-lines form), 1-based.
        line: Option<usize>,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// This machine's architecture is neither x86_64 nor arm64.
    #[error(
        "this machine is `{0}`: only x86_64 and aarch64 (arm64) machines can run Lambda handlers \
         natively"
    )]
    UnsupportedMachine(String),
    /// The workload's region has no price book.
    #[error("account.region: {0}")]
    UnknownRegion(#[from] cost::UnknownRegion),
    /// The runtime could not start.
    #[error(transparent)]
    Harness(#[from] HarnessError),
    /// An invocation was refused by the runtime.
    #[error("an invocation was refused: {0}")]
    Invoke(#[from] InvokeError),
    /// No invocation at a memory size reached the handler: every one failed in the runtime
    /// or its environment (the process exited, timed out in init, had no valid entry point),
    /// so there is nothing to measure.
    #[error(
        "function `{function}` at {memory_mb} MB: none of its {invocations} invocations reached \
         the handler, each failed with {error_type} (hint: check [function.handler] command and \
         cwd; run `lamsim serve` on the workload and invoke it to see the handler's output)"
    )]
    HandlerNeverRan {
        /// The function.
        function: String,
        /// The memory size.
        memory_mb: u32,
        /// Invocations made.
        invocations: usize,
        /// The first error type met (`Runtime.ExitError`, `Sandbox.Timedout`, …).
        error_type: String,
    },
}

/// Whether an error type is the runtime's or the environment's (`Runtime.*`, `Sandbox.*`):
/// the handler's code did not run to an answer of its own.
fn runtime_failure(error_type: Option<&str>) -> bool {
    error_type.is_some_and(|t| t.starts_with("Runtime.") || t.starts_with("Sandbox."))
}

/// How to benchmark. [`BenchOptions::default`] documents each default.
#[derive(Clone, Debug)]
pub struct BenchOptions {
    /// Memory sizes, MB, in the order to measure (at least one, each 128..=10240).
    pub memory_mb: Vec<u32>,
    /// Architectures to report; empty (default) means the function's `architecture`. Only
    /// this machine's is measured; the others are modelled.
    pub architectures: Vec<Architecture>,
    /// Forced cold starts per memory size. Default 3.
    pub cold: u32,
    /// Unmeasured warm-up invocations before the warm ones. Default `None`: `concurrency`.
    pub warmup: Option<u32>,
    /// Measured warm invocations per memory size. Default 20.
    pub invocations: u32,
    /// Concurrent clients of the warm-up and warm phases. Default 1 (sequential).
    pub concurrency: u32,
    /// Weight of cost in the `balanced` strategy, 0..=1. Default 0.5.
    pub balanced_weight: f64,
    /// Limit CPU and memory with cgroups where the machine allows. Default true.
    pub cgroups: bool,
}

impl Default for BenchOptions {
    fn default() -> Self {
        BenchOptions {
            memory_mb: vec![128, 512, 1769],
            architectures: Vec::new(),
            cold: 3,
            warmup: None,
            invocations: 20,
            concurrency: 1,
            balanced_weight: 0.5,
            cgroups: true,
        }
    }
}

impl BenchOptions {
    /// Invocations run per memory size (cold starts, warm-up and warm ones): the steps of a
    /// progress bar.
    pub fn invocations_per_memory(&self) -> u64 {
        self.cold as u64 + self.warmup_count() as u64 + self.invocations as u64
    }

    fn warmup_count(&self) -> u32 {
        self.warmup.unwrap_or(self.concurrency)
    }

    fn check(&self) -> Result<(), BenchError> {
        let bad = |flag, message: String| Err(BenchError::BadOption { flag, message });
        if self.memory_mb.is_empty() {
            return bad(
                "--memory",
                "give at least one memory size, e.g. 128,512,1769".into(),
            );
        }
        for (i, m) in self.memory_mb.iter().enumerate() {
            if !(128..=10240).contains(m) {
                return bad(
                    "--memory",
                    format!("{m} MB is outside 128..=10240 (Lambda's range)"),
                );
            }
            if self.memory_mb[..i].contains(m) {
                return bad("--memory", format!("{m} is given twice"));
            }
        }
        if self.concurrency == 0 {
            return bad("--concurrency", "must be at least 1".into());
        }
        if self.cold == 0 && self.invocations == 0 {
            return bad(
                "--invocations",
                "with --cold 0 there is nothing to measure: give at least one invocation".into(),
            );
        }
        if !(0.0..=1.0).contains(&self.balanced_weight) {
            return bad(
                "--balanced-weight",
                format!(
                    "{} is outside 0..=1 (0 weighs only duration, 1 only cost)",
                    self.balanced_weight
                ),
            );
        }
        Ok(())
    }
}

/// The events to send: one event, or weighted events.
#[derive(Clone, Debug, PartialEq)]
pub struct Payloads {
    events: Vec<(f64, Bytes)>,
}

impl Default for Payloads {
    /// The empty event `{}`.
    fn default() -> Self {
        Payloads::single(Bytes::from_static(b"{}"))
    }
}

impl Payloads {
    /// Always `event`.
    pub fn single(event: Bytes) -> Self {
        Payloads {
            events: vec![(1.0, event)],
        }
    }

    /// Parses a payload file (`path` is only used in errors). The file is either **one JSON
    /// event** (any JSON value), or **JSON lines**, each `{"weight": W, "payload": EVENT}` with
    /// `W > 0` (blank lines are skipped), as AWS Lambda Power Tuning's weighted payloads: the
    /// events are used in proportion to their weights. A file that is one JSON object with
    /// exactly the keys `weight` and `payload` is read as a single weighted line.
    pub fn parse(text: &str, path: &str) -> Result<Payloads, BenchError> {
        let err = |line: Option<usize>, message: String| BenchError::Payload {
            path: path.to_string(),
            line,
            message,
        };
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(text) {
            if !is_weighted(&v) {
                return Ok(Payloads::single(Bytes::from(v.to_string())));
            }
        } else if text.trim().is_empty() {
            return Err(err(
                None,
                "the file is empty (hint: write one JSON event, e.g. {}, or JSON lines of \
                 {\"weight\": 1, \"payload\": {...}})"
                    .into(),
            ));
        }
        let mut events = Vec::new();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let hint = "expected one JSON event for the whole file, or one {\"weight\": W, \
                        \"payload\": EVENT} per line";
            let v: serde_json::Value = serde_json::from_str(line)
                .map_err(|e| err(Some(i + 1), format!("not JSON ({e}); {hint}")))?;
            if !is_weighted(&v) {
                return Err(err(Some(i + 1), format!("not a weighted event; {hint}")));
            }
            let w = v["weight"].as_f64().filter(|w| w.is_finite() && *w > 0.0);
            let Some(w) = w else {
                return Err(err(
                    Some(i + 1),
                    format!("weight {} must be a number above 0", v["weight"]),
                ));
            };
            events.push((w, Bytes::from(v["payload"].to_string())));
        }
        Ok(Payloads { events })
    }

    /// The events and their weights, in file order.
    pub fn events(&self) -> impl Iterator<Item = (f64, &Bytes)> {
        self.events.iter().map(|(w, e)| (*w, e))
    }

    /// Indices into the events for `n` invocations: smooth weighted round-robin (each step
    /// adds every weight to its event's credit, picks the event with the most credit, first in
    /// file order on ties, and takes the total weight from it), so events are used in
    /// proportion to their weights and evenly interleaved. Weights 3 and 1 give `0, 0, 1, 0`,
    /// repeating.
    pub fn schedule(&self, n: usize) -> Vec<usize> {
        let mut picker = self.picker();
        (0..n).map(|_| picker.next_index()).collect()
    }

    /// A [`Picker`]: the indices of [`Payloads::schedule`] one at a time, for a sender that
    /// does not know in advance how many events it sends.
    pub fn picker(&self) -> Picker<'_> {
        Picker {
            payloads: self,
            credit: vec![0.0; self.events.len()],
            total: self.events.iter().map(|(w, _)| w).sum(),
        }
    }

    fn sequence(&self, n: usize) -> Vec<Bytes> {
        self.schedule(n)
            .into_iter()
            .map(|i| self.events[i].1.clone())
            .collect()
    }
}

/// The events of a [`Payloads`] in its smooth weighted round-robin order, one at a time.
#[derive(Clone, Debug)]
pub struct Picker<'a> {
    payloads: &'a Payloads,
    credit: Vec<f64>,
    total: f64,
}

impl<'a> Picker<'a> {
    /// The index of the next event (see [`Payloads::schedule`]).
    pub fn next_index(&mut self) -> usize {
        let mut best = 0;
        for (i, (w, _)) in self.payloads.events.iter().enumerate() {
            self.credit[i] += w;
            if self.credit[i] > self.credit[best] {
                best = i;
            }
        }
        self.credit[best] -= self.total;
        best
    }

    /// The next event.
    pub fn next_event(&mut self) -> &'a Bytes {
        let i = self.next_index();
        &self.payloads.events[i].1
    }
}

fn is_weighted(v: &serde_json::Value) -> bool {
    v.as_object()
        .is_some_and(|o| o.len() == 2 && o.contains_key("weight") && o.contains_key("payload"))
}

/// Mean and nearest-rank p50/p90/p99 of `values` (all zero when empty).
pub fn stats(values: &[f64]) -> Stats {
    if values.is_empty() {
        return Stats::default();
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    let rank = |p: f64| {
        let r = (p / 100.0 * n as f64).ceil() as usize;
        v[r.clamp(1, n) - 1]
    };
    Stats {
        mean: v.iter().sum::<f64>() / n as f64,
        p50: rank(50.0),
        p90: rank(90.0),
        p99: rank(99.0),
    }
}

/// This machine's architecture, as Lambda names it (`aarch64` is `arm64`); `None` on any
/// other.
pub fn native_architecture() -> Option<Architecture> {
    match std::env::consts::ARCH {
        "x86_64" => Some(Architecture::X86_64),
        "aarch64" => Some(Architecture::Arm64),
        _ => None,
    }
}

/// One invocation as billed: its duration and, for a cold start, its init, ms.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Billable {
    /// Handler duration, ms.
    pub duration_ms: f64,
    /// Init duration, ms (cold starts).
    pub init_ms: Option<f64>,
}

/// How `bench` bills an invocation of `f` under `pricing`: on an on-demand environment and
/// without SnapStart (the handler runs without it here, so a cold start is an INIT).
fn billing(f: &Function, pricing: &Pricing) -> cost::InvocationBilling {
    cost::InvocationBilling::new(
        cost::effective_granularity(pricing),
        BillingRules::from_pricing(pricing).bills_init(f),
        false,
    )
}

/// What one invocation of `b` adds to the bill: [`cost::InvocationBilling::charge`], the one
/// billing rule of an invocation.
fn charge(billing: &cost::InvocationBilling, b: &Billable) -> cost::Charge {
    let init = b.init_ms.map(SimTime::from_millis_f64);
    billing.charge(
        SimTime::from_millis_f64(b.duration_ms),
        init.unwrap_or(SimTime::ZERO),
        init.is_some(),
        false,
    )
}

/// Billed duration of `b`, ms, as the cost engine bills it under `pricing` (duration rounded
/// up to the granularity, plus INIT rounded up to 1 ms where billed).
pub fn billed_ms(f: &Function, b: &Billable, pricing: &Pricing) -> f64 {
    charge(&billing(f, pricing), b).billed().as_nanos() as f64 / 1e6
}

/// Mean cost of one invocation of `f` (its `memory-mb` and `architecture`) over `invocations`,
/// USD, priced by the cost engine ([`cost::quantities`] and [`cost::price`]) with `book` and
/// the rules of `pricing`, over a month at the first tier and without the free tier. 0 for no
/// invocations.
pub fn cost_per_invocation(
    f: &Function,
    invocations: &[Billable],
    pricing: &Pricing,
    book: &PriceBook,
) -> f64 {
    if invocations.is_empty() {
        return 0.0;
    }
    let mut f = f.clone();
    f.provisioned.clear();
    f.snapstart = false;
    let billing = billing(&f, pricing);
    let mut usage = Usage::default();
    for b in invocations {
        usage.add_charge(&charge(&billing, b));
    }
    let rules = BillingRules {
        free_tier: false,
        ..BillingRules::from_pricing(pricing)
    };
    let q = cost::quantities(&f, &usage, SimTime::ZERO, SimTime::ZERO);
    let lines = cost::price(&[(f.architecture, q)], 1.0, book, &rules);
    lines[0].total() / invocations.len() as f64
}

/// One measured invocation (one row of `samples.csv`).
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    /// Memory size, MB.
    pub memory_mb: u32,
    /// Architecture (always the native one).
    pub architecture: Architecture,
    /// True in the forced-cold phase.
    pub forced_cold: bool,
    /// Billed duration as the cost engine bills it, ms.
    pub billed_ms: f64,
    /// What the harness measured.
    pub record: InvocationRecord,
}

/// `samples.csv`: [`SAMPLES_CSV_HEADER`] and one row per sample. `phase` is `cold` for an
/// invocation that started an environment, else `warm`. Written by the `csv` crate: a field
/// holding a comma, a double quote, a carriage return or a line feed is quoted (RFC 4180),
/// records end with `\n`.
pub fn samples_csv(samples: &[Sample]) -> String {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let mut write = |record: &[&str]| {
        w.write_record(record)
            .expect("writing CSV to memory cannot fail")
    };
    write(&SAMPLES_CSV_HEADER.split(',').collect::<Vec<_>>());
    for s in samples {
        let r = &s.record;
        let init = r.init_ms.map(|v| format!("{v:.3}")).unwrap_or_default();
        let mem = if r.max_memory_used_mb > 0 {
            r.max_memory_used_mb.to_string()
        } else {
            String::new()
        };
        let err = if r.status == Status::Success {
            ""
        } else {
            r.error_type.as_deref().unwrap_or("Unhandled")
        };
        write(&[
            &s.memory_mb.to_string(),
            s.architecture.as_str(),
            if r.cold { "cold" } else { "warm" },
            &r.request_id,
            &init,
            &format!("{:.3}", r.duration_ms),
            &s.billed_ms.to_string(),
            &mem,
            err,
        ]);
    }
    let bytes = w.into_inner().expect("writing CSV to memory cannot fail");
    String::from_utf8(bytes).expect("CSV of UTF-8 fields is UTF-8")
}

/// Everything a benchmark produced.
#[derive(Clone, Debug)]
pub struct BenchOutput {
    /// `bench.json`.
    pub summary: BenchSummary,
    /// Every measured invocation, in the order run per memory size (warm ones by start order).
    pub samples: Vec<Sample>,
    /// Why CPU was not limited, when `cpu_limit` is `"none"`.
    pub cpu_limit_reason: Option<String>,
    /// The architectures whose rows are modelled, not measured.
    pub modelled: Vec<Architecture>,
    /// Recommendations per architecture (measured and modelled rows alike), in the order the
    /// architectures appear in the results.
    pub by_architecture: Vec<(Architecture, BenchRecommendation)>,
}

/// Checks the inputs of a benchmark and returns the function (its index and a copy) without
/// running anything.
pub fn check(
    scenario: &Scenario,
    function: &str,
    opts: &BenchOptions,
) -> Result<(usize, Function), BenchError> {
    opts.check()?;
    let Some(index) = scenario.functions.iter().position(|f| f.name == function) else {
        return Err(BenchError::UnknownFunction {
            name: function.to_string(),
            available: scenario
                .functions
                .iter()
                .map(|f| format!("`{}`", f.name))
                .collect(),
        });
    };
    let f = scenario.functions[index].clone();
    if f.handler.is_none() {
        return Err(BenchError::NoHandler {
            index,
            name: f.name,
        });
    }
    if native_architecture().is_none() {
        return Err(BenchError::UnsupportedMachine(
            std::env::consts::ARCH.to_string(),
        ));
    }
    PriceBook::lookup(&scenario.account.region)?;
    Ok((index, f))
}

/// The function as benchmarked at `memory_mb`: native architecture, no concurrency limits,
/// environments kept alive for the whole run.
fn bench_function(base: &Function, memory_mb: u32, arch: Architecture) -> Function {
    let mut f = base.clone();
    f.memory_mb = memory_mb;
    f.architecture = arch;
    f.reserved_concurrency = None;
    f.provisioned.clear();
    f.keep_alive = KeepAlive {
        policy: KeepAlivePolicy::Fixed {
            idle: BENCH_KEEP_ALIVE,
        },
        max_lifetime: None,
    };
    f
}

/// Factor from a duration measured on `from` to `to` at `memory_mb`, by the function's model.
fn arch_factor(
    model: &DurationModel,
    memory_mb: u32,
    from: Architecture,
    to: Architecture,
    speedup: f64,
) -> f64 {
    let m = DurationModel {
        reference_memory_mb: memory_mb,
        ..model.clone()
    };
    m.scale_factor(memory_mb, to, speedup) / m.scale_factor(memory_mb, from, speedup)
}

/// Progress callback: called with the number of invocations just finished.
pub type ProgressFn = Arc<dyn Fn(u64) + Send + Sync>;

/// Runs the benchmark of `function` in `scenario` (see the module documentation), calling
/// `progress` after every invocation. Inputs are checked ([`check`]) before anything runs.
pub async fn run(
    scenario: &Scenario,
    function: &str,
    opts: &BenchOptions,
    payloads: &Payloads,
    progress: ProgressFn,
) -> Result<BenchOutput, BenchError> {
    let (_, base) = check(scenario, function, opts)?;
    let native = native_architecture().expect("checked");
    let book = PriceBook::lookup(&scenario.account.region)?.with_overrides(&scenario.pricing.rates);
    let pricing = &scenario.pricing;
    let mut archs = if opts.architectures.is_empty() {
        vec![base.architecture]
    } else {
        opts.architectures.clone()
    };
    archs.retain(|a| *a != native);
    let modelled = archs;
    let concurrency_limit = scenario.account.concurrency_limit.max(opts.concurrency);

    let mut results = Vec::new();
    let mut samples = Vec::new();
    let mut cpu_limit = None;
    let mut cpu_limit_reason = None;
    for &memory_mb in &opts.memory_mb {
        let f = bench_function(&base, memory_mb, native);
        let rt_opts = RuntimeOptions {
            concurrency_limit,
            // After a first runtime found no cgroups, later ones do not try (and warn) again.
            cgroups: opts.cgroups && cpu_limit != Some(crate::CpuLimit::None),
            keep_records: false,
            ..RuntimeOptions::for_account(&scenario.account)
        };
        let rt = Arc::new(Runtime::start(vec![f.clone()], rt_opts).await?);
        if cpu_limit.is_none() {
            cpu_limit = Some(rt.cpu_limit());
            cpu_limit_reason = rt.cpu_limit_reason().map(str::to_string);
        }
        let measured = measure(&rt, &f, opts, payloads, &progress).await;
        rt.shutdown().await;
        let (cold, warm) = measured?;
        let all: Vec<&InvocationRecord> = cold.iter().chain(&warm).collect();
        if !all.is_empty() && all.iter().all(|r| runtime_failure(r.error_type.as_deref())) {
            return Err(BenchError::HandlerNeverRan {
                function: f.name.clone(),
                memory_mb,
                invocations: all.len(),
                error_type: all[0].error_type.clone().unwrap_or_default(),
            });
        }

        let billable = |r: &InvocationRecord| Billable {
            duration_ms: r.duration_ms,
            init_ms: r.init_ms,
        };
        let priced: Vec<&InvocationRecord> = if warm.is_empty() {
            cold.iter().collect()
        } else {
            warm.iter().collect()
        };
        let native_row = row(
            &f,
            &all,
            |r| Some(billable(r)),
            &priced,
            pricing,
            &book,
            true,
            1.0,
            1.0,
        );
        results.push(native_row);
        for (records, forced) in [(&cold, true), (&warm, false)] {
            for r in records {
                samples.push(Sample {
                    memory_mb,
                    architecture: native,
                    forced_cold: forced,
                    billed_ms: billed_ms(&f, &billable(r), pricing),
                    record: r.clone(),
                });
            }
        }
        for &arch in &modelled {
            let fm = Function {
                architecture: arch,
                ..f.clone()
            };
            let kd = arch_factor(&base.duration, memory_mb, native, arch, base.arm64_speedup);
            let ki = arch_factor(&base.init, memory_mb, native, arch, base.arm64_speedup);
            let scaled = |r: &InvocationRecord| {
                Some(Billable {
                    duration_ms: r.duration_ms * kd,
                    init_ms: r.init_ms.map(|i| i * ki),
                })
            };
            results.push(row(
                &fm, &all, scaled, &priced, pricing, &book, false, kd, ki,
            ));
        }
    }

    let w = opts.balanced_weight;
    let measured: Vec<&BenchResult> = results.iter().filter(|r| r.measured).collect();
    let recommendation =
        recommend(&candidates(&measured), w).expect("at least one memory size is measured");
    let mut by_architecture = Vec::new();
    for arch in std::iter::once(native).chain(modelled.iter().copied()) {
        let rows: Vec<&BenchResult> = results
            .iter()
            .filter(|r| r.architecture == arch.as_str())
            .collect();
        if let Some(rec) = recommend(&candidates(&rows), w) {
            by_architecture.push((arch, rec));
        }
    }
    let summary = BenchSummary {
        schema_version: BENCH_SCHEMA_VERSION,
        lamsim_version: env!("CARGO_PKG_VERSION").to_string(),
        function: base.name.clone(),
        architecture: native.as_str().to_string(),
        cpu_limit: cpu_limit
            .unwrap_or(crate::CpuLimit::None)
            .as_str()
            .to_string(),
        balanced_weight: w,
        results,
        recommendation,
    };
    Ok(BenchOutput {
        summary,
        samples,
        cpu_limit_reason,
        modelled,
        by_architecture,
    })
}

/// One row of results from the measured records; durations multiplied by `kd` and init by
/// `ki` (1 for measured rows).
#[allow(clippy::too_many_arguments)]
fn row(
    f: &Function,
    all: &[&InvocationRecord],
    billable: impl Fn(&InvocationRecord) -> Option<Billable>,
    priced: &[&InvocationRecord],
    pricing: &Pricing,
    book: &PriceBook,
    measured: bool,
    kd: f64,
    ki: f64,
) -> BenchResult {
    let ran: Vec<f64> = all
        .iter()
        .filter(|r| r.status != Status::InitError)
        .map(|r| r.duration_ms * kd)
        .collect();
    let inits: Vec<f64> = all
        .iter()
        .filter(|r| r.status != Status::InitError)
        .filter_map(|r| r.init_ms.map(|i| i * ki))
        .collect();
    let bills: Vec<Billable> = priced.iter().filter_map(|r| billable(r)).collect();
    let cost = cost_per_invocation(f, &bills, pricing, book);
    BenchResult {
        memory_mb: f.memory_mb,
        architecture: f.architecture.as_str().to_string(),
        measured,
        invocations: all.len() as u64,
        cold_starts: all.iter().filter(|r| r.cold).count() as u64,
        errors: all.iter().filter(|r| r.status != Status::Success).count() as u64,
        init_ms: stats(&inits),
        duration_ms: stats(&ran),
        max_memory_used_mb: all.iter().map(|r| r.max_memory_used_mb).max().unwrap_or(0) as f64,
        cost_per_invocation_usd: cost,
        cost_per_million_usd: cost * 1e6,
    }
}

/// The cold starts and the warm invocations at one memory size.
async fn measure(
    rt: &Arc<Runtime>,
    f: &Function,
    opts: &BenchOptions,
    payloads: &Payloads,
    progress: &ProgressFn,
) -> Result<(Vec<InvocationRecord>, Vec<InvocationRecord>), BenchError> {
    let mut cold = Vec::new();
    for event in payloads.sequence(opts.cold as usize) {
        rt.retire_idle(&f.name).await;
        let inv = rt.invoke(&f.name, event, true).await?;
        cold.push(inv.record);
        progress(1);
    }
    // The warm-up's first `concurrency` invocations each start an environment (run at once),
    // so that `concurrency` clients then always find a warm one.
    rt.retire_idle(&f.name).await;
    let n = opts.warmup_count() as usize;
    let fresh = n.min(opts.concurrency as usize);
    let events = payloads.sequence(n);
    clients(rt, &f.name, events, opts.concurrency, fresh, progress).await?;
    let events = payloads.sequence(opts.invocations as usize);
    let warm = clients(rt, &f.name, events, opts.concurrency, 0, progress).await?;
    Ok((cold, warm))
}

/// Sends `events` with `concurrency` clients, each sending the next event as soon as its
/// previous one is answered, the first `fresh` events on new environments; returns the
/// records in event order.
async fn clients(
    rt: &Arc<Runtime>,
    name: &str,
    events: Vec<Bytes>,
    concurrency: u32,
    fresh: usize,
    progress: &ProgressFn,
) -> Result<Vec<InvocationRecord>, BenchError> {
    let events = Arc::new(events);
    let next = Arc::new(AtomicUsize::new(0));
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..concurrency.min(events.len().max(1) as u32) {
        let (rt, events, next, progress) =
            (rt.clone(), events.clone(), next.clone(), progress.clone());
        let name = name.to_string();
        set.spawn(async move {
            let mut done = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(event) = events.get(i) else {
                    return Ok::<_, InvokeError>(done);
                };
                let inv = rt.invoke(&name, event.clone(), i < fresh).await?;
                done.push((i, inv.record));
                progress(1);
            }
        });
    }
    let mut all = Vec::with_capacity(events.len());
    while let Some(joined) = set.join_next().await {
        match joined {
            Ok(Ok(done)) => all.extend(done),
            Ok(Err(e)) => return Err(e.into()),
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
    }
    all.sort_by_key(|(i, _)| *i);
    Ok(all.into_iter().map(|(_, r)| r).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_csv_quotes_only_what_needs_it() {
        let record = |cold: bool, status: &str, error: Option<&str>| -> InvocationRecord {
            serde_json::from_value(serde_json::json!({
                "request_id": "r-1", "function": "f", "memory_mb": 512, "environment": 1,
                "cold": cold, "invocation_type": "RequestResponse",
                "init_ms": if cold { Some(120.5) } else { None },
                "duration_ms": 12.25, "first_byte_ms": null, "billed_duration_ms": 13,
                "max_memory_used_mb": 0, "client_latency_ms": 13.0, "status": status,
                "error_type": error, "request_bytes": 2, "response_bytes": 2,
                "timestamp_ms": 0, "cpu_limit": "none",
            }))
            .expect("a record")
        };
        let sample = |record| Sample {
            memory_mb: 512,
            architecture: Architecture::X86_64,
            forced_cold: false,
            billed_ms: 13.0,
            record,
        };
        let csv = samples_csv(&[
            sample(record(true, "success", None)),
            sample(record(false, "function-error", Some("Bad,\"error\"\r"))),
        ]);
        assert_eq!(
            csv,
            format!(
                "{SAMPLES_CSV_HEADER}\n512,x86_64,cold,r-1,120.500,12.250,13,,\n\
                 512,x86_64,warm,r-1,,12.250,13,,\"Bad,\"\"error\"\"\r\"\n"
            )
        );
    }

    #[test]
    fn nearest_rank_percentiles() {
        // 1..=10: p50 is the 5th value, p90 the 9th, p99 the 10th (⌈9.9⌉ = 10).
        let v: Vec<f64> = (1..=10).rev().map(f64::from).collect();
        let s = stats(&v);
        assert_eq!(s.mean, 5.5);
        assert_eq!((s.p50, s.p90, s.p99), (5.0, 9.0, 10.0));
        assert_eq!(stats(&[]), Stats::default());
        let one = stats(&[7.0]);
        assert_eq!((one.mean, one.p50, one.p99), (7.0, 7.0, 7.0));
    }

    #[test]
    fn weighted_schedule_interleaves_in_proportion() {
        let p = Payloads::parse(
            "{\"weight\": 3, \"payload\": {\"a\": 1}}\n\n{\"weight\": 1, \"payload\": {\"b\": 2}}\n",
            "p.jsonl",
        )
        .unwrap();
        assert_eq!(p.schedule(8), vec![0, 0, 1, 0, 0, 0, 1, 0]);
        let seq = p.sequence(3);
        assert_eq!(seq[2], Bytes::from_static(br#"{"b":2}"#));
    }

    #[test]
    fn one_event_or_a_single_weighted_line() {
        let one = Payloads::parse("{\n  \"cpu_ms\": 5\n}\n", "e.json").unwrap();
        assert_eq!(
            one.sequence(2),
            vec![Bytes::from_static(br#"{"cpu_ms":5}"#); 2]
        );
        let w = Payloads::parse(r#"{"weight": 2, "payload": [1]}"#, "w.jsonl").unwrap();
        assert_eq!(
            w.events().map(|(w, e)| (w, e.clone())).collect::<Vec<_>>(),
            vec![(2.0, Bytes::from_static(b"[1]"))]
        );
    }

    #[test]
    fn bad_payload_files_name_the_line() {
        let e = Payloads::parse(
            "{\"weight\": 1, \"payload\": 1}\n{\"weight\": 0, \"payload\": 2}\n",
            "w.jsonl",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("w.jsonl line 2") && e.contains("above 0"), "{e}");
        let e = Payloads::parse("{\"weight\": 1, \"payload\": 1}\n{nope\n", "w.jsonl")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2") && e.contains("not JSON"), "{e}");
        assert!(Payloads::parse("  \n", "e.json").is_err());
    }

    #[test]
    fn rows_with_errors_are_not_recommended_unless_all_have_errors() {
        let row = |memory_mb, errors, cost| BenchResult {
            memory_mb,
            architecture: "x86_64".into(),
            measured: true,
            invocations: 10,
            cold_starts: 1,
            errors,
            init_ms: Stats::default(),
            duration_ms: Stats {
                mean: 10.0,
                ..Stats::default()
            },
            max_memory_used_mb: 0.0,
            cost_per_invocation_usd: cost,
            cost_per_million_usd: cost * 1e6,
        };
        let (a, b) = (row(128, 1, 1.0), row(256, 0, 2.0));
        let picked = candidates(&[&a, &b]);
        assert_eq!(picked.len(), 1);
        assert_eq!(picked[0].memory_mb, 256);
        let c = row(512, 2, 3.0);
        assert_eq!(candidates(&[&a, &c]).len(), 2);
    }

    #[test]
    fn billed_duration_follows_the_granularity_and_init_rules() {
        let f = cost::example_function("f", 1024, Architecture::X86_64);
        let mut pricing = lamsim_sim::testing::simple_scenario(1.0, 1.0, "10m", "1h").pricing;
        let cold = Billable {
            duration_ms: 10.2,
            init_ms: Some(5.3),
        };
        // Billing date 2026: 1 ms granularity, INIT billed: 11 + 6.
        assert_eq!(billed_ms(&f, &cold, &pricing), 17.0);
        // Before December 2020: 100 ms granularity, INIT not billed (not a custom runtime).
        pricing.billing_date = lamsim_sim::model::Date {
            year: 2020,
            month: 6,
            day: 1,
        };
        assert_eq!(billed_ms(&f, &cold, &pricing), 100.0);
    }

    #[test]
    fn cost_is_request_plus_billed_gb_s_at_the_first_tier() {
        let f = cost::example_function("f", 1024, Architecture::X86_64);
        let pricing = lamsim_sim::testing::simple_scenario(1.0, 1.0, "10m", "1h").pricing;
        let book = PriceBook::us_east_1();
        // 10.2 ms → 11 ms billed at 1 GB: 0.011 GB-s × rate + one request.
        let c = cost_per_invocation(
            &f,
            &[Billable {
                duration_ms: 10.2,
                init_ms: None,
            }],
            &pricing,
            &book,
        );
        let expected = book.request + 0.011 * book.duration.x86_64.first();
        assert!((c - expected).abs() < 1e-15, "{c} vs {expected}");
        // arm64 uses its own rate.
        let fa = Function {
            architecture: Architecture::Arm64,
            ..f.clone()
        };
        let ca = cost_per_invocation(
            &fa,
            &[Billable {
                duration_ms: 10.2,
                init_ms: None,
            }],
            &pricing,
            &book,
        );
        assert!((ca - (book.request + 0.011 * book.duration.arm64.first())).abs() < 1e-15);
        assert_eq!(cost_per_invocation(&f, &[], &pricing, &book), 0.0);
    }
}
