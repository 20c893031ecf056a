//! Raw TOML ([`super::raw`]) → validated [`Scenario`]: defaults filled in, units converted,
//! files (traces, empirical samples) loaded, and *every* problem collected with its TOML path
//! and a hint.
//!
//! Defaults are documented on the fields of [`crate::model`] and in `workloads/README.md`.
//! Relative file paths are resolved against the workload file's folder (`base_dir`) and stored
//! as absolute paths, so a resolved workload can be rerun from any folder.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::ConfigError;
use super::raw::{self, Lenient};
use crate::model::{
    Account, Architecture, ArrivalProcess, Arrivals, ConstantSpacing, Date, Dist, DiurnalProfile,
    DurationModel, Function, Handler, InvocationType, KeepAlive, KeepAlivePolicy, MAX_MEMORY_MB,
    MIN_MEMORY_MB, MIN_UNRESERVED, Pricing, ProvisionedWindow, RateOverrides, Routing, Scaling,
    Scenario, Simulation, Slo, Trace, defaults,
};
use crate::profiles::{self, PackageType};
use crate::time::{SimTime, parse_duration};

/// The standard normal 0.99 quantile: `p99 = exp(mu + Z99 · sigma)` for a lognormal.
pub const Z99: f64 = 2.326_347_874_040_841;

/// Default SnapStart restore duration when `snapstart = true` and `[function.restore]` is
/// missing: a constant 200 ms that does not scale with memory (`cpu-fraction = 0`). AWS
/// documents restores as typically "sub-second"; give `[function.restore]` from your own
/// `Restore Duration` REPORT lines when you have them.
pub const DEFAULT_RESTORE_MS: f64 = 200.0;

/// Validates a parsed workload. `base_dir` is the folder relative paths are resolved against.
/// Returns every error found, in file order.
pub fn validate(raw: &raw::Workload, base_dir: &Path) -> Result<Scenario, Vec<ConfigError>> {
    let mut v = Validator {
        base_dir,
        errors: Vec::new(),
    };
    let scenario = v.workload(raw);
    match scenario {
        Some(s) if v.errors.is_empty() => Ok(s),
        _ => {
            if v.errors.is_empty() {
                // Every path that returns None records an error; this is a safety net.
                v.err("", "the workload is incomplete", None);
            }
            Err(v.errors)
        }
    }
}

/// Merges a function's `[function.duration]` (or `[function.init]`) with its calibration's
/// table: keys given explicitly win. When the explicit table has `dist`, the distribution keys
/// (`dist`, `value`, `mean`, `median`, `p99`, `cv`, `shape`, `scale`, `file`) all come from it
/// and only the scaling keys (`reference-memory-mb`, `cpu-fraction`, `threads`) can come from
/// the calibration. Returns the merged table and the keys taken from the calibration.
fn merge_dist(
    explicit: Option<&raw::DurationDist>,
    calibrated: Option<&raw::DurationDist>,
) -> Option<(raw::DurationDist, Vec<&'static str>)> {
    let Some(c) = calibrated else {
        return explicit.map(|e| (e.clone(), Vec::new()));
    };
    let mut m = explicit.cloned().unwrap_or_default();
    let own_dist = m.dist.is_some();
    let mut from_cal = Vec::new();
    macro_rules! take {
        ($field:ident, $key:literal, $is_dist:literal) => {
            if m.$field.is_none() && !($is_dist && own_dist) && c.$field.is_some() {
                m.$field = c.$field.clone();
                from_cal.push($key);
            }
        };
    }
    take!(dist, "dist", true);
    take!(value, "value", true);
    take!(mean, "mean", true);
    take!(median, "median", true);
    take!(p99, "p99", true);
    take!(cv, "cv", true);
    take!(shape, "shape", true);
    take!(scale, "scale", true);
    take!(file, "file", true);
    take!(reference_memory_mb, "reference-memory-mb", false);
    take!(cpu_fraction, "cpu-fraction", false);
    take!(threads, "threads", false);
    Some((m, from_cal))
}

/// Suggests the candidate closest to `word` (ignoring case, and `_` vs `-`), if it is close
/// enough to be a likely typo.
pub fn suggest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let norm = |s: &str| s.to_ascii_lowercase().replace('_', "-");
    let w = norm(word);
    let mut best: Option<(usize, &'a str)> = None;
    for &c in candidates {
        let d = levenshtein(&w, &norm(c));
        if best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    let (d, c) = best?;
    let limit = (w.chars().count().max(c.len()) / 3).max(1);
    (d <= limit).then_some(c)
}

/// Edit distance counting insertions, deletions, substitutions and swaps of two adjacent
/// characters (optimal string alignment), so `knid` is one edit from `kind`.
fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j - 1] + cost)
                .min(d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[a.len()][b.len()]
}

/// `"did you mean `x`?"`, or the list of accepted values.
fn choice_hint(word: &str, candidates: &[&str]) -> String {
    match suggest(word, candidates) {
        Some(c) => format!("did you mean `{c}`?"),
        None => format!("expected one of: {}", quoted_list(candidates)),
    }
}

