//! Duration distributions: `[function.duration]`, `[function.init]`, `[function.restore]`
//! (and the `[duration]` / `[init]` tables of calibration files). Holds their keys, their
//! checks, their defaults, and the maths that turns user parameters (`mean` + `cv`,
//! `median` + `p99`) into the parameters the samplers use.

use std::sync::Arc;

use serde::Deserialize;

use crate::config::files;
use crate::config::hints::{choice_hint, key_list, number};
use crate::config::raw::{Duration, Integer, Number, Text};
use crate::config::values::Validator;
use crate::model::{Dist, DurationModel, MAX_MEMORY_MB, MIN_MEMORY_MB};
use crate::time::parse_duration;

/// The standard normal 0.99 quantile: `p99 = exp(mu + Z99 · sigma)` for a lognormal.
pub const Z99: f64 = 2.326_347_874_040_841;

/// Default SnapStart restore duration when `snapstart = true` and `[function.restore]` is
/// missing: a constant 200 ms that does not scale with memory (`cpu-fraction = 0`). AWS
/// documents restores as typically "sub-second"; give `[function.restore]` from your own
/// `Restore Duration` REPORT lines when you have them.
pub const DEFAULT_RESTORE_MS: f64 = 200.0;

/// Default `cpu-fraction` of `[function.duration]`, `[function.init]` and
/// `[function.restore]` when given: all of the duration scales with CPU.
pub const CPU_FRACTION: f64 = 1.0;

/// Default `threads`.
pub const THREADS: u32 = 1;

/// A distribution's `1 − 10⁻⁶` quantile ([`TAIL`]) may be at most the longest time a sample
/// can take, [`crate::dist::SAMPLE_CAP`] (146 years, a quarter of the simulator's `u64`
/// nanosecond clock): beyond it, times are not representable and samples are clipped to the
/// cap (after memory scaling, so `now + sample` never overflows). Below one sample in 10⁶,
/// clipping changes no reported percentile (the highest is p99.9); parameters that overflow
/// (no finite quantile) or clip more often are rejected.
pub fn max_tail_ms() -> f64 {
    crate::dist::SAMPLE_CAP.as_millis_f64()
}

/// The upper tail probability at which [`max_tail_ms`] is checked: one sample in 10⁶.
pub const TAIL: f64 = 1e-6;

/// The gamma's shape `k` (`1 / cv²` for `mean` + `cv`) must lie in this range. Below 0.001,
/// rand_distr draws `u^(1/k)` with `1/k` > 1000, so almost every sample rounds to 0 ns while a
/// rare few are enormous: the runs no longer have the mean the workload states. Above 10¹², the
/// gamma is a constant to within one part in a million (use `dist = "const"`). (Outside about
/// 1e-154..=1e154 for `cv`, `cv²` is 0 or infinite and the gamma does not exist at all.)
pub const GAMMA_SHAPE: (f64, f64) = (1e-3, 1e12);

/// The `dist` values, in the order of the docs.
const DISTS: [&str; 6] = ["const", "exp", "lognormal", "gamma", "weibull", "empirical"];

/// A distribution table as written: the union of the keys of every `dist`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Raw {
    /// `dist = "const" | "exp" | "lognormal" | "gamma" | "weibull" | "empirical"`.
    pub dist: Option<Text>,
    /// const.
    pub value: Option<Duration>,
    /// exp, lognormal, gamma, weibull.
    pub mean: Option<Duration>,
    /// lognormal.
    pub median: Option<Duration>,
    /// lognormal.
    pub p99: Option<Duration>,
    /// lognormal, gamma, weibull: coefficient of variation (sd / mean).
    pub cv: Option<Number>,
    /// gamma, weibull.
    pub shape: Option<Number>,
    /// gamma, weibull (a duration).
    pub scale: Option<Duration>,
    /// empirical.
    pub file: Option<Text>,
    /// Memory at which the distribution was measured.
    pub reference_memory_mb: Option<Integer>,
    /// Share of the duration that scales with CPU.
    pub cpu_fraction: Option<Number>,
    /// Parallelism the code can use.
    pub threads: Option<Integer>,
}

