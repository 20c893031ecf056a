//! The Azure Functions 2019 schema (`AzureFunctionsDataset2019.md` of the Azure Public
//! Dataset, CC-BY 4.0):
//!
//! - `invocations_per_function_md.anon.dNN.csv`: `HashOwner,HashApp,HashFunction,Trigger,`
//!   then one column per minute of the day, labelled by its minute number (`1..1440` in the
//!   original files; excerpts may keep any consecutive range, e.g. `480..959`). The first
//!   minute column is time zero of the simulation.
//! - `function_durations_percentiles.anon.dNN.csv`: `HashOwner,HashApp,HashFunction,Average,
//!   Count,Minimum,Maximum,percentile_Average_{0,1,25,50,75,99,100}` (ms). A member's duration
//!   is the piecewise-linear quantile function through those seven points.
//! - `app_memory_percentiles.anon.dNN.csv` (optional): per application
//!   (`HashOwner,HashApp,SampleCount,AverageAllocatedMb,AverageAllocatedMb_pct1,…,_pct100`), or
//!   per function when the file also has a `HashFunction` column (as in vHive/invitro's
//!   samples). A member's memory is the largest allocated memory (`_pct100`, else the
//!   average), rounded up to a whole MB and kept within Lambda's 128..=10240 MB.
//!
//! Functions are joined on (owner, app, function); a function of the invocations file with no
//! duration row has no duration (the population's defaults must then give one).

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use lamsim_sim::config::policy::population::{Member, MemberArrivals, ReadError};
use lamsim_sim::model::{Dist, MAX_MEMORY_MB, MIN_MEMORY_MB};

/// The percentiles of the durations file, as probabilities, with their column names.
pub const DURATION_PERCENTILES: [(f64, &str); 7] = [
    (0.0, "percentile_Average_0"),
    (0.01, "percentile_Average_1"),
    (0.25, "percentile_Average_25"),
    (0.50, "percentile_Average_50"),
    (0.75, "percentile_Average_75"),
    (0.99, "percentile_Average_99"),
    (1.0, "percentile_Average_100"),
];

fn open(path: &Path, key: &'static str) -> Result<csv::Reader<std::fs::File>, ReadError> {
    if path.is_dir() {
        return Err(ReadError {
            key,
            message: format!("cannot read \"{}\": a folder, not a file", path.display()),
            hint: Some("name the CSV file inside it".into()),
        });
    }
    csv::ReaderBuilder::new()
        .has_headers(true)
        .from_path(path)
        .map_err(|e| ReadError {
            key,
            message: format!("cannot read \"{}\": {e}", path.display()),
            hint: Some("the path is relative to the workload file".into()),
        })
}

fn bad(key: &'static str, path: &Path, line: u64, what: impl std::fmt::Display) -> ReadError {
    ReadError {
        key,
        message: format!("{}: line {line}: {what}", path.display()),
        hint: None,
    }
}

fn column(
    headers: &csv::StringRecord,
    name: &str,
    key: &'static str,
    path: &Path,
) -> Result<usize, ReadError> {
    headers
        .iter()
        .position(|h| h.trim() == name)
        .ok_or_else(|| ReadError {
            key,
            message: format!(
                "{} has no `{name}` column (columns: {})",
                path.display(),
                headers.iter().take(12).collect::<Vec<_>>().join(", ")
            ),
            hint: Some(
                "azure2019 reads the Azure Functions 2019 schema (see docs/populations.md)".into(),
            ),
        })
}

/// (HashOwner, HashApp, HashFunction).
pub type Key = (String, String, String);

/// Calls `f` with each data row of `r` and its 1-based line number.
fn each_row(
    r: &mut csv::Reader<std::fs::File>,
    key: &'static str,
    path: &Path,
    mut f: impl FnMut(u64, &csv::StringRecord) -> Result<(), ReadError>,
) -> Result<(), ReadError> {
    let mut record = csv::StringRecord::new();
    let mut line = 1;
    while r
        .read_record(&mut record)
        .map_err(|e| bad(key, path, line + 1, e))?
    {
        line += 1;
        f(line, &record)?;
    }
    Ok(())
}

