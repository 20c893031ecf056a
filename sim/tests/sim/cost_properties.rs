//! Invariants of the bill (proptest): non-negative, linear in GB-s within a tier, monotone in
//! memory, and a 30-day window billed exactly as the month.

use lamsim_sim::cost::{Bill, BillingRules, Lines, PriceBook, bill};
use lamsim_sim::model::{Architecture, Date, Function, ProvisionedWindow};
use lamsim_sim::time::{MONTH, NS_PER_MIN, NS_PER_S, SimTime};
use lamsim_sim::usage::Usage;
use proptest::prelude::*;

fn function(
    memory_mb: u32,
    arm: bool,
    ephemeral_mb: u32,
    snapstart: bool,
    pc: Option<(u64, u64, u32)>,
) -> Function {
    let arch = if arm {
        Architecture::Arm64
    } else {
        Architecture::X86_64
    };
    let mut f = lamsim_sim::cost::example_function("f", memory_mb, arch);
    f.ephemeral_storage_mb = ephemeral_mb;
    f.snapstart = snapstart;
    f.runtime = Some(
        if snapstart {
            "python3.13"
        } else {
            "nodejs22.x"
        }
        .to_string(),
    );
    if let Some((start_min, len_min, count)) = pc {
        f.provisioned = vec![ProvisionedWindow {
            start: SimTime(start_min * NS_PER_MIN),
            end: SimTime((start_min + len_min) * NS_PER_MIN),
            count,
        }];
    }
    f
}

fn usage() -> impl Strategy<Value = Usage> {
    (
        (
            0u64..5_000_000,
            0u64..2_000_000_000,
            0u64..100_000,
            0u64..2_000_000,
            0u64..1000,
        ),
        // Beside Lambda: requests per front, load balancers, poller SQS requests, poller
        // seconds, log bytes (up to 2 TB, past the first CloudWatch Logs tier in a month).
        (
            proptest::array::uniform5(0u64..2_000_000_000),
            0u32..3,
            0u64..3_000_000_000,
            0u64..10_000_000,
            0u64..2_000_000_000_000,
        ),
    )
        .prop_map(
            |(
                (requests, ondemand_ms, init_ms, prov_ms, restores),
                (fronts, albs, sqs, poller_s, logs),
            )| Usage {
                requests,
                requests_ondemand: requests,
                ondemand_billed_ns: ondemand_ms as u128 * 1_000_000,
                init_billed_ns: init_ms as u128 * 1_000_000,
                provisioned_billed_ns: prov_ms as u128 * 1_000_000,
                restores,
                front_requests: fronts,
                albs,
                sqs_requests: sqs,
                poller_billed_ns: poller_s as u128 * NS_PER_S as u128,
                log_bytes: logs,
                ..Usage::default()
            },
        )
}

fn any_function() -> impl Strategy<Value = Function> {
    (
        128u32..=10_240,
        any::<bool>(),
        512u32..=10_240,
        any::<bool>(),
        proptest::option::of((0u64..600, 0u64..600, 0u32..50)),
    )
        .prop_map(|(m, arm, e, s, pc)| function(m, arm, e, s, pc))
}

fn rules(free_tier: bool, year: u16) -> BillingRules {
    BillingRules {
        billing_date: Date {
            year,
            month: 1,
            day: 1,
        },
        bill_init: None,
        free_tier,
    }
}

fn lines(l: &Lines) -> [f64; 8] {
    [
        l.requests,
        l.compute,
        l.provisioned,
        l.ephemeral,
        l.snapstart,
        l.gateway,
        l.event_sources,
        l.logs,
    ]
}

fn assert_close(a: &Lines, b: &Lines, rel: f64) -> Result<(), TestCaseError> {
    for (x, y) in lines(a).into_iter().zip(lines(b)) {
        prop_assert!(
            // Relative, with an absolute floor of 1e-12 USD: near the free-tier boundary a
            // line is the difference of nearly equal numbers (1e-15 vs 0 is not a bug).
            (x - y).abs() <= rel * x.abs().max(y.abs()) + 1e-12,
            "{a:?} vs {b:?}"
        );
    }
    Ok(())
}

