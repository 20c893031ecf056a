//! What invokes a function and what records it: the bill lines beside Lambda's own.
//!
//! Three lines join the five Lambda lines of [`Lines`](super::Lines):
//!
//! - `gateway`: the `front` of sync triggers ([`Front`]): API Gateway REST and HTTP APIs with
//!   their graduated volume tiers, Application Load Balancers (hours and LCUs); function URLs
//!   and direct calls cost nothing beyond Lambda's request charge;
//! - `event_sources`: the SQS requests made by a function's pollers (empty receives included)
//!   and provisioned SQS pollers (event poller units, per hour);
//! - `logs`: CloudWatch Logs ingestion of the code's `log-bytes` plus the platform's
//!   `START` / `END` / `REPORT` lines ([`log_bytes_of_invocation`]), tiered from 2025-05-01.
//!
//! The prices are us-east-1 list prices copied from public pages, each with its source and
//! date beside it and in `docs/pricing.md`; the assumptions about what a simulation cannot
//! know (ALB connections and bytes, log line sizes) are documented there too. Monthly volume
//! tiers and free allowances are account-wide: they are prorated by horizon / 30 days like the
//! Lambda ones and shared among functions in proportion to their usage.
//!
//! ```
//! use lamsim_sim::cost::{AdjacentQuantities, AdjacentPrices, BillingRules, adjacent_lines};
//! use lamsim_sim::model::defaults;
//! // 400 million HTTP API requests in a month: 300 M at $1.00/M + 100 M at $0.90/M.
//! let q = AdjacentQuantities { http_api_requests: 400e6, ..AdjacentQuantities::default() };
//! let rules = BillingRules { billing_date: defaults::BILLING_DATE, bill_init: None, free_tier: false };
//! let lines = adjacent_lines(&[q], 1.0, &AdjacentPrices::us_east_1(), &rules);
//! assert!((lines[0].gateway - 390.0).abs() < 1e-9);
//! ```

use crate::model::{Date, Scenario};
use crate::time::{NS_PER_S, SimTime};
use crate::usage::Usage;

use super::{BillingRules, Tiers};

pub use crate::model::trigger::Front;

/// Bytes in a GB as AWS meters data (CloudWatch Logs ingestion, ALB processed bytes): 2³⁰.
pub const BYTES_PER_GB: f64 = 1_073_741_824.0;
/// Seconds in an hour.
const S_PER_HOUR: f64 = 3600.0;

/// From this date CloudWatch Logs ingestion of Lambda logs is tiered (Lambda "vended" log
/// pricing); before it, the flat custom-logs rate applied (AWS What's New, May 2025).
pub const LAMBDA_LOG_TIERS_FROM: Date = Date {
    year: 2025,
    month: 5,
    day: 1,
};

/// ALB: new connections per second that make one LCU.
pub const ALB_NEW_CONNECTIONS_PER_LCU_S: f64 = 25.0;
/// ALB: bytes processed per hour that make one LCU for Lambda targets (0.4 GB).
pub const ALB_LAMBDA_BYTES_PER_LCU_H: f64 = 0.4 * BYTES_PER_GB;
/// ALB assumption: bytes processed per request (request and response, headers included).
/// A simulation knows no payloads; 4 KiB is a typical JSON API exchange. With it the
/// new-connections dimension (one connection per request) decides the LCUs, as it does for
/// any request under 0.4 GB / 90,000 ≈ 4.8 KB.
pub const ALB_BYTES_PER_REQUEST: f64 = 4096.0;

/// An SQS request is billed per 64 KB chunk of its payload.
pub const SQS_CHUNK_BYTES: u64 = 64 * 1024;
/// A provisioned poller is billed for at least this long (per second after it).
pub const POLLER_MIN_BILLED: SimTime = SimTime::from_secs(60);

