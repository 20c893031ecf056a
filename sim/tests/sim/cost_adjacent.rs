//! The bill beside Lambda (gateway, event sources, logs), line by line, against amounts
//! computed by hand from the list prices in docs/pricing.md.

use lamsim_sim::cost::{
    Bill, BillingRules, Front, InvocationBilling, LAMBDA_LOG_TIERS_FROM, PriceBook,
    async_billed_requests, bill, bill_scenario, poller_billed_time, sqs_billed_requests,
};
use lamsim_sim::model::{Architecture, Date, Dist, DurationModel, Function};
use lamsim_sim::runner::{replicate_summary, run_replicate};
use lamsim_sim::testing::simple_scenario;
use lamsim_sim::time::{MONTH, NS_PER_D, NS_PER_H, SimTime};
use lamsim_sim::usage::Usage;

use crate::config_validation::{errors, ok};

const D2026: Date = Date {
    year: 2026,
    month: 1,
    day: 1,
};
/// 2^30 bytes: AWS meters log data in binary GB.
const GB: u64 = 1 << 30;

fn rules_at(billing_date: Date, free_tier: bool) -> BillingRules {
    BillingRules {
        billing_date,
        bill_init: None,
        free_tier,
    }
}

fn rules(free_tier: bool) -> BillingRules {
    rules_at(D2026, free_tier)
}

fn function(name: &str) -> Function {
    lamsim_sim::cost::example_function(name, 1024, Architecture::X86_64)
}

fn through(front: Front, requests: u64) -> Usage {
    let mut u = Usage::default();
    u.front_requests[front.index()] = requests;
    u
}

fn bill_one(u: &Usage, window: SimTime, r: &BillingRules) -> Bill {
    let f = function("f");
    bill(
        &[(&f, u)],
        SimTime::ZERO,
        window,
        &PriceBook::us_east_1(),
        r,
    )
}

fn close(a: f64, b: f64) {
    let tol = 1e-9 * b.abs().max(1.0);
    assert!((a - b).abs() <= tol, "{a} vs {b}");
}

fn days(d: u64) -> SimTime {
    SimTime(d * NS_PER_D)
}

#[test]
fn http_api_requests_cross_the_300_million_tier() {
    // 400 M requests in a month: 300 M × $1.00/M + 100 M × $0.90/M = $390.
    let b = bill_one(&through(Front::HttpApi, 400_000_000), MONTH, &rules(false));
    close(b.window.gateway, 390.0);
    close(b.monthly.gateway, 390.0);
    // Nothing else: no Lambda request ran in this usage, no poller, no log.
    close(b.window.lambda(), 0.0);
    close(b.window.event_sources + b.window.logs, 0.0);
    close(b.window.total(), 390.0);
    assert!(b.adjacent);
}

#[test]
fn rest_api_requests_cross_three_tiers() {
    // 1.5 B requests in a month: 333 M × $3.50/M = 1,165.50; 667 M × $2.80/M = 1,867.60;
    // the remaining 500 M × $2.38/M = 1,190.00; total 4,223.10.
    let b = bill_one(
        &through(Front::RestApi, 1_500_000_000),
        MONTH,
        &rules(false),
    );
    close(b.window.gateway, 4_223.10);
    // Under the first bound: 1 M × $3.50/M.
    let b = bill_one(&through(Front::RestApi, 1_000_000), MONTH, &rules(false));
    close(b.window.gateway, 3.50);
    // The month of a 3-day window (0.1 month) of 100 M requests sees 1 B of them:
    // 333 M × $3.50/M + 667 M × $2.80/M = $3,033.10.
    let b = bill_one(
        &through(Front::RestApi, 100_000_000),
        days(3),
        &rules(false),
    );
    close(b.monthly.gateway, 3_033.10);
}

#[test]
fn tier_bounds_are_prorated_in_a_window_shorter_than_30_days() {
    // 3 days = 0.1 month: the 300 M bound becomes 30 M. 40 M requests in 3 days:
    // 30 M × $1.00/M + 10 M × $0.90/M = $39.00 in the window; the month sees 400 M: $390.
    let b = bill_one(&through(Front::HttpApi, 40_000_000), days(3), &rules(false));
    close(b.window.gateway, 39.0);
    close(b.monthly.gateway, 390.0);
}

