//! The AWS Lambda bill, rule by rule, against hand-computed amounts (docs/pricing.md).

use lamsim_sim::cost::{
    Bill, BillingRules, InvocationBilling, PriceBook, bill, bill_scenario, provisioned_billed_time,
    snapstart_cache_seconds,
};
use lamsim_sim::model::{
    Account, Architecture, Date, Function, Pricing, ProvisionedWindow, RateOverrides, Scaling,
    Scenario, Simulation,
};
use lamsim_sim::summary::{CostSummary, FunctionCost};
use lamsim_sim::time::{MONTH, NS_PER_D, NS_PER_H, NS_PER_MIN, NS_PER_S, SimTime};
use lamsim_sim::usage::Usage;

const X86: Architecture = Architecture::X86_64;
const ARM: Architecture = Architecture::Arm64;
const D2026: Date = Date {
    year: 2026,
    month: 1,
    day: 1,
};

/// A function with `memory_mb` and `arch`, everything else at its default.
fn function(name: &str, memory_mb: u32, arch: Architecture) -> Function {
    lamsim_sim::cost::example_function(name, memory_mb, arch)
}

fn rules(free_tier: bool) -> BillingRules {
    BillingRules {
        billing_date: D2026,
        bill_init: None,
        free_tier,
    }
}

/// `requests` on-demand invocations of `seconds_each` each.
fn ondemand(requests: u64, seconds_each: f64) -> Usage {
    Usage {
        requests,
        requests_ondemand: requests,
        ondemand_billed_ns: (requests as f64 * seconds_each * NS_PER_S as f64).round() as u128,
        ..Usage::default()
    }
}

/// On-demand usage of exactly `gb_s` GB-s for a function of `memory_mb`, no requests.
fn gb_seconds(gb_s: f64, memory_mb: u32) -> Usage {
    let seconds = gb_s / (memory_mb as f64 / 1024.0);
    Usage {
        ondemand_billed_ns: (seconds * NS_PER_S as f64).round() as u128,
        ..Usage::default()
    }
}

fn days(d: u64) -> SimTime {
    SimTime(d * NS_PER_D)
}

fn close(a: f64, b: f64) {
    let tol = 1e-9 * b.abs().max(1.0);
    assert!((a - b).abs() <= tol, "{a} != {b}");
}

fn run(fs: &[(&Function, &Usage)], window: SimTime, free: bool) -> Bill {
    bill(
        fs,
        SimTime::ZERO,
        window,
        &PriceBook::us_east_1(),
        &rules(free),
    )
}

#[test]
fn requests_and_duration_in_a_30_day_window() {
    // 1M requests of 100 ms at 1 GB: 100,000 GB-s.
    let f = function("a", 1024, X86);
    let u = ondemand(1_000_000, 0.1);
    let b = run(&[(&f, &u)], MONTH, false);
    close(b.window.requests, 0.20);
    close(b.window.compute, 100_000.0 * 0.0000166667);
    close(b.window.total(), 0.20 + 1.66667);
    assert_eq!(
        b.window.provisioned + b.window.ephemeral + b.window.snapstart,
        0.0
    );
    close(b.monthly.total(), b.window.total());
}

#[test]
fn free_tier_on_and_off() {
    // AWS pricing page example 1: 512 MB, 3M requests of 1 s → 1.5M GB-s.
    let f = function("a", 512, X86);
    let u = ondemand(3_000_000, 1.0);
    let on = run(&[(&f, &u)], MONTH, true);
    close(on.monthly.requests, 2_000_000.0 * 0.0000002);
    close(on.monthly.compute, 1_100_000.0 * 0.0000166667);
    let off = run(&[(&f, &u)], MONTH, false);
    close(off.monthly.requests, 3_000_000.0 * 0.0000002);
    close(off.monthly.compute, 1_500_000.0 * 0.0000166667);
    // Usage under the allowance costs nothing.
    let small = ondemand(500_000, 0.5);
    assert_eq!(run(&[(&f, &small)], MONTH, true).monthly.total(), 0.0);
}

