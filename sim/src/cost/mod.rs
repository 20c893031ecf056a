//! The AWS Lambda bill: measured usage + price book + billing rules → line items.
//!
//! Everything here is pure: [`bill`] takes each function with the [`Usage`] a run measured in
//! the window `[window_start, window_end)`, a [`PriceBook`] and the [`BillingRules`], and
//! returns the bill for the window and its projection to a 30-day month, per function and in
//! total: Lambda's own lines, and the lines of what invokes and records the function (API
//! Gateway, load balancers, SQS pollers, CloudWatch Logs; see [`adjacent`]).
//! `docs/pricing.md` gives every rule with its source.
//!
//! ```
//! use lamsim_sim::cost::{bill, BillingRules, PriceBook};
//! # use lamsim_sim::model::*;
//! # use lamsim_sim::time::{SimTime, MONTH};
//! # use lamsim_sim::usage::Usage;
//! # fn function() -> Function { lamsim_sim::cost::example_function("api", 1024, Architecture::X86_64) }
//! let f = function(); // 1024 MB, x86_64, no provisioned concurrency
//! // 3 million requests of 1 s each in a 30-day window (AWS pricing page, example 1 at 1 GB).
//! let usage = Usage {
//!     requests: 3_000_000,
//!     requests_ondemand: 3_000_000,
//!     ondemand_billed_ns: 3_000_000u128 * 1_000_000_000,
//!     ..Usage::default()
//! };
//! let rules = BillingRules { billing_date: defaults::BILLING_DATE, bill_init: None, free_tier: true };
//! let b = bill(&[(&f, &usage)], SimTime::ZERO, MONTH, &PriceBook::us_east_1(), &rules);
//! // (3M − 1M free) × $0.20/M and (3M − 400k free) GB-s × $0.0000166667.
//! assert!((b.monthly.requests - 0.40).abs() < 1e-9);
//! assert!((b.monthly.compute - 2_600_000.0 * 0.0000166667).abs() < 1e-6);
//! ```

pub mod adjacent;
mod book;
mod instances;
mod invocation;
mod rules;

pub use adjacent::{
    AdjacentLines, AdjacentPrices, AdjacentQuantities, Front, LAMBDA_LOG_TIERS_FROM,
    adjacent_lines, adjacent_quantities, alb_lcu_hours, applies, async_billed_requests,
    log_bytes_of_invocation, poller_billed_time, sqs_billed_requests,
};
pub use book::{
    BASE_REGION, PerArch, PriceBook, Tiers, UnknownRegion, closest_regions, invalid_overrides,
    known_regions,
};
pub use instances::{
    BookEntry, instance_book, instance_regions, instance_type, instance_types, instances_usd,
};
pub use invocation::{Charge, INIT_GRANULARITY, InvocationBilling};
pub use rules::{
    BillingRules, INIT_BILLED_FROM, ONE_MS_BILLING_FROM, effective_granularity, snapstart_charged,
    snapstart_supported,
};

use crate::model::{Architecture, Function, ProvisionedWindow, Scenario};
use crate::time::{MONTH, NS_PER_MIN, NS_PER_S, SimTime};
use crate::usage::Usage;

/// Requests free each month (when `free-tier = true`), shared by every function of the
/// account that has no provisioned concurrency.
pub const FREE_REQUESTS_PER_MONTH: f64 = 1_000_000.0;
/// On-demand GB-s free each month (when `free-tier = true`), shared by both architectures.
pub const FREE_GB_S_PER_MONTH: f64 = 400_000.0;
/// Each enabled period of provisioned concurrency is billed rounded up to this.
pub const PROVISIONED_ROUNDING: SimTime = SimTime(5 * NS_PER_MIN);
/// SnapStart cache is billed for at least this long per month.
pub const SNAPSTART_MIN_CACHE: SimTime = SimTime(3 * 60 * NS_PER_MIN);

/// Line items of a bill, USD.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Lines {
    /// Requests (after the free tier).
    pub requests: f64,
    /// On-demand duration, billed INIT included, tiered and after the free tier.
    pub compute: f64,
    /// Provisioned concurrency configured, plus duration on provisioned environments.
    pub provisioned: f64,
    /// Ephemeral storage above 512 MB.
    pub ephemeral: f64,
    /// SnapStart cache and restores.
    pub snapstart: f64,
    /// API Gateway REST and HTTP APIs and load balancers in front of sync triggers.
    pub gateway: f64,
    /// SQS requests made by pollers, and provisioned pollers.
    pub event_sources: f64,
    /// CloudWatch Logs ingestion.
    pub logs: f64,
    /// Lambda Managed Instances: instance hours × (EC2 on-demand price less the savings plan,
    /// plus the 15 % management fee).
    pub instances: f64,
}

