//! The standard recorder: latency histograms, counters, time-averaged environment counts and
//! billable usage of the measured window `[warmup, duration)`.

use hdrhistogram::Histogram;

use crate::cost::InvocationBilling;
use crate::model::Scenario;
use crate::observer::{Counts, Invocation, Observer, ThrottleReason};
use crate::summary::{FunctionSummary, InstanceStats, LatencyStats, UsageSummary};
use crate::time::{NS_PER_MS, SimTime};
use crate::usage::Usage;

/// Largest latency the histograms resolve, µs (2 hours); larger values are clamped to it,
/// never dropped. The exact maximum is kept separately.
pub const HISTOGRAM_MAX_US: u64 = 2 * 3600 * 1_000_000;

/// Per-function measurements.
#[derive(Clone, Debug)]
pub struct FunctionRecord {
    /// Arrivals in the window.
    pub arrivals: u64,
    /// Throttled arrivals in the window.
    pub throttles: u64,
    /// Throttles by reason: reserved, account, scaling rate.
    pub throttles_by_reason: [u64; 3],
    /// Invocations (arrived in the window, ran).
    pub invocations: u64,
    /// Cold starts among them.
    pub cold_starts: u64,
    /// Timeouts among them.
    pub timeouts: u64,
    /// Warm latencies, µs.
    pub warm: Histogram<u64>,
    /// Cold latencies, µs.
    pub cold: Histogram<u64>,
    /// Exact sums of latencies, ns (warm, cold).
    pub latency_sum_ns: [u128; 2],
    /// Exact maxima, ns (warm, cold).
    pub latency_max_ns: [u64; 2],
    /// ∫ total environments dt over the window, env·ns.
    pub area_total: u128,
    /// ∫ busy environments dt, env·ns.
    pub area_busy: u128,
    /// Peak environments in the window.
    pub peak: u32,
    /// Billable usage.
    pub usage: Usage,
    last_counts: Counts,
    last_t: u64,
}

impl FunctionRecord {
    fn new() -> Self {
        let h =
            || Histogram::new_with_bounds(1, HISTOGRAM_MAX_US, 3).expect("valid histogram bounds");
        FunctionRecord {
            arrivals: 0,
            throttles: 0,
            throttles_by_reason: [0; 3],
            invocations: 0,
            cold_starts: 0,
            timeouts: 0,
            warm: h(),
            cold: h(),
            latency_sum_ns: [0; 2],
            latency_max_ns: [0; 2],
            area_total: 0,
            area_busy: 0,
            peak: 0,
            usage: Usage::default(),
            last_counts: Counts::default(),
            last_t: 0,
        }
    }
}

/// Records what the summary needs, for the window `[start, end)`.
#[derive(Clone, Debug)]
pub struct Recorder {
    start: u64,
    end: u64,
    billing: Vec<InvocationBilling>,
    /// One record per function, in scenario order.
    pub functions: Vec<FunctionRecord>,
}

impl Recorder {
    /// A recorder for `scenario`, billing each invocation as
    /// [`InvocationBilling::of_scenario`] says.
    pub fn new(scenario: &Scenario) -> Self {
        Recorder {
            start: scenario.simulation.warmup.0,
            end: scenario.simulation.duration.0,
            billing: InvocationBilling::of_scenario(scenario),
            functions: scenario
                .functions
                .iter()
                .map(|_| FunctionRecord::new())
                .collect(),
        }
    }

    #[inline]
    fn in_window(&self, t: SimTime) -> bool {
        t.0 >= self.start && t.0 < self.end
    }

    /// Integrates the counts held since the last change up to `t`.
    #[inline]
    fn integrate(&mut self, f: usize, t: u64) {
        let (start, end) = (self.start, self.end);
        let r = &mut self.functions[f];
        let a = r.last_t.max(start);
        let b = t.min(end);
        if b > a {
            let dt = (b - a) as u128;
            let c = r.last_counts;
            r.area_total += c.total as u128 * dt;
            r.area_busy += c.busy as u128 * dt;
            r.peak = r.peak.max(c.total);
        }
        r.last_t = t;
    }

