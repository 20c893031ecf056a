//! One `[[function]]`: its basic keys (name, memory, architecture, runtime, timeout, storage,
//! invocation, routing, SnapStart) and the assembly of its policies, each checked by its own
//! module.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::limits::{self, Limits};
use super::{
    arrivals, calibration, capacity, distributions, handler, keep_alive, measured, provisioned,
    slo, trigger,
};
use crate::config::Purpose;
use crate::config::hints::{choice_hint, levenshtein, number};
use crate::config::raw::{Bool, Duration, Integer, Lenient, Number, Text};
use crate::config::values::Validator;
use crate::model::trigger::{
    AsyncTrigger, SqsScaling, SqsTrigger, StreamTrigger, SyncTrigger, Trigger, TriggerKind,
};
use crate::model::{
    Architecture, Arrivals, Dist, DurationModel, Function, MAX_MEMORY_MB, MIN_MEMORY_MB, Routing,
};
use crate::profiles::{self, PackageType};
use crate::time::SimTime;

/// Default `timeout`.
pub const TIMEOUT: SimTime = SimTime::from_secs(3);
/// Largest `timeout` (the AWS maximum).
pub const MAX_TIMEOUT: SimTime = SimTime::from_secs(900);
/// [`MAX_TIMEOUT`] in milliseconds: the longest time a log or a metric can report for one
/// execution (or one init: that of provisioned concurrency and SnapStart).
pub const MAX_TIMEOUT_MS: f64 = MAX_TIMEOUT.0 as f64 / crate::time::NS_PER_MS as f64;
/// Largest `log-bytes` (100 MiB per invocation): far beyond what a function logs, so a larger
/// value is a typo (a unit slip) rather than a workload.
pub const MAX_LOG_BYTES: u32 = 100 * 1024 * 1024;
/// Default `ephemeral-storage-mb`.
pub const EPHEMERAL_MB: u32 = 512;
/// Default `arm64-speedup`.
pub const ARM64_SPEEDUP: f64 = 1.0;
/// Accepted `arm64-speedup`: the CPU part of arm64 durations is divided by it, so beyond
/// this range a sample is scaled by more than 100× (or the speed-up is not a finite factor);
/// measured Graviton speed-ups are 0.8–1.5.
pub const ARM64_SPEEDUP_RANGE: (f64, f64) = (0.01, 100.0);

/// One `[[function]]` as written.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Raw {
    /// `name = "api"`.
    pub name: Option<Text>,
    /// `memory-mb = 1024`.
    pub memory_mb: Option<Integer>,
    /// `architecture = "x86_64"`.
    pub architecture: Option<Text>,
    /// `runtime = "python3.13"`.
    pub runtime: Option<Text>,
    /// `package-type = "zip"` (or `"image"`): selects the built-in cold-start profile of
    /// `runtime` for that deployment package type.
    pub package_type: Option<Text>,
    /// `timeout = "30s"`.
    pub timeout: Option<Duration>,
    /// `ephemeral-storage-mb = 512`.
    pub ephemeral_storage_mb: Option<Integer>,
    /// `reserved-concurrency = 100`.
    pub reserved_concurrency: Option<Integer>,
    /// `provisioned-concurrency = 10`, or `[[function.provisioned-concurrency]]` tables.
    pub provisioned_concurrency: Option<Lenient<provisioned::Raw>>,
    /// `[function.provisioned-autoscaling]`: target tracking of the provisioned count.
    pub provisioned_autoscaling: Option<capacity::AutoscalingRaw>,
    /// `compute = "on-demand"` (or `"managed-instances"`).
    pub compute: Option<Text>,
    /// `[function.managed-instances]`.
    pub managed_instances: Option<capacity::ManagedRaw>,
    /// `invocation = "sync"`.
    pub invocation: Option<Text>,
    /// `arm64-speedup = 1.2`.
    pub arm64_speedup: Option<Number>,
    /// `routing = "newest"`.
    pub routing: Option<Text>,
    /// `snapstart = true`.
    pub snapstart: Option<Bool>,
    /// `calibration = "calibration.toml"`.
    pub calibration: Option<Text>,
    /// `measured = "measured.json"`: CloudWatch's series of this function, to compare with.
    pub measured: Option<Text>,
    /// `[function.arrivals]`.
    pub arrivals: Option<arrivals::Raw>,
    /// `[function.duration]`.
    pub duration: Option<distributions::Raw>,
    /// `[function.init]`.
    pub init: Option<distributions::Raw>,
    /// `[function.restore]`.
    pub restore: Option<distributions::Raw>,
    /// `[function.keep-alive]`.
    pub keep_alive: Option<keep_alive::Raw>,
    /// `[function.handler]`.
    pub handler: Option<handler::Raw>,
    /// `[function.slo]`: the function's own objectives, same keys as `[slo]`.
    pub slo: Option<slo::Raw>,
    /// `error-rate = 0.01`: probability that an invocation ends in a function error.
    pub error_rate: Option<Number>,
    /// `log-bytes = 300`: bytes the code logs per invocation (CloudWatch Logs is then billed).
    pub log_bytes: Option<Integer>,
    /// `[[function.trigger]]`: the function's triggers (instead of `invocation` and
    /// `[function.arrivals]`).
    pub trigger: Option<Vec<trigger::Raw>>,
}

