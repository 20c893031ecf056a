//! The validated, typed workload model: every default resolved, every unit converted.
//!
//! A [`Scenario`] is produced only by [`crate::config::validate`] (or built by hand in tests);
//! the engine never sees raw TOML. Field docs give the default that validation fills in.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use crate::time::SimTime;

pub mod capacity;
pub mod trigger;
pub use capacity::{Compute, InstanceType, ManagedInstances, ProvisionedAutoscaling, Statistic};
pub use trigger::{Front, Trigger, TriggerKind};

/// MB of memory that buys one full vCPU (AWS: 1,769 MB = 1 vCPU).
pub const MB_PER_VCPU: f64 = 1769.0;
/// The most vCPUs a function gets (AWS: 6 vCPUs at 10,240 MB).
pub const MAX_VCPUS: f64 = 6.0;
/// Smallest memory size, MB.
pub const MIN_MEMORY_MB: u32 = 128;
/// Largest memory size, MB.
pub const MAX_MEMORY_MB: u32 = 10_240;
/// Concurrency that must stay unreserved in an account (AWS keeps 100 for unreserved functions).
pub const MIN_UNRESERVED: u32 = 100;

/// CPU share (vCPUs) that `memory_mb` buys: `memory_mb / 1769`, at most 6.
pub fn cpu_share(memory_mb: u32) -> f64 {
    (memory_mb as f64 / MB_PER_VCPU).min(MAX_VCPUS)
}

/// A complete, validated workload.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// `[simulation]`.
    pub simulation: Simulation,
    /// `[account]`.
    pub account: Account,
    /// `[pricing]`.
    pub pricing: Pricing,
    /// `[[function]]`, in file order (at least one).
    pub functions: Vec<Function>,
    /// `[slo]`, when given.
    pub slo: Option<Slo>,
    /// `[[population]]`: the trace populations whose members are in `functions` (after the
    /// `[[function]]` tables, in file order). Empty when the file has none.
    pub populations: Vec<Population>,
}

impl Scenario {
    /// The member functions of population `p`, by index into `functions`.
    pub fn members(&self, p: usize) -> std::ops::Range<usize> {
        self.populations[p].members.clone()
    }
}

/// One `[[population]]`: many functions read from a trace (spec section 8).
#[derive(Clone, Debug)]
pub struct Population {
    /// `name`: the prefix of its members' names. Default: the kind (`"azure2019"`).
    pub name: String,
    /// `kind`.
    pub kind: PopulationKind,
    /// Its members, by index into [`Scenario::functions`] (contiguous).
    pub members: std::ops::Range<usize>,
    /// Functions in the trace before `select`.
    pub trace_functions: usize,
    /// The `[[population]]` table with every default and file path resolved, written back to
    /// `workload.resolved.toml` (the members are not written one by one).
    pub resolved: toml::Table,
}

/// `kind` of a `[[population]]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PopulationKind {
    /// `"azure2019"`: per-minute counts, duration percentiles and memory (Azure Functions
    /// 2019 schema).
    Azure2019,
    /// `"azure2021"`: one row per invocation with its end time and duration (Azure Functions
    /// 2021 schema).
    Azure2021,
    /// `"table"`: any CSV or Parquet with function, timestamp and optional duration columns.
    Table,
}

impl PopulationKind {
    /// The names workload files accept.
    pub const NAMES: [&'static str; 3] = ["azure2019", "azure2021", "table"];

    /// Parses a `kind`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "azure2019" => Some(PopulationKind::Azure2019),
            "azure2021" => Some(PopulationKind::Azure2021),
            "table" => Some(PopulationKind::Table),
            _ => None,
        }
    }

    /// The name used in workload files.
    pub fn as_str(self) -> &'static str {
        match self {
            PopulationKind::Azure2019 => "azure2019",
            PopulationKind::Azure2021 => "azure2021",
            PopulationKind::Table => "table",
        }
    }
}

