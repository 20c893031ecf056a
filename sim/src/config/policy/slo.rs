//! `[slo]` and `[function.slo]`: service-level objectives (the same keys).

use serde::Deserialize;

use crate::config::raw::{Duration, Number};
use crate::config::values::Validator;
use crate::model::Slo;

/// `[slo]` (or `[function.slo]`) as written.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Raw {
    /// `p99 = "300ms"`.
    pub p99: Option<Duration>,
    /// `cold-start-ratio = 0.01`.
    pub cold_start_ratio: Option<Number>,
    /// `throttle-ratio = 0.001`.
    pub throttle_ratio: Option<Number>,
    /// `monthly-cost-usd = 500.0`.
    pub monthly_cost_usd: Option<Number>,
}

/// Checks the objectives of the table at `path` (`slo`, or `function[i].slo`).
pub(crate) fn check(v: &mut Validator, path: &str, raw: &Raw) -> Slo {
    let p99 = v.positive_duration(&format!("{path}.p99"), &raw.p99);
    let ratio = |v: &mut Validator, key: &str, x: &Option<Number>| {
        v.number_where(
            &format!("{path}.{key}"),
            x,
            |x| (0.0..=1.0).contains(&x),
            "in 0..=1",
        )
    };
    let cold = ratio(v, "cold-start-ratio", &raw.cold_start_ratio);
    let throttle = ratio(v, "throttle-ratio", &raw.throttle_ratio);
    let cost = v.number_where(
        &format!("{path}.monthly-cost-usd"),
        &raw.monthly_cost_usd,
        |x| x >= 0.0,
        "zero or positive",
    );
    Slo {
        p99,
        cold_start_ratio: cold,
        throttle_ratio: throttle,
        monthly_cost_usd: cost,
    }
}
