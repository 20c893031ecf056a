//! Data files named in a workload: path resolution, empirical samples and request traces.
//! The readers here return what they found or what is wrong with each row; the policies that
//! name the files ([`super::policy`]) report those problems at their TOML paths.

use std::path::{Path, PathBuf};

use crate::model::Trace;
use crate::time::SimTime;

/// `file` resolved against `base_dir`: absolute, with `.` and `..` removed.
pub fn resolve(base_dir: &Path, file: &str) -> PathBuf {
    let p = base_dir.join(file);
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

/// Parses an empirical sample file: one non-negative duration in ms per line; blank lines and
/// lines starting with `#` are skipped. Returns the samples and a message for each bad row
/// (`file` labels them `file:line`).
pub fn parse_samples(text: &str, file: &str) -> (Vec<f64>, Vec<String>) {
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
    (samples, bad)
}

/// A problem in a trace file.
#[derive(Debug)]
pub struct TraceError {
    /// Whether it is about one row (these are summarised after five).
    pub row: bool,
    /// What is wrong.
    pub message: String,
    /// How to fix it, when there is something useful to say.
    pub hint: Option<String>,
}

/// Parses a trace CSV: a header row naming `timestamp` (seconds from the start of the window)
/// and optionally `duration_ms` or `duration_s` and `function`. Fields are separated by commas
/// (no quoting); blank lines and lines starting with `#` are skipped. With a `function` column,
/// only rows whose function equals `filter` are kept. Rows are sorted by time (stable).
/// `file` labels messages (`file:line`).
pub fn parse_trace(
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
        if let Some(c) = fn_col
            && f[c] != filter
        {
            if !names.iter().any(|x| x == f[c]) && names.len() < 1000 {
                names.push(f[c].to_string());
            }
            continue;
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