#[test]
fn free_tier_is_prorated_in_a_short_window() {
    // 1-day window: 1M/30 free requests and 400,000/30 free GB-s.
    let f = function("a", 1024, X86);
    let u = ondemand(100_000, 1.0); // 100,000 GB-s
    let b = run(&[(&f, &u)], days(1), true);
    close(b.window.requests, (100_000.0 - 1e6 / 30.0) * 0.0000002);
    close(
        b.window.compute,
        (100_000.0 - 400_000.0 / 30.0) * 0.0000166667,
    );
    // The month: 3M requests and 3M GB-s, full allowances.
    close(b.monthly.requests, 2_000_000.0 * 0.0000002);
    close(b.monthly.compute, 2_600_000.0 * 0.0000166667);
}

#[test]
fn free_tier_is_shared_by_architectures_in_proportion_and_skips_provisioned_functions() {
    let x = function("x", 1024, X86);
    let a = function("a", 1024, ARM);
    let mut p = function("p", 1024, X86);
    p.provisioned = vec![ProvisionedWindow {
        start: SimTime::ZERO,
        end: SimTime::MAX,
        count: 1,
    }];
    let ux = ondemand(1_500_000, 0.4); // 600,000 GB-s
    let ua = ondemand(500_000, 0.4); // 200,000 GB-s
    let up = ondemand(1_000_000, 0.1); // 100,000 GB-s, not eligible
    let b = run(&[(&x, &ux), (&a, &ua), (&p, &up)], MONTH, true);
    let [fx, fa, fp] = &b.per_function[..] else {
        panic!()
    };
    // 400,000 free GB-s split 3:1; 1M free requests split 3:1.
    close(fx.monthly.compute, 300_000.0 * 0.0000166667);
    close(fa.monthly.compute, 100_000.0 * 0.0000133334);
    close(fx.monthly.requests, 750_000.0 * 0.0000002);
    close(fa.monthly.requests, 250_000.0 * 0.0000002);
    close(fp.monthly.requests, 1_000_000.0 * 0.0000002);
    close(fp.monthly.compute, 100_000.0 * 0.0000166667);
    close(fp.monthly.provisioned, MONTH.as_secs_f64() * 0.0000041667);
}

#[test]
fn x86_tiers_in_the_month_and_prorated_in_a_short_window() {
    let f = function("big", 10_240, X86);
    // 7e9 GB-s in a month: 6e9 at the first rate, 1e9 at the second.
    let b = run(&[(&f, &gb_seconds(7e9, 10_240))], MONTH, false);
    close(b.monthly.compute, 6e9 * 0.0000166667 + 1e9 * 0.000015);
    // 16e9 crosses both boundaries.
    let b = run(&[(&f, &gb_seconds(16e9, 10_240))], MONTH, false);
    close(
        b.monthly.compute,
        6e9 * 0.0000166667 + 9e9 * 0.000015 + 1e9 * 0.0000133334,
    );
    // A 3-day window (1/10 month): boundaries at 6e8 and 1.5e9 GB-s.
    let b = run(&[(&f, &gb_seconds(7e8, 10_240))], days(3), false);
    close(b.window.compute, 6e8 * 0.0000166667 + 1e8 * 0.000015);
    close(b.monthly.compute, 6e9 * 0.0000166667 + 1e9 * 0.000015);
}

#[test]
fn arm64_tiers_in_the_month_and_prorated_in_a_short_window() {
    let f = function("big", 10_240, ARM);
    let b = run(&[(&f, &gb_seconds(20e9, 10_240))], MONTH, false);
    close(
        b.monthly.compute,
        7.5e9 * 0.0000133334 + 11.25e9 * 0.0000120001 + 1.25e9 * 0.0000106667,
    );
    let b = run(&[(&f, &gb_seconds(2e9, 10_240))], days(3), false);
    close(
        b.window.compute,
        7.5e8 * 0.0000133334 + 1.125e9 * 0.0000120001 + 1.25e8 * 0.0000106667,
    );
}