fn quoted_list(items: &[&str]) -> String {
    items
        .iter()
        .map(|s| format!("\"{s}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Describes a TOML value's type for messages: "an integer (120)".
fn describe(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => format!("a string (\"{s}\")"),
        toml::Value::Integer(i) => format!("an integer ({i})"),
        toml::Value::Float(f) => format!("a number ({f})"),
        toml::Value::Boolean(b) => format!("a boolean ({b})"),
        toml::Value::Datetime(d) => format!("a date ({d})"),
        toml::Value::Array(_) => "an array".to_string(),
        toml::Value::Table(_) => "a table".to_string(),
    }
}

/// Milliseconds of a duration string, computed from its text as a float (no rounding to
/// nanoseconds), so distribution parameters survive a write/read round trip exactly.
fn precise_ms(text: &str) -> Option<f64> {
    let t = text.trim();
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+'))?;
    let (num, unit) = t.split_at(split);
    let value: f64 = num.parse().ok()?;
    let scale = match unit.trim() {
        "us" => 1e-3,
        "ms" => 1.0,
        "s" => 1e3,
        "m" => 6e4,
        "h" => 3.6e6,
        "d" => 8.64e7,
        _ => return None,
    };
    Some(value * scale)
}

struct Validator<'a> {
    base_dir: &'a Path,
    errors: Vec<ConfigError>,
}

/// A function's fields needed by the cross-function checks.
struct Limits {
    reserved: Option<u32>,
    max_provisioned: u32,
}

impl Validator<'_> {
    fn err(&mut self, path: &str, message: impl Into<String>, hint: Option<String>) {
        self.errors.push(ConfigError {
            path: path.to_string(),
            message: message.into(),
            hint,
        });
    }

    fn missing(&mut self, path: &str, example: &str) {
        self.err(path, "is required", Some(format!("add e.g. `{example}`")));
    }

    // ----- leaf values ---------------------------------------------------------------------

    /// A value of a plain type: `None` when absent; a wrongly typed value is an error
    /// saying what was `expected`.
    fn plain<T: Clone>(&mut self, path: &str, v: &Option<Lenient<T>>, expected: &str) -> Option<T> {
        match v {
            None => None,
            Some(Lenient::Ok(x)) => Some(x.clone()),
            Some(Lenient::Bad(b)) => {
                self.err(
                    path,
                    format!("expected {expected}, found {}", describe(b)),
                    None,
                );
                None
            }
        }
    }

    fn text(&mut self, path: &str, v: &Option<raw::Text>) -> Option<String> {
        self.plain(path, v, "a string")
    }

    fn boolean(&mut self, path: &str, v: &Option<raw::Bool>) -> Option<bool> {
        self.plain(path, v, "true or false")
    }

    fn number(&mut self, path: &str, v: &Option<raw::Number>) -> Option<f64> {
        match v {
            None => None,
            Some(Lenient::Ok(x)) if x.is_finite() => Some(*x),
            Some(Lenient::Ok(x)) => {
                self.err(path, format!("must be a finite number, found {x}"), None);
                None
            }
            Some(Lenient::Bad(b)) => {
                let hint = match b {
                    toml::Value::String(s) if s.trim().parse::<f64>().is_ok() => {
                        Some(format!("remove the quotes: {}", s.trim()))
                    }
                    _ => None,
                };
                self.err(
                    path,
                    format!("expected a number, found {}", describe(b)),
                    hint,
                );
                None
            }
        }
    }

    /// A number that must satisfy `ok`; `rule` completes "must be …".
    fn number_where(
        &mut self,
        path: &str,
        v: &Option<raw::Number>,
        ok: impl Fn(f64) -> bool,
        rule: &str,
    ) -> Option<f64> {
        let x = self.number(path, v)?;
        if ok(x) {
            Some(x)
        } else {
            self.err(path, format!("must be {rule}, found {x}"), None);
            None
        }
    }

    fn integer(&mut self, path: &str, v: &Option<raw::Integer>) -> Option<i64> {
        match v {
            None => None,
            Some(Lenient::Ok(i)) => Some(*i),
            Some(Lenient::Bad(b)) => {
                let hint = match b {
                    toml::Value::Float(f) if f.fract() == 0.0 => {
                        Some(format!("write a whole number: {}", *f as i64))
                    }
                    toml::Value::String(s) if s.trim().parse::<i64>().is_ok() => {
                        Some(format!("remove the quotes: {}", s.trim()))
                    }
                    _ => None,
                };
                self.err(
                    path,
                    format!("expected an integer, found {}", describe(b)),
                    hint,
                );
                None
            }
        }
    }

    /// An integer in `min..=max`, as u32.
    fn int_range(
        &mut self,
        path: &str,
        v: &Option<raw::Integer>,
        min: u32,
        max: u32,
    ) -> Option<u32> {
        let i = self.integer(path, v)?;
        if i < min as i64 || i > max as i64 {
            let msg = if max == u32::MAX {
                format!("must be at least {min}, found {i}")
            } else {
                format!("must be in {min}..={max}, found {i}")
            };
            self.err(path, msg, None);
            return None;
        }
        Some(i as u32)
    }

    fn duration(&mut self, path: &str, v: &Option<raw::Duration>) -> Option<SimTime> {
        let text = self.duration_text(path, v)?;
        match parse_duration(&text) {
            Ok(d) => Some(d),
            Err(e) => {
                self.err(path, e.0, None);
                None
            }
        }
    }

    /// A duration that must be strictly positive.
    fn positive_duration(&mut self, path: &str, v: &Option<raw::Duration>) -> Option<SimTime> {
        let d = self.duration(path, v)?;
        if d == SimTime::ZERO {
            self.err(path, "must be greater than zero", None);
            return None;
        }
        Some(d)
    }

    fn duration_text(&mut self, path: &str, v: &Option<raw::Duration>) -> Option<String> {
        match v {
            None => None,
            Some(Lenient::Ok(s)) => Some(s.clone()),
            Some(Lenient::Bad(b)) => {
                let (message, hint) = match b {
                    toml::Value::Integer(_) | toml::Value::Float(_) => {
                        let n = b.to_string();
                        (
                            format!("`{n}` is a bare number: a duration needs a unit"),
                            format!(
                                "write a string with a unit, e.g. \"{n}ms\" or \"{n}s\" (units: us ms s m h d)"
                            ),
                        )
                    }
                    _ => (
                        format!("expected a duration string, found {}", describe(b)),
                        "write e.g. \"120ms\", \"2.5s\", \"10m\"".to_string(),
                    ),
                };
                self.err(path, message, Some(hint));
                None
            }
        }
    }

    /// A duration parameter of a distribution, in ms (exact float; see [`precise_ms`]).
    fn dist_ms(&mut self, path: &str, v: &Option<raw::Duration>) -> Option<f64> {
        let text = self.duration_text(path, v)?;
        if let Err(e) = parse_duration(&text) {
            self.err(path, e.0, None);
            return None;
        }
        precise_ms(&text)
    }

    /// `file` resolved against the workload's folder: absolute, with `.` and `..` removed.
    fn file_path(&self, file: &str) -> PathBuf {
        let p = self.base_dir.join(file);
        let abs = std::path::absolute(&p).unwrap_or(p);
        let mut out = PathBuf::new();
        for c in abs.components() {
            match c {
                std::path::Component::CurDir => {}
                std::path::Component::ParentDir => {
                    out.pop();
                }
                other => out.push(other),
            }
        }
        out
    }

    // ----- tables --------------------------------------------------------------------------

    fn workload(&mut self, raw: &raw::Workload) -> Option<Scenario> {
        let simulation = self.simulation(raw.simulation.as_ref());
        let account = self.account(raw.account.as_ref().cloned().unwrap_or_default());
        let pricing = self.pricing(raw.pricing.as_ref().cloned().unwrap_or_default());
        let window = simulation.as_ref().map(|s| s.duration);

        let mut functions = Vec::new();
        let mut limits = Vec::new();
        let mut all_ok = true;
        match &raw.function {
            None => {
                self.err(
                    "function",
                    "at least one [[function]] is required",
                    Some("add a [[function]] table with name, memory-mb, [function.arrivals] and [function.duration]".into()),
                );
                all_ok = false;
            }
            Some(list) if list.is_empty() => {
                self.err("function", "at least one [[function]] is required", None);
                all_ok = false;
            }
            Some(list) => {
                for (i, f) in list.iter().enumerate() {
                    let (func, lim) = self.function(i, f, window);
                    limits.push(lim);
                    match func {
                        Some(func) => functions.push(func),
                        None => all_ok = false,
                    }
                }
                self.unique_names(list);
            }
        }
        if let Some(acc) = &account {
            self.concurrency(acc, &limits);
        }
        let slo = raw.slo.as_ref().map(|s| self.slo("slo", s));

        if !all_ok {
            return None;
        }
        Some(Scenario {
            simulation: simulation?,
            account: account?,
            pricing: pricing?,
            functions,
            slo,
        })
    }

    fn simulation(&mut self, raw: Option<&raw::Simulation>) -> Option<Simulation> {
        let Some(raw) = raw else {
            self.missing("simulation.duration", "[simulation] duration = \"1h\"");
            return None;
        };
        let duration = match &raw.duration {
            None => {
                self.missing("simulation.duration", "duration = \"1h\"");
                None
            }
            Some(_) => self.positive_duration("simulation.duration", &raw.duration),
        };
        let warmup = self.duration("simulation.warmup", &raw.warmup);
        if let (Some(d), Some(w)) = (duration, warmup) {
            if w >= d {
                self.err(
                    "simulation.warmup",
                    format!("must be shorter than simulation.duration ({d}), found {w}"),
                    None,
                );
            }
        }
        let seed = match &raw.seed {
            None => Some(defaults::SEED),
            Some(Lenient::Ok(raw::SeedValue::Int(i))) if *i >= 0 => Some(*i as u64),
            Some(Lenient::Ok(raw::SeedValue::Digits(s))) if s.parse::<u64>().is_ok() => {
                s.parse().ok()
            }
            Some(other) => {
                let found = match other {
                    Lenient::Ok(raw::SeedValue::Int(i)) => i.to_string(),
                    Lenient::Ok(raw::SeedValue::Digits(s)) => format!("\"{s}\""),
                    Lenient::Bad(b) => describe(b),
                };
                self.err(
                    "simulation.seed",
                    format!("must be a non-negative integer, found {found}"),
                    None,
                );
                None
            }
        };
        let replicates = match &raw.replicates {
            None => Some(defaults::REPLICATES),
            Some(_) => self.int_range("simulation.replicates", &raw.replicates, 1, u32::MAX),
        };
        Some(Simulation {
            duration: duration?,
            warmup: warmup.unwrap_or(SimTime::ZERO),
            seed: seed?,
            replicates: replicates?,
        })
    }

    fn account(&mut self, raw: raw::Account) -> Option<Account> {
        let region = match self.text("account.region", &raw.region) {
            None => raw.region.is_none().then(|| defaults::REGION.to_string()),
            Some(r) if crate::cost::PriceBook::for_region(&r).is_some() => Some(r),
            Some(r) if looks_like_region(&r) => {
                let close = crate::cost::closest_regions(&r);
                let hint = if close.is_empty() {
                    "lamsim has a price book for the commercial AWS regions (see docs/pricing.md)"
                        .to_string()
                } else {
                    format!(
                        "did you mean {}?",
                        close
                            .iter()
                            .map(|c| format!("\"{c}\""))
                            .collect::<Vec<_>>()
                            .join(" or ")
                    )
                };
                self.err(
                    "account.region",
                    format!("unknown region \"{r}\""),
                    Some(hint),
                );
                None
            }
            Some(r) => {
                self.err(
                    "account.region",
                    format!("\"{r}\" does not look like an AWS region"),
                    Some("write a region code such as \"us-east-1\" or \"eu-west-1\"".into()),
                );
                None
            }
        };
        let limit = match &raw.concurrency_limit {
            None => Some(defaults::CONCURRENCY_LIMIT),
            Some(_) => self.int_range(
                "account.concurrency-limit",
                &raw.concurrency_limit,
                1,
                u32::MAX,
            ),
        };
        const SCALING: [&str; 3] = ["per-function", "legacy-burst", "unlimited"];
        let scaling = match self.text("account.scaling", &raw.scaling).as_deref() {
            None => raw.scaling.is_none().then_some(Scaling::PerFunction),
            Some("per-function") => Some(Scaling::PerFunction),
            Some("legacy-burst") => Some(Scaling::LegacyBurst),
            Some("unlimited") => Some(Scaling::Unlimited),
            Some(other) => {
                self.err(
                    "account.scaling",
                    format!("unknown scaling \"{other}\""),
                    Some(choice_hint(other, &SCALING)),
                );
                None
            }
        };
        Some(Account {
            region: region?,
            concurrency_limit: limit?,
            scaling: scaling?,
        })
    }

    fn pricing(&mut self, raw: raw::Pricing) -> Option<Pricing> {
        let billing_date = match &raw.billing_date {
            None => Some(defaults::BILLING_DATE),
            Some(v) => {
                let text = match v {
                    toml::Value::String(s) => Some(s.clone()),
                    toml::Value::Datetime(d) => Some(d.to_string()),
                    _ => None,
                };
                match text.as_deref().and_then(parse_date) {
                    Some(d) => Some(d),
                    None => {
                        self.err(
                            "pricing.billing-date",
                            format!("expected a date YYYY-MM-DD, found {}", describe(v)),
                            Some("write e.g. \"2026-01-01\"".into()),
                        );
                        None
                    }
                }
            }
        };
        let bill_init = self.boolean("pricing.bill-init", &raw.bill_init);
        let bill_init_ok = raw.bill_init.is_none() || bill_init.is_some();
        let free_tier = self.boolean("pricing.free-tier", &raw.free_tier);
        let free_tier_ok = raw.free_tier.is_none() || free_tier.is_some();
        let granularity = match &raw.granularity {
            None => Some(defaults::GRANULARITY),
            Some(_) => self.positive_duration("pricing.granularity", &raw.granularity),
        };
        let r = raw.rates.unwrap_or_default();
        let mut ok = true;
        let mut rate = |v: &mut Self, key: &str, x: &Option<raw::Number>| -> Option<f64> {
            let path = format!("pricing.rates.{key}");
            let out = v.number_where(&path, x, |x| x >= 0.0, "zero or positive (USD)");
            ok &= x.is_none() || out.is_some();
            out
        };
        let rates = RateOverrides {
            request: rate(self, "request", &r.request),
            duration_x86: rate(self, "duration-x86", &r.duration_x86),
            duration_arm64: rate(self, "duration-arm64", &r.duration_arm64),
            provisioned_x86: rate(self, "provisioned-x86", &r.provisioned_x86),
            provisioned_arm64: rate(self, "provisioned-arm64", &r.provisioned_arm64),
            provisioned_duration_x86: rate(
                self,
                "provisioned-duration-x86",
                &r.provisioned_duration_x86,
            ),
            provisioned_duration_arm64: rate(
                self,
                "provisioned-duration-arm64",
                &r.provisioned_duration_arm64,
            ),
            ephemeral: rate(self, "ephemeral", &r.ephemeral),
            snapstart_cache: rate(self, "snapstart-cache", &r.snapstart_cache),
            snapstart_restore: rate(self, "snapstart-restore", &r.snapstart_restore),
        };
        if !(ok && bill_init_ok && free_tier_ok) {
            return None;
        }
        let billing_date = billing_date?;
        // Resolve the granularity the billing date implies, so the resolved file repeats it.
        let implied = Pricing {
            billing_date,
            bill_init,
            free_tier: false,
            granularity: granularity?,
            granularity_explicit: raw.granularity.is_some(),
            rates: RateOverrides::default(),
        };
        Some(Pricing {
            billing_date,
            bill_init,
            free_tier: free_tier.unwrap_or(false),
            granularity: crate::cost::effective_granularity(&implied),
            granularity_explicit: true,
            rates,
        })
    }

    /// `[slo]` at `path` (`slo`, or `function[i].slo` for a function's own objectives).
    fn slo(&mut self, path: &str, raw: &raw::Slo) -> Slo {
        let p99 = self.positive_duration(&format!("{path}.p99"), &raw.p99);
        let ratio = |v: &mut Self, key: &str, x: &Option<raw::Number>| {
            v.number_where(
                &format!("{path}.{key}"),
                x,
                |x| (0.0..=1.0).contains(&x),
                "in 0..=1",
            )
        };
        let cold = ratio(self, "cold-start-ratio", &raw.cold_start_ratio);
        let throttle = ratio(self, "throttle-ratio", &raw.throttle_ratio);
        let cost = self.number_where(
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

    // ----- functions -----------------------------------------------------------------------

    fn function(
        &mut self,
        i: usize,
        f: &raw::Function,
        window: Option<SimTime>,
    ) -> (Option<Function>, Limits) {
        let p = format!("function[{i}]");
        let at = |k: &str| format!("{p}.{k}");

        let name = match self.text(&at("name"), &f.name) {
            None => {
                if f.name.is_none() {
                    self.missing(&at("name"), "name = \"api\"");
                }
                None
            }
            Some(n)
                if !n.is_empty()
                    && n.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') =>
            {
                Some(n)
            }
            Some(n) => {
                self.err(
                    &at("name"),
                    format!("\"{n}\" is not a valid name: use letters, digits, `-` and `_` only"),
                    None,
                );
                None
            }
        };
        let memory_mb = match &f.memory_mb {
            None => {
                self.missing(&at("memory-mb"), "memory-mb = 1024");
                None
            }
            Some(_) => self.int_range(&at("memory-mb"), &f.memory_mb, MIN_MEMORY_MB, MAX_MEMORY_MB),
        };
        const ARCHES: [&str; 2] = ["x86_64", "arm64"];
        let architecture = match self.text(&at("architecture"), &f.architecture).as_deref() {
            None => f.architecture.is_none().then_some(Architecture::X86_64),
            Some("x86_64") => Some(Architecture::X86_64),
            Some("arm64") => Some(Architecture::Arm64),
            Some(other) => {
                let hint = match other.to_ascii_lowercase().as_str() {
                    "x86" | "x64" | "amd64" | "x86-64" => "did you mean `x86_64`?".to_string(),
                    "aarch64" | "arm" | "graviton" | "arm64v8" => {
                        "did you mean `arm64`?".to_string()
                    }
                    _ => choice_hint(other, &ARCHES),
                };
                self.err(
                    &at("architecture"),
                    format!("unknown architecture \"{other}\""),
                    Some(hint),
                );
                None
            }
        };
        let package = match self.text(&at("package-type"), &f.package_type).as_deref() {
            None => f.package_type.is_none().then_some(PackageType::Zip),
            Some("zip") => Some(PackageType::Zip),
            Some("image") => Some(PackageType::Image),
            Some(other) => {
                self.err(
                    &at("package-type"),
                    format!("unknown package type \"{other}\""),
                    Some("expected \"zip\" or \"image\"".into()),
                );
                None
            }
        };
        let runtime = match self.text(&at("runtime"), &f.runtime) {
            Some(r) if !profiles::is_known(&r) || r == profiles::GENERIC => {
                let ids: Vec<String> = profiles::runtimes()
                    .into_iter()
                    .map(|r| r.id)
                    .filter(|id| id != profiles::GENERIC)
                    .collect();
                let close = close_runtimes(&r, &ids);
                let hint = if close.is_empty() {
                    "run `lamsim runtimes` for the list, or leave `runtime` out and give [function.init]".to_string()
                } else {
                    format!("close matches: {}", close.join(", "))
                };
                self.err(
                    &at("runtime"),
                    format!("no built-in profile for runtime \"{r}\""),
                    Some(hint),
                );
                None
            }
            other => other,
        };
        let runtime_ok = f.runtime.is_none() || runtime.is_some();
        let timeout = match &f.timeout {
            None => Some(defaults::TIMEOUT),
            Some(_) => match self.positive_duration(&at("timeout"), &f.timeout) {
                Some(t) if t > defaults::MAX_TIMEOUT => {
                    self.err(
                        &at("timeout"),
                        format!("must be at most 15m (AWS maximum), found {t}"),
                        None,
                    );
                    None
                }
                other => other,
            },
        };
        let ephemeral = match &f.ephemeral_storage_mb {
            None => Some(defaults::EPHEMERAL_MB),
            Some(_) => self.int_range(
                &at("ephemeral-storage-mb"),
                &f.ephemeral_storage_mb,
                512,
                10_240,
            ),
        };
        let reserved = self.int_range(
            &at("reserved-concurrency"),
            &f.reserved_concurrency,
            0,
            u32::MAX,
        );
        let reserved_ok = f.reserved_concurrency.is_none() || reserved.is_some();
        let provisioned =
            self.provisioned(&at("provisioned-concurrency"), &f.provisioned_concurrency);
        if let (Some(res), Some(windows)) = (reserved, &provisioned) {
            let max = windows.iter().map(|w| w.count).max().unwrap_or(0);
            if max > res {
                self.err(
                    &at("provisioned-concurrency"),
                    format!("{max} provisioned environments exceed reserved-concurrency = {res}"),
                    Some("provisioned concurrency counts against the function's reservation: raise reserved-concurrency or lower the count".into()),
                );
            }
        }
        let invocation = match self.text(&at("invocation"), &f.invocation).as_deref() {
            None => f.invocation.is_none().then_some(InvocationType::Sync),
            Some("sync") => Some(InvocationType::Sync),
            Some(other @ ("async" | "event" | "Event" | "queue" | "sqs" | "stream")) => {
                self.err(
                    &at("invocation"),
                    format!("invocation \"{other}\" is not supported yet"),
                    Some("only \"sync\" (RequestResponse: a throttled request fails with 429) is simulated for now".into()),
                );
                None
            }
            Some(other) => {
                self.err(
                    &at("invocation"),
                    format!("unknown invocation \"{other}\""),
                    Some("expected \"sync\"".into()),
                );
                None
            }
        };
        let arm64_speedup = match &f.arm64_speedup {
            None => Some(1.0),
            Some(_) => self.number_where(
                &at("arm64-speedup"),
                &f.arm64_speedup,
                |x| x > 0.0,
                "greater than zero",
            ),
        };
        const ROUTING: [&str; 4] = ["newest", "mru", "lru", "random"];
        let routing = match self.text(&at("routing"), &f.routing).as_deref() {
            None => f.routing.is_none().then_some(Routing::Newest),
            Some("newest") => Some(Routing::Newest),
            Some("mru") => Some(Routing::Mru),
            Some("lru") => Some(Routing::Lru),
            Some("random") => Some(Routing::Random),
            Some(other) => {
                self.err(
                    &at("routing"),
                    format!("unknown routing \"{other}\""),
                    Some(choice_hint(other, &ROUTING)),
                );
                None
            }
        };
        let snapstart = self.boolean(&at("snapstart"), &f.snapstart);
        let snapstart_ok = f.snapstart.is_none() || snapstart.is_some();
        let snapstart = snapstart.unwrap_or(false);
        if snapstart {
            match f.runtime.as_ref() {
                None => self.err(
                    &at("snapstart"),
                    "needs `runtime`: SnapStart exists for java11+, python3.12+ and dotnet8+ only",
                    Some("add e.g. runtime = \"java21\"".into()),
                ),
                Some(Lenient::Ok(r)) if !snapstart_supported(r) => self.err(
                    &at("snapstart"),
                    format!("SnapStart is not available for runtime \"{r}\""),
                    Some("SnapStart supports java11 and later, python3.12 and later, dotnet8 and later".into()),
                ),
                _ => {}
            }
        }
        let calibration = self
            .text(&at("calibration"), &f.calibration)
            .map(|c| self.file_path(&c));
        let calibrated = calibration
            .as_ref()
            .and_then(|c| self.calibration_file(&at("calibration"), c));
        let calibration_ok = f.calibration.is_none() || calibrated.is_some();
        let cal_label = calibration
            .as_ref()
            .map_or(String::new(), |c| c.display().to_string());
        let duration_table = merge_dist(
            f.duration.as_ref(),
            calibrated.as_ref().and_then(|c| c.duration.as_ref()),
        );
        let init_table = merge_dist(
            f.init.as_ref(),
            calibrated.as_ref().and_then(|c| c.init.as_ref()),
        );
        let handler = f
            .handler
            .as_ref()
            .and_then(|h| self.handler(&at("handler"), h));
        let handler_ok = f.handler.is_none() || handler.is_some();

        let arrivals = match &f.arrivals {
            None => {
                self.missing(
                    &at("arrivals"),
                    "[function.arrivals] kind = \"poisson\", rate-per-s = 10.0",
                );
                None
            }
            // With no valid window the arrivals are still checked (the scenario fails anyway).
            Some(a) => self.arrivals(
                &at("arrivals"),
                a,
                window.unwrap_or(SimTime::MAX),
                name.as_deref().unwrap_or(""),
            ),
        };

        let mem = memory_mb.unwrap_or(MIN_MEMORY_MB);
        let trace_mean_ms = match arrivals.as_ref().map(|a| &a.process) {
            Some(ArrivalProcess::Trace(t)) => t
                .durations
                .as_ref()
                .map(|d| d.iter().map(|x| x.as_millis_f64()).sum::<f64>() / d.len().max(1) as f64),
            _ => None,
        };
        let duration = match duration_table.as_ref().map(|(d, _)| d) {
            // A trace with per-request durations needs no [function.duration]: the mean of the
            // trace's durations stands in wherever one number is needed (see the README).
            None if trace_mean_ms.is_some() => Some(DurationModel::unscaled(
                Dist::Const {
                    value_ms: trace_mean_ms.unwrap_or(0.0),
                },
                mem,
            )),
            // A trace that failed to load may have had durations: its errors say enough.
            None if arrivals.is_none()
                && matches!(f.arrivals.as_ref().and_then(|a| a.kind.as_ref()),
                            Some(Lenient::Ok(k)) if k == "trace") =>
            {
                None
            }
            // A calibration file that failed to load has reported why.
            None if f.calibration.is_some() && !calibration_ok => None,
            None => {
                let hint = if f.calibration.is_some() {
                    "the calibration file has no [duration]: give [function.duration]"
                } else {
                    "add e.g. [function.duration] dist = \"lognormal\", median = \"120ms\", p99 = \"800ms\""
                };
                self.err(&at("duration"), "is required", Some(hint.into()));
                None
            }
            Some(d) => {
                let from_cal = duration_table.as_ref().map_or(&[][..], |(_, k)| k);
                self.calibrated_model(&at("duration"), d, mem, from_cal, &cal_label, "duration")
            }
        };
        let init = match init_table.as_ref() {
            Some((d, from_cal)) => {
                self.calibrated_model(&at("init"), d, mem, from_cal, &cal_label, "init")
            }
            None => match (architecture, package) {
                (Some(arch), Some(pkg)) => {
                    let rt = runtime.as_deref().unwrap_or(profiles::GENERIC);
                    let found = profiles::init_profile_for(rt, pkg, arch, mem)
                        .or_else(|| profiles::init_profile(rt, arch, mem));
                    if found.is_none() && runtime_ok {
                        self.err(
                            &at("init"),
                            format!("no built-in {} profile for runtime \"{rt}\"", pkg.as_str()),
                            Some("give [function.init], or use package-type = \"zip\"".into()),
                        );
                    }
                    found
                }
                _ => None,
            },
        };
        let restore = match (&f.restore, snapstart) {
            (Some(d), true) => self.dist_model(&at("restore"), d, mem, 1.0).map(Some),
            (Some(_), false) => {
                self.err(
                    &at("restore"),
                    "only applies with snapstart = true",
                    Some("add snapstart = true, or remove [function.restore]".into()),
                );
                None
            }
            (None, true) => Some(Some(DurationModel {
                dist: Dist::Const {
                    value_ms: DEFAULT_RESTORE_MS,
                },
                reference_memory_mb: mem,
                cpu_fraction: 0.0,
                threads: 1,
            })),
            (None, false) => Some(None),
        };
        let keep_alive = self.keep_alive(&at("keep-alive"), f.keep_alive.as_ref());
        let slo = f.slo.as_ref().map(|s| self.slo(&at("slo"), s));

        let limits = Limits {
            reserved,
            max_provisioned: provisioned
                .as_ref()
                .map(|w| w.iter().map(|w| w.count).max().unwrap_or(0))
                .unwrap_or(0),
        };
        let flags_ok = runtime_ok && reserved_ok && snapstart_ok && calibration_ok && handler_ok;
        let func = (|| {
            if !flags_ok {
                return None;
            }
            Some(Function {
                name: name?,
                memory_mb: memory_mb?,
                architecture: architecture?,
                runtime,
                timeout: timeout?,
                ephemeral_storage_mb: ephemeral?,
                reserved_concurrency: reserved,
                provisioned: provisioned?,
                invocation: invocation?,
                arm64_speedup: arm64_speedup?,
                routing: routing?,
                arrivals: arrivals?,
                duration: duration?,
                init: init?,
                keep_alive: keep_alive?,
                snapstart,
                restore: restore?,
                handler,
                calibration,
                slo,
            })
        })();
        let _ = package;
        (func, limits)
    }

    fn unique_names(&mut self, list: &[raw::Function]) {
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, f) in list.iter().enumerate() {
            if let Some(Lenient::Ok(n)) = &f.name {
                if let Some(first) = seen.get(n.as_str()) {
                    self.err(
                        &format!("function[{i}].name"),
                        format!("duplicate name \"{n}\" (also function[{first}])"),
                        Some("function names must be unique".into()),
                    );
                } else {
                    seen.insert(n, i);
                }
            }
        }
    }

    fn concurrency(&mut self, acc: &Account, limits: &[Limits]) {
        let limit = acc.concurrency_limit;
        for (i, l) in limits.iter().enumerate() {
            if let Some(r) = l.reserved {
                if r > limit {
                    self.err(
                        &format!("function[{i}].reserved-concurrency"),
                        format!("{r} exceeds account.concurrency-limit = {limit}"),
                        None,
                    );
                }
            }
            if l.max_provisioned > limit {
                self.err(
                    &format!("function[{i}].provisioned-concurrency"),
                    format!(
                        "{} exceeds account.concurrency-limit = {limit}",
                        l.max_provisioned
                    ),
                    None,
                );
            }
        }
        let total: u64 = limits
            .iter()
            .filter_map(|l| l.reserved)
            .map(u64::from)
            .sum();
        let allowed = limit.saturating_sub(MIN_UNRESERVED) as u64;
        if limits.iter().any(|l| l.reserved.is_some()) && total > allowed {
            let (i, _) = limits
                .iter()
                .enumerate()
                .rfind(|(_, l)| l.reserved.is_some())
                .unwrap_or((0, &limits[0]));
            self.err(
                &format!("function[{i}].reserved-concurrency"),
                format!(
                    "reservations total {total}, more than account.concurrency-limit - 100 = {allowed}: AWS keeps 100 of the account's concurrency unreserved"
                ),
                Some("lower the reservations or raise account.concurrency-limit".into()),
            );
        }
    }

    fn provisioned(
        &mut self,
        path: &str,
        raw: &Option<Lenient<raw::Provisioned>>,
    ) -> Option<Vec<ProvisionedWindow>> {
        match raw {
            None => Some(Vec::new()),
            Some(Lenient::Ok(raw::Provisioned::Count(n))) => {
                if *n < 0 || *n > u32::MAX as i64 {
                    self.err(path, format!("must be zero or positive, found {n}"), None);
                    return None;
                }
                Some(if *n == 0 {
                    Vec::new()
                } else {
                    vec![ProvisionedWindow {
                        start: SimTime::ZERO,
                        end: SimTime::MAX,
                        count: *n as u32,
                    }]
                })
            }
            Some(Lenient::Ok(raw::Provisioned::Schedule(list))) => {
                let mut out = Vec::new();
                let mut ok = true;
                for (j, w) in list.iter().enumerate() {
                    let wp = format!("{path}[{j}]");
                    let start = self.duration(&format!("{wp}.start"), &w.start);
                    let end = self.duration(&format!("{wp}.end"), &w.end);
                    let count = match &w.count {
                        None => {
                            self.missing(&format!("{wp}.count"), "count = 10");
                            None
                        }
                        Some(_) => self.int_range(&format!("{wp}.count"), &w.count, 0, u32::MAX),
                    };
                    let start_ok = w.start.is_none() || start.is_some();
                    let end_ok = w.end.is_none() || end.is_some();
                    let start = start.unwrap_or(SimTime::ZERO);
                    let end = end.unwrap_or(SimTime::MAX);
                    if start_ok && end_ok && start >= end {
                        self.err(
                            &format!("{wp}.end"),
                            format!("must be after start ({start}), found {end}"),
                            None,
                        );
                        ok = false;
                        continue;
                    }
                    match count {
                        Some(count) if start_ok && end_ok => {
                            out.push((j, ProvisionedWindow { start, end, count }))
                        }
                        _ => ok = false,
                    }
                }
                let mut sorted = out.clone();
                sorted.sort_by_key(|(_, w)| w.start);
                for pair in sorted.windows(2) {
                    let ((ja, a), (jb, b)) = (pair[0], pair[1]);
                    if b.start < a.end {
                        let (first, second) = (ja.min(jb), ja.max(jb));
                        self.err(
                            &format!("{path}[{second}]"),
                            format!(
                                "overlaps window [{first}] ({}..{})",
                                a.start,
                                fmt_end(a.end)
                            ),
                            Some("provisioned windows must not overlap".into()),
                        );
                        ok = false;
                    }
                }
                ok.then(|| sorted.into_iter().map(|(_, w)| w).collect())
            }
            Some(Lenient::Bad(b)) => {
                self.err(
                    path,
                    format!("expected an integer or [[function.provisioned-concurrency]] tables, found {}", describe(b)),
                    Some("write provisioned-concurrency = 10, or tables with start, end and count".into()),
                );
                None
            }
        }
    }

    fn handler(&mut self, path: &str, h: &raw::Handler) -> Option<Handler> {
        let command = match &h.command {
            None => {
                self.missing(
                    &format!("{path}.command"),
                    "command = [\"python3\", \"-m\", \"awslambdaric\", \"app.handler\"]",
                );
                None
            }
            Some(Lenient::Ok(items)) => {
                let mut out = Vec::new();
                let mut ok = true;
                for (k, item) in items.iter().enumerate() {
                    match self.text(&format!("{path}.command[{k}]"), &Some(item.clone())) {
                        Some(s) => out.push(s),
                        None => ok = false,
                    }
                }
                if ok && (out.is_empty() || out[0].is_empty()) {
                    self.err(
                        &format!("{path}.command"),
                        "must name a program to run",
                        Some("e.g. command = [\"python3\", \"app.py\"]".into()),
                    );
                    ok = false;
                }
                ok.then_some(out)
            }
            Some(Lenient::Bad(b)) => {
                self.err(
                    &format!("{path}.command"),
                    format!("expected an array of strings, found {}", describe(b)),
                    Some("write e.g. command = [\"python3\", \"app.py\"]".into()),
                );
                None
            }
        };
        let cwd = match self.text(&format!("{path}.cwd"), &h.cwd) {
            Some(c) => Some(self.file_path(&c)),
            None if h.cwd.is_none() => Some(self.file_path(".")),
            None => None,
        };
        let env = match &h.env {
            None => Some(BTreeMap::new()),
            Some(Lenient::Ok(map)) => {
                let mut out = BTreeMap::new();
                let mut ok = true;
                for (k, v) in map {
                    match self.text(&format!("{path}.env.{k}"), &Some(v.clone())) {
                        Some(s) => {
                            out.insert(k.clone(), s);
                        }
                        None => ok = false,
                    }
                }
                ok.then_some(out)
            }
            Some(Lenient::Bad(b)) => {
                self.err(
                    &format!("{path}.env"),
                    format!("expected a table of strings, found {}", describe(b)),
                    None,
                );
                None
            }
        };
        Some(Handler {
            command: command?,
            cwd: cwd?,
            env: env?,
        })
    }

    fn keep_alive(&mut self, path: &str, raw: Option<&raw::KeepAlive>) -> Option<KeepAlive> {
        let Some(k) = raw else {
            return Some(KeepAlive {
                policy: KeepAlivePolicy::Fixed {
                    idle: defaults::KEEP_ALIVE_IDLE,
                },
                max_lifetime: None,
            });
        };
        let kind = match &k.kind {
            None => Some("fixed".to_string()),
            Some(_) => self.text(&format!("{path}.kind"), &k.kind),
        };
        let max_lifetime = self.positive_duration(&format!("{path}.max-lifetime"), &k.max_lifetime);
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
                self.foreign_keys(path, "kind", "fixed", &present, &["idle"]);
                match &k.idle {
                    None => Some(KeepAlivePolicy::Fixed {
                        idle: defaults::KEEP_ALIVE_IDLE,
                    }),
                    Some(_) => self
                        .positive_duration(&format!("{path}.idle"), &k.idle)
                        .map(|idle| KeepAlivePolicy::Fixed { idle }),
                }
            }
            Some("uniform") => {
                self.foreign_keys(path, "kind", "uniform", &present, &["min", "max"]);
                if k.min.is_none() {
                    self.missing(&format!("{path}.min"), "min = \"5m\"");
                }
                if k.max.is_none() {
                    self.missing(&format!("{path}.max"), "max = \"15m\"");
                }
                let min = self.duration(&format!("{path}.min"), &k.min);
                let max = self.positive_duration(&format!("{path}.max"), &k.max);
                match (min, max) {
                    (Some(min), Some(max)) if min <= max => {
                        Some(KeepAlivePolicy::Uniform { min, max })
                    }
                    (Some(min), Some(max)) => {
                        self.err(
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
                self.err(
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

    /// Reports keys present in a tagged table that do not belong to its tag.
    fn foreign_keys(
        &mut self,
        path: &str,
        tag: &str,
        value: &str,
        present: &[&str],
        allowed: &[&str],
    ) {
        for key in present {
            if !allowed.contains(key) {
                let takes = if allowed.is_empty() {
                    "no other keys".to_string()
                } else {
                    allowed
                        .iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                self.err(
                    &format!("{path}.{key}"),
                    format!("does not apply to {tag} = \"{value}\""),
                    Some(format!("{tag} = \"{value}\" takes {takes}")),
                );
            }
        }
    }

    /// Checks that the distribution's parameters are exactly one of `sets`; reports otherwise.
    fn one_key_set(
        &mut self,
        path: &str,
        dist: &str,
        present: &[&str],
        sets: &[&[&str]],
    ) -> Option<usize> {
        for (i, set) in sets.iter().enumerate() {
            if set.len() == present.len() && set.iter().all(|k| present.contains(k)) {
                return Some(i);
            }
        }
        let alternatives = sets
            .iter()
            .map(|s| {
                s.iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(" + ")
            })
            .collect::<Vec<_>>()
            .join(", or ");
        let found = if present.is_empty() {
            "none".to_string()
        } else {
            present
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        self.err(
            path,
            format!("{dist} needs {alternatives} (found {found})"),
            Some("give exactly one of those key sets".into()),
        );
        None
    }

    fn dist_model(
        &mut self,
        path: &str,
        d: &raw::DurationDist,
        memory_mb: u32,
        default_cpu_fraction: f64,
    ) -> Option<DurationModel> {
        let at = |k: &str| format!("{path}.{k}");
        let reference = match &d.reference_memory_mb {
            None => Some(memory_mb),
            Some(_) => self.int_range(
                &at("reference-memory-mb"),
                &d.reference_memory_mb,
                MIN_MEMORY_MB,
                MAX_MEMORY_MB,
            ),
        };
        let cpu_fraction = match &d.cpu_fraction {
            None => Some(default_cpu_fraction),
            Some(_) => self.number_where(
                &at("cpu-fraction"),
                &d.cpu_fraction,
                |x| (0.0..=1.0).contains(&x),
                "in 0..=1",
            ),
        };
        let threads = match &d.threads {
            None => Some(1),
            Some(_) => self.int_range(&at("threads"), &d.threads, 1, 1024),
        };
        let present: Vec<&str> = [
            ("value", d.value.is_some()),
            ("mean", d.mean.is_some()),
            ("median", d.median.is_some()),
            ("p99", d.p99.is_some()),
            ("cv", d.cv.is_some()),
            ("shape", d.shape.is_some()),
            ("scale", d.scale.is_some()),
            ("file", d.file.is_some()),
        ]
        .iter()
        .filter(|(_, p)| *p)
        .map(|(n, _)| *n)
        .collect();
        const DISTS: [&str; 6] = ["const", "exp", "lognormal", "gamma", "weibull", "empirical"];
        let dist_name = match &d.dist {
            None => {
                self.err(
                    &at("dist"),
                    "is required",
                    Some(format!("one of {}", quoted_list(&DISTS))),
                );
                None
            }
            Some(_) => self.text(&at("dist"), &d.dist),
        };
        let positive = |v: &mut Self, key: &str, x: &Option<raw::Duration>| -> Option<f64> {
            let ms = v.dist_ms(&at(key), x)?;
            if ms > 0.0 {
                Some(ms)
            } else {
                v.err(&at(key), "must be greater than zero", None);
                None
            }
        };
        let positive_num = |v: &mut Self, key: &str, x: &Option<raw::Number>| -> Option<f64> {
            v.number_where(&at(key), x, |x| x > 0.0, "greater than zero")
        };
        let dist = match dist_name.as_deref() {
            None => None,
            Some("const") => {
                self.foreign_keys(path, "dist", "const", &present, &["value"]);
                if d.value.is_none() {
                    self.missing(&at("value"), "value = \"250ms\"");
                }
                self.dist_ms(&at("value"), &d.value)
                    .map(|value_ms| Dist::Const { value_ms })
            }
            Some("exp") => {
                self.foreign_keys(path, "dist", "exp", &present, &["mean"]);
                if d.mean.is_none() {
                    self.missing(&at("mean"), "mean = \"100ms\"");
                }
                positive(self, "mean", &d.mean).map(|mean_ms| Dist::Exp { mean_ms })
            }
            Some("lognormal") => {
                self.foreign_keys(
                    path,
                    "dist",
                    "lognormal",
                    &present,
                    &["median", "p99", "mean", "cv"],
                );
                let ours: Vec<&str> = present
                    .iter()
                    .copied()
                    .filter(|k| ["median", "p99", "mean", "cv"].contains(k))
                    .collect();
                match self.one_key_set(
                    path,
                    "dist = \"lognormal\"",
                    &ours,
                    &[&["median", "p99"], &["mean", "cv"]],
                ) {
                    Some(0) => {
                        let median = positive(self, "median", &d.median);
                        let p99 = positive(self, "p99", &d.p99);
                        match (median, p99) {
                            (Some(m), Some(p)) if p > m => Some(Dist::LogNormal {
                                mu: m.ln(),
                                sigma: (p.ln() - m.ln()) / Z99,
                            }),
                            (Some(m), Some(p)) if p == m => {
                                self.err(
                                    &at("p99"),
                                    "must be > median: a lognormal needs a spread",
                                    Some("use dist = \"const\" for a fixed duration".into()),
                                );
                                None
                            }
                            (Some(m), Some(p)) => {
                                self.err(
                                    &at("p99"),
                                    format!("must be >= median ({}ms), found {}ms", m, p),
                                    Some(
                                        "p99 is the 99th percentile; it cannot be below the median"
                                            .into(),
                                    ),
                                );
                                None
                            }
                            _ => None,
                        }
                    }
                    Some(_) => {
                        let mean = positive(self, "mean", &d.mean);
                        let cv = positive_num(self, "cv", &d.cv);
                        let (mean, cv) = (mean?, cv?);
                        let s2 = (1.0 + cv * cv).ln();
                        Some(Dist::LogNormal {
                            mu: mean.ln() - s2 / 2.0,
                            sigma: s2.sqrt(),
                        })
                    }
                    None => None,
                }
            }
            Some(name @ ("gamma" | "weibull")) => {
                self.foreign_keys(
                    path,
                    "dist",
                    name,
                    &present,
                    &["mean", "cv", "shape", "scale"],
                );
                let ours: Vec<&str> = present
                    .iter()
                    .copied()
                    .filter(|k| ["mean", "cv", "shape", "scale"].contains(k))
                    .collect();
                let label = format!("dist = \"{name}\"");
                match self.one_key_set(path, &label, &ours, &[&["mean", "cv"], &["shape", "scale"]])
                {
                    Some(0) => {
                        let mean = positive(self, "mean", &d.mean);
                        let cv = positive_num(self, "cv", &d.cv);
                        let (mean, cv) = (mean?, cv?);
                        if name == "gamma" {
                            Some(Dist::Gamma {
                                shape: 1.0 / (cv * cv),
                                scale_ms: mean * cv * cv,
                            })
                        } else {
                            match weibull_shape_for_cv(cv) {
                                Some(k) => Some(Dist::Weibull {
                                    shape: k,
                                    scale_ms: mean / statrs::function::gamma::gamma(1.0 + 1.0 / k),
                                }),
                                None => {
                                    self.err(
                                        &at("cv"),
                                        format!("no Weibull distribution has cv = {cv}"),
                                        Some("use cv in 0.005..=50, or give shape + scale".into()),
                                    );
                                    None
                                }
                            }
                        }
                    }
                    Some(_) => {
                        let shape = positive_num(self, "shape", &d.shape);
                        let scale = positive(self, "scale", &d.scale);
                        let (shape, scale_ms) = (shape?, scale?);
                        Some(if name == "gamma" {
                            Dist::Gamma { shape, scale_ms }
                        } else {
                            Dist::Weibull { shape, scale_ms }
                        })
                    }
                    None => None,
                }
            }
            Some("empirical") => {
                self.foreign_keys(path, "dist", "empirical", &present, &["file"]);
                match self.text(&at("file"), &d.file) {
                    None => {
                        if d.file.is_none() {
                            self.missing(&at("file"), "file = \"durations.txt\"");
                        }
                        None
                    }
                    Some(file) => self.empirical(&at("file"), &file),
                }
            }
            Some(other) => {
                let hint = match other
                    .to_ascii_lowercase()
                    .replace(['-', '_', ' '], "")
                    .as_str()
                {
                    "lognormal" | "lognorm" => "did you mean `lognormal`?".to_string(),
                    "constant" | "fixed" => "did you mean `const`?".to_string(),
                    "exponential" => "did you mean `exp`?".to_string(),
                    _ => choice_hint(other, &DISTS),
                };
                self.err(
                    &at("dist"),
                    format!("unknown distribution \"{other}\""),
                    Some(hint),
                );
                None
            }
        };
        Some(DurationModel {
            dist: dist?,
            reference_memory_mb: reference?,
            cpu_fraction: cpu_fraction?,
            threads: threads?,
        })
    }

    /// [`Self::dist_model`] of a table merged with a calibration file: errors about the keys
    /// in `from_cal` (which came from the calibration file `cal_label`, table `cal_table`) are
    /// reported at the function's `calibration` key, naming the file and its TOML path.
    fn calibrated_model(
        &mut self,
        path: &str,
        d: &raw::DurationDist,
        memory_mb: u32,
        from_cal: &[&str],
        cal_label: &str,
        cal_table: &str,
    ) -> Option<DurationModel> {
        let first = self.errors.len();
        let out = self.dist_model(path, d, memory_mb, 1.0);
        let fn_path = path.rsplit_once('.').map_or(path, |(p, _)| p);
        for e in &mut self.errors[first..] {
            let Some(key) = e.path.strip_prefix(path).and_then(|k| k.strip_prefix('.')) else {
                continue;
            };
            if from_cal.contains(&key) {
                e.message = format!(
                    "in calibration file \"{cal_label}\" at {cal_table}.{key}: {}",
                    e.message
                );
                e.path = format!("{fn_path}.calibration");
            }
        }
        out
    }

    /// Reads and parses the calibration file `file` (absolute) named at `path`. A `file` key
    /// inside it is made absolute against the calibration file's folder.
    fn calibration_file(&mut self, path: &str, file: &Path) -> Option<raw::Calibration> {
        let shown = file.display();
        let text = match std::fs::read_to_string(file) {
            Ok(t) => t,
            Err(e) => {
                self.err(
                    path,
                    format!("cannot read calibration file \"{shown}\": {e}"),
                    Some("the path is relative to the workload file; write the file with `lamsim calibrate … --out FILE`".into()),
                );
                return None;
            }
        };
        let mut cal: raw::Calibration = match toml::from_str(&text) {
            Ok(c) => c,
            Err(e) => {
                let at = e.span().map_or(String::new(), |s| {
                    let before = &text[..s.start.min(text.len())];
                    format!(" (line {})", before.matches('\n').count() + 1)
                });
                self.err(
                    path,
                    format!("calibration file \"{shown}\"{at}: {}", e.message().trim()),
                    Some(
                        "tables [duration] and [init] take the keys of [function.duration]".into(),
                    ),
                );
                return None;
            }
        };
        if let Some(v) = cal.schema_version {
            if v != 1 {
                self.err(
                    path,
                    format!("calibration file \"{shown}\" at schema-version: {v} is not supported (expected 1)"),
                    Some("re-run `lamsim calibrate` with this version of lamsim".into()),
                );
                return None;
            }
        }
        let dir = file.parent().unwrap_or(Path::new("."));
        for t in [&mut cal.duration, &mut cal.init].into_iter().flatten() {
            if let Some(Lenient::Ok(f)) = &mut t.file {
                *f = dir.join(&*f).display().to_string();
            }
        }
        Some(cal)
    }

    fn empirical(&mut self, path: &str, file: &str) -> Option<Dist> {
        let full = self.file_path(file);
        let text = match std::fs::read_to_string(&full) {
            Ok(t) => t,
            Err(e) => {
                self.err(
                    path,
                    format!("cannot read \"{file}\" ({}): {e}", full.display()),
                    Some("the path is relative to the workload file".into()),
                );
                return None;
            }
        };
        let mut samples = Vec::new();
        let mut bad = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let l = line.trim();
            if l.is_empty() || l.starts_with('#') {
                continue;
            }
            match l.parse::<f64>() {
                Ok(x) if x.is_finite() && x >= 0.0 => samples.push(x),
                _ => bad.push(format!(
                    "{file}:{}: \"{l}\" is not a duration in ms (one non-negative number per line)",
                    n + 1
                )),
            }
        }
        self.report_rows(path, bad);
        if samples.is_empty() {
            self.err(
                path,
                format!("\"{file}\" holds no samples"),
                Some("write one duration in ms per line".into()),
            );
            return None;
        }
        Some(Dist::Empirical {
            path: full,
            samples_ms: Arc::new(samples),
        })
    }

    /// Reports bad rows of a data file: the first five in full, then a count.
    fn report_rows(&mut self, path: &str, bad: Vec<String>) {
        let n = bad.len();
        for msg in bad.into_iter().take(5) {
            self.err(path, msg, None);
        }
        if n > 5 {
            self.err(path, format!("... and {} more bad rows", n - 5), None);
        }
    }

    fn arrivals(
        &mut self,
        path: &str,
        a: &raw::Arrivals,
        window: SimTime,
        fname: &str,
    ) -> Option<Arrivals> {
        let at = |k: &str| format!("{path}.{k}");
        let start = self.duration(&at("start"), &a.start);
        let end = self.duration(&at("end"), &a.end);
        let (start_ok, end_ok) = (
            a.start.is_none() || start.is_some(),
            a.end.is_none() || end.is_some(),
        );
        let start = start.unwrap_or(SimTime::ZERO);
        let end = end.unwrap_or(window);
        let mut bounds_ok = start_ok && end_ok;
        if bounds_ok && end > window {
            self.err(
                &at("end"),
                format!("must be within simulation.duration ({window}), found {end}"),
                None,
            );
            bounds_ok = false;
        }
        if bounds_ok && start >= end {
            self.err(
                &at("start"),
                format!("must be before end ({end}), found {start}"),
                None,
            );
            bounds_ok = false;
        }
        let present: Vec<&str> = [
            ("rate-per-s", a.rate_per_s.is_some()),
            ("count", a.count.is_some()),
            ("on-rate-per-s", a.on_rate_per_s.is_some()),
            ("off-rate-per-s", a.off_rate_per_s.is_some()),
            ("on-mean", a.on_mean.is_some()),
            ("off-mean", a.off_mean.is_some()),
            ("mean-rate-per-s", a.mean_rate_per_s.is_some()),
            ("amplitude", a.amplitude.is_some()),
            ("period", a.period.is_some()),
            ("peak-at", a.peak_at.is_some()),
            ("hourly-rates-per-s", a.hourly_rates_per_s.is_some()),
            ("file", a.file.is_some()),
            ("trace-function", a.trace_function.is_some()),
        ]
        .iter()
        .filter(|(_, p)| *p)
        .map(|(n, _)| *n)
        .collect();
        const KINDS: [&str; 5] = ["poisson", "constant", "on-off", "diurnal", "trace"];
        let kind = match &a.kind {
            None => {
                self.err(
                    &at("kind"),
                    "is required",
                    Some(format!("one of {}", quoted_list(&KINDS))),
                );
                None
            }
            Some(_) => self.text(&at("kind"), &a.kind),
        };
        let rate =
            |v: &mut Self, key: &str, x: &Option<raw::Number>, strict: bool| -> Option<f64> {
                if x.is_none() {
                    v.missing(&at(key), &format!("{key} = 10.0"));
                    return None;
                }
                if strict {
                    v.number_where(&at(key), x, |x| x > 0.0, "greater than zero")
                } else {
                    v.number_where(&at(key), x, |x| x >= 0.0, "zero or positive")
                }
            };
        let process = match kind.as_deref() {
            None => None,
            Some("poisson") => {
                self.foreign_keys(path, "kind", "poisson", &present, &["rate-per-s"]);
                rate(self, "rate-per-s", &a.rate_per_s, true)
                    .map(|rate_per_s| ArrivalProcess::Poisson { rate_per_s })
            }
            Some("constant") => {
                self.foreign_keys(path, "kind", "constant", &present, &["rate-per-s", "count"]);
                match (&a.rate_per_s, &a.count) {
                    (Some(_), None) => rate(self, "rate-per-s", &a.rate_per_s, true)
                        .map(|r| ArrivalProcess::Constant(ConstantSpacing::Rate(r))),
                    (None, Some(_)) => {
                        let c = self.integer(&at("count"), &a.count)?;
                        if c < 1 {
                            self.err(&at("count"), format!("must be at least 1, found {c}"), None);
                            None
                        } else {
                            Some(ArrivalProcess::Constant(ConstantSpacing::Count(c as u64)))
                        }
                    }
                    (Some(_), Some(_)) => {
                        self.err(
                            path,
                            "kind = \"constant\" takes `rate-per-s` or `count`, not both",
                            None,
                        );
                        None
                    }
                    (None, None) => {
                        self.err(
                            path,
                            "kind = \"constant\" needs `rate-per-s` or `count`",
                            Some("add e.g. rate-per-s = 10.0".into()),
                        );
                        None
                    }
                }
            }
            Some("on-off") => {
                self.foreign_keys(
                    path,
                    "kind",
                    "on-off",
                    &present,
                    &["on-rate-per-s", "off-rate-per-s", "on-mean", "off-mean"],
                );
                let on = rate(self, "on-rate-per-s", &a.on_rate_per_s, true);
                let off = rate(self, "off-rate-per-s", &a.off_rate_per_s, false);
                let phase = |v: &mut Self, key: &str, x: &Option<raw::Duration>| {
                    if x.is_none() {
                        v.missing(&at(key), &format!("{key} = \"30s\""));
                        None
                    } else {
                        v.positive_duration(&at(key), x)
                    }
                };
                let on_mean = phase(self, "on-mean", &a.on_mean);
                let off_mean = phase(self, "off-mean", &a.off_mean);
                Some(ArrivalProcess::OnOff {
                    on_rate_per_s: on?,
                    off_rate_per_s: off?,
                    on_mean: on_mean?,
                    off_mean: off_mean?,
                })
            }
            Some("diurnal") => self.diurnal(path, a, &present),
            Some("trace") => {
                self.foreign_keys(path, "kind", "trace", &present, &["file", "trace-function"]);
                let tf = self.text(&at("trace-function"), &a.trace_function);
                if a.trace_function.is_some() && tf.is_none() {
                    return None;
                }
                match self.text(&at("file"), &a.file) {
                    None => {
                        if a.file.is_none() {
                            self.missing(&at("file"), "file = \"traces/requests.csv\"");
                        }
                        None
                    }
                    Some(file) => {
                        let (filter, explicit) = match tf {
                            Some(t) => (t, true),
                            None => (fname.to_string(), false),
                        };
                        self.trace(&at("file"), &file, &filter, explicit)
                            .map(|t| ArrivalProcess::Trace(Arc::new(t)))
                    }
                }
            }
            Some(other) => {
                let hint = match other.to_ascii_lowercase().replace(['-', '_'], "").as_str() {
                    "onoff" | "bursty" | "mmpp" => "did you mean `on-off`?".to_string(),
                    "replay" => "did you mean `trace`?".to_string(),
                    "periodic" | "sine" | "daily" => "did you mean `diurnal`?".to_string(),
                    _ => choice_hint(other, &KINDS),
                };
                self.err(
                    &at("kind"),
                    format!("unknown arrival kind \"{other}\""),
                    Some(hint),
                );
                None
            }
        };
        if !bounds_ok {
            return None;
        }
        Some(Arrivals {
            process: process?,
            start,
            end,
        })
    }

    fn diurnal(
        &mut self,
        path: &str,
        a: &raw::Arrivals,
        present: &[&str],
    ) -> Option<ArrivalProcess> {
        let at = |k: &str| format!("{path}.{k}");
        self.foreign_keys(
            path,
            "kind",
            "diurnal",
            present,
            &[
                "mean-rate-per-s",
                "amplitude",
                "period",
                "peak-at",
                "hourly-rates-per-s",
            ],
        );
        if let Some(h) = &a.hourly_rates_per_s {
            let sine: Vec<&str> = ["mean-rate-per-s", "amplitude", "period", "peak-at"]
                .into_iter()
                .filter(|k| present.contains(k))
                .collect();
            if !sine.is_empty() {
                self.err(
                    path,
                    format!(
                        "give either `hourly-rates-per-s` or the sine keys, not both (found {})",
                        sine.join(", ")
                    ),
                    None,
                );
                return None;
            }
            let p = at("hourly-rates-per-s");
            let list = match h {
                Lenient::Ok(l) => l,
                Lenient::Bad(b) => {
                    self.err(
                        &p,
                        format!("expected an array of 24 numbers, found {}", describe(b)),
                        None,
                    );
                    return None;
                }
            };
            if list.len() != 24 {
                self.err(
                    &p,
                    format!("must hold 24 numbers (one per hour), found {}", list.len()),
                    None,
                );
                return None;
            }
            let mut rates = [0.0; 24];
            let mut ok = true;
            for (k, x) in list.iter().enumerate() {
                match self.number_where(
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
                self.err(&p, "all 24 rates are zero: no arrivals", None);
                ok = false;
            }
            return ok.then_some(ArrivalProcess::Diurnal(DiurnalProfile::Hourly {
                rates_per_s: rates,
            }));
        }
        if a.mean_rate_per_s.is_none() {
            self.err(
                path,
                "kind = \"diurnal\" needs `mean-rate-per-s` + `amplitude` (optional `period`, `peak-at`), or `hourly-rates-per-s`",
                Some("add e.g. mean-rate-per-s = 20.0, amplitude = 0.8".into()),
            );
        }
        if a.amplitude.is_none() && a.mean_rate_per_s.is_some() {
            self.missing(&at("amplitude"), "amplitude = 0.5");
        }
        let mean = self.number_where(
            &at("mean-rate-per-s"),
            &a.mean_rate_per_s,
            |x| x > 0.0,
            "greater than zero",
        );
        let amplitude = self.number_where(
            &at("amplitude"),
            &a.amplitude,
            |x| (0.0..=1.0).contains(&x),
            "in 0..=1",
        );
        let period = match &a.period {
            None => Some(defaults::DIURNAL_PERIOD),
            Some(_) => self.positive_duration(&at("period"), &a.period),
        };
        let peak_at = match (&a.peak_at, period) {
            (None, Some(p)) => Some(SimTime(p.0 / 2)),
            (None, None) => None,
            (Some(_), period) => match (self.duration(&at("peak-at"), &a.peak_at), period) {
                (Some(pk), Some(p)) if pk >= p => {
                    self.err(
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

    fn trace(&mut self, path: &str, file: &str, filter: &str, explicit: bool) -> Option<Trace> {
        let full = self.file_path(file);
        let text = match std::fs::read_to_string(&full) {
            Ok(t) => t,
            Err(e) => {
                self.err(
                    path,
                    format!("cannot read \"{file}\" ({}): {e}", full.display()),
                    Some("the path is relative to the workload file".into()),
                );
                return None;
            }
        };
        match parse_trace(&text, file, filter, explicit) {
            Ok(mut t) => {
                t.path = full;
                Some(t)
            }
            Err(errors) => {
                let (rows, others): (Vec<_>, Vec<_>) = errors.into_iter().partition(|e| e.row);
                self.report_rows(path, rows.into_iter().map(|e| e.message).collect());
                for e in others {
                    self.err(path, e.message, e.hint);
                }
                None
            }
        }
    }
}

/// A problem in a trace file.
#[derive(Debug)]
pub(crate) struct TraceError {
    /// Whether it is about one row (these are summarised after five).
    row: bool,
    message: String,
    hint: Option<String>,
}

/// Parses a trace CSV: a header row naming `timestamp` (seconds from the start of the window)
/// and optionally `duration_ms` or `duration_s` and `function`. Fields are separated by commas
/// (no quoting); blank lines and lines starting with `#` are skipped. With a `function` column,
/// only rows whose function equals `filter` are kept. Rows are sorted by time (stable).
/// `file` labels messages (`file:line`).
pub(crate) fn parse_trace(
    text: &str,
    file: &str,
    filter: &str,
    explicit: bool,
) -> Result<Trace, Vec<TraceError>> {
    let fatal = |message: String, hint: Option<String>| {
        vec![TraceError {
            row: false,
            message,
            hint,
        }]
    };
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'));
    let Some((_, header)) = lines.next() else {
        return Err(fatal(
            format!("\"{file}\" is empty"),
            Some("the first line must be a header such as `timestamp,duration_ms,function`".into()),
        ));
    };
    let cols: Vec<String> = header.split(',').map(|c| c.trim().to_string()).collect();
    let find = |name: &str| cols.iter().position(|c| c == name);
    let Some(ts_col) = find("timestamp") else {
        return Err(fatal(
            format!("\"{file}\" has no `timestamp` column (header: {})", header.trim()),
            Some("the header row must name a `timestamp` column, in seconds from the start of the window".into()),
        ));
    };
    let dur_col = match (find("duration_ms"), find("duration_s")) {
        (Some(_), Some(_)) => {
            return Err(fatal(
                format!("\"{file}\" has both `duration_ms` and `duration_s` columns"),
                Some("keep one of them".into()),
            ));
        }
        (Some(c), None) => Some((c, 1.0)),
        (None, Some(c)) => Some((c, 1000.0)),
        (None, None) => None,
    };
    let fn_col = find("function");
    if fn_col.is_none() && explicit {
        return Err(fatal(
            format!("`trace-function` is set but \"{file}\" has no `function` column"),
            Some("remove trace-function, or add a `function` column".into()),
        ));
    }
    let mut rows: Vec<(SimTime, Option<SimTime>)> = Vec::new();
    let mut bad = Vec::new();
    let mut names: Vec<String> = Vec::new();
    for (n, line) in lines {
        let lineno = n + 1;
        let f: Vec<&str> = line.split(',').map(str::trim).collect();
        if f.len() != cols.len() {
            bad.push(format!(
                "{file}:{lineno}: {} fields, but the header has {}",
                f.len(),
                cols.len()
            ));
            continue;
        }
        if let Some(c) = fn_col {
            if f[c] != filter {
                if !names.iter().any(|x| x == f[c]) && names.len() < 1000 {
                    names.push(f[c].to_string());
                }
                continue;
            }
        }
        let ts = match f[ts_col].parse::<f64>() {
            Ok(x) if x.is_finite() && x >= 0.0 => SimTime::from_secs_f64(x),
            _ => {
                bad.push(format!(
                    "{file}:{lineno}: timestamp \"{}\" is not a non-negative number of seconds",
                    f[ts_col]
                ));
                continue;
            }
        };
        let dur = match dur_col {
            None => None,
            Some((c, to_ms)) => match f[c].parse::<f64>() {
                Ok(x) if x.is_finite() && x >= 0.0 => Some(SimTime::from_millis_f64(x * to_ms)),
                _ => {
                    bad.push(format!(
                        "{file}:{lineno}: {} \"{}\" is not a non-negative number",
                        cols[c], f[c]
                    ));
                    continue;
                }
            },
        };
        rows.push((ts, dur));
    }
    if !bad.is_empty() {
        return Err(bad
            .into_iter()
            .map(|message| TraceError {
                row: true,
                message,
                hint: None,
            })
            .collect());
    }
    if rows.is_empty() {
        return Err(match fn_col {
            Some(_) => {
                let mut shown: Vec<&str> = names.iter().map(String::as_str).take(10).collect();
                shown.sort();
                let more = if names.len() > 10 { ", …" } else { "" };
                fatal(
                    format!("\"{file}\" has no rows with function = \"{filter}\""),
                    Some(format!(
                        "set trace-function to one of: {}{more}",
                        shown.join(", ")
                    )),
                )
            }
            None => fatal(format!("\"{file}\" has no data rows"), None),
        });
    }
    rows.sort_by_key(|r| r.0);
    let durations = dur_col.map(|_| rows.iter().map(|r| r.1.unwrap_or(SimTime::ZERO)).collect());
    Ok(Trace {
        path: PathBuf::from(file),
        times: rows.iter().map(|r| r.0).collect(),
        durations,
        function: fn_col.map(|_| filter.to_string()),
    })
}

fn fmt_end(t: SimTime) -> String {
    if t == SimTime::MAX {
        "never".to_string()
    } else {
        t.to_string()
    }
}

/// `xx-name-N`, e.g. `us-east-1`, `ap-southeast-2`, `us-gov-west-1`.
fn looks_like_region(r: &str) -> bool {
    let parts: Vec<&str> = r.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts[0].chars().all(|c| c.is_ascii_lowercase())
        && parts[1..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
        && parts
            .last()
            .is_some_and(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
}

/// `YYYY-MM-DD` with a real day of the month.
fn parse_date(s: &str) -> Option<Date> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year: u16 = s[0..4].parse().ok()?;
    let month: u8 = s[5..7].parse().ok()?;
    let day: u8 = s[8..10].parse().ok()?;
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    (1..=days)
        .contains(&day)
        .then_some(Date { year, month, day })
}

/// SnapStart runtimes: Java 11 and later, Python 3.12 and later, .NET 8 and later.
fn snapstart_supported(runtime: &str) -> bool {
    let version = |prefix: &str| -> Option<u32> {
        let rest = runtime.strip_prefix(prefix)?;
        let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
        digits.parse().ok()
    };
    if let Some(v) = version("java") {
        return v >= 11;
    }
    if let Some(v) = version("python3.") {
        return v >= 12;
    }
    if let Some(v) = version("dotnet") {
        return v >= 8 && !runtime.contains("aot") && !runtime.contains(':');
    }
    false
}

/// Close matches for an unknown runtime: same family prefix, or a small edit distance.
fn close_runtimes(r: &str, ids: &[String]) -> Vec<String> {
    let lower = r.to_ascii_lowercase();
    let family: String = lower
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect();
    let mut scored: Vec<(usize, &String)> = ids
        .iter()
        .filter_map(|id| {
            let d = levenshtein(&lower, id);
            let same_family = !family.is_empty() && id.starts_with(&family);
            (d <= 3 || same_family).then_some((d, id))
        })
        .collect();
    scored.sort();
    scored
        .into_iter()
        .take(8)
        .map(|(_, id)| id.clone())
        .collect()
}

/// Solves `cv² = Γ(1+2/k)/Γ(1+1/k)² − 1` for the Weibull shape `k` (bisection on ln k; the
/// right side decreases in k). `None` outside cv in about 0.005..=50.
pub fn weibull_shape_for_cv(cv: f64) -> Option<f64> {
    use statrs::function::gamma::ln_gamma;
    let target = (1.0 + cv * cv).ln();
    let g = |k: f64| ln_gamma(1.0 + 2.0 / k) - 2.0 * ln_gamma(1.0 + 1.0 / k) - target;
    let (mut lo, mut hi) = (0.1f64.ln(), 300f64.ln());
    if g(lo.exp()) < 0.0 || g(hi.exp()) > 0.0 {
        return None;
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if g(mid.exp()) > 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some((0.5 * (lo + hi)).exp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_keys_only() {
        let keys = ["rate-per-s", "count", "kind"];
        assert_eq!(suggest("rate-per-sec", &keys), Some("rate-per-s"));
        assert_eq!(suggest("rate_per_s", &keys), Some("rate-per-s"));
        assert_eq!(suggest("knid", &keys), Some("kind"));
        assert_eq!(suggest("completely-different", &keys), None);
    }

    #[test]
    fn weibull_shape_one_is_exponential() {
        // k = 1 is the exponential distribution, whose cv is 1.
        assert!((weibull_shape_for_cv(1.0).unwrap() - 1.0).abs() < 1e-9);
        // k = 2 (Rayleigh): cv = sqrt(4/π − 1) = 0.522723...
        let cv = (4.0 / std::f64::consts::PI - 1.0).sqrt();
        assert!((weibull_shape_for_cv(cv).unwrap() - 2.0).abs() < 1e-9);
    }

    #[test]
    fn regions_and_dates() {
        assert!(looks_like_region("us-east-1"));
        assert!(looks_like_region("us-gov-west-1"));
        assert!(looks_like_region("ap-southeast-2"));
        assert!(!looks_like_region("us-east"));
        assert!(!looks_like_region("US-EAST-1"));
        assert!(!looks_like_region("useast1"));
        assert_eq!(
            parse_date("2024-02-29"),
            Some(Date {
                year: 2024,
                month: 2,
                day: 29
            })
        );
        assert_eq!(parse_date("2025-02-29"), None);
        assert_eq!(parse_date("2026-13-01"), None);
        assert_eq!(parse_date("2026-1-01"), None);
    }

    #[test]
    fn snapstart_runtimes() {
        for r in [
            "java11",
            "java21",
            "java25",
            "python3.12",
            "python3.13",
            "dotnet8",
            "dotnet10",
        ] {
            assert!(snapstart_supported(r), "{r}");
        }
        for r in [
            "java8.al2",
            "python3.11",
            "python3.9",
            "nodejs22.x",
            "provided.al2023:rust",
            "ruby3.4",
        ] {
            assert!(!snapstart_supported(r), "{r}");
        }
    }

    #[test]
    fn precise_ms_keeps_floats_exact() {
        assert_eq!(precise_ms("120ms"), Some(120.0));
        assert_eq!(precise_ms("2.5s"), Some(2500.0));
        assert_eq!(precise_ms("250us"), Some(0.25));
        let x = 84.42_f64.exp().ln();
        assert_eq!(precise_ms(&format!("{x}ms")), Some(x));
    }
}
