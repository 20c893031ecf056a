//! What the harness measures: one [`InvocationRecord`] per invocation, CloudWatch-format log
//! lines (`START` / `END` / `REPORT`), and where they are written.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::Mutex;

use crate::cgroup::CpuLimit;
use crate::error::HarnessError;

/// How an invocation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// The handler returned a response.
    Success,
    /// The handler reported an error (`/invocation/{id}/error`, or an error trailer of a
    /// streamed response), or its response was too large.
    FunctionError,
    /// The function's timeout expired (`Sandbox.Timedout`); the environment was destroyed.
    Timeout,
    /// The runtime process exited during the invocation (`Runtime.ExitError`).
    Crash,
    /// The environment exceeded its memory limit and was killed (`Runtime.OutOfMemory`).
    OutOfMemory,
    /// The environment failed to initialise (`/init/error`, exit or timeout during init, or a
    /// program that cannot be started).
    InitError,
}

/// Whether the caller waited for the result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum InvocationType {
    /// Synchronous (`X-Amz-Invocation-Type: RequestResponse`, the default).
    RequestResponse,
    /// Asynchronous (`Event`): queued, answered 202 at once.
    Event,
}

/// One invocation as measured by the harness (one line of the JSON-lines records file).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct InvocationRecord {
    /// The request id (`Lambda-Runtime-Aws-Request-Id`).
    pub request_id: String,
    /// The function.
    pub function: String,
    /// Its `memory-mb`.
    pub memory_mb: u32,
    /// Id of the execution environment that ran it (unique within a runtime).
    pub environment: u64,
    /// Whether a new environment was started for it.
    pub cold: bool,
    /// How it was invoked.
    pub invocation_type: InvocationType,
    /// Init duration (spawn of the runtime process → its first `/next`), ms; cold starts only.
    pub init_ms: Option<f64>,
    /// Duration (event handed to the runtime → last byte of its result), ms.
    pub duration_ms: f64,
    /// Time to the first byte of a streamed response, ms (streamed responses only).
    pub first_byte_ms: Option<f64>,
    /// Billed duration, ms: init (on cold starts, as billed since August 2025) plus duration,
    /// rounded up to 1 ms.
    pub billed_duration_ms: u64,
    /// Peak memory of the environment so far, MB (cgroup peak, else the runtime process's
    /// `VmHWM`).
    pub max_memory_used_mb: u64,
    /// Latency seen at the Invoke API (request in → response out), ms. For `Event`
    /// invocations: request in → invocation finished, queueing included.
    pub client_latency_ms: f64,
    /// How it ended.
    pub status: Status,
    /// The error type (`Runtime.ExitError`, `Sandbox.Timedout`, the handler's own, …).
    pub error_type: Option<String>,
    /// Size of the event, bytes.
    pub request_bytes: usize,
    /// Size of the response (or error) payload, bytes.
    pub response_bytes: usize,
    /// Wall-clock time the invocation started, ms since the Unix epoch.
    pub timestamp_ms: u64,
    /// How CPU share was enforced.
    pub cpu_limit: CpuLimit,
    /// It ran on an environment of the function's provisioned concurrency, initialised ahead
    /// of traffic ([`crate::Runtime::prewarm`]): never cold, billed at the provisioned rates.
    #[serde(default)]
    pub provisioned: bool,
}

/// Billed duration: `init + duration` rounded up to whole milliseconds.
pub fn billed_ms(init_ms: Option<f64>, duration_ms: f64) -> u64 {
    let total = init_ms.unwrap_or(0.0) + duration_ms;
    // A tiny epsilon keeps exact integers (12.000000001 from float noise) from rounding up.
    (total - 1e-9).ceil().max(1.0) as u64
}

/// `START RequestId: <id> Version: $LATEST`.
pub fn start_line(request_id: &str) -> String {
    format!("START RequestId: {request_id} Version: $LATEST")
}

/// `END RequestId: <id>`.
pub fn end_line(request_id: &str) -> String {
    format!("END RequestId: {request_id}")
}

