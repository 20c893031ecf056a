//! The billing of one invocation: the one place that says what a finished invocation adds to
//! the billable [`Usage`] (billed duration, INIT, restores, and the CloudWatch Logs bytes of a
//! function that sets `log-bytes`). The standard recorder, the time series, `lamsim bench` and the bill
//! all go through [`InvocationBilling::charge`], so a rule changed here changes every number
//! that depends on it.
//!
//! ```
//! use lamsim_sim::cost::InvocationBilling;
//! use lamsim_sim::time::SimTime;
//! // 1 ms granularity, INIT billed (the rules from 2025-08-01), no SnapStart.
//! let billing = InvocationBilling::new(SimTime::from_millis(1), true, false);
//! let c = billing.charge(SimTime::from_micros(10_200), SimTime::from_micros(250_300), true, false);
//! assert_eq!(c.exec, SimTime::from_millis(11)); // 10.2 ms → 11 ms
//! assert_eq!(c.init, SimTime::from_millis(251)); // INIT rounded up to 1 ms
//! assert_eq!(c.billed(), SimTime::from_millis(262));
//! ```

use crate::model::{Function, Pricing, Scenario};
use crate::observer::Invocation;
use crate::time::SimTime;
use crate::usage::Usage;

use super::adjacent::{log_fixed_bytes, log_varying_bytes};
use super::{BillingRules, effective_granularity};

/// INIT is billed (where it is billed at all) in 1 ms increments, whatever the duration
/// granularity (AWS reports `Init Duration` and bills it to the millisecond).
pub const INIT_GRANULARITY: SimTime = SimTime::from_millis(1);

/// How one function's invocations are billed: the duration granularity, whether its
/// on-demand INIT is billed, whether its cold starts are SnapStart restores, and the
/// CloudWatch Logs bytes of each invocation when the function sets `log-bytes`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InvocationBilling {
    granularity: SimTime,
    bills_init: bool,
    snapstart: bool,
    /// The log bytes every invocation ingests (`log-bytes` and the fixed part of the platform
    /// lines), when the function sets `log-bytes`.
    log_fixed: Option<u64>,
    /// The function runs on Lambda Managed Instances: no duration or INIT is billed per
    /// invocation (the instances are billed instead).
    managed: bool,
}

/// What one invocation adds to the bill.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Charge {
    /// Billed execution time: the execution rounded up to the granularity (a timed-out
    /// invocation's execution is its timeout).
    pub exec: SimTime,
    /// Billed INIT: an on-demand cold start's init rounded up to [`INIT_GRANULARITY`] where
    /// the rules bill INIT; zero otherwise (warm, provisioned, SnapStart, or not billed).
    pub init: SimTime,
    /// It ran on a provisioned environment (its duration is billed at the provisioned rate).
    pub provisioned: bool,
    /// It was an on-demand cold start.
    pub cold_start: bool,
    /// The cold start was a SnapStart restore (billed per GB restored, not as INIT).
    pub restore: bool,
    /// Bytes ingested by CloudWatch Logs ([`super::log_bytes_of_invocation`]); 0 when the
    /// function does not set `log-bytes` (its logs are then not billed).
    pub log_bytes: u64,
}

impl Charge {
    /// Billed duration of the invocation: execution plus billed INIT.
    pub fn billed(&self) -> SimTime {
        self.exec + self.init
    }
}

impl InvocationBilling {
    /// The billing of a function with `granularity` (already the effective one), INIT billed
    /// or not, and SnapStart or not.
    pub const fn new(granularity: SimTime, bills_init: bool, snapstart: bool) -> Self {
        InvocationBilling {
            granularity: SimTime(if granularity.0 == 0 { 1 } else { granularity.0 }),
            bills_init,
            snapstart,
            log_fixed: None,
            managed: false,
        }
    }

    /// The same billing for a function on Lambda Managed Instances (`managed`): requests
    /// only, no duration.
    pub const fn with_managed(self, managed: bool) -> Self {
        InvocationBilling { managed, ..self }
    }

    /// The same billing, with the CloudWatch Logs bytes of a function of `memory_mb` that
    /// logs `log_bytes` per invocation added to each charge (`None`: logs not billed).
    pub fn with_log_bytes(self, log_bytes: Option<u32>, memory_mb: u32) -> Self {
        InvocationBilling {
            log_fixed: log_bytes.map(|b| log_fixed_bytes(b, memory_mb)),
            ..self
        }
    }

    /// The billing of `f` under `[pricing]`: [`effective_granularity`],
    /// [`BillingRules::bills_init`], `f.snapstart` and `f.log_bytes`.
    pub fn of(f: &Function, pricing: &Pricing) -> Self {
        Self::new(
            effective_granularity(pricing),
            BillingRules::from_pricing(pricing).bills_init(f),
            f.snapstart,
        )
        .with_log_bytes(f.log_bytes, f.memory_mb)
        .with_managed(f.compute.managed().is_some())
    }

    /// The billing of every function of `scenario`, in order.
    pub fn of_scenario(scenario: &Scenario) -> Vec<Self> {
        scenario
            .functions
            .iter()
            .map(|f| Self::of(f, &scenario.pricing))
            .collect()
    }

    /// What one invocation of `exec` (after an init of `init` when `cold`) adds to the bill.
    /// Always inlined: both recorders call it for every invocation.
    #[inline(always)]
    pub fn charge(&self, exec: SimTime, init: SimTime, cold: bool, provisioned: bool) -> Charge {
        let cold_start = cold && !provisioned;
        let restore = cold_start && self.snapstart;
        let init_raw = init;
        let init = if cold_start && !self.snapstart && self.bills_init {
            init.ceil_to(INIT_GRANULARITY)
        } else {
            SimTime::ZERO
        };
        let exec_billed = exec.ceil_to(self.granularity);
        let log_bytes = match self.log_fixed {
            None => 0,
            Some(fixed) => {
                let cold_init = cold_start.then_some(init_raw);
                fixed + log_varying_bytes(exec, exec_billed + init, cold_init)
            }
        };
        if self.managed {
            return Charge {
                log_bytes,
                ..Charge::default()
            };
        }
        Charge {
            exec: exec_billed,
            init,
            provisioned,
            cold_start,
            restore,
            log_bytes,
        }
    }

    /// [`charge`](Self::charge) of a finished invocation as the engine reports it.
    #[inline]
    pub fn charge_invocation(&self, inv: &Invocation) -> Charge {
        self.charge(inv.exec, inv.init, inv.cold, inv.provisioned)
    }
}

impl Usage {
    /// Adds one invocation's [`Charge`].
    #[inline]
    pub fn add_charge(&mut self, c: &Charge) {
        self.requests += 1;
        if c.provisioned {
            self.requests_provisioned += 1;
            self.provisioned_billed_ns += c.exec.0 as u128;
        } else {
            self.requests_ondemand += 1;
            self.ondemand_billed_ns += c.exec.0 as u128;
            self.init_billed_ns += c.init.0 as u128;
            self.cold_starts += c.cold_start as u64;
            self.restores += c.restore as u64;
        }
        self.log_bytes += c.log_bytes;
    }
}