/// The restore model of a SnapStart function without `[function.restore]`.
pub(crate) fn default_restore(memory_mb: u32) -> DurationModel {
    DurationModel {
        dist: Dist::Const {
            value_ms: DEFAULT_RESTORE_MS,
        },
        reference_memory_mb: memory_mb,
        cpu_fraction: 0.0,
        threads: 1,
    }
}

/// Validates a distribution table at `path` for a function of `memory_mb`.
pub(crate) fn check(
    v: &mut Validator,
    path: &str,
    d: &Raw,
    memory_mb: u32,
    default_cpu_fraction: f64,
) -> Option<DurationModel> {
    let at = |k: &str| format!("{path}.{k}");
    let reference = match &d.reference_memory_mb {
        None => Some(memory_mb),
        Some(_) => v.int_range(
            &at("reference-memory-mb"),
            &d.reference_memory_mb,
            MIN_MEMORY_MB,
            MAX_MEMORY_MB,
        ),
    };
    let cpu_fraction = match &d.cpu_fraction {
        None => Some(default_cpu_fraction),
        Some(_) => v.number_where(
            &at("cpu-fraction"),
            &d.cpu_fraction,
            |x| (0.0..=1.0).contains(&x),
            "in 0..=1",
        ),
    };
    let threads = match &d.threads {
        None => Some(THREADS),
        Some(_) => v.int_range(&at("threads"), &d.threads, 1, 1024),
    };
    let present: Vec<&str> = [
        ("value", d.value.is_some()),
        ("mean", d.mean.is_some()),
        ("median", d.median.is_some()),
        ("p99", d.p99.is_some()),
        ("cv", d.cv.is_some()),
        ("shape", d.shape.is_some()),
        ("scale", d.scale.is_some()),
        ("file", d.file.is_some()),
    ]
    .iter()
    .filter(|(_, p)| *p)
    .map(|(n, _)| *n)
    .collect();
    let dist_name = v.tag(&at("dist"), &d.dist, &DISTS);
    let positive = |v: &mut Validator, key: &str, x: &Option<Duration>| -> Option<f64> {
        let ms = dist_ms(v, &at(key), x)?;
        if ms > 0.0 {
            Some(ms)
        } else {
            v.err(&at(key), "must be greater than zero", None);
            None
        }
    };
    let positive_num = |v: &mut Validator, key: &str, x: &Option<Number>| -> Option<f64> {
        v.number_where(&at(key), x, |x| x > 0.0, "greater than zero")
    };
    let dist = match dist_name.as_deref() {
        None => None,
        Some("const") => {
            v.foreign_keys(path, "dist", "const", &present, &["value"]);
            if d.value.is_none() {
                v.missing(&at("value"), "value = \"250ms\"");
            }
            dist_ms(v, &at("value"), &d.value).map(|value_ms| Dist::Const { value_ms })
        }
        Some("exp") => {
            v.foreign_keys(path, "dist", "exp", &present, &["mean"]);
            if d.mean.is_none() {
                v.missing(&at("mean"), "mean = \"100ms\"");
            }
            positive(v, "mean", &d.mean).map(|mean_ms| Dist::Exp { mean_ms })
        }
        Some("lognormal") => {
            v.foreign_keys(
                path,
                "dist",
                "lognormal",
                &present,
                &["median", "p99", "mean", "cv"],
            );
            let ours: Vec<&str> = present
                .iter()
                .copied()
                .filter(|k| ["median", "p99", "mean", "cv"].contains(k))
                .collect();
            match one_key_set(
                v,
                path,
                "dist = \"lognormal\"",
                &ours,
                &[&["median", "p99"], &["mean", "cv"]],
            ) {
                Some(0) => {
                    let median = positive(v, "median", &d.median);
                    let p99 = positive(v, "p99", &d.p99);
                    match (median, p99) {
                        // p99 = median is the lognormal without spread (sigma 0): every
                        // sample is the median, as `dist = "const"` would give.
                        (Some(m), Some(p)) if p >= m => Some(lognormal_from_median_p99(m, p)),
                        (Some(m), Some(p)) => {
                            v.err(
                                &at("p99"),
                                format!("must be >= median ({}ms), found {}ms", m, p),
                                Some(
                                    "p99 is the 99th percentile; it cannot be below the median"
                                        .into(),
                                ),
                            );
                            None
                        }
                        _ => None,
                    }
                }
                Some(_) => {
                    let mean = positive(v, "mean", &d.mean);
                    let cv = positive_num(v, "cv", &d.cv);
                    let (mean, cv) = (mean?, cv?);
                    Some(lognormal_from_mean_cv(mean, cv))
                }
                None => None,
            }
        }
        Some(name @ ("gamma" | "weibull")) => {
            v.foreign_keys(
                path,
                "dist",
                name,
                &present,
                &["mean", "cv", "shape", "scale"],
            );
            let ours: Vec<&str> = present
                .iter()
                .copied()
                .filter(|k| ["mean", "cv", "shape", "scale"].contains(k))
                .collect();
            let label = format!("dist = \"{name}\"");
            match one_key_set(
                v,
                path,
                &label,
                &ours,
                &[&["mean", "cv"], &["shape", "scale"]],
            ) {
                Some(0) => {
                    let mean = positive(v, "mean", &d.mean);
                    let cv = positive_num(v, "cv", &d.cv);
                    let (mean, cv) = (mean?, cv?);
                    if name == "gamma" {
                        let (lo, hi) = GAMMA_SHAPE;
                        let shape = 1.0 / (cv * cv);
                        if (lo..=hi).contains(&shape) {
                            Some(gamma_from_mean_cv(mean, cv))
                        } else {
                            v.err(
                                &at("cv"),
                                format!(
                                    "must be in {}..={} for dist = \"gamma\", found {}",
                                    1.0 / hi.sqrt(),
                                    (1.0 / lo.sqrt() * 10.0).floor() / 10.0,
                                    number(cv)
                                ),
                                Some(gamma_shape_why()),
                            );
                            None
                        }
                    } else {
                        match weibull_from_mean_cv(mean, cv) {
                            Some(w) => Some(w),
                            None => {
                                v.err(
                                    &at("cv"),
                                    format!("no Weibull distribution has cv = {cv}"),
                                    Some("use cv in 0.005..=50, or give shape + scale".into()),
                                );
                                None
                            }
                        }
                    }
                }
                Some(_) => {
                    let shape = positive_num(v, "shape", &d.shape);
                    let scale = positive(v, "scale", &d.scale);
                    let (shape, scale_ms) = (shape?, scale?);
                    let (lo, hi) = GAMMA_SHAPE;
                    if name == "gamma" && !(lo..=hi).contains(&shape) {
                        v.err(
                            &at("shape"),
                            format!(
                                "must be in {lo}..={hi:e} for dist = \"gamma\", found {}",
                                number(shape)
                            ),
                            Some(gamma_shape_why()),
                        );
                        return None;
                    }
                    Some(if name == "gamma" {
                        Dist::Gamma { shape, scale_ms }
                    } else {
                        Dist::Weibull { shape, scale_ms }
                    })
                }
                None => None,
            }
        }
        Some("empirical") => {
            v.foreign_keys(path, "dist", "empirical", &present, &["file"]);
            match v.text(&at("file"), &d.file) {
                None => {
                    if d.file.is_none() {
                        v.missing(&at("file"), "file = \"durations.txt\"");
                    }
                    None
                }
                Some(file) => empirical(v, &at("file"), &file),
            }
        }
        Some(other) => {
            let hint = match other
                .to_ascii_lowercase()
                .replace(['-', '_', ' '], "")
                .as_str()
            {
                "lognormal" | "lognorm" => "did you mean `lognormal`?".to_string(),
                "constant" | "fixed" => "did you mean `const`?".to_string(),
                "exponential" => "did you mean `exp`?".to_string(),
                _ => choice_hint(other, &DISTS),
            };
            v.err(
                &at("dist"),
                format!("unknown distribution \"{other}\""),
                Some(hint),
            );
            None
        }
    };
    let dist = dist.filter(|d| tail_in_range(v, path, d));
    Some(DurationModel {
        dist: dist?,
        reference_memory_mb: reference?,
        cpu_fraction: cpu_fraction?,
        threads: threads?,
    })
}

