//! Lambda Managed Instances: the exact bill of a constant load, processor sharing of an
//! environment's vCPUs, the throttles of a step that outruns the scaling and none on a slow
//! ramp, and the checks of `[function.managed-instances]`.

use lamsim_sim::config;
use lamsim_sim::model::{Compute, Scenario};
use lamsim_sim::summary::FunctionSummary;

use crate::config_validation::{errors, ok};
use crate::support::{run, trace_dir};

/// A Node.js function on c7g.xlarge (arm64, 4 vCPUs, 8 GiB, $0.145/h in us-east-1) with
/// environments of `memory` MB (2 GiB per vCPU) and the given extra keys and arrivals.
pub(crate) fn workload(
    memory: u32,
    mi: &str,
    arrivals: &str,
    duration: &str,
    window: &str,
) -> String {
    format!(
        r#"
[simulation]
duration = "{window}"
seed = 7

[[function]]
name = "api"
memory-mb = {memory}
architecture = "arm64"
runtime = "nodejs22.x"
compute = "managed-instances"
timeout = "60s"

[function.managed-instances]
instance-type = "c7g.xlarge"
{mi}

[function.arrivals]
{arrivals}

[function.duration]
{duration}
"#
    )
}

fn only(s: &Scenario) -> FunctionSummary {
    run(s).summary.functions[0].clone()
}

#[test]
fn a_constant_load_that_fits_costs_instance_hours_times_price_times_1_15_plus_requests() {
    // 10 requests/s of 10 ms on three 1-vCPU environments: 3 % CPU each, so the fleet stays
    // at min-environments = 3, on three instances (AWS keeps three for AZ resilience).
    let text = workload(
        2048,
        "",
        "kind = \"constant\"\nrate-per-s = 10",
        "dist = \"const\"\nvalue = \"10ms\"",
        "1h",
    );
    let f = only(&ok(&text));
    assert_eq!(f.throttles, 0.0);
    assert_eq!(f.cold_starts, 0.0, "no cold start on the request path");
    assert_eq!(f.invocations, 36_000.0);
    // Each request runs alone: exactly its 10 ms.
    assert_eq!(f.latency_ms.max, 10.0);
    assert_eq!(f.latency_ms.mean, 10.0);
    let m = f.managed_instances.as_ref().expect("managed_instances");
    assert_eq!(m.instance_type, "c7g.xlarge");
    assert_eq!(m.instances_avg, 3.0);
    assert_eq!(m.instances_peak, 3.0);
    assert!((m.instance_hours - 3.0).abs() < 1e-12);
    assert_eq!(m.environments_avg, 3.0);
    let c = f.cost_usd.as_ref().expect("cost");
    // 3 instance-hours × $0.145 × 1.15, and 36,000 requests × $0.20 per million.
    let instances = 3.0 * 0.145 * 1.15;
    let requests = 36_000.0 * 0.20 / 1e6;
    assert!((c.instances.unwrap() - instances).abs() < 1e-12, "{c:?}");
    assert!((c.requests - requests).abs() < 1e-12, "{c:?}");
    assert_eq!(c.compute, 0.0, "no duration charge on managed instances");
    assert_eq!(c.provisioned, 0.0);
    assert!((c.total - instances - requests).abs() < 1e-12);
    assert_eq!(f.usage.ondemand_gb_s, 0.0);
}

#[test]
fn a_savings_plan_discounts_the_ec2_part_but_not_the_management_fee() {
    let text = workload(
        2048,
        "savings-plan-discount = 0.3",
        "kind = \"constant\"\nrate-per-s = 10",
        "dist = \"const\"\nvalue = \"10ms\"",
        "1h",
    );
    let f = only(&ok(&text));
    let c = f.cost_usd.unwrap();
    // 3 h × $0.145 × (1 − 0.3) + 3 h × $0.145 × 0.15.
    let expect = 3.0 * 0.145 * 0.7 + 3.0 * 0.145 * 0.15;
    assert!((c.instances.unwrap() - expect).abs() < 1e-12, "{c:?}");
}

