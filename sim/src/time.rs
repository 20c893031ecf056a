//! Simulated time: integer nanoseconds, and the duration strings of workload files.
//!
//! ```
//! use lamsim_sim::time::{parse_duration, format_duration, SimTime};
//! let d = parse_duration("2.5s").unwrap();
//! assert_eq!(d, SimTime::from_millis(2500));
//! assert_eq!(format_duration(d), "2500ms");
//! ```

use std::fmt;

/// A point in simulated time, or a span of it, in integer nanoseconds.
///
/// Integer time keeps runs exactly reproducible: no rounding drift, and events at equal times
/// are ordered by their insertion sequence, never by floating-point noise.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
)]
pub struct SimTime(pub u64);

/// Nanoseconds per unit.
pub const NS_PER_US: u64 = 1_000;
/// Nanoseconds per millisecond.
pub const NS_PER_MS: u64 = 1_000_000;
/// Nanoseconds per second.
pub const NS_PER_S: u64 = 1_000_000_000;
/// Nanoseconds per minute.
pub const NS_PER_MIN: u64 = 60 * NS_PER_S;
/// Nanoseconds per hour.
pub const NS_PER_H: u64 = 60 * NS_PER_MIN;
/// Nanoseconds per day.
pub const NS_PER_D: u64 = 24 * NS_PER_H;
/// A 30-day month, the horizon of monthly projections.
pub const MONTH: SimTime = SimTime(30 * NS_PER_D);

impl SimTime {
    /// Time zero.
    pub const ZERO: SimTime = SimTime(0);
    /// The largest representable time (about 584 years), used as "never".
    pub const MAX: SimTime = SimTime(u64::MAX);

    /// From whole nanoseconds.
    pub const fn from_nanos(ns: u64) -> Self {
        SimTime(ns)
    }
    /// From whole microseconds.
    pub const fn from_micros(us: u64) -> Self {
        SimTime(us * NS_PER_US)
    }
    /// From whole milliseconds.
    pub const fn from_millis(ms: u64) -> Self {
        SimTime(ms * NS_PER_MS)
    }
    /// From whole seconds.
    pub const fn from_secs(s: u64) -> Self {
        SimTime(s * NS_PER_S)
    }
    /// From fractional seconds, rounded to the nearest nanosecond (negative values give zero).
    pub fn from_secs_f64(s: f64) -> Self {
        SimTime::from_nanos_f64(s * NS_PER_S as f64)
    }
    /// From fractional milliseconds, rounded to the nearest nanosecond (negative values give zero).
    pub fn from_millis_f64(ms: f64) -> Self {
        SimTime::from_nanos_f64(ms * NS_PER_MS as f64)
    }
    /// From fractional nanoseconds, rounded; saturates at [`SimTime::MAX`].
    pub fn from_nanos_f64(ns: f64) -> Self {
        if ns.is_nan() || ns <= 0.0 {
            SimTime(0)
        } else if ns >= u64::MAX as f64 {
            SimTime::MAX
        } else {
            // `+ 0.5` then truncation: round-half-up for positive values, without libm.
            SimTime((ns + 0.5) as u64)
        }
    }
    /// Whole nanoseconds.
    pub const fn as_nanos(self) -> u64 {
        self.0
    }
    /// Fractional seconds.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / NS_PER_S as f64
    }
    /// Fractional milliseconds.
    pub fn as_millis_f64(self) -> f64 {
        self.0 as f64 / NS_PER_MS as f64
    }
    /// `self + d`, saturating at [`SimTime::MAX`].
    pub fn saturating_add(self, d: SimTime) -> SimTime {
        SimTime(self.0.saturating_add(d.0))
    }
    /// `self - d`, saturating at zero.
    pub fn saturating_sub(self, d: SimTime) -> SimTime {
        SimTime(self.0.saturating_sub(d.0))
    }
    /// Rounded up to a whole multiple of `granularity` (zero counts as 1 ns).
    ///
    /// Lambda's granularity, 1 ms, is divided by as a constant (a multiplication and a shift)
    /// rather than with a hardware division, which costs tens of cycles: every invocation's
    /// bill is rounded here, once per recorder. The other granularities go through a function
    /// that is never inlined: written inline, the optimizer merges the two arms (they differ
    /// only in the divisor) into one hardware division for both.
    #[inline]
    pub fn ceil_to(self, granularity: SimTime) -> SimTime {
        const MS: u64 = 1_000_000;
        match granularity.0 {
            MS => SimTime(self.0.div_ceil(MS) * MS),
            g => SimTime(ceil_to_general(self.0, g)),
        }
    }
}

/// `x` rounded up to a whole multiple of `g` (zero counts as 1), by a hardware division.
#[inline(never)]
fn ceil_to_general(x: u64, g: u64) -> u64 {
    let g = g.max(1);
    x.div_ceil(g) * g
}

impl std::ops::Add for SimTime {
    type Output = SimTime;
    fn add(self, rhs: SimTime) -> SimTime {
        SimTime(self.0 + rhs.0)
    }
}

impl std::ops::Sub for SimTime {
    type Output = SimTime;
    fn sub(self, rhs: SimTime) -> SimTime {
        SimTime(self.0 - rhs.0)
    }
}

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_duration(*self))
    }
}

/// Why a duration string was rejected; the message is a complete sentence with a hint.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DurationError(pub String);

const UNITS: [(&str, u64); 6] = [
    ("us", NS_PER_US),
    ("ms", NS_PER_MS),
    ("s", NS_PER_S),
    ("m", NS_PER_MIN),
    ("h", NS_PER_H),
    ("d", NS_PER_D),
];