impl Lines {
    /// Sum of all lines: the function and what invokes and records it.
    pub fn total(&self) -> f64 {
        self.lambda() + self.gateway + self.event_sources + self.logs
    }

    /// Lambda's own lines (requests, compute, provisioned, ephemeral, SnapStart).
    pub fn lambda(&self) -> f64 {
        self.requests
            + self.compute
            + self.provisioned
            + self.ephemeral
            + self.snapstart
            + self.instances
    }

    fn add(&mut self, o: &Lines) {
        self.requests += o.requests;
        self.compute += o.compute;
        self.provisioned += o.provisioned;
        self.ephemeral += o.ephemeral;
        self.snapstart += o.snapstart;
        self.gateway += o.gateway;
        self.event_sources += o.event_sources;
        self.logs += o.logs;
        self.instances += o.instances;
    }
}

/// What one function consumed, in billing units, over some horizon (the window, or a month).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Quantities {
    /// Requests that ran.
    pub requests: f64,
    /// GB-s of invocations on on-demand environments (billed duration).
    pub ondemand_gb_s: f64,
    /// GB-s of billed INIT on on-demand environments (0 when INIT is not billed).
    pub init_gb_s: f64,
    /// GB-s of provisioned concurrency configured, enabled periods rounded up to 5 minutes.
    pub provisioned_configured_gb_s: f64,
    /// GB-s of invocations on provisioned environments.
    pub provisioned_used_gb_s: f64,
    /// GB-s of ephemeral storage above 512 MB over billed duration.
    pub ephemeral_gb_s: f64,
    /// GB-s of SnapStart cache (0 unless `snapstart` and a charged runtime).
    pub snapstart_cache_gb_s: f64,
    /// GB restored by SnapStart (0 unless `snapstart` and a charged runtime).
    pub snapstart_restored_gb: f64,
    /// True when the free tier may cover this function (it has no provisioned concurrency in
    /// the window).
    pub free_tier_eligible: bool,
    /// Its usage of the services beside Lambda.
    pub adjacent: AdjacentQuantities,
    /// Lambda Managed Instances: instance hours.
    pub instance_hours: f64,
    /// Lambda Managed Instances: USD per instance hour as billed
    /// ([`crate::model::ManagedInstances::usd_per_instance_hour`]); 0 on demand.
    pub instance_usd_per_hour: f64,
}

impl Quantities {
    /// On-demand GB-s, tiered and covered by the free tier: invocations plus billed INIT.
    pub fn ondemand_total_gb_s(&self) -> f64 {
        self.ondemand_gb_s + self.init_gb_s
    }

    fn scaled(&self, k: f64) -> Quantities {
        Quantities {
            requests: self.requests * k,
            ondemand_gb_s: self.ondemand_gb_s * k,
            init_gb_s: self.init_gb_s * k,
            provisioned_configured_gb_s: self.provisioned_configured_gb_s * k,
            provisioned_used_gb_s: self.provisioned_used_gb_s * k,
            ephemeral_gb_s: self.ephemeral_gb_s * k,
            snapstart_cache_gb_s: self.snapstart_cache_gb_s * k,
            snapstart_restored_gb: self.snapstart_restored_gb * k,
            free_tier_eligible: self.free_tier_eligible,
            adjacent: self.adjacent.scaled(k),
            instance_hours: self.instance_hours * k,
            instance_usd_per_hour: self.instance_usd_per_hour,
        }
    }
}

/// One function's share of the bill.
#[derive(Clone, Debug, PartialEq)]
pub struct FunctionBill {
    /// Function name.
    pub name: String,
    /// Its usage in the window, in billing units.
    pub window_quantities: Quantities,
    /// Its usage projected to a 30-day month.
    pub monthly_quantities: Quantities,
    /// Its share of the window bill.
    pub window: Lines,
    /// Its share of the monthly projection.
    pub monthly: Lines,
}

/// The bill of a run: the window, its 30-day projection, and each function's share.
#[derive(Clone, Debug, PartialEq)]
pub struct Bill {
    /// Length of the measured window.
    pub window_length: SimTime,
    /// The bill for the window (monthly allowances prorated by window / 30 days).
    pub window: Lines,
    /// The window's usage projected to a 30-day month.
    pub monthly: Lines,
    /// One entry per function, in input order; their lines sum to `window` and `monthly`.
    pub per_function: Vec<FunctionBill>,
    /// The bill can have lines beside Lambda's ([`adjacent::applies`] for a scenario, or some
    /// function used a service beside Lambda): the summary then shows them and the Lambda
    /// subtotal.
    pub adjacent: bool,
    /// Some function runs on Lambda Managed Instances: the summary then shows the instances
    /// line.
    pub managed: bool,
}

