//! The Parquet files of an output folder, for notebooks and data tools: `timeseries.parquet`
//! (the time series of `report-data.json` in long format) and `invocations.parquet` (a bounded
//! uniform sample of the measured window's invocations). Both are built in memory from data
//! that is already bounded (at most `functions × buckets` and `sample_cap` rows), then handed to
//! [`write_dir_files`](crate::write_dir_files) with the other files of the folder.

use std::io::Cursor;

use lamsim_sim::report_data::ReportData;
use lamsim_sim::series::InvocationSample;
use lamsim_sim::summary::Summary;
use lamsim_sim::time::NS_PER_MS;
use polars::prelude::{Column, DataFrame, ParquetWriter, PolarsError};

/// Name of the time series in an output folder.
pub const TIMESERIES_PARQUET_FILE: &str = "timeseries.parquet";

/// Name of the invocation sample in an output folder.
pub const INVOCATIONS_PARQUET_FILE: &str = "invocations.parquet";

/// Columns of `timeseries.parquet`, in order: one row per (function, bucket), functions in
/// workload order, buckets in time order. `function` is a string, `in_window` a boolean, every
/// other column a 64-bit float (counts are means over replicates, so they can be fractional).
pub const TIMESERIES_COLUMNS: [&str; 13] = [
    "function",
    "bucket_start_s",
    "bucket_s",
    "in_window",
    "arrivals",
    "invocations",
    "cold_starts",
    "throttles",
    "env_total",
    "env_busy",
    "env_idle",
    "env_provisioned",
    "cost_usd",
];

/// Columns of `invocations.parquet`, in order: one row per sampled invocation, ordered by
/// replicate, then arrival. `replicate` is an unsigned 32-bit integer, `function` a string,
/// `cold`, `provisioned` and `timed_out` booleans, the others 64-bit floats.
pub const INVOCATIONS_COLUMNS: [&str; 10] = [
    "replicate",
    "function",
    "arrival_s",
    "cold",
    "provisioned",
    "timed_out",
    "init_ms",
    "duration_ms",
    "latency_ms",
    "billed_ms",
];

/// A Parquet file could not be built.
#[derive(Debug, thiserror::Error)]
#[error("cannot build {file}: {source}")]
pub struct ParquetError {
    /// The file being built.
    pub file: &'static str,
    /// What polars reported.
    #[source]
    pub source: PolarsError,
}

/// `df` as Parquet bytes (zstd-compressed).
fn to_parquet(file: &'static str, mut df: DataFrame) -> Result<Vec<u8>, ParquetError> {
    let mut buf = Cursor::new(Vec::new());
    ParquetWriter::new(&mut buf)
        .finish(&mut df)
        .map_err(|source| ParquetError { file, source })?;
    Ok(buf.into_inner())
}

