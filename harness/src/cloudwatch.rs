//! CloudWatch Logs exports of real Lambda functions: the platform's `REPORT` lines.
//!
//! Accepted inputs (detected from the text):
//! - **plain text**, one log line per line, as `aws logs tail`, the console's "Download" and
//!   `lamsim serve` print them; a line may start with a timestamp and a log stream name
//!   (`2024-05-01T12:00:00.000000+00:00 2024/05/01/[$LATEST]ab12… REPORT RequestId: …`);
//! - **JSON** of `aws logs filter-log-events` / `aws logs get-log-events`
//!   (`{"events": [{"timestamp": …, "message": "REPORT RequestId: …"}, …]}`), several such
//!   documents one after another (pages), or a bare array of events;
//! - in either, a message in Lambda's **JSON log format** (`{"type": "platform.report",
//!   "record": {"requestId": …, "metrics": {"durationMs": …, …}}}`).
//!
//! A `REPORT` line carries `RequestId`, `Duration` (ms), `Billed Duration` (ms), `Memory Size`
//! (MB), `Max Memory Used` (MB), and optionally `Init Duration` (cold starts), `Restore
//! Duration` / `Billed Restore Duration` (SnapStart), `Status: timeout|error` and `Error Type`.
//! Fields are separated by tabs, or by spaces when a copy lost them. Lines that look like
//! REPORT lines but do not parse are **counted and kept** (with their location) as
//! [`Malformed`]; `START`, `END` and every other line are counted as skipped, not errors.

use serde_json::Value;

/// How `lamsim serve`'s combined log (`serve.log`, with one stream per function beside it)
/// opens: this text, then the function names, comma-separated. `calibrate` refuses a log with
/// this line naming more than one function ([`ParsedLogs::functions`]).
pub const MIXED_LOG_MARKER: &str = "lamsim serve: this log interleaves the functions ";

/// One parsed `REPORT` line.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// Where it was found (`line 12`, `event 3`).
    pub location: String,
    /// `RequestId`.
    pub request_id: String,
    /// `Duration`, ms (the handler, without init).
    pub duration_ms: f64,
    /// `Billed Duration`, ms.
    pub billed_duration_ms: f64,
    /// `Memory Size`, MB.
    pub memory_size_mb: u32,
    /// `Max Memory Used`, MB.
    pub max_memory_used_mb: f64,
    /// `Init Duration`, ms (cold starts only).
    pub init_duration_ms: Option<f64>,
    /// `Restore Duration`, ms (SnapStart cold starts).
    pub restore_duration_ms: Option<f64>,
    /// `Billed Restore Duration`, ms.
    pub billed_restore_duration_ms: Option<f64>,
    /// `Status` when the platform ended the invocation (`timeout`, `error`); `None` on success.
    pub status: Option<String>,
    /// `Error Type`, with `Status: error`.
    pub error_type: Option<String>,
}

impl Report {
    /// Whether the invocation succeeded (no `Status` suffix, or `Status: success`).
    pub fn succeeded(&self) -> bool {
        self.status.as_deref().is_none_or(|s| s == "success")
    }
}

/// A line that looks like a REPORT line but does not parse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Malformed {
    /// Where it was found (`file:line 12`, `file:event 3`).
    pub location: String,
    /// Why it did not parse.
    pub reason: String,
    /// The line (truncated to 200 characters).
    pub text: String,
}

/// Everything read from one or more log files.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ParsedLogs {
    /// The REPORT lines that parsed, in input order.
    pub reports: Vec<Report>,
    /// REPORT lines that did not parse (all of them; callers show the first few).
    pub malformed: Vec<Malformed>,
    /// Other lines (`START`, `END`, application logs, blank lines): skipped, not errors.
    pub skipped: usize,
    /// The functions a `lamsim serve` combined log says it interleaves ([`MIXED_LOG_MARKER`]);
    /// empty for a log of one function.
    pub functions: Vec<String>,
}

impl ParsedLogs {
    /// Adds another file's results.
    pub fn extend(&mut self, other: ParsedLogs) {
        self.reports.extend(other.reports);
        self.malformed.extend(other.malformed);
        self.skipped += other.skipped;
        for f in other.functions {
            if !self.functions.contains(&f) {
                self.functions.push(f);
            }
        }
    }
}

/// A file that is JSON but not a CloudWatch export.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {message}")]
pub struct LogFormatError {
    /// The file.
    pub file: String,
    /// What is wrong.
    pub message: String,
}

