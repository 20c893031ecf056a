//! Which `--out` folders a command may write into.
//!
//! Writing is all or nothing (see [`lamsim_reports::write_dir_files`]), but a complete write
//! into the wrong folder still destroys files: a trace named `report.md`, the
//! `workload.resolved.toml` a re-run reads, or anything in `--out /`. So before running, every
//! command with `--out` checks its folder with [`check`]: it must be absent, empty, or one
//! lamsim wrote before ("ours": a result file with a `schema_version` and nothing else than
//! lamsim's own files), and it must hold none of the run's inputs.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use lamsim_reports::{
    CHARTS_DIR, FUNCTIONS_PARQUET_FILE, INVOCATIONS_PARQUET_FILE, REPORT_HTML_FILE, REPORT_MD_FILE,
    RESOLVED_TOML_FILE, SUMMARY_JSON_FILE, TIMESERIES_PARQUET_FILE,
};
use lamsim_sim::bench::SAMPLES_CSV_FILE;
use lamsim_sim::model::{ArrivalProcess, Dist, Scenario};
use lamsim_sim::shard::RUN_SHARD_JSON_FILE;
use lamsim_study::sweep::{SHARD_JSON_FILE, SWEEP_CSV_FILE, SWEEP_JSON_FILE, SWEEP_REPORT_FILE};

use crate::bench::BENCH_JSON_FILE;
use crate::run::REPORT_DATA_JSON_FILE;

/// The result files that mark a folder as written by lamsim; each holds a `schema_version`.
const MARKERS: [&str; 5] = [
    SUMMARY_JSON_FILE,
    BENCH_JSON_FILE,
    SWEEP_JSON_FILE,
    SHARD_JSON_FILE,
    RUN_SHARD_JSON_FILE,
];

/// Every name lamsim writes into an output folder of `run`, `bench`, `sweep` or `merge`.
const OURS: [&str; 16] = [
    SUMMARY_JSON_FILE,
    RESOLVED_TOML_FILE,
    REPORT_DATA_JSON_FILE,
    TIMESERIES_PARQUET_FILE,
    INVOCATIONS_PARQUET_FILE,
    REPORT_HTML_FILE,
    REPORT_MD_FILE,
    CHARTS_DIR,
    BENCH_JSON_FILE,
    SAMPLES_CSV_FILE,
    SWEEP_JSON_FILE,
    SWEEP_CSV_FILE,
    SWEEP_REPORT_FILE,
    SHARD_JSON_FILE,
    FUNCTIONS_PARQUET_FILE,
    RUN_SHARD_JSON_FILE,
];

/// Names `lamsim serve` writes into its `--out` folder (log files it appends to, and `logs/`
/// with one stream per function; no marker).
pub const SERVE_FILES: [&str; 3] = ["serve.log", "invocations.jsonl", "logs"];

/// Names `lamsim load` writes into its `--out` folder: the harness's logs, as `serve` writes
/// them during the run, then `load.md` and `load.json`.
pub const LOAD_FILES: [&str; 5] = [
    "serve.log",
    "invocations.jsonl",
    "logs",
    crate::load::LOAD_MD_FILE,
    crate::load::LOAD_JSON_FILE,
];

/// The files a workload reads besides itself: traces, empirical samples, calibration files.
pub fn inputs_of(workload: &Path, scenario: &Scenario) -> Vec<PathBuf> {
    let mut inputs = vec![workload.to_path_buf()];
    for f in &scenario.functions {
        for trigger in &f.triggers {
            if let ArrivalProcess::Trace(t) = &trigger.arrivals.process {
                inputs.push(t.path.clone());
            }
        }
        for d in [Some(&f.duration), Some(&f.init), f.restore.as_ref()]
            .into_iter()
            .flatten()
        {
            if let Dist::Empirical { path, .. } = &d.dist {
                inputs.push(path.clone());
            }
        }
        inputs.extend(f.calibration.clone());
        inputs.extend(f.handler.as_ref().map(|h| h.cwd.clone()));
    }
    // Population traces: the file keys of each resolved `[[population]]` table.
    for p in &scenario.populations {
        for key in ["invocations", "durations", "memory", "file"] {
            if let Some(path) = p.resolved.get(key).and_then(|v| v.as_str()) {
                inputs.push(PathBuf::from(path));
            }
        }
    }
    inputs
}