/// The `REPORT` line, tab-separated as CloudWatch writes it; `Init Duration` on cold starts,
/// and `Status` / `Error Type` when the platform ended the invocation.
pub fn report_line(r: &InvocationRecord) -> String {
    let mut s = format!(
        "REPORT RequestId: {}\tDuration: {:.2} ms\tBilled Duration: {} ms\tMemory Size: {} MB\tMax Memory Used: {} MB",
        r.request_id, r.duration_ms, r.billed_duration_ms, r.memory_mb, r.max_memory_used_mb
    );
    if let Some(init) = r.init_ms {
        s.push_str(&format!("\tInit Duration: {init:.2} ms"));
    }
    match r.status {
        Status::Success | Status::FunctionError => {}
        Status::Timeout => s.push_str("\tStatus: timeout"),
        _ => {
            s.push_str("\tStatus: error");
            if let Some(t) = &r.error_type {
                s.push_str(&format!("\tError Type: {t}"));
            }
        }
    }
    s
}

/// Where log lines and records go.
pub(crate) struct Sink {
    stderr: bool,
    log: Option<Mutex<BufWriter<File>>>,
    /// One log stream per function (`<dir>/<function>.log`), when asked for.
    per_function: std::collections::HashMap<String, Mutex<BufWriter<File>>>,
    records: Option<Mutex<BufWriter<File>>>,
    keep: Option<Mutex<Vec<InvocationRecord>>>,
}