#[test]
fn tiers_aggregate_per_architecture_and_are_shared_by_gb_s() {
    let f1 = function("f1", 10_240, X86);
    let f2 = function("f2", 10_240, X86);
    let g = function("g", 10_240, ARM);
    let (u1, u2, ug) = (
        gb_seconds(5e9, 10_240),
        gb_seconds(2e9, 10_240),
        gb_seconds(5e9, 10_240),
    );
    let b = run(&[(&f1, &u1), (&f2, &u2), (&g, &ug)], MONTH, false);
    // x86: 7e9 aggregate crosses the first boundary; arm64's 5e9 stays in its first tier.
    let x86_total = 6e9 * 0.0000166667 + 1e9 * 0.000015;
    close(b.per_function[0].monthly.compute, x86_total * 5.0 / 7.0);
    close(b.per_function[1].monthly.compute, x86_total * 2.0 / 7.0);
    close(b.per_function[2].monthly.compute, 5e9 * 0.0000133334);
    close(b.monthly.compute, x86_total + 5e9 * 0.0000133334);
    // The summary carries the bill.
    let s = CostSummary::from_bill(&b);
    close(s.monthly.total_usd, b.monthly.total());
    close(s.monthly.compute_usd, b.monthly.compute);
}

#[test]
fn provisioned_periods_are_rounded_up_to_5_minutes() {
    let m = |x: u64| SimTime(x * NS_PER_MIN);
    let w = |s: u64, e: u64, count: u32| ProvisionedWindow {
        start: m(s),
        end: m(e),
        count,
    };
    let ns = |minutes: u64| (minutes * NS_PER_MIN) as u128;
    // Inside the window [0, 60m): 2 min → 5 min; 7 min → 10 min; 10 min stays 10 min.
    assert_eq!(provisioned_billed_time(&[w(10, 12, 1)], m(0), m(60)), ns(5));
    assert_eq!(
        provisioned_billed_time(&[w(10, 17, 3)], m(0), m(60)),
        3 * ns(10)
    );
    assert_eq!(
        provisioned_billed_time(&[w(10, 20, 1)], m(0), m(60)),
        ns(10)
    );
    // Window [30m, 90m): a period [28m, 31m) ends inside: 1 min inside + 2 min rounding of
    // its 3 min; a period [80m, 100m) runs past the end: 10 min, no rounding; one before the
    // window: nothing; the constant form: the whole window.
    assert_eq!(
        provisioned_billed_time(&[w(28, 31, 1)], m(30), m(90)),
        ns(3)
    );
    assert_eq!(
        provisioned_billed_time(&[w(80, 100, 1)], m(30), m(90)),
        ns(10)
    );
    assert_eq!(provisioned_billed_time(&[w(0, 20, 1)], m(30), m(90)), 0);
    let constant = ProvisionedWindow {
        start: SimTime::ZERO,
        end: SimTime::MAX,
        count: 4,
    };
    assert_eq!(
        provisioned_billed_time(&[constant], m(30), m(90)),
        4 * ns(60)
    );
    assert_eq!(provisioned_billed_time(&[w(0, 20, 0)], m(0), m(60)), 0);
    // A period ending just before "never" does not overflow.
    let late = ProvisionedWindow {
        start: SimTime::ZERO,
        end: SimTime(u64::MAX - 1),
        count: 1,
    };
    assert_eq!(provisioned_billed_time(&[late], m(0), m(60)), ns(60));

    // Priced: 2 GB, 2 environments for 7 minutes → 10 min × 2 × 2 GB = 2,400 GB-s.
    let mut f = function("p", 2048, X86);
    f.provisioned = vec![w(10, 17, 2)];
    let u = Usage {
        requests: 100,
        requests_provisioned: 100,
        provisioned_billed_ns: 1000 * NS_PER_S as u128, // 2,000 GB-s used
        ..Usage::default()
    };
    let b = run(&[(&f, &u)], SimTime(NS_PER_H), false);
    close(
        b.window.provisioned,
        2400.0 * 0.0000041667 + 2000.0 * 0.0000097222,
    );
    close(b.window.compute, 0.0);
    close(b.monthly.provisioned, 720.0 * b.window.provisioned);
    let mut a = f.clone();
    a.architecture = ARM;
    let b = run(&[(&a, &u)], SimTime(NS_PER_H), false);
    close(
        b.window.provisioned,
        2400.0 * 0.0000033334 + 2000.0 * 0.0000077778,
    );
}