/// Validates `function[i]`; `window` is the simulated window when it is valid. Also returns
/// what the checks across functions need.
pub(crate) fn check(
    v: &mut Validator,
    p: &str,
    f: &Raw,
    window: Option<SimTime>,
    start_at: i64,
    region: &str,
) -> (Option<Function>, Limits) {
    let at = |k: &str| format!("{p}.{k}");

    let name = name(v, &at("name"), &f.name);
    let memory_mb = match &f.memory_mb {
        None => {
            v.missing(&at("memory-mb"), "memory-mb = 1024");
            None
        }
        Some(_) => v.int_range(&at("memory-mb"), &f.memory_mb, MIN_MEMORY_MB, MAX_MEMORY_MB),
    };
    let architecture = architecture(v, &at("architecture"), &f.architecture);
    let package = package_type(v, &at("package-type"), &f.package_type);
    let runtime = runtime(v, &at("runtime"), &f.runtime);
    let runtime_ok = f.runtime.is_none() || runtime.is_some();
    let timeout = match &f.timeout {
        None => Some(TIMEOUT),
        Some(_) => match v.positive_duration(&at("timeout"), &f.timeout) {
            Some(t) if t > MAX_TIMEOUT => {
                v.err(
                    &at("timeout"),
                    format!("must be at most 15m (AWS maximum), found {t}"),
                    None,
                );
                None
            }
            other => other,
        },
    };
    let ephemeral = match &f.ephemeral_storage_mb {
        None => Some(EPHEMERAL_MB),
        Some(_) => v.int_range(
            &at("ephemeral-storage-mb"),
            &f.ephemeral_storage_mb,
            512,
            10_240,
        ),
    };
    let reserved = limits::reserved(v, &at("reserved-concurrency"), &f.reserved_concurrency);
    let reserved_ok = f.reserved_concurrency.is_none() || reserved.is_some();
    let provisioned = provisioned::check(
        v,
        &at("provisioned-concurrency"),
        &f.provisioned_concurrency,
    );
    limits::provisioned_within_reserved(
        v,
        &at("provisioned-concurrency"),
        reserved,
        provisioned.as_ref(),
    );
    let autoscaling = match &f.provisioned_autoscaling {
        None => Some(None),
        Some(t) => {
            let a = capacity::autoscaling(v, &at("provisioned-autoscaling"), t);
            if f.provisioned_concurrency.is_some() {
                v.err(
                    &at("provisioned-autoscaling"),
                    "cannot be combined with provisioned-concurrency",
                    Some("auto scaling sets the provisioned count: remove provisioned-concurrency (the count starts at `min`)".into()),
                );
            }
            if let (Some(a), Some(res)) = (&a, reserved)
                && a.max > res
            {
                v.err(
                    &at("provisioned-autoscaling.max"),
                    format!("{} provisioned environments exceed reserved-concurrency = {res}", a.max),
                    Some("provisioned concurrency counts against the function's reservation: raise reserved-concurrency or lower max".into()),
                );
            }
            a.map(Some)
        }
    };
    let compute = capacity::compute(
        v,
        &at("compute"),
        &f.compute,
        &at("managed-instances"),
        f.managed_instances.as_ref(),
        &capacity::FunctionFacts {
            region,
            memory_mb: memory_mb_checked(&f.memory_mb),
            memory_path: &at("memory-mb"),
            architecture: architecture_checked(&f.architecture),
            runtime: f.runtime.as_ref().and_then(|r| match r {
                Lenient::Ok(s) => Some(s.as_str()),
                Lenient::Bad(_) => None,
            }),
        },
    );
    if let Some(crate::model::Compute::ManagedInstances(_)) = &compute {
        if let Some(Lenient::Ok(r)) = &f.runtime
            && !capacity::managed_runtime_supported(r)
        {
            v.err(
                &at("runtime"),
                format!("\"{r}\" does not run on Lambda Managed Instances"),
                Some("managed instances run Java 21+, Python 3.13+, Node.js 22+, .NET 8+ and provided.al2023: use one of those, or compute = \"on-demand\"".into()),
            );
        }
        for (key, set) in [
            (
                "provisioned-concurrency",
                f.provisioned_concurrency.is_some(),
            ),
            (
                "provisioned-autoscaling",
                f.provisioned_autoscaling.is_some(),
            ),
            ("reserved-concurrency", f.reserved_concurrency.is_some()),
            ("snapstart", matches!(f.snapstart, Some(Lenient::Ok(true)))),
        ] {
            if set {
                v.err(
                    &at(key),
                    "does not apply to compute = \"managed-instances\"",
                    Some("managed instances scale on CPU between min-environments and max-environments and have no cold starts: remove the key, or use compute = \"on-demand\"".into()),
                );
            }
        }
    }
    let arm64_speedup = match &f.arm64_speedup {
        None => Some(ARM64_SPEEDUP),
        Some(Lenient::Bad(toml::Value::String(src))) if src == profiles::ARM64_SPEEDUP_MEASURED => {
            let measured = runtime.as_deref().and_then(profiles::arm64_speedup);
            if measured.is_none() && runtime_ok {
                v.err(
                    &at("arm64-speedup"),
                    match runtime.as_deref() {
                        Some(r) => format!("lambda-perf has no arm64 and x86_64 measurements of runtime \"{r}\""),
                        None => "\"lambda-perf\" takes the speed-up measured for the function's runtime, and `runtime` is not set".to_string(),
                    },
                    Some("set `runtime` to one lambda-perf measures (`lamsim runtimes` lists its arm64 speed-ups), or give a number from your own `lamsim bench` on both architectures".into()),
                );
            }
            measured.map(|m| m.speedup)
        }
        Some(_) => {
            let (lo, hi) = ARM64_SPEEDUP_RANGE;
            match v.number_where(
                &at("arm64-speedup"),
                &f.arm64_speedup,
                |x| x > 0.0,
                "greater than zero",
            ) {
                Some(x) if !(lo..=hi).contains(&x) => {
                    v.err(
                        &at("arm64-speedup"),
                        format!("must be in {lo}..={hi}, found {}", number(x)),
                        Some("the CPU part of arm64 durations is divided by it; measured speed-ups are 0.8–1.5".into()),
                    );
                    None
                }
                other => other,
            }
        }
    };
    let routing = routing(v, &at("routing"), &f.routing);
    let snapstart = v.boolean(&at("snapstart"), &f.snapstart);
    let snapstart_ok = f.snapstart.is_none() || snapstart.is_some();
    let snapstart = snapstart.unwrap_or(false);
    if snapstart {
        snapstart_runtime(v, &at("snapstart"), &f.runtime);
        snapstart_exclusions(
            v,
            p,
            provisioned.as_ref(),
            f.provisioned_autoscaling.is_some(),
            ephemeral,
        );
    }
    let calibration = v
        .text(&at("calibration"), &f.calibration)
        .map(|c| v.file_path(&c));
    let calibrated = calibration
        .as_ref()
        .and_then(|c| calibration::load(v, &at("calibration"), c));
    let calibration_ok = f.calibration.is_none() || calibrated.is_some();
    let measured = v
        .text(&at("measured"), &f.measured)
        .and_then(|file| measured::load(v, &at("measured"), &file, name.as_deref().unwrap_or("")));
    let measured_ok = f.measured.is_none() || measured.is_some();
    let cal_label = calibration
        .as_ref()
        .map_or(String::new(), |c| c.display().to_string());
    // A calibration measured at several memory sizes: the table of the size nearest this
    // function's memory.
    // (A workload that gives its own `dist` takes only scaling keys from the calibration:
    // those of `[duration]`, the reference.)
    let own_dist = f.duration.as_ref().is_some_and(|d| d.dist.is_some());
    let cal_duration = calibrated.as_ref().and_then(|c| {
        if own_dist {
            c.duration.as_ref().map(|d| (d, "duration".to_string()))
        } else {
            calibration::duration_for(c, memory_mb.unwrap_or(MIN_MEMORY_MB))
        }
    });
    let cal_duration_table = cal_duration
        .as_ref()
        .map_or_else(|| "duration".to_string(), |(_, path)| path.clone());
    let duration_table = calibration::merge(f.duration.as_ref(), cal_duration.map(|(d, _)| d));
    let init_table = calibration::merge(
        f.init.as_ref(),
        calibrated.as_ref().and_then(|c| c.init.as_ref()),
    );
    let handler = f
        .handler
        .as_ref()
        .and_then(|h| handler::check(v, &at("handler"), h));
    let handler_ok = f.handler.is_none() || handler.is_some();

    let triggers = triggers(v, p, f, window, name.as_deref().unwrap_or(""), start_at);
    let error_rate = match &f.error_rate {
        None => Some(0.0),
        Some(_) => v.number_where(
            &at("error-rate"),
            &f.error_rate,
            |x| (0.0..=1.0).contains(&x),
            "a probability in 0..=1",
        ),
    };

    let mem = memory_mb.unwrap_or(MIN_MEMORY_MB);
    let trace_mean_ms = triggers.as_ref().and_then(|ts| {
        ts.iter()
            .find_map(|t| arrivals::trace::mean_duration_ms(&t.arrivals.process))
    });
    let duration = match duration_table.as_ref().map(|(d, _)| d) {
        // A trace with per-request durations needs no [function.duration]: the mean of the
        // trace's durations stands in wherever one number is needed (see the README).
        None if trace_mean_ms.is_some() => Some(DurationModel::unscaled(
            Dist::Const {
                value_ms: trace_mean_ms.unwrap_or(0.0),
            },
            mem,
        )),
        // A trace that failed to load may have had durations: its errors say enough.
        None if triggers.is_none() && raw_arrivals(f).any(|a| {
            matches!(a.kind.as_ref(),
                     Some(Lenient::Ok(k)) if k == <arrivals::trace::Trace as arrivals::ArrivalKind>::NAME)
        }) =>
        {
            None
        }
        // A calibration file that failed to load has reported why.
        None if f.calibration.is_some() && !calibration_ok => None,
        // `serve` and `bench` run the handler itself and never sample a duration; the default
        // scaling (what `bench` uses to model another architecture) is that of a
        // `[function.duration]` without scaling keys.
        None if v.purpose == Purpose::Harness => Some(DurationModel::unscaled(
            Dist::Const { value_ms: 0.0 },
            mem,
        )),
        None => {
            let hint = if f.calibration.is_some() {
                "the calibration file has no [duration]: give [function.duration]"
            } else {
                "add e.g. [function.duration] dist = \"lognormal\", median = \"120ms\", p99 = \"800ms\""
            };
            v.err(&at("duration"), "is required", Some(hint.into()));
            None
        }
        Some(d) => {
            let from_cal = duration_table.as_ref().map_or(&[][..], |(_, k)| k);
            calibration::model(
                v,
                &at("duration"),
                d,
                mem,
                from_cal,
                &cal_label,
                &cal_duration_table,
            )
        }
    };
    let init = match init_table.as_ref() {
        Some((d, from_cal)) => {
            calibration::model(v, &at("init"), d, mem, from_cal, &cal_label, "init")
        }
        None => match (architecture, package) {
            (Some(arch), Some(pkg)) => {
                let rt = runtime.as_deref().unwrap_or(profiles::GENERIC);
                let found = profiles::init_profile_for(rt, pkg, arch, mem)
                    .or_else(|| profiles::init_profile(rt, arch, mem));
                if found.is_none() && runtime_ok {
                    v.err(
                        &at("init"),
                        format!("no built-in {} profile for runtime \"{rt}\"", pkg.as_str()),
                        Some("give [function.init], or use package-type = \"zip\"".into()),
                    );
                }
                found
            }
            _ => None,
        },
    };
    let restore = match (&f.restore, snapstart) {
        (Some(d), true) => {
            distributions::check(v, &at("restore"), d, mem, distributions::CPU_FRACTION).map(Some)
        }
        (Some(_), false) => {
            v.err(
                &at("restore"),
                "only applies with snapstart = true",
                Some("add snapstart = true, or remove [function.restore]".into()),
            );
            None
        }
        (None, true) => Some(Some(distributions::default_restore(mem))),
        (None, false) => Some(None),
    };
    let log_bytes = log_bytes(v, &at("log-bytes"), &f.log_bytes);
    let log_bytes_ok = f.log_bytes.is_none() || log_bytes.is_some();
    let keep_alive = keep_alive::check(v, &at("keep-alive"), f.keep_alive.as_ref());
    let slo = f.slo.as_ref().map(|s| slo::check(v, &at("slo"), s));

    let limits = Limits {
        reserved,
        max_provisioned: provisioned
            .as_ref()
            .map(|w| w.iter().map(|w| w.count).max().unwrap_or(0))
            .unwrap_or(0)
            .max(
                autoscaling
                    .as_ref()
                    .and_then(|a| a.as_ref().map(|a| a.max))
                    .unwrap_or(0),
            ),
        provisioned_key: if f.provisioned_autoscaling.is_some() {
            "provisioned-autoscaling.max"
        } else {
            "provisioned-concurrency"
        },
    };
    let flags_ok = runtime_ok
        && reserved_ok
        && snapstart_ok
        && calibration_ok
        && handler_ok
        && log_bytes_ok
        && measured_ok;
    let func = (|| {
        if !flags_ok {
            return None;
        }
        Some(Function {
            name: name?,
            memory_mb: memory_mb?,
            architecture: architecture?,
            runtime,
            timeout: timeout?,
            ephemeral_storage_mb: ephemeral?,
            reserved_concurrency: reserved,
            provisioned: provisioned?,
            provisioned_autoscaling: autoscaling?,
            compute: compute?,
            arm64_speedup: arm64_speedup?,
            routing: routing?,
            triggers: triggers?,
            trigger_form: f.trigger.is_some(),
            error_rate: error_rate?,
            duration: duration?,
            init: init?,
            keep_alive: keep_alive?,
            snapstart,
            restore: restore?,
            handler,
            calibration,
            measured,
            slo,
            log_bytes,
            population: None,
        })
    })();
    (func, limits)
}

