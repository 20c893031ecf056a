//! `kind = "constant"`: evenly spaced arrivals, at `rate-per-s` or exactly `count` of them.

use serde::Deserialize;

use super::{ArrivalKind, Context, rate};
use crate::config::raw::{Integer, Number};
use crate::config::resolved::f;
use crate::config::values::Validator;
use crate::model::{ArrivalProcess, ConstantSpacing};

/// `kind = "constant"`.
pub struct Constant;

/// The keys of `kind = "constant"` (one of them).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Raw {
    /// `rate-per-s = 10.0`: one arrival every `1 / rate` seconds, > 0.
    pub rate_per_s: Option<Number>,
    /// `count = 1000`: exactly this many arrivals, spread evenly, ≥ 1.
    pub count: Option<Integer>,
}

impl ArrivalKind for Constant {
    const NAME: &'static str = "constant";
    type Raw = Raw;

    fn check(v: &mut Validator, path: &str, a: &Raw, _: &Context) -> Option<ArrivalProcess> {
        match (&a.rate_per_s, &a.count) {
            (Some(_), None) => rate(v, path, "rate-per-s", &a.rate_per_s, true)
                .map(|r| ArrivalProcess::Constant(ConstantSpacing::Rate(r))),
            (None, Some(_)) => {
                let at = format!("{path}.count");
                let c = v.integer(&at, &a.count)?;
                if c < 1 {
                    v.err(&at, format!("must be at least 1, found {c}"), None);
                    None
                } else {
                    Some(ArrivalProcess::Constant(ConstantSpacing::Count(c as u64)))
                }
            }
            (Some(_), Some(_)) => {
                v.err(
                    path,
                    "kind = \"constant\" takes `rate-per-s` or `count`, not both",
                    None,
                );
                None
            }
            (None, None) => {
                v.err(
                    path,
                    "kind = \"constant\" needs `rate-per-s` or `count`",
                    Some("add e.g. rate-per-s = 10.0".into()),
                );
                None
            }
        }
    }

    fn resolved(process: &ArrivalProcess) -> Option<String> {
        match process {
            ArrivalProcess::Constant(ConstantSpacing::Rate(r)) => {
                Some(format!("rate-per-s = {}\n", f(*r)))
            }
            ArrivalProcess::Constant(ConstantSpacing::Count(n)) => Some(format!("count = {n}\n")),
            _ => None,
        }
    }
}
