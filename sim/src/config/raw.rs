//! The workload file as written: serde structs that mirror the TOML one to one.
//!
//! Every table is `deny_unknown_fields` and kebab-case; every key is optional here (required
//! keys are checked by [`super::validate`], which can then report all missing keys at once).
//! Leaf values are wrapped in [`Lenient`], which never fails to deserialize: a value of the
//! wrong type is kept as [`Lenient::Bad`] so validation can say what is wrong with it (e.g.
//! a bare number where a duration string is expected) instead of stopping at the first error.
//! Unknown keys and tables of the wrong type are found (all of them, with suggestions) by a
//! walk over the parsed TOML before serde sees it, using the field lists from [`keys_of`].
//!
//! Policies with a `kind` / `dist` tag (arrivals, duration distributions, keep-alive) are flat
//! structs holding the union of their variants' keys: validation checks the tag and which keys
//! belong to it, which gives better messages ("`count` only applies to kind = \"constant\"")
//! than a serde-tagged enum.

use std::collections::BTreeMap;

use serde::Deserialize;

/// A leaf value: either of the expected type, or whatever the file held instead.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum Lenient<T> {
    /// A value of the expected type.
    Ok(T),
    /// A value of another type, reported by validation.
    Bad(toml::Value),
}

/// A duration: a string with a unit (`"120ms"`); anything else is reported by validation.
pub type Duration = Lenient<String>;
/// A number: TOML integers and floats are both accepted.
pub type Number = Lenient<f64>;
/// An integer.
pub type Integer = Lenient<i64>;
/// A string.
pub type Text = Lenient<String>;
/// A boolean.
pub type Bool = Lenient<bool>;

/// The whole workload file.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Workload {
    /// `[simulation]`.
    pub simulation: Option<Simulation>,
    /// `[account]`.
    pub account: Option<Account>,
    /// `[pricing]`.
    pub pricing: Option<Pricing>,
    /// `[[function]]`.
    pub function: Option<Vec<Function>>,
    /// `[slo]`.
    pub slo: Option<Slo>,
}

/// `[simulation]`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Simulation {
    /// `duration = "1h"`.
    pub duration: Option<Duration>,
    /// `warmup = "5m"`.
    pub warmup: Option<Duration>,
    /// `seed = 42` (a string of digits is also accepted, for seeds above 2^63 - 1).
    pub seed: Option<Lenient<SeedValue>>,
    /// `replicates = 10`.
    pub replicates: Option<Integer>,
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

/// `[account]`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Account {
    /// `region = "us-east-1"`.
    pub region: Option<Text>,
    /// `concurrency-limit = 1000`.
    pub concurrency_limit: Option<Integer>,
    /// `scaling = "per-function"`.
    pub scaling: Option<Text>,
}

/// `[pricing]`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Pricing {
    /// `billing-date = "2026-01-01"` (a string, or a TOML local date).
    pub billing_date: Option<toml::Value>,
    /// `bill-init = true`.
    pub bill_init: Option<Bool>,
    /// `free-tier = false`.
    pub free_tier: Option<Bool>,
    /// `granularity = "1ms"`.
    pub granularity: Option<Duration>,
    /// `[pricing.rates]`.
    pub rates: Option<Rates>,
}

/// `[pricing.rates]`, USD.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Rates {
    /// Per request.
    pub request: Option<Number>,
    /// Per GB-s, x86_64.
    pub duration_x86: Option<Number>,
    /// Per GB-s, arm64.
    pub duration_arm64: Option<Number>,
    /// Per GB-s configured, x86_64.
    pub provisioned_x86: Option<Number>,
    /// Per GB-s configured, arm64.
    pub provisioned_arm64: Option<Number>,
    /// Per GB-s used on provisioned environments, x86_64.
    pub provisioned_duration_x86: Option<Number>,
    /// Per GB-s used on provisioned environments, arm64.
    pub provisioned_duration_arm64: Option<Number>,
    /// Per GB-s of ephemeral storage above 512 MB.
    pub ephemeral: Option<Number>,
    /// Per GB-s of SnapStart cache.
    pub snapstart_cache: Option<Number>,
    /// Per GB restored.
    pub snapstart_restore: Option<Number>,
}