/// `[simulation]`: the simulated window and the randomness.
#[derive(Clone, Debug, PartialEq)]
pub struct Simulation {
    /// `duration`: the simulated window, required, > 0.
    pub duration: SimTime,
    /// `warmup`: start of the window excluded from statistics and costs. Default `"0s"`; must
    /// be shorter than `duration`.
    pub warmup: SimTime,
    /// `seed`: root seed of every random stream. Default 1.
    pub seed: u64,
    /// `replicates`: independent runs with derived seeds. Default 1.
    pub replicates: u32,
    /// `start-at`: the wall-clock time (UTC) of simulated time 0, seconds since the Unix
    /// epoch; schedule expressions are read against it. Default
    /// [`crate::schedule::START_AT`] (`"2026-01-01T00:00:00Z"`).
    pub start_at: i64,
}

/// `[account]`: region and account-wide limits.
#[derive(Clone, Debug, PartialEq)]
pub struct Account {
    /// `region`: selects the price book (and the legacy burst size). Default `"us-east-1"`.
    pub region: String,
    /// `concurrency-limit`: account concurrency. Default 1000.
    pub concurrency_limit: u32,
    /// `scaling`: how fast new execution environments may be created. Default `per-function`.
    pub scaling: Scaling,
}

/// `[account] scaling`: the scaling-rate model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scaling {
    /// `"per-function"` (default): each function may create at most 1,000 new execution
    /// environments in any 10 s (AWS, since November 2023). Each use frees up again 10 s later.
    PerFunction,
    /// `"legacy-burst"`: account-wide initial burst of 500, 1,000 or 3,000 environments
    /// (by region), then +500 per minute (AWS before November 2023).
    LegacyBurst,
    /// `"unlimited"`: only the concurrency limits apply.
    Unlimited,
}

/// A calendar date (`YYYY-MM-DD`), ordered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// Year, e.g. 2026.
    pub year: u16,
    /// Month, 1..=12.
    pub month: u8,
    /// Day, 1..=31.
    pub day: u8,
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// `[pricing]`: which billing rules and prices apply.
#[derive(Clone, Debug, PartialEq)]
pub struct Pricing {
    /// `billing-date`: selects billing rules. Default `"2026-01-01"`.
    pub billing_date: Date,
    /// `bill-init`: overrides whether INIT is billed for on-demand environments. Default: implied
    /// by `billing-date` (billed from 2025-08-01).
    pub bill_init: Option<bool>,
    /// `free-tier`: apply the monthly free tier. Default false.
    pub free_tier: bool,
    /// `granularity`: billed-duration rounding. Default `"1ms"` (but see
    /// [`crate::cost::effective_granularity`]: 100 ms for a `billing-date` before 2020-12-01
    /// when `granularity` is not set).
    pub granularity: SimTime,
    /// True when the workload file sets `granularity` (validation fills this in); when false,
    /// a `billing-date` before 2020-12-01 implies 100 ms rounding.
    pub granularity_explicit: bool,
    /// `[pricing.rates]`: overrides of the region's price book (USD).
    pub rates: RateOverrides,
}

/// `[pricing.rates]`: optional overrides of the region's price book, in USD.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RateOverrides {
    /// Per request.
    pub request: Option<f64>,
    /// Per GB-s, first tier, x86_64.
    pub duration_x86: Option<f64>,
    /// Per GB-s, first tier, arm64.
    pub duration_arm64: Option<f64>,
    /// Per GB-s of provisioned concurrency configured, x86_64.
    pub provisioned_x86: Option<f64>,
    /// Per GB-s of provisioned concurrency configured, arm64.
    pub provisioned_arm64: Option<f64>,
    /// Per GB-s used on provisioned environments, x86_64.
    pub provisioned_duration_x86: Option<f64>,
    /// Per GB-s used on provisioned environments, arm64.
    pub provisioned_duration_arm64: Option<f64>,
    /// Per GB-s of ephemeral storage above 512 MB.
    pub ephemeral: Option<f64>,
    /// Per GB-s of SnapStart cache.
    pub snapstart_cache: Option<f64>,
    /// Per GB restored by SnapStart.
    pub snapstart_restore: Option<f64>,
}

