//! `[[function.trigger]]`: what invokes a function (spec section 5): its `invocation` kind with
//! that kind's keys, and its own `[function.trigger.arrivals]`. The raw table holds the union of
//! every kind's keys; a key of another kind is reported as not applying to this `invocation`.
//! Defaults are the model's constants ([`crate::model::trigger`]) or AWS's, named here.

use serde::Deserialize;

use super::arrivals;
use crate::config::hints::choice_hint;
use crate::config::raw::{Bool, Duration, Integer, Text};
use crate::config::values::Validator;
use crate::model::trigger::*;
use crate::time::{NS_PER_MIN, NS_PER_S, SimTime};

/// Default async `max-retries` (AWS default: 2).
pub const ASYNC_MAX_RETRIES: u32 = 2;
/// Default (and largest) async `max-event-age`: 6 hours.
pub const ASYNC_MAX_EVENT_AGE: SimTime = SimTime(6 * 60 * NS_PER_MIN);
/// Smallest async `max-event-age`: 60 s.
pub const ASYNC_MIN_EVENT_AGE: SimTime = SimTime(60 * NS_PER_S);
/// Default async `event-size-kb`: 1 KB (one billed request).
pub const ASYNC_EVENT_SIZE_KB: u32 = 1;
/// Largest async `event-size-kb`: 1 MB (the async payload limit).
pub const ASYNC_MAX_EVENT_SIZE_KB: u32 = 1024;
/// Default SQS `batch-size` (AWS default: 10).
pub const SQS_BATCH_SIZE: u32 = 10;
/// Default SQS `visibility-timeout` (SQS default: 30 s).
pub const SQS_VISIBILITY_TIMEOUT: SimTime = SimTime(30 * NS_PER_S);
/// Default SQS `retention` (SQS default: 4 days).
pub const SQS_RETENTION: SimTime = SimTime(4 * 24 * 60 * NS_PER_MIN);
/// Largest SQS `retention`: 14 days.
pub const SQS_MAX_RETENTION: SimTime = SimTime(14 * 24 * 60 * NS_PER_MIN);
/// Default stream `batch-size` (AWS default: 100).
pub const STREAM_BATCH_SIZE: u32 = 100;
/// Default stream `max-record-age`: 1 day (Kinesis' default retention).
pub const STREAM_MAX_RECORD_AGE: SimTime = SimTime(24 * 60 * NS_PER_MIN);
/// Largest stream `max-record-age`: 7 days (AWS limit: 604,800 s).
pub const STREAM_MAX_MAX_RECORD_AGE: SimTime = SimTime(7 * 24 * 60 * NS_PER_MIN);
/// Largest `batching-window`: 5 minutes.
pub const MAX_BATCHING_WINDOW: SimTime = SimTime(5 * NS_PER_MIN);

/// The `invocation` values.
pub const INVOCATIONS: [&str; 4] = ["sync", "async", "sqs", "stream"];

/// One `[[function.trigger]]` as written: the union of every kind's keys.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Raw {
    /// `name = "http"`: unique within the function (default: the invocation kind).
    pub name: Option<Text>,
    /// `invocation = "sync" | "async" | "sqs" | "stream"` (default "sync").
    pub invocation: Option<Text>,
    /// sync.
    pub gateway_timeout: Option<Duration>,
    /// sync.
    pub client_retries: Option<Integer>,
    /// sync.
    pub client_backoff: Option<Duration>,
    /// sync.
    pub front: Option<Text>,
    /// async, stream.
    pub max_retries: Option<Integer>,
    /// async.
    pub max_event_age: Option<Duration>,
    /// async.
    pub event_size_kb: Option<Integer>,
    /// sqs, stream.
    pub batch_size: Option<Integer>,
    /// sqs, stream.
    pub batching_window: Option<Duration>,
    /// sqs.
    pub max_concurrency: Option<Integer>,
    /// sqs.
    pub scaling: Option<Text>,
    /// sqs.
    pub min_pollers: Option<Integer>,
    /// sqs.
    pub max_pollers: Option<Integer>,
    /// sqs, stream.
    pub per_record: Option<Duration>,
    /// sqs.
    pub visibility_timeout: Option<Duration>,
    /// sqs.
    pub max_receive_count: Option<Integer>,
    /// sqs.
    pub retention: Option<Duration>,
    /// sqs.
    pub report_batch_item_failures: Option<Bool>,
    /// stream.
    pub shards: Option<Integer>,
    /// stream.
    pub parallelization_factor: Option<Integer>,
    /// stream.
    pub max_record_age: Option<Duration>,
    /// stream.
    pub bisect_on_error: Option<Bool>,
    /// `[function.trigger.arrivals]`.
    pub arrivals: Option<arrivals::Raw>,
}

