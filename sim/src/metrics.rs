//! The standard recorder: latency histograms, counters, time-averaged environment counts and
//! billable usage of the measured window `[warmup, duration)`.

use hdrhistogram::Histogram;

use crate::cost::{Charge, InvocationBilling};
use crate::cost::{async_billed_requests, poller_billed_time};
use crate::histogram::CompactHistogram;
use crate::model::trigger::{Front, SQS_LONG_POLL};
use crate::model::{Scenario, TriggerKind};
use crate::observer::{Counts, Fate, Invocation, Note, Observer, Outcome, ThrottleReason};
use crate::summary::{
    FunctionSummary, InstanceStats, LatencyStats, QueueStats, TriggerSummary, UsageSummary,
};
use crate::time::{NS_PER_MS, NS_PER_S, SimTime};
use crate::usage::Usage;

/// Largest latency the histograms resolve, µs (2 hours); larger values are clamped to it,
/// never dropped. The exact maximum is kept separately.
pub const HISTOGRAM_MAX_US: u64 = 2 * 3600 * 1_000_000;

/// Per-function measurements.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct FunctionRecord {
    /// Arrivals in the window.
    pub arrivals: u64,
    /// Throttled arrivals in the window.
    pub throttles: u64,
    /// Throttles by reason: reserved, account, scaling rate, managed-instances capacity.
    pub throttles_by_reason: [u64; 4],
    /// Invocations (arrived in the window, ran).
    pub invocations: u64,
    /// Cold starts among them.
    pub cold_starts: u64,
    /// Timeouts among them.
    pub timeouts: u64,
    /// Warm latencies, µs (empty, holding no memory, until the first).
    pub warm: CompactHistogram,
    /// Cold latencies, µs (empty, holding no memory, until the first).
    pub cold: CompactHistogram,
    /// Exact sums of latencies, ns (warm, cold).
    pub latency_sum_ns: [u128; 2],
    /// Exact maxima, ns (warm, cold).
    pub latency_max_ns: [u64; 2],
    /// ∫ total environments dt over the window, env·ns.
    pub area_total: u128,
    /// ∫ busy environments dt, env·ns.
    pub area_busy: u128,
    /// Peak environments in the window.
    pub peak: u32,
    /// Peak environments initializing or running in the window (concurrency).
    pub peak_busy: u32,
    /// Billable usage.
    pub usage: Usage,
    /// Functions with provisioned auto scaling or on managed instances: their capacity over
    /// time.
    pub capacity: Option<Box<CapacityRecord>>,
    last_counts: Counts,
    last_t: u64,
}

impl FunctionRecord {
    fn new() -> Self {
        let h = CompactHistogram::new;
        FunctionRecord {
            arrivals: 0,
            throttles: 0,
            throttles_by_reason: [0; 4],
            invocations: 0,
            cold_starts: 0,
            timeouts: 0,
            warm: h(),
            cold: h(),
            latency_sum_ns: [0; 2],
            latency_max_ns: [0; 2],
            area_total: 0,
            area_busy: 0,
            peak: 0,
            peak_busy: 0,
            usage: Usage::default(),
            capacity: None,
            last_counts: Counts::default(),
            last_t: 0,
        }
    }
}

fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, HISTOGRAM_MAX_US, 3).expect("valid histogram bounds")
}

/// A latency distribution: an HDR histogram (µs) with the exact sum and maximum (ns).
#[derive(Clone, Debug)]
pub struct Latencies {
    /// Latencies, µs (at least 1).
    pub histogram: Histogram<u64>,
    /// Exact sum, ns.
    pub sum_ns: u128,
    /// Exact maximum, ns.
    pub max_ns: u64,
}

impl Default for Latencies {
    fn default() -> Self {
        Latencies {
            histogram: histogram(),
            sum_ns: 0,
            max_ns: 0,
        }
    }
}

/// Serialized as `{histogram: [[value µs, count], …], sum_ns, max_ns}`, the histogram's
/// recorded values (each its bucket's lowest equivalent value, which records back into the
/// same bucket).
impl serde::Serialize for Latencies {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let recorded: Vec<(u64, u64)> = self
            .histogram
            .iter_recorded()
            .map(|v| {
                (
                    self.histogram.lowest_equivalent(v.value_iterated_to()),
                    v.count_at_value(),
                )
            })
            .collect();
        let mut st = s.serialize_struct("Latencies", 3)?;
        st.serialize_field("histogram", &recorded)?;
        st.serialize_field("sum_ns", &self.sum_ns)?;
        st.serialize_field("max_ns", &self.max_ns)?;
        st.end()
    }
}

