//! Billable usage measured by a run: the input of the cost engine.

use serde::{Deserialize, Serialize};

/// What one function consumed in the measured window, in the units AWS bills.
///
/// Every field is *billed* usage: each invocation adds its
/// [`Charge`](crate::cost::Charge) through [`Usage::add_charge`], the one billing rule of an
/// invocation. Durations are summed in whole nanoseconds after rounding each one, so the sums
/// are exact; the cost engine ([`crate::cost::quantities`]) converts them to GB-s with the
/// function's memory (`memory-mb / 1024`) and adds the provisioned concurrency its schedule
/// configures.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Usage {
    /// Requests that ran (throttled requests are not billed).
    pub requests: u64,
    /// Requests that ran on on-demand environments.
    pub requests_ondemand: u64,
    /// Requests that ran on provisioned environments.
    pub requests_provisioned: u64,
    /// Billed duration of invocations on on-demand environments (each rounded up to the
    /// granularity; a timed-out invocation counts its full timeout), ns.
    pub ondemand_billed_ns: u128,
    /// Billed INIT of on-demand cold starts, each rounded up to 1 ms, ns: only where the
    /// billing rules bill INIT ([`crate::cost::BillingRules::bills_init`]); SnapStart restores
    /// are not included.
    pub init_billed_ns: u128,
    /// Billed duration of invocations on provisioned environments, ns.
    pub provisioned_billed_ns: u128,
    /// Cold starts on on-demand environments (each one an INIT, or a restore with SnapStart).
    pub cold_starts: u64,
    /// SnapStart restores (cold starts of a SnapStart function).
    pub restores: u64,
}

impl Usage {
    /// Adds another usage (of the same function) to this one.
    pub fn add(&mut self, o: &Usage) {
        self.requests += o.requests;
        self.requests_ondemand += o.requests_ondemand;
        self.requests_provisioned += o.requests_provisioned;
        self.ondemand_billed_ns += o.ondemand_billed_ns;
        self.init_billed_ns += o.init_billed_ns;
        self.provisioned_billed_ns += o.provisioned_billed_ns;
        self.cold_starts += o.cold_starts;
        self.restores += o.restores;
    }
}
