//! Billable usage measured by a run: the input of the cost engine.

use serde::{Deserialize, Serialize};

use crate::cost::Front;

/// What one function consumed in the measured window, in the units AWS bills.
///
/// Every field is *billed* usage: each invocation adds its
/// [`Charge`](crate::cost::Charge) through [`Usage::add_charge`], the one billing rule of an
/// invocation. Durations are summed in whole nanoseconds after rounding each one, so the sums
/// are exact; the cost engine ([`crate::cost::quantities`]) converts them to GB-s with the
/// function's memory (`memory-mb / 1024`) and adds the provisioned concurrency its schedule
/// configures.
///
/// The fields after `restores` are the usage of the services beside Lambda (the bill lines
/// `gateway`, `event_sources` and `logs`, priced by [`crate::cost::adjacent_lines`]); all are
/// zero for a function that uses none of them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
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
    /// Requests the function's sync triggers received through each front, indexed by
    /// [`Front::index`] (`direct` included, though it costs nothing). Every request the front
    /// received counts, throttled or not (API Gateway and ALB bill a request that Lambda
    /// throttled); a client's retry is another request. Default 0.
    pub front_requests: [u64; Front::COUNT],
    /// Application Load Balancers in front of the function (one per sync trigger with
    /// `front = "alb"`): configuration, not measurement, billed per hour of the window whether
    /// or not a request came. [`Usage::add`] keeps the larger. Default 0.
    pub albs: u32,
    /// SQS requests made by the function's event source pollers, each counted as
    /// [`crate::cost::sqs_billed_requests`] says: receives (empty ones included), deletes,
    /// visibility changes. AWS bills them to the queue's owner. Default 0.
    pub sqs_requests: u64,
    /// Billed time of the function's provisioned SQS pollers, each poller's
    /// [`crate::cost::poller_billed_time`], ns. Default 0.
    pub poller_billed_ns: u128,
    /// Bytes of CloudWatch Logs ingested: each invocation's
    /// [`crate::cost::log_bytes_of_invocation`] when the function sets `log-bytes` (added by
    /// [`Usage::add_charge`]). Default 0.
    pub log_bytes: u64,
    /// Provisioned concurrency configured in the window when the count changes during the
    /// run (`[function.provisioned-autoscaling]`): environment-time billed, each enabled
    /// period rounded up as [`crate::cost::provisioned_billed_time`] says, ns. None when the
    /// configuration is static (the bill reads the schedule). Default None.
    pub provisioned_configured_ns: Option<u128>,
    /// Lambda Managed Instances: instance-time in the window, instance·ns. Default 0.
    pub instance_ns: u128,
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
        for (a, b) in self.front_requests.iter_mut().zip(&o.front_requests) {
            *a += b;
        }
        self.albs = self.albs.max(o.albs);
        self.sqs_requests += o.sqs_requests;
        self.poller_billed_ns += o.poller_billed_ns;
        self.log_bytes += o.log_bytes;
        self.provisioned_configured_ns =
            match (self.provisioned_configured_ns, o.provisioned_configured_ns) {
                (None, None) => None,
                (a, b) => Some(a.unwrap_or(0) + b.unwrap_or(0)),
            };
        self.instance_ns += o.instance_ns;
    }
}
