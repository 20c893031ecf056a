//! `lamsim import cloudwatch`: CloudWatch `AWS/Lambda` metrics → trace files and a workload
//! that replays them.
//!
//! Reads the JSON printed by `aws cloudwatch get-metric-data` (`MetricDataResults`, each with
//! `Id`, `Label`, `Timestamps`, `Values`) and by `aws cloudwatch get-metric-statistics`
//! (`Label`, `Datapoints` with `Timestamp`, `Sum`/`Average`/`Maximum`/…, and
//! `ExtendedStatistics` for percentiles). Each series is named by its label,
//! `FUNCTION METRIC STAT` (`api Duration p99`, the labels `docs/import.md` sets); a label
//! without the function (`Duration`, or get-metric-statistics' metric name) takes it from the
//! file name (`api.json`, `api.duration.json` → `api`).
//!
//! Per function: `Invocations` (Sum) plus `Throttles` (Sum) per period are the arrivals (a
//! throttled request arrived too), turned into arrival times by [`Arrivals`]; `Duration` p50,
//! p99 and Average give a lognormal fitted by [`fit_duration`]; `ConcurrentExecutions`
//! (Maximum), `Throttles` and `Errors` are kept in `measured.json` for comparison with a run.

use std::collections::BTreeMap;
use std::fmt::Write;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde_json::Value;

use crate::toml_out::{Table, float, int, string};
use crate::{ImportError, Todo, Warning};

/// How the arrivals counted in one period are placed inside it: the simulator's own rule
/// (`minute-arrivals` of `[[population]]`), so a trace written here and a population read
/// from per-minute counts place arrivals the same way.
pub use lamsim_sim::model::MinuteArrivals as Arrivals;

/// One metric series of one function.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// The function (`FunctionName` dimension).
    pub function: String,
    /// `Invocations`, `Duration`, `ConcurrentExecutions`, `Throttles`, `Errors`.
    pub metric: String,
    /// `Sum`, `Average`, `Maximum`, `p50`, `p99`, …
    pub stat: String,
    /// (seconds since the Unix epoch, value), in time order.
    pub points: Vec<(i64, f64)>,
}

fn parse_error(file: &str, message: impl Into<String>) -> ImportError {
    ImportError::Parse {
        file: file.to_string(),
        message: message.into(),
    }
}

/// The metrics this import uses, each with the statistic it is read as when a label names
/// none.
const METRICS: [(&str, &str); 5] = [
    ("Invocations", "Sum"),
    ("Duration", "Average"),
    ("ConcurrentExecutions", "Maximum"),
    ("Throttles", "Sum"),
    ("Errors", "Sum"),
];

/// The longest window CloudWatch keeps metrics for (hourly data: 455 days, about 15 months);
/// series spanning more cannot come from it, and would make a grid and a trace of that length.
pub const MAX_WINDOW_S: i64 = 455 * 86_400;

/// The most arrivals a trace written by the import may hold (Invocations + Throttles summed
/// over every function): the trace has one line per arrival, about 12 bytes, so 10⁸ is a file
/// of about 1.2 GB. More asks for a shorter query window.
pub const MAX_ARRIVALS: f64 = 1e8;

/// Checks the value `x` of metric `metric` at `at`: counts (`Invocations`, `Throttles`,
/// `Errors`, `ConcurrentExecutions`) and durations are finite and not negative.
fn check_value(file: &str, at: &str, metric: &str, x: f64) -> Result<f64, ImportError> {
    use lamsim_sim::config::hints::number;
    // Lambda stops an execution at its longest timeout, 15 minutes.
    use lamsim_sim::model::defaults::MAX_TIMEOUT_MS as MAX_DURATION_MS;
    if metric == "Duration" && x > MAX_DURATION_MS {
        return Err(parse_error(
            file,
            format!(
                "{at}: a duration of {} ms is longer than Lambda's 15-minute limit",
                number(x)
            ),
        ));
    }
    if !x.is_finite() || x < 0.0 {
        let what = if metric == "Duration" {
            "a duration"
        } else {
            "a count"
        };
        return Err(parse_error(
            file,
            format!("{at}: {what} of {metric} cannot be {}", number(x)),
        ));
    }
    Ok(x)
}

