//! `lamsim calibrate`: measured invocations (a `lamsim bench` folder, or CloudWatch Logs
//! exports of a real function) → fitted `[duration]` / `[init]` distributions and
//! `cpu-fraction`, written as a calibration file that a workload's
//! `calibration = "calibration.toml"` loads.
//!
//! Method (details and limits in `docs/calibration.md`):
//! 1. Samples are grouped by memory size. Only successful invocations are used (bench rows
//!    with an empty `error`; REPORT lines without a `Status`).
//! 2. **Duration** is fitted on the *warm* invocations at the reference memory (default: the
//!    memory size with the most samples; `--memory`). Cold invocations' `Duration` is also
//!    the handler's time, but first invocations are often slower (lazy imports, JIT), and
//!    `[function.duration]` is the warm execution time, so they are left out — unless there
//!    are fewer than [`MIN_FIT_SAMPLES`] warm samples, when they are included with a note.
//! 3. **Init** is fitted on the `Init Duration` / `init_ms` of the cold starts at the reference
//!    memory; with fewer than [`MIN_FIT_SAMPLES`] of them `[init]` is left out (the workload's
//!    own `[function.init]` or built-in profile then applies).
//! 4. Each is fitted by [`crate::fit::select`] (lognormal, gamma, Weibull by maximum
//!    likelihood; the lowest AIC among fits the KS test does not reject at 5 %; else the
//!    empirical sample, written to a file next to the calibration file).
//! 5. **cpu-fraction** `f`: the simulator scales a duration measured at `r` MB to `m` MB by
//!    `(1 − f) + f · x_m`, `x_m = s(r)/s(m)` ([`DurationModel::scale_factor`] with `f = 1`).
//!    So `mean_m = a + b (x_m − 1)` with `a` the mean at `r` and `b = a f`: a weighted
//!    least-squares line through the per-memory means (weights `n_m / var_m`) gives `a`, `b`,
//!    and `f = b / a` with a delta-method standard error. It needs two memory sizes with
//!    different CPU shares; with one, `cpu-fraction` is left out (default 1.0) and a note says
//!    so. Estimates outside 0..=1 are clamped, with a note.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use lamsim_sim::bench::{BENCH_SCHEMA_VERSION, BenchSummary, SAMPLES_CSV_FILE};
use lamsim_sim::config::validate::Z99;
use lamsim_sim::model::defaults::MAX_TIMEOUT_MS;
use lamsim_sim::model::{Architecture, Dist, DurationModel, MAX_MEMORY_MB, MIN_MEMORY_MB};

use crate::cloudwatch::{self, LogFormatError, Malformed, ParsedLogs};
use crate::fit::{self, Choice, KS_ALPHA, MIN_FIT_SAMPLES, Selection};

/// Version of the calibration file layout (`schema-version`).
pub const CALIBRATION_SCHEMA_VERSION: u32 = 1;

/// The bench summary's file name in a bench folder.
pub const BENCH_JSON_FILE: &str = "bench.json";

/// Samples of one memory size, ms.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MemorySamples {
    /// `Duration` of warm invocations (no init).
    pub warm_ms: Vec<f64>,
    /// `Duration` of cold invocations (the handler only, without init).
    pub cold_ms: Vec<f64>,
    /// Init durations of the cold starts.
    pub init_ms: Vec<f64>,
}

/// What was read from the inputs.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Samples {
    /// What was read, for the header (`bench folder /x`, `CloudWatch logs a.json, b.txt`).
    pub source: String,
    /// The function, when the input names it (bench.json does; logs do not).
    pub function: Option<String>,
    /// Per memory size (MB).
    pub by_memory: BTreeMap<u32, MemorySamples>,
    /// Invocations left out because they failed (errors, timeouts).
    pub failed: usize,
    /// Log lines skipped as not REPORT lines (START, END, application output).
    pub skipped_lines: usize,
    /// REPORT lines (or samples.csv rows) that did not parse.
    pub malformed: Vec<Malformed>,
    /// Whether durations scale with memory in this input (`false` for a bench run with
    /// `cpu_limit = "none"`).
    pub memory_scaled: bool,
    /// Notes for the user (printed as warnings, repeated in the header).
    pub notes: Vec<String>,
}

/// Why calibration failed (bad input).
#[derive(Debug, thiserror::Error)]
pub enum CalibrateError {
    /// A file could not be read.
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A bench folder's file is not what `lamsim bench` writes.
    #[error("{file}: {message}")]
    BadBench {
        /// The file.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// A log file is JSON of an unknown shape.
    #[error(transparent)]
    LogFormat(#[from] LogFormatError),
    /// The log interleaves several functions (`lamsim serve`'s `serve.log`): one fit would mix
    /// their durations.
    #[error(
        "{files} interleaves the functions {functions}: a fit would mix their durations; calibrate one function's stream instead (`lamsim serve` writes them as logs/<function>.log beside serve.log)"
    )]
    MixedFunctions {
        /// The files read.
        files: String,
        /// The functions, comma-separated.
        functions: String,
    },
    /// No usable REPORT line was found.
    #[error(
        "no REPORT lines found in {files} ({skipped} other lines skipped, {malformed} malformed); expected CloudWatch Logs of a Lambda function (`REPORT RequestId: … Duration: … ms …`) or a `lamsim bench --out` folder"
    )]
    NoReports {
        /// The files read.
        files: String,
        /// Lines skipped.
        skipped: usize,
        /// Lines that looked like REPORT lines but did not parse.
        malformed: usize,
    },
    /// Not enough successful invocations.
    #[error(
        "too few samples to fit the {what}: {have} successful invocations at {memory_mb} MB, at least {needed} are needed"
    )]
    TooFew {
        /// `duration` or `init`.
        what: &'static str,
        /// The memory size.
        memory_mb: u32,
        /// Samples found.
        have: usize,
        /// Samples needed.
        needed: usize,
    },
    /// `--memory` names a size that has no samples.
    #[error("--memory {memory_mb}: no samples at that memory size (measured: {available})")]
    UnknownMemory {
        /// Requested.
        memory_mb: u32,
        /// Measured sizes.
        available: String,
    },
    /// `--function` does not match the bench folder's function.
    #[error("--function {wanted}: the bench folder measured function \"{found}\"")]
    WrongFunction {
        /// Requested.
        wanted: String,
        /// In bench.json.
        found: String,
    },
}