#[test]
fn function_urls_and_direct_calls_cost_nothing_beside_lambda() {
    let mut u = through(Front::FunctionUrl, 10_000_000);
    u.front_requests[Front::Direct.index()] = 10_000_000;
    let b = bill_one(&u, MONTH, &rules(false));
    assert_eq!(b.window.gateway, 0.0);
    assert_eq!(b.window.total(), 0.0);
}

#[test]
fn a_load_balancer_is_billed_per_hour_and_per_lcu() {
    // One ALB through a 30-day month, no request: 720 h × $0.0225 = $16.20.
    let idle = Usage {
        albs: 1,
        ..Usage::default()
    };
    let b = bill_one(&idle, MONTH, &rules(false));
    close(b.window.gateway, 16.20);
    // 90,000 requests an hour (25 new connections a second, one per request) is 1 LCU: over
    // 720 h, 64.8 M requests are 720 LCU-hours × $0.008 = $5.76 more: $21.96.
    let mut busy = through(Front::Alb, 64_800_000);
    busy.albs = 1;
    close(bill_one(&busy, MONTH, &rules(false)).window.gateway, 21.96);
    // One hour with 90,000 requests: $0.0225 + $0.008.
    let mut hour = through(Front::Alb, 90_000);
    hour.albs = 1;
    let b = bill_one(&hour, SimTime(NS_PER_H), &rules(false));
    close(b.window.gateway, 0.0305);
    // Two ALBs for half an hour: 1 ALB-hour, $0.0225; its month is 2 × 720 h × $0.0225.
    let two = Usage {
        albs: 2,
        ..Usage::default()
    };
    let b = bill_one(&two, SimTime(NS_PER_H / 2), &rules(false));
    close(b.window.gateway, 0.0225);
    close(b.monthly.gateway, 32.40);
}

#[test]
fn the_free_tier_covers_sqs_and_logs_but_not_the_12_month_offers() {
    // 3 M poller requests in a month: (3 M − 1 M free) × $0.40/M = $0.80; without the free
    // tier 3 M × $0.40/M = $1.20.
    let sqs = Usage {
        sqs_requests: 3_000_000,
        ..Usage::default()
    };
    close(
        bill_one(&sqs, MONTH, &rules(true)).window.event_sources,
        0.80,
    );
    close(
        bill_one(&sqs, MONTH, &rules(false)).window.event_sources,
        1.20,
    );
    // In 3 days (0.1 month) the free allowance is 100,000 requests: 300,000 requests cost
    // 200,000 × $0.40/M = $0.08.
    let sqs3 = Usage {
        sqs_requests: 300_000,
        ..Usage::default()
    };
    close(
        bill_one(&sqs3, days(3), &rules(true)).window.event_sources,
        0.08,
    );
    // 15 GB of logs in a month: (15 − 5 free) × $0.50 = $5.00; else 15 × $0.50 = $7.50.
    let logs = Usage {
        log_bytes: 15 * GB,
        ..Usage::default()
    };
    close(bill_one(&logs, MONTH, &rules(true)).window.logs, 5.0);
    close(bill_one(&logs, MONTH, &rules(false)).window.logs, 7.5);
    // API Gateway's 1 M free calls are a 12-month offer for new accounts: not applied.
    let api = through(Front::HttpApi, 1_000_000);
    close(bill_one(&api, MONTH, &rules(true)).window.gateway, 1.0);
    // Nor ALB's 750 free hours: 720 h × $0.0225.
    let alb = Usage {
        albs: 1,
        ..Usage::default()
    };
    close(bill_one(&alb, MONTH, &rules(true)).window.gateway, 16.20);
}