/// Every `[function.arrivals]` table of `f` as written (the wave-one one and the triggers').
fn raw_arrivals(f: &Raw) -> impl Iterator<Item = &arrivals::Raw> {
    f.arrivals.iter().chain(
        f.trigger
            .iter()
            .flatten()
            .filter_map(|t| t.arrivals.as_ref()),
    )
}

/// The triggers of `function[i]` at `p`: `[[function.trigger]]`, or the wave-one form
/// (`invocation` plus `[function.arrivals]`) as one trigger with the kind's defaults; writing
/// both is an error. Trigger names are unique within the function.
fn triggers(
    v: &mut Validator,
    p: &str,
    f: &Raw,
    window: Option<SimTime>,
    function: &str,
    start_at: i64,
) -> Option<Vec<Trigger>> {
    let window = window.unwrap_or(SimTime::MAX);
    let cx = arrivals::Context { function, start_at };
    let Some(list) = &f.trigger else {
        // The wave-one form: one trigger named after its kind.
        let kind = trigger::invocation(v, &format!("{p}.invocation"), &f.invocation);
        let arrivals = match &f.arrivals {
            // `serve` and `bench` send no simulated traffic: no arrivals, no trigger.
            None if v.purpose == Purpose::Harness => return kind.map(|_| Vec::new()),
            None => {
                v.missing(
                    &format!("{p}.arrivals"),
                    "[function.arrivals] kind = \"poisson\", rate-per-s = 10.0",
                );
                None
            }
            // With no valid window the arrivals are still checked (the scenario fails anyway).
            Some(a) => arrivals::check(v, &format!("{p}.arrivals"), a, window, &cx),
        };
        let kind = default_kind(kind?);
        return Some(vec![Trigger {
            name: kind.name().to_string(),
            arrivals: arrivals?,
            kind,
        }]);
    };
    let mut ok = true;
    for (key, present) in [
        ("invocation", f.invocation.is_some()),
        ("arrivals", f.arrivals.is_some()),
    ] {
        if present {
            v.err(
                &format!("{p}.{key}"),
                "cannot be combined with [[function.trigger]]",
                Some(format!(
                    "move `{key}` into a [[function.trigger]] table (each trigger has its own invocation and arrivals)"
                )),
            );
            ok = false;
        }
    }
    if list.is_empty() {
        v.err(
            &format!("{p}.trigger"),
            "needs at least one trigger",
            Some("add e.g. [[function.trigger]] invocation = \"sync\" with [function.trigger.arrivals]".into()),
        );
        return None;
    }
    let mut out = Vec::with_capacity(list.len());
    let mut names: Vec<(String, usize)> = Vec::new();
    for (j, t) in list.iter().enumerate() {
        let tp = format!("{p}.trigger[{j}]");
        let (name, kind) = trigger::check(v, &tp, t);
        let arrivals: Option<Arrivals> = match &t.arrivals {
            None => {
                v.missing(
                    &format!("{tp}.arrivals"),
                    "[function.trigger.arrivals] kind = \"poisson\", rate-per-s = 10.0",
                );
                None
            }
            Some(a) => arrivals::check(v, &format!("{tp}.arrivals"), a, window, &cx),
        };
        if let Some(n) = &name {
            if let Some((_, first)) = names.iter().find(|(m, _)| m == n) {
                v.err(
                    &format!("{tp}.name"),
                    format!("duplicate trigger name \"{n}\" (also trigger[{first}])"),
                    Some("give each trigger of a function its own `name`".into()),
                );
                ok = false;
            } else {
                names.push((n.clone(), j));
            }
        }
        match (name, kind, arrivals) {
            (Some(name), Some(kind), Some(arrivals)) => out.push(Trigger {
                name,
                arrivals,
                kind,
            }),
            _ => ok = false,
        }
    }
    ok.then_some(out)
}

