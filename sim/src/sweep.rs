//! Sweeps: one workload run at every point of a cross product of settings, the Pareto front
//! of monthly cost against p99 latency, a recommendation, provisioned-concurrency break-even,
//! deterministic sharding and the merge of shard outputs.
//!
//! Everything here is pure (no I/O, no threads): the CLI parses the flags with the `parse_*`
//! functions, builds one [`Scenario`] per point with [`Workload::scenario`], runs it with
//! [`runner::run`](crate::runner::run), turns each result into a [`Point`] with
//! [`point_result`], and assembles `sweep.json` with [`finish`].
//!
//! # Settings are edits of the workload file
//!
//! Every axis is an edit of the parsed TOML document made *before* validation, so a swept
//! value is checked exactly like the file's own keys: `--memory 512` sets `memory-mb = 512`
//! on every `[[function]]`, `--architecture` sets `architecture`, `--provisioned N` sets
//! `provisioned-concurrency = N` (replacing a schedule), and `--set PATH=v1,v2` sets any key by
//! its TOML path (`function.keep-alive.idle`, `account.concurrency-limit`, `function[1].memory-mb`).
//! So that a memory sweep scales execution time as Lambda does, `[function.duration]`,
//! `[function.init]` and `[function.restore]` tables without `reference-memory-mb` are pinned to
//! the file's `memory-mb` first (the distributions were measured at that size).
//!
//! # A point's numbers
//!
//! For a workload with several functions, a point reports the *worst* function for each
//! latency and ratio (`p50_ms`, `p99_ms`, `cold_start_ratio`, `throttle_ratio` are maxima over
//! functions, which is what `[slo]` checks) and the *total* monthly bill. With replicates,
//! each value is the mean over replicates and has a `<key>_ci95` sibling (the Student-t
//! interval over replicates of the same function's value). Every point uses the workload's
//! seed, so points are compared on the same random arrivals (common random numbers).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::config::{self, ConfigErrors};
use crate::model::{MAX_MEMORY_MB, MIN_MEMORY_MB, Scenario};
use crate::runner::{RunOutput, ci95};
use crate::summary::Summary;

/// Version of the `sweep.json` and shard-file layouts.
pub const SCHEMA_VERSION: u32 = 1;
/// Name of the sweep result in an output folder.
pub const SWEEP_JSON_FILE: &str = "sweep.json";
/// Name of the CSV of points in an output folder.
pub const SWEEP_CSV_FILE: &str = "sweep.csv";
/// Name of the Markdown report in an output folder.
pub const SWEEP_REPORT_FILE: &str = "sweep.md";
/// Name of a shard's result in its output folder (read by `lamsim merge`).
pub const SHARD_JSON_FILE: &str = "sweep-shard.json";

/// What can go wrong when setting up or merging a sweep. Messages name the flag or file.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    /// A value of a list flag is not acceptable.
    #[error("{flag}: {message}")]
    BadFlag {
        /// The flag, e.g. `--memory`.
        flag: String,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// A point's workload does not validate.
    #[error("{what}: the workload does not validate:\n{errors}")]
    Invalid {
        /// The flag value or point, e.g. `--set function.keep-alive.idle=5x`.
        what: String,
        /// The validation errors.
        errors: ConfigErrors,
    },
    /// Shard outputs cannot be merged.
    #[error("cannot merge: {0}")]
    Merge(String),
}

fn bad(flag: &str, message: impl Into<String>) -> SweepError {
    SweepError::BadFlag {
        flag: flag.to_string(),
        message: message.into(),
    }
}

// ---------------------------------------------------------------------------------------------
// Axes
// ---------------------------------------------------------------------------------------------

/// What an axis changes.
#[derive(Clone, Debug, PartialEq)]
pub enum AxisKind {
    /// `--memory`: `memory-mb` of every function.
    Memory,
    /// `--architecture`: `architecture` of every function.
    Architecture,
    /// `--provisioned`: `provisioned-concurrency` of every function.
    Provisioned,
    /// `--set PATH=…`: the key at this TOML path.
    Set(String),
}

impl AxisKind {
    /// The key of this axis in `sweep.json` points: `memory_mb`, `architecture`,
    /// `provisioned`, or the TOML path of a `--set`.
    pub fn key(&self) -> &str {
        match self {
            AxisKind::Memory => "memory_mb",
            AxisKind::Architecture => "architecture",
            AxisKind::Provisioned => "provisioned",
            AxisKind::Set(p) => p,
        }
    }

    /// The TOML path the axis edits.
    pub fn toml_path(&self) -> &str {
        match self {
            AxisKind::Memory => "function.memory-mb",
            AxisKind::Architecture => "function.architecture",
            AxisKind::Provisioned => "function.provisioned-concurrency",
            AxisKind::Set(p) => p,
        }
    }

    /// The flag that sets it, for messages.
    pub fn flag(&self) -> String {
        match self {
            AxisKind::Memory => "--memory".into(),
            AxisKind::Architecture => "--architecture".into(),
            AxisKind::Provisioned => "--provisioned".into(),
            AxisKind::Set(p) => format!("--set {p}"),
        }
    }
}

/// One swept setting and its values, in the order given.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    /// What it changes.
    pub kind: AxisKind,
    /// The values (TOML values, as the file would hold them).
    pub values: Vec<toml::Value>,
}