/// Parses one log file's text. `file` labels locations. JSON is detected by a leading `{` or
/// `[`; anything else is read as plain text lines.
pub fn parse_logs(text: &str, file: &str) -> Result<ParsedLogs, LogFormatError> {
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        // A JSON-format log line file also starts with `{`: try the export shapes first.
        match parse_json_export(text, file) {
            Ok(p) => return Ok(p),
            Err(e) if !looks_like_json_lines(text) => return Err(e),
            Err(_) => {}
        }
    }
    let mut out = ParsedLogs::default();
    for (i, line) in text.lines().enumerate() {
        out.add_message(line, || format!("{file}:line {}", i + 1));
    }
    Ok(out)
}

/// Whether the text is Lambda JSON log lines: every non-blank line a JSON object of its own,
/// at least one of them a platform record (`"type": "platform.…"`).
fn looks_like_json_lines(text: &str) -> bool {
    let mut platform = false;
    for l in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        match serde_json::from_str::<serde_json::Map<String, Value>>(l) {
            Ok(o) => {
                platform |= o
                    .get("type")
                    .and_then(Value::as_str)
                    .is_some_and(|t| t.starts_with("platform."));
            }
            Err(_) => return false,
        }
    }
    platform
}

fn parse_json_export(text: &str, file: &str) -> Result<ParsedLogs, LogFormatError> {
    let bad = |message: String| LogFormatError {
        file: file.to_string(),
        message,
    };
    let mut out = ParsedLogs::default();
    let mut n = 0usize;
    let mut events_seen = false;
    for doc in serde_json::Deserializer::from_str(text).into_iter::<Value>() {
        let doc = doc.map_err(|e| bad(format!("not valid JSON: {e}")))?;
        let events: Vec<Value> = match doc {
            Value::Object(mut o) => match o.remove("events") {
                Some(Value::Array(a)) => a,
                Some(_) => return Err(bad("`events` is not an array".into())),
                None => {
                    return Err(bad(
                        "JSON without an `events` array: expected the output of `aws logs filter-log-events` or `aws logs get-log-events`".into(),
                    ));
                }
            },
            Value::Array(a) => a,
            _ => return Err(bad("expected a JSON object with `events`".into())),
        };
        events_seen = true;
        for ev in events {
            n += 1;
            let loc = || format!("{file}:event {n}");
            match ev.get("message").and_then(Value::as_str) {
                Some(m) => {
                    for line in m.lines() {
                        out.add_message(line, loc);
                    }
                }
                None => out.malformed.push(Malformed {
                    location: loc(),
                    reason: "event without a `message` string".into(),
                    text: clip(&ev.to_string()),
                }),
            }
        }
    }
    if !events_seen {
        return Err(bad("empty JSON document".into()));
    }
    Ok(out)
}

impl ParsedLogs {
    fn add_message(&mut self, line: &str, location: impl Fn() -> String) {
        let t = line.trim();
        if t.starts_with('{') && t.contains("platform.report") {
            match parse_json_report(t) {
                Ok(mut r) => {
                    r.location = location();
                    self.reports.push(r);
                }
                Err(reason) => self.malformed.push(Malformed {
                    location: location(),
                    reason,
                    text: clip(t),
                }),
            }
            return;
        }
        let Some(at) = t.find("REPORT RequestId") else {
            if let Some(rest) = t.strip_prefix(MIXED_LOG_MARKER) {
                let list = rest.split(" (").next().unwrap_or(rest);
                for f in list.split(',').map(str::trim).filter(|f| !f.is_empty()) {
                    if !self.functions.iter().any(|g| g == f) {
                        self.functions.push(f.to_string());
                    }
                }
            }
            self.skipped += 1;
            return;
        };
        match parse_report(&t[at..]) {
            Ok(mut r) => {
                r.location = location();
                self.reports.push(r);
            }
            Err(reason) => self.malformed.push(Malformed {
                location: location(),
                reason,
                text: clip(t),
            }),
        }
    }
}

fn clip(s: &str) -> String {
    if s.chars().count() <= 200 {
        s.to_string()
    } else {
        let mut c: String = s.chars().take(200).collect();
        c.push('…');
        c
    }
}