/// CPU architecture of a function.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Architecture {
    /// `"x86_64"` (default).
    X86_64,
    /// `"arm64"` (Graviton).
    Arm64,
}

impl Architecture {
    /// The name used in workload files and outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Architecture::X86_64 => "x86_64",
            Architecture::Arm64 => "arm64",
        }
    }
}

/// How an idle execution environment is chosen for a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Routing {
    /// `"newest"` (default): the idle environment created last.
    Newest,
    /// `"mru"`: the environment that became idle last.
    Mru,
    /// `"lru"`: the environment that has been idle longest.
    Lru,
    /// `"random"`: uniformly among idle environments.
    Random,
}

/// One `[[function]]`.
#[derive(Clone, Debug)]
pub struct Function {
    /// `name`: unique, `[A-Za-z0-9_-]+`.
    pub name: String,
    /// `memory-mb`: 128..=10240. Required.
    pub memory_mb: u32,
    /// `architecture`. Default `x86_64`.
    pub architecture: Architecture,
    /// `runtime`: optional, e.g. `"python3.13"`; selects a built-in cold-start profile.
    pub runtime: Option<String>,
    /// `timeout`: default `"3s"`, at most `"15m"`.
    pub timeout: SimTime,
    /// `ephemeral-storage-mb`: 512..=10240, default 512.
    pub ephemeral_storage_mb: u32,
    /// `reserved-concurrency`: optional cap carved out of the account pool.
    pub reserved_concurrency: Option<u32>,
    /// `provisioned-concurrency`: constant count (one window covering all time) or schedule.
    /// Empty when there is none (default).
    pub provisioned: Vec<ProvisionedWindow>,
    /// `[function.provisioned-autoscaling]`: target tracking of the provisioned count (instead
    /// of `provisioned-concurrency`). None by default.
    pub provisioned_autoscaling: Option<ProvisionedAutoscaling>,
    /// `compute`: on-demand environments (default) or Lambda Managed Instances.
    pub compute: Compute,
    /// `arm64-speedup`: speed of the CPU part on arm64 relative to x86_64. Default 1.0.
    pub arm64_speedup: f64,
    /// `routing`. Default `newest`.
    pub routing: Routing,
    /// `[[function.trigger]]`: what invokes the function, at least one; the wave-one form
    /// (`invocation` plus `[function.arrivals]`) is one trigger named after its kind.
    pub triggers: Vec<Trigger>,
    /// The triggers were written as `[[function.trigger]]` tables (the summary then reports
    /// them one by one).
    pub trigger_form: bool,
    /// `error-rate`: probability that an invocation that does not time out ends in a function
    /// error (it runs its full duration and is billed). Default 0.
    pub error_rate: f64,
    /// `[function.duration]`: execution time of one warm invocation.
    pub duration: DurationModel,
    /// `[function.init]`: init (cold start) duration.
    pub init: DurationModel,
    /// `[function.keep-alive]`.
    pub keep_alive: KeepAlive,
    /// `snapstart`: cold starts restore a snapshot instead of running init. Default false.
    pub snapstart: bool,
    /// `[function.restore]`: SnapStart restore duration (used instead of `init` when
    /// `snapstart`).
    pub restore: Option<DurationModel>,
    /// `[function.handler]`: how the harness starts an execution environment.
    pub handler: Option<Handler>,
    /// `calibration`: calibration file the duration and init distributions came from.
    pub calibration: Option<PathBuf>,
    /// `measured`: what CloudWatch measured for this function, to report the run against.
    /// None by default.
    pub measured: Option<Measured>,
    /// `[function.slo]`: this function's own objectives (same keys as `[slo]`; its
    /// `monthly-cost-usd` bounds this function's monthly cost). None by default.
    pub slo: Option<Slo>,
    /// `log-bytes`: bytes the code logs per invocation, 0..=100 MiB. When set, they and the
    /// platform's `START` / `END` / `REPORT` lines are billed as CloudWatch Logs ingestion
    /// ([`crate::cost::log_bytes_of_invocation`]). None by default (logs not billed).
    pub log_bytes: Option<u32>,
    /// The `[[population]]` (index into [`Scenario::populations`]) this function is a member
    /// of; None for a `[[function]]` table.
    pub population: Option<u32>,
}

