//! `lamsim run --out DIR` writes `report-data.json`, `timeseries.parquet` and
//! `invocations.parquet`; read back with polars, they agree with `summary.json`.

use std::fs::File;
use std::path::Path;

use polars::prelude::{DataFrame, ParquetReader, SerReader};

use crate::{assert_code, dir_names, example, fx, path_str, run, temp_dir};

fn read_parquet(path: &Path) -> DataFrame {
    ParquetReader::new(File::open(path).unwrap())
        .finish()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn names(df: &DataFrame) -> Vec<String> {
    df.get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect()
}

fn f64s(df: &DataFrame, col: &str) -> Vec<f64> {
    df.column(col)
        .unwrap()
        .f64()
        .unwrap()
        .into_no_null_iter()
        .collect()
}

fn bools(df: &DataFrame, col: &str) -> Vec<bool> {
    let ca = df.column(col).unwrap().bool().unwrap();
    (0..ca.len())
        .map(|i| ca.get(i).expect("no nulls"))
        .collect()
}

fn strs(df: &DataFrame, col: &str) -> Vec<String> {
    let ca = df.column(col).unwrap().str().unwrap();
    (0..ca.len())
        .map(|i| ca.get(i).expect("no nulls").to_string())
        .collect()
}

#[track_caller]
fn close(x: f64, y: f64, what: &str) {
    assert!(
        (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1e-12),
        "{what}: {x} vs {y}"
    );
}

/// Checks the three data files of `dir` against its `summary.json`; returns the number of
/// sampled invocations.
fn check_folder(dir: &Path, replicates: f64) -> usize {
    let summary = read_json(&dir.join("summary.json"));
    let data = read_json(&dir.join("report-data.json"));
    let ts = read_parquet(&dir.join("timeseries.parquet"));
    let inv = read_parquet(&dir.join("invocations.parquet"));
    assert_eq!(names(&ts), lamsim_reports::TIMESERIES_COLUMNS);
    assert_eq!(names(&inv), lamsim_reports::INVOCATIONS_COLUMNS);

    let functions = summary["functions"].as_array().unwrap();
    let bucket_s = data["bucket_s"].as_f64().unwrap();
    let duration_s = data["duration_s"].as_f64().unwrap();
    let warmup_s = summary["warmup_s"].as_f64().unwrap();
    assert_eq!(data["warmup_s"].as_f64().unwrap(), warmup_s);
    let buckets = (duration_s / bucket_s).ceil() as usize;
    assert_eq!(ts.height(), functions.len() * buckets);

    let function = strs(&ts, "function");
    let in_window = bools(&ts, "in_window");
    let start = f64s(&ts, "bucket_start_s");
    let len = f64s(&ts, "bucket_s");
    let window_s = summary["window_s"].as_f64().unwrap();
    for (i, f) in functions.iter().enumerate() {
        let name = f["name"].as_str().unwrap();
        let rows: Vec<usize> = (0..ts.height()).filter(|&r| function[r] == name).collect();
        assert_eq!(rows.len(), buckets, "{name}");
        for (k, &r) in rows.iter().enumerate() {
            assert_eq!(start[r], k as f64 * bucket_s);
            assert_eq!(in_window[r], start[r] >= warmup_s);
        }
        let window: Vec<usize> = rows.iter().copied().filter(|&r| in_window[r]).collect();
        let sum = |col: &str| -> f64 {
            let v = f64s(&ts, col);
            window.iter().map(|&r| v[r]).sum()
        };
        let avg = |col: &str| -> f64 {
            let v = f64s(&ts, col);
            window.iter().map(|&r| v[r] * len[r]).sum::<f64>() / window_s
        };
        for key in ["arrivals", "invocations", "cold_starts", "throttles"] {
            close(sum(key), f[key].as_f64().unwrap(), &format!("{name} {key}"));
        }
        close(
            sum("cost_usd"),
            f["cost_usd"]["total"].as_f64().unwrap(),
            name,
        );
        close(
            avg("env_busy"),
            f["instances"]["avg_busy"].as_f64().unwrap(),
            name,
        );
        close(
            avg("env_total"),
            f["instances"]["avg_total"].as_f64().unwrap(),
            name,
        );
        // report-data.json holds the same numbers.
        let series = &data["functions"][i];
        assert_eq!(series["name"], name);
        let json_arrivals: Vec<f64> = series["arrivals"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect();
        let all_arrivals = f64s(&ts, "arrivals");
        let parquet_arrivals: Vec<f64> = rows.iter().map(|&r| all_arrivals[r]).collect();
        assert_eq!(json_arrivals, parquet_arrivals);
    }

    // The sample: min(cap, population) rows from the measured window, consistent columns.
    let population: f64 = functions
        .iter()
        .map(|f| f["invocations"].as_f64().unwrap())
        .sum::<f64>()
        * replicates;
    let expect = population.min(lamsim_sim::series::DEFAULT_SAMPLE_CAP as f64);
    assert_eq!(inv.height() as f64, expect.round());
    let arrival = f64s(&inv, "arrival_s");
    assert!(arrival.iter().all(|t| *t >= warmup_s && *t < duration_s));
    let init = f64s(&inv, "init_ms");
    let dur = f64s(&inv, "duration_ms");
    let lat = f64s(&inv, "latency_ms");
    let billed = f64s(&inv, "billed_ms");
    let cold = bools(&inv, "cold");
    for r in 0..inv.height() {
        close(lat[r], init[r] + dur[r], "latency = init + duration");
        assert!(billed[r] >= dur[r]);
        assert_eq!(cold[r], init[r] > 0.0);
    }
    let fnames: Vec<&str> = functions
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert!(
        strs(&inv, "function")
            .iter()
            .all(|n| fnames.contains(&n.as_str()))
    );
    inv.height()
}

#[test]
fn parquet_files_agree_with_the_summary() {
    let dir = temp_dir();
    let out = dir.path().join("out");
    let o = run([
        "run",
        "-q",
        "--replicates",
        "2",
        "--out",
        &path_str(&out),
        &fx("short.toml"),
    ]);
    assert_code(&o, 0);
    // ~3,000 invocations per replicate: all of them are kept.
    let n = check_folder(&out, 2.0);
    assert!(n > 5000 && n < 7000, "{n}");
}

#[test]
fn a_large_run_is_sampled_down_to_the_cap() {
    // quickstart: ~165,000 invocations in the window, more than the 100,000-row cap.
    let dir = temp_dir();
    let out = dir.path().join("out");
    let o = run([
        "run",
        "-q",
        "--out",
        &path_str(&out),
        &path_str(&example("quickstart.toml")),
    ]);
    assert_code(&o, 0);
    let n = check_folder(&out, 1.0);
    assert_eq!(n, lamsim_sim::series::DEFAULT_SAMPLE_CAP);
}

#[test]
fn no_parquet_writes_no_parquet_files() {
    let dir = temp_dir();
    let out = dir.path().join("out");
    let o = run([
        "run",
        "-q",
        "--no-parquet",
        "--out",
        &path_str(&out),
        &fx("short.toml"),
    ]);
    assert_code(&o, 0);
    let names = dir_names(&out);
    assert_eq!(
        names,
        [
            "charts",
            "report-data.json",
            "report.html",
            "report.md",
            "summary.json",
            "workload.resolved.toml"
        ]
    );
}

#[test]
fn the_data_files_do_not_change_stdout() {
    let dir = temp_dir();
    let out = dir.path().join("out");
    let with = run([
        "run",
        "-q",
        "--format",
        "json",
        "--out",
        &path_str(&out),
        &fx("short.toml"),
    ]);
    let without = run(["run", "-q", "--format", "json", &fx("short.toml")]);
    assert_code(&with, 0);
    assert_eq!(with.stdout, without.stdout);
    assert_eq!(
        std::fs::read(out.join("summary.json")).unwrap(),
        with.stdout
    );
}