/// The list prices of the services beside Lambda, USD (us-east-1; see `docs/pricing.md`).
#[derive(Clone, Debug, PartialEq)]
pub struct AdjacentPrices {
    /// API Gateway REST API, per request, graduated monthly tiers (bounds in requests).
    pub rest_api: Tiers,
    /// API Gateway HTTP API, per request, graduated monthly tiers (bounds in requests).
    pub http_api: Tiers,
    /// Application Load Balancer, per ALB-hour.
    pub alb_hour: f64,
    /// Application Load Balancer, per LCU-hour.
    pub alb_lcu_hour: f64,
    /// SQS standard queue, per request, graduated monthly tiers (bounds in requests).
    pub sqs: Tiers,
    /// SQS requests free each month (always free, with `free-tier = true`).
    pub sqs_free_requests: f64,
    /// Lambda event source mapping in provisioned mode, per event poller unit-hour (for SQS
    /// one poller is one EPU).
    pub epu_hour: f64,
    /// CloudWatch Logs ingestion before [`LAMBDA_LOG_TIERS_FROM`], per GB (flat).
    pub logs_flat: Tiers,
    /// CloudWatch Logs ingestion of Lambda logs from [`LAMBDA_LOG_TIERS_FROM`], per GB,
    /// graduated monthly tiers (bounds in GB).
    pub logs_lambda: Tiers,
    /// CloudWatch Logs GB free each month (always free, with `free-tier = true`).
    pub logs_free_gb: f64,
}

impl AdjacentPrices {
    /// The us-east-1 list prices (the only region priced; other regions use them too).
    pub fn us_east_1() -> AdjacentPrices {
        AdjacentPrices {
            // AWS whitepaper "Best Practices for Designing Amazon API Gateway Private APIs and
            // Private Integration", Cost optimization, Table 4 (undated): first 333 M
            // $3.50/M, next 667 M $2.80/M, next 19 B $2.38/M, over 20 B $1.51/M; confirmed by
            // awsforengineers.com (2025-05-19).
            rest_api: Tiers {
                rates: vec![3.50e-6, 2.80e-6, 2.38e-6, 1.51e-6],
                bounds: vec![333e6, 1e9, 20e9],
            },
            // Same Table 4: first 300 M $1.00/M, above $0.90/M; confirmed by learnaws.org
            // (2021-01-10).
            http_api: Tiers {
                rates: vec![1.00e-6, 0.90e-6],
                bounds: vec![300e6],
            },
            // cloud-horizons.com "ALB: the line item nobody watches" (2026-05-08) and
            // awsnegotiations.com (May 2026): $0.0225 per ALB-hour, $0.008 per LCU-hour.
            alb_hour: 0.0225,
            alb_lcu_hour: 0.008,
            // cloudburn.io "Amazon SQS pricing" (2026-03-14), factualminds.com (2026-06-13):
            // standard queue, first 1 M requests/month free, then $0.40/M up to 100 B,
            // $0.30/M to 200 B, $0.24/M above.
            sqs: Tiers {
                rates: vec![0.40e-6, 0.30e-6, 0.24e-6],
                bounds: vec![100e9, 200e9],
            },
            sqs_free_requests: 1e6,
            // AWS Lambda pricing page, "Provisioned Mode for ESM", pricing example 2 (stored
            // copy, undated; Price List API publication 2026-09-19): $0.00925 per EPU-hour.
            epu_hour: 0.00925,
            // c3x.dev (June 2026), hykell.com (undated): Standard class ingestion $0.50/GB,
            // 5 GB/month free.
            logs_flat: Tiers {
                rates: vec![0.50],
                bounds: vec![],
            },
            // AWS What's New and AWS Compute blog (May 2025), duckbillgroup.com (May 2025):
            // Lambda logs, Standard class, first 10 TB $0.50/GB, next 20 TB $0.25, next
            // 20 TB $0.10, over 50 TB $0.05 (1 TB taken as 1,024 GB, as AWS's price list
            // states tier bounds).
            logs_lambda: Tiers {
                rates: vec![0.50, 0.25, 0.10, 0.05],
                bounds: vec![10_240.0, 30_720.0, 51_200.0],
            },
            logs_free_gb: 5.0,
        }
    }

    /// The CloudWatch Logs ingestion tiers that apply on `date`.
    pub fn logs_on(&self, date: Date) -> &Tiers {
        if date >= LAMBDA_LOG_TIERS_FROM {
            &self.logs_lambda
        } else {
            &self.logs_flat
        }
    }
}

