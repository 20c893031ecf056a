//! `kind = "diurnal"`: a periodic rate, either a sine (`mean-rate-per-s`, `amplitude`,
//! `period`, `peak-at`) or 24 hourly rates (`hourly-rates-per-s`).

use serde::Deserialize;

use super::{ArrivalKind, Context};
use crate::config::hints::describe;
use crate::config::raw::{Duration, Lenient, Number};
use crate::config::resolved::{d, f};
use crate::config::values::Validator;
use crate::model::{ArrivalProcess, DiurnalProfile};
use crate::time::SimTime;

/// Default `period` of the sine profile.
pub const PERIOD: SimTime = SimTime::from_secs(24 * 3600);

/// `kind = "diurnal"`.
pub struct Diurnal;

/// The keys of `kind = "diurnal"`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Raw {
    /// `mean-rate-per-s = 20.0`: mean of the sine, > 0.
    pub mean_rate_per_s: Option<Number>,
    /// `amplitude = 0.8`: relative amplitude of the sine, 0..=1.
    pub amplitude: Option<Number>,
    /// `period = "24h"` (default [`PERIOD`]).
    pub period: Option<Duration>,
    /// `peak-at = "14h"` (default: half the period).
    pub peak_at: Option<Duration>,
    /// `hourly-rates-per-s = [24 numbers]`, instead of the sine keys.
    pub hourly_rates_per_s: Option<Lenient<Vec<Number>>>,
}

impl ArrivalKind for Diurnal {
    const NAME: &'static str = "diurnal";
    const ALIASES: &'static [&'static str] = &["periodic", "sine", "daily"];
    type Raw = Raw;

    fn check(v: &mut Validator, path: &str, a: &Raw, _: &Context) -> Option<ArrivalProcess> {
        let at = |k: &str| format!("{path}.{k}");
        if let Some(h) = &a.hourly_rates_per_s {
            return hourly(v, path, a, h);
        }
        if a.mean_rate_per_s.is_none() {
            v.err(
                path,
                "kind = \"diurnal\" needs `mean-rate-per-s` + `amplitude` (optional `period`, `peak-at`), or `hourly-rates-per-s`",
                Some("add e.g. mean-rate-per-s = 20.0, amplitude = 0.8".into()),
            );
        }
        if a.amplitude.is_none() && a.mean_rate_per_s.is_some() {
            v.missing(&at("amplitude"), "amplitude = 0.5");
        }
        let mean = v.number_where(
            &at("mean-rate-per-s"),
            &a.mean_rate_per_s,
            |x| x > 0.0,
            "greater than zero",
        );
        let amplitude = v.number_where(
            &at("amplitude"),
            &a.amplitude,
            |x| (0.0..=1.0).contains(&x),
            "in 0..=1",
        );
        let period = match &a.period {
            None => Some(PERIOD),
            Some(_) => v.positive_duration(&at("period"), &a.period),
        };
        let peak_at = match (&a.peak_at, period) {
            (None, Some(p)) => Some(SimTime(p.0 / 2)),
            (None, None) => None,
            (Some(_), period) => match (v.duration(&at("peak-at"), &a.peak_at), period) {
                (Some(pk), Some(p)) if pk >= p => {
                    v.err(
                        &at("peak-at"),
                        format!("must be within the period ({p}), found {pk}"),
                        None,
                    );
                    None
                }
                (pk, _) => pk,
            },
        };
        Some(ArrivalProcess::Diurnal(DiurnalProfile::Sine {
            mean_rate_per_s: mean?,
            amplitude: amplitude?,
            period: period?,
            peak_at: peak_at?,
        }))
    }

    fn resolved(process: &ArrivalProcess) -> Option<String> {
        match process {
            ArrivalProcess::Diurnal(DiurnalProfile::Sine {
                mean_rate_per_s,
                amplitude,
                period,
                peak_at,
            }) => Some(format!(
                "mean-rate-per-s = {}\namplitude = {}\nperiod = {}\npeak-at = {}\n",
                f(*mean_rate_per_s),
                f(*amplitude),
                d(*period),
                d(*peak_at)
            )),
            ArrivalProcess::Diurnal(DiurnalProfile::Hourly { rates_per_s }) => {
                let list: Vec<String> = rates_per_s.iter().map(|r| f(*r)).collect();
                Some(format!("hourly-rates-per-s = [{}]\n", list.join(", ")))
            }
            _ => None,
        }
    }
}

/// `hourly-rates-per-s`: 24 rates ≥ 0, not all zero, and none of the sine keys.
fn hourly(
    v: &mut Validator,
    path: &str,
    a: &Raw,
    h: &Lenient<Vec<Number>>,
) -> Option<ArrivalProcess> {
    let sine: Vec<&str> = [
        ("mean-rate-per-s", a.mean_rate_per_s.is_some()),
        ("amplitude", a.amplitude.is_some()),
        ("period", a.period.is_some()),
        ("peak-at", a.peak_at.is_some()),
    ]
    .into_iter()
    .filter(|(_, present)| *present)
    .map(|(k, _)| k)
    .collect();
    if !sine.is_empty() {
        v.err(
            path,
            format!(
                "give either `hourly-rates-per-s` or the sine keys, not both (found {})",
                sine.join(", ")
            ),
            None,
        );
        return None;
    }
    let p = format!("{path}.hourly-rates-per-s");
    let list = match h {
        Lenient::Ok(l) => l,
        Lenient::Bad(b) => {
            v.err(
                &p,
                format!("expected an array of 24 numbers, found {}", describe(b)),
                None,
            );
            return None;
        }
    };
    if list.len() != 24 {
        v.err(
            &p,
            format!("must hold 24 numbers (one per hour), found {}", list.len()),
            None,
        );
        return None;
    }
    let mut rates = [0.0; 24];
    let mut ok = true;
    for (k, x) in list.iter().enumerate() {
        match v.number_where(
            &format!("{p}[{k}]"),
            &Some(x.clone()),
            |x| x >= 0.0,
            "zero or positive",
        ) {
            Some(r) => rates[k] = r,
            None => ok = false,
        }
    }
    if ok && rates.iter().all(|&r| r == 0.0) {
        v.err(&p, "all 24 rates are zero: no arrivals", None);
        ok = false;
    }
    ok.then_some(ArrivalProcess::Diurnal(DiurnalProfile::Hourly {
        rates_per_s: rates,
    }))
}