/// The trigger of the wave-one form `invocation = kind`: the kind with its defaults.
fn default_kind(kind: &str) -> TriggerKind {
    use trigger::*;
    match kind {
        "async" => TriggerKind::Async(AsyncTrigger {
            max_retries: ASYNC_MAX_RETRIES,
            max_event_age: ASYNC_MAX_EVENT_AGE,
            event_size_kb: ASYNC_EVENT_SIZE_KB,
        }),
        "sqs" => TriggerKind::Sqs(SqsTrigger {
            batch_size: SQS_BATCH_SIZE,
            batching_window: SimTime::ZERO,
            max_concurrency: None,
            scaling: SqsScaling::Standard {
                max_pollers: crate::model::trigger::SQS_MAX_POLLERS,
            },
            per_record: SimTime::ZERO,
            visibility_timeout: SQS_VISIBILITY_TIMEOUT,
            max_receive_count: None,
            retention: SQS_RETENTION,
            report_batch_item_failures: false,
        }),
        "stream" => TriggerKind::Stream(StreamTrigger {
            shards: 1,
            parallelization_factor: 1,
            batch_size: STREAM_BATCH_SIZE,
            batching_window: SimTime::ZERO,
            max_retries: None,
            max_record_age: STREAM_MAX_RECORD_AGE,
            bisect_on_error: false,
            per_record: SimTime::ZERO,
        }),
        _ => TriggerKind::Sync(SyncTrigger::default()),
    }
}