/// `timeseries.parquet`: every bucket of every function of `data` ([`TIMESERIES_COLUMNS`]).
///
/// Units: `bucket_start_s` and `bucket_s` (the bucket's length: `data.bucket_s`, the last one
/// cut short by the end of the run) in seconds; `in_window` is true for buckets starting at or
/// after the warm-up; `arrivals`, `invocations`, `cold_starts` and `throttles` are requests per
/// bucket (by arrival time); `env_*` are environments averaged over the bucket; `cost_usd` is
/// the function's window bill apportioned to the bucket (0 during the warm-up).
pub fn timeseries_parquet(data: &ReportData) -> Result<Vec<u8>, ParquetError> {
    let file = TIMESERIES_PARQUET_FILE;
    let buckets = data.functions.first().map_or(0, |f| f.arrivals.len());
    let rows = data.functions.len() * buckets;
    let mut function = Vec::with_capacity(rows);
    let mut start = Vec::with_capacity(rows);
    let mut len = Vec::with_capacity(rows);
    let mut in_window = Vec::with_capacity(rows);
    for f in &data.functions {
        for i in 0..buckets {
            let s = i as f64 * data.bucket_s;
            function.push(f.name.as_str());
            start.push(s);
            len.push((s + data.bucket_s).min(data.duration_s) - s);
            in_window.push(s >= data.warmup_s);
        }
    }
    let concat = |get: fn(&lamsim_sim::report_data::FunctionSeries) -> &Vec<f64>| -> Vec<f64> {
        let mut v = Vec::with_capacity(rows);
        for f in &data.functions {
            let values = get(f);
            // Series are as long as the grid; a shorter one (never produced) is padded.
            v.extend((0..buckets).map(|i| values.get(i).copied().unwrap_or(0.0)));
        }
        v
    };
    let columns = vec![
        Column::new("function".into(), function),
        Column::new("bucket_start_s".into(), start),
        Column::new("bucket_s".into(), len),
        Column::new("in_window".into(), in_window),
        Column::new("arrivals".into(), concat(|f| &f.arrivals)),
        Column::new("invocations".into(), concat(|f| &f.invocations)),
        Column::new("cold_starts".into(), concat(|f| &f.cold_starts)),
        Column::new("throttles".into(), concat(|f| &f.throttles)),
        Column::new("env_total".into(), concat(|f| &f.env_total)),
        Column::new("env_busy".into(), concat(|f| &f.env_busy)),
        Column::new("env_idle".into(), concat(|f| &f.env_idle)),
        Column::new("env_provisioned".into(), concat(|f| &f.env_provisioned)),
        Column::new("cost_usd".into(), concat(|f| &f.cost_usd)),
    ];
    let df = DataFrame::new(rows, columns).map_err(|source| ParquetError { file, source })?;
    to_parquet(file, df)
}

/// `invocations.parquet`: the rows of `sample` ([`INVOCATIONS_COLUMNS`]), with
/// `function_names[i]` for function index `i`.
///
/// Units: `arrival_s` in seconds since the start of the run; `init_ms` (0 when warm),
/// `duration_ms` (execution), `latency_ms` (init + execution) and `billed_ms` (execution
/// rounded up to the billing granularity, plus the INIT rounded up to 1 ms when it is billed)
/// in milliseconds.
pub fn invocations_parquet(
    sample: &InvocationSample,
    function_names: &[&str],
) -> Result<Vec<u8>, ParquetError> {
    let file = INVOCATIONS_PARQUET_FILE;
    let rows = &sample.rows;
    let ms = |t: lamsim_sim::time::SimTime| t.0 as f64 / NS_PER_MS as f64;
    let name = |i: u32| function_names.get(i as usize).copied().unwrap_or("");
    let columns = vec![
        Column::new(
            "replicate".into(),
            rows.iter().map(|r| r.replicate).collect::<Vec<u32>>(),
        ),
        Column::new(
            "function".into(),
            rows.iter().map(|r| name(r.function)).collect::<Vec<&str>>(),
        ),
        Column::new(
            "arrival_s".into(),
            rows.iter()
                .map(|r| r.arrival.as_secs_f64())
                .collect::<Vec<f64>>(),
        ),
        Column::new(
            "cold".into(),
            rows.iter().map(|r| r.cold).collect::<Vec<bool>>(),
        ),
        Column::new(
            "provisioned".into(),
            rows.iter().map(|r| r.provisioned).collect::<Vec<bool>>(),
        ),
        Column::new(
            "timed_out".into(),
            rows.iter().map(|r| r.timed_out).collect::<Vec<bool>>(),
        ),
        Column::new(
            "init_ms".into(),
            rows.iter().map(|r| ms(r.init)).collect::<Vec<f64>>(),
        ),
        Column::new(
            "duration_ms".into(),
            rows.iter().map(|r| ms(r.duration)).collect::<Vec<f64>>(),
        ),
        Column::new(
            "latency_ms".into(),
            rows.iter().map(|r| ms(r.latency())).collect::<Vec<f64>>(),
        ),
        Column::new(
            "billed_ms".into(),
            rows.iter().map(|r| ms(r.billed)).collect::<Vec<f64>>(),
        ),
    ];
    let df = DataFrame::new(rows.len(), columns).map_err(|source| ParquetError { file, source })?;
    to_parquet(file, df)
}