/// Trimmed text of column `i` of a row.
fn field(record: &csv::StringRecord, i: usize) -> String {
    record.get(i).unwrap_or("").trim().to_string()
}

/// A non-negative finite number in a cell, or an error naming `what`.
fn number(
    record: &csv::StringRecord,
    i: usize,
    (key, path, line): (&'static str, &Path, u64),
    what: &str,
) -> Result<f64, ReadError> {
    let cell = record.get(i).unwrap_or("").trim();
    cell.parse()
        .ok()
        .filter(|x: &f64| x.is_finite() && *x >= 0.0)
        .ok_or_else(|| bad(key, path, line, format!("\"{cell}\" is not {what}")))
}

/// One row of the invocations file.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// (owner, app, function).
    pub key: Key,
    /// The `Trigger` column (`http`, `timer`, …).
    pub trigger: String,
    /// `(minute, count)` for each minute with invocations, counted from the first minute
    /// column.
    pub counts: Vec<(u32, u32)>,
}

/// The invocations file: its rows and how many minute columns it has.
#[derive(Clone, Debug, PartialEq)]
pub struct Invocations {
    /// Minute columns.
    pub minutes: u32,
    /// The rows, in file order.
    pub rows: Vec<Row>,
}

/// Reads the invocations file (`key` names it in errors).
pub fn read_invocations(path: &Path, key: &'static str) -> Result<Invocations, ReadError> {
    let mut r = open(path, key)?;
    let headers = r.headers().map_err(|e| bad(key, path, 1, e))?.clone();
    let owner = column(&headers, "HashOwner", key, path)?;
    let app = column(&headers, "HashApp", key, path)?;
    let function = column(&headers, "HashFunction", key, path)?;
    let trigger = headers.iter().position(|h| h.trim() == "Trigger");
    // Minute columns: every header after the named ones (the schema puts them last), each a
    // whole number, in order; they must be consecutive. Another header there would drop its
    // counts without a word.
    let named = [Some(owner), Some(app), Some(function), trigger]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(0);
    let mut minutes: Vec<(usize, u32)> = Vec::new();
    for (i, h) in headers.iter().enumerate().skip(named + 1) {
        match h.trim().parse::<u32>() {
            Ok(m) => minutes.push((i, m)),
            Err(_) => {
                return Err(ReadError {
                    key,
                    message: format!(
                        "{}: column {} after {}, `{}`, is not a minute number (1, 2, …)",
                        path.display(),
                        i + 1,
                        &headers[named],
                        h.trim()
                    ),
                    hint: Some(
                        "the schema is HashOwner,HashApp,HashFunction,Trigger,1,2,…,1440".into(),
                    ),
                });
            }
        }
    }
    let Some(&(_, first)) = minutes.first() else {
        return Err(ReadError {
            key,
            message: format!(
                "{} has no minute columns (headers `1`, `2`, … after HashOwner,HashApp,HashFunction,Trigger)",
                path.display()
            ),
            hint: None,
        });
    };
    if let Some(w) = minutes.windows(2).find(|w| w[1].1 != w[0].1 + 1) {
        return Err(ReadError {
            key,
            message: format!(
                "{}: minute columns are not consecutive ({} is followed by {})",
                path.display(),
                w[0].1,
                w[1].1
            ),
            hint: None,
        });
    }
    let mut rows = Vec::new();
    each_row(&mut r, key, path, |line, record| {
        let mut counts = Vec::new();
        for &(i, m) in &minutes {
            let cell = record.get(i).unwrap_or("").trim();
            if cell.is_empty() || cell == "0" {
                continue;
            }
            let c = cell
                .parse::<f64>()
                .ok()
                .filter(|c| *c >= 0.0 && c.fract() == 0.0 && *c <= u32::MAX as f64)
                .ok_or_else(|| {
                    bad(
                        key,
                        path,
                        line,
                        format!(
                            "minute {m}: \"{cell}\" is not a count (a whole number in 0..={})",
                            u32::MAX
                        ),
                    )
                })?;
            if c > 0.0 {
                counts.push((m - first, c as u32));
            }
        }
        rows.push(Row {
            key: (
                field(record, owner),
                field(record, app),
                field(record, function),
            ),
            trigger: trigger.map_or_else(String::new, |t| field(record, t)),
            counts,
        });
        Ok(())
    })?;
    Ok(Invocations {
        minutes: minutes.len() as u32,
        rows,
    })
}