/// Reads one file of `get-metric-data` or `get-metric-statistics` output.
pub fn read(text: &str, file: &str) -> Result<Vec<Series>, ImportError> {
    let v: Value = serde_json::from_str(text)
        .map_err(|e| parse_error(file, format!("not valid JSON: {e}")))?;
    let stem = std::path::Path::new(file)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or(file)
        .split('.')
        .next()
        .unwrap_or(file)
        .to_string();
    let mut out = Vec::new();
    if let Some(results) = v.get("MetricDataResults").and_then(Value::as_array) {
        for (i, r) in results.iter().enumerate() {
            let at = format!("MetricDataResults[{i}]");
            let label = r
                .get("Label")
                .and_then(Value::as_str)
                .or_else(|| r.get("Id").and_then(Value::as_str))
                .ok_or_else(|| parse_error(file, format!("{at}: no Label or Id")))?;
            let (function, metric, stat) = name_of(label, &stem)
                .ok_or_else(|| parse_error(file, format!("{at}: label `{label}` does not name an AWS/Lambda metric (write labels as `FUNCTION METRIC STAT`, e.g. `api Duration p99`)")))?;
            let ts = r.get("Timestamps").and_then(Value::as_array);
            let vs = r.get("Values").and_then(Value::as_array);
            let (Some(ts), Some(vs)) = (ts, vs) else {
                return Err(parse_error(
                    file,
                    format!("{at}: needs Timestamps and Values"),
                ));
            };
            if ts.len() != vs.len() {
                return Err(parse_error(
                    file,
                    format!("{at}: {} Timestamps but {} Values", ts.len(), vs.len()),
                ));
            }
            let mut points = Vec::new();
            for (k, (t, x)) in ts.iter().zip(vs).enumerate() {
                let t = t.as_str().and_then(parse_timestamp).ok_or_else(|| {
                    parse_error(file, format!("{at}.Timestamps[{k}]: not an ISO 8601 time"))
                })?;
                let x = x
                    .as_f64()
                    .ok_or_else(|| parse_error(file, format!("{at}.Values[{k}]: not a number")))?;
                let x = check_value(file, &format!("{at}.Values[{k}]"), &metric, x)?;
                points.push((t, x));
            }
            points.sort_by_key(|p| p.0);
            out.push(Series {
                function,
                metric,
                stat,
                points,
            });
        }
    } else if let Some(dps) = v.get("Datapoints").and_then(Value::as_array) {
        let label = v.get("Label").and_then(Value::as_str).unwrap_or("");
        let (function, metric, _) = name_of(label, &stem).ok_or_else(|| {
            parse_error(
                file,
                format!("Label `{label}` is not an AWS/Lambda metric this import reads"),
            )
        })?;
        let mut by_stat: BTreeMap<String, Vec<(i64, f64)>> = BTreeMap::new();
        for (k, d) in dps.iter().enumerate() {
            let t = d
                .get("Timestamp")
                .and_then(Value::as_str)
                .and_then(parse_timestamp)
                .ok_or_else(|| {
                    parse_error(
                        file,
                        format!("Datapoints[{k}].Timestamp: not an ISO 8601 time"),
                    )
                })?;
            for s in ["Sum", "Average", "Maximum", "Minimum", "SampleCount"] {
                if let Some(x) = d.get(s).and_then(Value::as_f64) {
                    let x = check_value(file, &format!("Datapoints[{k}].{s}"), &metric, x)?;
                    by_stat.entry(s.to_string()).or_default().push((t, x));
                }
            }
            if let Some(ext) = d.get("ExtendedStatistics").and_then(Value::as_object) {
                for (s, x) in ext {
                    if let Some(x) = x.as_f64() {
                        let at = format!("Datapoints[{k}].ExtendedStatistics.{s}");
                        let x = check_value(file, &at, &metric, x)?;
                        by_stat.entry(s.clone()).or_default().push((t, x));
                    }
                }
            }
        }
        for (stat, mut points) in by_stat {
            points.sort_by_key(|p| p.0);
            out.push(Series {
                function: function.clone(),
                metric: metric.clone(),
                stat,
                points,
            });
        }
    } else {
        return Err(parse_error(
            file,
            "neither `MetricDataResults` (aws cloudwatch get-metric-data) nor `Datapoints` (get-metric-statistics)",
        ));
    }
    Ok(out)
}