/// A 10 s run of the requests that arrive at `times` (seconds, a trace file), on
/// environments of `memory` MB with the `mi` keys and the `duration` keys.
fn on_trace(times: &[f64], memory: u32, mi: &str, duration: &str) -> FunctionSummary {
    let dir = trace_dir("mi-trace", times.iter().copied());
    let text = workload(
        memory,
        mi,
        "kind = \"trace\"\nfile = \"t.csv\"",
        duration,
        "10s",
    );
    let s = config::from_str(&text, dir.path(), "t.toml").unwrap_or_else(|e| panic!("{e}"));
    only(&s)
}

/// `k` requests that arrive together, each 100 ms of CPU work alone, on one environment of
/// `memory` MB (2 GiB per vCPU).
fn simultaneous(k: usize, memory: u32, cpu_fraction: f64) -> FunctionSummary {
    on_trace(
        &vec![1.0; k],
        memory,
        "min-environments = 1\nmax-environments = 1\nmax-concurrency = 64",
        &format!("dist = \"const\"\nvalue = \"100ms\"\ncpu-fraction = {cpu_fraction}"),
    )
}

#[test]
fn k_cpu_bound_requests_on_v_vcpus_each_take_k_over_v_times_longer() {
    // One vCPU (2048 MB): 4 requests share it, each takes 4 × 100 ms.
    let f = simultaneous(4, 2048, 1.0);
    assert_eq!(f.invocations, 4.0);
    assert_eq!(f.latency_ms.max, 400.0);
    assert_eq!(f.latency_ms.mean, 400.0);
    // Two vCPUs (4096 MB): 4 requests take 4/2 × 100 ms.
    let f = simultaneous(4, 4096, 1.0);
    assert_eq!(f.latency_ms.max, 200.0);
    assert_eq!(f.latency_ms.mean, 200.0);
    // As many requests as vCPUs: no slowdown.
    let f = simultaneous(2, 4096, 1.0);
    assert_eq!(f.latency_ms.max, 100.0);
    // Fewer requests than vCPUs: no speed-up either (one request uses one vCPU).
    let f = simultaneous(1, 4096, 1.0);
    assert_eq!(f.latency_ms.max, 100.0);
    assert_eq!(f.latency_ms.mean, 100.0);
}

#[test]
fn only_the_cpu_part_of_a_request_slows_down() {
    // cpu-fraction 0.5, 4 requests on 1 vCPU: CPU demand 4 × 0.5 = 2 vCPUs, so the CPU half
    // runs 2× slower: 50 ms + 2 × 50 ms = 150 ms.
    let f = simultaneous(4, 2048, 0.5);
    assert_eq!(f.latency_ms.max, 150.0);
    // Two such requests need exactly one vCPU: no slowdown.
    let f = simultaneous(2, 2048, 0.5);
    assert_eq!(f.latency_ms.max, 100.0);
}

#[test]
fn the_router_gives_each_request_to_the_least_busy_environment() {
    // Four CPU-bound requests at once on two 1-vCPU environments of three slots each: spread
    // 2 + 2, each pair shares its vCPU (200 ms); packed 3 + 1, three would share one (300 ms).
    let f = on_trace(
        &[1.0; 4],
        2048,
        "min-environments = 2\nmax-environments = 2\nmax-concurrency = 3",
        "dist = \"const\"\nvalue = \"100ms\"",
    );
    assert_eq!((f.invocations, f.throttles), (4.0, 0.0));
    assert_eq!(f.latency_ms.max, 200.0);
}

#[test]
fn requests_beyond_every_environments_max_concurrency_are_throttled() {
    let f = on_trace(
        &[1.0; 10],
        2048,
        "min-environments = 2\nmax-environments = 2\nmax-concurrency = 3",
        "dist = \"const\"\nvalue = \"100ms\"",
    );
    // 2 environments × 3 slots: 6 run, 4 are throttled; the router balances them 3 + 3.
    assert_eq!(f.invocations, 6.0);
    assert_eq!(f.throttles, 4.0);
    assert_eq!(f.latency_ms.max, 300.0);
}