impl<'de> serde::Deserialize<'de> for Latencies {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw {
            histogram: Vec<(u64, u64)>,
            sum_ns: u128,
            max_ns: u64,
        }
        let raw = Raw::deserialize(d)?;
        let mut l = Latencies {
            sum_ns: raw.sum_ns,
            max_ns: raw.max_ns,
            ..Latencies::default()
        };
        for (v, n) in raw.histogram {
            l.histogram
                .record_n(v, n)
                .map_err(|e| serde::de::Error::custom(format!("latency {v} µs: {e:?}")))?;
        }
        Ok(l)
    }
}

impl Latencies {
    /// Records a latency of `ns`.
    #[inline]
    pub fn record(&mut self, ns: u64) {
        self.sum_ns += ns as u128;
        self.max_ns = self.max_ns.max(ns);
        self.histogram.saturating_record(((ns + 500) / 1000).max(1));
    }

    /// Adds another distribution.
    pub fn add(&mut self, o: &Latencies) {
        self.histogram.add(&o.histogram).expect("same bounds");
        self.sum_ns += o.sum_ns;
        self.max_ns = self.max_ns.max(o.max_ns);
    }

    /// Its statistics, ms.
    pub fn stats(&self) -> LatencyStats {
        latency_stats(&self.histogram, self.sum_ns, self.max_ns)
    }
}

/// What [`latency_stats`] reads of a latency histogram (µs).
pub trait Quantiles {
    /// Samples recorded.
    fn count(&self) -> u64;
    /// The value at quantile `q`, as HDR histograms report it.
    fn quantile(&self, q: f64) -> u64;
    /// The values at quantiles `qs` (in increasing order), each as [`Quantiles::quantile`]
    /// gives it.
    fn quantiles<const N: usize>(&self, qs: [f64; N]) -> [u64; N] {
        qs.map(|q| self.quantile(q))
    }
}

impl Quantiles for Histogram<u64> {
    fn count(&self) -> u64 {
        self.len()
    }
    fn quantile(&self, q: f64) -> u64 {
        self.value_at_quantile(q)
    }
}

impl Quantiles for CompactHistogram {
    fn count(&self) -> u64 {
        self.len()
    }
    fn quantile(&self, q: f64) -> u64 {
        self.value_at_quantile(q)
    }
    /// One pass over the buckets for all of them: an account's summary asks four quantiles of
    /// three histograms for each of thousands of functions.
    fn quantiles<const N: usize>(&self, qs: [f64; N]) -> [u64; N] {
        self.values_at_quantiles(qs)
    }
}

/// Mean, quantiles and maximum of a histogram (µs) with its exact sum and maximum (ns), in ms.
/// HDR buckets report their highest equivalent value, so quantiles are capped at the maximum.
pub fn latency_stats<H: Quantiles>(h: &H, sum_ns: u128, max_ns: u64) -> LatencyStats {
    if h.count() == 0 {
        return LatencyStats::default();
    }
    let max_ms = max_ns as f64 / NS_PER_MS as f64;
    let [p50, p90, p99, p999] = h
        .quantiles([0.5, 0.9, 0.99, 0.999])
        .map(|v| (v as f64 / 1000.0).min(max_ms));
    LatencyStats {
        mean: sum_ns as f64 / h.count() as f64 / NS_PER_MS as f64,
        p50,
        p90,
        p99,
        p99_ci95: None,
        p999,
        max: max_ms,
    }
}

/// A quantity that holds between changes, integrated over the window (value·ns), with its
/// maximum in the window.
#[derive(Clone, Copy, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Level {
    /// ∫ value dt over the window, value·ns.
    pub area: u128,
    /// Largest value held in the window.
    pub max: u64,
    last: u64,
    last_t: u64,
}

impl Level {
    /// The value becomes `v` at `t`; the window is `[start, end)`.
    #[inline]
    fn set(&mut self, t: u64, v: u64, start: u64, end: u64) {
        self.close(t, start, end);
        self.last = v;
        if t >= start && t < end {
            self.max = self.max.max(v);
        }
    }

    /// Integrates the value held since the last change up to `t`.
    fn close(&mut self, t: u64, start: u64, end: u64) {
        let a = self.last_t.max(start);
        let b = t.min(end);
        if b > a {
            self.area += self.last as u128 * (b - a) as u128;
            self.max = self.max.max(self.last);
        }
        self.last_t = t.max(self.last_t);
    }
}

/// The capacity of a function with provisioned auto scaling or on managed instances.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct CapacityRecord {
    /// Provisioned concurrency configured: `(time, count)` at each change, whole run.
    pub configured_steps: Vec<(SimTime, u32)>,
    /// Provisioned concurrency configured, over the window.
    pub configured: Level,
    /// Managed instances: instances running, over the window.
    pub instances: Level,
}

