//! Billing rules that depend on the billing date and the function's configuration.

use crate::model::{Date, Function, Pricing};
use crate::time::SimTime;

/// From this date AWS bills duration in 1 ms increments (before: 100 ms).
pub const ONE_MS_BILLING_FROM: Date = Date {
    year: 2020,
    month: 12,
    day: 1,
};

/// From this date AWS bills the INIT phase of every on-demand environment (before: only
/// custom runtimes and container images).
pub const INIT_BILLED_FROM: Date = Date {
    year: 2025,
    month: 8,
    day: 1,
};

/// The granularity to which the engine rounds each billed duration: `[pricing] granularity`
/// when the file sets it, else 100 ms for a `billing-date` before 2020-12-01 and 1 ms after.
pub fn effective_granularity(pricing: &Pricing) -> SimTime {
    if !pricing.granularity_explicit && pricing.billing_date < ONE_MS_BILLING_FROM {
        SimTime::from_millis(100)
    } else {
        pricing.granularity
    }
}

/// Parses `<prefix><major>[.<minor>…]` into the major version.
fn major_after(runtime: &str, prefix: &str) -> Option<u32> {
    let rest = runtime.strip_prefix(prefix)?;
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    digits.parse().ok()
}

/// `python3.<minor>` → minor.
fn python3_minor(runtime: &str) -> Option<u32> {
    major_after(runtime, "python3.")
}

/// True for the runtimes that support SnapStart: Java (`java11` and later), Python 3.12+ and
/// .NET 8+ (`dotnet8` and later) as managed runtimes — not a .NET Native AOT build (a
/// `dotnet8:aot`-style profile id or any `:` variant), which runs as a custom runtime. The one
/// answer for the config validator (`snapstart = true` with another runtime is an error) and
/// the cost engine.
pub fn snapstart_supported(runtime: &str) -> bool {
    let r = runtime.trim().to_ascii_lowercase();
    if let Some(v) = major_after(&r, "java") {
        return v >= 11;
    }
    if let Some(m) = python3_minor(&r) {
        return m >= 12;
    }
    if let Some(v) = major_after(&r, "dotnet") {
        return v >= 8 && !r.contains("aot") && !r.contains(':');
    }
    false
}

/// True when SnapStart cache and restores are charged for this runtime: every supported
/// runtime but Java (free), and a function without a `runtime` (charged, the conservative
/// choice).
pub fn snapstart_charged(runtime: Option<&str>) -> bool {
    match runtime {
        Some(r) => !r.trim().to_ascii_lowercase().starts_with("java"),
        None => true,
    }
}

/// The billing rules of a run, from `[pricing]`.
#[derive(Clone, Debug, PartialEq)]
pub struct BillingRules {
    /// `billing-date`.
    pub billing_date: Date,
    /// `bill-init`: `Some` overrides what the billing date implies.
    pub bill_init: Option<bool>,
    /// `free-tier`: the always-free monthly allowances: Lambda's 1 M requests and 400,000
    /// GB-s, SQS's 1 M requests and CloudWatch Logs' 5 GB (not the 12-month API Gateway and
    /// ALB offers for new accounts).
    pub free_tier: bool,
}

impl BillingRules {
    /// The rules of `[pricing]`.
    pub fn from_pricing(p: &Pricing) -> Self {
        BillingRules {
            billing_date: p.billing_date,
            bill_init: p.bill_init,
            free_tier: p.free_tier,
        }
    }

    /// Whether the INIT phase of `f`'s on-demand environments is billed as duration: the
    /// `bill-init` override when set; else always from 2025-08-01, and before that only for
    /// custom runtimes (`runtime` starting with `provided`). Container images (also billed
    /// before 2025-08-01) are not modelled.
    pub fn bills_init(&self, f: &Function) -> bool {
        if let Some(b) = self.bill_init {
            return b;
        }
        self.billing_date >= INIT_BILLED_FROM
            || f.runtime
                .as_deref()
                .is_some_and(|r| r.trim().starts_with("provided"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RateOverrides;

    fn pricing(date: Date, granularity_ms: u64, explicit: bool) -> Pricing {
        Pricing {
            billing_date: date,
            bill_init: None,
            free_tier: false,
            granularity: SimTime::from_millis(granularity_ms),
            granularity_explicit: explicit,
            rates: RateOverrides::default(),
        }
    }

    const D2019: Date = Date {
        year: 2019,
        month: 6,
        day: 1,
    };
    const D2026: Date = Date {
        year: 2026,
        month: 1,
        day: 1,
    };

    #[test]
    fn granularity_is_100ms_before_december_2020_unless_set() {
        assert_eq!(
            effective_granularity(&pricing(D2019, 1, false)),
            SimTime::from_millis(100)
        );
        assert_eq!(
            effective_granularity(&pricing(D2019, 1, true)),
            SimTime::from_millis(1)
        );
        assert_eq!(
            effective_granularity(&pricing(D2026, 1, false)),
            SimTime::from_millis(1)
        );
        assert_eq!(
            effective_granularity(&pricing(D2026, 100, true)),
            SimTime::from_millis(100)
        );
        let eve = Date {
            year: 2020,
            month: 11,
            day: 30,
        };
        assert_eq!(
            effective_granularity(&pricing(eve, 1, false)),
            SimTime::from_millis(100)
        );
        assert_eq!(
            effective_granularity(&pricing(ONE_MS_BILLING_FROM, 1, false)),
            SimTime::from_millis(1)
        );
    }

    #[test]
    fn snapstart_runtimes() {
        for r in [
            "java11",
            "java17",
            "java21",
            "python3.12",
            "python3.13",
            "dotnet8",
            "dotnet10",
            "Java21",
            " python3.13 ",
        ] {
            assert!(snapstart_supported(r), "{r}");
        }
        for r in [
            "dotnet8:aot",
            "dotnet8-aot",
            "provided.al2023:rust",
            "python3.11",
            "python3.9",
            "nodejs22.x",
            "dotnet6",
            "provided.al2023",
            "ruby3.3",
            "java8.al2",
        ] {
            assert!(!snapstart_supported(r), "{r}");
        }
        assert!(!snapstart_charged(Some("java21")));
        assert!(snapstart_charged(Some("python3.13")));
        assert!(snapstart_charged(None));
    }
}