fn split_list<'a>(flag: &str, list: &'a str) -> Result<Vec<&'a str>, SweepError> {
    let items: Vec<&str> = list.split(',').map(str::trim).collect();
    if items.iter().any(|s| s.is_empty()) {
        return Err(bad(
            flag,
            format!("`{list}` has an empty item: write values separated by commas, e.g. 512,1024"),
        ));
    }
    Ok(items)
}

fn no_duplicates(flag: &str, values: &[toml::Value]) -> Result<(), SweepError> {
    for (i, v) in values.iter().enumerate() {
        if values[..i].contains(v) {
            return Err(bad(flag, format!("{v} is given twice")));
        }
    }
    Ok(())
}

/// Parses `--memory 128,512,1769`: integers in 128..=10240 MB, no duplicates.
pub fn parse_memory(list: &str) -> Result<Axis, SweepError> {
    let mut values = Vec::new();
    for item in split_list("--memory", list)? {
        let mb: u32 = item.parse().map_err(|_| {
            bad(
                "--memory",
                format!("`{item}` is not a whole number of MB (e.g. 512)"),
            )
        })?;
        if !(MIN_MEMORY_MB..=MAX_MEMORY_MB).contains(&mb) {
            return Err(bad(
                "--memory",
                format!("{mb} MB is outside {MIN_MEMORY_MB}..={MAX_MEMORY_MB} (Lambda's range)"),
            ));
        }
        values.push(toml::Value::Integer(mb.into()));
    }
    no_duplicates("--memory", &values)?;
    Ok(Axis {
        kind: AxisKind::Memory,
        values,
    })
}

/// Parses `--architecture x86_64,arm64`.
pub fn parse_architecture(list: &str) -> Result<Axis, SweepError> {
    let mut values = Vec::new();
    for item in split_list("--architecture", list)? {
        if item != "x86_64" && item != "arm64" {
            let hint = match item.to_ascii_lowercase().as_str() {
                "x86" | "x64" | "amd64" | "x86-64" => " (did you mean `x86_64`?)",
                "aarch64" | "arm" | "graviton" => " (did you mean `arm64`?)",
                _ => "",
            };
            return Err(bad(
                "--architecture",
                format!("unknown architecture `{item}`: expected x86_64 or arm64{hint}"),
            ));
        }
        values.push(toml::Value::String(item.to_string()));
    }
    no_duplicates("--architecture", &values)?;
    Ok(Axis {
        kind: AxisKind::Architecture,
        values,
    })
}

/// The `--provisioned` value.
#[derive(Clone, Debug, PartialEq)]
pub enum ProvisionedList {
    /// `--provisioned auto`: chosen from a first run without provisioned concurrency
    /// ([`auto_provisioned_counts`]).
    Auto,
    /// Explicit counts.
    Counts(Axis),
}

/// Parses `--provisioned 0,5,10` or `--provisioned auto`.
pub fn parse_provisioned(list: &str) -> Result<ProvisionedList, SweepError> {
    if list.trim() == "auto" {
        return Ok(ProvisionedList::Auto);
    }
    let mut values = Vec::new();
    for item in split_list("--provisioned", list)? {
        let n: u32 = item.parse().map_err(|_| {
            bad(
                "--provisioned",
                format!("`{item}` is not a whole number of environments (or use `auto`)"),
            )
        })?;
        values.push(toml::Value::Integer(n.into()));
    }
    no_duplicates("--provisioned", &values)?;
    Ok(ProvisionedList::Counts(provisioned_axis(
        values
            .iter()
            .filter_map(|v| v.as_integer())
            .map(|n| n as u32),
    )))
}

/// An axis of provisioned-concurrency counts.
pub fn provisioned_axis(counts: impl IntoIterator<Item = u32>) -> Axis {
    Axis {
        kind: AxisKind::Provisioned,
        values: counts
            .into_iter()
            .map(|n| toml::Value::Integer(n.into()))
            .collect(),
    }
}

/// Parses one TOML value as written after `=` in a file; anything that is not a TOML value
/// (`5m`, `lru`) is taken as a string, so `--set function.keep-alive.idle=5m` needs no quotes.
fn parse_value(s: &str) -> toml::Value {
    format!("v = {s}")
        .parse::<toml::Table>()
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(s.trim_matches('"').to_string()))
}

/// Parses `--set PATH=v1,v2,…`: a TOML path (dotted keys; `function` means every function,
/// `function[1]` the second) and its values.
pub fn parse_set(arg: &str) -> Result<Axis, SweepError> {
    let Some((path, list)) = arg.split_once('=') else {
        return Err(bad(
            "--set",
            format!(
                "`{arg}` has no `=`: write --set KEY=v1,v2, e.g. --set function.keep-alive.idle=5m,10m"
            ),
        ));
    };
    let path = path.trim();
    let flag = format!("--set {path}");
    parse_path(path).map_err(|m| bad(&flag, m))?;
    let values: Vec<toml::Value> = split_list(&flag, list)?
        .into_iter()
        .map(parse_value)
        .collect();
    no_duplicates(&flag, &values)?;
    Ok(Axis {
        kind: AxisKind::Set(path.to_string()),
        values,
    })
}

/// One segment of a TOML path: a key, and for arrays of tables an optional index.
#[derive(Clone, Debug, PartialEq)]
struct Segment {
    key: String,
    index: Option<usize>,
}