/// Per-trigger measurements of an event-driven function (see [`TriggerSummary`]).
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct TriggerRecord {
    /// Items that arrived in the window.
    pub arrivals: u64,
    /// Executions (arrived in the window).
    pub invocations: u64,
    /// Items settled, by fate, counted by their arrival in the window: completed, throttled
    /// (sync), dead-lettered, expired.
    pub settled: [u64; 4],
    /// Failed executions (and failed records).
    pub errors: u64,
    /// Executions that were retries.
    pub retries: u64,
    /// Throttled tries that the source retries (queued kinds).
    pub throttled_tries: u64,
    /// Records in executions.
    pub records: u64,
    /// Sync with a gateway timeout: calls cut by it.
    pub gateway_timeouts: u64,
    /// Latency of executions (sync: as the caller sees it).
    pub latency: Latencies,
    /// End-to-end latency of completed queued items.
    pub end_to_end: Latencies,
    /// Items waiting.
    pub backlog: Level,
    /// Greatest age of the oldest unsettled item in the window, ns.
    pub oldest_age_max: u64,
    oldest: Option<u64>,
    oldest_since: u64,
    /// SQS requests with messages (receives, deletes) in the window.
    pub sqs_requests: u64,
    /// Long-polling connections on an empty queue (connection·ns).
    pub polling: Level,
    /// Provisioned pollers (poller·ns).
    pub pollers: Level,
    /// Sync: tries submitted again after a throttle (each a request through the front).
    pub client_retries: u64,
}

/// One function's records in one replicate (see [`Recorder::into_parts`]).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FunctionParts {
    /// Its measurements.
    pub record: FunctionRecord,
    /// Those of its triggers, in order (`None` for the trigger of a wave-one function).
    pub triggers: Vec<Option<TriggerRecord>>,
}

/// What the recorder needs to know of each source (trigger).
#[derive(Clone, Debug)]
struct SourceInfo {
    function: u32,
    kind: TriggerKind,
    name: String,
}

/// More detail recorded beside a [`Recorder`]'s totals: the time series and sample of
/// `--out` ([`crate::series::SeriesRecorder`]). The recorder hands each event on with what it
/// already has, the counts before a change and the charge of an invocation, so that neither
/// is kept or computed twice. `()` records nothing more. Every method has a no-op default.
pub trait Detail {
    /// Whether [`Detail::complete`] wants an invocation that arrived at `arrival` (the
    /// recorder computes its charge for it, also outside the measured window).
    fn wants(&self, _arrival: SimTime) -> bool {
        false
    }
    /// A request arrived for function `f`.
    fn arrival(&mut self, _t: SimTime, _f: u32) {}
    /// A request for function `f` was throttled.
    fn throttle(&mut self, _t: SimTime, _f: u32) {}
    /// An invocation it [`Detail::wants`] completed at `t`, billed `charge`.
    fn complete(&mut self, _t: SimTime, _inv: &Invocation, _charge: &Charge) {}
    /// Function `f`'s environment counts changed from `old` to `new`.
    fn counts(&mut self, _t: SimTime, _f: u32, _old: Counts, _new: Counts) {}
    /// A note of source `s` (see [`Observer::on_note`]).
    fn note(&mut self, _t: SimTime, _f: u32, _s: u32, _note: &Note) {}
    /// The run ended at `t`.
    fn end(&mut self, _t: SimTime) {}
}

impl Detail for () {}

impl<D: Detail> Detail for Option<D> {
    #[inline(always)]
    fn wants(&self, arrival: SimTime) -> bool {
        self.as_ref().is_some_and(|d| d.wants(arrival))
    }
    #[inline(always)]
    fn arrival(&mut self, t: SimTime, f: u32) {
        if let Some(d) = self {
            d.arrival(t, f);
        }
    }
    #[inline(always)]
    fn throttle(&mut self, t: SimTime, f: u32) {
        if let Some(d) = self {
            d.throttle(t, f);
        }
    }
    #[inline(always)]
    fn complete(&mut self, t: SimTime, inv: &Invocation, charge: &Charge) {
        if let Some(d) = self {
            d.complete(t, inv, charge);
        }
    }
    #[inline(always)]
    fn counts(&mut self, t: SimTime, f: u32, old: Counts, new: Counts) {
        if let Some(d) = self {
            d.counts(t, f, old, new);
        }
    }
    fn note(&mut self, t: SimTime, f: u32, s: u32, note: &Note) {
        if let Some(d) = self {
            d.note(t, f, s, note);
        }
    }
    fn end(&mut self, t: SimTime) {
        if let Some(d) = self {
            d.end(t);
        }
    }
}