/// The keys each invocation kind takes (besides `name`, `invocation` and `arrivals`).
const SYNC_KEYS: &[&str] = &[
    "gateway-timeout",
    "client-retries",
    "client-backoff",
    "front",
];
const ASYNC_KEYS: &[&str] = &["max-retries", "max-event-age", "event-size-kb"];
const SQS_KEYS: &[&str] = &[
    "batch-size",
    "batching-window",
    "max-concurrency",
    "scaling",
    "min-pollers",
    "max-pollers",
    "per-record",
    "visibility-timeout",
    "max-receive-count",
    "retention",
    "report-batch-item-failures",
];
const STREAM_KEYS: &[&str] = &[
    "shards",
    "parallelization-factor",
    "batch-size",
    "batching-window",
    "max-retries",
    "max-record-age",
    "bisect-on-error",
    "per-record",
];

impl Raw {
    /// The kind-specific keys present, by their names in the file.
    fn present(&self) -> Vec<&'static str> {
        [
            ("gateway-timeout", self.gateway_timeout.is_some()),
            ("client-retries", self.client_retries.is_some()),
            ("client-backoff", self.client_backoff.is_some()),
            ("front", self.front.is_some()),
            ("max-retries", self.max_retries.is_some()),
            ("max-event-age", self.max_event_age.is_some()),
            ("event-size-kb", self.event_size_kb.is_some()),
            ("batch-size", self.batch_size.is_some()),
            ("batching-window", self.batching_window.is_some()),
            ("max-concurrency", self.max_concurrency.is_some()),
            ("scaling", self.scaling.is_some()),
            ("min-pollers", self.min_pollers.is_some()),
            ("max-pollers", self.max_pollers.is_some()),
            ("per-record", self.per_record.is_some()),
            ("visibility-timeout", self.visibility_timeout.is_some()),
            ("max-receive-count", self.max_receive_count.is_some()),
            ("retention", self.retention.is_some()),
            (
                "report-batch-item-failures",
                self.report_batch_item_failures.is_some(),
            ),
            ("shards", self.shards.is_some()),
            (
                "parallelization-factor",
                self.parallelization_factor.is_some(),
            ),
            ("max-record-age", self.max_record_age.is_some()),
            ("bisect-on-error", self.bisect_on_error.is_some()),
        ]
        .into_iter()
        .filter(|(_, p)| *p)
        .map(|(k, _)| k)
        .collect()
    }
}

/// The `invocation` value at `path`: one of [`INVOCATIONS`] (default "sync"), with hints for
/// the names AWS uses (`Event`, `RequestResponse`).
pub(crate) fn invocation(
    v: &mut Validator,
    path: &str,
    raw: &Option<Text>,
) -> Option<&'static str> {
    match v.text(path, raw).as_deref() {
        None => raw.is_none().then_some("sync"),
        Some(s) => {
            if let Some(k) = INVOCATIONS.iter().find(|k| **k == s) {
                return Some(k);
            }
            let hint = match s.to_ascii_lowercase().as_str() {
                "event" | "asynchronous" => "did you mean \"async\"? (InvocationType=Event)".into(),
                "requestresponse" | "synchronous" | "http" | "api" => {
                    "did you mean \"sync\"? (InvocationType=RequestResponse)".into()
                }
                "queue" | "sqs-queue" => "did you mean \"sqs\"?".into(),
                "kinesis" | "dynamodb" | "streams" => "did you mean \"stream\"?".into(),
                "schedule" | "cron" | "eventbridge" => {
                    "a schedule is an arrival kind: invocation = \"async\" with [function.trigger.arrivals] kind = \"schedule\"".into()
                }
                _ => choice_hint(s, &INVOCATIONS),
            };
            v.err(path, format!("unknown invocation \"{s}\""), Some(hint));
            None
        }
    }
}