    /// The summary of function `f` (without cost), given the window length.
    pub fn function_summary(&self, f: usize, scenario: &Scenario) -> FunctionSummary {
        let func = &scenario.functions[f];
        let r = &self.functions[f];
        let window = (self.end - self.start) as f64;
        let mut all = r.warm.clone();
        all.add(&r.cold).expect("same bounds");
        let stats = |h: &Histogram<u64>, sum: u128, max: u64| {
            if h.is_empty() {
                return LatencyStats::default();
            }
            // HDR buckets report their highest equivalent value: never above the exact max.
            let max_ms = max as f64 / NS_PER_MS as f64;
            let q = |p: f64| (h.value_at_quantile(p) as f64 / 1000.0).min(max_ms);
            LatencyStats {
                mean: sum as f64 / h.len() as f64 / NS_PER_MS as f64,
                p50: q(0.5),
                p90: q(0.9),
                p99: q(0.99),
                p99_ci95: None,
                p999: q(0.999),
                max: max as f64 / NS_PER_MS as f64,
            }
        };
        let ratio = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        FunctionSummary {
            name: func.name.clone(),
            memory_mb: func.memory_mb,
            architecture: func.architecture.as_str().to_string(),
            arrivals: r.arrivals as f64,
            invocations: r.invocations as f64,
            cold_starts: r.cold_starts as f64,
            throttles: r.throttles as f64,
            timeouts: r.timeouts as f64,
            cold_start_ratio: ratio(r.cold_starts, r.invocations),
            cold_start_ratio_ci95: None,
            throttle_ratio: ratio(r.throttles, r.arrivals),
            latency_ms: stats(
                &all,
                r.latency_sum_ns[0] + r.latency_sum_ns[1],
                r.latency_max_ns[0].max(r.latency_max_ns[1]),
            ),
            latency_warm_ms: stats(&r.warm, r.latency_sum_ns[0], r.latency_max_ns[0]),
            latency_cold_ms: stats(&r.cold, r.latency_sum_ns[1], r.latency_max_ns[1]),
            instances: InstanceStats {
                avg_total: if window > 0.0 {
                    r.area_total as f64 / window
                } else {
                    0.0
                },
                avg_total_ci95: None,
                avg_busy: if window > 0.0 {
                    r.area_busy as f64 / window
                } else {
                    0.0
                },
                avg_idle: if window > 0.0 {
                    (r.area_total - r.area_busy) as f64 / window
                } else {
                    0.0
                },
                peak: r.peak as f64,
            },
            usage: UsageSummary::from_quantities(
                &crate::cost::quantities(func, &r.usage, SimTime(self.start), SimTime(self.end)),
                r.usage.restores,
            ),
            cost_usd: None,
        }
    }
}

impl Observer for Recorder {
    #[inline]
    fn on_arrival(&mut self, t: SimTime, f: u32) {
        if self.in_window(t) {
            self.functions[f as usize].arrivals += 1;
        }
    }

    #[inline]
    fn on_throttle(&mut self, t: SimTime, f: u32, reason: ThrottleReason) {
        if self.in_window(t) {
            let r = &mut self.functions[f as usize];
            r.throttles += 1;
            r.throttles_by_reason[reason as usize] += 1;
        }
    }

    #[inline]
    fn on_complete(&mut self, _t: SimTime, inv: &Invocation) {
        if !self.in_window(inv.arrival) {
            return;
        }
        let charge = self.billing[inv.function as usize].charge_invocation(inv);
        let r = &mut self.functions[inv.function as usize];
        r.invocations += 1;
        let lat = inv.latency().0;
        let idx = inv.cold as usize;
        r.latency_sum_ns[idx] += lat as u128;
        r.latency_max_ns[idx] = r.latency_max_ns[idx].max(lat);
        let us = (lat + 500) / 1000;
        if inv.cold {
            r.cold_starts += 1;
            r.cold.saturating_record(us.max(1));
        } else {
            r.warm.saturating_record(us.max(1));
        }
        if inv.timed_out {
            r.timeouts += 1;
        }
        r.usage.add_charge(&charge);
    }

    #[inline]
    fn on_counts(&mut self, t: SimTime, f: u32, counts: Counts) {
        self.integrate(f as usize, t.0);
        self.functions[f as usize].last_counts = counts;
    }

    fn on_end(&mut self, t: SimTime) {
        for f in 0..self.functions.len() {
            self.integrate(f, t.0.max(self.end));
        }
    }
}