fn parse_path(path: &str) -> Result<Vec<Segment>, String> {
    if path.is_empty() {
        return Err("the key is empty: write e.g. function.keep-alive.idle".into());
    }
    path.split('.')
        .map(|s| {
            let (key, index) = match s.split_once('[') {
                Some((k, rest)) => {
                    let i = rest
                        .strip_suffix(']')
                        .and_then(|i| i.parse::<usize>().ok())
                        .ok_or_else(|| format!("`{s}`: write an index as function[0]"))?;
                    (k, Some(i))
                }
                None => (s, None),
            };
            if key.is_empty()
                || !key
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                return Err(format!("`{path}` is not a TOML path of plain keys"));
            }
            Ok(Segment {
                key: key.to_string(),
                index,
            })
        })
        .collect()
}

/// Sets `value` at `path` in `doc`, creating missing tables; a path through an array of
/// tables without an index sets the key in every element.
fn set_path(doc: &mut toml::Table, path: &str, value: &toml::Value) -> Result<(), String> {
    let segs = parse_path(path)?;
    set_in(doc, &segs, value, "")
}

fn set_in(
    t: &mut toml::Table,
    segs: &[Segment],
    value: &toml::Value,
    at: &str,
) -> Result<(), String> {
    let (seg, rest) = segs.split_first().expect("non-empty path");
    let here = if at.is_empty() {
        seg.key.clone()
    } else {
        format!("{at}.{}", seg.key)
    };
    if rest.is_empty() && seg.index.is_none() {
        t.insert(seg.key.clone(), value.clone());
        return Ok(());
    }
    let entry = t
        .entry(seg.key.clone())
        .or_insert_with(|| toml::Value::Table(toml::Table::new()));
    match (entry, seg.index) {
        (toml::Value::Array(items), index) => {
            let chosen: Vec<usize> = match index {
                Some(i) if i < items.len() => vec![i],
                Some(i) => {
                    return Err(format!(
                        "{here}[{i}] does not exist (the file has {} entries)",
                        items.len()
                    ));
                }
                None => (0..items.len()).collect(),
            };
            for i in chosen {
                let at_i = format!("{here}[{i}]");
                if rest.is_empty() {
                    items[i] = value.clone();
                    continue;
                }
                match &mut items[i] {
                    toml::Value::Table(sub) => set_in(sub, rest, value, &at_i)?,
                    _ => return Err(format!("{at_i} is not a table")),
                }
            }
            Ok(())
        }
        (toml::Value::Table(sub), None) => set_in(sub, rest, value, &here),
        (toml::Value::Table(_), Some(i)) => {
            Err(format!("{here} is a table, not a list: drop [{i}]"))
        }
        _ => Err(format!("{here} is a value, not a table")),
    }
}

// ---------------------------------------------------------------------------------------------
// Points and the workload
// ---------------------------------------------------------------------------------------------

/// The settings of one point: one value per axis, and its index in the full sweep.
#[derive(Clone, Debug, PartialEq)]
pub struct PointSpec {
    /// Index in the cross product (the order of `sweep.json` points).
    pub index: usize,
    /// One value per axis, in axis order.
    pub values: Vec<toml::Value>,
}