/// `[pricing]` with `billing-date = date` and `bill-init = bill_init`, 1 ms granularity.
fn pricing_at(date: Date, bill_init: Option<bool>) -> Pricing {
    Pricing {
        billing_date: date,
        bill_init,
        free_tier: false,
        granularity: SimTime::from_millis(1),
        granularity_explicit: false,
        rates: RateOverrides::default(),
    }
}

/// Ten on-demand cold starts of `f` with 999.4 ms of init and 1 ms of execution each, charged
/// as the recorder charges them under `pricing`.
fn ten_cold_starts(f: &Function, pricing: &Pricing) -> Usage {
    let billing = InvocationBilling::of(f, pricing);
    let mut u = Usage::default();
    for _ in 0..10 {
        let c = billing.charge(
            SimTime::from_millis(1),
            SimTime::from_micros(999_400),
            true,
            false,
        );
        u.add_charge(&c);
    }
    u
}

const BEFORE_INIT_BILLING: Date = Date {
    year: 2025,
    month: 7,
    day: 31,
};

#[test]
fn init_is_billed_from_august_2025_for_custom_runtimes_before_and_when_overridden() {
    let mut f = function("i", 1024, X86);
    // INIT is rounded up to 1 ms per cold start (999.4 → 1000 ms): 10 s of INIT at 1 GB.
    let compute = |date: Date, bill_init: Option<bool>, f: &Function| {
        let p = pricing_at(date, bill_init);
        let u = ten_cold_starts(f, &p);
        let r = BillingRules::from_pricing(&p);
        bill(
            &[(f, &u)],
            SimTime::ZERO,
            MONTH,
            &PriceBook::us_east_1(),
            &r,
        )
        .window
        .compute
    };
    let from = Date {
        year: 2025,
        month: 8,
        day: 1,
    };
    let execution = 10.0 * 0.001 * 0.0000166667;
    let ten_gb_s = 10.0 * 0.0000166667;
    close(compute(from, None, &f), ten_gb_s + execution);
    close(compute(D2026, None, &f), ten_gb_s + execution);
    close(compute(BEFORE_INIT_BILLING, None, &f), execution);
    close(
        compute(BEFORE_INIT_BILLING, Some(true), &f),
        ten_gb_s + execution,
    );
    close(compute(D2026, Some(false), &f), execution);
    f.runtime = Some("provided.al2023".into());
    close(compute(BEFORE_INIT_BILLING, None, &f), ten_gb_s + execution);
    close(compute(BEFORE_INIT_BILLING, Some(false), &f), execution);
    f.runtime = Some("python3.13".into());
    close(compute(BEFORE_INIT_BILLING, None, &f), execution);
    let r = BillingRules::from_pricing(&pricing_at(BEFORE_INIT_BILLING, None));
    assert!(!r.bills_init(&f));
    // A SnapStart cold start is a restore, never INIT; a provisioned one bills no INIT.
    f.snapstart = true;
    let u = ten_cold_starts(&f, &pricing_at(D2026, None));
    assert_eq!((u.init_billed_ns, u.restores, u.cold_starts), (0, 10, 10));
    let billing = InvocationBilling::of(&function("p", 1024, X86), &pricing_at(D2026, None));
    let c = billing.charge(
        SimTime::from_millis(5),
        SimTime::from_millis(300),
        true,
        true,
    );
    assert_eq!(
        (c.init, c.cold_start, c.provisioned),
        (SimTime::ZERO, false, true)
    );
}

