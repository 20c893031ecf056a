//! `provisioned-concurrency`: a constant count, or a schedule of windows.

use serde::Deserialize;

use crate::config::hints::describe;
use crate::config::raw::{Duration, Integer, Lenient};
use crate::config::values::Validator;
use crate::model::ProvisionedWindow;
use crate::time::SimTime;

/// `provisioned-concurrency`: an integer, or an array of schedule tables.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum Raw {
    /// `provisioned-concurrency = 10`.
    Count(i64),
    /// `[[function.provisioned-concurrency]]` tables.
    Schedule(Vec<Window>),
}

/// One `[[function.provisioned-concurrency]]` table.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Window {
    /// `start = "12h"` (default `"0s"`).
    pub start: Option<Duration>,
    /// `end = "20h"` (default: never released).
    pub end: Option<Duration>,
    /// `count = 100`.
    pub count: Option<Integer>,
}

/// The windows (sorted by start; empty for none, the default); errors at `path`.
pub(crate) fn check(
    v: &mut Validator,
    path: &str,
    raw: &Option<Lenient<Raw>>,
) -> Option<Vec<ProvisionedWindow>> {
    match raw {
        None => Some(Vec::new()),
        Some(Lenient::Ok(Raw::Count(n))) => {
            if *n < 0 || *n > u32::MAX as i64 {
                v.err(path, format!("must be zero or positive, found {n}"), None);
                return None;
            }
            Some(if *n == 0 {
                Vec::new()
            } else {
                vec![ProvisionedWindow {
                    start: SimTime::ZERO,
                    end: SimTime::MAX,
                    count: *n as u32,
                }]
            })
        }
        Some(Lenient::Ok(Raw::Schedule(list))) => {
            let mut out = Vec::new();
            let mut ok = true;
            for (j, w) in list.iter().enumerate() {
                let wp = format!("{path}[{j}]");
                let start = v.duration(&format!("{wp}.start"), &w.start);
                let end = v.duration(&format!("{wp}.end"), &w.end);
                let count = match &w.count {
                    None => {
                        v.missing(&format!("{wp}.count"), "count = 10");
                        None
                    }
                    Some(_) => v.int_range(&format!("{wp}.count"), &w.count, 0, u32::MAX),
                };
                let start_ok = w.start.is_none() || start.is_some();
                let end_ok = w.end.is_none() || end.is_some();
                let start = start.unwrap_or(SimTime::ZERO);
                let end = end.unwrap_or(SimTime::MAX);
                if start_ok && end_ok && start >= end {
                    v.err(
                        &format!("{wp}.end"),
                        format!("must be after start ({start}), found {end}"),
                        None,
                    );
                    ok = false;
                    continue;
                }
                match count {
                    Some(count) if start_ok && end_ok => {
                        out.push((j, ProvisionedWindow { start, end, count }))
                    }
                    _ => ok = false,
                }
            }
            let mut sorted = out.clone();
            sorted.sort_by_key(|(_, w)| w.start);
            for pair in sorted.windows(2) {
                let ((ja, a), (jb, b)) = (pair[0], pair[1]);
                if b.start < a.end {
                    let (first, second) = (ja.min(jb), ja.max(jb));
                    v.err(
                        &format!("{path}[{second}]"),
                        format!(
                            "overlaps window [{first}] ({}..{})",
                            a.start,
                            fmt_end(a.end)
                        ),
                        Some("provisioned windows must not overlap".into()),
                    );
                    ok = false;
                }
            }
            ok.then(|| sorted.into_iter().map(|(_, w)| w).collect())
        }
        Some(Lenient::Bad(b)) => {
            v.err(
                path,
                format!(
                    "expected an integer or [[function.provisioned-concurrency]] tables, found {}",
                    describe(b)
                ),
                Some(
                    "write provisioned-concurrency = 10, or tables with start, end and count"
                        .into(),
                ),
            );
            None
        }
    }
}

fn fmt_end(t: SimTime) -> String {
    if t == SimTime::MAX {
        "never".to_string()
    } else {
        t.to_string()
    }
}