#[test]
fn lambda_logs_are_tiered_from_2025_05_01_and_flat_before() {
    // 20 TB (20,480 GB) in a month. Before 2025-05-01: 20,480 × $0.50 = $10,240. From it:
    // 10,240 × $0.50 + 10,240 × $0.25 = $7,680.
    let u = Usage {
        log_bytes: 20_480 * GB,
        ..Usage::default()
    };
    let eve = Date {
        year: 2025,
        month: 4,
        day: 30,
    };
    close(
        bill_one(&u, MONTH, &rules_at(eve, false)).window.logs,
        10_240.0,
    );
    close(
        bill_one(&u, MONTH, &rules_at(LAMBDA_LOG_TIERS_FROM, false))
            .window
            .logs,
        7_680.0,
    );
    // 60 TB crosses every tier: 10,240 × 0.50 + 20,480 × 0.25 + 20,480 × 0.10 + 10,240 × 0.05
    // = 5,120 + 5,120 + 2,048 + 512 = $12,800 (the AWS example's $12,500 with 1 TB = 1,000 GB).
    let u = Usage {
        log_bytes: 61_440 * GB,
        ..Usage::default()
    };
    close(bill_one(&u, MONTH, &rules(false)).window.logs, 12_800.0);
}

#[test]
fn provisioned_pollers_are_billed_per_epu_hour_with_a_one_minute_minimum() {
    // The minimum of 2 pollers through a 30-day month: 2 × 720 h × $0.00925 = $13.32.
    let u = Usage {
        poller_billed_ns: 2 * MONTH.0 as u128,
        ..Usage::default()
    };
    close(
        bill_one(&u, MONTH, &rules(true)).window.event_sources,
        13.32,
    );
    // Per second, rounded up, at least a minute.
    assert_eq!(poller_billed_time(SimTime::ZERO), SimTime::from_secs(60));
    assert_eq!(
        poller_billed_time(SimTime::from_secs(10)),
        SimTime::from_secs(60)
    );
    assert_eq!(
        poller_billed_time(SimTime::from_secs(60)),
        SimTime::from_secs(60)
    );
    assert_eq!(
        poller_billed_time(SimTime::from_millis(61_200)),
        SimTime::from_secs(62)
    );
}

#[test]
fn sqs_requests_are_billed_per_64_kb_chunk() {
    assert_eq!(sqs_billed_requests(0), 1); // an empty receive
    assert_eq!(sqs_billed_requests(65_536), 1);
    assert_eq!(sqs_billed_requests(65_537), 2);
    assert_eq!(sqs_billed_requests(256 * 1024), 4);
    assert_eq!(sqs_billed_requests(1024 * 1024), 16);
}

#[test]
fn large_async_events_are_billed_as_several_requests() {
    // 1 + ceil(max(0, size − 256) / 64).
    assert_eq!(async_billed_requests(0), 1);
    assert_eq!(async_billed_requests(256), 1);
    assert_eq!(async_billed_requests(257), 2); // 1 + ceil(1/64)
    assert_eq!(async_billed_requests(320), 2); // 1 + 64/64
    assert_eq!(async_billed_requests(321), 3); // 1 + ceil(65/64)
    assert_eq!(async_billed_requests(1024), 13); // 1 + 768/64
}

#[test]
fn account_tiers_are_shared_among_functions_in_proportion() {
    // 300 M + 100 M HTTP API requests in a month cost $390 together, shared 3:1.
    let (a, b) = (function("a"), function("b"));
    let (ua, ub) = (
        through(Front::HttpApi, 300_000_000),
        through(Front::HttpApi, 100_000_000),
    );
    let r = rules(false);
    let bill = bill(
        &[(&a, &ua), (&b, &ub)],
        SimTime::ZERO,
        MONTH,
        &PriceBook::us_east_1(),
        &r,
    );
    close(bill.per_function[0].window.gateway, 292.5);
    close(bill.per_function[1].window.gateway, 97.5);
    close(bill.window.gateway, 390.0);
}

/// A 128 MB function that logs 300 bytes per invocation, billed under the 2026 rules.
fn logging_billing() -> InvocationBilling {
    let mut f = lamsim_sim::cost::example_function("f", 128, Architecture::X86_64);
    f.log_bytes = Some(300);
    let scenario = simple_scenario(1.0, 1.0, "10m", "1h");
    InvocationBilling::of(&f, &scenario.pricing)
}