#[test]
fn ephemeral_storage_above_512_mb_over_billed_duration() {
    let mut f = function("e", 1024, X86);
    f.ephemeral_storage_mb = 2048; // 1.5 GB billed
    let u = Usage {
        requests: 2,
        ondemand_billed_ns: 1000 * NS_PER_S as u128,
        provisioned_billed_ns: 1000 * NS_PER_S as u128,
        init_billed_ns: 100 * NS_PER_S as u128,
        ..Usage::default()
    };
    let b = run(&[(&f, &u)], MONTH, false);
    close(b.window.ephemeral, 2100.0 * 1.5 * 0.0000000309);
    // Before August 2025 INIT is not billed, so it adds no ephemeral storage either: the
    // charge leaves it out of the usage (10 cold starts of 1 s of INIT, 1 ms execution).
    let p = pricing_at(BEFORE_INIT_BILLING, None);
    let cold = ten_cold_starts(&f, &p);
    assert_eq!(cold.init_billed_ns, 0);
    let b = bill(
        &[(&f, &cold)],
        SimTime::ZERO,
        MONTH,
        &PriceBook::us_east_1(),
        &BillingRules::from_pricing(&p),
    );
    close(b.window.ephemeral, 10.0 * 0.001 * 1.5 * 0.0000000309);
    let with_init = ten_cold_starts(&f, &pricing_at(D2026, None));
    let b = run(&[(&f, &with_init)], MONTH, false);
    close(b.window.ephemeral, 10.0 * 1.001 * 1.5 * 0.0000000309);
    let u = Usage {
        init_billed_ns: 0,
        ..u
    };
    let b = run(&[(&f, &u)], MONTH, false);
    close(b.window.ephemeral, 2000.0 * 1.5 * 0.0000000309);
    f.ephemeral_storage_mb = 512;
    assert_eq!(run(&[(&f, &u)], MONTH, false).window.ephemeral, 0.0);
}

#[test]
fn snapstart_cache_and_restores() {
    let mut f = function("s", 2048, X86);
    f.snapstart = true;
    f.runtime = Some("python3.13".into());
    let u = Usage {
        requests: 1000,
        cold_starts: 100,
        restores: 100,
        ..Usage::default()
    };
    let b = run(&[(&f, &u)], days(1), false);
    // 2 GB cached for a day; 100 restores of 2 GB.
    close(
        b.window.snapstart,
        2.0 * 86_400.0 * 0.0000015046 + 200.0 * 0.0001397998,
    );
    close(
        b.monthly.snapstart,
        2.0 * 2_592_000.0 * 0.0000015046 + 6000.0 * 0.0001397998,
    );
    // Free for Java.
    f.runtime = Some("java21".into());
    assert_eq!(run(&[(&f, &u)], days(1), false).window.snapstart, 0.0);
    // The 3-hour monthly minimum, prorated to the horizon.
    assert_eq!(
        snapstart_cache_seconds(SimTime(NS_PER_H), 1.0),
        3.0 * 3600.0
    );
    assert_eq!(
        snapstart_cache_seconds(SimTime(NS_PER_D), 1.0 / 30.0),
        86_400.0
    );
    assert_eq!(
        snapstart_cache_seconds(SimTime(60 * NS_PER_S), 1.0 / 30.0),
        360.0
    );
    assert_eq!(snapstart_cache_seconds(MONTH, 1.0), MONTH.as_secs_f64());
}

#[test]
fn per_function_costs_and_per_million() {
    let f = function("a", 1024, X86);
    let u = ondemand(1_000_000, 0.1);
    let b = run(&[(&f, &u)], days(1), false);
    let c = &FunctionCost::from_bill(&b.per_function[0], b.adjacent);
    close(c.total, 0.2 + 100_000.0 * 0.0000166667);
    close(c.requests, 0.2);
    close(c.per_million_invocations, c.total);
    let m = c.monthly.as_ref().unwrap();
    close(m.total, 30.0 * c.total);
    close(m.per_million_invocations, c.per_million_invocations);
    assert!(m.monthly.is_none());
    // No requests: nothing per million, and an empty window bills nothing.
    let b = run(&[(&f, &Usage::default())], days(1), false);
    assert_eq!(
        FunctionCost::from_bill(&b.per_function[0], b.adjacent).per_million_invocations,
        0.0
    );
    let b = run(&[(&f, &u)], SimTime::ZERO, false);
    assert_eq!(b.monthly.total() + b.window.total(), 0.0);
}