/// Parses a text REPORT line starting at `REPORT`. Fields are `Label: value [unit]`, separated
/// by tabs or spaces; unknown labels are tolerated (their value is skipped).
pub fn parse_report(line: &str) -> Result<Report, String> {
    let body = line
        .strip_prefix("REPORT")
        .ok_or_else(|| "does not start with REPORT".to_string())?;
    let tokens: Vec<&str> = body.split_whitespace().collect();
    let mut r = Report {
        location: String::new(),
        request_id: String::new(),
        duration_ms: f64::NAN,
        billed_duration_ms: f64::NAN,
        memory_size_mb: 0,
        max_memory_used_mb: f64::NAN,
        init_duration_ms: None,
        restore_duration_ms: None,
        billed_restore_duration_ms: None,
        status: None,
        error_type: None,
    };
    let mut memory = None;
    let mut i = 0;
    while i < tokens.len() {
        // A label is one or more words, the last ending in ':'.
        let start = i;
        while i < tokens.len() && !tokens[i].ends_with(':') {
            i += 1;
        }
        if i >= tokens.len() {
            return Err(format!(
                "unexpected text `{}` after the last field",
                tokens[start..].join(" ")
            ));
        }
        let label = tokens[start..=i].join(" ");
        let label = label.trim_end_matches(':');
        i += 1;
        let Some(&value) = tokens.get(i) else {
            return Err(format!("`{label}:` has no value"));
        };
        i += 1;
        let unit = tokens.get(i).copied();
        let mut take_unit = |want: &str| -> Result<(), String> {
            if unit == Some(want) {
                i += 1;
                Ok(())
            } else {
                Err(format!("`{label}: {value}` lacks its unit `{want}`"))
            }
        };
        let num = |v: &str| -> Result<f64, String> {
            match v.parse::<f64>() {
                Ok(x) if x.is_finite() && x >= 0.0 => Ok(x),
                _ => Err(format!("`{label}: {v}` is not a number ≥ 0")),
            }
        };
        match label {
            "RequestId" => r.request_id = value.to_string(),
            "Duration" => {
                r.duration_ms = num(value)?;
                take_unit("ms")?;
            }
            "Billed Duration" => {
                r.billed_duration_ms = num(value)?;
                take_unit("ms")?;
            }
            "Memory Size" => {
                let v: u32 = value
                    .parse()
                    .map_err(|_| format!("`Memory Size: {value}` is not a whole number of MB"))?;
                memory = Some(v);
                take_unit("MB")?;
            }
            "Max Memory Used" => {
                r.max_memory_used_mb = num(value)?;
                take_unit("MB")?;
            }
            "Init Duration" => {
                r.init_duration_ms = Some(num(value)?);
                take_unit("ms")?;
            }
            "Restore Duration" => {
                r.restore_duration_ms = Some(num(value)?);
                take_unit("ms")?;
            }
            "Billed Restore Duration" => {
                r.billed_restore_duration_ms = Some(num(value)?);
                take_unit("ms")?;
            }
            "Status" => r.status = Some(value.to_string()),
            "Error Type" => r.error_type = Some(value.to_string()),
            _ => {
                if matches!(unit, Some("ms" | "MB")) {
                    i += 1;
                }
            }
        }
    }
    let mut missing = Vec::new();
    if r.request_id.is_empty() {
        missing.push("RequestId");
    }
    if r.duration_ms.is_nan() {
        missing.push("Duration");
    }
    if r.billed_duration_ms.is_nan() {
        missing.push("Billed Duration");
    }
    if memory.is_none() {
        missing.push("Memory Size");
    }
    if r.max_memory_used_mb.is_nan() {
        missing.push("Max Memory Used");
    }
    if !missing.is_empty() {
        return Err(format!("missing {}", missing.join(", ")));
    }
    r.memory_size_mb = memory.unwrap_or(0);
    within_lambda_limits(r)
}

/// A report whose figures Lambda can give: memory in 128..=10240 MB, and times of at most
/// 15 minutes (the longest timeout, and the longest init: that of provisioned concurrency
/// and SnapStart). The one check of both log formats.
fn within_lambda_limits(r: Report) -> Result<Report, String> {
    use lamsim_sim::model::defaults::MAX_TIMEOUT_MS;
    use lamsim_sim::model::{MAX_MEMORY_MB, MIN_MEMORY_MB};
    if !(MIN_MEMORY_MB..=MAX_MEMORY_MB).contains(&r.memory_size_mb) {
        return Err(format!(
            "memory size {} MB is outside Lambda's {MIN_MEMORY_MB}..={MAX_MEMORY_MB} MB",
            r.memory_size_mb
        ));
    }
    for (what, t) in [
        ("duration", Some(r.duration_ms)),
        ("billed duration", Some(r.billed_duration_ms)),
        ("init duration", r.init_duration_ms),
        ("restore duration", r.restore_duration_ms),
    ] {
        if let Some(t) = t.filter(|&t| t > MAX_TIMEOUT_MS) {
            return Err(format!(
                "{what} {} ms is longer than Lambda's 15 minutes",
                lamsim_sim::config::hints::number(t)
            ));
        }
    }
    Ok(r)
}