impl Function {
    /// Memory in GB as AWS bills it (`memory-mb / 1024`).
    pub fn memory_gb(&self) -> f64 {
        self.memory_mb as f64 / 1024.0
    }

    /// Ephemeral storage billed above the free 512 MB, in GB.
    pub fn extra_ephemeral_gb(&self) -> f64 {
        self.ephemeral_storage_mb.saturating_sub(512) as f64 / 1024.0
    }

    /// Whether the function uses the event-driven keys of spec section 5 (`[[function.trigger]]`,
    /// `error-rate`, or a trigger other than sync): its triggers are then simulated with their
    /// own accounting and the summary reports them. A wave-one function is not, and gives the
    /// same results as before triggers existed.
    pub fn event_driven(&self) -> bool {
        self.trigger_form
            || self.error_rate > 0.0
            || self
                .triggers
                .iter()
                .any(|t| !matches!(t.kind, TriggerKind::Sync(_)))
    }

    /// The largest provisioned count configured at any time (auto scaling's `max` included).
    pub fn max_provisioned(&self) -> u32 {
        let scheduled = self.provisioned.iter().map(|w| w.count).max().unwrap_or(0);
        scheduled.max(self.provisioned_autoscaling.as_ref().map_or(0, |a| a.max))
    }
}

/// `measured = "measured.json"`: CloudWatch's per-period series of one function (written by
/// `lamsim import cloudwatch`); period `k` covers `[k · period, (k + 1) · period)`.
#[derive(Clone, Debug, PartialEq)]
pub struct Measured {
    /// The file it came from.
    pub path: PathBuf,
    /// Length of one period.
    pub period: SimTime,
    /// `Invocations` (Sum) per period.
    pub invocations: Vec<f64>,
    /// `Throttles` (Sum) per period.
    pub throttles: Vec<f64>,
    /// `ConcurrentExecutions` (Maximum) per period, where measured.
    pub concurrency_max: Vec<Option<f64>>,
}

impl Measured {
    /// Totals over the periods that start in `[start, end)`: invocations, throttles and the
    /// largest measured concurrency (None when none was measured there).
    pub fn over(&self, start: SimTime, end: SimTime) -> (f64, f64, Option<f64>) {
        let mut inv = 0.0;
        let mut thr = 0.0;
        let mut peak: Option<f64> = None;
        for k in 0..self.invocations.len() {
            let t = SimTime(self.period.0.saturating_mul(k as u64));
            if t < start || t >= end {
                continue;
            }
            inv += self.invocations[k];
            thr += self.throttles.get(k).copied().unwrap_or(0.0);
            if let Some(Some(c)) = self.concurrency_max.get(k) {
                peak = Some(peak.map_or(*c, |p: f64| p.max(*c)));
            }
        }
        (inv, thr, peak)
    }
}

/// One period of provisioned concurrency: `count` environments during `[start, end)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProvisionedWindow {
    /// Offset into the window when the environments must be ready.
    pub start: SimTime,
    /// Offset when they are released ([`SimTime::MAX`] for the constant form).
    pub end: SimTime,
    /// Number of environments.
    pub count: u32,
}

/// `[function.arrivals]`: the arrival process, limited to `[start, end)`.
#[derive(Clone, Debug)]
pub struct Arrivals {
    /// The process.
    pub process: ArrivalProcess,
    /// `start`: no arrival before this offset. Default `"0s"`.
    pub start: SimTime,
    /// `end`: no arrival at or after this offset. Default: the end of the window.
    pub end: SimTime,
}