fn scenario(region: &str, rates: RateOverrides) -> Scenario {
    Scenario {
        simulation: Simulation {
            duration: days(30),
            warmup: SimTime::ZERO,
            seed: 1,
            replicates: 1,
            start_at: lamsim_sim::schedule::START_AT,
        },
        account: Account {
            region: region.into(),
            concurrency_limit: 1000,
            scaling: Scaling::PerFunction,
        },
        pricing: Pricing {
            billing_date: D2026,
            bill_init: None,
            free_tier: false,
            granularity: SimTime::from_millis(1),
            granularity_explicit: false,
            rates,
        },
        functions: vec![function("a", 1024, X86), function("b", 1024, ARM)],
        slo: None,
        populations: Vec::new(),
    }
}

#[test]
fn region_selection_and_rate_overrides() {
    let usage = [ondemand(1_000_000, 0.1), ondemand(1_000_000, 0.1)]; // 100,000 GB-s each
    let cpt = bill_scenario(
        &scenario("af-south-1", RateOverrides::default()),
        &usage,
        SimTime::ZERO,
        MONTH,
    )
    .unwrap();
    close(cpt.per_function[0].window.compute, 100_000.0 * 0.0000221);
    close(cpt.per_function[1].window.compute, 100_000.0 * 0.00001768);
    let iad = bill_scenario(
        &scenario("us-east-1", RateOverrides::default()),
        &usage,
        SimTime::ZERO,
        MONTH,
    )
    .unwrap();
    close(iad.per_function[0].window.compute, 100_000.0 * 0.0000166667);
    let o = RateOverrides {
        request: Some(0.000001),
        duration_arm64: Some(0.00001),
        ..RateOverrides::default()
    };
    let custom = bill_scenario(&scenario("us-east-1", o), &usage, SimTime::ZERO, MONTH).unwrap();
    close(custom.window.requests, 2_000_000.0 * 0.000001);
    close(custom.per_function[1].window.compute, 100_000.0 * 0.00001);
    close(
        custom.per_function[0].window.compute,
        100_000.0 * 0.0000166667,
    );
    let err = bill_scenario(
        &scenario("eu-wset-1", RateOverrides::default()),
        &usage,
        SimTime::ZERO,
        MONTH,
    )
    .unwrap_err();
    assert!(err.suggestions.contains(&"eu-west-1"), "{err}");
    // A missing usage entry is no usage.
    let one = bill_scenario(
        &scenario("us-east-1", RateOverrides::default()),
        &usage[..1],
        SimTime::ZERO,
        MONTH,
    )
    .unwrap();
    assert_eq!(one.per_function[1].window.total(), 0.0);
}

#[test]
fn a_changing_provisioned_count_is_billed_as_layers_the_latest_added_leaving_first() {
    use lamsim_sim::cost::provisioned_periods;
    let m = |x: u64| SimTime(x * NS_PER_MIN);
    let w = |s: u64, e: u64, count: u32| ProvisionedWindow {
        start: m(s),
        end: m(e),
        count,
    };
    // 2 from 0 min, 0 from 10: one period of 2, nothing left open.
    assert_eq!(
        provisioned_periods(&[(m(0), 2), (m(10), 0)]),
        vec![w(0, 10, 2)]
    );
    // 1 from 0 min, 3 from 5, 1 from 10, 0 from 20: the two added at 5 min leave at 10, the
    // first at 20.
    assert_eq!(
        provisioned_periods(&[(m(0), 1), (m(5), 3), (m(10), 1), (m(20), 0)]),
        vec![w(5, 10, 2), w(0, 20, 1)]
    );
    // 2 from 0, 1 from 10, 4 from 15, still 4 at the end: the one left at 10 and two layers
    // open to the end of time.
    assert_eq!(
        provisioned_periods(&[(m(0), 2), (m(10), 1), (m(15), 4)]),
        vec![
            w(0, 10, 1),
            ProvisionedWindow {
                start: m(0),
                end: SimTime::MAX,
                count: 1
            },
            ProvisionedWindow {
                start: m(15),
                end: SimTime::MAX,
                count: 3
            }
        ]
    );
}
