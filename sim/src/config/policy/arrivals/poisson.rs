//! `kind = "poisson"`: exponential gaps at `rate-per-s`.

use serde::Deserialize;

use super::{ArrivalKind, Context, rate};
use crate::config::raw::Number;
use crate::config::resolved::f;
use crate::config::values::Validator;
use crate::model::ArrivalProcess;

/// `kind = "poisson"`.
pub struct Poisson;

/// The keys of `kind = "poisson"`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Raw {
    /// `rate-per-s = 10.0`: mean arrivals per second, > 0.
    pub rate_per_s: Option<Number>,
}

impl ArrivalKind for Poisson {
    const NAME: &'static str = "poisson";
    type Raw = Raw;

    fn check(v: &mut Validator, path: &str, raw: &Raw, _: &Context) -> Option<ArrivalProcess> {
        rate(v, path, "rate-per-s", &raw.rate_per_s, true)
            .map(|rate_per_s| ArrivalProcess::Poisson { rate_per_s })
    }

    fn resolved(process: &ArrivalProcess) -> Option<String> {
        match process {
            ArrivalProcess::Poisson { rate_per_s } => {
                Some(format!("rate-per-s = {}\n", f(*rate_per_s)))
            }
            _ => None,
        }
    }
}