fn create(path: &Path) -> Result<Mutex<BufWriter<File>>, HarnessError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| HarnessError::Output {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    let f = File::create(path).map_err(|source| HarnessError::Output {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(Mutex::new(BufWriter::new(f)))
}

impl Sink {
    /// `per_function`: a folder and the function names, for one log stream per function
    /// (`<dir>/<name>.log`); the combined `log` then opens with a line naming the functions it
    /// interleaves ([`crate::cloudwatch::MIXED_LOG_MARKER`]), so that `calibrate` refuses it.
    pub(crate) fn new(
        stderr: bool,
        log: Option<&Path>,
        records: Option<&Path>,
        keep: bool,
        per_function: Option<(&Path, &[String])>,
    ) -> Result<Sink, HarnessError> {
        let mut streams = std::collections::HashMap::new();
        if let Some((dir, names)) = per_function {
            for name in names {
                streams.insert(name.clone(), create(&dir.join(format!("{name}.log")))?);
            }
        }
        let sink = Sink {
            stderr,
            log: log.map(create).transpose()?,
            records: records.map(create).transpose()?,
            keep: keep.then(|| Mutex::new(Vec::new())),
            per_function: streams,
        };
        if let (Some(log), Some((dir, names))) = (&sink.log, per_function) {
            let mut w = log.lock().unwrap_or_else(|p| p.into_inner());
            let _ = writeln!(
                w,
                "{}{} (one stream per function: {}/<function>.log)",
                crate::cloudwatch::MIXED_LOG_MARKER,
                names.join(", "),
                dir.display()
            );
        }
        Ok(sink)
    }

    /// Writes one log line of `function`: [`Sink::line`], and to the function's own stream.
    pub(crate) fn line_for(&self, function: &str, line: &[u8]) {
        self.line(line);
        if let Some(w) = self.per_function.get(function) {
            let mut w = w.lock().unwrap_or_else(|p| p.into_inner());
            let _ = w.write_all(line);
            let _ = w.write_all(b"\n");
        }
    }

    /// [`Sink::line_for`], then flushes.
    pub(crate) fn line_for_flushed(&self, function: &str, line: &[u8]) {
        self.line_for(function, line);
        self.flush();
    }

    /// Whether log lines go anywhere.
    pub(crate) fn logs(&self) -> bool {
        self.stderr || self.log.is_some()
    }

    /// Writes one log line (without its newline).
    pub(crate) fn line(&self, line: &[u8]) {
        if self.stderr {
            let mut e = std::io::stderr().lock();
            let _ = e.write_all(line);
            let _ = e.write_all(b"\n");
        }
        if let Some(log) = &self.log {
            let mut w = log.lock().unwrap_or_else(|p| p.into_inner());
            let _ = w.write_all(line);
            let _ = w.write_all(b"\n");
        }
    }

    /// Stores a record (JSON lines file, memory) and flushes the files, so that a killed
    /// harness loses nothing already answered.
    pub(crate) fn record(&self, r: &InvocationRecord) {
        if let Some(rec) = &self.records {
            let mut w = rec.lock().unwrap_or_else(|p| p.into_inner());
            if let Ok(json) = serde_json::to_string(r) {
                let _ = w.write_all(json.as_bytes());
                let _ = w.write_all(b"\n");
            }
            let _ = w.flush();
        }
        if let Some(log) = &self.log {
            let _ = log.lock().unwrap_or_else(|p| p.into_inner()).flush();
        }
        if let Some(w) = self.per_function.get(&r.function) {
            let _ = w.lock().unwrap_or_else(|p| p.into_inner()).flush();
        }
        if let Some(keep) = &self.keep {
            keep.lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(r.clone());
        }
    }

    /// Takes the records kept in memory.
    pub(crate) fn take(&self) -> Vec<InvocationRecord> {
        self.keep
            .as_ref()
            .map(|k| std::mem::take(&mut *k.lock().unwrap_or_else(|p| p.into_inner())))
            .unwrap_or_default()
    }

    pub(crate) fn flush(&self) {
        for w in [&self.log, &self.records]
            .into_iter()
            .flatten()
            .chain(self.per_function.values())
        {
            let _ = w.lock().unwrap_or_else(|p| p.into_inner()).flush();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec() -> InvocationRecord {
        InvocationRecord {
            request_id: "abc".into(),
            function: "f".into(),
            memory_mb: 512,
            environment: 1,
            cold: true,
            invocation_type: InvocationType::RequestResponse,
            init_ms: Some(120.5),
            duration_ms: 12.34,
            first_byte_ms: None,
            billed_duration_ms: billed_ms(Some(120.5), 12.34),
            max_memory_used_mb: 40,
            client_latency_ms: 140.0,
            status: Status::Success,
            error_type: None,
            request_bytes: 2,
            response_bytes: 2,
            timestamp_ms: 0,
            cpu_limit: CpuLimit::None,
            provisioned: false,
        }
    }

    #[test]
    fn billed_duration_rounds_up_to_whole_ms() {
        assert_eq!(billed_ms(None, 12.34), 13);
        assert_eq!(billed_ms(None, 12.0), 12);
        assert_eq!(billed_ms(None, 0.2), 1);
        // 120.5 + 12.34 = 132.84 → 133.
        assert_eq!(billed_ms(Some(120.5), 12.34), 133);
    }

    #[test]
    fn report_line_matches_cloudwatch_format() {
        let mut r = rec();
        assert_eq!(
            report_line(&r),
            "REPORT RequestId: abc\tDuration: 12.34 ms\tBilled Duration: 133 ms\tMemory Size: 512 MB\tMax Memory Used: 40 MB\tInit Duration: 120.50 ms"
        );
        r.init_ms = None;
        r.billed_duration_ms = 13;
        r.status = Status::Timeout;
        assert_eq!(
            report_line(&r),
            "REPORT RequestId: abc\tDuration: 12.34 ms\tBilled Duration: 13 ms\tMemory Size: 512 MB\tMax Memory Used: 40 MB\tStatus: timeout"
        );
        assert_eq!(start_line("abc"), "START RequestId: abc Version: $LATEST");
        assert_eq!(end_line("abc"), "END RequestId: abc");
    }

    #[test]
    fn records_serialise_with_kebab_status() {
        let json = serde_json::to_value(rec()).unwrap();
        assert_eq!(json["status"], "success");
        assert_eq!(json["cpu_limit"], "none");
        assert_eq!(json["invocation_type"], "RequestResponse");
    }
}