/// A CPU-bound function (100 ms per request on one vCPU: 10 requests/s per environment at
/// 100 % CPU) whose traffic is given by `arrivals`.
fn cpu_bound(arrivals: &str, window: &str) -> FunctionSummary {
    let text = workload(
        2048,
        "min-environments = 4",
        arrivals,
        "dist = \"const\"\nvalue = \"100ms\"",
        window,
    );
    only(&ok(&text))
}

#[test]
fn a_step_that_more_than_doubles_the_traffic_throttles_until_capacity_catches_up() {
    // 20/s (four environments at the 50 % target) for an hour, then 60/s: three times the
    // traffic at once is more than the 2× headroom of the target, so the environments
    // saturate, fill their 64 slots and throttle until the scaler's new environments arrive.
    let f = cpu_bound(
        "kind = \"diurnal\"\nhourly-rates-per-s = [20, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60]",
        "2h",
    );
    assert!(f.throttles > 100.0, "throttles: {}", f.throttles);
    let m = f.managed_instances.unwrap();
    // At 60/s and a 50 % target the fleet settles near 12 environments.
    assert!(m.environments_avg > 6.0, "{m:?}");
    assert!(m.instances_peak >= 3.0);
}

#[test]
fn a_slow_ramp_to_the_same_traffic_gives_no_throttle() {
    // 20/s → 60/s over two hours (a sine of 4 h period): the scaler keeps up.
    let f = cpu_bound(
        "kind = \"diurnal\"\nmean-rate-per-s = 40\namplitude = 0.5\nperiod = \"4h\"\npeak-at = \"2h\"",
        "2h",
    );
    assert_eq!(f.throttles, 0.0);
    assert!(f.invocations > 250_000.0);
    // More environments than the four it started with were needed.
    assert!(f.instances.peak > 4.0, "{:?}", f.instances);
}

#[test]
fn full_slots_make_the_fleet_grow_even_when_the_cpu_is_idle() {
    // I/O-bound (cpu-fraction 0) 1 s requests at 15/s: 15 in flight, 10 slots per
    // environment, one environment to start with. The CPU stays idle, but slot use (AWS's
    // "multi-concurrency saturation") makes the scaler add environments: 1 → 2 → 3 (slot use
    // 0.5, the target). Until they arrive a third of the requests are throttled.
    let text = workload(
        2048,
        "min-environments = 1\nmax-concurrency = 10",
        "kind = \"constant\"\nrate-per-s = 15",
        "dist = \"const\"\nvalue = \"1s\"\ncpu-fraction = 0",
        "30m",
    );
    let f = only(&ok(&text));
    let m = f.managed_instances.clone().unwrap();
    assert!(f.instances.peak >= 3.0, "{:?}", f.instances);
    // Throttles only in the first minutes: at most 5 of 30 minutes at a third.
    assert!(f.throttle_ratio < 0.06, "{}", f.throttle_ratio);
    assert!(f.throttle_ratio > 0.0);
    assert!(m.environments_avg > 2.5, "{m:?}");
}

#[test]
fn arrivals_are_conserved_and_the_run_is_deterministic() {
    let arrivals = "kind = \"poisson\"\nrate-per-s = 80";
    let a = cpu_bound(arrivals, "20m");
    let b = cpu_bound(arrivals, "20m");
    assert_eq!(a, b);
    assert_eq!(a.arrivals, a.invocations + a.throttles);
}