fn gamma_shape_why() -> String {
    "the gamma's shape (1/cv²) must be in 0.001..=1e12: below, almost every sample rounds to \
     0 ns while a few are enormous; above, it is a constant (use dist = \"const\")"
        .to_string()
}

/// The `1 − TAIL` quantile of `dist`, ms (for the gamma, an upper bound): non-finite when the
/// parameters overflowed.
pub fn tail_ms(dist: &Dist) -> f64 {
    // ln(1/TAIL), and the standard normal quantile at 1 − TAIL.
    let t = (1.0 / TAIL).ln();
    const Z: f64 = 4.753_424_308_822_899;
    match dist {
        Dist::Const { value_ms } => *value_ms,
        Dist::Exp { mean_ms } => mean_ms * t,
        Dist::LogNormal { mu, sigma } => (mu + sigma * Z).exp(),
        // Sub-gamma tail: P(X > θ(k + √(2kt) + t)) ≤ e^(−t) (Boucheron, Lugosi & Massart,
        // Concentration Inequalities, §2.4).
        Dist::Gamma { shape, scale_ms } => scale_ms * (shape + (2.0 * shape * t).sqrt() + t),
        Dist::Weibull { shape, scale_ms } => scale_ms * t.powf(1.0 / shape),
        Dist::Empirical { samples_ms, .. } => samples_ms.iter().copied().fold(0.0, f64::max),
        Dist::Percentiles { points } => points.last().map_or(0.0, |p| p.1),
    }
}