/// Reads the inputs: one folder (a `lamsim bench --out` folder), or log files.
pub fn read_inputs(paths: &[PathBuf]) -> Result<Samples, CalibrateError> {
    if let [dir] = paths
        && dir.is_dir()
    {
        return read_bench(dir);
    }
    let mut logs = ParsedLogs::default();
    for p in paths {
        if p.is_dir() {
            return Err(CalibrateError::BadBench {
                file: p.display().to_string(),
                message: "a bench folder must be the only input".into(),
            });
        }
        let text = std::fs::read_to_string(p).map_err(|source| CalibrateError::Read {
            path: p.clone(),
            source,
        })?;
        logs.extend(cloudwatch::parse_logs(&text, &p.display().to_string())?);
    }
    let files = paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    from_logs(logs, &files)
}

/// Groups parsed CloudWatch REPORT lines into samples. `files` names the inputs.
pub fn from_logs(logs: ParsedLogs, files: &str) -> Result<Samples, CalibrateError> {
    if logs.functions.len() > 1 {
        return Err(CalibrateError::MixedFunctions {
            files: files.to_string(),
            functions: logs.functions.join(", "),
        });
    }
    if logs.reports.is_empty() {
        return Err(CalibrateError::NoReports {
            files: files.to_string(),
            skipped: logs.skipped,
            malformed: logs.malformed.len(),
        });
    }
    let mut s = Samples {
        source: format!("CloudWatch logs {files}"),
        function: logs.functions.first().cloned(),
        skipped_lines: logs.skipped,
        malformed: logs.malformed,
        memory_scaled: true,
        ..Samples::default()
    };
    let mut restores = 0usize;
    for r in &logs.reports {
        if !r.succeeded() {
            s.failed += 1;
            continue;
        }
        let m = s.by_memory.entry(r.memory_size_mb).or_default();
        match (r.init_duration_ms, r.restore_duration_ms) {
            (Some(init), _) => {
                m.cold_ms.push(r.duration_ms);
                m.init_ms.push(init);
            }
            (None, Some(_)) => {
                // SnapStart restores are not init: the invocation is cold but has no init.
                m.cold_ms.push(r.duration_ms);
                restores += 1;
            }
            (None, None) => m.warm_ms.push(r.duration_ms),
        }
    }
    if restores > 0 {
        s.notes.push(format!(
            "{restores} SnapStart restores (Restore Duration) are not fitted: give [function.restore] in the workload"
        ));
    }
    Ok(s)
}

/// Reads a `lamsim bench --out` folder: `bench.json` (function, CPU limiting) and
/// `samples.csv` (one row per measured invocation; only rows without `error` are used).
pub fn read_bench(dir: &Path) -> Result<Samples, CalibrateError> {
    let read = |name: &str| {
        let path = dir.join(name);
        std::fs::read_to_string(&path).map_err(|source| CalibrateError::Read { path, source })
    };
    let json_file = dir.join(BENCH_JSON_FILE).display().to_string();
    if !dir.join(BENCH_JSON_FILE).is_file() {
        return Err(CalibrateError::BadBench {
            file: dir.display().to_string(),
            message: format!(
                "not a bench folder: it has no {BENCH_JSON_FILE} (give the --out folder of \
                 `lamsim bench`, or CloudWatch log files)"
            ),
        });
    }
    let bench: BenchSummary =
        serde_json::from_str(&read(BENCH_JSON_FILE)?).map_err(|e| CalibrateError::BadBench {
            file: json_file.clone(),
            message: format!("not a bench.json written by `lamsim bench`: {e}"),
        })?;
    if bench.schema_version != BENCH_SCHEMA_VERSION {
        return Err(CalibrateError::BadBench {
            file: json_file,
            message: format!(
                "schema_version {} is not supported (this lamsim reads {BENCH_SCHEMA_VERSION})",
                bench.schema_version
            ),
        });
    }
    let csv_file = dir.join(SAMPLES_CSV_FILE).display().to_string();
    let text = read(SAMPLES_CSV_FILE)?;
    let mut s = Samples {
        source: format!("bench folder {}", dir.display()),
        function: Some(bench.function.clone()),
        memory_scaled: bench.cpu_limit != "none",
        ..Samples::default()
    };
    if !s.memory_scaled {
        s.notes.push(
            "the bench ran without CPU limiting (cpu_limit = \"none\"): durations do not show how memory scales them, so cpu-fraction is not estimated".into(),
        );
    }
    let mut lines = text.lines().enumerate();
    let header: Vec<&str> = match lines.next() {
        Some((_, h)) => h.trim().split(',').collect(),
        None => Vec::new(),
    };
    let col = |name: &str| header.iter().position(|h| *h == name);
    let (Some(c_mem), Some(c_arch), Some(c_phase), Some(c_init), Some(c_dur), Some(c_err)) = (
        col("memory_mb"),
        col("architecture"),
        col("phase"),
        col("init_ms"),
        col("duration_ms"),
        col("error"),
    ) else {
        return Err(CalibrateError::BadBench {
            file: csv_file,
            message: format!(
                "the header must name the columns {}",
                lamsim_sim::bench::SAMPLES_CSV_HEADER
            ),
        });
    };
    for (i, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split(',').collect();
        let bad = |reason: String| Malformed {
            location: format!("{csv_file}:line {}", i + 1),
            reason,
            text: line.to_string(),
        };
        if f.len() != header.len() {
            s.malformed.push(bad(format!(
                "{} fields, the header has {}",
                f.len(),
                header.len()
            )));
            continue;
        }
        if f[c_arch] != bench.architecture {
            continue;
        }
        if !f[c_err].is_empty() {
            s.failed += 1;
            continue;
        }
        // A time in ms: finite, not negative, within Lambda's 15-minute limit.
        let num = |v: &str| {
            v.parse::<f64>()
                .ok()
                .filter(|x| x.is_finite() && (0.0..=MAX_TIMEOUT_MS).contains(x))
        };
        let (Ok(mem), Some(dur)) = (f[c_mem].parse::<u32>(), num(f[c_dur])) else {
            s.malformed.push(bad(
                "memory_mb is not a whole number, or duration_ms not a time in 0..=900000 ms"
                    .into(),
            ));
            continue;
        };
        if !(MIN_MEMORY_MB..=MAX_MEMORY_MB).contains(&mem) {
            s.malformed.push(bad(format!(
                "memory_mb {mem} is outside Lambda's {MIN_MEMORY_MB}..={MAX_MEMORY_MB} MB"
            )));
            continue;
        }
        let m = s.by_memory.entry(mem).or_default();
        match f[c_phase] {
            "warm" => m.warm_ms.push(dur),
            "cold" => {
                m.cold_ms.push(dur);
                match num(f[c_init]) {
                    Some(init) => m.init_ms.push(init),
                    None => s.malformed.push(bad("a cold row without init_ms".into())),
                }
            }
            other => s
                .malformed
                .push(bad(format!("phase \"{other}\" is neither cold nor warm"))),
        }
    }
    if s.by_memory.is_empty() {
        // Say why no row was usable rather than count zero invocations at 0 MB.
        let why = match s.malformed.first() {
            Some(m) => format!(
                "no usable row: {} malformed, the first at {}: {} (`{}`)",
                s.malformed.len(),
                m.location,
                m.reason,
                m.text
            ),
            None if s.failed > 0 => format!(
                "no successful invocation on {}: all {} failed (column `error`)",
                bench.architecture, s.failed
            ),
            None => format!("no row on {}", bench.architecture),
        };
        return Err(CalibrateError::BadBench {
            file: csv_file,
            message: why,
        });
    }
    Ok(s)
}

