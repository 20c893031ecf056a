//! Provisioned-concurrency auto scaling (target tracking): scale-out after 3 one-minute
//! datapoints above the target, scale-in after 15 below, and the bill of the configured
//! count as it changes.

use lamsim_sim::engine::Engine;
use lamsim_sim::model::Scenario;
use lamsim_sim::observer::{Counts, Observer};
use lamsim_sim::time::SimTime;

use crate::config_validation::{errors, ok};
use crate::support::run;

/// 1 s constant invocations at 3/s (3 busy: 30 % of 10), plus 6/s more in `[10m, 40m)` (9
/// busy: 90 %), on min 10 / max 100 at a 70 % target.
fn step_workload() -> Scenario {
    ok(r#"
[simulation]
duration = "1h"

[[function]]
name = "api"
memory-mb = 1024

[function.provisioned-autoscaling]
min = 10
max = 100
target-utilization = 0.7

[[function.trigger]]
name = "base"
invocation = "sync"
[function.trigger.arrivals]
kind = "constant"
rate-per-s = 3

[[function.trigger]]
name = "burst"
invocation = "sync"
[function.trigger.arrivals]
kind = "constant"
rate-per-s = 6
start = "10m"
end = "40m"

[function.duration]
dist = "const"
value = "1s"

[function.init]
dist = "const"
value = "500ms"
"#)
}

/// Every change of the provisioned count configured: (time, count).
#[derive(Default)]
struct Configured(Vec<(SimTime, u32)>);

impl Observer for Configured {
    fn on_counts(&mut self, t: SimTime, _f: u32, c: Counts) {
        if self.0.last().map(|x| x.1) != Some(c.provisioned_configured) {
            self.0.push((t, c.provisioned_configured));
        }
    }
}

#[test]
fn scale_out_waits_for_three_datapoints_above_the_target_and_scale_in_for_fifteen_below() {
    let s = step_workload();
    let mut engine = Engine::new(&s, 1, Configured::default());
    engine.run();
    let changes = engine.into_observer().0;
    let min = |m: u64| SimTime::from_secs(60 * m);
    // Starts at min = 10.
    assert_eq!(changes[0], (SimTime::ZERO, 10));
    // The step at 10 min: datapoints closing at 11, 12 and 13 min are above 70 %; the third
    // scales out to ceil(10 × utilization / 0.7) with utilization just under 0.9 (the first
    // second of the step ramps up): ceil(12.9) = 13.
    assert_eq!(changes[1], (min(13), 13), "{changes:?}");
    // At 13 provisioned, 9 busy is 69 %: between the alarms, so nothing more happens until
    // the load drops at 40 min (3 busy: 23 %, below 90 % × 70 %); the 15th datapoint below
    // closes at 55 min and scales in to max(ceil(13 × 0.23 / 0.7), min) = 10.
    assert_eq!(changes[2], (min(55), 10), "{changes:?}");
    assert_eq!(changes.len(), 3, "{changes:?}");
}

#[test]
fn the_configured_count_is_billed_as_it_changes_each_period_rounded_up_to_5_minutes() {
    let f = &run(&step_workload()).summary.functions[0];
    // 10 for the hour, plus 3 from 13 to 55 min: 42 min, billed as 45 min; 1 GB.
    let expect = 10.0 * 3600.0 + 3.0 * 45.0 * 60.0;
    assert!(
        (f.usage.provisioned_configured_gb_s - expect).abs() < 1e-6,
        "{} vs {expect}",
        f.usage.provisioned_configured_gb_s
    );
    // The configured count over time: 10 + 3 × 42/60 on average, 13 at most.
    let avg = f.instances.provisioned_avg.unwrap();
    assert!((avg - (10.0 + 3.0 * 42.0 / 60.0)).abs() < 1e-9, "{avg}");
    assert_eq!(f.instances.provisioned_peak, Some(13.0));
    // Until the scale-out, 9 busy on 10 provisioned: nothing spilled over; the bill prices
    // exactly the configured GB-s.
    assert_eq!(f.cold_starts, 0.0);
}

#[test]
fn load_above_max_spills_over_to_on_demand() {
    let text = r#"
[simulation]
duration = "30m"
[[function]]
name = "api"
memory-mb = 1024
[function.provisioned-autoscaling]
min = 2
max = 4
[function.arrivals]
kind = "constant"
rate-per-s = 10
[function.duration]
dist = "const"
value = "1s"
"#;
    let f = &run(&ok(text)).summary.functions[0];
    assert_eq!(f.instances.provisioned_peak, Some(4.0));
    assert!(f.cold_starts > 0.0);
    assert!(f.usage.ondemand_gb_s > f.usage.provisioned_used_gb_s);
}

#[test]
fn autoscaling_settings_are_checked_with_their_paths() {
    let base = |extra: &str| {
        format!(
            r#"
[simulation]
duration = "1h"
[[function]]
name = "api"
memory-mb = 1024
{extra}
[function.arrivals]
kind = "poisson"
rate-per-s = 1
[function.duration]
dist = "const"
value = "10ms"
"#
        )
    };
    let e = errors(&base(
        "provisioned-concurrency = 5\n[function.provisioned-autoscaling]\nmin = 1\nmax = 5",
    ));
    assert!(
        e.errors
            .iter()
            .any(|x| x.path == "function[0].provisioned-autoscaling"),
        "{e}"
    );
    let e = errors(&base(
        "[function.provisioned-autoscaling]\nmin = 5\nmax = 2",
    ));
    assert!(
        e.errors
            .iter()
            .any(|x| x.path == "function[0].provisioned-autoscaling.max"),
        "{e}"
    );
    let e = errors(&base(
        "[function.provisioned-autoscaling]\nmin = 1\nmax = 2\nstatistic = \"avg\"",
    ));
    assert!(e.to_string().contains("average"), "{e}");
    let e = errors(&base(
        "reserved-concurrency = 10\n[function.provisioned-autoscaling]\nmin = 1\nmax = 20",
    ));
    assert!(e.to_string().contains("reserved-concurrency"), "{e}");
}

#[test]
fn the_maximum_statistic_sees_bursts_that_the_average_smooths_away() {
    // 3 busy all the time, plus a burst of 20 one-second requests in the first second of
    // minutes 10, 11 and 12: the minute's average is 3.33 busy (33 %, below the 70 % target),
    // its maximum all 10 provisioned environments (100 %: the rest of the burst spills over to
    // on-demand, and utilization cannot exceed 1).
    let text = |statistic: &str| {
        let mut t = format!(
            r#"
[simulation]
duration = "30m"
[[function]]
name = "api"
memory-mb = 1024
[function.provisioned-autoscaling]
min = 10
max = 100
target-utilization = 0.7
statistic = "{statistic}"
[[function.trigger]]
name = "base"
invocation = "sync"
[function.trigger.arrivals]
kind = "constant"
rate-per-s = 3
[function.duration]
dist = "const"
value = "1s"
[function.init]
dist = "const"
value = "500ms"
"#
        );
        for m in [10, 11, 12] {
            t.push_str(&format!(
                "[[function.trigger]]\nname = \"burst{m}\"\ninvocation = \"sync\"\n[function.trigger.arrivals]\nkind = \"constant\"\ncount = 20\nstart = \"{m}m\"\nend = \"{}s\"\n",
                m * 60 + 1
            ));
        }
        t
    };
    let changes = |statistic: &str| {
        let s = ok(&text(statistic));
        let mut engine = Engine::new(&s, 1, Configured::default());
        engine.run();
        engine.into_observer().0
    };
    // Average: never above the target, so the count stays at min.
    assert_eq!(changes("average"), vec![(SimTime::ZERO, 10)]);
    // Maximum: three datapoints above (at 11, 12 and 13 min), scale-out at 13 min to
    // ceil(10 × 1.0 / 0.7) = 15.
    let max = changes("maximum");
    assert_eq!(max[1], (SimTime::from_secs(13 * 60), 15), "{max:?}");
}

/// Two 999 ms requests a second on `provisioned-autoscaling` min = 1, max = 2 for 10 minutes,
/// with an init of `init`: the one provisioned environment is saturated, so it scales out.
fn saturated_min_1_max_2(init: &str) -> Scenario {
    ok(&format!(
        r#"
[simulation]
duration = "10m"
[[function]]
name = "api"
memory-mb = 1024
[function.provisioned-autoscaling]
min = 1
max = 2
[function.arrivals]
kind = "constant"
rate-per-s = 2
[function.duration]
dist = "const"
value = "999ms"
[function.init]
dist = "const"
value = "{init}"
"#
    ))
}

#[test]
fn environments_added_by_a_scale_out_serve_only_after_their_init() {
    // Two 999 ms requests in flight at all times (2/s) on min = 1 provisioned environment:
    // it is saturated, so after 3 datapoints (3 min) the count goes to ceil(1 / 0.7) = 2. The
    // new environment runs its init first, and meanwhile the second request of each pair
    // spills over to on-demand: 60 s more of init is 60 s less of provisioned use.
    let used = |init: &str| {
        run(&saturated_min_1_max_2(init)).summary.functions[0]
            .usage
            .provisioned_used_gb_s
    };
    let (short, long) = (used("30s"), used("90s"));
    // Each second of init moves 0.999 s of work (1 GB) from provisioned to on-demand.
    assert!(
        (short - long - 60.0 * 0.999).abs() < 2.0,
        "{short} vs {long}"
    );
}

/// Counts on-demand cold starts.
#[derive(Default)]
struct ColdStarts(u64);

impl Observer for ColdStarts {
    fn on_cold_start(&mut self, _t: SimTime, _f: u32, _init: SimTime) {
        self.0 += 1;
    }
}

#[test]
fn the_engine_counts_every_environment_it_creates_provisioned_or_not() {
    // Saturated min = 1 provisioned environment, max = 2: one provisioned environment at the
    // start, one more from the scale-out, and an on-demand environment for each cold start of
    // the spillover. Conservation: created = 2 + on-demand cold starts.
    let s = saturated_min_1_max_2("30s");
    let mut e = Engine::new(&s, 1, ColdStarts::default());
    e.run();
    let created = e.stats().environments_created;
    let cold = e.into_observer().0;
    assert!(cold >= 1, "the spillover starts cold");
    assert_eq!(created, 2 + cold);
}
