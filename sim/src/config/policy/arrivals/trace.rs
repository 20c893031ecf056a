//! `kind = "trace"`: replay of the timestamps (and optionally durations) of a CSV file.

use std::sync::Arc;

use serde::Deserialize;

use super::{ArrivalKind, Context};
use crate::config::files::parse_trace;
use crate::config::raw::Text;
use crate::config::resolved::{q, qp};
use crate::config::values::Validator;
use crate::model::{self, ArrivalProcess};

/// `kind = "trace"`.
pub struct Trace;

/// The keys of `kind = "trace"`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Raw {
    /// `file = "traces/requests.csv"`, relative to the workload file.
    pub file: Option<Text>,
    /// `trace-function = "api"`: which value of the `function` column to keep (default: the
    /// function's name).
    pub trace_function: Option<Text>,
}

impl ArrivalKind for Trace {
    const NAME: &'static str = "trace";
    const ALIASES: &'static [&'static str] = &["replay"];
    type Raw = Raw;

    fn check(v: &mut Validator, path: &str, a: &Raw, cx: &Context) -> Option<ArrivalProcess> {
        let at = |k: &str| format!("{path}.{k}");
        let tf = v.text(&at("trace-function"), &a.trace_function);
        if a.trace_function.is_some() && tf.is_none() {
            return None;
        }
        match v.text(&at("file"), &a.file) {
            None => {
                if a.file.is_none() {
                    v.missing(&at("file"), "file = \"traces/requests.csv\"");
                }
                None
            }
            Some(file) => {
                let (filter, explicit) = match tf {
                    Some(t) => (t, true),
                    None => (cx.function.to_string(), false),
                };
                load(v, &at("file"), &file, &filter, explicit)
                    .map(|t| ArrivalProcess::Trace(Arc::new(t)))
            }
        }
    }

    fn resolved(process: &ArrivalProcess) -> Option<String> {
        match process {
            ArrivalProcess::Trace(t) => {
                let mut out = format!("file = {}\n", qp(&t.path));
                if let Some(tf) = &t.function {
                    out += &format!("trace-function = {}\n", q(tf));
                }
                Some(out)
            }
            _ => None,
        }
    }
}

/// Reads and parses the trace `file` (relative to the workload's folder); errors at `path`.
fn load(
    v: &mut Validator,
    path: &str,
    file: &str,
    filter: &str,
    explicit: bool,
) -> Option<model::Trace> {
    let (full, text) = v.read_file(path, file)?;
    match parse_trace(&text, file, filter, explicit) {
        Ok(mut t) => {
            t.path = full;
            Some(t)
        }
        Err(errors) => {
            let (rows, others): (Vec<_>, Vec<_>) = errors.into_iter().partition(|e| e.row);
            v.report_rows(path, rows.into_iter().map(|e| e.message).collect());
            for e in others {
                v.err(path, e.message, e.hint);
            }
            None
        }
    }
}

/// The mean of a trace's per-request durations (ms), when `process` replays a trace that has
/// them: it stands in for `[function.duration]` wherever one number is needed.
pub(crate) fn mean_duration_ms(process: &ArrivalProcess) -> Option<f64> {
    match process {
        ArrivalProcess::Trace(t) => t
            .durations
            .as_ref()
            .map(|d| d.iter().map(|x| x.as_millis_f64()).sum::<f64>() / d.len().max(1) as f64),
        _ => None,
    }
}