const ID: &str = "8f507cfc-xmpl-4697-b07a-ac58fc914c95";

#[test]
fn a_warm_invocation_logs_its_bytes_and_the_start_end_report_lines() {
    // The lines as Lambda writes them (text format); `Max Memory Used` is taken with as many
    // digits as `Memory Size`.
    let start = format!("START RequestId: {ID} Version: $LATEST\n");
    let end = format!("END RequestId: {ID}\n");
    let report = format!(
        "REPORT RequestId: {ID}\tDuration: 2.75 ms\tBilled Duration: 3 ms\tMemory Size: 128 MB\tMax Memory Used: 100 MB\t\n"
    );
    // 71 + 52 + 140 bytes of platform lines.
    assert_eq!((start.len(), end.len(), report.len()), (71, 52, 140));
    let c = logging_billing().charge(SimTime::from_micros(2_750), SimTime::ZERO, false, false);
    assert_eq!(c.log_bytes, 300 + 71 + 52 + 140);
    // A 1,234.5 ms invocation: "1234.50" and "1235" add 3 + 3 digits.
    let c = logging_billing().charge(SimTime::from_micros(1_234_500), SimTime::ZERO, false, false);
    assert_eq!(c.log_bytes, 300 + 71 + 52 + 146);
}

#[test]
fn a_cold_invocation_also_logs_init_start_and_init_duration() {
    let start = format!("START RequestId: {ID} Version: $LATEST\n");
    let end = format!("END RequestId: {ID}\n");
    // INIT is billed in 2026: Billed Duration = 3 ms + 167 ms.
    let report = format!(
        "REPORT RequestId: {ID}\tDuration: 2.75 ms\tBilled Duration: 170 ms\tMemory Size: 128 MB\tMax Memory Used: 100 MB\tInit Duration: 166.80 ms\t\n"
    );
    let init_start = format!(
        "INIT_START Runtime Version: python:3.13.v16\tRuntime Version ARN: arn:aws:lambda:us-east-1::runtime:{}\n",
        "0".repeat(64)
    );
    let expected = 300 + start.len() + end.len() + report.len() + init_start.len();
    // 300 + 71 + 52 + 167 + 164.
    assert_eq!(expected, 754);
    let c = logging_billing().charge(
        SimTime::from_micros(2_750),
        SimTime::from_micros(166_800),
        true,
        false,
    );
    assert_eq!(c.log_bytes, 754);
    // On a provisioned environment the invocation is not a cold start: warm lines only
    // (its Billed Duration is the 3 ms execution).
    let c = logging_billing().charge(
        SimTime::from_micros(2_750),
        SimTime::from_micros(166_800),
        true,
        true,
    );
    assert_eq!(c.log_bytes, 300 + 71 + 52 + 140);
}

#[test]
fn without_log_bytes_no_log_is_billed() {
    let f = function("f");
    let scenario = simple_scenario(1.0, 1.0, "10m", "1h");
    let c = InvocationBilling::of(&f, &scenario.pricing).charge(
        SimTime::from_millis(5),
        SimTime::from_millis(100),
        true,
        false,
    );
    assert_eq!(c.log_bytes, 0);
}

/// One hour of 2 requests a second, 20 ms each, 250 ms init, 1,024 MB, logging 1,000 bytes.
fn logging_scenario(log_bytes: Option<u32>) -> lamsim_sim::model::Scenario {
    let mut s = simple_scenario(2.0, 20.0, "10m", "1h");
    let f = &mut s.functions[0];
    f.duration = DurationModel::unscaled(Dist::Const { value_ms: 20.0 }, 1024);
    f.log_bytes = log_bytes;
    s
}