#[test]
fn managed_instance_settings_are_checked_with_their_paths() {
    let base = |memory: u32, arch: &str, mi: &str| {
        format!(
            r#"
[simulation]
duration = "1h"
[[function]]
name = "api"
memory-mb = {memory}
architecture = "{arch}"
runtime = "python3.13"
compute = "managed-instances"
[function.managed-instances]
{mi}
[function.arrivals]
kind = "poisson"
rate-per-s = 1
[function.duration]
dist = "const"
value = "10ms"
"#
        )
    };
    let e = errors(&base(2048, "arm64", "instance-type = \"c7g.xlargee\""));
    let err = e
        .errors
        .iter()
        .find(|x| x.path == "function[0].managed-instances.instance-type")
        .unwrap_or_else(|| panic!("{e}"));
    assert!(
        err.hint.as_deref().unwrap_or("").contains("c7g.xlarge"),
        "{err:?}"
    );

    let e = errors(&base(2048, "x86_64", "instance-type = \"c7g.xlarge\""));
    assert!(e.to_string().contains("arm64"), "{e}");

    let e = errors(&base(3000, "arm64", "instance-type = \"c7g.xlarge\""));
    let err = e
        .errors
        .iter()
        .find(|x| x.path == "function[0].memory-mb")
        .unwrap_or_else(|| panic!("{e}"));
    assert!(
        err.hint.as_deref().unwrap_or("").contains("4096"),
        "{err:?}"
    );

    let e = errors(&base(
        2048,
        "arm64",
        "instance-type = \"c7g.xlarge\"\nmemory-per-vcpu-gb = 3",
    ));
    assert!(e.to_string().contains("memory-per-vcpu-gb"), "{e}");

    // Python's default: 16 requests per vCPU; 8192 MB at 2 GiB per vCPU is 4 vCPUs.
    let s = ok(&base(8192, "arm64", "instance-type = \"c7g.xlarge\""));
    match &s.functions[0].compute {
        Compute::ManagedInstances(m) => {
            assert_eq!(m.env_vcpus, 4);
            assert_eq!(m.max_concurrency, 64);
            assert_eq!(m.min_environments, 3);
            assert_eq!(m.instance.usd_per_hour, 0.145);
        }
        other => panic!("{other:?}"),
    }

    // A type the book lacks needs its size and price.
    let e = errors(&base(2048, "arm64", "instance-type = \"c9g.large\""));
    assert!(e.to_string().contains("usd-per-hour"), "{e}");
    let s = ok(&base(
        2048,
        "arm64",
        "instance-type = \"c9g.large\"\nvcpus = 2\nmemory-gib = 4\nusd-per-hour = 0.07",
    ));
    assert_eq!(
        s.functions[0]
            .compute
            .managed()
            .unwrap()
            .instance
            .usd_per_hour,
        0.07
    );
}

#[test]
fn keys_that_do_not_apply_to_managed_instances_are_errors() {
    let text = workload(
        2048,
        "",
        "kind = \"poisson\"\nrate-per-s = 1",
        "dist = \"const\"\nvalue = \"10ms\"",
        "1h",
    )
    .replace(
        "compute = \"managed-instances\"",
        "compute = \"managed-instances\"\nprovisioned-concurrency = 5",
    );
    let e = errors(&text);
    assert!(
        e.errors
            .iter()
            .any(|x| x.path == "function[0].provisioned-concurrency"),
        "{e}"
    );
}

#[test]
fn resolved_managed_instances_read_back_identically() {
    let text = workload(
        4096,
        "max-environments = 20\nsavings-plan-discount = 0.2",
        "kind = \"poisson\"\nrate-per-s = 1",
        "dist = \"const\"\nvalue = \"10ms\"",
        "1h",
    );
    let s = ok(&text);
    let resolved = config::to_resolved_toml(&s);
    let back = ok(&resolved);
    assert_eq!(back.functions[0].compute, s.functions[0].compute);
}

/// The environments of function 0 at each change: (time, live environments, instances).
#[derive(Default)]
struct Fleet(Vec<(lamsim_sim::time::SimTime, u32, u32)>);

impl lamsim_sim::observer::Observer for Fleet {
    fn on_counts(
        &mut self,
        t: lamsim_sim::time::SimTime,
        _f: u32,
        c: lamsim_sim::observer::Counts,
    ) {
        self.0.push((t, c.total, c.instances));
    }
}

/// Every `(time, environments, instances)` function 0's fleet reported in a run of `s`.
fn fleet_changes(s: &Scenario) -> Vec<(lamsim_sim::time::SimTime, u32, u32)> {
    let mut e = lamsim_sim::engine::Engine::new(s, 1, Fleet::default());
    e.run();
    e.into_observer().0
}