/// Records what the summary needs, for the window `[start, end)`, and hands every event on to
/// its [`Detail`] `D` (none by default).
#[derive(Clone, Debug)]
pub struct Recorder<D = ()> {
    start: u64,
    end: u64,
    billing: Vec<InvocationBilling>,
    /// One record per function, in scenario order.
    pub functions: Vec<FunctionRecord>,
    /// One record per source (the triggers of every function, in order); `None` for the
    /// trigger of a wave-one function.
    pub triggers: Vec<Option<TriggerRecord>>,
    sources: Vec<SourceInfo>,
    /// Some function is event-driven.
    any_triggers: bool,
    /// Each function is event-driven: its requests are its triggers' items, counted from the
    /// sources' notes (see [`Recorder::add_trigger_fields`]), not the engine's executions.
    event_driven: Vec<bool>,
    detail: D,
}

impl Recorder {
    /// A recorder for `scenario`, billing each invocation as
    /// [`InvocationBilling::of_scenario`] says.
    pub fn new(scenario: &Scenario) -> Self {
        let mut sources = Vec::new();
        let mut triggers = Vec::new();
        for (fi, f) in scenario.functions.iter().enumerate() {
            for t in &f.triggers {
                sources.push(SourceInfo {
                    function: fi as u32,
                    kind: t.kind.clone(),
                    name: t.name.clone(),
                });
                triggers.push(f.event_driven().then(TriggerRecord::default));
            }
        }
        Recorder {
            start: scenario.simulation.warmup.0,
            end: scenario.simulation.duration.0,
            billing: InvocationBilling::of_scenario(scenario),
            functions: scenario
                .functions
                .iter()
                .map(|f| {
                    let mut r = FunctionRecord::new();
                    if f.provisioned_autoscaling.is_some() || f.compute.managed().is_some() {
                        r.capacity = Some(Box::default());
                    }
                    r
                })
                .collect(),
            any_triggers: triggers.iter().any(Option::is_some),
            event_driven: scenario
                .functions
                .iter()
                .map(|f| f.event_driven())
                .collect(),
            triggers,
            sources,
            detail: (),
        }
        .with_albs(scenario)
    }

    /// This recorder, handing its events on to `detail` too.
    pub fn with_detail<D: Detail>(self, detail: D) -> Recorder<D> {
        self.swap_detail(detail).0
    }
}

impl<D> Recorder<D> {
    /// The totals and the detail, apart.
    pub fn split(self) -> (Recorder, D) {
        self.swap_detail(())
    }

    /// This recorder with `detail` for its own, and its own.
    fn swap_detail<E>(self, detail: E) -> (Recorder<E>, D) {
        let recorder = Recorder {
            start: self.start,
            end: self.end,
            billing: self.billing,
            functions: self.functions,
            triggers: self.triggers,
            sources: self.sources,
            any_triggers: self.any_triggers,
            event_driven: self.event_driven,
            detail,
        };
        (recorder, self.detail)
    }

    /// Each function's ALBs (one per sync trigger with `front = "alb"`): configuration the
    /// bill prices per hour.
    fn with_albs(mut self, scenario: &Scenario) -> Self {
        for (r, f) in self.functions.iter_mut().zip(&scenario.functions) {
            r.usage.albs = f
                .triggers
                .iter()
                .filter(|t| matches!(&t.kind, TriggerKind::Sync(s) if s.front == Front::Alb))
                .count() as u32;
        }
        self
    }

    /// The summary of source `s`'s trigger, when its function is event-driven.
    pub fn trigger_summary(&self, s: usize) -> Option<TriggerSummary> {
        let r = self.triggers[s].as_ref()?;
        let info = &self.sources[s];
        let queued = info.kind.is_queued();
        let [completed, throttled, dead, expired] = r.settled;
        let window = (self.end - self.start) as f64;
        let pending = r
            .arrivals
            .saturating_sub(completed + throttled + dead + expired);
        Some(TriggerSummary {
            name: info.name.clone(),
            invocation: info.kind.name().to_string(),
            arrivals: r.arrivals as f64,
            invocations: r.invocations as f64,
            completed: completed as f64,
            errors: r.errors as f64,
            retries: r.retries as f64,
            throttles: if queued { r.throttled_tries } else { throttled } as f64,
            dead_letters: dead as f64,
            expired: expired as f64,
            pending: pending as f64,
            latency_ms: r.latency.stats(),
            gateway_timeouts: match &info.kind {
                TriggerKind::Sync(s) if s.gateway_timeout.is_some() => {
                    Some(r.gateway_timeouts as f64)
                }
                _ => None,
            },
            end_to_end_ms: queued.then(|| r.end_to_end.stats()),
            queue: queued.then(|| QueueStats {
                backlog_avg: if window > 0.0 {
                    r.backlog.area as f64 / window
                } else {
                    0.0
                },
                backlog_max: r.backlog.max as f64,
                oldest_age_ms_max: r.oldest_age_max as f64 / NS_PER_MS as f64,
            }),
            // Every queued kind reports its batch size (the contract's rule): records per
            // invocation, 1 for async and schedule events, which are taken one at a time.
            batch_size_avg: queued.then(|| {
                if r.invocations > 0 {
                    r.records as f64 / r.invocations as f64
                } else {
                    0.0
                }
            }),
            sqs_requests: matches!(info.kind, TriggerKind::Sqs(_)).then(|| self.sqs_requests(s)),
            poller_hours: match &info.kind {
                TriggerKind::Sqs(q)
                    if matches!(
                        q.scaling,
                        crate::model::trigger::SqsScaling::Provisioned { .. }
                    ) =>
                {
                    Some(r.pollers.area as f64 / (3600.0 * NS_PER_S as f64))
                }
                _ => None,
            },
        })
    }