/// Function names must be unique.
pub(crate) fn unique_names(v: &mut Validator, list: &[Raw]) {
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, f) in list.iter().enumerate() {
        if let Some(Lenient::Ok(n)) = &f.name {
            if let Some(first) = seen.get(n.as_str()) {
                v.err(
                    &format!("function[{i}].name"),
                    format!("duplicate name \"{n}\" (also function[{first}])"),
                    Some("function names must be unique".into()),
                );
            } else {
                seen.insert(n, i);
            }
        }
    }
}

/// `name`: required, `[A-Za-z0-9_-]+`.
fn name(v: &mut Validator, path: &str, raw: &Option<Text>) -> Option<String> {
    match v.text(path, raw) {
        None => {
            if raw.is_none() {
                v.missing(path, "name = \"api\"");
            }
            None
        }
        Some(n)
            if !n.is_empty()
                && n.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') =>
        {
            Some(n)
        }
        Some(n) => {
            v.err(
                path,
                format!("\"{n}\" is not a valid name: use letters, digits, `-` and `_` only"),
                None,
            );
            None
        }
    }
}

/// `architecture`: `"x86_64"` (default) or `"arm64"`.
fn architecture(v: &mut Validator, path: &str, raw: &Option<Text>) -> Option<Architecture> {
    const ARCHES: [&str; 2] = ["x86_64", "arm64"];
    match v.text(path, raw).as_deref() {
        None => raw.is_none().then_some(Architecture::X86_64),
        Some("x86_64") => Some(Architecture::X86_64),
        Some("arm64") => Some(Architecture::Arm64),
        Some(other) => {
            let hint = match other.to_ascii_lowercase().as_str() {
                "x86" | "x64" | "amd64" | "x86-64" => "did you mean `x86_64`?".to_string(),
                "aarch64" | "arm" | "graviton" | "arm64v8" => "did you mean `arm64`?".to_string(),
                _ => choice_hint(other, &ARCHES),
            };
            v.err(
                path,
                format!("unknown architecture \"{other}\""),
                Some(hint),
            );
            None
        }
    }
}