/// Reads the three files into members, in the invocations file's order.
pub fn read(
    invocations: &Path,
    durations: &Path,
    memory: Option<&Path>,
) -> Result<Vec<Member>, ReadError> {
    let durations = read_durations(durations, "durations")?;
    let memory = match memory {
        Some(m) => read_memory(m, "memory")?,
        None => Memory::default(),
    };
    let invocations = read_invocations(invocations, "invocations")?;
    Ok(invocations
        .rows
        .into_iter()
        .map(|row| Member {
            memory_mb: memory.of(&row.key).map(memory_mb),
            duration: durations.get(&row.key).map(|points| Dist::Percentiles {
                points: Arc::new(points.clone()),
            }),
            id: row.key.2,
            arrivals: MemberArrivals::Minutes(row.counts),
        })
        .collect())
}

/// Reads the durations file: per function, the `(probability, ms)` points of its
/// percentiles, raised to their running maximum (percentiles of per-minute averages can
/// decrease by rounding; a quantile function must not).
pub fn read_durations(
    path: &Path,
    key: &'static str,
) -> Result<HashMap<Key, Vec<(f64, f64)>>, ReadError> {
    let mut r = open(path, key)?;
    let headers = r.headers().map_err(|e| bad(key, path, 1, e))?.clone();
    let owner = column(&headers, "HashOwner", key, path)?;
    let app = column(&headers, "HashApp", key, path)?;
    let function = column(&headers, "HashFunction", key, path)?;
    let cols = DURATION_PERCENTILES
        .iter()
        .map(|(p, name)| column(&headers, name, key, path).map(|i| (*p, i)))
        .collect::<Result<Vec<_>, _>>()?;
    let mut out = HashMap::new();
    each_row(&mut r, key, path, |line, record| {
        let mut points = Vec::with_capacity(cols.len());
        let mut top: f64 = 0.0;
        for &(p, i) in &cols {
            top = top.max(number(record, i, (key, path, line), "a duration in ms")?);
            points.push((p, top));
        }
        out.insert(
            (
                field(record, owner),
                field(record, app),
                field(record, function),
            ),
            points,
        );
        Ok(())
    })?;
    Ok(out)
}

/// The memory file: allocated MB (`_pct100`, else the average) per application, or per
/// function when the file has a `HashFunction` column.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Memory {
    apps: HashMap<(String, String), f64>,
    functions: HashMap<Key, f64>,
}

impl Memory {
    /// The function's memory, MB: its own row, else its application's.
    pub fn of(&self, k: &Key) -> Option<f64> {
        self.functions
            .get(k)
            .or_else(|| self.apps.get(&(k.0.clone(), k.1.clone())))
            .copied()
    }
}

/// A memory in MB as a Lambda size: rounded up to a whole MB, within 128..=10240.
pub fn memory_mb(mb: f64) -> u32 {
    (mb.ceil() as u32).clamp(MIN_MEMORY_MB, MAX_MEMORY_MB)
}

/// Reads the memory file.
pub fn read_memory(path: &Path, key: &'static str) -> Result<Memory, ReadError> {
    let mut r = open(path, key)?;
    let headers = r.headers().map_err(|e| bad(key, path, 1, e))?.clone();
    let owner = column(&headers, "HashOwner", key, path)?;
    let app = column(&headers, "HashApp", key, path)?;
    let function = headers.iter().position(|h| h.trim() == "HashFunction");
    let value = match headers
        .iter()
        .position(|h| h.trim() == "AverageAllocatedMb_pct100")
    {
        Some(i) => i,
        None => column(&headers, "AverageAllocatedMb", key, path)?,
    };
    let mut m = Memory::default();
    each_row(&mut r, key, path, |line, record| {
        let mb = number(record, value, (key, path, line), "a memory in MB")?;
        let (o, a) = (field(record, owner), field(record, app));
        match function {
            Some(f) => m.functions.insert((o, a, field(record, f)), mb),
            None => m.apps.insert((o, a), mb),
        };
        Ok(())
    })?;
    Ok(m)
}