/// The kinds of arrival process.
#[derive(Clone, Debug)]
pub enum ArrivalProcess {
    /// `kind = "poisson"`: exponential gaps at `rate-per-s`.
    Poisson {
        /// Mean arrivals per second.
        rate_per_s: f64,
    },
    /// `kind = "constant"`: evenly spaced arrivals.
    Constant(ConstantSpacing),
    /// `kind = "on-off"`: a two-phase Markov-modulated Poisson process (bursty traffic).
    OnOff {
        /// Rate during on phases.
        on_rate_per_s: f64,
        /// Rate during off phases.
        off_rate_per_s: f64,
        /// Mean length of an on phase (exponentially distributed).
        on_mean: SimTime,
        /// Mean length of an off phase (exponentially distributed).
        off_mean: SimTime,
    },
    /// `kind = "diurnal"`: a periodic rate, sampled exactly.
    Diurnal(DiurnalProfile),
    /// `kind = "trace"`: replay of timestamps from a CSV file.
    Trace(Arc<Trace>),
    /// A `[[population]]` member with per-invocation timestamps (`azure2021`, `table`) and a
    /// `rate-scale` other than 1: each request of the trace is sent `⌊scale⌋` times, plus once
    /// more with probability `scale − ⌊scale⌋` (so 0.5 keeps each request with probability ½).
    ScaledTrace {
        /// The member's requests.
        trace: Arc<Trace>,
        /// `rate-scale`.
        scale: f64,
    },
    /// Invocations counted per period (a `[[population]]` member of an `azure2019` trace,
    /// per minute; `lamsim import cloudwatch`'s per-period metrics), spread inside each
    /// period by `minute-arrivals`.
    Counts(Arc<PeriodCounts>),
    /// `kind = "schedule"`: an EventBridge `rate()` or `cron()` expression on the window's
    /// clock (`[simulation] start-at`); no randomness.
    Schedule(crate::schedule::Scheduled),
}

/// Invocations per period of one function (per minute for `azure2019` populations).
#[derive(Clone, Debug, PartialEq)]
pub struct PeriodCounts {
    /// `(period, count)` for every period with invocations, ascending; period `k` covers
    /// `[k · period, (k + 1) · period)` (for `azure2019`, `k` counts from the trace's first
    /// minute column, which is time zero of the simulation).
    pub counts: Vec<(u32, u32)>,
    /// Length of one period.
    pub period: SimTime,
    /// `minute-arrivals`: how the arrivals of a period are placed inside it.
    pub within: MinuteArrivals,
    /// `rate-scale`: multiplies every count (a fractional count is rounded up with
    /// probability equal to its fraction, or is a rate for `poisson`).
    pub scale: f64,
}

impl PeriodCounts {
    /// Invocations in the trace (before `rate-scale`).
    pub fn total(&self) -> u64 {
        self.counts.iter().map(|&(_, c)| c as u64).sum()
    }
}

/// `minute-arrivals`: where the arrivals counted in one minute fall inside it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum MinuteArrivals {
    /// `"uniform"` (default): the minute's count, each at an independent uniformly random
    /// instant of the minute: a Poisson process *conditioned* on the count, so the trace's
    /// counts are kept exactly (DSLab FaaS's `BucketUniform`, invitro's `uniform`).
    #[default]
    Uniform,
    /// `"poisson"`: a Poisson process whose rate is the minute's count / 60 s; the number of
    /// arrivals in a minute varies around the count (Poisson with that mean), as if the count
    /// were one sample of an underlying rate.
    Poisson,
    /// `"even"`: the minute's count evenly spaced, at `(j + ½) / n` of the minute (invitro's
    /// `equidistant`); no randomness.
    Even,
}