/// `package-type`: `"zip"` (default) or `"image"`.
fn package_type(v: &mut Validator, path: &str, raw: &Option<Text>) -> Option<PackageType> {
    match v.text(path, raw).as_deref() {
        None => raw.is_none().then_some(PackageType::Zip),
        Some("zip") => Some(PackageType::Zip),
        Some("image") => Some(PackageType::Image),
        Some(other) => {
            v.err(
                path,
                format!("unknown package type \"{other}\""),
                Some("expected \"zip\" or \"image\"".into()),
            );
            None
        }
    }
}

/// `runtime`: optional; one with a built-in cold-start profile.
fn runtime(v: &mut Validator, path: &str, raw: &Option<Text>) -> Option<String> {
    match v.text(path, raw) {
        Some(r) if !profiles::is_known(&r) || r == profiles::GENERIC => {
            let ids: Vec<String> = profiles::runtimes()
                .into_iter()
                .map(|r| r.id)
                .filter(|id| id != profiles::GENERIC)
                .collect();
            let close = close_runtimes(&r, &ids);
            let hint = if close.is_empty() {
                "run `lamsim runtimes` for the list, or leave `runtime` out and give [function.init]".to_string()
            } else {
                format!("close matches: {}", close.join(", "))
            };
            v.err(
                path,
                format!("no built-in profile for runtime \"{r}\""),
                Some(hint),
            );
            None
        }
        other => other,
    }
}