/// Environment-time of provisioned concurrency billed within `[window_start, window_end)`:
/// Σ count × (the part of the period inside the window + its rounding).
///
/// AWS rounds each enabled period (enable → disable) up to 5 minutes. The rounding is added
/// at the period's end, so it is billed in the window in which the period ends (disabled at
/// `end` with `window_start < end <= window_end`), measured on the whole period even if it
/// began before the window; a period still enabled at the window's end (the constant form
/// included) adds no rounding, and the parts of any period outside the window are not billed.
pub fn provisioned_billed_time(
    schedule: &[ProvisionedWindow],
    window_start: SimTime,
    window_end: SimTime,
) -> u128 {
    let mut total: u128 = 0;
    for p in schedule {
        if p.count == 0 {
            continue;
        }
        let s = p.start.max(window_start);
        let e = p.end.min(window_end);
        let inside = e.saturating_sub(s).0 as u128;
        let extra = if p.end != SimTime::MAX && p.end > window_start && p.end <= window_end {
            // Up to the next multiple of 5 minutes, without overflow for any period.
            let rem = p.end.saturating_sub(p.start).0 % PROVISIONED_ROUNDING.0;
            if rem == 0 {
                0
            } else {
                (PROVISIONED_ROUNDING.0 - rem) as u128
            }
        } else {
            0
        };
        total += p.count as u128 * (inside + extra);
    }
    total
}

/// The enabled periods of a provisioned count that changes over time (auto scaling): `steps`
/// are `(time, count)` in time order (the count holds from its time to the next step). Each
/// environment added is one enabled period, from the step that adds it to the step that
/// removes it (the most recently added leave first), so [`provisioned_billed_time`] rounds
/// each up to 5 minutes as AWS bills an enabled period.
pub fn provisioned_periods(steps: &[(SimTime, u32)]) -> Vec<ProvisionedWindow> {
    let mut open: Vec<(SimTime, u32)> = Vec::new(); // layers: (enabled at, count)
    let mut out = Vec::new();
    let mut level = 0u32;
    for &(t, count) in steps {
        if count > level {
            open.push((t, count - level));
        } else {
            let mut drop = level - count;
            while drop > 0 {
                let Some((start, n)) = open.pop() else { break };
                let k = n.min(drop);
                if start < t {
                    out.push(ProvisionedWindow {
                        start,
                        end: t,
                        count: k,
                    });
                }
                if n > k {
                    open.push((start, n - k));
                }
                drop -= k;
            }
        }
        level = count;
    }
    for (start, n) in open {
        out.push(ProvisionedWindow {
            start,
            end: SimTime::MAX,
            count: n,
        });
    }
    out
}

/// Seconds of SnapStart cache billed for a version active `active` out of a horizon that is
/// the fraction `horizon_of_month` of a 30-day month: at least 3 hours per month, prorated
/// (`3 h × horizon_of_month`). For a version active through the whole horizon the minimum
/// never binds (3 h < 30 days); it does for a version active only briefly in a month.
pub fn snapstart_cache_seconds(active: SimTime, horizon_of_month: f64) -> f64 {
    active
        .as_secs_f64()
        .max(SNAPSTART_MIN_CACHE.as_secs_f64() * horizon_of_month)
}

fn secs(ns: u128) -> f64 {
    ns as f64 / NS_PER_S as f64
}