/// `(function, metric, stat)` of a label: `FUNCTION METRIC STAT`, `METRIC STAT` or `METRIC`
/// (function from the file name, statistic the metric's usual one).
fn name_of(label: &str, stem: &str) -> Option<(String, String, String)> {
    let words: Vec<&str> = label.split_whitespace().collect();
    let metric_at = words
        .iter()
        .position(|w| METRICS.iter().any(|(m, _)| m == w))?;
    let metric = words[metric_at];
    let function = if metric_at == 0 {
        stem.to_string()
    } else {
        words[..metric_at].join(" ")
    };
    let stat = match words.get(metric_at + 1) {
        Some(s) => s.to_string(),
        None => METRICS.iter().find(|(m, _)| *m == metric)?.1.to_string(),
    };
    Some((function, metric.to_string(), stat))
}

/// Seconds since the Unix epoch of `2026-11-30T10:01:00Z`, `…+00:00`, `….000Z`.
pub fn parse_timestamp(s: &str) -> Option<i64> {
    let s = s.trim();
    let (date, rest) = s.split_once('T')?;
    let mut d = date.split('-').map(|x| x.parse::<i64>().ok());
    let (y, mo, da) = (d.next()??, d.next()??, d.next()??);
    let (clock, offset) = match rest.find(['Z', '+', '-']) {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "Z"),
    };
    let clock = clock.split('.').next()?;
    let mut c = clock.split(':').map(|x| x.parse::<i64>().ok());
    let (h, mi, se) = (c.next()??, c.next()??, c.next().unwrap_or(Some(0))?);
    let off = match offset {
        "Z" | "" => 0,
        o => {
            let sign = if o.starts_with('-') { -1 } else { 1 };
            let (oh, om) = o[1..].split_once(':').unwrap_or((&o[1..], "0"));
            sign * (oh.parse::<i64>().ok()? * 3600 + om.parse::<i64>().ok()? * 60)
        }
    };
    // Days from civil (Howard Hinnant's algorithm).
    let y2 = if mo <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let doy = (153 * (mo + if mo > 2 { -3 } else { 9 }) + 2) / 5 + da - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + h * 3600 + mi * 60 + se - off)
}

/// The measured series of one function, on a common grid of periods.
#[derive(Clone, Debug, PartialEq)]
pub struct Measured {
    /// The function.
    pub name: String,
    /// `Invocations` Sum per period (0 where CloudWatch has no point: no invocation).
    pub invocations: Vec<f64>,
    /// `Throttles` Sum per period.
    pub throttles: Vec<f64>,
    /// `Errors` Sum per period.
    pub errors: Vec<f64>,
    /// `ConcurrentExecutions` Maximum per period (`None`: not measured).
    pub concurrency: Vec<Option<f64>>,
    /// `Duration` p50, p99 and Average per period (ms).
    pub p50: Vec<Option<f64>>,
    /// See `p50`.
    pub p99: Vec<Option<f64>>,
    /// See `p50`.
    pub average: Vec<Option<f64>>,
}

/// A duration distribution fitted to the measured percentiles, and how well it fits.
#[derive(Clone, Debug, PartialEq)]
pub struct DurationFit {
    /// The workload's `[function.duration]` keys (TOML text).
    pub keys: Vec<(String, String)>,
    /// The fit, in words, with its quality.
    pub quality: String,
}

/// z of the 99th percentile of the standard normal.
const Z99: f64 = 2.326_347_874_040_841;