/// `memory-mb` when it is a valid size (its errors are reported by the main check).
fn memory_mb_checked(raw: &Option<Integer>) -> Option<u32> {
    match raw {
        Some(Lenient::Ok(m)) if (MIN_MEMORY_MB as i64..=MAX_MEMORY_MB as i64).contains(m) => {
            Some(*m as u32)
        }
        _ => None,
    }
}

/// `architecture` when it is valid, x86_64 when absent (its errors are reported by the main
/// check).
fn architecture_checked(raw: &Option<Text>) -> Option<Architecture> {
    match raw {
        None => Some(Architecture::X86_64),
        Some(Lenient::Ok(a)) if a == "x86_64" => Some(Architecture::X86_64),
        Some(Lenient::Ok(a)) if a == "arm64" => Some(Architecture::Arm64),
        _ => None,
    }
}

/// `log-bytes`: optional, 0..=[`MAX_LOG_BYTES`].
fn log_bytes(v: &mut Validator, path: &str, raw: &Option<Integer>) -> Option<u32> {
    let i = v.integer(path, raw)?;
    if !(0..=MAX_LOG_BYTES as i64).contains(&i) {
        v.err(
            path,
            format!("must be in 0..={MAX_LOG_BYTES} (100 MiB), found {i}"),
            Some(
                "bytes your code logs per invocation, e.g. log-bytes = 300; the platform's START/END/REPORT lines are added"
                    .into(),
            ),
        );
        return None;
    }
    Some(i as u32)
}