/// Whether a workload can have costs beside Lambda, so `summary.json` shows the lines
/// `gateway_usd`, `event_sources_usd`, `logs_usd` and the `lambda_usd` subtotal: some
/// function sets `log-bytes`. A workload that uses none of the keys of these lines keeps
/// exactly the summary it had before they existed.
pub fn applies(scenario: &Scenario) -> bool {
    scenario
        .functions
        .iter()
        .any(|f| f.log_bytes.is_some() || f.event_driven())
}

/// Billed Lambda requests of one async invocation of an event of `event_size_kb` KB: the
/// first 256 KB are one request, each further 64 KB chunk (or part of one) another:
/// `1 + ceil(max(0, size − 256) / 64)`.
pub fn async_billed_requests(event_size_kb: u32) -> u32 {
    1 + event_size_kb.saturating_sub(256).div_ceil(64)
}

/// Billed SQS requests of one API call carrying `payload_bytes`: one per 64 KB chunk, at
/// least one (an empty receive is one request).
pub fn sqs_billed_requests(payload_bytes: u64) -> u64 {
    payload_bytes.div_ceil(SQS_CHUNK_BYTES).max(1)
}

/// Billed time of a provisioned poller that ran for `active`: per second (rounded up), at
/// least [`POLLER_MIN_BILLED`].
pub fn poller_billed_time(active: SimTime) -> SimTime {
    active.ceil_to(SimTime::from_secs(1)).max(POLLER_MIN_BILLED)
}

/// Bytes of the platform's `START` line: `START RequestId: <36-char id> Version: $LATEST\n`.
pub const START_LINE_BYTES: u64 = 71;
/// Bytes of the platform's `END` line: `END RequestId: <36-char id>\n`.
pub const END_LINE_BYTES: u64 = 52;
/// Bytes of the platform's `REPORT` line without its numbers:
/// `REPORT RequestId: <id>\tDuration: <d>.<dd> ms\tBilled Duration: <b> ms\tMemory Size: <m> MB\tMax Memory Used: <u> MB\t\n`
/// has 132 bytes besides the digits of `d`, `b`, `m` and `u`.
pub const REPORT_LINE_FIXED_BYTES: u64 = 132;
/// Bytes a cold start adds to the `REPORT` line besides the digits of `i`:
/// `Init Duration: <i>.<ii> ms\t`.
pub const REPORT_INIT_FIXED_BYTES: u64 = 22;
/// Bytes of the `INIT_START` line of a cold start:
/// `INIT_START Runtime Version: python:3.13.v16\tRuntime Version ARN: arn:aws:lambda:us-east-1::runtime:<64 hex>\n`.
pub const INIT_START_LINE_BYTES: u64 = 164;

/// Decimal digits of `n` (1 for 0).
fn digits(n: u64) -> u64 {
    n.checked_ilog10().map_or(1, |d| d as u64 + 1)
}

/// Digits before the point of a duration printed as milliseconds with two decimals.
fn ms_digits(t: SimTime) -> u64 {
    // Hundredths of a millisecond, rounded half up as `{:.2}` does for these values.
    digits(t.0.saturating_add(5_000) / 10_000 / 100)
}

/// Bytes CloudWatch Logs ingests for one invocation of a function that logs `log_bytes` per
/// invocation (text log format): those bytes plus the platform's `START`, `END` and `REPORT`
/// lines, and on an on-demand cold start the `INIT_START` line and the `Init Duration` field.
/// `exec` is the execution (the REPORT `Duration`), `billed` the billed duration, `init` the
/// init. `Max Memory Used` is taken to have as many digits as `Memory Size`. CloudWatch meters
/// ingestion as the uncompressed bytes of the events (`IncomingBytes`); no per-event overhead
/// is added (see `docs/pricing.md`).
pub fn log_bytes_of_invocation(
    log_bytes: u32,
    memory_mb: u32,
    exec: SimTime,
    billed: SimTime,
    init: Option<SimTime>,
) -> u64 {
    let fixed = log_fixed_bytes(log_bytes, memory_mb);
    fixed + log_varying_bytes(exec, billed, init)
}