/// One function's window usage in billing units: `u` (billed usage, as
/// [`InvocationBilling`] records it) converted to GB-s with the function's memory and
/// ephemeral storage, plus the provisioned concurrency its schedule configures in the window
/// (enabled periods rounded up to 5 minutes), the SnapStart cache, and the usage beside Lambda
/// ([`adjacent_quantities`]).
pub fn quantities(
    f: &Function,
    u: &Usage,
    window_start: SimTime,
    window_end: SimTime,
) -> Quantities {
    let gb = f.memory_gb();
    let window = window_end.saturating_sub(window_start);
    // `u` is billed usage: INIT is in it only where the rules bill it (see
    // [`InvocationBilling::charge`]), so it is taken as it is.
    let init_ns = u.init_billed_ns;
    let configured = match u.provisioned_configured_ns {
        Some(ns) => secs(ns),
        None => secs(provisioned_billed_time(
            &f.provisioned,
            window_start,
            window_end,
        )),
    } * gb;
    let managed = f.compute.managed();
    let charged_snapstart = f.snapstart && snapstart_charged(f.runtime.as_deref());
    let frac = window.as_secs_f64() / MONTH.as_secs_f64();
    Quantities {
        requests: u.requests as f64,
        ondemand_gb_s: secs(u.ondemand_billed_ns) * gb,
        init_gb_s: secs(init_ns) * gb,
        provisioned_configured_gb_s: configured,
        provisioned_used_gb_s: secs(u.provisioned_billed_ns) * gb,
        ephemeral_gb_s: secs(u.ondemand_billed_ns + u.provisioned_billed_ns + init_ns)
            * f.extra_ephemeral_gb(),
        snapstart_cache_gb_s: if charged_snapstart {
            snapstart_cache_seconds(window, frac) * gb
        } else {
            0.0
        },
        snapstart_restored_gb: if charged_snapstart {
            u.restores as f64 * gb
        } else {
            0.0
        },
        free_tier_eligible: configured == 0.0 && managed.is_none(),
        adjacent: adjacent_quantities(u, window),
        instance_hours: secs(u.instance_ns) / 3600.0,
        instance_usd_per_hour: managed.map_or(0.0, |m| m.usd_per_instance_hour()),
    }
}

/// Prices the quantities of every function over a horizon that is the fraction `scale` of a
/// 30-day month: free tier and tier boundaries are multiplied by `scale`. Account-wide effects
/// (free tier, tiers) are shared out in proportion (see `docs/pricing.md`). The lines beside
/// Lambda are [`adjacent_lines`] with `book.adjacent`.
pub fn price(
    items: &[(Architecture, Quantities)],
    scale: f64,
    book: &PriceBook,
    rules: &BillingRules,
) -> Vec<Lines> {
    let eligible = |q: &Quantities| rules.free_tier && q.free_tier_eligible;
    // Free requests and free GB-s, shared in proportion to requests and on-demand GB-s.
    let eligible_requests: f64 = items
        .iter()
        .filter(|(_, q)| eligible(q))
        .map(|(_, q)| q.requests)
        .sum();
    let eligible_gb_s: f64 = items
        .iter()
        .filter(|(_, q)| eligible(q))
        .map(|(_, q)| q.ondemand_total_gb_s())
        .sum();
    let free_requests = (FREE_REQUESTS_PER_MONTH * scale).min(eligible_requests);
    let free_gb_s = (FREE_GB_S_PER_MONTH * scale).min(eligible_gb_s);
    let share = |part: f64, whole: f64, amount: f64| {
        if whole > 0.0 {
            amount * part / whole
        } else {
            0.0
        }
    };

    let billable: Vec<f64> = items
        .iter()
        .map(|(_, q)| {
            let g = q.ondemand_total_gb_s();
            let free = if eligible(q) {
                share(g, eligible_gb_s, free_gb_s)
            } else {
                0.0
            };
            (g - free).max(0.0)
        })
        .collect();
    // Tiered cost per architecture, shared in proportion to billable GB-s.
    let arch_total = |arch: Architecture| -> f64 {
        items
            .iter()
            .zip(&billable)
            .filter(|((a, _), _)| *a == arch)
            .map(|(_, b)| b)
            .sum()
    };
    let totals = PerArch {
        x86_64: arch_total(Architecture::X86_64),
        arm64: arch_total(Architecture::Arm64),
    };
    let costs = PerArch {
        x86_64: book.duration.x86_64.cost(totals.x86_64, scale),
        arm64: book.duration.arm64.cost(totals.arm64, scale),
    };

    let adjacent: Vec<AdjacentQuantities> = items.iter().map(|(_, q)| q.adjacent).collect();
    let adjacent = adjacent_lines(&adjacent, scale, &book.adjacent, rules);

    items
        .iter()
        .zip(&billable)
        .zip(adjacent)
        .map(|(((arch, q), b), a)| {
            let free_req = if eligible(q) {
                share(q.requests, eligible_requests, free_requests)
            } else {
                0.0
            };
            Lines {
                requests: (q.requests - free_req).max(0.0) * book.request,
                compute: share(*b, *totals.get(*arch), *costs.get(*arch)),
                provisioned: q.provisioned_configured_gb_s * book.provisioned.get(*arch)
                    + q.provisioned_used_gb_s * book.provisioned_duration.get(*arch),
                ephemeral: q.ephemeral_gb_s * book.ephemeral,
                snapstart: q.snapstart_cache_gb_s * book.snapstart_cache
                    + q.snapstart_restored_gb * book.snapstart_restore,
                gateway: a.gateway,
                event_sources: a.event_sources,
                logs: a.logs,
                instances: q.instance_hours * q.instance_usd_per_hour,
            }
        })
        .collect()
}