/// An optional duration in `lo..=hi` (defaults to `default`).
fn duration_in(
    v: &mut Validator,
    path: &str,
    raw: &Option<Duration>,
    default: SimTime,
    lo: SimTime,
    hi: SimTime,
) -> Option<SimTime> {
    if raw.is_none() {
        return Some(default);
    }
    let d = v.duration(path, raw)?;
    if d < lo || d > hi {
        v.err(path, format!("must be in {lo}..={hi}, found {d}"), None);
        return None;
    }
    Some(d)
}

/// An optional integer in `lo..=hi` (defaults to `default`).
fn int_in(
    v: &mut Validator,
    path: &str,
    raw: &Option<Integer>,
    default: u32,
    lo: u32,
    hi: u32,
) -> Option<u32> {
    match raw {
        None => Some(default),
        Some(_) => v.int_range(path, raw, lo, hi),
    }
}

/// An optional boolean (default false).
fn flag(v: &mut Validator, path: &str, raw: &Option<Bool>) -> Option<bool> {
    match raw {
        None => Some(false),
        Some(_) => v.boolean(path, raw),
    }
}

/// Validates `function[i].trigger[j]` at `path`: its kind and keys (the arrivals are checked by
/// the caller, which knows the window). Returns the name and kind.
pub(crate) fn check(
    v: &mut Validator,
    path: &str,
    t: &Raw,
) -> (Option<String>, Option<TriggerKind>) {
    let at = |k: &str| format!("{path}.{k}");
    let kind = invocation(v, &at("invocation"), &t.invocation);
    let name = match &t.name {
        None => kind.map(str::to_string),
        Some(_) => match v.text(&at("name"), &t.name) {
            Some(n)
                if !n.is_empty()
                    && n.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') =>
            {
                Some(n)
            }
            Some(n) => {
                v.err(
                    &at("name"),
                    format!("\"{n}\" is not a valid name: use letters, digits, `-` and `_` only"),
                    None,
                );
                None
            }
            None => None,
        },
    };
    let Some(kind) = kind else {
        return (name, None);
    };
    let present = t.present();
    let allowed = match kind {
        "sync" => SYNC_KEYS,
        "async" => ASYNC_KEYS,
        "sqs" => SQS_KEYS,
        _ => STREAM_KEYS,
    };
    v.foreign_keys(path, "invocation", kind, &present, allowed);
    let kind = match kind {
        "sync" => sync(v, path, t).map(TriggerKind::Sync),
        "async" => asynchronous(v, path, t).map(TriggerKind::Async),
        "sqs" => sqs(v, path, t).map(TriggerKind::Sqs),
        _ => stream(v, path, t).map(TriggerKind::Stream),
    };
    (name, kind)
}

fn sync(v: &mut Validator, path: &str, t: &Raw) -> Option<SyncTrigger> {
    let at = |k: &str| format!("{path}.{k}");
    let gateway_timeout = match &t.gateway_timeout {
        None => Some(None),
        Some(_) => v
            .positive_duration(&at("gateway-timeout"), &t.gateway_timeout)
            .map(Some),
    };
    let client_retries = int_in(v, &at("client-retries"), &t.client_retries, 0, 0, 100);
    let client_backoff = match &t.client_backoff {
        None => Some(CLIENT_BACKOFF),
        Some(_) => v.positive_duration(&at("client-backoff"), &t.client_backoff),
    };
    let front = match v.text(&at("front"), &t.front) {
        None => t.front.is_none().then_some(Front::Direct),
        Some(s) => match Front::parse(&s) {
            Some(f) => Some(f),
            None => {
                let names: Vec<&str> = Front::ALL.iter().map(|f| f.as_str()).collect();
                let hint = match s.to_ascii_lowercase().as_str() {
                    "apigateway" | "api-gateway" | "rest" | "api" => {
                        "did you mean \"rest-api\" (API Gateway REST API) or \"http-api\"?"
                            .to_string()
                    }
                    "http" | "httpapi" => "did you mean \"http-api\"?".to_string(),
                    "url" | "functionurl" | "lambda-url" => {
                        "did you mean \"function-url\"?".to_string()
                    }
                    "elb" | "load-balancer" | "application-load-balancer" => {
                        "did you mean \"alb\"?".to_string()
                    }
                    _ => choice_hint(&s, &names),
                };
                v.err(&at("front"), format!("unknown front \"{s}\""), Some(hint));
                None
            }
        },
    };
    Some(SyncTrigger {
        gateway_timeout: gateway_timeout?,
        client_retries: client_retries?,
        client_backoff: client_backoff?,
        front: front?,
    })
}