    /// SQS requests of source `s` in the window: receives with messages and deletes, plus one
    /// empty receive per long-poll period of each connection waiting on an empty queue.
    pub fn sqs_requests(&self, s: usize) -> f64 {
        self.triggers[s].as_ref().map_or(0.0, |r| {
            r.sqs_requests as f64 + r.polling.area as f64 / SQS_LONG_POLL.0 as f64
        })
    }

    /// The sources (triggers) of function `f`, as indexes: a range, found by bisection since
    /// the sources are listed function by function (an account's summary asks for every
    /// function's).
    pub fn sources_of(&self, f: usize) -> std::ops::Range<usize> {
        let first = self.sources.partition_point(|s| (s.function as usize) < f);
        let end = self.sources.partition_point(|s| (s.function as usize) <= f);
        first..end
    }

    /// Each function's record with the records of its sources, in order: what a shard file
    /// keeps of the replicate (see [`crate::shard`]).
    pub fn into_parts(self) -> Vec<FunctionParts> {
        let mut triggers: Vec<Vec<Option<TriggerRecord>>> = vec![Vec::new(); self.functions.len()];
        for (info, t) in self.sources.iter().zip(self.triggers) {
            triggers[info.function as usize].push(t);
        }
        self.functions
            .into_iter()
            .zip(triggers)
            .map(|(record, triggers)| FunctionParts { record, triggers })
            .collect()
    }

    /// Puts `parts` (from [`Recorder::into_parts`] of a run of the same function) in the place
    /// of function `f`.
    pub fn put_parts(&mut self, f: usize, parts: FunctionParts) -> Result<(), String> {
        let sources: Vec<usize> = self.sources_of(f).collect();
        if f >= self.functions.len() || sources.len() != parts.triggers.len() {
            return Err(format!(
                "function {f}: {} trigger records where the workload has {}",
                parts.triggers.len(),
                sources.len()
            ));
        }
        for (s, t) in sources.into_iter().zip(parts.triggers) {
            if t.is_some() != self.triggers[s].is_some() {
                return Err(format!("function {f}: trigger records of another kind"));
            }
            self.triggers[s] = t;
        }
        self.functions[f] = parts.record;
        Ok(())
    }

    /// Adds the event-driven fields to `fs`, the summary of function `f`.
    fn add_trigger_fields(&self, f: usize, fs: &mut FunctionSummary) {
        let list: Vec<TriggerSummary> = self
            .sources_of(f)
            .filter_map(|s| self.trigger_summary(s))
            .collect();
        if list.is_empty() {
            return;
        }
        let sum = |g: &dyn Fn(&TriggerSummary) -> f64| list.iter().map(g).sum::<f64>();
        fs.arrivals = sum(&|t| t.arrivals);
        fs.throttles = sum(&|t| t.throttles);
        fs.errors = Some(sum(&|t| t.errors));
        fs.retries = Some(sum(&|t| t.retries));
        fs.dead_letters = Some(sum(&|t| t.dead_letters));
        fs.expired = Some(sum(&|t| t.expired));
        let queued: Vec<usize> = self
            .sources_of(f)
            .filter(|&s| self.sources[s].kind.is_queued())
            .collect();
        if !queued.is_empty() {
            let mut e2e = Latencies::default();
            let mut backlog_area = 0u128;
            let mut backlog_max = 0f64;
            let mut oldest = 0u64;
            for &s in &queued {
                let r = self.triggers[s].as_ref().expect("event-driven");
                e2e.add(&r.end_to_end);
                backlog_area += r.backlog.area;
                backlog_max += r.backlog.max as f64;
                oldest = oldest.max(r.oldest_age_max);
            }
            let window = (self.end - self.start) as f64;
            fs.end_to_end_ms = Some(e2e.stats());
            fs.queue = Some(QueueStats {
                backlog_avg: if window > 0.0 {
                    backlog_area as f64 / window
                } else {
                    0.0
                },
                // The sum of each queue's maximum: an upper bound when several queues peak
                // at different times, exact with one queue.
                backlog_max,
                oldest_age_ms_max: oldest as f64 / NS_PER_MS as f64,
            });
        }
        let batched: Vec<&TriggerSummary> =
            list.iter().filter(|t| t.batch_size_avg.is_some()).collect();
        if !batched.is_empty() {
            let (records, batches) = self
                .sources_of(f)
                .filter(|&s| self.sources[s].kind.is_queued())
                .filter_map(|s| self.triggers[s].as_ref())
                .fold((0u64, 0u64), |(r, b), t| (r + t.records, b + t.invocations));
            fs.batch_size_avg = Some(if batches > 0 {
                records as f64 / batches as f64
            } else {
                0.0
            });
        }
        fs.triggers = Some(list);
        let base = fs.throttle_base();
        fs.throttle_ratio = if base > 0.0 { fs.throttles / base } else { 0.0 };
    }

