//! The resolved workload: a complete workload file with every default and the seed written
//! out, in the keys users write, so that a run can be repeated from its output folder
//! (`DIR/workload.resolved.toml`).
//!
//! Files (traces, empirical samples, handler folders, calibration) are written as the absolute
//! paths validation resolved them to. A function's `calibration` is kept, and its calibrated
//! `[function.duration]` / `[function.init]` are written out in full (with `dist` and every
//! scaling key): explicit keys override a calibration, so the re-run uses exactly these
//! distributions even if the calibration file is re-generated (it must still exist). Distribution parameters are written as exact decimal
//! milliseconds, so reading the file back gives the same scenario (lognormals are written as
//! `median` + `p99`, which round-trip to within a few units in the last place).

use std::fmt::Write;
use std::path::Path;

use super::policy::arrivals;
use super::policy::distributions::Z99;
use crate::model::trigger::SqsScaling;
use crate::model::{
    Arrivals, Dist, DurationModel, Function, KeepAlivePolicy, Routing, Scaling, Scenario, Slo,
};
use crate::model::{Trigger, TriggerKind};
use crate::schedule::format_utc;
use crate::time::{SimTime, format_duration};

/// A TOML string literal (quoted and escaped).
pub(crate) fn q(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// A path as a TOML string literal.
pub(crate) fn qp(p: &Path) -> String {
    q(&p.display().to_string())
}

/// A duration as a TOML string literal (`"1h"`).
pub(crate) fn d(t: SimTime) -> String {
    q(&format_duration(t))
}

/// A duration parameter in ms, exact (`"84.42000000000002ms"`).
fn ms(x: f64) -> String {
    q(&format!("{x}ms"))
}

/// The value with the fewest significant digits near `x` that satisfies `exact`, or `x`.
fn shortest(x: f64, exact: impl Fn(f64) -> bool) -> f64 {
    (0..17)
        .filter_map(|digits| format!("{x:.digits$e}").parse::<f64>().ok())
        .find(|&y| exact(y))
        .unwrap_or(x)
}

/// A float that reads back as a TOML float (always with a decimal point or exponent).
pub(crate) fn f(x: f64) -> String {
    toml::Value::Float(x).to_string()
}

/// Writes `s` as a complete workload file. See the module docs.
pub fn to_resolved_toml(s: &Scenario) -> String {
    let mut o = String::new();
    let w = &mut o;
    let _ = writeln!(
        w,
        "# Resolved workload: every default and the seed filled in (lamsim {}).",
        env!("CARGO_PKG_VERSION")
    );
    let _ = writeln!(w, "# `lamsim run` on this file repeats the run.\n");

    let sim = &s.simulation;
    let _ = writeln!(w, "[simulation]");
    let _ = writeln!(w, "duration = {}", d(sim.duration));
    let _ = writeln!(w, "warmup = {}", d(sim.warmup));
    let _ = writeln!(w, "start-at = {}", q(&format_utc(sim.start_at)));
    if sim.seed <= i64::MAX as u64 {
        let _ = writeln!(w, "seed = {}", sim.seed);
    } else {
        let _ = writeln!(w, "seed = \"{}\"", sim.seed);
    }
    let _ = writeln!(w, "replicates = {}\n", sim.replicates);

    let acc = &s.account;
    let _ = writeln!(w, "[account]");
    let _ = writeln!(w, "region = {}", q(&acc.region));
    let _ = writeln!(w, "concurrency-limit = {}", acc.concurrency_limit);
    let scaling = match acc.scaling {
        Scaling::PerFunction => "per-function",
        Scaling::LegacyBurst => "legacy-burst",
        Scaling::Unlimited => "unlimited",
    };
    let _ = writeln!(w, "scaling = {}\n", q(scaling));

    let p = &s.pricing;
    let _ = writeln!(w, "[pricing]");
    let _ = writeln!(w, "billing-date = \"{}\"", p.billing_date);
    if let Some(b) = p.bill_init {
        let _ = writeln!(w, "bill-init = {b}");
    }
    let _ = writeln!(w, "free-tier = {}", p.free_tier);
    let _ = writeln!(w, "granularity = {}", d(p.granularity));
    let r = &p.rates;
    let rates = [
        ("request", r.request),
        ("duration-x86", r.duration_x86),
        ("duration-arm64", r.duration_arm64),
        ("provisioned-x86", r.provisioned_x86),
        ("provisioned-arm64", r.provisioned_arm64),
        ("provisioned-duration-x86", r.provisioned_duration_x86),
        ("provisioned-duration-arm64", r.provisioned_duration_arm64),
        ("ephemeral", r.ephemeral),
        ("snapstart-cache", r.snapstart_cache),
        ("snapstart-restore", r.snapstart_restore),
    ];
    if rates.iter().any(|(_, v)| v.is_some()) {
        let _ = writeln!(w, "\n[pricing.rates]");
        for (k, v) in rates {
            if let Some(v) = v {
                let _ = writeln!(w, "{k} = {}", f(v));
            }
        }
    }

    if let Some(slo) = &s.slo {
        slo_table(w, "slo", slo);
    }

    for func in s.functions.iter().filter(|f| f.population.is_none()) {
        function(w, func);
    }
    for p in &s.populations {
        // The members are not written one by one: the table, with its defaults resolved,
        // expands to the same members.
        let mut root = toml::Table::new();
        root.insert(
            "population".into(),
            toml::Value::Array(vec![toml::Value::Table(p.resolved.clone())]),
        );
        let _ = write!(w, "\n{root}");
    }
    o
}

fn function(w: &mut String, fun: &Function) {
    let _ = writeln!(w, "\n[[function]]");
    let _ = writeln!(w, "name = {}", q(&fun.name));
    let _ = writeln!(w, "memory-mb = {}", fun.memory_mb);
    let _ = writeln!(w, "architecture = {}", q(fun.architecture.as_str()));
    if let Some(rt) = &fun.runtime {
        let _ = writeln!(w, "runtime = {}", q(rt));
    }
    let _ = writeln!(w, "timeout = {}", d(fun.timeout));
    let _ = writeln!(w, "ephemeral-storage-mb = {}", fun.ephemeral_storage_mb);
    if let Some(r) = fun.reserved_concurrency {
        let _ = writeln!(w, "reserved-concurrency = {r}");
    }
    let constant = match fun.provisioned.as_slice() {
        [] => Some(0),
        [one] if one.start == SimTime::ZERO && one.end == SimTime::MAX => Some(one.count),
        _ => None,
    };
    if let Some(n) = constant
        && fun.compute.managed().is_none()
        && fun.provisioned_autoscaling.is_none()
    {
        let _ = writeln!(w, "provisioned-concurrency = {n}");
    }
    if fun.compute.managed().is_some() {
        let _ = writeln!(w, "compute = {}", q(fun.compute.as_str()));
    }
    if !fun.trigger_form {
        let _ = writeln!(w, "invocation = {}", q(fun.triggers[0].kind.name()));
    }
    if fun.error_rate > 0.0 {
        let _ = writeln!(w, "error-rate = {}", f(fun.error_rate));
    }
    let _ = writeln!(w, "arm64-speedup = {}", f(fun.arm64_speedup));
    let routing = match fun.routing {
        Routing::Newest => "newest",
        Routing::Mru => "mru",
        Routing::Lru => "lru",
        Routing::Random => "random",
    };
    let _ = writeln!(w, "routing = {}", q(routing));
    let _ = writeln!(w, "snapstart = {}", fun.snapstart);
    if let Some(b) = fun.log_bytes {
        let _ = writeln!(w, "log-bytes = {b}");
    }
    if let Some(c) = &fun.calibration {
        let _ = writeln!(w, "calibration = {}", qp(c));
    }
    if let Some(m) = &fun.measured {
        let _ = writeln!(w, "measured = {}", qp(&m.path));
    }

    if !fun.trigger_form {
        arrivals_table(w, "function.arrivals", &fun.triggers[0].arrivals);
    }

    dist_table(w, "duration", &fun.duration);
    dist_table(w, "init", &fun.init);
    if let Some(r) = &fun.restore {
        dist_table(w, "restore", r);
    }

    let k = &fun.keep_alive;
    let _ = writeln!(w, "\n[function.keep-alive]");
    match &k.policy {
        KeepAlivePolicy::Fixed { idle } => {
            let _ = writeln!(w, "kind = \"fixed\"\nidle = {}", d(*idle));
        }
        KeepAlivePolicy::Uniform { min, max } => {
            let _ = writeln!(
                w,
                "kind = \"uniform\"\nmin = {}\nmax = {}",
                d(*min),
                d(*max)
            );
        }
        KeepAlivePolicy::Curve { points } => {
            let p: Vec<String> = points
                .iter()
                .map(|(t, x)| format!("[{}, {}]", d(*t), f(*x)))
                .collect();
            let _ = writeln!(w, "kind = \"curve\"\npoints = [{}]", p.join(", "));
        }
    }
    if let Some(m) = k.max_lifetime {
        let _ = writeln!(w, "max-lifetime = {}", d(m));
    }

    if let Some(h) = &fun.handler {
        let _ = writeln!(w, "\n[function.handler]");
        let cmd: Vec<String> = h.command.iter().map(|c| q(c)).collect();
        let _ = writeln!(w, "command = [{}]", cmd.join(", "));
        let _ = writeln!(w, "cwd = {}", qp(&h.cwd));
        let env: Vec<String> = h
            .env
            .iter()
            .map(|(k, v)| format!("{} = {}", q(k), q(v)))
            .collect();
        let _ = writeln!(w, "env = {{ {} }}", env.join(", "));
    }

    if let Some(slo) = &fun.slo {
        slo_table(w, "function.slo", slo);
    }

    if let Some(m) = fun.compute.managed() {
        let _ = writeln!(w, "\n[function.managed-instances]");
        let _ = writeln!(w, "instance-type = {}", q(&m.instance.name));
        let _ = writeln!(w, "usd-per-hour = {}", f(m.instance.usd_per_hour));
        let _ = writeln!(w, "vcpus = {}", m.instance.vcpus);
        let _ = writeln!(w, "memory-gib = {}", f(m.instance.memory_gib));
        let _ = writeln!(w, "memory-per-vcpu-gb = {}", m.memory_per_vcpu_gb);
        let _ = writeln!(w, "max-concurrency = {}", m.max_concurrency);
        let _ = writeln!(w, "min-environments = {}", m.min_environments);
        if let Some(n) = m.max_environments {
            let _ = writeln!(w, "max-environments = {n}");
        }
        let _ = writeln!(w, "target-cpu-utilization = {}", f(m.target_utilization));
        let _ = writeln!(w, "scale-out-delay = {}", d(m.scale_out_delay));
        let _ = writeln!(w, "savings-plan-discount = {}", f(m.savings_plan_discount));
    }
    if let Some(a) = &fun.provisioned_autoscaling {
        let _ = writeln!(w, "\n[function.provisioned-autoscaling]");
        let _ = writeln!(w, "min = {}\nmax = {}", a.min, a.max);
        let _ = writeln!(w, "target-utilization = {}", f(a.target));
        let _ = writeln!(w, "statistic = {}", q(a.statistic.as_str()));
    }

    if constant.is_none() {
        for win in &fun.provisioned {
            let _ = writeln!(w, "\n[[function.provisioned-concurrency]]");
            let _ = writeln!(w, "start = {}", d(win.start));
            if win.end != SimTime::MAX {
                let _ = writeln!(w, "end = {}", d(win.end));
            }
            let _ = writeln!(w, "count = {}", win.count);
        }
    }

    if fun.trigger_form {
        for t in &fun.triggers {
            trigger_table(w, t);
        }
    }
}

fn arrivals_table(w: &mut String, table: &str, a: &Arrivals) {
    let _ = writeln!(w, "\n[{table}]");
    w.push_str(&arrivals::resolved(&a.process));
    let _ = writeln!(w, "start = {}", d(a.start));
    let _ = writeln!(w, "end = {}", d(a.end));
}

fn trigger_table(w: &mut String, t: &Trigger) {
    let _ = writeln!(w, "\n[[function.trigger]]");
    let _ = writeln!(w, "name = {}", q(&t.name));
    let _ = writeln!(w, "invocation = {}", q(t.kind.name()));
    match &t.kind {
        TriggerKind::Sync(s) => {
            if let Some(g) = s.gateway_timeout {
                let _ = writeln!(w, "gateway-timeout = {}", d(g));
            }
            let _ = writeln!(w, "client-retries = {}", s.client_retries);
            let _ = writeln!(w, "client-backoff = {}", d(s.client_backoff));
            let _ = writeln!(w, "front = {}", q(s.front.as_str()));
        }
        TriggerKind::Async(a) => {
            let _ = writeln!(w, "max-retries = {}", a.max_retries);
            let _ = writeln!(w, "max-event-age = {}", d(a.max_event_age));
            let _ = writeln!(w, "event-size-kb = {}", a.event_size_kb);
        }
        TriggerKind::Sqs(s) => {
            let _ = writeln!(w, "batch-size = {}", s.batch_size);
            let _ = writeln!(w, "batching-window = {}", d(s.batching_window));
            if let Some(c) = s.max_concurrency {
                let _ = writeln!(w, "max-concurrency = {c}");
            }
            match s.scaling {
                SqsScaling::Standard { max_pollers } => {
                    let _ = writeln!(w, "scaling = \"standard\"\nmax-pollers = {max_pollers}");
                }
                SqsScaling::Provisioned {
                    min_pollers,
                    max_pollers,
                } => {
                    let _ = writeln!(
                        w,
                        "scaling = \"provisioned\"\nmin-pollers = {min_pollers}\nmax-pollers = {max_pollers}"
                    );
                }
            }
            let _ = writeln!(w, "per-record = {}", d(s.per_record));
            let _ = writeln!(w, "visibility-timeout = {}", d(s.visibility_timeout));
            if let Some(m) = s.max_receive_count {
                let _ = writeln!(w, "max-receive-count = {m}");
            }
            let _ = writeln!(w, "retention = {}", d(s.retention));
            let _ = writeln!(
                w,
                "report-batch-item-failures = {}",
                s.report_batch_item_failures
            );
        }
        TriggerKind::Stream(s) => {
            let _ = writeln!(w, "shards = {}", s.shards);
            let _ = writeln!(w, "parallelization-factor = {}", s.parallelization_factor);
            let _ = writeln!(w, "batch-size = {}", s.batch_size);
            let _ = writeln!(w, "batching-window = {}", d(s.batching_window));
            let retries = s.max_retries.map_or(-1, i64::from);
            let _ = writeln!(w, "max-retries = {retries}");
            let _ = writeln!(w, "max-record-age = {}", d(s.max_record_age));
            let _ = writeln!(w, "bisect-on-error = {}", s.bisect_on_error);
            let _ = writeln!(w, "per-record = {}", d(s.per_record));
        }
    }
    arrivals_table(w, "function.trigger.arrivals", &t.arrivals);
}

fn dist_table(w: &mut String, key: &str, m: &DurationModel) {
    let _ = writeln!(w, "\n[function.{key}]");
    match &m.dist {
        Dist::Const { value_ms } => {
            let _ = writeln!(w, "dist = \"const\"\nvalue = {}", ms(*value_ms));
        }
        Dist::Exp { mean_ms } => {
            let _ = writeln!(w, "dist = \"exp\"\nmean = {}", ms(*mean_ms));
        }
        Dist::LogNormal { mu, sigma } => {
            // The shortest decimals that read back to exactly these mu and sigma (validation
            // computes mu = ln(median), sigma = (ln(p99) − ln(median)) / Z99), so values users
            // wrote come back as written ("100ms", not "100.00000000000004ms").
            let median = shortest(mu.exp(), |m| m.ln() == *mu);
            let p99 = shortest((mu + Z99 * sigma).exp(), |p| {
                (p.ln() - median.ln()) / Z99 == *sigma
            });
            let _ = writeln!(
                w,
                "dist = \"lognormal\"\nmedian = {}\np99 = {}",
                ms(median),
                ms(p99)
            );
        }
        Dist::Gamma { shape, scale_ms } => {
            let _ = writeln!(
                w,
                "dist = \"gamma\"\nshape = {}\nscale = {}",
                f(*shape),
                ms(*scale_ms)
            );
        }
        Dist::Weibull { shape, scale_ms } => {
            let _ = writeln!(
                w,
                "dist = \"weibull\"\nshape = {}\nscale = {}",
                f(*shape),
                ms(*scale_ms)
            );
        }
        Dist::Empirical { path, .. } => {
            let _ = writeln!(w, "dist = \"empirical\"\nfile = {}", qp(path));
        }
        // Only population members have percentiles, and they are written as their
        // `[[population]]` table; a mean keeps the file valid if one is ever written here.
        Dist::Percentiles { .. } => {
            let _ = writeln!(w, "dist = \"const\"\nvalue = {}", ms(m.dist.mean_ms()));
        }
    }
    let _ = writeln!(w, "reference-memory-mb = {}", m.reference_memory_mb);
    let _ = writeln!(w, "cpu-fraction = {}", f(m.cpu_fraction));
    let _ = writeln!(w, "threads = {}", m.threads);
}

/// Writes `[table]` (`slo` or `function.slo`) with the objectives that are set.
fn slo_table(w: &mut String, table: &str, slo: &Slo) {
    let _ = writeln!(w, "\n[{table}]");
    if let Some(v) = slo.p99 {
        let _ = writeln!(w, "p99 = {}", d(v));
    }
    if let Some(v) = slo.cold_start_ratio {
        let _ = writeln!(w, "cold-start-ratio = {}", f(v));
    }
    if let Some(v) = slo.throttle_ratio {
        let _ = writeln!(w, "throttle-ratio = {}", f(v));
    }
    if let Some(v) = slo.monthly_cost_usd {
        let _ = writeln!(w, "monthly-cost-usd = {}", f(v));
    }
}