impl PointSpec {
    /// `memory_mb=512 architecture=arm64`, for messages.
    pub fn label(&self, axes: &[Axis]) -> String {
        axes.iter()
            .zip(&self.values)
            .map(|(a, v)| format!("{}={}", a.kind.key(), v))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// The cross product of `axes`, the last axis varying fastest (one point with no values when
/// there are no axes).
pub fn cross_product(axes: &[Axis]) -> Vec<PointSpec> {
    let total: usize = axes.iter().map(|a| a.values.len()).product();
    (0..total)
        .map(|index| {
            let mut rest = index;
            let mut values = vec![toml::Value::Boolean(false); axes.len()];
            for (k, a) in axes.iter().enumerate().rev() {
                values[k] = a.values[rest % a.values.len()].clone();
                rest /= a.values.len();
            }
            PointSpec { index, values }
        })
        .collect()
}

/// The points that belong to shard `shard` of `count` (0-based): point `k` belongs to shard
/// `k mod count`.
pub fn shard_points(points: &[PointSpec], shard: usize, count: usize) -> Vec<PointSpec> {
    points
        .iter()
        .filter(|p| count > 0 && p.index % count == shard)
        .cloned()
        .collect()
}

/// Parses `--shard I/N` (0-based `I`, `0 <= I < N`) or `--shard /N` (index from the
/// environment, see [`shard_index_from_env`]). Returns `(Some(I) or None, N)`.
pub fn parse_shard(s: &str) -> Result<(Option<usize>, usize), SweepError> {
    let usage = "write --shard I/N with 0 <= I < N (0-based), e.g. --shard 0/4, or --shard /4 to take I from JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID";
    let Some((i, n)) = s.split_once('/') else {
        return Err(bad("--shard", format!("`{s}`: {usage}")));
    };
    let n: usize = n.trim().parse().ok().filter(|&n| n > 0).ok_or_else(|| {
        bad(
            "--shard",
            format!("`{s}`: N must be a positive integer; {usage}"),
        )
    })?;
    if i.trim().is_empty() {
        return Ok((None, n));
    }
    let i: usize = i
        .trim()
        .parse()
        .ok()
        .filter(|&i| i < n)
        .ok_or_else(|| bad("--shard", format!("`{s}`: I must be in 0..{n}; {usage}")))?;
    Ok((Some(i), n))
}

/// Environment variables that give a shard index, in the order they are tried: Kubernetes
/// Indexed Jobs (`JOB_COMPLETION_INDEX`, 0-based) and Slurm job arrays
/// (`SLURM_ARRAY_TASK_ID`, used as is: submit with `--array=0-(N-1)`).
pub const SHARD_ENV_VARS: [&str; 2] = ["JOB_COMPLETION_INDEX", "SLURM_ARRAY_TASK_ID"];

/// The shard index from the first of [`SHARD_ENV_VARS`] that `get` returns, checked against
/// `count`.
pub fn shard_index_from_env(
    count: usize,
    get: impl Fn(&str) -> Option<String>,
) -> Result<usize, SweepError> {
    for var in SHARD_ENV_VARS {
        if let Some(v) = get(var) {
            return v
                .trim()
                .parse::<usize>()
                .ok()
                .filter(|&i| i < count)
                .ok_or_else(|| {
                    bad(
                        "--shard",
                        format!("{var}={v} is not a shard index in 0..{count}"),
                    )
                });
        }
    }
    Err(bad(
        "--shard",
        format!(
            "no shard index: give --shard I/{count}, or set {} (0-based)",
            SHARD_ENV_VARS.join(" or ")
        ),
    ))
}

/// A parsed workload file, ready to be edited per point.
#[derive(Clone, Debug)]
pub struct Workload {
    doc: toml::Table,
    base_dir: PathBuf,
    label: String,
    /// The base scenario (no axis applied).
    pub base: Scenario,
    /// FNV-1a hash of the file's text (shards of one sweep must agree on it).
    pub fingerprint: String,
}

impl Workload {
    /// Reads and parses a workload file, like [`config::load`].
    pub fn load(path: &Path) -> Result<Self, ConfigErrors> {
        let label = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigErrors {
            file: label.clone(),
            errors: vec![config::ConfigError::new(
                "",
                format!("cannot read the workload file: {e}"),
            )],
        })?;
        let base = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        Self::from_text(&text, base, &label)
    }

    /// Parses and validates `text` (the file `label`, relative paths against `base_dir`),
    /// then pins `reference-memory-mb` of explicit distributions to the file's `memory-mb`
    /// (see the module docs).
    pub fn from_text(text: &str, base_dir: &Path, label: &str) -> Result<Self, ConfigErrors> {
        let base = config::from_str(text, base_dir, label)?;
        let mut doc: toml::Table = text.parse().map_err(|_| ConfigErrors {
            file: label.to_string(),
            errors: vec![config::ConfigError::new("", "cannot parse the file")],
        })?;
        if let Some(toml::Value::Array(fs)) = doc.get_mut("function") {
            for f in fs.iter_mut().filter_map(toml::Value::as_table_mut) {
                let Some(mem) = f.get("memory-mb").cloned() else {
                    continue;
                };
                for key in ["duration", "init", "restore"] {
                    if let Some(toml::Value::Table(d)) = f.get_mut(key) {
                        d.entry("reference-memory-mb")
                            .or_insert_with(|| mem.clone());
                    }
                }
            }
        }
        Ok(Workload {
            doc,
            base_dir: base_dir.to_path_buf(),
            label: label.to_string(),
            base,
            fingerprint: fnv1a(text.as_bytes()),
        })
    }

    /// The scenario of `spec`: the axes' values written into the document, then validated
    /// like the file.
    pub fn scenario(&self, axes: &[Axis], spec: &PointSpec) -> Result<Scenario, SweepError> {
        let mut doc = self.doc.clone();
        for (axis, value) in axes.iter().zip(&spec.values) {
            set_path(&mut doc, axis.kind.toml_path(), value)
                .map_err(|m| bad(&axis.kind.flag(), m))?;
        }
        let text = toml::to_string(&doc).map_err(|e| bad("--set", e.to_string()))?;
        config::from_str(&text, &self.base_dir, &self.label).map_err(|errors| SweepError::Invalid {
            what: if axes.is_empty() {
                "the workload".into()
            } else {
                format!("point {}", spec.label(axes))
            },
            errors,
        })
    }

    /// Checks every value of every axis on its own (the others as in the file), so that a bad
    /// value is reported with its flag, e.g. `--set function.keep-alive.idle=5x: …`.
    pub fn check_axes(&self, axes: &[Axis]) -> Result<(), SweepError> {
        for axis in axes {
            for v in &axis.values {
                let one = [axis.clone()];
                let spec = PointSpec {
                    index: 0,
                    values: vec![v.clone()],
                };
                match self.scenario(&one, &spec) {
                    Err(SweepError::Invalid { errors, .. }) => {
                        return Err(SweepError::Invalid {
                            what: format!("{}={v}", axis.kind.flag()),
                            errors,
                        });
                    }
                    Err(e) => return Err(e),
                    Ok(_) => {}
                }
            }
        }
        Ok(())
    }
}

/// 64-bit FNV-1a, as 16 hex digits (stable across platforms and versions).
pub fn fnv1a(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= *b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// Provisioned-concurrency counts for `--provisioned auto`, given `peak`, the largest number
/// of environments in a run without provisioned concurrency (≥ the p99.9 of busy
/// environments), and `cap` (the smallest reserved concurrency, which provisioned concurrency
/// may not exceed): every count `0..=peak` when `peak <= 10`, otherwise 0 and ten evenly
/// spaced counts up to `peak` (rounded, without duplicates).
pub fn auto_provisioned_counts(peak: u32, cap: Option<u32>) -> Vec<u32> {
    let top = cap.map_or(peak, |c| peak.min(c)).max(1);
    let mut counts: Vec<u32> = if top <= 10 {
        (0..=top).collect()
    } else {
        (0..=10)
            .map(|i| ((top as f64) * i as f64 / 10.0).round() as u32)
            .collect()
    };
    counts.dedup();
    counts
}

// ---------------------------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------------------------

/// The result of one point, as written in `sweep.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// Memory of every function, MB (`null` when the functions differ).
    pub memory_mb: Option<u32>,
    /// Architecture of every function (`null` when they differ).
    pub architecture: Option<String>,
    /// Largest provisioned-concurrency count of every function (`null` when they differ).
    pub provisioned: Option<u32>,
    /// The `--set` values, keyed by TOML path.
    #[serde(flatten)]
    pub set: BTreeMap<String, Json>,
    /// Median latency of the worst function, ms.
    pub p50_ms: f64,
    /// Its 95 % confidence interval over replicates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p50_ms_ci95: Option<[f64; 2]>,
    /// p99 latency of the worst function, ms.
    pub p99_ms: f64,
    /// Its 95 % confidence interval over replicates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p99_ms_ci95: Option<[f64; 2]>,
    /// Cold-start ratio of the worst function.
    pub cold_start_ratio: f64,
    /// Its 95 % confidence interval over replicates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cold_start_ratio_ci95: Option<[f64; 2]>,
    /// Throttle ratio of the worst function.
    pub throttle_ratio: f64,
    /// Its 95 % confidence interval over replicates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub throttle_ratio_ci95: Option<[f64; 2]>,
    /// Total monthly bill of all functions, USD.
    pub monthly_cost_usd: f64,
    /// Its 95 % confidence interval over replicates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monthly_cost_usd_ci95: Option<[f64; 2]>,
    /// Whether every `[slo]` objective holds (true without `[slo]`).
    pub meets_slo: bool,
    /// The violated objectives, as `lamsim run` prints them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub slo_violations: Vec<String>,
}

/// The value shared by every item, if they all agree.
fn common<T: PartialEq + Clone>(mut it: impl Iterator<Item = T>) -> Option<T> {
    let first = it.next()?;
    it.all(|x| x == first).then_some(first)
}

/// The index of the largest value (first on ties).
fn argmax(xs: impl Iterator<Item = f64>) -> usize {
    let mut best = (0, f64::NEG_INFINITY);
    for (i, x) in xs.enumerate() {
        if x > best.1 {
            best = (i, x);
        }
    }
    best.0
}

/// Turns the result of one point's run into its [`Point`] (see the module docs for how
/// several functions are combined).
pub fn point_result(
    axes: &[Axis],
    spec: &PointSpec,
    scenario: &Scenario,
    out: &RunOutput,
) -> Point {
    let s = &out.summary;
    let reps: Vec<&Summary> = out.replicates.iter().map(|r| &r.summary).collect();
    let ci = |xs: Vec<f64>| (xs.len() >= 2).then(|| ci95(&xs));
    // One metric: the worst function in the merged summary, and that function's replicates.
    let worst = |get: &dyn Fn(&Summary, usize) -> f64| -> (f64, Option<[f64; 2]>) {
        if s.functions.is_empty() {
            return (0.0, None);
        }
        let i = argmax((0..s.functions.len()).map(|i| get(s, i)));
        (get(s, i), ci(reps.iter().map(|r| get(r, i)).collect()))
    };
    let (p50_ms, p50_ms_ci95) = worst(&|x, i| x.functions[i].latency_ms.p50);
    let (p99_ms, p99_ms_ci95) = worst(&|x, i| x.functions[i].latency_ms.p99);
    let (cold_start_ratio, cold_start_ratio_ci95) = worst(&|x, i| x.functions[i].cold_start_ratio);
    let (throttle_ratio, throttle_ratio_ci95) = worst(&|x, i| x.functions[i].throttle_ratio);
    let monthly = |x: &Summary| x.cost.as_ref().map_or(0.0, |c| c.monthly.total_usd);
    let set = axes
        .iter()
        .zip(&spec.values)
        .filter(|(a, _)| matches!(a.kind, AxisKind::Set(_)))
        .map(|(a, v)| {
            (
                a.kind.key().to_string(),
                serde_json::to_value(v).unwrap_or(Json::Null),
            )
        })
        .collect();
    let slo = s.slo.clone().unwrap_or_default();
    Point {
        memory_mb: common(scenario.functions.iter().map(|f| f.memory_mb)),
        architecture: common(
            scenario
                .functions
                .iter()
                .map(|f| f.architecture.as_str().to_string()),
        ),
        provisioned: common(scenario.functions.iter().map(|f| f.max_provisioned())),
        set,
        p50_ms,
        p50_ms_ci95,
        p99_ms,
        p99_ms_ci95,
        cold_start_ratio,
        cold_start_ratio_ci95,
        throttle_ratio,
        throttle_ratio_ci95,
        monthly_cost_usd: monthly(s),
        monthly_cost_usd_ci95: ci(reps.iter().map(|r| monthly(r)).collect()),
        meets_slo: s.slo.is_none() || slo.met,
        slo_violations: slo.violations,
    }
}

/// Indices of the points on the Pareto front of (monthly cost, p99): those no other point
/// beats on one and matches or beats on the other. Ascending. Points with equal cost and p99
/// are all kept.
pub fn pareto_front(points: &[Point]) -> Vec<usize> {
    (0..points.len())
        .filter(|&i| {
            let (c, p) = (points[i].monthly_cost_usd, points[i].p99_ms);
            !points.iter().any(|o| {
                o.monthly_cost_usd <= c && o.p99_ms <= p && (o.monthly_cost_usd < c || o.p99_ms < p)
            })
        })
        .collect()
}

/// The recommended point, as written in `sweep.json`: its coordinates and index.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Recommendation {
    /// Index into `points`.
    pub index: usize,
    /// The point's memory, MB.
    pub memory_mb: Option<u32>,
    /// The point's architecture.
    pub architecture: Option<String>,
    /// The point's provisioned concurrency.
    pub provisioned: Option<u32>,
    /// The point's `--set` values.
    #[serde(flatten)]
    pub set: BTreeMap<String, Json>,
}