/// Options of [`calibrate`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// Reference memory (MB) the distributions are fitted at (default: the memory size with
    /// the most duration samples, the larger on a tie).
    pub reference_memory_mb: Option<u32>,
    /// The function's name: checked against a bench folder, written to the file.
    pub function: Option<String>,
    /// `threads` of the scaling model (default 1): caps the CPU share the code benefits from.
    pub threads: Option<u32>,
}

/// A `cpu-fraction` estimate.
#[derive(Clone, Debug, PartialEq)]
pub struct CpuFraction {
    /// The estimate, clamped to 0..=1.
    pub value: f64,
    /// The least-squares estimate before clamping.
    pub unclamped: f64,
    /// Delta-method standard error.
    pub se: f64,
    /// `(memory MB, samples, mean ms)` of each memory size used.
    pub points: Vec<(u32, usize, f64)>,
}

/// One fitted quantity (duration or init).
#[derive(Clone, Debug, PartialEq)]
pub struct Part {
    /// What the samples are (`warm invocations`, `cold starts`).
    pub label: String,
    /// The samples at the reference memory, ms.
    pub samples_ms: Vec<f64>,
    /// The fits and the choice.
    pub selection: Selection,
    /// `cpu-fraction`, when it could be estimated.
    pub cpu_fraction: Option<CpuFraction>,
}

/// The fitted duration model held against the samples of one measured memory size: its p50
/// and p99 there (the size's own `[[duration-at-memory]]` fit, or the fit at the reference
/// memory scaled by the model's `cpu-fraction`) against the measured ones and their sampling
/// error.
#[derive(Clone, Debug, PartialEq)]
pub struct MemoryCheck {
    /// The memory size.
    pub memory_mb: u32,
    /// Samples measured there.
    pub n: usize,
    /// `(p, measured, 95 % interval low, high, predicted)` for p = 0.5 and 0.99, ms. The
    /// interval is distribution-free: the order statistics whose ranks are `n·p ∓ 1.96
    /// √(n·p·(1−p))` (rounded outwards), open-ended (0 or infinity) where a rank falls outside
    /// the sample.
    pub quantiles: Vec<(f64, f64, f64, f64, f64)>,
    /// The size has its own `[[duration-at-memory]]` table (else the reference fit, scaled).
    pub own: bool,
}

impl MemoryCheck {
    /// Whether every predicted quantile lies within the measured one's interval.
    pub fn holds(&self) -> bool {
        self.quantiles
            .iter()
            .all(|&(_, _, lo, hi, pred)| pred >= lo && pred <= hi)
    }
}

/// The `p` quantile of a fitted part at its reference memory, ms (the chosen family's inverse
/// CDF, or the sample's own quantile when the choice is empirical).
fn fitted_quantile(part: &Part, p: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, Gamma, LogNormal, Weibull};
    if let Some(fit) = part.selection.chosen() {
        let (a, b) = (fit.params[0].value, fit.params[1].value);
        let q = match fit.family {
            fit::Family::LogNormal => LogNormal::new(a, b).ok().map(|d| d.inverse_cdf(p)),
            fit::Family::Gamma => Gamma::new(a, 1.0 / b).ok().map(|d| d.inverse_cdf(p)),
            fit::Family::Weibull => Weibull::new(a, b).ok().map(|d| d.inverse_cdf(p)),
        };
        if let Some(q) = q.filter(|q| q.is_finite()) {
            return q;
        }
    }
    let mut v = part.samples_ms.clone();
    v.sort_by(f64::total_cmp);
    order_statistic(&v, (p * v.len() as f64).ceil() as i64)
}

/// The `rank`-th smallest (1-based, clamped to 1..=n) of sorted `v`.
fn order_statistic(v: &[f64], rank: i64) -> f64 {
    let i = rank.clamp(1, v.len() as i64) as usize - 1;
    v[i]
}

