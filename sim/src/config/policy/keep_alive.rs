//! `[function.keep-alive]`: how long idle execution environments are kept.

use serde::Deserialize;

use std::sync::Arc;

use crate::config::hints::{choice_hint, describe};
use crate::config::raw::{Duration, Lenient, Text};
use crate::config::resolved::d;
use crate::config::values::Validator;
use crate::model::{KeepAlive, KeepAlivePolicy};
use crate::time::{NS_PER_MIN, SimTime};

/// Default `[function.keep-alive] idle` (AWS reclaims idle environments after several minutes;
/// the pacslab measurements behind SimFaaS found about 10 minutes).
pub const IDLE: SimTime = SimTime(10 * NS_PER_MIN);

/// `[function.keep-alive]` as written.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Raw {
    /// `kind = "fixed" | "uniform" | "curve"`.
    pub kind: Option<Text>,
    /// fixed.
    pub idle: Option<Duration>,
    /// uniform.
    pub min: Option<Duration>,
    /// uniform.
    pub max: Option<Duration>,
    /// curve: `[[idle, probability], …]`.
    pub points: Option<Lenient<Vec<toml::Value>>>,
    /// any kind.
    pub max_lifetime: Option<Duration>,
}

pub(crate) fn check(v: &mut Validator, path: &str, raw: Option<&Raw>) -> Option<KeepAlive> {
    let Some(k) = raw else {
        return Some(KeepAlive {
            policy: KeepAlivePolicy::Fixed { idle: IDLE },
            max_lifetime: None,
        });
    };
    let kind = match &k.kind {
        None => Some("fixed".to_string()),
        Some(_) => v.text(&format!("{path}.kind"), &k.kind),
    };
    let max_lifetime = v.positive_duration(&format!("{path}.max-lifetime"), &k.max_lifetime);
    let ml_ok = k.max_lifetime.is_none() || max_lifetime.is_some();
    let present: Vec<&str> = [
        ("idle", k.idle.is_some()),
        ("min", k.min.is_some()),
        ("max", k.max.is_some()),
        ("points", k.points.is_some()),
    ]
    .iter()
    .filter(|(_, p)| *p)
    .map(|(n, _)| *n)
    .collect();
    let policy = match kind.as_deref() {
        Some("fixed") => {
            v.foreign_keys(path, "kind", "fixed", &present, &["idle"]);
            match &k.idle {
                None => Some(KeepAlivePolicy::Fixed { idle: IDLE }),
                Some(_) => v
                    .positive_duration(&format!("{path}.idle"), &k.idle)
                    .map(|idle| KeepAlivePolicy::Fixed { idle }),
            }
        }
        Some("uniform") => {
            v.foreign_keys(path, "kind", "uniform", &present, &["min", "max"]);
            if k.min.is_none() {
                v.missing(&format!("{path}.min"), "min = \"5m\"");
            }
            if k.max.is_none() {
                v.missing(&format!("{path}.max"), "max = \"15m\"");
            }
            let min = v.duration(&format!("{path}.min"), &k.min);
            let max = v.positive_duration(&format!("{path}.max"), &k.max);
            match (min, max) {
                (Some(min), Some(max)) if min <= max => Some(KeepAlivePolicy::Uniform { min, max }),
                (Some(min), Some(max)) => {
                    v.err(
                        &format!("{path}.max"),
                        format!("must be >= min ({min}), found {max}"),
                        None,
                    );
                    None
                }
                _ => None,
            }
        }
        Some("curve") => {
            v.foreign_keys(path, "kind", "curve", &present, &["points"]);
            match &k.points {
                None => {
                    v.missing(
                        &format!("{path}.points"),
                        "points = [[\"10m\", 0.0], [\"12m\", 1.0]]",
                    );
                    None
                }
                Some(p) => curve(v, &format!("{path}.points"), p),
            }
        }
        Some(other) => {
            v.err(
                &format!("{path}.kind"),
                format!("unknown keep-alive kind \"{other}\""),
                Some(choice_hint(other, &["fixed", "uniform", "curve"])),
            );
            None
        }
        None => None,
    };
    if !ml_ok {
        return None;
    }
    Some(KeepAlive {
        policy: policy?,
        max_lifetime,
    })
}