/// One `[[function]]`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Function {
    /// `name = "api"`.
    pub name: Option<Text>,
    /// `memory-mb = 1024`.
    pub memory_mb: Option<Integer>,
    /// `architecture = "x86_64"`.
    pub architecture: Option<Text>,
    /// `runtime = "python3.13"`.
    pub runtime: Option<Text>,
    /// `package-type = "zip"` (or `"image"`): selects the built-in cold-start profile of
    /// `runtime` for that deployment package type.
    pub package_type: Option<Text>,
    /// `timeout = "30s"`.
    pub timeout: Option<Duration>,
    /// `ephemeral-storage-mb = 512`.
    pub ephemeral_storage_mb: Option<Integer>,
    /// `reserved-concurrency = 100`.
    pub reserved_concurrency: Option<Integer>,
    /// `provisioned-concurrency = 10`, or `[[function.provisioned-concurrency]]` tables.
    pub provisioned_concurrency: Option<Lenient<Provisioned>>,
    /// `invocation = "sync"`.
    pub invocation: Option<Text>,
    /// `arm64-speedup = 1.2`.
    pub arm64_speedup: Option<Number>,
    /// `routing = "newest"`.
    pub routing: Option<Text>,
    /// `snapstart = true`.
    pub snapstart: Option<Bool>,
    /// `calibration = "calibration.toml"`.
    pub calibration: Option<Text>,
    /// `[function.arrivals]`.
    pub arrivals: Option<Arrivals>,
    /// `[function.duration]`.
    pub duration: Option<DurationDist>,
    /// `[function.init]`.
    pub init: Option<DurationDist>,
    /// `[function.restore]`.
    pub restore: Option<DurationDist>,
    /// `[function.keep-alive]`.
    pub keep_alive: Option<KeepAlive>,
    /// `[function.handler]`.
    pub handler: Option<Handler>,
    /// `[function.slo]`: the function's own objectives, same keys as `[slo]`.
    pub slo: Option<Slo>,
}

/// `provisioned-concurrency`: an integer, or an array of schedule tables.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum Provisioned {
    /// `provisioned-concurrency = 10`.
    Count(i64),
    /// `[[function.provisioned-concurrency]]` tables.
    Schedule(Vec<ProvisionedWindow>),
}

/// One `[[function.provisioned-concurrency]]` table.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ProvisionedWindow {
    /// `start = "12h"` (default `"0s"`).
    pub start: Option<Duration>,
    /// `end = "20h"` (default: never released).
    pub end: Option<Duration>,
    /// `count = 100`.
    pub count: Option<Integer>,
}

/// `[function.arrivals]`: the union of the keys of every `kind`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Arrivals {
    /// `kind = "poisson" | "constant" | "on-off" | "diurnal" | "trace"`.
    pub kind: Option<Text>,
    /// poisson, constant.
    pub rate_per_s: Option<Number>,
    /// constant.
    pub count: Option<Integer>,
    /// on-off.
    pub on_rate_per_s: Option<Number>,
    /// on-off.
    pub off_rate_per_s: Option<Number>,
    /// on-off.
    pub on_mean: Option<Duration>,
    /// on-off.
    pub off_mean: Option<Duration>,
    /// diurnal.
    pub mean_rate_per_s: Option<Number>,
    /// diurnal.
    pub amplitude: Option<Number>,
    /// diurnal.
    pub period: Option<Duration>,
    /// diurnal.
    pub peak_at: Option<Duration>,
    /// diurnal.
    pub hourly_rates_per_s: Option<Lenient<Vec<Number>>>,
    /// trace.
    pub file: Option<Text>,
    /// trace: which value of the `function` column to keep (default: the function's name).
    pub trace_function: Option<Text>,
    /// any kind.
    pub start: Option<Duration>,
    /// any kind.
    pub end: Option<Duration>,
}

/// `[function.duration]`, `[function.init]`, `[function.restore]`: the union of the keys of
/// every `dist`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct DurationDist {
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