impl MinuteArrivals {
    /// The names workload files and `--arrivals` accept.
    pub const NAMES: [&'static str; 3] = ["uniform", "poisson", "even"];

    /// Parses `uniform`, `poisson` or `even`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "uniform" => Some(MinuteArrivals::Uniform),
            "poisson" => Some(MinuteArrivals::Poisson),
            "even" => Some(MinuteArrivals::Even),
            _ => None,
        }
    }

    /// The name used in workload files.
    pub fn as_str(self) -> &'static str {
        match self {
            MinuteArrivals::Uniform => "uniform",
            MinuteArrivals::Poisson => "poisson",
            MinuteArrivals::Even => "even",
        }
    }
}

/// `kind = "constant"`: either a rate or an exact count.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ConstantSpacing {
    /// `rate-per-s`: one arrival every `1 / rate` seconds from `start`.
    Rate(f64),
    /// `count`: exactly N arrivals, evenly spread over `[start, end)`.
    Count(u64),
}

/// `kind = "diurnal"` profiles.
#[derive(Clone, Debug, PartialEq)]
pub enum DiurnalProfile {
    /// `mean-rate-per-s`, `amplitude`, `period` (default `"24h"`), `peak-at` (default half the
    /// period): `rate(t) = mean · (1 + amplitude · cos(2π (t − peak-at) / period))`.
    Sine {
        /// Mean rate, per second.
        mean_rate_per_s: f64,
        /// Relative amplitude, 0..=1.
        amplitude: f64,
        /// Period of the cycle.
        period: SimTime,
        /// Offset of the peak within the period.
        peak_at: SimTime,
    },
    /// `hourly-rates-per-s = [24 numbers]`: a piecewise-constant rate, hour by hour of a 24 h
    /// day starting at time zero, repeating.
    Hourly {
        /// Rate per second in each hour.
        rates_per_s: [f64; 24],
    },
}

/// A loaded trace: arrival offsets (sorted) and optional per-request durations.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Trace {
    /// Path the trace was read from (as written in the workload, resolved against its folder).
    pub path: PathBuf,
    /// Arrival offsets, sorted ascending.
    pub times: Vec<SimTime>,
    /// Execution durations per arrival (same order as `times`) when the file has a
    /// `duration_ms` or `duration_s` column; these replace samples of `[function.duration]`.
    pub durations: Option<Vec<SimTime>>,
    /// The value of the file's `function` column that was kept (`trace-function`, default the
    /// function's name); `None` when the file has no `function` column.
    pub function: Option<String>,
}

/// `[function.duration]` / `[function.init]` / `[function.restore]`: a distribution plus how
/// it scales with memory and architecture.
#[derive(Clone, Debug, PartialEq)]
pub struct DurationModel {
    /// The distribution of the duration at `reference_memory_mb` on x86_64.
    pub dist: Dist,
    /// `reference-memory-mb`: memory at which the distribution was measured. Default: the
    /// function's `memory-mb` (no scaling).
    pub reference_memory_mb: u32,
    /// `cpu-fraction`: share of the duration that scales with CPU share, 0..=1. Default 1.0
    /// for `[function.duration]`, and for `[function.init]`.
    pub cpu_fraction: f64,
    /// `threads`: parallelism the code can use; caps the CPU share it benefits from. Default 1.
    pub threads: u32,
}

impl DurationModel {
    /// A model that does not scale: the distribution as given at any memory size.
    pub fn unscaled(dist: Dist, memory_mb: u32) -> Self {
        DurationModel {
            dist,
            reference_memory_mb: memory_mb,
            cpu_fraction: 1.0,
            threads: 1,
        }
    }

    /// Factor by which a duration measured at `reference_memory_mb` on x86_64 is multiplied at
    /// `memory_mb` on `arch`: `(1 − f) + f · (s_ref / s) / speedup`, with `s` the CPU share
    /// capped at `threads`, and `speedup` the arm64 speed-up (1 on x86_64).
    pub fn scale_factor(&self, memory_mb: u32, arch: Architecture, arm64_speedup: f64) -> f64 {
        self.scale_factor_at_vcpus(cpu_share(memory_mb), arch, arm64_speedup)
    }

