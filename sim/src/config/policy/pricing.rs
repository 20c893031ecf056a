//! `[pricing]`: billing date and rules, free tier, rounding, and `[pricing.rates]` overrides.

use serde::Deserialize;

use crate::config::hints::describe;
use crate::config::raw::{Bool, Duration, Number};
use crate::config::values::Validator;
use crate::model::{Date, Pricing, RateOverrides};
use crate::time::SimTime;

/// Default `[pricing] granularity`.
pub const GRANULARITY: SimTime = SimTime::from_millis(1);
/// Default `[pricing] billing-date`.
pub const BILLING_DATE: Date = Date {
    year: 2026,
    month: 1,
    day: 1,
};

/// `[pricing]` as written.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Raw {
    /// `billing-date = "2026-01-01"` (a string, or a TOML local date).
    pub billing_date: Option<toml::Value>,
    /// `bill-init = true`.
    pub bill_init: Option<Bool>,
    /// `free-tier = false`.
    pub free_tier: Option<Bool>,
    /// `granularity = "1ms"`.
    pub granularity: Option<Duration>,
    /// `[pricing.rates]`.
    pub rates: Option<Rates>,
}

/// `[pricing.rates]`, USD.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Rates {
    /// Per request.
    pub request: Option<Number>,
    /// Per GB-s, x86_64.
    pub duration_x86: Option<Number>,
    /// Per GB-s, arm64.
    pub duration_arm64: Option<Number>,
    /// Per GB-s configured, x86_64.
    pub provisioned_x86: Option<Number>,
    /// Per GB-s configured, arm64.
    pub provisioned_arm64: Option<Number>,
    /// Per GB-s used on provisioned environments, x86_64.
    pub provisioned_duration_x86: Option<Number>,
    /// Per GB-s used on provisioned environments, arm64.
    pub provisioned_duration_arm64: Option<Number>,
    /// Per GB-s of ephemeral storage above 512 MB.
    pub ephemeral: Option<Number>,
    /// Per GB-s of SnapStart cache.
    pub snapstart_cache: Option<Number>,
    /// Per GB restored.
    pub snapstart_restore: Option<Number>,
}

pub(crate) fn check(v: &mut Validator, raw: Raw) -> Option<Pricing> {
    let billing_date = match &raw.billing_date {
        None => Some(BILLING_DATE),
        Some(x) => {
            let text = match x {
                toml::Value::String(s) => Some(s.clone()),
                toml::Value::Datetime(d) => Some(d.to_string()),
                _ => None,
            };
            match text.as_deref().and_then(parse_date) {
                Some(d) => Some(d),
                None => {
                    v.err(
                        "pricing.billing-date",
                        format!("expected a date YYYY-MM-DD, found {}", describe(x)),
                        Some("write e.g. \"2026-01-01\"".into()),
                    );
                    None
                }
            }
        }
    };
    let bill_init = v.boolean("pricing.bill-init", &raw.bill_init);
    let bill_init_ok = raw.bill_init.is_none() || bill_init.is_some();
    let free_tier = v.boolean("pricing.free-tier", &raw.free_tier);
    let free_tier_ok = raw.free_tier.is_none() || free_tier.is_some();
    let granularity = match &raw.granularity {
        None => Some(GRANULARITY),
        Some(_) => v.positive_duration("pricing.granularity", &raw.granularity),
    };
    let r = raw.rates.unwrap_or_default();
    let mut ok = true;
    let mut rate = |v: &mut Validator, key: &str, x: &Option<Number>| -> Option<f64> {
        let path = format!("pricing.rates.{key}");
        let out = v.number_where(&path, x, |x| x >= 0.0, "zero or positive (USD)");
        ok &= x.is_none() || out.is_some();
        out
    };
    let rates = RateOverrides {
        request: rate(v, "request", &r.request),
        duration_x86: rate(v, "duration-x86", &r.duration_x86),
        duration_arm64: rate(v, "duration-arm64", &r.duration_arm64),
        provisioned_x86: rate(v, "provisioned-x86", &r.provisioned_x86),
        provisioned_arm64: rate(v, "provisioned-arm64", &r.provisioned_arm64),
        provisioned_duration_x86: rate(v, "provisioned-duration-x86", &r.provisioned_duration_x86),
        provisioned_duration_arm64: rate(
            v,
            "provisioned-duration-arm64",
            &r.provisioned_duration_arm64,
        ),
        ephemeral: rate(v, "ephemeral", &r.ephemeral),
        snapstart_cache: rate(v, "snapstart-cache", &r.snapstart_cache),
        snapstart_restore: rate(v, "snapstart-restore", &r.snapstart_restore),
    };
    if !(ok && bill_init_ok && free_tier_ok) {
        return None;
    }
    let billing_date = billing_date?;
    // Resolve the granularity the billing date implies, so the resolved file repeats it.
    let implied = Pricing {
        billing_date,
        bill_init,
        free_tier: false,
        granularity: granularity?,
        granularity_explicit: raw.granularity.is_some(),
        rates: RateOverrides::default(),
    };
    Some(Pricing {
        billing_date,
        bill_init,
        free_tier: free_tier.unwrap_or(false),
        granularity: crate::cost::effective_granularity(&implied),
        granularity_explicit: true,
        rates,
    })
}

/// `YYYY-MM-DD` with a real day of the month.
pub fn parse_date(s: &str) -> Option<Date> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year: u16 = s[0..4].parse().ok()?;
    let month: u8 = s[5..7].parse().ok()?;
    let day: u8 = s[8..10].parse().ok()?;
    // The calendar (month lengths, leap years) is chrono's, as for schedule expressions.
    chrono::NaiveDate::from_ymd_opt(year.into(), month.into(), day.into())?;
    Some(Date { year, month, day })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(
            parse_date("2024-02-29"),
            Some(Date {
                year: 2024,
                month: 2,
                day: 29
            })
        );
        assert_eq!(parse_date("2025-02-29"), None);
        assert_eq!(parse_date("2100-02-29"), None);
        assert!(parse_date("2000-02-29").is_some());
        assert_eq!(parse_date("2026-04-31"), None);
        assert_eq!(parse_date("2026-04-00"), None);
        assert_eq!(parse_date("2026-13-01"), None);
        assert_eq!(parse_date("2026-1-01"), None);
    }
}