/// The index of the cheapest point meeting every `[slo]` (every point meets it when there is
/// none); ties go to the lower p99, then the lower index. `None` when no point meets the SLO.
pub fn recommend(points: &[Point]) -> Option<usize> {
    cheapest(points.iter().enumerate().filter(|(_, p)| p.meets_slo))
}

fn cheapest<'a>(it: impl Iterator<Item = (usize, &'a Point)>) -> Option<usize> {
    it.min_by(|(i, a), (j, b)| {
        a.monthly_cost_usd
            .total_cmp(&b.monthly_cost_usd)
            .then(a.p99_ms.total_cmp(&b.p99_ms))
            .then(i.cmp(j))
    })
    .map(|(i, _)| i)
}

/// The objectives of a workload's `[slo]`, as written in `sweep.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SloSpec {
    /// `p99`, ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p99_ms: Option<f64>,
    /// `cold-start-ratio`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cold_start_ratio: Option<f64>,
    /// `throttle-ratio`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub throttle_ratio: Option<f64>,
    /// `monthly-cost-usd`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monthly_cost_usd: Option<f64>,
}

impl SloSpec {
    /// The objectives of `scenario`, if it has an `[slo]`.
    pub fn of(scenario: &Scenario) -> Option<Self> {
        scenario.slo.as_ref().map(|s| SloSpec {
            p99_ms: s.p99.map(|t| t.as_millis_f64()),
            cold_start_ratio: s.cold_start_ratio,
            throttle_ratio: s.throttle_ratio,
            monthly_cost_usd: s.monthly_cost_usd,
        })
    }