/// `points` of a curve keep-alive: at least two `[idle, probability]` pairs, idle times and
/// probabilities non-decreasing, probabilities in `[0, 1]`, the first 0 and the last 1.
fn curve(
    v: &mut Validator,
    path: &str,
    points: &Lenient<Vec<toml::Value>>,
) -> Option<KeepAlivePolicy> {
    const EXAMPLE: &str = "points = [[\"10m\", 0.0], [\"11m\", 0.8], [\"20m\", 1.0]]";
    let list = match points {
        Lenient::Ok(l) => l,
        Lenient::Bad(b) => {
            v.err(
                path,
                format!(
                    "expected an array of [idle, probability] pairs, found {}",
                    describe(b)
                ),
                Some(EXAMPLE.to_string()),
            );
            return None;
        }
    };
    if list.len() < 2 {
        v.err(
            path,
            format!("needs at least two points, found {}", list.len()),
            Some(EXAMPLE.to_string()),
        );
        return None;
    }
    let mut out: Vec<(SimTime, f64)> = Vec::with_capacity(list.len());
    let mut ok = true;
    for (i, item) in list.iter().enumerate() {
        let p = format!("{path}[{i}]");
        let pair = match item {
            toml::Value::Array(a) if a.len() == 2 => a,
            other => {
                v.err(
                    &p,
                    format!(
                        "expected a pair [idle, probability], found {}",
                        describe(other)
                    ),
                    Some("[\"11m\", 0.8]".to_string()),
                );
                ok = false;
                continue;
            }
        };
        let idle = match &pair[0] {
            toml::Value::String(t) => v.duration(&format!("{p}[0]"), &Some(Lenient::Ok(t.clone()))),
            other => v.duration(&format!("{p}[0]"), &Some(Lenient::Bad(other.clone()))),
        };
        let prob = match &pair[1] {
            toml::Value::Float(x) => Some(Lenient::Ok(*x)),
            toml::Value::Integer(n) => Some(Lenient::Ok(*n as f64)),
            other => Some(Lenient::Bad(other.clone())),
        };
        let prob = v.number_where(
            &format!("{p}[1]"),
            &prob,
            |x| (0.0..=1.0).contains(&x),
            "a probability in [0, 1]",
        );
        match (idle, prob) {
            (Some(t), Some(x)) => {
                if let Some(&(t0, x0)) = out.last() {
                    if t < t0 {
                        v.err(
                            &format!("{p}[0]"),
                            format!("idle times must not decrease: {t} after {t0}"),
                            None,
                        );
                        ok = false;
                    }
                    if x < x0 {
                        v.err(
                            &format!("{p}[1]"),
                            format!("probabilities must not decrease: {x} after {x0}"),
                            None,
                        );
                        ok = false;
                    }
                }
                out.push((t, x));
            }
            _ => ok = false,
        }
    }
    if !ok || out.len() != list.len() {
        return None;
    }
    if out[0].1 != 0.0 {
        v.err(
            &format!("{path}[0][1]"),
            format!(
                "the first point gives the shortest keep-alive: its probability must be 0, found {}",
                out[0].1
            ),
            Some(format!("start with [{}, 0.0]", d(out[0].0))),
        );
        return None;
    }
    let last = out.len() - 1;
    if out[last].1 != 1.0 {
        v.err(
            &format!("{path}[{last}][1]"),
            format!(
                "the last point gives the longest keep-alive: its probability must be 1, found {}",
                out[last].1
            ),
            Some(format!("end with [{}, 1.0]", d(out[last].0))),
        );
        return None;
    }
    if out[last].0 == SimTime::ZERO {
        v.err(
            &format!("{path}[{last}][0]"),
            "must be greater than zero",
            None,
        );
        return None;
    }
    Some(KeepAlivePolicy::Curve {
        points: Arc::from(out),
    })
}