/// Checks that `dir` may be written by a command reading `inputs`: refused (an error naming
/// the folder and what to do) when it holds one of the inputs, or exists and is neither empty
/// nor a lamsim output folder. Commands whose folders have no marker file pass `Some` of their
/// own names: `serve` and `load` ([`SERVE_FILES`], [`LOAD_FILES`]: their logs are written
/// before any marker), `synthesize-population` and `import cloudwatch` (the files they write);
/// the others `None` (lamsim's result files).
pub fn check(dir: &Path, inputs: &[PathBuf], own: Option<&[&str]>) -> Result<()> {
    let Ok(meta) = std::fs::metadata(dir) else {
        return Ok(()); // absent: created complete, or not at all
    };
    if !meta.is_dir() {
        bail!(
            "{}: exists and is not a folder; choose another --out",
            dir.display()
        );
    }
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        names.push(entry?.file_name().to_string_lossy().into_owned());
    }
    if names.is_empty() {
        return Ok(());
    }
    let (own, marked): (&[&str], bool) = match own {
        Some(files) => (files, true),
        None => (
            &OURS,
            MARKERS.iter().any(|m| has_schema_version(&dir.join(m))),
        ),
    };
    let foreign: Vec<&String> = names
        .iter()
        .filter(|n| !own.contains(&n.as_str()) && !is_our_temporary(n))
        .collect();
    if !marked || !foreign.is_empty() {
        let shown: Vec<&str> = foreign.iter().take(3).map(|n| n.as_str()).collect();
        bail!(
            "--out {}: not empty and not a lamsim output folder{}; give a new or empty folder (lamsim only writes over its own previous results)",
            dir.display(),
            if shown.is_empty() {
                String::new()
            } else {
                format!(
                    " (it holds {}{})",
                    shown.join(", "),
                    if foreign.len() > 3 { ", …" } else { "" }
                )
            }
        );
    }
    let canonical_dir = dir.canonicalize()?;
    for input in inputs {
        if let Ok(p) = input.canonicalize()
            && p.starts_with(&canonical_dir)
        {
            bail!(
                "--out {}: holds {}, an input of this run, which writing the results could overwrite; choose another --out folder",
                dir.display(),
                input.display()
            );
        }
    }
    Ok(())
}

/// Removes from `dir` lamsim's own result files that the write just done did not write: the
/// results of an earlier run of another kind (a shard's `run-shard.json` in a folder a whole
/// run now fills, or a whole run's `summary.json` and reports in one a shard now fills), the
/// Parquet files of an earlier run when this one had `--no-parquet`, charts of functions no
/// longer charted. Left there, they would be read as this run's (`merge` takes any folder
/// with a `run-shard.json`; `summary.json` says the folder is complete).
///
/// Call it after a complete write (`written`: the names it wrote), so that a failed write
/// leaves the earlier results whole. Only lamsim's own names ([`OURS`]) are touched, and in
/// `charts/` only chart files: [`check`] refused the folder before the run if it held
/// anything else.
pub fn remove_stale(dir: &Path, written: &[&str]) -> Result<()> {
    let remove = |path: &Path| -> Result<()> {
        match std::fs::remove_file(path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => bail!(
                "cannot remove {}, left from an earlier run: {e}",
                path.display()
            ),
        }
    };
    for name in OURS {
        let path = dir.join(name);
        if name == CHARTS_DIR {
            let Ok(entries) = std::fs::read_dir(&path) else {
                continue;
            };
            for entry in entries.flatten() {
                let file = entry.file_name().to_string_lossy().into_owned();
                let chart = file.ends_with(".svg") || file.ends_with(".png");
                if chart && !written.contains(&format!("{CHARTS_DIR}/{file}").as_str()) {
                    remove(&entry.path())?;
                }
            }
            // Gone when it held only old charts.
            let _ = std::fs::remove_dir(&path);
        } else if !written.contains(&name) && path.is_file() {
            remove(&path)?;
        }
    }
    Ok(())
}

/// Whether `path` is a JSON object with a numeric `schema_version`.
fn has_schema_version(path: &Path) -> bool {
    use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};
    /// Looks at one key and skips every other value unbuilt: the `summary.json` of 10,000
    /// functions is 18 MB, and building it as a JSON tree took a third of a second before the
    /// run could start.
    struct Marker;
    impl<'de> Visitor<'de> for Marker {
        type Value = bool;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
            // The last of repeated keys counts, as in a JSON tree.
            let mut found = false;
            while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                if key == "schema_version" {
                    found = map.next_value::<serde_json::Value>()?.is_u64();
                } else {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            Ok(found)
        }
    }
    let Ok(bytes) = std::fs::read(path) else {
        return false;
    };
    let mut de = serde_json::Deserializer::from_slice(&bytes);
    matches!(de.deserialize_map(Marker), Ok(true)) && de.end().is_ok()
}

/// A temporary file or folder of an interrupted write (`.NAME.tmp-PID-N`).
fn is_our_temporary(name: &str) -> bool {
    name.starts_with('.') && name.contains(".tmp-")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The marker rule: a JSON object whose `schema_version` is a non-negative integer,
    /// wherever the key stands and however large the rest of the file.
    #[test]
    fn a_marker_is_an_object_with_an_integer_schema_version() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("summary.json");
        let big = format!(
            "{{\"functions\": [{}], \"schema_version\": 3}}",
            vec!["{\"name\": \"f\", \"x\": [1, 2.5, null, true]}"; 1000].join(", ")
        );
        let cases: [(&str, bool); 12] = [
            ("{\"schema_version\": 1}", true),
            ("  {\"a\": {\"b\": [1]}, \"schema_version\": 0}\n", true),
            (&big, true),
            ("{\"schema_version\": \"x\", \"schema_version\": 2}", true),
            ("{\"schema_version\": 2, \"schema_version\": -1}", false),
            ("{\"schema_version\": 1.5}", false),
            ("{\"schema_version\": -1}", false),
            ("{\"a\": {\"schema_version\": 1}}", false),
            ("[1]", false),
            ("{\"schema_version\": 1} x", false),
            ("{\"schema_version\": 1", false),
            ("", false),
        ];
        for (text, marked) in cases {
            std::fs::write(&path, text).unwrap();
            let short: String = text.chars().take(60).collect();
            assert_eq!(has_schema_version(&path), marked, "{short}");
        }
        assert!(!has_schema_version(&dir.path().join("absent.json")));
    }
}
