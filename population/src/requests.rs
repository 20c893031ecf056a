//! Populations with one row per request, scanned lazily with polars (only the needed columns
//! are read, from CSV or Parquet):
//!
//! - `azure2021`: the Azure Functions Invocation Trace 2021 schema (CC-BY 4.0):
//!   `app,func,end_timestamp,duration`, both in seconds. A request arrives at
//!   `end_timestamp − duration` and runs for `duration`; functions are (app, func) pairs.
//! - `table`: any file with a function column (any type), a timestamp column (seconds from
//!   the start of the simulated window) and, optionally, a duration column (ms).
//!
//! Members come out sorted by function id; each member's requests by arrival time.

use std::path::Path;

use lamsim_sim::config::policy::population::{DURATION_COLUMN, Member, MemberArrivals, ReadError};
use lamsim_sim::time::SimTime;
use polars::prelude::*;

/// Whether `path` is read as Parquet (its extension), else as CSV.
fn is_parquet(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("parquet"))
}

fn scan(path: &Path, key: &'static str) -> Result<LazyFrame, ReadError> {
    let shown = path.display().to_string();
    if !path.is_file() {
        let what = if path.is_dir() {
            "a folder, not a file"
        } else {
            "no such file"
        };
        return Err(ReadError {
            key,
            message: format!("cannot read \"{shown}\": {what}"),
            hint: Some("the path is relative to the workload file".into()),
        });
    }
    let p = PlRefPath::new(shown.as_str());
    let lf = if is_parquet(path) {
        LazyFrame::scan_parquet(p, ScanArgsParquet::default())
    } else {
        LazyCsvReader::new(p)
            .with_has_header(true)
            .with_infer_schema_length(Some(10_000))
            .finish()
    };
    lf.map_err(|e| polars_error(key, path, e))
}

fn polars_error(key: &'static str, path: &Path, e: PolarsError) -> ReadError {
    let text = e.to_string();
    if text.contains("more fields than defined") && !is_parquet(path) {
        // polars names neither the line nor a fix the workload can make: find the line.
        if let Some((line, fields, header)) = first_ragged_line(path) {
            return ReadError {
                key,
                message: format!(
                    "cannot read \"{}\": line {line} has {fields} fields, the header {header}",
                    path.display()
                ),
                hint: Some("every row needs the header's fields: look for a stray comma".into()),
            };
        }
    }
    // polars' own advice names its options, which a workload cannot set.
    let text = text
        .split("\n\nConsider setting")
        .next()
        .unwrap_or(&text)
        .trim_end();
    ReadError {
        key,
        message: format!("cannot read \"{}\": {text}", path.display()),
        hint: None,
    }
}

/// The first line of the CSV at `path` with more comma-separated fields than its header:
/// `(line, fields, header fields)`, lines counted from 1 (the header).
fn first_ragged_line(path: &Path) -> Option<(usize, usize, usize)> {
    use std::io::BufRead;
    let file = std::fs::File::open(path).ok()?;
    let mut lines = std::io::BufReader::new(file).lines();
    let header = lines.next()?.ok()?.split(',').count();
    for (i, line) in lines.enumerate() {
        let fields = line.ok()?.split(',').count();
        if fields > header {
            return Some((i + 2, fields, header));
        }
    }
    None
}

/// The file's schema (read once), and its column names for messages.
fn schema_of(
    lf: &mut LazyFrame,
    key: &'static str,
    path: &Path,
) -> Result<(SchemaRef, Vec<String>), ReadError> {
    let schema = lf
        .collect_schema()
        .map_err(|e| polars_error(key, path, e))?;
    let names = schema.iter_names().map(|n| n.to_string()).collect();
    Ok((schema, names))
}

/// The unit a numeric column is read in.
#[derive(Clone, Copy)]
enum Unit {
    Seconds,
    Millis,
}