/// The last `(time, environments, instances)` the fleet reported at or before `secs`.
fn fleet_at(
    changes: &[(lamsim_sim::time::SimTime, u32, u32)],
    secs: u64,
) -> (lamsim_sim::time::SimTime, u32, u32) {
    *changes
        .iter()
        .rev()
        .find(|c| c.0 <= lamsim_sim::time::SimTime::from_secs(secs))
        .unwrap()
}

#[test]
fn when_the_traffic_falls_the_surplus_drains_after_five_minutes_of_wanting_fewer() {
    // 60/s for an hour (about 12 environments at the 50 % target), then 20/s (4).
    let text = workload(
        2048,
        "min-environments = 4",
        "kind = \"diurnal\"\nhourly-rates-per-s = [60, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20]",
        "dist = \"const\"\nvalue = \"100ms\"",
        "2h",
    );
    let s = ok(&text);
    let changes = fleet_changes(&s);
    let at = |secs: u64| fleet_at(&changes, secs).1;
    let busy = at(3000);
    assert!((10..=16).contains(&busy), "at 50 min: {busy} environments");
    // Nothing drains in the first 5 minutes after the drop (5 periods must want fewer).
    let just_after = at(3600 + 240);
    assert!(
        just_after >= busy - 1,
        "{busy} at 50 min, {just_after} 4 min after the drop"
    );
    // Half an hour later the fleet is near 20/s ÷ (10/s per environment × 0.5) = 4.
    let late = at(3600 + 1800);
    assert!(
        (4..=6).contains(&late),
        "at 1 h 30 min: {late} environments"
    );
}

#[test]
fn a_multithreaded_request_uses_its_threads_worth_of_vcpus() {
    // threads = 2 on environments of 2 vCPUs (4096 MB): alone, a request runs its 100 ms on
    // both; two at once demand 4 vCPUs of 2, so each takes 200 ms.
    let f = on_trace(
        &[1.0, 1.0, 5.0],
        4096,
        "min-environments = 1\nmax-environments = 1\nmax-concurrency = 8",
        "dist = \"const\"\nvalue = \"100ms\"\nthreads = 2",
    );
    assert_eq!(f.invocations, 3.0);
    assert_eq!(f.latency_ms.max, 200.0);
    // (200 + 200 + 100) / 3.
    assert!(
        (f.latency_ms.mean - 500.0 / 3.0).abs() < 1e-9,
        "{}",
        f.latency_ms.mean
    );
}

#[test]
fn environments_with_a_request_are_the_busy_ones() {
    // 10 requests/s of exactly 10 ms, each alone on the first idle environment: one of the
    // three environments is busy 10 % of the time, the others never.
    let text = workload(
        2048,
        "",
        "kind = \"constant\"\nrate-per-s = 10",
        "dist = \"const\"\nvalue = \"10ms\"",
        "1h",
    );
    let f = only(&ok(&text));
    assert!(
        (f.instances.avg_busy - 0.1).abs() < 1e-9,
        "{:?}",
        f.instances
    );
    assert!(
        (f.instances.avg_idle - 2.9).abs() < 1e-9,
        "{:?}",
        f.instances
    );
}

#[test]
fn new_environments_take_requests_only_after_the_scale_out_delay() {
    // I/O-bound 1 s requests at 15/s on one environment of 10 slots: 5 requests/s are
    // throttled until the first scale-out (decided at 60 s) brings a second environment
    // `scale-out-delay` later; 20 slots then hold the 15. So the throttles grow by 5 per second
    // of delay: 120 s instead of 30 s adds 450.
    let throttles = |delay: &str| {
        let text = workload(
            2048,
            &format!("min-environments = 1\nmax-concurrency = 10\nscale-out-delay = \"{delay}\""),
            "kind = \"constant\"\nrate-per-s = 15",
            // 999 ms: a slot frees just before the next arrival (no same-instant ties).
            "dist = \"const\"\nvalue = \"999ms\"\ncpu-fraction = 0",
            "10m",
        );
        only(&ok(&text)).throttles
    };
    let (short, long) = (throttles("30s"), throttles("120s"));
    assert!((long - short - 450.0).abs() <= 10.0, "{short} → {long}");
    // About 5/s over the 90 s before the first new environment with the short delay.
    assert!((short - 450.0).abs() <= 20.0, "{short}");
}