/// Reports (at `path`, or `path.file` for samples) a distribution whose `1 − 10⁻⁶` quantile is
/// not a finite time within [`max_tail_ms`].
fn tail_in_range(v: &mut Validator, path: &str, dist: &Dist) -> bool {
    let q = tail_ms(dist);
    let max = max_tail_ms();
    if q.is_finite() && q <= max {
        return true;
    }
    let (at, what) = match dist {
        Dist::Empirical { .. } => (format!("{path}.file"), "the longest sample".to_string()),
        _ => (
            path.to_string(),
            "one sample in a million (the 1 − 10⁻⁶ quantile)".to_string(),
        ),
    };
    let year_ms = 365.25 * 86_400_000.0;
    let found = if q.is_finite() {
        format!("{:.3e} years", q / year_ms)
    } else {
        "no finite time (the parameters overflow)".to_string()
    };
    v.err(
        &at,
        format!(
            "{what} must be at most {:.0} years, found {found}",
            (max / year_ms).floor()
        ),
        Some(
            "longer times do not fit the simulator's clock (u64 nanoseconds); check the units \
             and the spread (cv, p99, shape)"
                .into(),
        ),
    );
    false
}

/// Checks that the distribution's parameters are exactly one of `sets`; reports otherwise.
fn one_key_set(
    v: &mut Validator,
    path: &str,
    dist: &str,
    present: &[&str],
    sets: &[&[&str]],
) -> Option<usize> {
    for (i, set) in sets.iter().enumerate() {
        if set.len() == present.len() && set.iter().all(|k| present.contains(k)) {
            return Some(i);
        }
    }
    let alternatives = sets
        .iter()
        .map(|s| {
            s.iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(" + ")
        })
        .collect::<Vec<_>>()
        .join(", or ");
    let found = if present.is_empty() {
        "none".to_string()
    } else {
        key_list(present)
    };
    v.err(
        path,
        format!("{dist} needs {alternatives} (found {found})"),
        Some("give exactly one of those key sets".into()),
    );
    None
}

/// A duration parameter of a distribution, in ms (exact float; see [`precise_ms`]).
fn dist_ms(v: &mut Validator, path: &str, x: &Option<Duration>) -> Option<f64> {
    let text = v.duration_text(path, x)?;
    if let Err(e) = parse_duration(&text) {
        v.err(path, e.0, None);
        return None;
    }
    precise_ms(&text)
}