/// The part of [`log_bytes_of_invocation`] that is the same for every invocation of a
/// function.
pub(crate) fn log_fixed_bytes(log_bytes: u32, memory_mb: u32) -> u64 {
    log_bytes as u64
        + START_LINE_BYTES
        + END_LINE_BYTES
        + REPORT_LINE_FIXED_BYTES
        + 2 * digits(memory_mb as u64)
}

/// The part of [`log_bytes_of_invocation`] that depends on the invocation.
#[inline]
pub(crate) fn log_varying_bytes(exec: SimTime, billed: SimTime, init: Option<SimTime>) -> u64 {
    let billed_ms = billed.0.div_ceil(1_000_000);
    let mut n = ms_digits(exec) + digits(billed_ms);
    if let Some(i) = init {
        n += REPORT_INIT_FIXED_BYTES + ms_digits(i) + INIT_START_LINE_BYTES;
    }
    n
}

/// One function's usage of the services beside Lambda, in billing units, over some horizon
/// (the window, or a month).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct AdjacentQuantities {
    /// Requests through an API Gateway REST API.
    pub rest_api_requests: f64,
    /// Requests through an API Gateway HTTP API.
    pub http_api_requests: f64,
    /// Requests through a function URL (free; reported for completeness).
    pub function_url_requests: f64,
    /// Requests through an Application Load Balancer.
    pub alb_requests: f64,
    /// ALB-hours: the function's load balancers × the horizon in hours.
    pub alb_hours: f64,
    /// LCU-hours of its load balancers ([`alb_lcu_hours`]).
    pub alb_lcu_hours: f64,
    /// SQS requests made by its pollers.
    pub sqs_requests: f64,
    /// Event poller unit-hours of its provisioned SQS pollers.
    pub poller_hours: f64,
    /// GB of CloudWatch Logs ingested.
    pub log_gb: f64,
}

impl AdjacentQuantities {
    /// Every quantity multiplied by `k` (the monthly projection of a window).
    pub fn scaled(&self, k: f64) -> AdjacentQuantities {
        AdjacentQuantities {
            rest_api_requests: self.rest_api_requests * k,
            http_api_requests: self.http_api_requests * k,
            function_url_requests: self.function_url_requests * k,
            alb_requests: self.alb_requests * k,
            alb_hours: self.alb_hours * k,
            alb_lcu_hours: self.alb_lcu_hours * k,
            sqs_requests: self.sqs_requests * k,
            poller_hours: self.poller_hours * k,
            log_gb: self.log_gb * k,
        }
    }

    /// True when nothing beside Lambda was used.
    pub fn is_zero(&self) -> bool {
        *self == AdjacentQuantities::default()
    }
}

/// LCU-hours of load balancers that served `requests` to Lambda targets (the hours drop
/// out: the LCUs of an hour are linear in its requests). An hour is billed the largest of the
/// four LCU dimensions; from the window's average rate, with one new connection per request
/// (clients that do not reuse connections, the costly case) and [`ALB_BYTES_PER_REQUEST`]
/// processed per request: new connections give requests / (25 × 3,600) LCU-hours, processed
/// bytes requests × 4 KiB / 0.4 GB. Active connections per minute (at most the requests of a
/// minute / 3,000) never exceed the new-connection dimension, and rule evaluations are taken
/// to stay within the 10 free rules per request.
pub fn alb_lcu_hours(requests: f64) -> f64 {
    let connections = requests / (ALB_NEW_CONNECTIONS_PER_LCU_S * S_PER_HOUR);
    let bytes = requests * ALB_BYTES_PER_REQUEST / ALB_LAMBDA_BYTES_PER_LCU_H;
    connections.max(bytes)
}

/// One function's window usage beside Lambda in billing units: `u` over a window of
/// `window` (ALB-hours are its load balancers × the window's hours: they run through the whole
/// window whether or not a request comes).
pub fn adjacent_quantities(u: &Usage, window: SimTime) -> AdjacentQuantities {
    let front = |f: Front| u.front_requests[f.index()] as f64;
    let alb_requests = front(Front::Alb);
    AdjacentQuantities {
        rest_api_requests: front(Front::RestApi),
        http_api_requests: front(Front::HttpApi),
        function_url_requests: front(Front::FunctionUrl),
        alb_requests,
        alb_hours: u.albs as f64 * window.as_secs_f64() / S_PER_HOUR,
        alb_lcu_hours: alb_lcu_hours(alb_requests),
        sqs_requests: u.sqs_requests as f64,
        poller_hours: u.poller_billed_ns as f64 / NS_PER_S as f64 / S_PER_HOUR,
        log_gb: u.log_bytes as f64 / BYTES_PER_GB,
    }
}

