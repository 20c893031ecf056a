//! Latencies and durations known exactly: with constant distributions every invocation's init
//! and execution are known by hand, so the simulator must report them to the nanosecond (means
//! and maxima are exact sums; only the percentiles go through a histogram).

use crate::support::run;
use lamsim_sim::model::{
    Architecture, ArrivalProcess, ConstantSpacing, Dist, DurationModel, KeepAlivePolicy, Scenario,
};
use lamsim_sim::testing::simple_scenario;
use lamsim_sim::time::SimTime;

/// One 1,024 MB function, one request every `every_s` seconds for an hour, constant `exec_ms`
/// of execution after a constant `init_ms` of init, keep-alive `keep_alive_s`.
fn constant(every_s: f64, exec_ms: f64, init_ms: f64, keep_alive_s: u64) -> Scenario {
    let mut s = simple_scenario(1.0, exec_ms, "1m", "1h");
    let f = &mut s.functions[0];
    f.triggers[0].arrivals.process = ArrivalProcess::Constant(ConstantSpacing::Rate(1.0 / every_s));
    f.duration = DurationModel::unscaled(Dist::Const { value_ms: exec_ms }, f.memory_mb);
    f.init = DurationModel::unscaled(Dist::Const { value_ms: init_ms }, f.memory_mb);
    f.keep_alive.policy = KeepAlivePolicy::Fixed {
        idle: SimTime::from_secs(keep_alive_s),
    };
    s
}

#[track_caller]
fn exact(actual: f64, expected: f64, what: &str) {
    assert!(
        (actual - expected).abs() <= 1e-9 * expected.abs().max(1.0),
        "{what}: {actual} != {expected}"
    );
}

/// The histogram keeps three significant digits of microseconds: a percentile of a constant
/// is the constant within 0.1 %.
#[track_caller]
fn percentile(actual: f64, expected: f64, what: &str) {
    assert!(
        (actual - expected).abs() <= 1e-3 * expected,
        "{what}: {actual} vs {expected}"
    );
}

#[test]
fn a_cold_start_takes_its_init_plus_its_execution_and_a_warm_one_its_execution() {
    // A wave-one function (latency as the environment sees it) and the same function written
    // with `[[function.trigger]]` (latency as the sync caller sees it): the same numbers.
    for trigger_form in [false, true] {
        // One request every 2 min with a 1 min keep-alive: every request is cold.
        let mut s = constant(120.0, 100.0, 250.0, 60);
        s.functions[0].trigger_form = trigger_form;
        let f = &run(&s).summary.functions[0];
        let what = format!("all cold, trigger form {trigger_form}");
        assert_eq!((f.invocations, f.cold_starts), (30.0, 30.0), "{what}");
        exact(f.latency_cold_ms.mean, 350.0, &what);
        exact(f.latency_cold_ms.max, 350.0, &what);
        percentile(f.latency_cold_ms.p50, 350.0, &what);
        percentile(f.latency_cold_ms.p99, 350.0, &what);
        exact(f.latency_ms.mean, 350.0, &what);

        // A 3 min keep-alive: only the first request is cold.
        let mut s = constant(120.0, 100.0, 250.0, 180);
        s.functions[0].trigger_form = trigger_form;
        let f = &run(&s).summary.functions[0];
        let what = format!("one cold, trigger form {trigger_form}");
        assert_eq!((f.invocations, f.cold_starts), (30.0, 1.0), "{what}");
        exact(f.latency_cold_ms.max, 350.0, &what);
        exact(f.latency_warm_ms.mean, 100.0, &what);
        exact(f.latency_warm_ms.max, 100.0, &what);
        percentile(f.latency_warm_ms.p50, 100.0, &what);
        // 29 warm requests of 100 ms and one cold one of 350 ms.
        exact(f.latency_ms.mean, (29.0 * 100.0 + 350.0) / 30.0, &what);
        exact(f.latency_ms.max, 350.0, &what);
    }
}