/// Reads the samples of `dist = "empirical"` (`file`, relative to the workload's folder).
fn empirical(v: &mut Validator, path: &str, file: &str) -> Option<Dist> {
    let (full, text) = v.read_file(path, file)?;
    let (samples, bad) = files::parse_samples(&text, file);
    v.report_rows(path, bad);
    if samples.is_empty() {
        v.err(
            path,
            format!("\"{file}\" holds no samples"),
            Some("write one duration in ms per line".into()),
        );
        return None;
    }
    Some(Dist::Empirical {
        path: full,
        samples_ms: Arc::new(samples),
    })
}

/// Milliseconds of a duration string, computed from its text as a float (no rounding to
/// nanoseconds), so distribution parameters survive a write/read round trip exactly.
fn precise_ms(text: &str) -> Option<f64> {
    let t = text.trim();
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+'))?;
    let (num, unit) = t.split_at(split);
    let value: f64 = num.parse().ok()?;
    let scale = match unit.trim() {
        "us" => 1e-3,
        "ms" => 1.0,
        "s" => 1e3,
        "m" => 6e4,
        "h" => 3.6e6,
        "d" => 8.64e7,
        _ => return None,
    };
    Some(value * scale)
}

/// The lognormal with median `m` and 99th percentile `p` (ms, `p > m`).
pub fn lognormal_from_median_p99(m: f64, p: f64) -> Dist {
    Dist::LogNormal {
        mu: m.ln(),
        sigma: (p.ln() - m.ln()) / Z99,
    }
}

/// The lognormal with mean `mean` (ms) and coefficient of variation `cv`.
pub fn lognormal_from_mean_cv(mean: f64, cv: f64) -> Dist {
    let s2 = (1.0 + cv * cv).ln();
    Dist::LogNormal {
        mu: mean.ln() - s2 / 2.0,
        sigma: s2.sqrt(),
    }
}

/// The gamma with mean `mean` (ms) and coefficient of variation `cv`: shape `1/cv²`, scale
/// `mean · cv²`.
pub fn gamma_from_mean_cv(mean: f64, cv: f64) -> Dist {
    Dist::Gamma {
        shape: 1.0 / (cv * cv),
        scale_ms: mean * cv * cv,
    }
}

/// The Weibull with mean `mean` (ms) and coefficient of variation `cv`; `None` when no Weibull
/// has that cv (see [`weibull_shape_for_cv`]).
pub fn weibull_from_mean_cv(mean: f64, cv: f64) -> Option<Dist> {
    let k = weibull_shape_for_cv(cv)?;
    Some(Dist::Weibull {
        shape: k,
        scale_ms: mean / statrs::function::gamma::gamma(1.0 + 1.0 / k),
    })
}

/// Solves `cv² = Γ(1+2/k)/Γ(1+1/k)² − 1` for the Weibull shape `k` (bisection on ln k; the
/// right side decreases in k). `None` outside cv in about 0.005..=50.
pub fn weibull_shape_for_cv(cv: f64) -> Option<f64> {
    use statrs::function::gamma::ln_gamma;
    let target = (1.0 + cv * cv).ln();
    let g = |k: f64| ln_gamma(1.0 + 2.0 / k) - 2.0 * ln_gamma(1.0 + 1.0 / k) - target;
    let (mut lo, mut hi) = (0.1f64.ln(), 300f64.ln());
    if g(lo.exp()) < 0.0 || g(hi.exp()) > 0.0 {
        return None;
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if g(mid.exp()) > 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some((0.5 * (lo + hi)).exp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weibull_shape_one_is_exponential() {
        // k = 1 is the exponential distribution, whose cv is 1.
        assert!((weibull_shape_for_cv(1.0).unwrap() - 1.0).abs() < 1e-9);
        // k = 2 (Rayleigh): cv = sqrt(4/π − 1) = 0.522723...
        let cv = (4.0 / std::f64::consts::PI - 1.0).sqrt();
        assert!((weibull_shape_for_cv(cv).unwrap() - 2.0).abs() < 1e-9);
    }

    #[test]
    fn precise_ms_keeps_floats_exact() {
        assert_eq!(precise_ms("120ms"), Some(120.0));
        assert_eq!(precise_ms("2.5s"), Some(2500.0));
        assert_eq!(precise_ms("250us"), Some(0.25));
        let x = 84.42_f64.exp().ln();
        assert_eq!(precise_ms(&format!("{x}ms")), Some(x));
    }
}