/// One function's bill lines beside Lambda, USD.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct AdjacentLines {
    /// API Gateway and load balancers.
    pub gateway: f64,
    /// SQS requests of pollers and provisioned pollers.
    pub event_sources: f64,
    /// CloudWatch Logs ingestion.
    pub logs: f64,
}

/// `amounts[i]`'s share of the account-wide cost of `Σ amounts` under `tiers`, after
/// `free_per_month` free units, over a horizon that is the fraction `scale` of a month (free
/// units and tier bounds multiplied by `scale`); shared in proportion to the amounts.
fn shared_tiered(amounts: &[f64], free_per_month: f64, tiers: &Tiers, scale: f64) -> Vec<f64> {
    let total: f64 = amounts.iter().sum();
    let free = (free_per_month * scale).min(total);
    let cost = tiers.cost(total - free, scale);
    amounts
        .iter()
        .map(|a| if total > 0.0 { cost * a / total } else { 0.0 })
        .collect()
}

/// Prices the adjacent quantities of every function over a horizon that is the fraction
/// `scale` of a 30-day month. Volume tiers (API Gateway, SQS, CloudWatch Logs) apply to the
/// account's total and free allowances are deducted first, both multiplied by `scale`; each
/// function pays its share in proportion to its quantity. With `free-tier = true` the
/// always-free allowances apply (1 M SQS requests, 5 GB of logs); the 12-month API Gateway and
/// ALB offers for new accounts do not (see `docs/pricing.md`). The logs tiers are those of
/// `rules.billing_date` ([`AdjacentPrices::logs_on`]).
pub fn adjacent_lines(
    items: &[AdjacentQuantities],
    scale: f64,
    prices: &AdjacentPrices,
    rules: &BillingRules,
) -> Vec<AdjacentLines> {
    let of = |get: fn(&AdjacentQuantities) -> f64| items.iter().map(get).collect::<Vec<f64>>();
    let free = |amount: f64| if rules.free_tier { amount } else { 0.0 };
    let rest = shared_tiered(&of(|q| q.rest_api_requests), 0.0, &prices.rest_api, scale);
    let http = shared_tiered(&of(|q| q.http_api_requests), 0.0, &prices.http_api, scale);
    let sqs = shared_tiered(
        &of(|q| q.sqs_requests),
        free(prices.sqs_free_requests),
        &prices.sqs,
        scale,
    );
    let logs = shared_tiered(
        &of(|q| q.log_gb),
        free(prices.logs_free_gb),
        prices.logs_on(rules.billing_date),
        scale,
    );
    items
        .iter()
        .enumerate()
        .map(|(i, q)| AdjacentLines {
            gateway: rest[i]
                + http[i]
                + q.alb_hours * prices.alb_hour
                + q.alb_lcu_hours * prices.alb_lcu_hour,
            event_sources: sqs[i] + q.poller_hours * prices.epu_hour,
            logs: logs[i],
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_names_round_trip() {
        for f in Front::ALL {
            assert_eq!(Front::parse(f.as_str()), Some(f));
            assert_eq!(Front::ALL[f.index()], f);
        }
        assert_eq!(Front::parse("HTTP-API"), None);
        assert_eq!(Front::parse("api"), None);
        assert_eq!(Front::default(), Front::Direct);
        assert_eq!(Front::NAMES.len(), Front::COUNT);
    }

    #[test]
    fn digits_of_numbers() {
        assert_eq!(digits(0), 1);
        assert_eq!(digits(9), 1);
        assert_eq!(digits(10), 2);
        assert_eq!(digits(99_999), 5);
        assert_eq!(digits(100_000), 6);
        // 9.996 ms prints as "10.00".
        assert_eq!(ms_digits(SimTime(9_996_000)), 2);
        assert_eq!(ms_digits(SimTime(9_994_000)), 1);
    }
}
