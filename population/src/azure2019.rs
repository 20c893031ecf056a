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
use lamsim_sim::model::Dist;

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

/// Lambda's memory range, MB.
const MEMORY_RANGE: (u32, u32) = (128, 10_240);

fn open(path: &Path, key: &'static str) -> Result<csv::Reader<std::fs::File>, ReadError> {
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

type Key = (String, String, String);

/// Reads the three files into members, in the invocations file's order.
pub fn read(
    invocations: &Path,
    durations: &Path,
    memory: Option<&Path>,
) -> Result<Vec<Member>, ReadError> {
    let durations = read_durations(durations)?;
    let (app_memory, function_memory) = match memory {
        Some(m) => read_memory(m)?,
        None => (HashMap::new(), HashMap::new()),
    };
    let key = "invocations";
    let mut r = open(invocations, key)?;
    let headers = r
        .headers()
        .map_err(|e| bad(key, invocations, 1, e))?
        .clone();
    let owner = column(&headers, "HashOwner", key, invocations)?;
    let app = column(&headers, "HashApp", key, invocations)?;
    let function = column(&headers, "HashFunction", key, invocations)?;
    // Minute columns: every header that is a whole number, in order; they must be consecutive.
    let minutes: Vec<(usize, u32)> = headers
        .iter()
        .enumerate()
        .filter_map(|(i, h)| h.trim().parse::<u32>().ok().map(|m| (i, m)))
        .collect();
    let Some(&(_, first)) = minutes.first() else {
        return Err(ReadError {
            key,
            message: format!(
                "{} has no minute columns (headers `1`, `2`, … after HashOwner,HashApp,HashFunction,Trigger)",
                invocations.display()
            ),
            hint: None,
        });
    };
    if let Some(w) = minutes.windows(2).find(|w| w[1].1 != w[0].1 + 1) {
        return Err(ReadError {
            key,
            message: format!(
                "{}: minute columns are not consecutive ({} is followed by {})",
                invocations.display(),
                w[0].1,
                w[1].1
            ),
            hint: None,
        });
    }
    let mut members = Vec::new();
    let mut record = csv::StringRecord::new();
    let mut line = 1;
    while r
        .read_record(&mut record)
        .map_err(|e| bad(key, invocations, line + 1, e))?
    {
        line += 1;
        let field = |i: usize| record.get(i).unwrap_or("").trim().to_string();
        let k: Key = (field(owner), field(app), field(function));
        let mut counts = Vec::new();
        for &(i, m) in &minutes {
            let cell = record.get(i).unwrap_or("").trim();
            if cell.is_empty() || cell == "0" {
                continue;
            }
            let c: f64 = cell.parse().map_err(|_| {
                bad(
                    key,
                    invocations,
                    line,
                    format!("minute {m}: \"{cell}\" is not a count"),
                )
            })?;
            if !(c >= 0.0 && c.fract() == 0.0 && c <= u32::MAX as f64) {
                return Err(bad(
                    key,
                    invocations,
                    line,
                    format!("minute {m}: \"{cell}\" is not a count"),
                ));
            }
            if c > 0.0 {
                counts.push((m - first, c as u32));
            }
        }
        let memory_mb = function_memory
            .get(&k)
            .or_else(|| app_memory.get(&(k.0.clone(), k.1.clone())))
            .copied();
        members.push(Member {
            id: k.2.clone(),
            arrivals: MemberArrivals::Minutes(counts),
            duration: durations.get(&k).cloned(),
            memory_mb,
        });
    }
    Ok(members)
}

fn read_durations(path: &Path) -> Result<HashMap<Key, Dist>, ReadError> {
    let key = "durations";
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
    let mut record = csv::StringRecord::new();
    let mut line = 1;
    while r
        .read_record(&mut record)
        .map_err(|e| bad(key, path, line + 1, e))?
    {
        line += 1;
        let field = |i: usize| record.get(i).unwrap_or("").trim().to_string();
        let mut points = Vec::with_capacity(cols.len());
        let mut top: f64 = 0.0;
        for &(p, i) in &cols {
            let cell = record.get(i).unwrap_or("").trim();
            let ms: f64 = cell
                .parse()
                .ok()
                .filter(|x: &f64| x.is_finite() && *x >= 0.0)
                .ok_or_else(|| {
                    bad(
                        key,
                        path,
                        line,
                        format!("\"{cell}\" is not a duration in ms"),
                    )
                })?;
            // Percentiles of a function's per-minute averages can be non-monotone by rounding;
            // the quantile function must not decrease.
            top = top.max(ms);
            points.push((p, top));
        }
        out.insert(
            (field(owner), field(app), field(function)),
            Dist::Percentiles {
                points: Arc::new(points),
            },
        );
    }
    Ok(out)
}

type AppMemory = HashMap<(String, String), u32>;
type FunctionMemory = HashMap<Key, u32>;

fn read_memory(path: &Path) -> Result<(AppMemory, FunctionMemory), ReadError> {
    let key = "memory";
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
    let (mut apps, mut functions) = (HashMap::new(), HashMap::new());
    let mut record = csv::StringRecord::new();
    let mut line = 1;
    while r
        .read_record(&mut record)
        .map_err(|e| bad(key, path, line + 1, e))?
    {
        line += 1;
        let field = |i: usize| record.get(i).unwrap_or("").trim().to_string();
        let cell = field(value);
        let mb: f64 = cell
            .parse()
            .ok()
            .filter(|x: &f64| x.is_finite() && *x >= 0.0)
            .ok_or_else(|| bad(key, path, line, format!("\"{cell}\" is not a memory in MB")))?;
        let mb = (mb.ceil() as u32).clamp(MEMORY_RANGE.0, MEMORY_RANGE.1);
        match function {
            Some(f) => {
                functions.insert((field(owner), field(app), field(f)), mb);
            }
            None => {
                apps.insert((field(owner), field(app)), mb);
            }
        }
    }
    Ok((apps, functions))
}