/// A calibration file written by `lamsim calibrate` and named by a function's
/// `calibration = "calibration.toml"`: the distributions in the keys of `[function.duration]`
/// and `[function.init]` (a `file` is relative to the calibration file).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Calibration {
    /// `schema-version = 1`.
    pub schema_version: Option<i64>,
    /// `function = "api"`: the function measured (informational).
    pub function: Option<String>,
    /// `[duration]`: execution time of a warm invocation.
    pub duration: Option<DurationDist>,
    /// `[init]`: init (cold start) duration.
    pub init: Option<DurationDist>,
}

/// `[function.keep-alive]`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct KeepAlive {
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

/// `[function.handler]`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Handler {
    /// `command = ["python3", "-m", "awslambdaric", "app.handler"]`.
    pub command: Option<Lenient<Vec<Text>>>,
    /// `cwd = "functions/hello"`.
    pub cwd: Option<Text>,
    /// `env = { LOG_LEVEL = "info" }` (free-form keys).
    pub env: Option<Lenient<BTreeMap<String, Text>>>,
}

/// `[slo]`, and `[function.slo]` (the same keys).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Slo {
    /// `p99 = "300ms"`.
    pub p99: Option<Duration>,
    /// `cold-start-ratio = 0.01`.
    pub cold_start_ratio: Option<Number>,
    /// `throttle-ratio = 0.001`.
    pub throttle_ratio: Option<Number>,
    /// `monthly-cost-usd = 500.0`.
    pub monthly_cost_usd: Option<Number>,
}

/// The keys a struct accepts, read from its serde derive (so they cannot drift from it).
///
/// The serde derive passes its field list to `Deserializer::deserialize_struct`; this
/// deserializer records that list and stops.
pub fn keys_of<'de, T: Deserialize<'de>>() -> &'static [&'static str] {
    let mut cap = FieldCapture { fields: &[] };
    let _ = T::deserialize(&mut cap);
    cap.fields
}

struct FieldCapture {
    fields: &'static [&'static str],
}

#[derive(Debug)]
struct Captured;

impl std::fmt::Display for Captured {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("field list captured")
    }
}

impl std::error::Error for Captured {}

impl serde::de::Error for Captured {
    fn custom<T: std::fmt::Display>(_msg: T) -> Self {
        Captured
    }
}

impl<'de> serde::Deserializer<'de> for &mut FieldCapture {
    type Error = Captured;

    fn deserialize_any<V: serde::de::Visitor<'de>>(self, _v: V) -> Result<V::Value, Captured> {
        Err(Captured)
    }

    fn deserialize_struct<V: serde::de::Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _v: V,
    ) -> Result<V::Value, Captured> {
        self.fields = fields;
        Err(Captured)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map enum identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_come_from_the_serde_derive() {
        assert_eq!(
            keys_of::<Simulation>(),
            ["duration", "warmup", "seed", "replicates"]
        );
        assert!(keys_of::<Arrivals>().contains(&"rate-per-s"));
        assert!(keys_of::<Function>().contains(&"provisioned-concurrency"));
    }

    #[test]
    fn lenient_keeps_values_of_the_wrong_type() {
        let t: Simulation = toml::from_str("duration = 120\nreplicates = 2").unwrap();
        assert_eq!(t.duration, Some(Lenient::Bad(toml::Value::Integer(120))));
        assert_eq!(t.replicates, Some(Lenient::Ok(2)));
        let r: Arrivals = toml::from_str("rate-per-s = 50").unwrap();
        assert_eq!(r.rate_per_s, Some(Lenient::Ok(50.0)));
    }

    #[test]
    fn provisioned_is_an_integer_or_a_schedule() {
        let f: Function = toml::from_str("provisioned-concurrency = 3").unwrap();
        assert_eq!(
            f.provisioned_concurrency,
            Some(Lenient::Ok(Provisioned::Count(3)))
        );
        let f: Function = toml::from_str(
            "[[provisioned-concurrency]]\nstart = \"1h\"\nend = \"2h\"\ncount = 4\n",
        )
        .unwrap();
        let Some(Lenient::Ok(Provisioned::Schedule(w))) = f.provisioned_concurrency else {
            panic!("expected a schedule");
        };
        assert_eq!(w[0].count, Some(Lenient::Ok(4)));
    }
}