    #[inline]
    fn in_window(&self, t: SimTime) -> bool {
        t.0 >= self.start && t.0 < self.end
    }

    /// Integrates the counts held since the last change up to `t`.
    #[inline]
    fn integrate(&mut self, f: usize, t: u64) {
        let (start, end) = (self.start, self.end);
        let r = &mut self.functions[f];
        let a = r.last_t.max(start);
        let b = t.min(end);
        if b > a {
            let dt = (b - a) as u128;
            let c = r.last_counts;
            r.area_total += c.total as u128 * dt;
            r.area_busy += c.busy as u128 * dt;
            r.peak = r.peak.max(c.total);
            r.peak_busy = r.peak_busy.max(c.busy);
        }
        r.last_t = t;
    }

    /// The summary of function `f` (without cost), given the window length.
    pub fn function_summary(&self, f: usize, scenario: &Scenario) -> FunctionSummary {
        let func = &scenario.functions[f];
        let r = &self.functions[f];
        let window = (self.end - self.start) as f64;
        let mut all = r.warm.clone();
        all.add(&r.cold);
        let stats = latency_stats;
        let ratio = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        let mut summary = FunctionSummary {
            name: func.name.clone(),
            memory_mb: func.memory_mb,
            architecture: func.architecture.as_str().to_string(),
            arrivals: r.arrivals as f64,
            invocations: r.invocations as f64,
            cold_starts: r.cold_starts as f64,
            throttles: r.throttles as f64,
            timeouts: r.timeouts as f64,
            cold_start_ratio: ratio(r.cold_starts, r.invocations),
            cold_start_ratio_ci95: None,
            throttle_ratio: ratio(r.throttles, r.arrivals),
            latency_ms: stats(
                &all,
                r.latency_sum_ns[0] + r.latency_sum_ns[1],
                r.latency_max_ns[0].max(r.latency_max_ns[1]),
            ),
            latency_warm_ms: stats(&r.warm, r.latency_sum_ns[0], r.latency_max_ns[0]),
            latency_cold_ms: stats(&r.cold, r.latency_sum_ns[1], r.latency_max_ns[1]),
            instances: InstanceStats {
                avg_total: if window > 0.0 {
                    r.area_total as f64 / window
                } else {
                    0.0
                },
                avg_total_ci95: None,
                avg_busy: if window > 0.0 {
                    r.area_busy as f64 / window
                } else {
                    0.0
                },
                avg_idle: if window > 0.0 {
                    (r.area_total - r.area_busy) as f64 / window
                } else {
                    0.0
                },
                peak: r.peak as f64,
                provisioned_avg: None,
                provisioned_peak: None,
            },
            usage: UsageSummary::from_quantities(
                &crate::cost::quantities(func, &r.usage, SimTime(self.start), SimTime(self.end)),
                r.usage.restores,
            ),
            cost_usd: None,
            errors: None,
            retries: None,
            dead_letters: None,
            expired: None,
            end_to_end_ms: None,
            queue: None,
            batch_size_avg: None,
            triggers: None,
            measured: None,
            managed_instances: None,
        };
        if let Some(c) = &r.capacity {
            let avg = |l: &Level| {
                if window > 0.0 {
                    l.area as f64 / window
                } else {
                    0.0
                }
            };
            if func.provisioned_autoscaling.is_some() {
                summary.instances.provisioned_avg = Some(avg(&c.configured));
                summary.instances.provisioned_peak = Some(c.configured.max as f64);
            }
            if let Some(m) = func.compute.managed() {
                summary.managed_instances = Some(crate::summary::ManagedInstancesSummary {
                    instance_type: m.instance.name.clone(),
                    instances_avg: avg(&c.instances),
                    instances_peak: c.instances.max as f64,
                    instance_hours: c.instances.area as f64 / 3.6e12,
                    environments_avg: summary.instances.avg_total,
                });
            }
        }
        if self.any_triggers {
            self.add_trigger_fields(f, &mut summary);
        }
        if let Some(m) = &func.measured {
            let (invocations, throttles, concurrency_max) =
                m.over(SimTime(self.start), SimTime(self.end));
            summary.measured = Some(crate::summary::MeasuredComparison {
                invocations,
                simulated_invocations: summary.invocations,
                throttles,
                simulated_throttles: summary.throttles,
                concurrency_max,
                simulated_concurrency_max: r.peak_busy as f64,
            });
        }
        summary
    }
}