fn asynchronous(v: &mut Validator, path: &str, t: &Raw) -> Option<AsyncTrigger> {
    let at = |k: &str| format!("{path}.{k}");
    let max_retries = match &t.max_retries {
        None => Some(ASYNC_MAX_RETRIES),
        Some(_) => {
            let r = v.integer(&at("max-retries"), &t.max_retries);
            match r {
                Some(r @ 0..=2) => Some(r as u32),
                Some(r) => {
                    v.err(
                        &at("max-retries"),
                        format!("must be in 0..=2 for async invocations, found {r}"),
                        Some("Lambda retries a failed async event at most twice (after 1 and 2 minutes)".into()),
                    );
                    None
                }
                None => None,
            }
        }
    };
    let max_event_age = duration_in(
        v,
        &at("max-event-age"),
        &t.max_event_age,
        ASYNC_MAX_EVENT_AGE,
        ASYNC_MIN_EVENT_AGE,
        ASYNC_MAX_EVENT_AGE,
    );
    let event_size_kb = int_in(
        v,
        &at("event-size-kb"),
        &t.event_size_kb,
        ASYNC_EVENT_SIZE_KB,
        1,
        ASYNC_MAX_EVENT_SIZE_KB,
    );
    Some(AsyncTrigger {
        max_retries: max_retries?,
        max_event_age: max_event_age?,
        event_size_kb: event_size_kb?,
    })
}

/// `batch-size` and `batching-window` of a polled source: a batch above 10 needs a window of at
/// least 1 s (AWS rule for SQS; kept for streams as a window bound only).
fn batching(
    v: &mut Validator,
    path: &str,
    t: &Raw,
    default_size: u32,
    sqs: bool,
) -> Option<(u32, SimTime)> {
    let at = |k: &str| format!("{path}.{k}");
    let size = int_in(v, &at("batch-size"), &t.batch_size, default_size, 1, 10_000);
    let window = duration_in(
        v,
        &at("batching-window"),
        &t.batching_window,
        SimTime::ZERO,
        SimTime::ZERO,
        MAX_BATCHING_WINDOW,
    );
    let (size, window) = (size?, window?);
    if sqs && size > 10 && window < SimTime::from_secs(1) {
        v.err(
            &at("batch-size"),
            format!("a batch size above 10 needs batching-window of at least 1s, found {window}"),
            Some("add batching-window = \"1s\" (or more), or use batch-size = 10".into()),
        );
        return None;
    }
    Some((size, window))
}