/// Parses a `platform.report` record of Lambda's JSON log format.
fn parse_json_report(text: &str) -> Result<Report, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
    if v.get("type").and_then(Value::as_str) != Some("platform.report") {
        return Err("a JSON log line mentioning platform.report without that `type`".into());
    }
    let rec = v.get("record").ok_or("no `record`")?;
    let m = rec.get("metrics").ok_or("no `record.metrics`")?;
    let num = |k: &str| m.get(k).and_then(Value::as_f64).filter(|x| *x >= 0.0);
    let need = |k: &str| num(k).ok_or_else(|| format!("no number `record.metrics.{k}`"));
    let status = rec
        .get("status")
        .and_then(Value::as_str)
        .filter(|s| *s != "success")
        .map(str::to_string);
    within_lambda_limits(Report {
        location: String::new(),
        request_id: rec
            .get("requestId")
            .and_then(Value::as_str)
            .ok_or("no `record.requestId`")?
            .to_string(),
        duration_ms: need("durationMs")?,
        billed_duration_ms: need("billedDurationMs")?,
        memory_size_mb: need("memorySizeMB")? as u32,
        max_memory_used_mb: need("maxMemoryUsedMB")?,
        init_duration_ms: num("initDurationMs"),
        restore_duration_ms: num("restoreDurationMs"),
        billed_restore_duration_ms: num("billedRestoreDurationMs"),
        status,
        error_type: rec
            .get("errorType")
            .and_then(Value::as_str)
            .map(str::to_string),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cold_report_line_parses_every_field() {
        let r = parse_report("REPORT RequestId: 3f2a9c1e-1b2c-4d5e-8f90-a1b2c3d4e5f6\tDuration: 12.34 ms\tBilled Duration: 13 ms\tMemory Size: 512 MB\tMax Memory Used: 70 MB\tInit Duration: 150.12 ms\t").unwrap();
        assert_eq!(r.request_id, "3f2a9c1e-1b2c-4d5e-8f90-a1b2c3d4e5f6");
        assert_eq!(r.duration_ms, 12.34);
        assert_eq!(r.billed_duration_ms, 13.0);
        assert_eq!(r.memory_size_mb, 512);
        assert_eq!(r.max_memory_used_mb, 70.0);
        assert_eq!(r.init_duration_ms, Some(150.12));
        assert!(r.succeeded());
    }

    /// Figures no Lambda gives make a line malformed, in both formats: memory outside
    /// 128..=10240 MB, a time over 15 minutes.
    #[test]
    fn figures_outside_lambdas_limits_are_reasons() {
        let line = |d: &str, m: &str| {
            format!(
                "REPORT RequestId: x\tDuration: {d} ms\tBilled Duration: 13 ms\tMemory Size: {m} MB\tMax Memory Used: 70 MB"
            )
        };
        assert!(parse_report(&line("900000", "10240")).is_ok());
        let e = parse_report(&line("1e300", "512")).unwrap_err();
        assert_eq!(e, "duration 1e300 ms is longer than Lambda's 15 minutes");
        let e = parse_report(&line("12", "0")).unwrap_err();
        assert_eq!(e, "memory size 0 MB is outside Lambda's 128..=10240 MB");
        let json = |mem: u64, init: f64| {
            serde_json::json!({"type": "platform.report", "record": {"requestId": "x", "metrics": {
                "durationMs": 12.0, "billedDurationMs": 13.0, "memorySizeMB": mem,
                "maxMemoryUsedMB": 70.0, "initDurationMs": init}}})
            .to_string()
        };
        assert!(parse_json_report(&json(512, 150.0)).is_ok());
        let e = parse_json_report(&json(100_000, 150.0)).unwrap_err();
        assert!(e.contains("memory size 100000 MB"), "{e}");
        let e = parse_json_report(&json(512, 1e7)).unwrap_err();
        assert_eq!(
            e,
            "init duration 10000000 ms is longer than Lambda's 15 minutes"
        );
    }

    #[test]
    fn missing_fields_and_units_are_reasons() {
        let e = parse_report("REPORT RequestId: x\tDuration: 12.34 ms\tMemory Size: 512 MB")
            .unwrap_err();
        assert_eq!(e, "missing Billed Duration, Max Memory Used");
        let e = parse_report("REPORT RequestId: x\tDuration: 12.34\tBilled Duration: 13 ms")
            .unwrap_err();
        assert!(e.contains("lacks its unit `ms`"), "{e}");
    }
}