/// Fits a lognormal to a function's durations.
///
/// Each period's p50 and p99 define a lognormal; the whole window is their mixture weighted
/// by invocations, whose median and 99th percentile are found numerically and give the
/// lognormal written (`median`, `p99`). Its mean is compared with the measured mean (the
/// invocation-weighted `Average`, which is exact) as the stated fit quality. With p50 and
/// Average but no p99, the lognormal with that median and mean (`mean`, `cv`); with Average
/// alone, an exponential with that mean.
pub fn fit_duration(m: &Measured) -> Option<DurationFit> {
    let w = |i: usize| m.invocations[i].max(0.0);
    let mut parts = Vec::new();
    for i in 0..m.invocations.len() {
        if let (Some(a), Some(b)) = (m.p50[i], m.p99[i])
            && a > 0.0
            && w(i) > 0.0
        {
            let sigma = ((b.max(a)) / a).ln() / Z99;
            parts.push((w(i), a.ln(), sigma));
        }
    }
    let (mut sw, mut sa) = (0.0, 0.0);
    for i in 0..m.invocations.len() {
        // A zero Average (no execution measured in the period) says nothing of durations.
        if let Some(a) = m.average[i].filter(|&a| a > 0.0) {
            sw += w(i);
            sa += w(i) * a;
        }
    }
    let measured_mean = (sw > 0.0).then(|| sa / sw);
    let ms = |x: f64| string(&format!("{}ms", round3(x)));
    if !parts.is_empty() {
        let total: f64 = parts.iter().map(|p| p.0).sum();
        let cdf = |x: f64| -> f64 {
            let lx = x.ln();
            parts
                .iter()
                .map(|&(wi, mu, s)| {
                    let p = if s == 0.0 {
                        if lx >= mu { 1.0 } else { 0.0 }
                    } else {
                        0.5 * statrs::function::erf::erfc(
                            -(lx - mu) / (s * std::f64::consts::SQRT_2),
                        )
                    };
                    wi * p
                })
                .sum::<f64>()
                / total
        };
        let lo = parts
            .iter()
            .map(|p| p.1 - 10.0 * p.2 - 1.0)
            .fold(f64::INFINITY, f64::min);
        let hi = parts
            .iter()
            .map(|p| p.1 + 10.0 * p.2 + 1.0)
            .fold(f64::NEG_INFINITY, f64::max);
        let quantile = |q: f64| {
            let (mut a, mut b) = (lo, hi);
            for _ in 0..200 {
                let mid = 0.5 * (a + b);
                if cdf(mid.exp()) < q {
                    a = mid;
                } else {
                    b = mid;
                }
            }
            (0.5 * (a + b)).exp()
        };
        let (p50, p99) = (quantile(0.5), quantile(0.99));
        let sigma = (p99 / p50).ln() / Z99;
        let fitted_mean = p50 * (sigma * sigma / 2.0).exp();
        let quality = match measured_mean {
            Some(mean) => format!(
                "lognormal through the measured p50 {} ms and p99 {} ms (over {} periods); its mean {} ms vs the measured Average {} ms ({:+.1} %)",
                round3(p50),
                round3(p99),
                parts.len(),
                round3(fitted_mean),
                round3(mean),
                signed_percent(fitted_mean, mean)
            ),
            None => format!(
                "lognormal through the measured p50 {} ms and p99 {} ms (over {} periods); no Average to check it against",
                round3(p50),
                round3(p99),
                parts.len()
            ),
        };
        let keys = if p99 > p50 * 1.000_001 {
            vec![
                ("dist".into(), string("lognormal")),
                ("median".into(), ms(p50)),
                ("p99".into(), ms(p99)),
            ]
        } else {
            vec![("dist".into(), string("const")), ("value".into(), ms(p50))]
        };
        return Some(DurationFit { keys, quality });
    }
    let median = {
        let (mut sw, mut s) = (0.0, 0.0);
        for i in 0..m.invocations.len() {
            if let Some(a) = m.p50[i].filter(|&a| a > 0.0) {
                sw += w(i);
                s += w(i) * a;
            }
        }
        (sw > 0.0).then(|| s / sw)
    };
    let Some(mean) = measured_mean else {
        // Only the median measured: every execution takes it (its spread is unknown).
        let med = median?;
        return Some(DurationFit {
            keys: vec![("dist".into(), string("const")), ("value".into(), ms(med))],
            quality: format!(
                "constant at the measured p50 {} ms (no Average or p99 measured: the spread is unknown; add them to the export for a lognormal)",
                round3(med)
            ),
        });
    };
    match median {
        Some(med) if mean > med && med > 0.0 => {
            let s2 = 2.0 * (mean / med).ln();
            let cv = (s2.exp() - 1.0).sqrt();
            Some(DurationFit {
                keys: vec![
                    ("dist".into(), string("lognormal")),
                    ("mean".into(), ms(mean)),
                    ("cv".into(), float(round3(cv))),
                ],
                quality: format!(
                    "lognormal with the measured Average {} ms and p50 {} ms (no p99 measured: its tail is not checked)",
                    round3(mean),
                    round3(med)
                ),
            })
        }
        _ => Some(DurationFit {
            keys: vec![("dist".into(), string("exp")), ("mean".into(), ms(mean))],
            quality: format!(
                "exponential with the measured Average {} ms (no percentiles measured: its shape is assumed)",
                round3(mean)
            ),
        }),
    }
}