/// Column `name` as a number of `unit`: a plain number as it is; a Parquet duration
/// (`duration[ms]`, …) converted from its own unit. Date-times are refused: they are instants,
/// not offsets from the start of the window.
fn number(
    schema: &Schema,
    name: &str,
    unit: Unit,
    config_key: &str,
    key: &'static str,
    path: &Path,
) -> Result<Expr, ReadError> {
    let per_second = |u: &TimeUnit| match u {
        TimeUnit::Nanoseconds => 1e9,
        TimeUnit::Microseconds => 1e6,
        TimeUnit::Milliseconds => 1e3,
    };
    let wanted = match unit {
        Unit::Seconds => 1.0,
        Unit::Millis => 1e3,
    };
    match schema.get(name) {
        Some(DataType::Duration(u)) => Ok(col(name).cast(DataType::Int64).cast(DataType::Float64)
            * lit(wanted / per_second(u))),
        Some(t @ (DataType::Datetime(..) | DataType::Date | DataType::Time)) => Err(ReadError {
            key,
            message: format!(
                "{}: column `{name}` holds {} values; `{config_key}` wants a number of {}",
                path.display(),
                t,
                match unit {
                    Unit::Seconds => "seconds from the start of the window",
                    Unit::Millis => "milliseconds",
                }
            ),
            hint: Some(match unit {
                Unit::Seconds => "write each request's offset from the first one (in polars: (pl.col(c) - pl.col(c).min()).dt.total_seconds(fractional=True))".into(),
                Unit::Millis => "write the durations as numbers of milliseconds, or as a Parquet duration type".into(),
            }),
        }),
        _ => Ok(col(name).cast(DataType::Float64)),
    }
}

fn require(
    names: &[String],
    wanted: &str,
    what: &str,
    config_key: &str,
    key: &'static str,
    path: &Path,
) -> Result<(), ReadError> {
    if names.iter().any(|n| n == wanted) {
        return Ok(());
    }
    Err(ReadError {
        key,
        message: format!(
            "{} has no `{wanted}` column ({what}); its columns: {}",
            path.display(),
            names.join(", ")
        ),
        hint: Some(format!("name the column with `{config_key}`")),
    })
}

/// `azure2021`.
pub fn read_azure2021(path: &Path) -> Result<Vec<Member>, ReadError> {
    let key = "file";
    let mut lf = scan(path, key)?;
    let (schema, names) = schema_of(&mut lf, key, path)?;
    for c in ["app", "func", "end_timestamp", "duration"] {
        if !names.iter().any(|n| n == c) {
            return Err(ReadError {
                key,
                message: format!(
                    "{} has no `{c}` column; azure2021 reads app,func,end_timestamp,duration (its columns: {})",
                    path.display(),
                    names.join(", ")
                ),
                hint: Some("for another schema use kind = \"table\" with function-column, timestamp-column and duration-column".into()),
            });
        }
    }
    let end = number(
        &schema,
        "end_timestamp",
        Unit::Seconds,
        "end_timestamp",
        key,
        path,
    )?;
    let secs = number(&schema, "duration", Unit::Seconds, "duration", key, path)?;
    let frame = lf.select([
        col("app").cast(DataType::String).alias("a"),
        col("func").cast(DataType::String).alias("f"),
        (end - secs.clone()).alias("t"),
        (secs * lit(1000.0)).alias("d"),
    ]);
    let mut members = collect(frame, true, true, key, path)?;
    // Ids are the function hashes; the app is kept only when two apps share a function hash.
    let funcs: std::collections::BTreeSet<&str> = members
        .iter()
        .map(|m| m.id.rsplit('/').next().unwrap_or(&m.id))
        .collect();
    if funcs.len() == members.len() {
        for m in &mut members {
            m.id = m.id.rsplit('/').next().unwrap_or(&m.id).to_string();
        }
    }
    Ok(members)
}

/// `table`.
pub fn read_table(
    path: &Path,
    function: &str,
    timestamp: &str,
    duration: Option<&str>,
) -> Result<Vec<Member>, ReadError> {
    let key = "file";
    let mut lf = scan(path, key)?;
    let (schema, names) = schema_of(&mut lf, key, path)?;
    require(
        &names,
        function,
        "the function of each request",
        "function-column",
        key,
        path,
    )?;
    require(
        &names,
        timestamp,
        "arrival time in seconds",
        "timestamp-column",
        key,
        path,
    )?;
    // A column named by `duration-column` must be there; the default one is optional.
    if let Some(named) = duration {
        require(
            &names,
            named,
            "the execution time of each request in ms",
            "duration-column",
            key,
            path,
        )?;
    }
    let duration = duration.unwrap_or(DURATION_COLUMN);
    let has_duration = names.iter().any(|n| n == duration);
    let mut cols = vec![
        col(function).cast(DataType::String).alias("f"),
        number(
            &schema,
            timestamp,
            Unit::Seconds,
            "timestamp-column",
            key,
            path,
        )?
        .alias("t"),
    ];
    if has_duration {
        cols.push(
            number(
                &schema,
                duration,
                Unit::Millis,
                "duration-column",
                key,
                path,
            )?
            .alias("d"),
        );
    }
    collect(lf.select(cols), false, has_duration, key, path)
}