/// `routing`: `"newest"` (default), `"mru"`, `"lru"` or `"random"`.
fn routing(v: &mut Validator, path: &str, raw: &Option<Text>) -> Option<Routing> {
    const ROUTING: [&str; 4] = ["newest", "mru", "lru", "random"];
    match v.text(path, raw).as_deref() {
        None => raw.is_none().then_some(Routing::Newest),
        Some("newest") => Some(Routing::Newest),
        Some("mru") => Some(Routing::Mru),
        Some("lru") => Some(Routing::Lru),
        Some("random") => Some(Routing::Random),
        Some(other) => {
            v.err(
                path,
                format!("unknown routing \"{other}\""),
                Some(choice_hint(other, &ROUTING)),
            );
            None
        }
    }
}

/// What AWS does not run with `snapstart = true` on one function version (function `p`):
/// provisioned concurrency, fixed or auto scaled (a count of 0, which resolved workloads write
/// out, is none), and more than 512 MB of ephemeral storage. A function with them would be
/// billed for SnapStart and provisioned concurrency together.
fn snapstart_exclusions(
    v: &mut Validator,
    p: &str,
    provisioned: Option<&Vec<crate::model::ProvisionedWindow>>,
    autoscaling: bool,
    ephemeral: Option<u32>,
) {
    let at = |k: &str| format!("{p}.{k}");
    let provisioned = provisioned.is_some_and(|w| w.iter().any(|w| w.count > 0));
    for (key, set) in [
        ("provisioned-concurrency", provisioned),
        ("provisioned-autoscaling", autoscaling),
    ] {
        if set {
            v.err(
                &at(key),
                "cannot be combined with snapstart = true: AWS does not run SnapStart and provisioned concurrency on the same function version",
                Some("keep one: SnapStart cuts cold starts without paying for idle environments; provisioned concurrency removes them".into()),
            );
        }
    }
    if let Some(mb) = ephemeral.filter(|&mb| mb > EPHEMERAL_MB) {
        v.err(
            &at("ephemeral-storage-mb"),
            format!("{mb} MB cannot be combined with snapstart = true: AWS's SnapStart takes at most {EPHEMERAL_MB} MB of ephemeral storage"),
            Some(format!("lower it to {EPHEMERAL_MB}, or remove snapstart")),
        );
    }
}

/// `snapstart = true` needs a `runtime` that supports SnapStart
/// ([`crate::cost::snapstart_supported`], the one home of that rule).
fn snapstart_runtime(v: &mut Validator, path: &str, runtime: &Option<Text>) {
    match runtime {
        None => v.err(
            path,
            "needs `runtime`: SnapStart exists for java11+, python3.12+ and dotnet8+ only",
            Some("add e.g. runtime = \"java21\"".into()),
        ),
        Some(Lenient::Ok(r)) if !crate::cost::snapstart_supported(r) => v.err(
            path,
            format!("SnapStart is not available for runtime \"{r}\""),
            Some(
                "SnapStart supports java11 and later, python3.12 and later, dotnet8 and later"
                    .into(),
            ),
        ),
        _ => {}
    }
}

/// Close matches for an unknown runtime: same family prefix, or a small edit distance.
fn close_runtimes(r: &str, ids: &[String]) -> Vec<String> {
    let lower = r.to_ascii_lowercase();
    let family: String = lower
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect();
    let mut scored: Vec<(usize, &String)> = ids
        .iter()
        .filter_map(|id| {
            let d = levenshtein(&lower, id);
            let same_family = !family.is_empty() && id.starts_with(&family);
            (d <= 3 || same_family).then_some((d, id))
        })
        .collect();
    scored.sort();
    scored
        .into_iter()
        .take(8)
        .map(|(_, id)| id.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::cost::snapstart_supported;

    #[test]
    fn snapstart_runtimes() {
        for r in [
            "java11",
            "java21",
            "java25",
            "python3.12",
            "python3.13",
            "dotnet8",
            "dotnet10",
        ] {
            assert!(snapstart_supported(r), "{r}");
        }
        for r in [
            "java8.al2",
            "python3.11",
            "python3.9",
            "nodejs22.x",
            "provided.al2023:rust",
            "ruby3.4",
        ] {
            assert!(!snapstart_supported(r), "{r}");
        }
    }
}