    /// [`scale_factor`](Self::scale_factor) for code that runs alone with `vcpus` vCPUs (a
    /// Lambda Managed Instances environment's size) instead of a memory's CPU share.
    pub fn scale_factor_at_vcpus(&self, vcpus: f64, arch: Architecture, arm64_speedup: f64) -> f64 {
        let cap = self.threads.max(1) as f64;
        let s_ref = cpu_share(self.reference_memory_mb).min(cap);
        let s = vcpus.min(cap);
        let speed = match arch {
            Architecture::X86_64 => 1.0,
            Architecture::Arm64 => arm64_speedup,
        };
        (1.0 - self.cpu_fraction) + self.cpu_fraction * (s_ref / s) / speed
    }
}

/// A duration distribution; parameters in milliseconds.
#[derive(Clone, Debug, PartialEq)]
pub enum Dist {
    /// `dist = "const"`, `value`.
    Const {
        /// The value, ms.
        value_ms: f64,
    },
    /// `dist = "exp"`, `mean`.
    Exp {
        /// Mean, ms.
        mean_ms: f64,
    },
    /// `dist = "lognormal"`: `median` + `p99`, or `mean` + `cv`. Stored as the parameters of
    /// ln(duration in ms).
    LogNormal {
        /// Mean of ln(ms).
        mu: f64,
        /// Standard deviation of ln(ms).
        sigma: f64,
    },
    /// `dist = "gamma"`: `mean` + `cv` (or `shape` + `scale`).
    Gamma {
        /// Shape k.
        shape: f64,
        /// Scale θ, ms.
        scale_ms: f64,
    },
    /// `dist = "weibull"`: `shape` + `scale` (or `mean` + `cv`).
    Weibull {
        /// Shape k.
        shape: f64,
        /// Scale λ, ms.
        scale_ms: f64,
    },
    /// `dist = "empirical"`: `file` with one duration in ms per line, sampled uniformly.
    Empirical {
        /// Where the samples came from.
        path: PathBuf,
        /// The samples, ms (non-empty).
        samples_ms: Arc<Vec<f64>>,
    },
    /// Percentiles of a `[[population]]` member (the `azure2019` durations file): the
    /// quantile function interpolated linearly between `(probability, ms)` points, which
    /// start at probability 0, end at 1, and increase in both coordinates (not strictly in
    /// ms).
    Percentiles {
        /// `(probability, ms)` points.
        points: Arc<Vec<(f64, f64)>>,
    },
}

impl Dist {
    /// The mean, ms.
    pub fn mean_ms(&self) -> f64 {
        match self {
            Dist::Const { value_ms } => *value_ms,
            Dist::Exp { mean_ms } => *mean_ms,
            Dist::LogNormal { mu, sigma } => (mu + sigma * sigma / 2.0).exp(),
            Dist::Gamma { shape, scale_ms } => shape * scale_ms,
            Dist::Weibull { shape, scale_ms } => {
                scale_ms * statrs::function::gamma::gamma(1.0 + 1.0 / shape)
            }
            Dist::Empirical { samples_ms, .. } => {
                samples_ms.iter().sum::<f64>() / samples_ms.len().max(1) as f64
            }
            // The integral of the piecewise-linear quantile function.
            Dist::Percentiles { points } => points
                .windows(2)
                .map(|w| (w[1].0 - w[0].0) * (w[0].1 + w[1].1) / 2.0)
                .sum(),
        }
    }
}

/// `[function.keep-alive]`.
#[derive(Clone, Debug, PartialEq)]
pub struct KeepAlive {
    /// How long an idle environment is kept.
    pub policy: KeepAlivePolicy,
    /// `max-lifetime`: forced recycle after this age (taken after the current request).
    pub max_lifetime: Option<SimTime>,
}

