//! Provisioned concurrency: ready before it is needed, used first, overflow spills over.

use crate::support::{assert_within, run};
use lamsim_sim::model::{ArrivalProcess, ConstantSpacing, Dist, DurationModel, ProvisionedWindow};
use lamsim_sim::testing::simple_scenario;
use lamsim_sim::time::{SimTime, parse_duration};

#[test]
fn enough_provisioned_concurrency_means_no_cold_starts() {
    let mut s = simple_scenario(10.0, 100.0, "10s", "1h");
    s.functions[0].provisioned = vec![ProvisionedWindow {
        start: SimTime::ZERO,
        end: SimTime::MAX,
        count: 12,
    }];
    let f = &run(&s).summary.functions[0];
    assert_eq!(f.cold_starts, 0.0);
    assert_eq!(f.usage.ondemand_gb_s, 0.0);
    assert!(f.usage.provisioned_used_gb_s > 0.0);
    // 12 environments configured for the whole hour at 1 GB.
    assert_within(
        f.usage.provisioned_configured_gb_s,
        12.0 * 3600.0,
        1e-6,
        1.0,
        "configured GB-s",
    );
    assert!(f.instances.avg_total >= 12.0);
}

#[test]
fn overflow_spills_to_on_demand_environments() {
    let mut s = simple_scenario(50.0, 200.0, "10m", "30m");
    s.functions[0].provisioned = vec![ProvisionedWindow {
        start: SimTime::ZERO,
        end: SimTime::MAX,
        count: 3,
    }];
    let f = &run(&s).summary.functions[0];
    assert!(f.cold_starts > 0.0);
    assert!(f.usage.provisioned_used_gb_s > 0.0 && f.usage.ondemand_gb_s > 0.0);
    // Provisioned environments are used first, so they are busy most of the time: of ~10
    // busy, 3 are provisioned.
    let share =
        f.usage.provisioned_used_gb_s / (f.usage.provisioned_used_gb_s + f.usage.ondemand_gb_s);
    assert!(share > 0.25 && share < 0.35, "{share}");
}

#[test]
fn scheduled_provisioned_concurrency_covers_only_its_window() {
    let mut s = simple_scenario(2.0, 100.0, "10s", "1h");
    let (a, b) = (
        parse_duration("20m").unwrap(),
        parse_duration("40m").unwrap(),
    );
    s.functions[0].provisioned = vec![ProvisionedWindow {
        start: a,
        end: b,
        count: 5,
    }];
    let f = &run(&s).summary.functions[0];
    assert_within(
        f.usage.provisioned_configured_gb_s,
        5.0 * 1200.0,
        1e-6,
        1.0,
        "configured GB-s",
    );
    // Outside the window the 10 s keep-alive makes most requests warm but some cold; inside
    // it none are: the cold starts come from 2/3 of the hour.
    assert!(f.cold_starts > 0.0);
    let p_prov =
        f.usage.provisioned_used_gb_s / (f.usage.provisioned_used_gb_s + f.usage.ondemand_gb_s);
    assert_within(p_prov, 1.0 / 3.0, 0.03, 1.0, "share served by provisioned");
}

#[test]
fn provisioned_environments_come_back_with_their_next_window() {
    // Two environments provisioned for [0, 10 min) and again for [20 min, 30 min); one request
    // every 10 s from 5 s, 100 ms each. The 60 requests of each window run on provisioned
    // environments (the ones released at 10 min are replaced at 20 min), the 60 between them
    // on demand: 120 × 0.1 s × 1 GB of provisioned duration.
    let mut s = simple_scenario(0.1, 100.0, "1h", "30m");
    let f = &mut s.functions[0];
    f.triggers[0].arrivals.process = ArrivalProcess::Constant(ConstantSpacing::Rate(0.1));
    f.triggers[0].arrivals.start = SimTime::from_secs(5);
    f.duration = DurationModel::unscaled(Dist::Const { value_ms: 100.0 }, 1024);
    f.provisioned = vec![
        ProvisionedWindow {
            start: SimTime::ZERO,
            end: SimTime::from_secs(600),
            count: 2,
        },
        ProvisionedWindow {
            start: SimTime::from_secs(1200),
            end: SimTime::from_secs(1800),
            count: 2,
        },
    ];
    let f = &run(&s).summary.functions[0];
    assert_eq!(f.invocations, 180.0);
    assert!(
        (f.usage.provisioned_used_gb_s - 12.0).abs() < 1e-9,
        "{}",
        f.usage.provisioned_used_gb_s
    );
    assert!(
        (f.usage.ondemand_gb_s - 6.0).abs() < 1e-9,
        "{}",
        f.usage.ondemand_gb_s
    );
}

/// A provisioned step and a request at the same instant: the configured environment is in
/// place first and takes the request (no cold start, no on-demand environment), from the
/// start of the run and from a scheduled step alike.
#[test]
fn a_provisioned_step_is_in_place_before_a_request_at_the_same_instant() {
    for start in ["0s", "2m"] {
        let text = format!(
            "[simulation]\nduration = \"5m\"\n\
             [[function]]\nname = \"f\"\nmemory-mb = 1024\n\
             [[function.provisioned-concurrency]]\ncount = 1\nstart = \"{start}\"\n\
             [function.arrivals]\nkind = \"constant\"\nrate-per-s = 1.0\nstart = \"{start}\"\n\
             [function.duration]\ndist = \"const\"\nvalue = \"100ms\"\n\
             [function.init]\ndist = \"const\"\nvalue = \"500ms\"\n"
        );
        let s = lamsim_sim::config::from_str(&text, std::path::Path::new("."), "t.toml")
            .unwrap_or_else(|e| panic!("{e}"));
        let f = &run(&s).summary.functions[0];
        assert!(f.invocations > 100.0, "{start}: {}", f.invocations);
        assert_eq!(f.cold_starts, 0.0, "{start}");
        assert_eq!(f.usage.ondemand_gb_s, 0.0, "{start}");
        assert_eq!(f.instances.peak, 1.0, "{start}");
    }
}