#[test]
fn the_fleet_settles_where_the_cpu_target_puts_it_on_multi_vcpu_environments() {
    // 40 requests/s of 100 ms CPU on environments of 2 vCPUs (4096 MB): 4 vCPUs of demand,
    // so at the 50 % target the scaler wants 4 / (2 × 0.5) = 4 environments.
    let text = workload(
        4096,
        "min-environments = 1",
        "kind = \"constant\"\nrate-per-s = 40",
        "dist = \"const\"\nvalue = \"100ms\"",
        "1h",
    );
    let f = only(&ok(&text));
    let m = f.managed_instances.unwrap();
    // It starts from 1 and needs a few minutes to get there: 3.5–4.5 on average over the hour.
    assert!(
        (3.5..=4.5).contains(&m.environments_avg),
        "{}",
        m.environments_avg
    );
    assert!(f.instances.peak <= 6.0, "{:?}", f.instances);
}

#[test]
fn a_launching_environment_holds_its_instance_from_the_scale_out_decision() {
    // One environment of 10 slots under 15 requests/s of 1 s: the scaler adds a second
    // environment; its instance is launched (and billed) at the decision, the environment
    // takes requests `scale-out-delay` later. So the instance count rises to 2 exactly 120 s
    // before the environment count does, and never falls below 1 meanwhile.
    let text = workload(
        2048,
        "min-environments = 1\nmax-concurrency = 10\nscale-out-delay = \"120s\"",
        "kind = \"constant\"\nrate-per-s = 15",
        "dist = \"const\"\nvalue = \"999ms\"\ncpu-fraction = 0",
        "10m",
    );
    let s = ok(&text);
    let changes = fleet_changes(&s);
    let first = |pick: &dyn Fn(&(lamsim_sim::time::SimTime, u32, u32)) -> bool| {
        changes
            .iter()
            .find(|c| pick(c))
            .map(|c| c.0)
            .expect("it happens")
    };
    let launched = first(&|c| c.2 >= 2);
    let ready = first(&|c| c.1 >= 2);
    assert_eq!(
        ready.0 - launched.0,
        lamsim_sim::time::SimTime::from_secs(120).0,
        "instance at {launched:?}, environment at {ready:?}"
    );
    assert!(
        changes.iter().all(|c| c.2 >= 1),
        "an instance always holds the first environment"
    );
}

#[test]
fn multithreaded_requests_count_their_threads_in_the_fleets_cpu_target() {
    // 20 requests/s of 100 ms using 2 threads on environments of 2 vCPUs (4096 MB): 4 vCPUs
    // of demand, as 40/s single-threaded, so the scaler again wants 4 / (2 × 0.5) = 4
    // environments (counting each request as one vCPU would want 2).
    let text = workload(
        4096,
        "min-environments = 1",
        "kind = \"constant\"\nrate-per-s = 20",
        "dist = \"const\"\nvalue = \"100ms\"\nthreads = 2",
        "1h",
    );
    let m = only(&ok(&text)).managed_instances.unwrap();
    assert!(
        (3.5..=4.5).contains(&m.environments_avg),
        "{}",
        m.environments_avg
    );
}

#[test]
fn environments_drained_while_busy_give_back_their_instances_when_their_last_request_ends() {
    // 10 s requests that only wait (cpu-fraction 0), ten slots per environment: at 20/s, 200
    // requests run at once, spread over some 40 environments at the 50 % target, none of them
    // ever idle. At 5/s a quarter of that is wanted: the surplus is drained while busy, and
    // each drained environment leaves (and gives back its share of an instance) when its last
    // request ends. Half an hour after the drop the fleet holds about a quarter of the
    // environments and so about a quarter of the instances.
    let text = workload(
        2048,
        "max-concurrency = 10",
        "kind = \"diurnal\"\nhourly-rates-per-s = [20, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5]",
        "dist = \"const\"\nvalue = \"10s\"\ncpu-fraction = 0.0",
        "2h",
    );
    let s = ok(&text);
    let changes = fleet_changes(&s);
    let (_, before, inst_before) = fleet_at(&changes, 3000);
    let (_, after, inst_after) = fleet_at(&changes, 3600 + 1800);
    assert!(
        before >= 30 && after * 3 <= before,
        "{before} environments before the drop, {after} after"
    );
    assert!(
        inst_after * 2 <= inst_before,
        "{inst_before} instances for {before} environments before, {inst_after} for {after} after"
    );
}

