//! `[function.keep-alive]`: how long idle execution environments are kept.

use serde::Deserialize;

use crate::config::hints::choice_hint;
use crate::config::raw::{Duration, Text};
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
    /// `kind = "fixed" | "uniform"`.
    pub kind: Option<Text>,
    /// fixed.
    pub idle: Option<Duration>,
    /// uniform.
    pub min: Option<Duration>,
    /// uniform.
    pub max: Option<Duration>,
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
        Some(other) => {
            v.err(
                &format!("{path}.kind"),
                format!("unknown keep-alive kind \"{other}\""),
                Some(choice_hint(other, &["fixed", "uniform"])),
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
