//! `calibration = "calibration.toml"`: a file written by `lamsim calibrate` whose `[duration]`
//! and `[init]` tables fill in the keys a function's `[function.duration]` / `[function.init]`
//! leave out.

use std::path::Path;

use serde::Deserialize;

use super::distributions;
use crate::config::raw::Lenient;
use crate::config::values::Validator;
use crate::model::DurationModel;

/// The `schema-version` this version of lamsim reads.
pub const SCHEMA_VERSION: i64 = 1;

/// A calibration file written by `lamsim calibrate` and named by a function's
/// `calibration = "calibration.toml"`: the distributions in the keys of `[function.duration]`
/// and `[function.init]` (a `file` is relative to the calibration file).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Raw {
    /// `schema-version = 1`.
    pub schema_version: Option<i64>,
    /// `function = "api"`: the function measured (informational).
    pub function: Option<String>,
    /// `[duration]`: execution time of a warm invocation.
    pub duration: Option<distributions::Raw>,
    /// `[[duration-at-memory]]`: the same, fitted at other measured memory sizes (each with
    /// its `reference-memory-mb`); a function takes the table nearest its memory
    /// (see `duration_for`).
    pub duration_at_memory: Option<Vec<distributions::Raw>>,
    /// `[init]`: init (cold start) duration.
    pub init: Option<distributions::Raw>,
}

/// The duration table of `cal` for a function of `memory_mb`: among `[duration]` and the
/// `[[duration-at-memory]]` tables, the one whose `reference-memory-mb` is nearest (the larger
/// on a tie), so a measured size uses its own measurement; with its TOML path in the file.
pub(crate) fn duration_for(cal: &Raw, memory_mb: u32) -> Option<(&distributions::Raw, String)> {
    let reference = |t: &distributions::Raw| match &t.reference_memory_mb {
        Some(Lenient::Ok(m)) => Some(*m),
        _ => None,
    };
    let mut best: Option<(&distributions::Raw, String, i64)> = cal
        .duration
        .as_ref()
        .map(|d| (d, "duration".to_string(), reference(d).unwrap_or(i64::MAX)));
    for (i, t) in cal.duration_at_memory.iter().flatten().enumerate() {
        let Some(m) = reference(t) else { continue };
        let better = best.as_ref().is_none_or(|(_, _, b)| {
            let (d, db) = (m.abs_diff(memory_mb as i64), b.abs_diff(memory_mb as i64));
            d < db || (d == db && m > *b)
        });
        if better {
            best = Some((t, format!("duration-at-memory[{i}]"), m));
        }
    }
    best.map(|(t, path, _)| (t, path))
}

/// Merges a function's `[function.duration]` (or `[function.init]`) with its calibration's
/// table: keys given explicitly win. When the explicit table has `dist`, the distribution keys
/// (`dist`, `value`, `mean`, `median`, `p99`, `cv`, `shape`, `scale`, `file`) all come from it
/// and only the scaling keys (`reference-memory-mb`, `cpu-fraction`, `threads`) can come from
/// the calibration. Returns the merged table and the keys taken from the calibration.
pub(crate) fn merge(
    explicit: Option<&distributions::Raw>,
    calibrated: Option<&distributions::Raw>,
) -> Option<(distributions::Raw, Vec<&'static str>)> {
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

/// [`distributions::check`] of a table merged with a calibration file: errors about the keys
/// in `from_cal` (which came from the calibration file `cal_label`, table `cal_table`) are
/// reported at the function's `calibration` key, naming the file and its TOML path.
pub(crate) fn model(
    v: &mut Validator,
    path: &str,
    d: &distributions::Raw,
    memory_mb: u32,
    from_cal: &[&str],
    cal_label: &str,
    cal_table: &str,
) -> Option<DurationModel> {
    let first = v.errors.len();
    let out = distributions::check(v, path, d, memory_mb, distributions::CPU_FRACTION);
    let fn_path = path.rsplit_once('.').map_or(path, |(p, _)| p);
    for e in &mut v.errors[first..] {
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
pub(crate) fn load(v: &mut Validator, path: &str, file: &Path) -> Option<Raw> {
    let shown = file.display();
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) => {
            v.err(
                path,
                format!("cannot read calibration file \"{shown}\": {e}"),
                Some("the path is relative to the workload file; write the file with `lamsim calibrate … --out FILE`".into()),
            );
            return None;
        }
    };
    let mut cal: Raw = match toml::from_str(&text) {
        Ok(c) => c,
        Err(e) => {
            let at = e.span().map_or(String::new(), |s| {
                let before = &text[..s.start.min(text.len())];
                format!(" (line {})", before.matches('\n').count() + 1)
            });
            v.err(
                path,
                format!("calibration file \"{shown}\"{at}: {}", e.message().trim()),
                Some("tables [duration] and [init] take the keys of [function.duration]".into()),
            );
            return None;
        }
    };
    if let Some(version) = cal.schema_version
        && version != SCHEMA_VERSION
    {
        v.err(
                path,
                format!("calibration file \"{shown}\" at schema-version: {version} is not supported (expected 1)"),
                Some("re-run `lamsim calibrate` with this version of lamsim".into()),
            );
        return None;
    }
    let dir = file.parent().unwrap_or(Path::new("."));
    for t in [&mut cal.duration, &mut cal.init]
        .into_iter()
        .flatten()
        .chain(cal.duration_at_memory.iter_mut().flatten())
    {
        if let Some(Lenient::Ok(f)) = &mut t.file {
            *f = dir.join(&*f).display().to_string();
        }
    }
    Some(cal)
}