/// Parses a duration string with a unit: `"120ms"`, `"2.5s"`, `"10m"`, `"8h"`, `"30d"`, `"250us"`.
///
/// Fractional values are allowed; the result is rounded to the nearest nanosecond. A missing or
/// unknown unit, a negative value or garbage is an error whose message suggests the fix.
pub fn parse_duration(text: &str) -> Result<SimTime, DurationError> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let unit = unit.trim();
    if num.is_empty() {
        return Err(DurationError(format!(
            "\"{text}\" is not a duration: write a number and a unit, e.g. \"120ms\", \"2.5s\", \"10m\""
        )));
    }
    let value: f64 = num.parse().map_err(|_| {
        DurationError(format!(
            "\"{text}\" is not a duration: \"{num}\" is not a number (e.g. \"120ms\", \"2.5s\")"
        ))
    })?;
    if unit.is_empty() {
        return Err(DurationError(format!(
            "\"{text}\" has no unit: write e.g. \"{num}ms\" or \"{num}s\" (units: us ms s m h d)"
        )));
    }
    let Some(&(_, scale)) = UNITS.iter().find(|(u, _)| *u == unit) else {
        return Err(DurationError(format!(
            "\"{text}\": unknown unit \"{unit}\" (use one of us, ms, s, m, h, d)"
        )));
    };
    if !value.is_finite() || value < 0.0 {
        return Err(DurationError(format!(
            "\"{text}\": a duration must be zero or positive"
        )));
    }
    let ns = value * scale as f64;
    if ns >= u64::MAX as f64 / 2.0 {
        return Err(DurationError(format!("\"{text}\" is too long")));
    }
    Ok(SimTime(ns.round() as u64))
}

/// Formats a duration in the largest unit that represents it exactly (falling back to
/// fractional milliseconds), so that `parse_duration(format_duration(d)) == d` for whole
/// microseconds and for most values people write.
pub fn format_duration(d: SimTime) -> String {
    let ns = d.0;
    if ns == 0 {
        return "0s".to_string();
    }
    for &(unit, scale) in UNITS.iter().rev() {
        if ns.is_multiple_of(scale) {
            return format!("{}{unit}", ns / scale);
        }
    }
    // Not a whole number of any unit: a decimal in the largest unit that keeps it exact.
    for &(unit, scale) in UNITS.iter().rev() {
        if ns >= scale {
            let v = ns as f64 / scale as f64;
            let s = format!("{v}");
            if let Ok(back) = parse_duration(&format!("{s}{unit}"))
                && back.0 == ns
            {
                return format!("{s}{unit}");
            }
        }
    }
    format!("{}us", ns as f64 / NS_PER_US as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_unit() {
        assert_eq!(parse_duration("250us").unwrap(), SimTime(250_000));
        assert_eq!(parse_duration("120ms").unwrap(), SimTime::from_millis(120));
        assert_eq!(parse_duration("2.5s").unwrap(), SimTime::from_millis(2500));
        assert_eq!(parse_duration("10m").unwrap(), SimTime::from_secs(600));
        assert_eq!(parse_duration("8h").unwrap(), SimTime::from_secs(8 * 3600));
        assert_eq!(parse_duration("30d").unwrap(), MONTH);
        assert_eq!(parse_duration("0s").unwrap(), SimTime::ZERO);
    }

    #[test]
    fn rejects_bad_input_with_a_hint() {
        assert!(parse_duration("120").unwrap_err().0.contains("120ms"));
        assert!(
            parse_duration("5 weeks")
                .unwrap_err()
                .0
                .contains("unknown unit")
        );
        assert!(parse_duration("-1s").is_err());
        assert!(parse_duration("ms").is_err());
        assert!(parse_duration("1.2.3s").is_err());
    }

    #[test]
    fn formats_round_trip() {
        for s in [
            "0s", "120ms", "2500ms", "10m", "8h", "30d", "250us", "1.5ms", "2.25s",
        ] {
            let d = parse_duration(s).unwrap();
            assert_eq!(parse_duration(&format_duration(d)).unwrap(), d, "{s}");
        }
        assert_eq!(format_duration(SimTime::from_secs(600)), "10m");
    }

    #[test]
    fn ceil_rounds_up_to_granularity() {
        let g = SimTime::from_millis(100);
        assert_eq!(
            SimTime::from_millis(101).ceil_to(g),
            SimTime::from_millis(200)
        );
        assert_eq!(
            SimTime::from_millis(100).ceil_to(g),
            SimTime::from_millis(100)
        );
        assert_eq!(
            SimTime(1).ceil_to(SimTime::from_millis(1)),
            SimTime::from_millis(1)
        );
    }

    /// The 1 ms fast path gives what the general rule gives, at the edges of a millisecond and
    /// near the top of the range; a zero granularity counts as 1 ns.
    #[test]
    fn ceil_to_one_millisecond_is_the_general_rule() {
        let ms = SimTime::from_millis(1);
        let cases = [
            (0, 0),
            (1, 1_000_000),
            (999_999, 1_000_000),
            (1_000_000, 1_000_000),
            (1_000_001, 2_000_000),
            (123_456_789, 124_000_000),
            (u64::MAX / 4, (u64::MAX / 4).div_ceil(1_000_000) * 1_000_000),
        ];
        for (x, want) in cases {
            assert_eq!(SimTime(x).ceil_to(ms), SimTime(want), "{x} ns");
        }
        assert_eq!(SimTime(7).ceil_to(SimTime::ZERO), SimTime(7));
        assert_eq!(SimTime(7).ceil_to(SimTime(3)), SimTime(9));
    }
}
