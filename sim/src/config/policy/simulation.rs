//! `[simulation]`: the simulated window, the seed and the replicates.

use serde::Deserialize;

use crate::config::Purpose;
use crate::config::hints::describe;
use crate::config::raw::{Duration, Integer, Lenient, Text};
use crate::config::values::Validator;
use crate::model::Simulation;
use crate::schedule;
use crate::time::SimTime;

/// Default `[simulation] seed`.
pub const SEED: u64 = 1;
/// Default `[simulation] replicates`.
pub const REPLICATES: u32 = 1;
/// The window that stands in for a missing `[simulation] duration` when the workload is read
/// for `serve` or `bench` ([`Purpose::Harness`]), which simulate nothing: one hour.
pub const HARNESS_WINDOW: SimTime = SimTime(3_600 * crate::time::NS_PER_S);

/// `[simulation]` as written.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Raw {
    /// `duration = "1h"`.
    pub duration: Option<Duration>,
    /// `warmup = "5m"`.
    pub warmup: Option<Duration>,
    /// `seed = 42` (a string of digits is also accepted, for seeds above 2^63 - 1).
    pub seed: Option<Lenient<SeedValue>>,
    /// `replicates = 10`.
    pub replicates: Option<Integer>,
    /// `start-at = "2026-01-01T00:00:00Z"`: the wall clock (RFC 3339, UTC, whole seconds) of
    /// simulated time 0, which schedule expressions are read against (default
    /// [`crate::schedule::START_AT`], that value).
    pub start_at: Option<Text>,
}

/// A seed: a TOML integer, or a string of decimal digits for values TOML integers cannot hold.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum SeedValue {
    /// `seed = 42`.
    Int(i64),
    /// `seed = "18446744073709551615"`.
    Digits(String),
}

pub(crate) fn check(v: &mut Validator, raw: Option<&Raw>) -> Option<Simulation> {
    let harness = v.purpose == Purpose::Harness;
    let none = Raw::default();
    let raw = match raw {
        Some(r) => r,
        None if harness => &none,
        None => {
            v.missing("simulation.duration", "[simulation] duration = \"1h\"");
            return None;
        }
    };
    let duration = match &raw.duration {
        // `serve` and `bench` simulate nothing: any window will do.
        None if harness => Some(HARNESS_WINDOW),
        None => {
            v.missing("simulation.duration", "duration = \"1h\"");
            None
        }
        Some(_) => v.positive_duration("simulation.duration", &raw.duration),
    };
    let warmup = v.duration("simulation.warmup", &raw.warmup);
    if let (Some(d), Some(w)) = (duration, warmup)
        && w >= d
    {
        v.err(
            "simulation.warmup",
            format!("must be shorter than simulation.duration ({d}), found {w}"),
            None,
        );
    }
    let seed = match &raw.seed {
        None => Some(SEED),
        Some(Lenient::Ok(SeedValue::Int(i))) if *i >= 0 => Some(*i as u64),
        Some(Lenient::Ok(SeedValue::Digits(s))) if s.parse::<u64>().is_ok() => s.parse().ok(),
        Some(other) => {
            let found = match other {
                Lenient::Ok(SeedValue::Int(i)) => i.to_string(),
                Lenient::Ok(SeedValue::Digits(s)) => format!("\"{s}\""),
                Lenient::Bad(b) => describe(b),
            };
            v.err(
                "simulation.seed",
                format!("must be a non-negative integer, found {found}"),
                None,
            );
            None
        }
    };
    let replicates = match &raw.replicates {
        None => Some(REPLICATES),
        Some(_) => v.int_range("simulation.replicates", &raw.replicates, 1, u32::MAX),
    };
    let start_at = start_at(v, &raw.start_at);
    Some(Simulation {
        duration: duration?,
        warmup: warmup.unwrap_or(SimTime::ZERO),
        seed: seed?,
        replicates: replicates?,
        start_at: start_at?,
    })
}

/// `start-at`: RFC 3339 in UTC, whole seconds; default [`schedule::START_AT`].
fn start_at(v: &mut Validator, raw: &Option<Text>) -> Option<i64> {
    const PATH: &str = "simulation.start-at";
    if raw.is_none() {
        return Some(schedule::START_AT);
    }
    let text = v.text(PATH, raw)?;
    match schedule::parse_utc(&text) {
        Ok(t) => Some(t),
        Err(e) => {
            v.err(
                PATH,
                e,
                Some("write the wall-clock time of simulated time 0 in UTC, e.g. start-at = \"2026-01-01T00:00:00Z\"".into()),
            );
            None
        }
    }
}