#[test]
fn a_minute_that_wants_exactly_the_fleet_restarts_the_count_toward_a_scale_in() {
    // One-slot environments (max-concurrency 1): a busy environment is fully used, so each
    // minute wants ceil(busy environments on average / 0.5). A request every second, each
    // running 0.9 s, keeps 0.9 environments busy (wants 2); a second such stream, offset by
    // 0.5 s, makes it 1.8 (wants 4). Both run for the first 2 minutes: the fleet grows from 2
    // to 4. Minute 3 wants 2, fewer than the 4 ready; minute 4 wants exactly 4, which breaks
    // the row; from minute 5 on every minute wants 2, so the 5th of them, ending at 540 s,
    // drains the surplus down to 2. (Counting minute 4 toward the row would drain nothing at
    // 420 s, since the row's largest want is the fleet itself, and restart it: 720 s.)
    let mut times: Vec<f64> = (0..900).map(f64::from).collect();
    times.extend((0..120).chain(180..240).map(|k| k as f64 + 0.5));
    times.sort_by(f64::total_cmp);
    let dir = trace_dir("mi-scale-in", times);
    let text = workload(
        2048,
        "min-environments = 2\nmax-concurrency = 1",
        "kind = \"trace\"\nfile = \"t.csv\"",
        "dist = \"const\"\nvalue = \"900ms\"",
        "15m",
    );
    let s = config::from_str(&text, dir.path(), "t.toml").unwrap_or_else(|e| panic!("{e}"));
    let changes = fleet_changes(&s);
    let at = |secs: u64| fleet_at(&changes, secs).1;
    assert_eq!(at(50), 2, "{changes:?}");
    assert_eq!(at(130), 4, "{changes:?}");
    assert_eq!(at(539), 4, "{changes:?}");
    assert_eq!(at(541), 2, "{changes:?}");
    assert_eq!(at(899), 2, "{changes:?}");
}

/// Managed instances run Java 21+, Python 3.13+, Node.js 22+, .NET 8+ and provided.al2023
/// (AWS's list): another runtime is refused at `runtime`.
#[test]
fn only_the_runtimes_aws_lists_run_on_managed_instances() {
    let text = |runtime: &str| {
        workload(
            2048,
            // An OS-only runtime has no default concurrency.
            if runtime.starts_with("provided") {
                "max-concurrency = 8"
            } else {
                ""
            },
            "kind = \"poisson\"\nrate-per-s = 1",
            "dist = \"const\"\nvalue = \"10ms\"",
            "1h",
        )
        .replace(
            "runtime = \"nodejs22.x\"",
            &format!("runtime = \"{runtime}\""),
        )
    };
    for r in [
        "nodejs22.x",
        "nodejs24.x",
        "python3.13",
        "python3.14",
        "java21",
        "java25",
        "dotnet8",
        "dotnet10",
        "provided.al2023:rust",
    ] {
        ok(&text(r));
    }
    for r in [
        "nodejs20.x",
        "python3.12",
        "python3.9",
        "java17",
        "java8.al2",
        "dotnet6",
        "provided.al2:rust",
    ] {
        let e = errors(&text(r));
        let err = e
            .errors
            .iter()
            .find(|x| x.path == "function[0].runtime")
            .unwrap_or_else(|| panic!("{r}: {e}"));
        assert!(
            err.message
                .contains("does not run on Lambda Managed Instances"),
            "{e}"
        );
    }
}