    /// How far `p` is from meeting the objectives: the sum over objectives of the relative
    /// excess `max(0, value / bound - 1)` (an excess over a zero bound counts as the value
    /// itself). Zero when every objective holds.
    pub fn shortfall(&self, p: &Point) -> f64 {
        let excess = |v: f64, b: Option<f64>| match b {
            Some(b) if v > b => {
                if b > 0.0 {
                    v / b - 1.0
                } else {
                    v
                }
            }
            _ => 0.0,
        };
        excess(p.p99_ms, self.p99_ms)
            + excess(p.cold_start_ratio, self.cold_start_ratio)
            + excess(p.throttle_ratio, self.throttle_ratio)
            + excess(p.monthly_cost_usd, self.monthly_cost_usd)
    }
}

/// The nearest miss when no point meets the SLO: the point with the smallest
/// [`SloSpec::shortfall`], then the cheapest.
pub fn nearest_miss(points: &[Point], slo: &SloSpec) -> Option<usize> {
    points
        .iter()
        .enumerate()
        .min_by(|(i, a), (j, b)| {
            slo.shortfall(a)
                .total_cmp(&slo.shortfall(b))
                .then(a.monthly_cost_usd.total_cmp(&b.monthly_cost_usd))
                .then(i.cmp(j))
        })
        .map(|(i, _)| i)
}

/// Provisioned-concurrency break-even for one combination of the other axes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BreakEven {
    /// Index of the point without provisioned concurrency.
    pub baseline: usize,
    /// Index of the chosen point.
    pub index: usize,
    /// Its provisioned-concurrency count.
    pub provisioned: u32,
    /// `"cost-neutral"`: the smallest count that costs no more than no provisioned concurrency
    /// and lowers the cold-start ratio; `"min-cost"`: no count does, this one costs least.
    pub rule: String,
    /// Its monthly cost, USD.
    pub monthly_cost_usd: f64,
    /// Its cold-start ratio.
    pub cold_start_ratio: f64,
    /// Monthly cost without provisioned concurrency, USD.
    pub baseline_monthly_cost_usd: f64,
    /// Cold-start ratio without provisioned concurrency.
    pub baseline_cold_start_ratio: f64,
}

