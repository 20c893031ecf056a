//! `kind = "on-off"`: a two-phase Markov-modulated Poisson process (bursty traffic).

use serde::Deserialize;

use super::{ArrivalKind, Context, rate};
use crate::config::raw::{Duration, Number};
use crate::config::resolved::{d, f};
use crate::config::values::Validator;
use crate::model::ArrivalProcess;

/// `kind = "on-off"`.
pub struct OnOff;

/// The keys of `kind = "on-off"` (all required).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Raw {
    /// `on-rate-per-s = 50.0`: rate during on phases, > 0.
    pub on_rate_per_s: Option<Number>,
    /// `off-rate-per-s = 0.0`: rate during off phases, ≥ 0.
    pub off_rate_per_s: Option<Number>,
    /// `on-mean = "30s"`: mean length of an on phase (exponential), > 0.
    pub on_mean: Option<Duration>,
    /// `off-mean = "2m"`: mean length of an off phase (exponential), > 0.
    pub off_mean: Option<Duration>,
}

impl ArrivalKind for OnOff {
    const NAME: &'static str = "on-off";
    const ALIASES: &'static [&'static str] = &["onoff", "bursty", "mmpp"];
    type Raw = Raw;

    fn check(v: &mut Validator, path: &str, a: &Raw, _: &Context) -> Option<ArrivalProcess> {
        let on = rate(v, path, "on-rate-per-s", &a.on_rate_per_s, true);
        let off = rate(v, path, "off-rate-per-s", &a.off_rate_per_s, false);
        let phase = |v: &mut Validator, key: &str, x: &Option<Duration>| {
            let at = format!("{path}.{key}");
            if x.is_none() {
                v.missing(&at, &format!("{key} = \"30s\""));
                None
            } else {
                v.positive_duration(&at, x)
            }
        };
        let on_mean = phase(v, "on-mean", &a.on_mean);
        let off_mean = phase(v, "off-mean", &a.off_mean);
        Some(ArrivalProcess::OnOff {
            on_rate_per_s: on?,
            off_rate_per_s: off?,
            on_mean: on_mean?,
            off_mean: off_mean?,
        })
    }

    fn resolved(process: &ArrivalProcess) -> Option<String> {
        match process {
            ArrivalProcess::OnOff {
                on_rate_per_s,
                off_rate_per_s,
                on_mean,
                off_mean,
            } => Some(format!(
                "on-rate-per-s = {}\noff-rate-per-s = {}\non-mean = {}\noff-mean = {}\n",
                f(*on_rate_per_s),
                f(*off_rate_per_s),
                d(*on_mean),
                d(*off_mean)
            )),
            _ => None,
        }
    }
}
