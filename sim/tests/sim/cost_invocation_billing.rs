//! One billing path: every invocation is billed by `cost::InvocationBilling`, and what
//! `summary.json` reports as `usage` is exactly what the bill prices. The expected numbers are
//! computed by hand from the AWS rules (docs/pricing.md), with constant distributions so every
//! invocation is known exactly.

use lamsim_sim::cost::PriceBook;
use lamsim_sim::model::{
    ArrivalProcess, ConstantSpacing, Date, Dist, DurationModel, KeepAlivePolicy, ProvisionedWindow,
    Scenario,
};
use lamsim_sim::summary::{FunctionSummary, UsageSummary};
use lamsim_sim::testing::simple_scenario;
use lamsim_sim::time::{NS_PER_MIN, SimTime};

use crate::support::run;

/// INIT is not billed for managed runtimes before this date.
const BEFORE_INIT_BILLING: Date = Date {
    year: 2025,
    month: 7,
    day: 31,
};
const AFTER_INIT_BILLING: Date = Date {
    year: 2026,
    month: 1,
    day: 1,
};

/// One 2,048 MB function with 1,024 MB of ephemeral storage (0.5 GB billed), one arrival
/// every 60 s for an hour (60 arrivals), 10.2 ms of execution and 250.3 ms of init each, and a
/// 30 s keep-alive: every invocation is an on-demand cold start.
fn every_invocation_cold(date: Date, granularity_ms: u64) -> Scenario {
    let mut s = simple_scenario(1.0, 10.0, "30s", "1h");
    s.pricing.billing_date = date;
    s.pricing.granularity = SimTime::from_millis(granularity_ms);
    s.pricing.granularity_explicit = true;
    let f = &mut s.functions[0];
    f.memory_mb = 2048;
    f.ephemeral_storage_mb = 1024;
    f.triggers[0].arrivals.process = ArrivalProcess::Constant(ConstantSpacing::Rate(1.0 / 60.0));
    f.duration = DurationModel::unscaled(Dist::Const { value_ms: 10.2 }, 2048);
    f.init = DurationModel::unscaled(Dist::Const { value_ms: 250.3 }, 2048);
    f.keep_alive.policy = KeepAlivePolicy::Fixed {
        idle: SimTime::from_secs(30),
    };
    s
}

fn close(actual: f64, expected: f64, what: &str) {
    let tol = 1e-12 * expected.abs().max(1e-12);
    assert!(
        (actual - expected).abs() <= tol,
        "{what}: {actual} != {expected}"
    );
}

/// `usage` × the us-east-1 x86_64 first-tier rates equals every line of the function's bill
/// (free tier off, far below the first tier boundary).
fn assert_usage_prices_to_the_bill(f: &FunctionSummary, what: &str) {
    let book = PriceBook::us_east_1();
    let u: &UsageSummary = &f.usage;
    let c = f.cost_usd.as_ref().expect("priced");
    close(
        c.requests,
        u.requests * book.request,
        &format!("{what}: requests"),
    );
    close(
        c.compute,
        (u.ondemand_gb_s + u.init_gb_s) * book.duration.x86_64.first(),
        &format!("{what}: compute"),
    );
    close(
        c.provisioned,
        u.provisioned_configured_gb_s * book.provisioned.x86_64
            + u.provisioned_used_gb_s * book.provisioned_duration.x86_64,
        &format!("{what}: provisioned"),
    );
    close(
        c.ephemeral,
        u.ephemeral_gb_s * book.ephemeral,
        &format!("{what}: ephemeral"),
    );
    close(
        c.total,
        c.requests + c.compute + c.provisioned + c.ephemeral + c.snapstart,
        &format!("{what}: total"),
    );
}

#[test]
fn each_invocation_is_rounded_up_to_the_granularity_and_init_to_1_ms_where_billed() {
    for date in [BEFORE_INIT_BILLING, AFTER_INIT_BILLING] {
        for granularity_ms in [1, 100] {
            let what = format!("{date:?} at {granularity_ms} ms");
            let out = run(&every_invocation_cold(date, granularity_ms));
            let f = &out.summary.functions[0];
            assert_eq!((f.invocations, f.cold_starts), (60.0, 60.0), "{what}");
            // 10.2 ms is billed as 11 ms (1 ms granularity) or 100 ms, per invocation: a sum
            // rounded once (612 ms) would bill less.
            let exec_s = if granularity_ms == 1 { 0.011 } else { 0.1 };
            let init_s = if date == AFTER_INIT_BILLING {
                0.251
            } else {
                0.0
            };
            let u = &f.usage;
            close(u.requests, 60.0, &what);
            close(u.ondemand_gb_s, 60.0 * exec_s * 2.0, &what);
            close(u.init_gb_s, 60.0 * init_s * 2.0, &what);
            close(u.ephemeral_gb_s, 60.0 * (exec_s + init_s) * 0.5, &what);
            assert_eq!(u.provisioned_configured_gb_s, 0.0, "{what}");
            assert_usage_prices_to_the_bill(f, &what);
        }
    }
}

#[test]
fn before_december_2020_an_invocation_is_billed_in_100_ms_steps_unless_the_file_says_otherwise() {
    // Without `granularity` in the file, the billing date decides: 10.2 ms is billed as 100 ms
    // in June 2020 (a rounding AWS applied until 2020-12-01).
    let june_2020 = Date {
        year: 2020,
        month: 6,
        day: 1,
    };
    let mut s = every_invocation_cold(june_2020, 1);
    s.pricing.granularity_explicit = false;
    let u = &run(&s).summary.functions[0].usage;
    close(
        u.ondemand_gb_s,
        60.0 * 0.1 * 2.0,
        "implicit granularity in 2020",
    );
    // Said explicitly, 1 ms holds even then.
    s.pricing.granularity_explicit = true;
    let u = &run(&s).summary.functions[0].usage;
    close(u.ondemand_gb_s, 60.0 * 0.011 * 2.0, "explicit 1 ms in 2020");
}

#[test]
fn usage_times_the_rates_is_the_bill_with_provisioned_concurrency_on_both_sides_of_august_2025() {
    for date in [BEFORE_INIT_BILLING, AFTER_INIT_BILLING] {
        for granularity_ms in [1, 100] {
            let what = format!("{date:?} at {granularity_ms} ms");
            let mut s = every_invocation_cold(date, granularity_ms);
            // Two provisioned environments from minute 10 to minute 17: a 7-minute period,
            // billed as 10 minutes (periods are rounded up to 5 minutes).
            s.functions[0].provisioned = vec![ProvisionedWindow {
                start: SimTime(10 * NS_PER_MIN),
                end: SimTime(17 * NS_PER_MIN),
                count: 2,
            }];
            let out = run(&s);
            let f = &out.summary.functions[0];
            close(
                f.usage.provisioned_configured_gb_s,
                2.0 * 600.0 * 2.0,
                &format!("{what}: configured GB-s rounded as billed"),
            );
            // The arrivals at minutes 10..=16 run on the provisioned environments: warm,
            // billed at the provisioned duration rate, no INIT.
            let exec_s = if granularity_ms == 1 { 0.011 } else { 0.1 };
            close(
                f.usage.provisioned_used_gb_s,
                7.0 * exec_s * 2.0,
                &format!("{what}: provisioned used"),
            );
            assert_usage_prices_to_the_bill(f, &what);
        }
    }
}