/// Break-even counts of the provisioned axis (when it is swept and includes 0): for each
/// combination of the other axes, see [`BreakEven::rule`].
pub fn break_even(axes: &[Axis], specs: &[PointSpec], points: &[Point]) -> Vec<BreakEven> {
    let Some(k) = axes.iter().position(|a| a.kind == AxisKind::Provisioned) else {
        return Vec::new();
    };
    let count = |s: &PointSpec| s.values[k].as_integer().unwrap_or(0) as u32;
    let others = |s: &PointSpec| {
        let mut v = s.values.clone();
        v.remove(k);
        v
    };
    let mut out = Vec::new();
    for base in specs.iter().filter(|s| count(s) == 0) {
        let key = others(base);
        let mut group: Vec<&PointSpec> = specs
            .iter()
            .filter(|s| count(s) > 0 && others(s) == key)
            .collect();
        group.sort_by_key(|s| count(s));
        let b = &points[base.index];
        let neutral = group.iter().find(|s| {
            let p = &points[s.index];
            p.monthly_cost_usd <= b.monthly_cost_usd && p.cold_start_ratio < b.cold_start_ratio
        });
        let (chosen, rule) = match neutral {
            Some(s) => (*s, "cost-neutral"),
            None => {
                let all: Vec<&PointSpec> = std::iter::once(base).chain(group).collect();
                let best = cheapest(all.iter().map(|s| (s.index, &points[s.index])))
                    .expect("the group has its baseline");
                (
                    *all.iter().find(|s| s.index == best).expect("found"),
                    "min-cost",
                )
            }
        };
        let p = &points[chosen.index];
        out.push(BreakEven {
            baseline: base.index,
            index: chosen.index,
            provisioned: count(chosen),
            rule: rule.into(),
            monthly_cost_usd: p.monthly_cost_usd,
            cold_start_ratio: p.cold_start_ratio,
            baseline_monthly_cost_usd: b.monthly_cost_usd,
            baseline_cold_start_ratio: b.cold_start_ratio,
        });
    }
    out
}

/// One axis as written in `sweep.json`: its key and values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AxisJson {
    /// `memory_mb`, `architecture`, `provisioned` or a `--set` TOML path.
    pub key: String,
    /// The values, in sweep order.
    pub values: Vec<Json>,
}

/// What a sweep ran: everything in `sweep.json` but the results. Shards of one sweep have
/// equal headers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepHeader {
    /// Root seed of every point.
    pub seed: u64,
    /// Replicates per point.
    pub replicates: u32,
    /// Measured window, s.
    pub window_s: f64,
    /// The swept axes; the last varies fastest in `points`.
    pub axes: Vec<AxisJson>,
    /// The workload's `[slo]`, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slo: Option<SloSpec>,
}

impl SweepHeader {
    /// The header of a sweep of `axes` over `base`.
    pub fn new(base: &Scenario, axes: &[Axis]) -> Self {
        let sim = &base.simulation;
        SweepHeader {
            seed: sim.seed,
            replicates: sim.replicates,
            window_s: (sim.duration - sim.warmup).as_secs_f64(),
            axes: axes
                .iter()
                .map(|a| AxisJson {
                    key: a.kind.key().to_string(),
                    values: a
                        .values
                        .iter()
                        .map(|v| serde_json::to_value(v).unwrap_or(Json::Null))
                        .collect(),
                })
                .collect(),
            slo: SloSpec::of(base),
        }
    }
}

/// `sweep.json` (schema_version 1).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SweepReport {
    /// Always [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// What was run.
    #[serde(flatten)]
    pub header: SweepHeader,
    /// One result per point of the cross product.
    pub points: Vec<Point>,
    /// Indices of the Pareto front of monthly cost vs p99 ([`pareto_front`]).
    pub pareto: Vec<usize>,
    /// The cheapest point meeting every `[slo]` ([`recommend`]), or `null`.
    pub recommendation: Option<Recommendation>,
    /// When no point meets the SLO, the one that misses it least ([`nearest_miss`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nearest_miss: Option<usize>,
    /// Provisioned-concurrency break-even per combination of the other axes ([`break_even`]);
    /// present when `--provisioned` is swept and includes 0.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub provisioned_break_even: Vec<BreakEven>,
}

/// Assembles `sweep.json` from the header and every point's result (in index order).
pub fn finish(header: SweepHeader, axes: &[Axis], points: Vec<Point>) -> SweepReport {
    let specs = cross_product(axes);
    let pareto = pareto_front(&points);
    let rec = recommend(&points);
    let nearest = match (&rec, &header.slo) {
        (None, Some(slo)) => nearest_miss(&points, slo),
        _ => None,
    };
    let provisioned_break_even = if specs.len() == points.len() {
        break_even(axes, &specs, &points)
    } else {
        Vec::new()
    };
    SweepReport {
        schema_version: SCHEMA_VERSION,
        recommendation: rec.map(|i| {
            let p = &points[i];
            Recommendation {
                index: i,
                memory_mb: p.memory_mb,
                architecture: p.architecture.clone(),
                provisioned: p.provisioned,
                set: p.set.clone(),
            }
        }),
        header,
        points,
        pareto,
        nearest_miss: nearest,
        provisioned_break_even,
    }
}

/// Rebuilds the axes from a header (for [`finish`] after a merge).
pub fn axes_of(header: &SweepHeader) -> Vec<Axis> {
    header
        .axes
        .iter()
        .map(|a| Axis {
            kind: match a.key.as_str() {
                "memory_mb" => AxisKind::Memory,
                "architecture" => AxisKind::Architecture,
                "provisioned" => AxisKind::Provisioned,
                other => AxisKind::Set(other.to_string()),
            },
            values: a.values.iter().map(json_to_toml).collect(),
        })
        .collect()
}