#[test]
fn a_run_records_the_log_bytes_of_every_invocation_and_bills_them() {
    let s = logging_scenario(Some(1_000));
    let (rec, _) = run_replicate(&s, 1, &|_| {});
    let r = &rec.functions[0];
    let (n, cold) = (r.invocations, r.cold_starts);
    assert!(n > 1000 && cold >= 1, "{n} invocations, {cold} cold");
    // Warm: 1,000 + 71 + 52 + REPORT with "20.00", "20", "1024", "1024":
    // 132 + 2 + 2 + 4 + 4 = 144 → 1,267 bytes. A cold start bills 20 + 250 = 270 ms and adds
    // "Init Duration: 250.00 ms\t" (22 + 3) and INIT_START (164), and "270" is one digit more
    // than "20": 1,267 + 1 + 25 + 164 = 1,457 bytes.
    let expected = (n - cold) * 1_267 + cold * 1_457;
    assert_eq!(r.usage.log_bytes, expected);
    // The bill prices them: the 2026 tiers, first tier at $0.50 per GB.
    let b = bill_scenario(
        &s,
        std::slice::from_ref(&r.usage),
        SimTime::ZERO,
        s.simulation.duration,
    )
    .unwrap();
    close(b.window.logs, expected as f64 / GB as f64 * 0.50);
    assert!(b.adjacent);
}

#[test]
fn the_summary_of_a_workload_without_new_keys_has_no_new_field() {
    let s = logging_scenario(None);
    let (rec, _) = run_replicate(&s, 1, &|_| {});
    let json = serde_json::to_string(&replicate_summary(&s, 1, &rec)).unwrap();
    for key in [
        "gateway",
        "event_sources",
        "logs",
        "lambda_usd",
        "\"gateway_usd\"",
    ] {
        assert!(!json.contains(key), "{key} in {json}");
    }
}

#[test]
fn the_summary_shows_the_new_lines_and_the_lambda_subtotal_when_logs_are_billed() {
    let s = logging_scenario(Some(1_000));
    let (rec, _) = run_replicate(&s, 1, &|_| {});
    let summary = replicate_summary(&s, 1, &rec);
    let cost = summary.cost.as_ref().unwrap();
    // The same run without log-bytes (same seed, same invocations): its bill is Lambda's
    // alone, and billing the logs adds their line without changing any Lambda line.
    let plain = logging_scenario(None);
    let (plain_rec, _) = run_replicate(&plain, 1, &|_| {});
    let plain_cost = replicate_summary(&plain, 1, &plain_rec).cost.unwrap();
    for (b, p) in [
        (&cost.window, &plain_cost.window),
        (&cost.monthly, &plain_cost.monthly),
    ] {
        assert_eq!(
            p.lambda_usd, None,
            "no subtotal without lines beside Lambda"
        );
        close(b.lambda_usd.unwrap(), p.total_usd);
        assert_eq!(b.gateway_usd, Some(0.0));
        assert_eq!(b.event_sources_usd, Some(0.0));
        assert!(b.logs_usd.unwrap() > 0.0);
        close(b.total_usd - b.logs_usd.unwrap(), p.total_usd);
    }
    let fc = summary.functions[0].cost_usd.as_ref().unwrap();
    close(fc.logs.unwrap(), cost.window.logs_usd.unwrap());
    assert_eq!(fc.gateway, Some(0.0));
    let m = fc.monthly.as_ref().unwrap();
    close(m.logs.unwrap(), cost.monthly.logs_usd.unwrap());
    let json = serde_json::to_string(&summary).unwrap();
    for key in [
        "\"lambda_usd\"",
        "\"gateway_usd\"",
        "\"event_sources_usd\"",
        "\"logs_usd\"",
        "\"logs\"",
    ] {
        assert!(json.contains(key), "{key} missing");
    }
}

#[test]
fn log_bytes_is_validated_at_its_path() {
    let base = |extra: &str| {
        format!(
            "[simulation]\nduration = \"1h\"\n[[function]]\nname = \"f\"\nmemory-mb = 512\n{extra}\n\
             [function.arrivals]\nkind = \"poisson\"\nrate-per-s = 1.0\n\
             [function.duration]\ndist = \"const\"\nvalue = \"10ms\"\n"
        )
    };
    assert_eq!(
        ok(&base("log-bytes = 300")).functions[0].log_bytes,
        Some(300)
    );
    assert_eq!(ok(&base("log-bytes = 0")).functions[0].log_bytes, Some(0));
    assert_eq!(ok(&base("")).functions[0].log_bytes, None);
    for bad in ["log-bytes = -1", "log-bytes = 104857601"] {
        let e = errors(&base(bad));
        let x = e
            .errors
            .iter()
            .find(|x| x.path == "function[0].log-bytes")
            .unwrap_or_else(|| panic!("no error at function[0].log-bytes in {e}"));
        assert!(x.message.contains("0..=104857600"), "{}", x.message);
        assert!(x.hint.is_some());
    }
    let e = errors(&base("log-bytes = \"300\""));
    assert!(e.errors.iter().any(|x| x.path == "function[0].log-bytes"));
}

