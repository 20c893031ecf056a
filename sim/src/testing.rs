//! Scenario builders for tests, benchmarks and doc examples (no workload file needed).

use crate::model::*;
use crate::time::{SimTime, parse_duration};

fn d(s: &str) -> SimTime {
    parse_duration(s).expect("valid duration literal")
}

/// One function with Poisson arrivals at `rate_per_s`, exponential execution time of mean
/// `mean_ms`, a constant 250 ms init, fixed keep-alive `keep_alive`, simulated for `duration`,
/// 1,024 MB x86_64, timeout 15 min, account limit 1000, unlimited scaling.
pub fn simple_scenario(
    rate_per_s: f64,
    mean_ms: f64,
    keep_alive: &str,
    duration: &str,
) -> Scenario {
    Scenario {
        simulation: Simulation {
            duration: d(duration),
            warmup: SimTime::ZERO,
            seed: 1,
            replicates: 1,
        },
        account: Account {
            region: "us-east-1".into(),
            concurrency_limit: 1000,
            scaling: Scaling::Unlimited,
        },
        pricing: Pricing {
            billing_date: defaults::BILLING_DATE,
            bill_init: None,
            free_tier: false,
            granularity: defaults::GRANULARITY,
            granularity_explicit: false,
            rates: RateOverrides::default(),
        },
        functions: vec![simple_function("fn", rate_per_s, mean_ms, keep_alive)],
        slo: None,
    }
}

/// The function of [`simple_scenario`], named `name`.
pub fn simple_function(name: &str, rate_per_s: f64, mean_ms: f64, keep_alive: &str) -> Function {
    Function {
        name: name.into(),
        memory_mb: 1024,
        architecture: Architecture::X86_64,
        runtime: None,
        timeout: d("15m"),
        ephemeral_storage_mb: 512,
        reserved_concurrency: None,
        provisioned: vec![],
        invocation: InvocationType::Sync,
        arm64_speedup: 1.0,
        routing: Routing::Newest,
        arrivals: Arrivals {
            process: ArrivalProcess::Poisson { rate_per_s },
            start: SimTime::ZERO,
            end: SimTime::MAX,
        },
        duration: DurationModel::unscaled(Dist::Exp { mean_ms }, 1024),
        init: DurationModel::unscaled(Dist::Const { value_ms: 250.0 }, 1024),
        keep_alive: KeepAlive {
            policy: KeepAlivePolicy::Fixed {
                idle: d(keep_alive),
            },
            max_lifetime: None,
        },
        snapstart: false,
        restore: None,
        handler: None,
        calibration: None,
    }
}