fn json_to_toml(v: &Json) -> toml::Value {
    match v {
        Json::Bool(b) => toml::Value::Boolean(*b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => toml::Value::Integer(i),
            None => toml::Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Json::String(s) => toml::Value::String(s.clone()),
        other => toml::Value::String(other.to_string()),
    }
}

// ---------------------------------------------------------------------------------------------
// Shards
// ---------------------------------------------------------------------------------------------

/// One point of a shard, with its index in the full sweep.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShardPoint {
    /// Index in the full sweep.
    pub index: usize,
    /// Its result.
    pub point: Point,
}

/// `sweep-shard.json`: a shard's results, merged by `lamsim merge`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShardFile {
    /// Always [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// This shard's index (0-based).
    pub shard: usize,
    /// Number of shards.
    pub shards: usize,
    /// Points in the full sweep.
    pub total_points: usize,
    /// Hash of the workload file ([`Workload::fingerprint`]).
    pub workload_fingerprint: String,
    /// What the sweep ran.
    pub header: SweepHeader,
    /// This shard's points, by index.
    pub points: Vec<ShardPoint>,
}

/// Merges shard files of one sweep into what the unsharded sweep writes. Every shard must
/// come from the same workload, flags and shard count, and together they must hold every
/// point exactly once.
pub fn merge_shards(shards: Vec<ShardFile>) -> Result<SweepReport, SweepError> {
    let err = |m: String| SweepError::Merge(m);
    let Some(first) = shards.first() else {
        return Err(err("no shard given".into()));
    };
    let (header, total, count, fp) = (
        first.header.clone(),
        first.total_points,
        first.shards,
        first.workload_fingerprint.clone(),
    );
    let mut slots: Vec<Option<Point>> = vec![None; total];
    let mut seen = vec![false; count];
    for s in shards {
        if s.schema_version != SCHEMA_VERSION {
            return Err(err(format!(
                "shard {} has schema_version {} (expected {SCHEMA_VERSION})",
                s.shard, s.schema_version
            )));
        }
        if s.header != header || s.total_points != total || s.workload_fingerprint != fp {
            return Err(err(format!(
                "shard {} comes from another sweep (different workload file, flags, seed or replicates)",
                s.shard
            )));
        }
        if s.shards != count || s.shard >= count {
            return Err(err(format!(
                "shard {}/{} does not match the shard count {count} of the others",
                s.shard, s.shards
            )));
        }
        if std::mem::replace(&mut seen[s.shard], true) {
            return Err(err(format!("shard {} is given twice", s.shard)));
        }
        for sp in s.points {
            if sp.index >= total || sp.index % count != s.shard {
                return Err(err(format!(
                    "shard {} holds point {} which is not its own",
                    s.shard, sp.index
                )));
            }
            slots[sp.index] = Some(sp.point);
        }
    }
    let missing: Vec<String> = (0..count)
        .filter(|&i| !seen[i])
        .map(|i| i.to_string())
        .collect();
    if !missing.is_empty() {
        return Err(err(format!(
            "missing shard(s) {} of {count}",
            missing.join(", ")
        )));
    }
    let points: Vec<Point> = slots
        .into_iter()
        .enumerate()
        .map(|(i, p)| p.ok_or_else(|| err(format!("point {i} is missing from its shard"))))
        .collect::<Result<_, _>>()?;
    let axes = axes_of(&header);
    Ok(finish(header, &axes, points))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_path_creates_tables_and_fans_out_over_functions() {
        let mut doc: toml::Table = "[[function]]\nname = \"a\"\n[[function]]\nname = \"b\"\n"
            .parse()
            .unwrap();
        set_path(&mut doc, "function.keep-alive.idle", &"5m".into()).unwrap();
        set_path(
            &mut doc,
            "account.concurrency-limit",
            &toml::Value::Integer(5),
        )
        .unwrap();
        set_path(
            &mut doc,
            "function[1].memory-mb",
            &toml::Value::Integer(256),
        )
        .unwrap();
        let fs = doc["function"].as_array().unwrap();
        assert_eq!(fs[0]["keep-alive"]["idle"].as_str(), Some("5m"));
        assert_eq!(fs[1]["keep-alive"]["idle"].as_str(), Some("5m"));
        assert!(fs[0].get("memory-mb").is_none());
        assert_eq!(fs[1]["memory-mb"].as_integer(), Some(256));
        assert_eq!(doc["account"]["concurrency-limit"].as_integer(), Some(5));
        assert!(set_path(&mut doc, "function[2].x", &toml::Value::Integer(1)).is_err());
        assert!(set_path(&mut doc, "function.name.x", &toml::Value::Integer(1)).is_err());
    }

    #[test]
    fn values_parse_as_toml_or_strings() {
        assert_eq!(parse_value("500"), toml::Value::Integer(500));
        assert_eq!(parse_value("0.5"), toml::Value::Float(0.5));
        assert_eq!(parse_value("true"), toml::Value::Boolean(true));
        assert_eq!(parse_value("5m"), toml::Value::String("5m".into()));
        assert_eq!(parse_value("\"lru\""), toml::Value::String("lru".into()));
    }

    #[test]
    fn fnv1a_matches_reference_vectors() {
        assert_eq!(fnv1a(b""), "cbf29ce484222325");
        assert_eq!(fnv1a(b"a"), "af63dc4c8601ec8c");
    }
}