/// The distribution-free 95 % interval of the `p` quantile of the sorted sample `v`: the
/// order statistics whose ranks are `n·p ∓ 1.96 √(n·p·(1−p))` (rounded outwards), open-ended
/// (0 or infinity) where a rank falls outside the sample.
pub fn quantile_interval(v: &[f64], p: f64) -> (f64, f64) {
    let n = v.len() as f64;
    let half = 1.96 * (n * p * (1.0 - p)).sqrt();
    // A rank beyond the sample leaves that side unbounded: 40 samples cannot bound a p99
    // from above (their maximum is below it with probability 0.67).
    let (lo_rank, hi_rank) = ((n * p - half).floor(), (n * p + half).ceil() + 1.0);
    let lo = if lo_rank < 1.0 || v.is_empty() {
        0.0
    } else {
        order_statistic(v, lo_rank as i64)
    };
    let hi = if hi_rank > n {
        f64::INFINITY
    } else {
        order_statistic(v, hi_rank as i64)
    };
    (lo, hi)
}

/// Holds the fitted duration model against every measured memory size's samples (those the
/// fit would use there: warm, plus cold when `with_cold`).
pub fn check_duration(
    part: &Part,
    at_memory: &[(u32, Part)],
    samples: &Samples,
    reference_memory_mb: u32,
    threads: u32,
    with_cold: bool,
) -> Vec<MemoryCheck> {
    let f = part.cpu_fraction.as_ref().map_or(1.0, |c| c.value);
    let model = DurationModel {
        dist: Dist::Const { value_ms: 0.0 },
        reference_memory_mb,
        cpu_fraction: if samples.memory_scaled { f } else { 0.0 },
        threads,
    };
    let mut out = Vec::new();
    for (m, s) in &samples.by_memory {
        // A size with its own table is simulated from it, unscaled.
        let own = at_memory.iter().find(|(am, _)| am == m).map(|(_, p)| p);
        let (part, scale) = match own {
            Some(p) => (p, 1.0),
            None => (part, model.scale_factor(*m, Architecture::X86_64, 1.0)),
        };
        let mut v = s.warm_ms.clone();
        if with_cold {
            v.extend(&s.cold_ms);
        }
        if v.len() < 2 {
            continue;
        }
        v.sort_by(f64::total_cmp);
        let n = v.len() as f64;
        let quantiles = [0.5, 0.99]
            .into_iter()
            .map(|p| {
                let (lo, hi) = quantile_interval(&v, p);
                let measured = order_statistic(&v, (n * p).ceil() as i64);
                (p, measured, lo, hi, fitted_quantile(part, p) * scale)
            })
            .collect();
        out.push(MemoryCheck {
            memory_mb: *m,
            n: v.len(),
            quantiles,
            own: own.is_some(),
        });
    }
    out
}

/// The same cpu-fraction measured from memory `at` instead of `reference`: the share of the
/// duration at `at` that scales with the CPU share. With `f` at the reference and `x` the
/// CPU-share ratio (reference / at, capped by `threads`), the duration at `at` is `(1 − f) +
/// f·x` reference durations, of which `f·x` is CPU: `f' = f·x / ((1 − f) + f·x)`. The same
/// model then predicts the same durations from either reference. The standard error is
/// carried by the derivative `df'/df = x / ((1 − f) + f·x)²`.
pub fn at_other_memory(c: &CpuFraction, reference: u32, at: u32, threads: u32) -> CpuFraction {
    let share = DurationModel {
        dist: Dist::Const { value_ms: 0.0 },
        reference_memory_mb: reference,
        cpu_fraction: 1.0,
        threads,
    };
    let x = share.scale_factor(at, Architecture::X86_64, 1.0);
    let convert = |f: f64| f * x / ((1.0 - f) + f * x);
    let d = (1.0 - c.value) + c.value * x;
    CpuFraction {
        value: convert(c.value),
        unclamped: convert(c.unclamped),
        se: c.se * x / (d * d),
        points: c.points.clone(),
    }
}

/// The result of [`calibrate`].
#[derive(Clone, Debug, PartialEq)]
pub struct Calibration {
    /// What was read.
    pub source: String,
    /// The function's name, when known.
    pub function: Option<String>,
    /// Memory the distributions were fitted at.
    pub reference_memory_mb: u32,
    /// The duration model held against every measured memory size ([`check_duration`]); a
    /// size where it does not hold also gets a note.
    pub checks: Vec<MemoryCheck>,
    /// `threads` used by the scaling model.
    pub threads: u32,
    /// Per-memory sample counts `(memory, warm, cold)`.
    pub counts: Vec<(u32, usize, usize)>,
    /// `[duration]`.
    pub duration: Part,
    /// `[[duration-at-memory]]`: the duration fitted at each other measured memory size with
    /// enough samples (same `cpu-fraction`), in memory order. A workload takes the table of
    /// the measured size nearest its memory, so every measured size is reproduced by its own
    /// samples and the sizes between are scaled from the nearest.
    pub at_memory: Vec<(u32, Part)>,
    /// `[init]`, when there were enough cold starts.
    pub init: Option<Part>,
    /// Notes for the user.
    pub notes: Vec<String>,
}