/// The bill for the usage each function measured in `[window_start, window_end)`.
///
/// The window bill prorates the monthly allowances (free tier, tier boundaries) by
/// window / 30 days; the monthly projection multiplies the window's usage by 30 days / window
/// and applies the full allowances. An empty window bills nothing. [`Bill::adjacent`] is set
/// when some function used a service beside Lambda.
pub fn bill(
    functions: &[(&Function, &Usage)],
    window_start: SimTime,
    window_end: SimTime,
    book: &PriceBook,
    rules: &BillingRules,
) -> Bill {
    let window = window_end.saturating_sub(window_start);
    let scale = window.as_secs_f64() / MONTH.as_secs_f64();
    let window_q: Vec<(Architecture, Quantities)> = functions
        .iter()
        .map(|(f, u)| (f.architecture, quantities(f, u, window_start, window_end)))
        .collect();
    let (window_lines, monthly_lines, monthly_q) = if window == SimTime::ZERO {
        let zero = vec![Lines::default(); functions.len()];
        (zero.clone(), zero, window_q.clone())
    } else {
        let k = 1.0 / scale;
        let monthly_q: Vec<(Architecture, Quantities)> = functions
            .iter()
            .zip(&window_q)
            .map(|((f, _), (arch, q))| {
                let mut m = q.scaled(k);
                if q.snapstart_cache_gb_s > 0.0 {
                    m.snapstart_cache_gb_s = snapstart_cache_seconds(MONTH, 1.0) * f.memory_gb();
                }
                (*arch, m)
            })
            .collect();
        (
            price(&window_q, scale, book, rules),
            price(&monthly_q, 1.0, book, rules),
            monthly_q,
        )
    };
    let adjacent = window_q.iter().any(|(_, q)| !q.adjacent.is_zero())
        || functions.iter().any(|(_, u)| u.albs > 0);
    let managed = functions.iter().any(|(f, _)| f.compute.managed().is_some());
    let mut total_w = Lines::default();
    let mut total_m = Lines::default();
    let per_function = functions
        .iter()
        .zip(window_q.into_iter().zip(monthly_q))
        .zip(window_lines.into_iter().zip(monthly_lines))
        .map(|(((f, _), ((_, q), (_, mq))), (w, m))| {
            total_w.add(&w);
            total_m.add(&m);
            FunctionBill {
                name: f.name.clone(),
                window_quantities: q,
                monthly_quantities: mq,
                window: w,
                monthly: m,
            }
        })
        .collect();
    Bill {
        window_length: window,
        window: total_w,
        monthly: total_m,
        per_function,
        adjacent,
        managed,
    }
}

/// The bill of a scenario's run: the price book of `[account] region` with the
/// `[pricing.rates]` overrides, the rules of `[pricing]`, and `usage[i]` for
/// `scenario.functions[i]` (missing entries count as no usage). [`Bill::adjacent`] is also set
/// when [`applies`] says the workload can have lines beside Lambda.
pub fn bill_scenario(
    scenario: &Scenario,
    usage: &[Usage],
    window_start: SimTime,
    window_end: SimTime,
) -> Result<Bill, UnknownRegion> {
    let book = PriceBook::lookup(&scenario.account.region)?.with_overrides(&scenario.pricing.rates);
    let rules = BillingRules::from_pricing(&scenario.pricing);
    let none = Usage::default();
    let pairs: Vec<(&Function, &Usage)> = scenario
        .functions
        .iter()
        .enumerate()
        .map(|(i, f)| (f, usage.get(i).unwrap_or(&none)))
        .collect();
    let mut b = bill(&pairs, window_start, window_end, &book, &rules);
    b.adjacent |= applies(scenario);
    Ok(b)
}

/// A minimal function for examples and tests: `memory_mb`, `arch`, constant 100 ms duration
/// and init, Poisson arrivals at 1/s, every other key at its default (built on
/// [`crate::testing::simple_function`]).
#[doc(hidden)]
pub fn example_function(name: &str, memory_mb: u32, arch: Architecture) -> Function {
    use crate::model::{Dist, DurationModel, defaults};
    let mut f = crate::testing::simple_function(name, 1.0, 100.0, "10m");
    f.memory_mb = memory_mb;
    f.architecture = arch;
    f.timeout = defaults::TIMEOUT;
    f.duration = DurationModel::unscaled(Dist::Const { value_ms: 100.0 }, memory_mb);
    f.init = DurationModel::unscaled(Dist::Const { value_ms: 100.0 }, memory_mb);
    f
}