impl<D: Detail> Recorder<D> {
    /// The configured provisioned count and the instances of a function with auto scaling or
    /// on managed instances (kept out of line: the common path is a function without).
    #[cold]
    #[inline(never)]
    fn capacity_counts(&mut self, t: SimTime, f: usize, counts: Counts) {
        let (start, end) = (self.start, self.end);
        if let Some(c) = &mut self.functions[f].capacity {
            if c.configured_steps.last().map(|s| s.1) != Some(counts.provisioned_configured) {
                c.configured_steps.push((t, counts.provisioned_configured));
            }
            c.configured
                .set(t.0, counts.provisioned_configured as u64, start, end);
            c.instances.set(t.0, counts.instances as u64, start, end);
        }
    }

    /// Records an invocation of an event-driven function on its trigger; returns the latency
    /// for the function's histograms (sync: as the caller sees it).
    fn trigger_invocation(&mut self, inv: &Invocation) -> u64 {
        let s = inv.source as usize;
        let mut lat = inv.caller_latency().0;
        let Some(r) = &mut self.triggers[s] else {
            return lat;
        };
        if let TriggerKind::Sync(c) = &self.sources[s].kind
            && let Some(g) = c.gateway_timeout
            && lat > g.0
        {
            r.gateway_timeouts += 1;
            lat = g.0;
        }
        r.invocations += 1;
        r.records += inv.records as u64;
        if let TriggerKind::Async(a) = &self.sources[s].kind {
            // A large event is billed as several requests at every execution.
            let extra = async_billed_requests(a.event_size_kb) as u64 - 1;
            self.functions[inv.function as usize].usage.requests += extra;
        }
        if inv.retry {
            r.retries += 1;
        }
        if inv.outcome != Outcome::Success {
            r.errors += 1;
        }
        r.latency.record(lat);
        lat
    }
}

impl<D: Detail> Observer for Recorder<D> {
    #[inline]
    fn on_arrival(&mut self, t: SimTime, f: u32) {
        if self.in_window(t) {
            self.functions[f as usize].arrivals += 1;
        }
        // An event-driven function's requests are its triggers' items: the detail counts them
        // from the notes, as the summary does (`on_note`).
        if !self.any_triggers || !self.event_driven[f as usize] {
            self.detail.arrival(t, f);
        }
    }

    #[inline]
    fn on_throttle(&mut self, t: SimTime, f: u32, reason: ThrottleReason) {
        if self.in_window(t) {
            let r = &mut self.functions[f as usize];
            r.throttles += 1;
            r.throttles_by_reason[reason as usize] += 1;
        }
        if !self.any_triggers || !self.event_driven[f as usize] {
            self.detail.throttle(t, f);
        }
    }

    #[inline]
    fn on_complete(&mut self, t: SimTime, inv: &Invocation) {
        if !self.in_window(inv.arrival) {
            // The warm-up's invocations are in the detail's first buckets.
            if self.detail.wants(inv.arrival) {
                let charge = self.billing[inv.function as usize].charge_invocation(inv);
                self.detail.complete(t, inv, &charge);
            }
            return;
        }
        let charge = self.billing[inv.function as usize].charge_invocation(inv);
        if self.detail.wants(inv.arrival) {
            self.detail.complete(t, inv, &charge);
        }
        let lat = if self.any_triggers {
            self.trigger_invocation(inv)
        } else {
            inv.latency().0
        };
        let r = &mut self.functions[inv.function as usize];
        r.invocations += 1;
        let idx = inv.cold as usize;
        r.latency_sum_ns[idx] += lat as u128;
        r.latency_max_ns[idx] = r.latency_max_ns[idx].max(lat);
        let us = ((lat + 500) / 1000).max(1);
        if inv.cold {
            r.cold_starts += 1;
            r.cold.record(us);
        } else {
            r.warm.record(us);
        }
        if inv.timed_out {
            r.timeouts += 1;
        }
        r.usage.add_charge(&charge);
    }

    fn on_throttle_retry(&mut self, t: SimTime, f: u32, s: u32, _reason: ThrottleReason) {
        // A queued item's throttled try is one of the function's throttles (the summary's
        // `throttled_tries`); a sync call's counts when it settles throttled (`on_note`).
        if self.sources[s as usize].kind.is_queued() {
            self.detail.throttle(t, f);
        }
        if !self.in_window(t) {
            return;
        }
        let info = &self.sources[s as usize];
        if let Some(r) = &mut self.triggers[s as usize] {
            if let TriggerKind::Sync(c) = &info.kind {
                // The client's retry is one more request through its front.
                r.client_retries += 1;
                self.functions[info.function as usize].usage.front_requests[c.front.index()] += 1;
            } else {
                r.throttled_tries += 1;
            }
        }
    }