/// Name of the per-function table (many-function layout) in an output folder.
pub const FUNCTIONS_PARQUET_FILE: &str = "functions.parquet";

/// `functions.parquet`: one row per function of `summary`, in workload order, one column per
/// field of its `functions[]` entry in `summary.json`. Nested objects are flattened into
/// dotted names (`latency_ms.p99`, `cost_usd.monthly.total`); a column whose values are all
/// numbers is Float64, all booleans Boolean, all strings String, anything else (an interval
/// `[low, high]`, the list of triggers) its JSON text. A field a function does not have is
/// null. Columns come in the order they are first met.
pub fn functions_parquet(summary: &Summary) -> Result<Vec<u8>, ParquetError> {
    use rayon::prelude::*;
    use serde_json::Value;
    use std::collections::HashMap;
    let file = FUNCTIONS_PARQUET_FILE;
    /// Moves the leaves of `v` into `row` as `(column, value)`, the column named by the path
    /// in `path` (dotted).
    fn flatten(path: &mut String, v: Value, row: &mut Vec<(String, Value)>) {
        match v {
            Value::Object(map) => {
                for (k, x) in map {
                    let len = path.len();
                    if len > 0 {
                        path.push('.');
                    }
                    path.push_str(&k);
                    flatten(path, x, row);
                    path.truncate(len);
                }
            }
            leaf => row.push((path.clone(), leaf)),
        }
    }
    // The columns in the order they are first met, each name's index beside.
    let mut names: Vec<String> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut cells: Vec<Vec<Value>> = Vec::new();
    // The leaves of a chunk of functions at a time, each function's in parallel (10,000
    // functions of about 100 fields each); chunks keep the names' copies few.
    const CHUNK: usize = 512;
    for (k, chunk) in summary.functions.chunks(CHUNK).enumerate() {
        let rows: Vec<Vec<(String, Value)>> = chunk
            .par_iter()
            .map(|f| {
                let mut row = Vec::new();
                let v = serde_json::to_value(f).unwrap_or(Value::Null);
                flatten(&mut String::new(), v, &mut row);
                row
            })
            .collect();
        for (r, row) in rows.into_iter().enumerate() {
            for (j, (name, x)) in row.into_iter().enumerate() {
                // Most functions have the fields of the first, in its order.
                let c = if names.get(j) == Some(&name) {
                    j
                } else if let Some(&c) = index.get(&name) {
                    c
                } else {
                    index.insert(name.clone(), names.len());
                    names.push(name);
                    cells.push(vec![Value::Null; summary.functions.len()]);
                    names.len() - 1
                };
                cells[c][k * CHUNK + r] = x;
            }
        }
    }
    let columns: Vec<Column> = names
        .par_iter()
        .zip(cells)
        .map(|(name, values)| {
            let present = || values.iter().filter(|v| !v.is_null());
            let name = name.as_str().into();
            if present().all(Value::is_number) {
                Column::new(name, values.iter().map(Value::as_f64).collect::<Vec<_>>())
            } else if present().all(Value::is_boolean) {
                Column::new(name, values.iter().map(Value::as_bool).collect::<Vec<_>>())
            } else if present().all(Value::is_string) {
                Column::new(name, values.iter().map(Value::as_str).collect::<Vec<_>>())
            } else {
                let text = |v: &Value| (!v.is_null()).then(|| v.to_string());
                Column::new(name, values.iter().map(text).collect::<Vec<_>>())
            }
        })
        .collect();
    let df = DataFrame::new(summary.functions.len(), columns)
        .map_err(|source| ParquetError { file, source })?;
    to_parquet(file, df)
}
