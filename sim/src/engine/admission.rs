//! Admission: the concurrency limits a request must pass before it may run on demand —
//! reserved concurrency, the account's unreserved pool, and the scaling rate of new
//! environments (per function, legacy account-wide burst, or unlimited).
//!
//! Provisioned environments count against concurrency while they are alive, busy or not; a
//! request that finds an idle provisioned environment skips admission.

use std::collections::VecDeque;

use crate::model::{Scaling, Scenario};
use crate::observer::ThrottleReason;
use crate::time::{NS_PER_MIN, NS_PER_S};

/// Environments a function may create in any [`SCALING_WINDOW`] (per-function scaling).
pub const SCALING_BURST: usize = 1000;
/// The sliding window of per-function scaling: 10 s.
pub const SCALING_WINDOW: u64 = 10 * NS_PER_S;
/// Legacy scaling: environments added per minute after the initial burst.
pub const LEGACY_RATE_PER_MIN: f64 = 500.0;

/// Initial account-wide burst of the legacy scaling model, by region (AWS documentation,
/// "Lambda function scaling", before November 2023).
pub fn legacy_burst(region: &str) -> u32 {
    match region {
        "us-east-1" | "us-west-2" | "eu-west-1" => 3000,
        "ap-northeast-1" | "eu-central-1" | "us-east-2" => 1000,
        _ => 500,
    }
}

/// Sliding-window or token-bucket state of the scaling rate.
#[derive(Clone, Debug)]
enum ScalingState {
    /// Per function: creation times of the last [`SCALING_BURST`] environments (kept in each
    /// function's [`FnLimits`]).
    PerFunction,
    /// Account-wide token bucket.
    Legacy {
        tokens: f64,
        last: u64,
        cap: f64,
    },
    Unlimited,
}

/// The account-wide side of admission.
pub(crate) struct AccountLimits {
    scaling: ScalingState,
    /// Concurrency pool shared by functions without reserved concurrency.
    unreserved_pool: u32,
    unreserved_usage: u32,
}

/// The per-function side of admission.
pub(crate) struct FnLimits {
    reserved: Option<u32>,
    /// On-demand environments running (or initializing) an invocation.
    ondemand_busy: u32,
    /// Provisioned environments alive (idle or busy).
    pub(crate) prov_alive: u32,
    /// Creation times of the last environments (per-function scaling), oldest first.
    recent_creations: VecDeque<u64>,
}

impl FnLimits {
    /// Limits of a function with `reserved` concurrency, nothing in use.
    pub(crate) fn new(reserved: Option<u32>) -> Self {
        FnLimits {
            reserved,
            ondemand_busy: 0,
            prov_alive: 0,
            recent_creations: VecDeque::new(),
        }
    }

    /// Concurrency in use by the function.
    #[inline]
    fn usage(&self) -> u32 {
        self.prov_alive + self.ondemand_busy
    }
}

impl AccountLimits {
    /// The account of `scenario`, nothing in use.
    pub(crate) fn new(scenario: &Scenario) -> Self {
        let reserved_total: u32 = scenario
            .functions
            .iter()
            .filter_map(|f| f.reserved_concurrency)
            .sum();
        let scaling = match scenario.account.scaling {
            Scaling::PerFunction => ScalingState::PerFunction,
            Scaling::LegacyBurst => {
                let cap = legacy_burst(&scenario.account.region) as f64;
                ScalingState::Legacy {
                    tokens: cap,
                    last: 0,
                    cap,
                }
            }
            Scaling::Unlimited => ScalingState::Unlimited,
        };
        AccountLimits {
            scaling,
            unreserved_pool: scenario
                .account
                .concurrency_limit
                .saturating_sub(reserved_total),
            unreserved_usage: 0,
        }
    }

    /// Whether one more on-demand execution of the function fits its concurrency limit
    /// (reserved concurrency, or else the account's unreserved pool).
    #[inline]
    pub(crate) fn check_concurrency(&self, f: &FnLimits) -> Result<(), ThrottleReason> {
        if let Some(r) = f.reserved {
            if f.usage() >= r {
                return Err(ThrottleReason::Reserved);
            }
        } else if self.unreserved_usage >= self.unreserved_pool {
            return Err(ThrottleReason::Account);
        }
        Ok(())
    }

    /// Whether the scaling rate lets the function create a new environment at `now`; if so,
    /// the creation is counted.
    #[inline]
    pub(crate) fn admit_new_environment(&mut self, f: &mut FnLimits, now: u64) -> bool {
        match &mut self.scaling {
            ScalingState::Unlimited => true,
            ScalingState::PerFunction => {
                let q = &mut f.recent_creations;
                if q.len() < SCALING_BURST {
                    q.push_back(now);
                    true
                } else if now - q[0] > SCALING_WINDOW {
                    q.pop_front();
                    q.push_back(now);
                    true
                } else {
                    false
                }
            }
            ScalingState::Legacy { tokens, last, cap } => {
                let refill = (now - *last) as f64 * LEGACY_RATE_PER_MIN / NS_PER_MIN as f64;
                *tokens = (*tokens + refill).min(*cap);
                *last = now;
                if *tokens >= 1.0 {
                    *tokens -= 1.0;
                    true
                } else {
                    false
                }
            }
        }
    }

    /// On-demand executions of the function started (`delta > 0`) or ended. Returns the
    /// unreserved concurrency in use when it changed (see [`Observer::on_unreserved_use`]).
    ///
    /// [`Observer::on_unreserved_use`]: crate::observer::Observer::on_unreserved_use
    #[inline]
    pub(crate) fn add_ondemand_busy(&mut self, f: &mut FnLimits, delta: i32) -> Option<u32> {
        f.ondemand_busy = (f.ondemand_busy as i32 + delta) as u32;
        self.add_unreserved(f, delta)
    }

    /// Provisioned environments of the function created (`delta > 0`) or reclaimed. Returns
    /// the unreserved concurrency in use when it changed.
    #[inline]
    pub(crate) fn add_prov_alive(&mut self, f: &mut FnLimits, delta: i32) -> Option<u32> {
        f.prov_alive = (f.prov_alive as i32 + delta) as u32;
        self.add_unreserved(f, delta)
    }

    /// Counts `delta` against the unreserved pool when the function has no reservation;
    /// the new use then.
    #[inline]
    fn add_unreserved(&mut self, f: &FnLimits, delta: i32) -> Option<u32> {
        if f.reserved.is_some() {
            return None;
        }
        self.unreserved_usage = (self.unreserved_usage as i32 + delta) as u32;
        Some(self.unreserved_usage)
    }
}