    fn on_note(&mut self, t: SimTime, f: u32, s: u32, note: &Note) {
        self.detail.note(t, f, s, note);
        let (start, end) = (self.start, self.end);
        let in_window = |x: u64| x >= start && x < end;
        if self.triggers[s as usize].is_none() {
            return;
        }
        // The detail counts the function's requests and throttles as the summary does (see
        // `add_trigger_fields`): items by when they arrived, a sync call throttled when it
        // settles so (by its arrival), a queued item's throttled tries in `on_throttle_retry`.
        match *note {
            Note::Arrived => self.detail.arrival(t, f),
            Note::Settled {
                arrival,
                fate: Fate::Throttled,
            } if !self.sources[s as usize].kind.is_queued() => self.detail.throttle(arrival, f),
            _ => {}
        }
        let Some(r) = &mut self.triggers[s as usize] else {
            return;
        };
        match *note {
            Note::Arrived => {
                if in_window(t.0) {
                    r.arrivals += 1;
                    let info = &self.sources[s as usize];
                    if let TriggerKind::Sync(c) = &info.kind {
                        self.functions[info.function as usize].usage.front_requests
                            [c.front.index()] += 1;
                    }
                }
            }
            Note::Settled { arrival, fate } => {
                if in_window(arrival.0) {
                    r.settled[fate as usize] += 1;
                    if fate == Fate::Completed && self.sources[s as usize].kind.is_queued() {
                        r.end_to_end.record(t.0 - arrival.0);
                    }
                }
            }
            Note::Queue { waiting, oldest } => {
                r.backlog.set(t.0, waiting, start, end);
                // The oldest item held since the last change was oldest just before `t`.
                if let Some(o) = r.oldest {
                    let at = t.0.min(end);
                    if at > start && at > o {
                        r.oldest_age_max = r.oldest_age_max.max(at - o);
                    }
                }
                r.oldest = oldest.map(|o| o.0);
                r.oldest_since = t.0;
            }
            Note::RecordErrors(n) => {
                if in_window(t.0) {
                    r.errors += n as u64;
                }
            }
            Note::SqsRequests(n) => {
                if in_window(t.0) {
                    r.sqs_requests += n as u64;
                }
            }
            Note::Polling(n) => r.polling.set(t.0, n as u64, start, end),
            Note::Pollers(n) => r.pollers.set(t.0, n as u64, start, end),
        }
    }

    #[inline]
    fn on_counts(&mut self, t: SimTime, f: u32, counts: Counts) {
        self.integrate(f as usize, t.0);
        let r = &mut self.functions[f as usize];
        if r.capacity.is_some() {
            self.capacity_counts(t, f as usize, counts);
        }
        let old = std::mem::replace(&mut self.functions[f as usize].last_counts, counts);
        self.detail.counts(t, f, old, counts);
    }

    fn on_end(&mut self, t: SimTime) {
        self.detail.end(t);
        for f in 0..self.functions.len() {
            self.integrate(f, t.0.max(self.end));
        }
        let (start, end) = (self.start, self.end);
        for r in &mut self.functions {
            if let Some(c) = &mut r.capacity {
                c.configured.close(t.0.max(end), start, end);
                c.instances.close(t.0.max(end), start, end);
                r.usage.instance_ns = c.instances.area;
                if !c.configured_steps.is_empty() {
                    let periods = crate::cost::provisioned_periods(&c.configured_steps);
                    r.usage.provisioned_configured_ns = Some(crate::cost::provisioned_billed_time(
                        &periods,
                        SimTime(start),
                        SimTime(end),
                    ));
                }
            }
        }
        let at = t.0.max(end);
        for r in self.triggers.iter_mut().flatten() {
            r.backlog.close(at, start, end);
            r.polling.close(at, start, end);
            r.pollers.close(at, start, end);
            if let Some(o) = r.oldest
                && end > start
                && end > o
            {
                r.oldest_age_max = r.oldest_age_max.max(end - o);
            }
        }
        // What the SQS mappings cost: their API requests and provisioned pollers.
        for s in 0..self.sources.len() {
            if !matches!(self.sources[s].kind, TriggerKind::Sqs(_)) {
                continue;
            }
            let requests = self.sqs_requests(s).round() as u64;
            let pollers = self.triggers[s].as_ref().map_or(0, |r| r.pollers.area);
            let usage = &mut self.functions[self.sources[s].function as usize].usage;
            usage.sqs_requests += requests;
            if pollers > 0 {
                let active = SimTime(pollers.min(u64::MAX as u128) as u64);
                usage.poller_billed_ns += poller_billed_time(active).0 as u128;
            }
        }
    }
}