#[test]
fn the_arm64_speed_up_shortens_only_the_cpu_part_of_the_duration() {
    // 100 ms measured at 1,769 MB (one vCPU) on x86_64, 40 % of it CPU-bound, arm64 25 %
    // faster on CPU work. Keep-alive longer than the spacing: every request but the first is
    // warm, so the warm latency is the execution alone.
    let at = |memory_mb: u32, arch: Architecture| {
        let mut s = constant(10.0, 100.0, 250.0, 600);
        let f = &mut s.functions[0];
        f.memory_mb = memory_mb;
        f.architecture = arch;
        f.arm64_speedup = 1.25;
        f.duration = DurationModel {
            dist: Dist::Const { value_ms: 100.0 },
            reference_memory_mb: 1769,
            cpu_fraction: 0.4,
            threads: 1,
        };
        run(&s).summary.functions[0].clone()
    };
    // At the reference memory: 60 ms that do not scale + 40 ms / 1.25 = 92 ms (a speed-up of
    // the whole duration would give 80 ms).
    let f = at(1769, Architecture::Arm64);
    exact(f.latency_warm_ms.mean, 92.0, "arm64 at 1769 MB");
    exact(f.latency_warm_ms.max, 92.0, "arm64 at 1769 MB");
    exact(
        at(1769, Architecture::X86_64).latency_warm_ms.max,
        100.0,
        "x86_64 at 1769 MB",
    );
    // At 884 MB the CPU part is 1769/884 = 2.0011312217194570 times longer:
    // 60 + 40 · 2.0011312217194570 / 1.25 = 124.03619909502262 ms on arm64,
    // 60 + 40 · 2.0011312217194570 = 140.0452488687783 ms on x86_64.
    let arm = at(884, Architecture::Arm64);
    exact(
        arm.latency_warm_ms.max,
        124.036_199_095_022_62,
        "arm64 at 884 MB",
    );
    exact(
        at(884, Architecture::X86_64).latency_warm_ms.max,
        140.045_248_868_778_3,
        "x86_64 at 884 MB",
    );
    // The bill follows the duration: 360 executions of 124.036… ms, each billed as 125 ms
    // (1 ms granularity), at 884/1024 GB (on-demand GB-s are execution only; INIT is apart).
    assert_eq!(arm.invocations, 360.0);
    exact(
        arm.usage.ondemand_gb_s,
        360.0 * 0.125 * 884.0 / 1024.0,
        "arm64 on-demand GB-s",
    );
}

#[test]
fn an_environment_is_idle_exactly_its_keep_alive_after_each_invocation() {
    // One request every 2 min, 250 ms init + 100 ms execution, 1 min keep-alive: each of the
    // 30 environments exists 60.35 s, busy 0.35 s (init counts as busy: it serves the request)
    // and idle 60 s; time-averaged over the hour.
    let f = &run(&constant(120.0, 100.0, 250.0, 60)).summary.functions[0];
    assert_eq!(f.cold_starts, 30.0);
    exact(f.instances.avg_idle, 30.0 * 60.0 / 3600.0, "avg idle");
    exact(f.instances.avg_total, 30.0 * 60.35 / 3600.0, "avg total");
    assert_eq!(f.instances.peak, 1.0);
}

#[test]
fn only_cold_starts_are_snapstart_restores() {
    // A SnapStart function whose environment stays warm (3 min keep-alive, a request every
    // 2 min): one restore, the first request's, and no billed INIT; 29 warm invocations.
    let mut s = constant(120.0, 100.0, 250.0, 180);
    s.functions[0].snapstart = true;
    let f = &run(&s).summary.functions[0];
    assert_eq!((f.invocations, f.cold_starts), (30.0, 1.0));
    assert_eq!(f.usage.restores, 1.0);
    assert_eq!(f.usage.init_gb_s, 0.0);
}