/// `kind` of `[function.keep-alive]`.
#[derive(Clone, Debug, PartialEq)]
pub enum KeepAlivePolicy {
    /// `kind = "fixed"` (default), `idle` (default `"10m"`): reclaimed after `idle` without a
    /// request.
    Fixed {
        /// Idle time before reclaim.
        idle: SimTime,
    },
    /// `kind = "uniform"`, `min`, `max`: each idle period gets its own keep-alive, uniform in
    /// `[min, max]`.
    Uniform {
        /// Shortest keep-alive.
        min: SimTime,
        /// Longest keep-alive.
        max: SimTime,
    },
    /// `kind = "curve"`, `points = [[idle, probability], …]`: each idle period gets its own
    /// keep-alive, drawn from a measured curve: `probability` is the share of environments
    /// reclaimed within `idle`, linear between points. Validated: at least two points, idle
    /// times and probabilities non-decreasing, the first probability 0 and the last 1.
    Curve {
        /// `(idle, probability)`, as validated.
        points: Arc<[(SimTime, f64)]>,
    },
}

impl KeepAlivePolicy {
    /// One keep-alive drawn from this policy, nanoseconds (the only place the rule lives: the
    /// engine and the harness both call it). Fixed draws nothing; uniform draws one integer in
    /// `[min, max]`; a curve draws one uniform variate and inverts the piecewise-linear curve.
    #[inline]
    pub fn draw<R: rand::Rng + ?Sized>(&self, rng: &mut R) -> u64 {
        match self {
            KeepAlivePolicy::Fixed { idle } => idle.0,
            KeepAlivePolicy::Uniform { min, max } => {
                if max.0 > min.0 {
                    rng.random_range(min.0..=max.0)
                } else {
                    min.0
                }
            }
            KeepAlivePolicy::Curve { points } => curve_quantile(points, rng.random::<f64>()),
        }
    }
}

/// The idle time by which a share `u` (in `[0, 1)`) of environments is reclaimed, on the
/// piecewise-linear curve `points` (as validated by the config), nanoseconds.
fn curve_quantile(points: &[(SimTime, f64)], u: f64) -> u64 {
    crate::dist::linear_quantile(points, u, |&(t, p)| (p, t.0 as f64)).round() as u64
}

/// `[function.handler]`: how the harness starts one execution environment.
#[derive(Clone, Debug, PartialEq)]
pub struct Handler {
    /// `command`: program and arguments (non-empty).
    pub command: Vec<String>,
    /// `cwd`: working directory, resolved against the workload file's folder.
    pub cwd: PathBuf,
    /// `env`: extra environment variables.
    pub env: BTreeMap<String, String>,
}

/// `[slo]` (or `[function.slo]`): service-level objectives; a violated one makes `run` exit 1.
/// Evaluated by [`crate::slo`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Slo {
    /// `p99`: per-function p99 latency bound.
    pub p99: Option<SimTime>,
    /// `cold-start-ratio`: per-function bound.
    pub cold_start_ratio: Option<f64>,
    /// `throttle-ratio`: per-function bound.
    pub throttle_ratio: Option<f64>,
    /// `monthly-cost-usd`: bound on `cost.monthly.total_usd`.
    pub monthly_cost_usd: Option<f64>,
}

/// The defaults, gathered under one name. Each is defined (and documented) with its policy in
/// [`crate::config::policy`], documented again on the fields above and in
/// `workloads/README.md`.
pub mod defaults {
    pub use crate::config::policy::arrivals::diurnal::PERIOD as DIURNAL_PERIOD;
    pub use crate::config::policy::function::{EPHEMERAL_MB, MAX_TIMEOUT, MAX_TIMEOUT_MS, TIMEOUT};
    pub use crate::config::policy::keep_alive::IDLE as KEEP_ALIVE_IDLE;
    pub use crate::config::policy::limits::{CONCURRENCY_LIMIT, REGION};
    pub use crate::config::policy::pricing::{BILLING_DATE, GRANULARITY};
    pub use crate::config::policy::simulation::{REPLICATES, SEED};
}