/// Fits the samples. See the module docs for the method.
pub fn calibrate(samples: &Samples, opts: &Options) -> Result<Calibration, CalibrateError> {
    if let (Some(want), Some(found)) = (&opts.function, &samples.function)
        && want != found
    {
        return Err(CalibrateError::WrongFunction {
            wanted: want.clone(),
            found: found.clone(),
        });
    }
    let mut notes = samples.notes.clone();
    let threads = opts.threads.unwrap_or(1).max(1);
    let available = || {
        samples
            .by_memory
            .keys()
            .map(|m| format!("{m} MB"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let reference = match opts.reference_memory_mb {
        Some(m) if samples.by_memory.contains_key(&m) => m,
        Some(m) => {
            return Err(CalibrateError::UnknownMemory {
                memory_mb: m,
                available: available(),
            });
        }
        None => samples
            .by_memory
            .iter()
            .max_by_key(|(m, s)| (s.warm_ms.len() + s.cold_ms.len(), **m))
            .map(|(m, _)| *m)
            .ok_or(CalibrateError::TooFew {
                what: "duration",
                memory_mb: 0,
                have: 0,
                needed: MIN_FIT_SAMPLES,
            })?,
    };
    let at_ref = &samples.by_memory[&reference];
    let with_cold = at_ref.warm_ms.len() < MIN_FIT_SAMPLES;
    let pick = |m: &MemorySamples| -> Vec<f64> {
        let mut v = m.warm_ms.clone();
        if with_cold {
            v.extend(&m.cold_ms);
        }
        v
    };
    let dur = pick(at_ref);
    if dur.len() < MIN_FIT_SAMPLES {
        return Err(CalibrateError::TooFew {
            what: "duration",
            memory_mb: reference,
            have: dur.len(),
            needed: MIN_FIT_SAMPLES,
        });
    }
    if with_cold {
        notes.push(format!(
            "only {} warm invocations at {reference} MB: the duration is fitted on warm and cold invocations together ({} samples)",
            at_ref.warm_ms.len(),
            dur.len()
        ));
    }
    let model = DurationModel {
        dist: Dist::Const { value_ms: 0.0 },
        reference_memory_mb: reference,
        cpu_fraction: 1.0,
        threads,
    };
    let cpu = |get: &dyn Fn(&MemorySamples) -> Vec<f64>, what: &str, notes: &mut Vec<String>| {
        if !samples.memory_scaled {
            return None;
        }
        let points: Vec<(u32, Vec<f64>)> = samples
            .by_memory
            .iter()
            .map(|(m, s)| (*m, get(s)))
            .filter(|(_, v)| v.len() >= 2)
            .collect();
        let est = estimate_cpu_fraction(&model, &points);
        match &est {
            None if points.len() < 2 => notes.push(format!(
                "{what}: samples at one memory size only, so cpu-fraction is left out (the workload default 1.0 applies); measure at two or more sizes to estimate it"
            )),
            None if points.iter().all(|(_, v)| v.iter().all(|&x| x == 0.0)) => notes.push(format!(
                "{what}: every sample is 0 ms, so cpu-fraction cannot be estimated and is left out"
            )),
            None => notes.push(format!(
                "{what}: the memory sizes measured give the same CPU share (threads = {threads}), so cpu-fraction cannot be estimated and is left out"
            )),
            Some(c) if c.unclamped != c.value => notes.push(format!(
                "{what}: the least-squares cpu-fraction {:.3} is outside 0..=1 and was clamped to {}",
                c.unclamped, c.value
            )),
            Some(_) => {}
        }
        est
    };
    let duration = Part {
        label: if with_cold {
            "warm and cold invocations".into()
        } else {
            "warm invocations".into()
        },
        selection: fit::select(&dur),
        cpu_fraction: cpu(&pick, "duration", &mut notes),
        samples_ms: dur,
    };
    let init = if at_ref.init_ms.len() >= MIN_FIT_SAMPLES {
        Some(Part {
            label: "cold starts (Init Duration)".into(),
            selection: fit::select(&at_ref.init_ms),
            cpu_fraction: cpu(&|m| m.init_ms.clone(), "init", &mut notes),
            samples_ms: at_ref.init_ms.clone(),
        })
    } else {
        notes.push(format!(
            "{} cold starts at {reference} MB, at least {MIN_FIT_SAMPLES} are needed to fit init: [init] is left out (the workload's [function.init] or its runtime's built-in profile applies)",
            at_ref.init_ms.len()
        ));
        None
    };
    let at_memory: Vec<(u32, Part)> = samples
        .by_memory
        .iter()
        .filter(|(m, _)| **m != reference)
        .map(|(m, s)| (*m, pick(s)))
        .filter(|(_, v)| v.len() >= MIN_FIT_SAMPLES)
        .map(|(m, v)| {
            (
                m,
                Part {
                    label: duration.label.clone(),
                    selection: fit::select(&v),
                    cpu_fraction: duration
                        .cpu_fraction
                        .as_ref()
                        .map(|c| at_other_memory(c, reference, m, threads)),
                    samples_ms: v,
                },
            )
        })
        .collect();
    let checks = check_duration(
        &duration, &at_memory, samples, reference, threads, with_cold,
    );
    let describe = |c: &MemoryCheck| -> String {
        c.quantiles
            .iter()
            .map(|&(p, measured, lo, hi, pred)| {
                format!(
                    "p{} predicted {} ms, measured {} ms (95 % interval {}–{})",
                    p * 100.0,
                    sig(pred, 3),
                    sig(measured, 3),
                    sig(lo, 3),
                    sig(hi, 3)
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    // The scaling model alone (the reference fit scaled by cpu-fraction) at every size: where
    // it misses a size that has its own table, the sizes between rest on the nearer table.
    let scaled = check_duration(&duration, &[], samples, reference, threads, with_cold);
    for c in scaled.iter().filter(|c| !c.holds()) {
        let own = at_memory.iter().any(|(m, _)| *m == c.memory_mb);
        notes.push(if own {
            format!(
                "duration at {} MB: the model fitted at {reference} MB, scaled by cpu-fraction, does not reproduce the {} samples measured there ({}); {} MB uses its own [[duration-at-memory]] table, and a size between takes the nearer measured size's",
                c.memory_mb,
                c.n,
                describe(c),
                c.memory_mb
            )
        } else {
            format!(
                "duration at {} MB: the model fitted at {reference} MB does not reproduce the {} samples measured there ({}); to simulate that size, calibrate with --memory {}",
                c.memory_mb,
                c.n,
                describe(c),
                c.memory_mb
            )
        });
    }
    for c in checks.iter().filter(|c| c.own && !c.holds()) {
        notes.push(format!(
            "duration at {} MB: its own fit does not reproduce the {} samples measured there ({})",
            c.memory_mb,
            c.n,
            describe(c)
        ));
    }
    for (at, part) in std::iter::once((reference, &duration))
        .chain(at_memory.iter().map(|(m, p)| (*m, p)))
        .chain(init.as_ref().map(|p| (reference, p)))
    {
        if part.selection.choice == Choice::Empirical {
            notes.push(format!(
                "{} at {at} MB: no parametric fit passes the KS test at {} %: the {} samples themselves are used (dist = \"empirical\")",
                part.label,
                KS_ALPHA * 100.0,
                part.samples_ms.len()
            ));
        }
    }
    Ok(Calibration {
        source: samples.source.clone(),
        function: opts.function.clone().or_else(|| samples.function.clone()),
        reference_memory_mb: reference,
        checks,
        threads,
        counts: samples
            .by_memory
            .iter()
            .map(|(m, s)| (*m, s.warm_ms.len(), s.cold_ms.len()))
            .collect(),
        duration,
        at_memory,
        init,
        notes,
    })
}

/// Weighted least squares of the per-memory mean on the simulator's scaling model (see the
/// module docs); `model` gives the reference memory and `threads`. `None` with fewer than two
/// points of different CPU share.
pub fn estimate_cpu_fraction(
    model: &DurationModel,
    points: &[(u32, Vec<f64>)],
) -> Option<CpuFraction> {
    let mut rows = Vec::new();
    for (m, v) in points {
        let n = v.len() as f64;
        if n < 2.0 {
            continue;
        }
        let mean = v.iter().sum::<f64>() / n;
        let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        // Weight = 1 / Var(mean); a sample without spread gets a tiny floor variance.
        let var_mean = var.max(1e-12 * mean * mean).max(1e-18) / n;
        let x = model.scale_factor(*m, Architecture::X86_64, 1.0) - 1.0;
        rows.push((*m, v.len(), mean, x, 1.0 / var_mean));
    }
    let (mut s, mut sx, mut sxx, mut sy, mut sxy) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for &(_, _, y, x, w) in &rows {
        s += w;
        sx += w * x;
        sxx += w * x * x;
        sy += w * y;
        sxy += w * x * y;
    }
    let d = s * sxx - sx * sx;
    let spread = rows.iter().map(|r| r.3).fold(f64::NAN, f64::max)
        - rows.iter().map(|r| r.3).fold(f64::NAN, f64::min);
    if rows.len() < 2 || spread.is_nan() || spread <= 1e-9 || d.is_nan() || d <= 0.0 {
        return None;
    }
    let a = (sxx * sy - sx * sxy) / d;
    let b = (s * sxy - sx * sy) / d;
    let (var_a, var_b, cov) = (sxx / d, s / d, -sx / d);
    // The intercept is the mean duration at the reference memory: without a positive one
    // (durations of 0) there is nothing to scale, and no estimate.
    if !(a.is_finite() && b.is_finite() && a > 0.0) {
        return None;
    }
    let f = b / a;
    let var_f = b * b / a.powi(4) * var_a + var_b / (a * a) - 2.0 * b / a.powi(3) * cov;
    Some(CpuFraction {
        value: f.clamp(0.0, 1.0),
        unclamped: f,
        se: var_f.max(0.0).sqrt(),
        points: rows.iter().map(|r| (r.0, r.1, r.2)).collect(),
    })
}

/// `x` rounded to `digits` significant digits, printed shortest.
fn sig(x: f64, digits: usize) -> String {
    let r: f64 = format!("{:.*e}", digits.saturating_sub(1), x)
        .parse()
        .unwrap_or(x);
    format!("{r}")
}

/// A duration value in ms, as the workload writes it (`"12.3457ms"`).
fn ms(x: f64) -> String {
    format!("\"{}ms\"", sig(x, 7))
}

impl Calibration {
    /// The table of fits (every candidate with its parameters ± SE, ln L, AIC, KS D and p),
    /// the choice and the cpu-fraction estimate, as lines of text.
    pub fn fit_table(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut parts = vec![("duration", self.reference_memory_mb, &self.duration)];
        parts.extend(self.at_memory.iter().map(|(m, p)| ("duration", *m, p)));
        parts.extend(
            self.init
                .iter()
                .map(|p| ("init", self.reference_memory_mb, p)),
        );
        for (name, at, p) in parts {
            let sel = &p.selection;
            out.push(format!(
                "{name} at {at} MB: {} samples of {}",
                p.samples_ms.len(),
                p.label
            ));
            out.push(format!(
                "  {:<10} {:<50} {:>11} {:>11} {:>7} {:>7}",
                "family", "parameters (± standard error)", "ln L", "AIC", "KS D", "KS p"
            ));
            for (i, f) in sel.fits.iter().enumerate() {
                let unit = |name: &str| if name == "scale" { " ms" } else { "" };
                let params = f
                    .params
                    .iter()
                    .map(|q| {
                        format!(
                            "{} = {} ± {}{}",
                            q.name,
                            sig(q.value, 5),
                            sig(q.se, 2),
                            unit(q.name)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(", ");
                let mark = if sel.choice == Choice::Fit(i) {
                    "  <- chosen"
                } else if f.ks.rejected() {
                    "  (KS rejects)"
                } else {
                    ""
                };
                out.push(format!(
                    "  {:<10} {:<50} {:>11.2} {:>11.2} {:>7.4} {:>7.4}{mark}",
                    f.family.as_str(),
                    params,
                    f.log_likelihood,
                    f.aic,
                    f.ks.statistic,
                    f.ks.p_value
                ));
            }
            for (fam, e) in &sel.failed {
                out.push(format!("  {:<10} not fitted: {e}", fam.as_str()));
            }
            out.push(match sel.chosen() {
                Some(f) => format!(
                    "  chosen: {} (lowest AIC among the fits the KS test does not reject at {} %); mean {} ms, sample mean {} ms",
                    f.family,
                    KS_ALPHA * 100.0,
                    sig(f.mean_ms(), 5),
                    sig(mean(&p.samples_ms), 5)
                ),
                None => format!(
                    "  chosen: empirical (every fit is rejected by the KS test at {} %, or none could be computed)",
                    KS_ALPHA * 100.0
                ),
            });
            if let Some(c) = &p.cpu_fraction {
                let pts = c
                    .points
                    .iter()
                    .map(|(m, n, y)| format!("{m} MB: {} ms (n = {n})", sig(*y, 5)))
                    .collect::<Vec<_>>()
                    .join("; ");
                out.push(format!(
                    "  cpu-fraction = {} ± {} from the mean at {} memory sizes ({pts})",
                    sig(c.value, 4),
                    sig(c.se, 2),
                    c.points.len()
                ));
            } else {
                out.push("  cpu-fraction: not estimated (see the notes)".into());
            }
        }
        out
    }

    /// Name of the empirical samples file of `part` (`duration` / `init`) next to the
    /// calibration file `out_name` (`calibration.toml` → `calibration.duration-ms.txt`).
    pub fn samples_file_name(out_name: &str, part: &str) -> String {
        let stem = out_name.strip_suffix(".toml").unwrap_or(out_name);
        format!("{stem}.{part}-ms.txt")
    }

    /// The files to write: `(file name, contents)`, the calibration file (named `out_name`)
    /// last, preceded by the empirical samples files it refers to (if any).
    pub fn render(&self, out_name: &str, now_utc: &str) -> Vec<(String, String)> {
        let mut files = Vec::new();
        let mut t = String::new();
        let _ = writeln!(
            t,
            "# lamsim calibration (schema-version {CALIBRATION_SCHEMA_VERSION}), written by `lamsim calibrate` {} at {now_utc}",
            env!("CARGO_PKG_VERSION")
        );
        let _ = writeln!(t, "# source: {}", self.source);
        if let Some(f) = &self.function {
            let _ = writeln!(t, "# function: {f}");
        }
        let counts = self
            .counts
            .iter()
            .map(|(m, w, c)| format!("{m} MB: {w} warm + {c} cold"))
            .collect::<Vec<_>>()
            .join("; ");
        let _ = writeln!(t, "# successful invocations: {counts}");
        let _ = writeln!(
            t,
            "# distributions are fitted at the reference memory {} MB (threads = {}){}.",
            self.reference_memory_mb,
            self.threads,
            if self.at_memory.is_empty() {
                String::new()
            } else {
                format!(
                    "; [[duration-at-memory]] holds the duration fitted at {}: a workload takes the one nearest its memory",
                    self.at_memory
                        .iter()
                        .map(|(m, _)| format!("{m} MB"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        );
        let _ = writeln!(
            t,
            "# Use it from a workload: [[function]] calibration = \"{out_name}\"; keys written in"
        );
        let _ = writeln!(
            t,
            "# the workload's [function.duration] / [function.init] override these."
        );
        let _ = writeln!(t, "#");
        for line in self.fit_table() {
            let _ = writeln!(t, "# {line}");
        }
        for n in &self.notes {
            let _ = writeln!(t, "# note: {n}");
        }
        let _ = writeln!(t, "\nschema-version = {CALIBRATION_SCHEMA_VERSION}");
        if let Some(f) = &self.function {
            let _ = writeln!(t, "function = {}", toml_str(f));
        }
        // (header, name of its samples file, part, memory it was fitted at)
        let mut tables: Vec<(String, String, &Part, u32)> = vec![(
            "[duration]".into(),
            "duration".into(),
            &self.duration,
            self.reference_memory_mb,
        )];
        for (m, p) in &self.at_memory {
            tables.push((
                "[[duration-at-memory]]".into(),
                format!("duration-{m}mb"),
                p,
                *m,
            ));
        }
        if let Some(p) = &self.init {
            tables.push(("[init]".into(), "init".into(), p, self.reference_memory_mb));
        }
        for (header, name, p, at) in tables {
            let _ = writeln!(t, "\n{header}");
            match p.selection.chosen().map(|f| f.dist()) {
                Some(Dist::LogNormal { mu, sigma }) => {
                    let _ = writeln!(t, "dist = \"lognormal\"");
                    let _ = writeln!(t, "median = {}", ms(mu.exp()));
                    let _ = writeln!(t, "p99 = {}", ms((mu + Z99 * sigma).exp()));
                }
                Some(Dist::Gamma { shape, scale_ms }) | Some(Dist::Weibull { shape, scale_ms }) => {
                    let fam = p.selection.chosen().map_or("gamma", |f| f.family.as_str());
                    let _ = writeln!(t, "dist = \"{fam}\"");
                    let _ = writeln!(t, "shape = {}", sig(shape, 7));
                    let _ = writeln!(t, "scale = {}", ms(scale_ms));
                }
                _ => {
                    let file = Self::samples_file_name(out_name, &name);
                    let mut body = format!(
                        "# {} {} at {} MB, ms (lamsim calibrate)\n",
                        p.samples_ms.len(),
                        p.label,
                        at
                    );
                    for x in &p.samples_ms {
                        let _ = writeln!(body, "{x}");
                    }
                    files.push((file.clone(), body));
                    let _ = writeln!(t, "dist = \"empirical\"");
                    let _ = writeln!(t, "file = {}", toml_str(&file));
                }
            }
            let _ = writeln!(t, "reference-memory-mb = {at}");
            if let Some(c) = &p.cpu_fraction {
                let _ = writeln!(t, "cpu-fraction = {}", sig(c.value, 4));
            }
            if self.threads != 1 {
                let _ = writeln!(t, "threads = {}", self.threads);
            }
        }
        files.push((out_name.to_string(), t));
        files
    }
}

fn mean(x: &[f64]) -> f64 {
    x.iter().sum::<f64>() / x.len().max(1) as f64
}

fn toml_str(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

/// The current UTC time as `YYYY-MM-DDTHH:MM:SSZ` (for the header).
pub fn now_utc() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `n` lognormal durations with median `median_ms` and `sigma`, from `seed`; every
    /// `tail_every`-th one (when not 0) `tail` times longer.
    fn lognormal(n: usize, median_ms: f64, sigma: f64, seed: u64, tail: (usize, f64)) -> Vec<f64> {
        use rand::SeedableRng;
        use rand_distr::Distribution;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let d = rand_distr::LogNormal::new(median_ms.ln(), sigma).unwrap();
        (0..n)
            .map(|i| {
                let x: f64 = d.sample(&mut rng);
                if tail.0 > 0 && i % tail.0 == 0 {
                    x * tail.1
                } else {
                    x
                }
            })
            .collect()
    }

    fn two_sizes(small: Vec<f64>, large: Vec<f64>) -> Samples {
        let mut s = Samples {
            memory_scaled: true,
            ..Samples::default()
        };
        s.by_memory.insert(
            512,
            MemorySamples {
                warm_ms: small,
                ..MemorySamples::default()
            },
        );
        s.by_memory.insert(
            1024,
            MemorySamples {
                warm_ms: large,
                ..MemorySamples::default()
            },
        );
        s
    }

    #[test]
    fn a_cpu_bound_handler_is_reproduced_at_every_measured_size() {
        // All CPU: 512 MB takes twice as long as 1,024 MB, same shape. Fitted at 1,024 MB (the
        // larger of two equal counts), the model must give 512 MB's p50 and p99 within their
        // sampling error.
        let s = two_sizes(
            lognormal(400, 10.0, 0.3, 1, (0, 1.0)),
            lognormal(400, 5.0, 0.3, 2, (0, 1.0)),
        );
        let c = calibrate(&s, &Options::default()).unwrap();
        assert_eq!(c.reference_memory_mb, 1024);
        assert_eq!(c.checks.len(), 2);
        for check in &c.checks {
            assert!(check.holds(), "{check:?}");
        }
        assert!(
            !c.notes.iter().any(|n| n.contains("does not reproduce")),
            "{:?}",
            c.notes
        );
    }

    #[test]
    fn a_tail_the_scaling_cannot_explain_is_reported_with_its_size() {
        // 512 MB has one sample in ten 6× longer (e.g. CPU-quota stalls), 1,024 MB none: a
        // mean-scaling model fitted at 1,024 MB cannot give 512 MB's p99.
        let s = two_sizes(
            lognormal(400, 10.0, 0.3, 3, (10, 6.0)),
            lognormal(400, 5.0, 0.3, 4, (0, 1.0)),
        );
        let c = calibrate(&s, &Options::default()).unwrap();
        // The scaling model alone (the 1,024 MB fit scaled) misses 512 MB's tail…
        let scaled = check_duration(
            &c.duration,
            &[],
            &s,
            c.reference_memory_mb,
            c.threads,
            false,
        );
        let small = scaled.iter().find(|c| c.memory_mb == 512).unwrap();
        assert!(!small.holds(), "{small:?}");
        let (_, measured, lo, _, predicted) = small.quantiles[1];
        assert!(predicted < lo && measured > 2.0 * predicted, "{small:?}");
        assert!(
            c.notes.iter().any(|n| n.starts_with("duration at 512 MB")
                && n.contains("scaled by cpu-fraction")
                && n.contains("[[duration-at-memory]]")),
            "{:?}",
            c.notes
        );
        // …so 512 MB gets its own table, which reproduces it.
        let own = c.checks.iter().find(|c| c.memory_mb == 512).unwrap();
        assert!(own.own && own.holds(), "{own:?}");
        assert_eq!(c.at_memory.len(), 1);
        // Fitted where it is simulated, the size is reproduced.
        let at = calibrate(
            &s,
            &Options {
                reference_memory_mb: Some(512),
                ..Options::default()
            },
        )
        .unwrap();
        let small = at.checks.iter().find(|c| c.memory_mb == 512).unwrap();
        assert!(small.holds(), "{small:?}");
    }

    #[test]
    fn a_cpu_fraction_moved_to_another_reference_predicts_the_same_durations() {
        // f = 0.6 at 1,024 MB. From 256 MB the duration is 0.4 + 0.6 · 4 = 2.8 times the
        // 1,024 MB one, 2.4 of it CPU: f' = 2.4 / 2.8. Both references must then give the same
        // duration at every memory size (1 at 1,024 MB).
        let c = CpuFraction {
            value: 0.6,
            unclamped: 0.6,
            se: 0.05,
            points: Vec::new(),
        };
        let moved = at_other_memory(&c, 1024, 256, 1);
        assert!((moved.value - 2.4 / 2.8).abs() < 1e-12, "{moved:?}");
        let model = |reference: u32, f: f64| DurationModel {
            dist: Dist::Const { value_ms: 0.0 },
            reference_memory_mb: reference,
            cpu_fraction: f,
            threads: 1,
        };
        let (from_1024, from_256) = (model(1024, 0.6), model(256, moved.value));
        let d256 = from_1024.scale_factor(256, Architecture::X86_64, 1.0);
        assert!((d256 - 2.8).abs() < 1e-12);
        for m in [128, 256, 384, 512, 1024, 1769, 3008] {
            let a = from_1024.scale_factor(m, Architecture::X86_64, 1.0);
            let b = d256 * from_256.scale_factor(m, Architecture::X86_64, 1.0);
            assert!((a - b).abs() < 1e-12, "{m} MB: {a} vs {b}");
        }
    }

    #[test]
    fn cpu_fraction_by_hand() {
        // Reference 1769 MB (1 vCPU). A duration that is half CPU-bound (f = 0.5) with mean
        // 100 ms at 1769 MB has mean 100 · (0.5 + 0.5 · 2) = 150 ms at 884.5 MB → use 884 MB:
        // x = 1769/884 = 2.00113…, mean = 50 + 50 · x.
        let model = DurationModel {
            dist: Dist::Const { value_ms: 0.0 },
            reference_memory_mb: 1769,
            cpu_fraction: 1.0,
            threads: 1,
        };
        let around = |m: f64| vec![m - 1.0, m + 1.0, m - 2.0, m + 2.0];
        let x = 1769.0 / 884.0;
        let pts = vec![(1769, around(100.0)), (884, around(50.0 + 50.0 * x))];
        let c = estimate_cpu_fraction(&model, &pts).unwrap();
        assert!((c.value - 0.5).abs() < 1e-9, "{c:?}");
        // One memory size: nothing to estimate.
        assert!(estimate_cpu_fraction(&model, &pts[..1]).is_none());
    }

    #[test]
    fn dates_are_civil() {
        let s = now_utc();
        assert_eq!(s.len(), 20, "{s}");
        assert!(s.starts_with("20"), "{s}");
    }
}