fn sqs(v: &mut Validator, path: &str, t: &Raw) -> Option<SqsTrigger> {
    let at = |k: &str| format!("{path}.{k}");
    let batch = batching(v, path, t, SQS_BATCH_SIZE, true);
    let max_concurrency = match &t.max_concurrency {
        None => Some(None),
        Some(_) => v
            .int_range(&at("max-concurrency"), &t.max_concurrency, 2, 1000)
            .map(Some),
    };
    let scaling_name = match &t.scaling {
        None => Some("standard".to_string()),
        Some(_) => v.text(&at("scaling"), &t.scaling),
    };
    let scaling = match scaling_name.as_deref() {
        Some("standard") => {
            // The contract's own example gives standard scaling `min-pollers = 2`. Standard
            // scaling never keeps fewer than SQS_INITIAL_BATCHES batches ready, so a floor up
            // to that is already met and changes nothing; a higher one needs provisioned mode.
            let floor_met = match &t.min_pollers {
                None => true,
                Some(_) => match v.int_range(&at("min-pollers"), &t.min_pollers, 2, 200) {
                    Some(n) if n <= SQS_INITIAL_BATCHES => true,
                    Some(n) => {
                        v.err(
                            &at("min-pollers"),
                            format!(
                                "at most {SQS_INITIAL_BATCHES} with standard scaling (the concurrent batches it keeps ready), found {n}"
                            ),
                            Some(format!(
                                "add scaling = \"provisioned\" to keep {n} pollers ready, or remove min-pollers"
                            )),
                        );
                        false
                    }
                    None => false,
                },
            };
            int_in(
                v,
                &at("max-pollers"),
                &t.max_pollers,
                SQS_MAX_POLLERS,
                2,
                10_000,
            )
            .map(|max_pollers| SqsScaling::Standard { max_pollers })
            .filter(|_| floor_met)
        }
        Some("provisioned") => {
            let min = int_in(v, &at("min-pollers"), &t.min_pollers, 2, 2, 200);
            let max = int_in(
                v,
                &at("max-pollers"),
                &t.max_pollers,
                SQS_PROVISIONED_MAX_POLLERS,
                2,
                10_000,
            );
            match (min, max) {
                (Some(lo), Some(hi)) if lo <= hi => Some(SqsScaling::Provisioned {
                    min_pollers: lo,
                    max_pollers: hi,
                }),
                (Some(lo), Some(hi)) => {
                    v.err(
                        &at("max-pollers"),
                        format!("must be at least min-pollers ({lo}), found {hi}"),
                        None,
                    );
                    None
                }
                _ => None,
            }
        }
        Some(other) => {
            v.err(
                &at("scaling"),
                format!("unknown scaling \"{other}\""),
                Some(choice_hint(other, &["standard", "provisioned"])),
            );
            None
        }
        None => None,
    };
    let per_record = duration_in(
        v,
        &at("per-record"),
        &t.per_record,
        SimTime::ZERO,
        SimTime::ZERO,
        SimTime::from_secs(900),
    );
    let visibility_timeout = duration_in(
        v,
        &at("visibility-timeout"),
        &t.visibility_timeout,
        SQS_VISIBILITY_TIMEOUT,
        SimTime::ZERO,
        SimTime::from_secs(12 * 3600),
    );
    let max_receive_count = match &t.max_receive_count {
        None => Some(None),
        Some(_) => v
            .int_range(&at("max-receive-count"), &t.max_receive_count, 1, 1000)
            .map(Some),
    };
    let retention = duration_in(
        v,
        &at("retention"),
        &t.retention,
        SQS_RETENTION,
        SimTime::from_secs(60),
        SQS_MAX_RETENTION,
    );
    let rbif = flag(
        v,
        &at("report-batch-item-failures"),
        &t.report_batch_item_failures,
    );
    let (batch_size, batching_window) = batch?;
    Some(SqsTrigger {
        batch_size,
        batching_window,
        max_concurrency: max_concurrency?,
        scaling: scaling?,
        per_record: per_record?,
        visibility_timeout: visibility_timeout?,
        max_receive_count: max_receive_count?,
        retention: retention?,
        report_batch_item_failures: rbif?,
    })
}

fn stream(v: &mut Validator, path: &str, t: &Raw) -> Option<StreamTrigger> {
    let at = |k: &str| format!("{path}.{k}");
    let batch = batching(v, path, t, STREAM_BATCH_SIZE, false);
    let shards = int_in(v, &at("shards"), &t.shards, 1, 1, 10_000);
    let pf = int_in(
        v,
        &at("parallelization-factor"),
        &t.parallelization_factor,
        1,
        1,
        10,
    );
    let max_retries = match &t.max_retries {
        None => Some(None),
        Some(_) => match v.integer(&at("max-retries"), &t.max_retries) {
            Some(-1) => Some(None),
            Some(r @ 0..=10_000) => Some(Some(r as u32)),
            Some(r) => {
                v.err(
                    &at("max-retries"),
                    format!(
                        "must be -1 (retry until the records expire) or in 0..=10000, found {r}"
                    ),
                    None,
                );
                None
            }
            None => None,
        },
    };
    let max_record_age = duration_in(
        v,
        &at("max-record-age"),
        &t.max_record_age,
        STREAM_MAX_RECORD_AGE,
        SimTime::from_secs(60),
        STREAM_MAX_MAX_RECORD_AGE,
    );
    let bisect = flag(v, &at("bisect-on-error"), &t.bisect_on_error);
    let per_record = duration_in(
        v,
        &at("per-record"),
        &t.per_record,
        SimTime::ZERO,
        SimTime::ZERO,
        SimTime::from_secs(900),
    );
    let (batch_size, batching_window) = batch?;
    Some(StreamTrigger {
        shards: shards?,
        parallelization_factor: pf?,
        batch_size,
        batching_window,
        max_retries: max_retries?,
        max_record_age: max_record_age?,
        bisect_on_error: bisect?,
        per_record: per_record?,
    })
}