/// Sorts the requests by function then time, and groups them into members.
/// With `app`, the function id is `a/f` (the app column `a` then the function column `f`).
fn collect(
    frame: LazyFrame,
    app: bool,
    has_duration: bool,
    key: &'static str,
    path: &Path,
) -> Result<Vec<Member>, ReadError> {
    let mut by = if app {
        vec!["a", "f", "t"]
    } else {
        vec!["f", "t"]
    };
    if has_duration {
        by.push("d");
    }
    // The row each request came from, to name it in errors after the sort.
    let df = frame
        .with_row_index("row", None)
        .sort(by, SortMultipleOptions::default())
        .collect()
        .map_err(|e| polars_error(key, path, e))?;
    let err = |e: PolarsError| polars_error(key, path, e);
    let f = df.column("f").map_err(err)?.str().map_err(err)?.clone();
    let a = if app {
        Some(df.column("a").map_err(err)?.str().map_err(err)?.clone())
    } else {
        None
    };
    let t = df.column("t").map_err(err)?.f64().map_err(err)?.clone();
    let d = if has_duration {
        Some(df.column("d").map_err(err)?.f64().map_err(err)?.clone())
    } else {
        None
    };
    let rows = df.column("row").map_err(err)?.idx().map_err(err)?.clone();
    let parquet = is_parquet(path);
    // A CSV's line (its header is line 1), or a Parquet file's row (from 1).
    let bad_row = |i: usize, what: &str| {
        let row = rows.get(i).map_or(i as u64, u64::from);
        let at = if parquet {
            format!("row {}", row + 1)
        } else {
            format!("line {}", row + 2)
        };
        ReadError {
            key,
            message: format!("{}: {at}: {what}", path.display()),
            hint: None,
        }
    };
    let mut members: Vec<Member> = Vec::new();
    let mut current: Option<(String, Vec<SimTime>, Vec<SimTime>)> = None;
    let flush = |c: Option<(String, Vec<SimTime>, Vec<SimTime>)>, members: &mut Vec<Member>| {
        if let Some((id, times, durations)) = c {
            members.push(Member {
                id,
                arrivals: MemberArrivals::Requests {
                    times,
                    durations: has_duration.then_some(durations),
                },
                duration: None,
                memory_mb: None,
            });
        }
    };
    for i in 0..df.height() {
        let Some(func) = f.get(i) else {
            return Err(bad_row(i, "no function"));
        };
        let joined;
        let id = match &a {
            Some(a) => {
                joined = format!("{}/{func}", a.get(i).unwrap_or(""));
                joined.as_str()
            }
            None => func,
        };
        // The duration first: azure2021's arrival is its end minus its duration.
        let ms =
            match &d {
                Some(d) => Some(d.get(i).filter(|x| x.is_finite() && *x >= 0.0).ok_or_else(
                    || bad_row(i, "no duration, or not a finite number of 0 or more"),
                )?),
                None => None,
            };
        let secs = t
            .get(i)
            .filter(|x| x.is_finite())
            .ok_or_else(|| bad_row(i, "no timestamp, or not a finite number"))?;
        if secs < 0.0 {
            let secs = lamsim_sim::config::hints::number(secs);
            let mut e = bad_row(i, &format!("negative arrival time {secs} s"));
            if app {
                e.hint = Some(
                    "a request arrives at end_timestamp − duration: this one began before the trace's start; remove its row".into(),
                );
            }
            return Err(e);
        }
        if current.as_ref().is_none_or(|c| c.0 != id) {
            flush(current.take(), &mut members);
            current = Some((id.to_string(), Vec::new(), Vec::new()));
        }
        let c = current.as_mut().expect("set above");
        c.1.push(SimTime::from_nanos_f64(secs * 1e9));
        if let Some(ms) = ms {
            c.2.push(SimTime::from_nanos_f64(ms * 1e6));
        }
    }
    flush(current, &mut members);
    Ok(members)
}