fn bill_of(fs: &[(Function, Usage)], start: SimTime, end: SimTime, r: &BillingRules) -> Bill {
    let pairs: Vec<(&Function, &Usage)> = fs.iter().map(|(f, u)| (f, u)).collect();
    bill(&pairs, start, end, &PriceBook::us_east_1(), r)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn cost_is_never_negative_and_requests_are_priced_at_the_published_rate(
        fs in proptest::collection::vec((any_function(), usage()), 1..4),
        window_min in 1u64..100_000,
        free in any::<bool>(),
        year in 2019u16..2027,
    ) {
        let b = bill_of(&fs, SimTime::ZERO, SimTime(window_min * NS_PER_MIN), &rules(free, year));
        for f in &b.per_function {
            for x in lines(&f.window).into_iter().chain(lines(&f.monthly)) {
                prop_assert!(x >= 0.0 && x.is_finite(), "{f:?}");
            }
        }
        // Requests are not tiered: without the free tier the window's request line is the
        // requests times the published rate, whatever the mix of functions.
        if !free {
            let requests: f64 = fs.iter().map(|(_, u)| u.requests as f64).sum();
            prop_assert!((b.window.requests - requests * 0.0000002).abs() <= 1e-9 * b.window.requests.max(1e-9));
        }
    }

    #[test]
    fn duration_cost_is_linear_in_gb_s_within_a_tier(
        memory_mb in 128u32..=10_240,
        arm in any::<bool>(),
        a_s in 0u64..10_000_000,
        b_s in 0u64..10_000_000,
    ) {
        // Up to 2e7 s × 10 GB = 2e8 GB-s, well inside the first tier of a 30-day window.
        let f = function(memory_mb, arm, 512, false, None);
        let r = rules(false, 2026);
        let u = |s: u64| Usage { ondemand_billed_ns: s as u128 * NS_PER_S as u128, ..Usage::default() };
        let c = |s: u64| bill_of(&[(f.clone(), u(s))], SimTime::ZERO, MONTH, &r).window.compute;
        let (ca, cb, cab) = (c(a_s), c(b_s), c(a_s + b_s));
        prop_assert!((cab - (ca + cb)).abs() <= 1e-9 * cab.max(1e-9));
        let rate = if arm { 0.0000133334 } else { 0.0000166667 };
        let gb_s = a_s as f64 * memory_mb as f64 / 1024.0;
        prop_assert!((ca - gb_s * rate).abs() <= 1e-9 * ca.max(1e-9));
    }

    #[test]
    fn cost_is_monotone_in_memory_for_a_fixed_duration(
        (m1, m2) in (128u32..=10_240, 128u32..=10_240).prop_map(|(a, b)| (a.min(b), a.max(b))),
        arm in any::<bool>(),
        ephemeral in 512u32..=10_240,
        snapstart in any::<bool>(),
        pc in proptest::option::of((0u64..600, 0u64..600, 0u32..50)),
        u in usage(),
        free in any::<bool>(),
        window_min in 1u64..100_000,
    ) {
        let r = rules(free, 2026);
        let w = SimTime(window_min * NS_PER_MIN);
        let small = bill_of(&[(function(m1, arm, ephemeral, snapstart, pc), u.clone())], SimTime::ZERO, w, &r);
        let large = bill_of(&[(function(m2, arm, ephemeral, snapstart, pc), u)], SimTime::ZERO, w, &r);
        prop_assert!(small.window.total() <= large.window.total() * (1.0 + 1e-12) + 1e-15);
        prop_assert!(small.monthly.total() <= large.monthly.total() * (1.0 + 1e-12) + 1e-15);
    }

    #[test]
    fn a_30_day_window_is_billed_as_the_month(
        fs in proptest::collection::vec((any_function(), usage()), 1..4),
        start_min in 0u64..1000,
        free in any::<bool>(),
    ) {
        let start = SimTime(start_min * NS_PER_MIN);
        let b = bill_of(&fs, start, start + MONTH, &rules(free, 2026));
        assert_close(&b.window, &b.monthly, 1e-9)?;
        for f in &b.per_function {
            assert_close(&f.window, &f.monthly, 1e-9)?;
        }
    }

    #[test]
    fn the_monthly_projection_is_the_window_scaled_to_30_days(
        fs in proptest::collection::vec((any_function(), usage()), 1..4),
        window_min in 1u64..100_000,
        free in any::<bool>(),
    ) {
        let w = SimTime(window_min * NS_PER_MIN);
        let k = MONTH.as_secs_f64() / w.as_secs_f64();
        let b = bill_of(&fs, SimTime::ZERO, w, &rules(free, 2026));
        let scaled = Lines {
            requests: b.window.requests * k,
            compute: b.window.compute * k,
            provisioned: b.window.provisioned * k,
            ephemeral: b.window.ephemeral * k,
            snapstart: b.window.snapstart * k,
            gateway: b.window.gateway * k,
            event_sources: b.window.event_sources * k,
            logs: b.window.logs * k,
            instances: b.window.instances * k,
        };
        assert_close(&scaled, &b.monthly, 1e-9)?;
    }
}