/// `100 × (a − b) / b`, with a difference that rounds to 0.0 shown as `+0.0`.
fn signed_percent(a: f64, b: f64) -> f64 {
    let p = 100.0 * (a - b) / b;
    if p.abs() < 0.05 { 0.0 } else { p }
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Arrival times (seconds from the start) for `counts[k]` arrivals in period `k` of
/// `period_s` seconds, placed per `how` by the simulator's arrival generator
/// (`lamsim_sim::arrivals`, [`lamsim_sim::model::ArrivalProcess::Counts`]); `seed` drives
/// `poisson` and `uniform`. Counts are rounded to whole requests.
pub fn arrival_times(counts: &[f64], period_s: f64, how: Arrivals, seed: u64) -> Vec<f64> {
    use lamsim_sim::arrivals::ArrivalGen;
    use lamsim_sim::model::{ArrivalProcess, Arrivals as Process, PeriodCounts};
    use lamsim_sim::time::SimTime;
    let period = SimTime::from_nanos_f64(period_s * 1e9);
    let counts: Vec<(u32, u32)> = counts
        .iter()
        .enumerate()
        .map(|(k, c)| (k as u32, c.round().clamp(0.0, u32::MAX as f64) as u32))
        .filter(|&(_, c)| c > 0)
        .collect();
    let process = Process {
        process: ArrivalProcess::Counts(std::sync::Arc::new(PeriodCounts {
            counts,
            period,
            within: how,
            scale: 1.0,
        })),
        start: SimTime::ZERO,
        end: SimTime::MAX,
    };
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut g = ArrivalGen::new(&process, SimTime::MAX);
    let mut out = Vec::new();
    while let Some(a) = g.next(&mut rng) {
        out.push(a.time.0 as f64 / 1e9);
    }
    out
}

/// What `import cloudwatch` writes.
#[derive(Clone, Debug)]
pub struct Output {
    /// `workload.toml`.
    pub workload: String,
    /// `(path relative to the output folder, CSV text)` of each trace.
    pub traces: Vec<(String, String)>,
    /// `measured.json`: what CloudWatch measured, per function and in total, to compare with
    /// a run of the workload.
    pub measured_json: String,
    /// The functions, their measured series and their fits.
    pub functions: Vec<(Measured, Option<DurationFit>)>,
    /// Series not used, gaps, assumptions.
    pub warnings: Vec<Warning>,
    /// Placeholders (memory, which CloudWatch does not record).
    pub todos: Vec<Todo>,
}

/// The folder traces go to inside the output folder.
pub const TRACES_DIR: &str = "traces";

/// What fills a function's timeout and memory, which CloudWatch does not have.
const CONFIGURATION_COMMAND: &str =
    "`lamsim import sam TEMPLATE` or `aws lambda get-function-configuration --function-name NAME`";

/// Imports metric files (`(name, text)` each): traces, a workload and `measured.json`.
pub fn import(files: &[(String, String)], how: Arrivals, seed: u64) -> Result<Output, ImportError> {
    let mut series = Vec::new();
    for (name, text) in files {
        series.extend(read(text, name)?);
    }
    let mut warnings = Vec::new();
    let mut names: Vec<String> = Vec::new();
    for s in &series {
        if !names.contains(&s.function) {
            names.push(s.function.clone());
        }
    }
    let has_invocations = |f: &str| {
        series
            .iter()
            .any(|s| s.function == f && s.metric == "Invocations")
    };
    names.retain(|f| {
        let keep = has_invocations(f);
        if !keep {
            warnings.push(Warning {
                path: f.clone(),
                message: "no Invocations series: no traffic to replay; left out".into(),
            });
        }
        keep
    });
    if names.is_empty() {
        return Err(ImportError::Nothing(
            "no function has an Invocations series (see docs/import.md for the query)".into(),
        ));
    }
    for f in &names {
        if !crate::sam::valid_name(f) {
            return Err(ImportError::Nothing(format!(
                "`{f}` is not a valid function name ([A-Za-z0-9_-]+): label series `FUNCTION METRIC STAT`"
            )));
        }
    }
    // The grid: the period is the smallest gap between points, the window spans every point.
    let mut all: Vec<i64> = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.0))
        .collect();
    all.sort_unstable();
    all.dedup();
    let period = all
        .windows(2)
        .map(|w| w[1] - w[0])
        .min()
        .unwrap_or(60)
        .max(1);
    if period != 60 {
        warnings.push(Warning {
            path: "Timestamps".into(),
            message: format!(
                "the period is {period} s, not 60 s: arrivals are spread over {period} s"
            ),
        });
    }
    let start = *all.first().unwrap_or(&0);
    let last = *all.last().unwrap_or(&start);
    if last - start > MAX_WINDOW_S {
        return Err(ImportError::Template {
            path: "Timestamps".into(),
            message: format!(
                "the series span {} days (from {} to {}), more than CloudWatch keeps (455 days): \
                 a timestamp is wrong, or the files come from different queries",
                (last - start) / 86_400,
                lamsim_sim::schedule::format_utc(start),
                lamsim_sim::schedule::format_utc(last)
            ),
        });
    }
    let n = ((last - start) / period + 1) as usize;
    let grid = |f: &str, metric: &str, stat: &str| -> Option<Vec<Option<f64>>> {
        let s = series
            .iter()
            .find(|s| s.function == f && s.metric == metric && s.stat == stat)?;
        let mut v = vec![None; n];
        for &(t, x) in &s.points {
            v[((t - start) / period) as usize] = Some(x);
        }
        Some(v)
    };
    let zeros = |v: Option<Vec<Option<f64>>>| -> Vec<f64> {
        v.map(|v| v.into_iter().map(|x| x.unwrap_or(0.0)).collect())
            .unwrap_or_else(|| vec![0.0; n])
    };
    // The series met so far: a later copy of one is a duplicate.
    let mut met = std::collections::HashSet::new();
    for s in &series {
        let used = matches!(
            (s.metric.as_str(), s.stat.as_str()),
            ("Invocations" | "Throttles" | "Errors", "Sum")
                | ("Duration", "p50" | "p99" | "Average")
                | ("ConcurrentExecutions", "Maximum")
        );
        let path = format!("{} {} {}", s.function, s.metric, s.stat);
        if !used {
            warnings.push(Warning {
                path,
                message: "not used (see docs/import.md for the series read)".into(),
            });
            continue;
        }
        // What the grid keeps of a series: its first copy, and one value per period.
        if !met.insert((&s.function, &s.metric, &s.stat)) {
            warnings.push(Warning {
                path,
                message: "given again (another file or result): only its first copy is used".into(),
            });
            continue;
        }
        let shared = s
            .points
            .windows(2)
            .filter(|w| (w[0].0 - start) / period == (w[1].0 - start) / period)
            .count();
        if shared > 0 {
            warnings.push(Warning {
                path,
                message: format!(
                    "{shared} point(s) fall in a {period} s period that already has one: the last of each period is used"
                ),
            });
        }
    }
    // The traces hold one line per arrival: bounded before any is made.
    let arrivals_total: f64 = series
        .iter()
        .filter(|s| s.stat == "Sum" && matches!(s.metric.as_str(), "Invocations" | "Throttles"))
        .filter(|s| names.contains(&s.function))
        .flat_map(|s| s.points.iter().map(|p| p.1))
        .sum();
    if arrivals_total > MAX_ARRIVALS {
        return Err(ImportError::Nothing(format!(
            "the series count {arrivals_total:.3e} arrivals (Invocations + Throttles), more than \
             the {MAX_ARRIVALS:.0e} a trace of one line per arrival is written for: query a \
             shorter window (--start-time/--end-time), or fewer functions"
        )));
    }
    let mut functions = Vec::new();
    let mut traces = Vec::new();
    let mut tables = Vec::new();
    let mut todos = Vec::new();
    let mut sim = Table::new("[simulation]");
    sim.push(
        "duration",
        crate::toml_out::duration_ms((n as i64 * period * 1000) as u64),
        Some(format!("the measured window: {n} periods of {period} s")),
    );
    tables.push(sim);
    let mut json_fns = Vec::new();
    for (i, f) in names.iter().enumerate() {
        let m = Measured {
            name: f.clone(),
            invocations: zeros(grid(f, "Invocations", "Sum")),
            throttles: zeros(grid(f, "Throttles", "Sum")),
            errors: zeros(grid(f, "Errors", "Sum")),
            concurrency: grid(f, "ConcurrentExecutions", "Maximum")
                .unwrap_or_else(|| vec![None; n]),
            p50: grid(f, "Duration", "p50").unwrap_or_else(|| vec![None; n]),
            p99: grid(f, "Duration", "p99").unwrap_or_else(|| vec![None; n]),
            average: grid(f, "Duration", "Average").unwrap_or_else(|| vec![None; n]),
        };
        let arrivals: Vec<f64> = m
            .invocations
            .iter()
            .zip(&m.throttles)
            .map(|(a, b)| a + b)
            .collect();
        let times = arrival_times(&arrivals, period as f64, how, seed.wrapping_add(i as u64));
        let mut csv = String::from("timestamp\n");
        for t in &times {
            let _ = writeln!(csv, "{t:.6}");
        }
        let file = format!("{TRACES_DIR}/{f}.csv");
        traces.push((file.clone(), csv));
        let total = |v: &[f64]| v.iter().sum::<f64>();
        let (inv, thr, err) = (total(&m.invocations), total(&m.throttles), total(&m.errors));
        let peak = m
            .concurrency
            .iter()
            .flatten()
            .fold(None, |a: Option<f64>, &x| Some(a.map_or(x, |a| a.max(x))));
        let fit = fit_duration(&m);
        let mut t = Table::new("[[function]]");
        t.notes.push(format!(
            "measured: {inv} invocations, {thr} throttles, {err} errors{}",
            peak.map(|p| format!(", peak concurrency {p}"))
                .unwrap_or_default()
        ));
        t.push(
            "name",
            string(f),
            Some("FunctionName of the metrics".to_string()),
        );
        if err > 0.0 && inv > 0.0 {
            t.push(
                "error-rate",
                float(round6(err / inv)),
                Some(format!("Errors / Invocations: {err} / {inv}")),
            );
        }
        t.push("memory-mb", int(128), Some("TODO placeholder: CloudWatch does not record it; take it from the template (lamsim import sam)".to_string()));
        t.push(
            "timeout",
            string("15m"),
            Some(
                "TODO placeholder: not in CloudWatch; the AWS maximum cuts no measured duration"
                    .to_string(),
            ),
        );
        t.push(
            "measured",
            string("measured.json"),
            Some(
                "CloudWatch's series of this function: a run reports simulated against measured"
                    .to_string(),
            ),
        );
        todos.push(Todo {
            path: format!("function[{i}].timeout"),
            what: format!("timeout of {f}"),
            command: CONFIGURATION_COMMAND.into(),
        });
        todos.push(Todo {
            path: format!("function[{i}].memory-mb"),
            what: format!("memory of {f} (durations were measured at it)"),
            command: CONFIGURATION_COMMAND.into(),
        });
        tables.push(t);
        let mut a = Table::new("[function.arrivals]");
        a.push("kind", string("trace"), None);
        a.push(
            "file",
            string(&file),
            Some(format!(
                "Invocations + Throttles per {period} s, placed by --arrivals {}",
                match how {
                    Arrivals::Poisson => "poisson",
                    Arrivals::Uniform => "uniform",
                    Arrivals::Even => "even",
                }
            )),
        );
        tables.push(a);
        match &fit {
            Some(fit) => {
                let mut d = Table::new("[function.duration]");
                d.notes.push(format!("fit: {}", fit.quality));
                for (k, v) in &fit.keys {
                    d.push(k, v.clone(), None);
                }
                tables.push(d);
            }
            None => {
                warnings.push(Warning {
                    path: f.clone(),
                    message: "no Duration series with a positive value: [function.duration] is a placeholder".into(),
                });
                let mut d = Table::new("[function.duration]");
                d.notes
                    .push("TODO durations: no Duration series was given.".into());
                d.push(
                    "dist",
                    string("lognormal"),
                    Some("TODO placeholder".to_string()),
                );
                d.push(
                    "median",
                    string("100ms"),
                    Some("TODO placeholder".to_string()),
                );
                d.push("p99", string("500ms"), Some("TODO placeholder".to_string()));
                todos.push(Todo {
                    path: format!("function[{i}].duration"),
                    what: format!("durations of {f}"),
                    command:
                        "the Duration p50, p99 and Average series in the export (docs/import.md)"
                            .into(),
                });
                tables.push(d);
            }
        }
        json_fns.push(serde_json::json!({
            "name": f,
            "period_s": period,
            "invocations": inv,
            "throttles": thr,
            "errors": err,
            "concurrency_max": peak,
            "duration_fit": fit.as_ref().map(|f| f.quality.clone()),
            "series": {
                "invocations": m.invocations,
                "throttles": m.throttles,
                "errors": m.errors,
                "concurrency_max": m.concurrency,
                "duration_p50_ms": m.p50,
                "duration_p99_ms": m.p99,
                "duration_average_ms": m.average,
            }
        }));
        functions.push((m, fit));
    }
    let header = vec![
        "Workload imported by `lamsim import cloudwatch`: replays the measured traffic."
            .to_string(),
        "Compare a run with measured.json (concurrency, throttles, errors as CloudWatch saw them)."
            .to_string(),
    ];
    let measured = serde_json::json!({
        "schema_version": 1,
        "start": start,
        "period_s": period,
        "periods": n,
        "functions": json_fns,
    });
    Ok(Output {
        workload: crate::toml_out::render(&header, &tables),
        traces,
        measured_json: serde_json::to_string_pretty(&measured).unwrap_or_default() + "\n",
        functions,
        warnings,
        todos,
    })
}