#[test]
fn log_bytes_is_written_to_the_resolved_workload_only_when_set() {
    let text = "[simulation]\nduration = \"1h\"\n[[function]]\nname = \"f\"\nmemory-mb = 512\nlog-bytes = 300\n\
                [function.arrivals]\nkind = \"poisson\"\nrate-per-s = 1.0\n\
                [function.duration]\ndist = \"const\"\nvalue = \"10ms\"\n";
    let resolved = lamsim_sim::config::to_resolved_toml(&ok(text));
    assert!(resolved.contains("log-bytes = 300"), "{resolved}");
    // The resolved file reads back to the same value.
    assert_eq!(ok(&resolved).functions[0].log_bytes, Some(300));
    let without = lamsim_sim::config::to_resolved_toml(&ok(&text.replace("log-bytes = 300\n", "")));
    assert!(!without.contains("log-bytes"));
}

#[test]
fn usage_add_sums_the_quantities_beside_lambda_and_keeps_the_load_balancers() {
    let a = Usage {
        front_requests: [1, 2, 3, 4, 5],
        albs: 2,
        sqs_requests: 10,
        poller_billed_ns: 100,
        log_bytes: 1_000,
        ..Usage::default()
    };
    let b = Usage {
        front_requests: [10, 20, 30, 40, 50],
        albs: 1,
        sqs_requests: 5,
        poller_billed_ns: 7,
        log_bytes: 24,
        ..Usage::default()
    };
    let mut sum = a.clone();
    sum.add(&b);
    assert_eq!(sum.front_requests, [11, 22, 33, 44, 55]);
    // Load balancers are configuration: the same two, not three.
    assert_eq!(sum.albs, 2);
    assert_eq!(
        (sum.sqs_requests, sum.poller_billed_ns, sum.log_bytes),
        (15, 107, 1_024)
    );
}

#[test]
fn log_bytes_of_invocation_is_what_a_charge_adds() {
    use lamsim_sim::cost::log_bytes_of_invocation;
    // The warm and cold invocations of the tests above: 300 + 71 + 52 + 140 and
    // 300 + 71 + 52 + 167 + 164.
    let warm = log_bytes_of_invocation(
        300,
        128,
        SimTime::from_micros(2_750),
        SimTime::from_millis(3),
        None,
    );
    assert_eq!(warm, 563);
    let cold = log_bytes_of_invocation(
        300,
        128,
        SimTime::from_micros(2_750),
        SimTime::from_millis(170),
        Some(SimTime::from_micros(166_800)),
    );
    assert_eq!(cold, 754);
    // 10,240 MB has five digits twice: two bytes more than 1,024 MB.
    let big = log_bytes_of_invocation(
        0,
        10_240,
        SimTime::from_micros(2_750),
        SimTime::from_millis(3),
        None,
    );
    assert_eq!(big, 263 - 2 * 3 + 2 * 5);
}

#[test]
fn a_workload_with_log_bytes_shows_the_lines_even_when_nothing_ran() {
    // No invocation in the window: the lines are there, at zero, because the workload can
    // have them (cost::applies), not because some usage was measured.
    let s = logging_scenario(Some(1_000));
    let b = bill_scenario(&s, &[], SimTime::ZERO, s.simulation.duration).unwrap();
    assert!(b.adjacent);
    assert_eq!(b.window.logs, 0.0);
    let s = logging_scenario(None);
    let b = bill_scenario(&s, &[], SimTime::ZERO, s.simulation.duration).unwrap();
    assert!(!b.adjacent);
}