/// The measurements of an `import cloudwatch` folder, by function, for `import sam
/// --from-cloudwatch`: its `workload.toml` (trace file and duration fit of each function) and
/// `measured.json` (the fit quality). `prefix` is the folder as seen from the workload being
/// written, prepended to the trace paths.
pub fn measured_for_sam(
    workload: &str,
    measured_json: &str,
    prefix: &str,
    label: &str,
) -> Result<BTreeMap<String, crate::sam::Measured>, ImportError> {
    let bad = |m: String| parse_error(label, m);
    let w: toml::Table = workload.parse().map_err(|e: toml::de::Error| {
        bad(format!(
            "not a workload written by import cloudwatch: {}",
            e.message()
        ))
    })?;
    let m: Value =
        serde_json::from_str(measured_json).map_err(|e| bad(format!("measured.json: {e}")))?;
    let fits: BTreeMap<String, String> = m
        .get("functions")
        .and_then(Value::as_array)
        .map(|fs| {
            fs.iter()
                .filter_map(|f| {
                    Some((
                        f.get("name")?.as_str()?.to_string(),
                        f.get("duration_fit")?.as_str()?.to_string(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    let mut out = BTreeMap::new();
    for f in w
        .get("function")
        .and_then(toml::Value::as_array)
        .into_iter()
        .flatten()
    {
        let name = f.get("name").and_then(toml::Value::as_str);
        let file = f
            .get("arrivals")
            .and_then(|a| a.get("file"))
            .and_then(toml::Value::as_str);
        let (Some(name), Some(file)) = (name, file) else {
            return Err(bad("a [[function]] without name or [function.arrivals] file: not written by import cloudwatch".into()));
        };
        let duration: Vec<(String, String)> = f
            .get("duration")
            .and_then(toml::Value::as_table)
            .map(|d| d.iter().map(|(k, v)| (k.clone(), v.to_string())).collect())
            .unwrap_or_default();
        let trace = if prefix.is_empty() {
            file.to_string()
        } else {
            format!("{}/{file}", prefix.trim_end_matches('/'))
        };
        let note = match fits.get(name) {
            Some(q) => format!("measured by CloudWatch; fit: {q}"),
            None => "TODO durations: CloudWatch had no Duration series for this function.".into(),
        };
        out.insert(
            name.to_string(),
            crate::sam::Measured {
                trace,
                duration,
                note,
            },
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_in_every_form_aws_prints() {
        assert_eq!(parse_timestamp("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_timestamp("2026-11-30T10:01:00+00:00"),
            Some(1_796_032_860)
        );
        assert_eq!(
            parse_timestamp("2026-11-30T10:01:00.000Z"),
            Some(1_796_032_860)
        );
        assert_eq!(
            parse_timestamp("2026-11-30T11:01:00+01:00"),
            Some(1_796_032_860)
        );
        assert_eq!(parse_timestamp("yesterday"), None);
    }

    #[test]
    fn labels_name_function_metric_and_statistic() {
        let n = |l: &str| name_of(l, "file");
        assert_eq!(
            n("api Duration p99"),
            Some(("api".into(), "Duration".into(), "p99".into()))
        );
        assert_eq!(
            n("Invocations"),
            Some(("file".into(), "Invocations".into(), "Sum".into()))
        );
        assert_eq!(n("api Bytes"), None);
    }
}
