//! Concurrency limits: `[account]` (region, account concurrency, scaling rate), a function's
//! `reserved-concurrency`, and the checks across functions (reservations within the account).

use serde::Deserialize;

use crate::config::hints::choice_hint;
use crate::config::raw::{Integer, Text};
use crate::config::values::Validator;
use crate::model::{Account, MIN_UNRESERVED, ProvisionedWindow, Scaling};

/// Default `[account] region`.
pub const REGION: &str = "us-east-1";
/// Default `[account] concurrency-limit`.
pub const CONCURRENCY_LIMIT: u32 = 1000;

/// `[account]` as written.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Raw {
    /// `region = "us-east-1"`.
    pub region: Option<Text>,
    /// `concurrency-limit = 1000`.
    pub concurrency_limit: Option<Integer>,
    /// `scaling = "per-function"`.
    pub scaling: Option<Text>,
}

/// A function's fields needed by the cross-function checks.
#[derive(Clone, Copy)]
pub(crate) struct Limits {
    pub(crate) reserved: Option<u32>,
    pub(crate) max_provisioned: u32,
    /// The key that sets `max_provisioned`, for its errors: `provisioned-concurrency` or
    /// `provisioned-autoscaling.max`.
    pub(crate) provisioned_key: &'static str,
}

pub(crate) fn account(v: &mut Validator, raw: Raw) -> Option<Account> {
    let region = match v.text("account.region", &raw.region) {
        None => raw.region.is_none().then(|| REGION.to_string()),
        Some(r) if crate::cost::PriceBook::for_region(&r).is_some() => Some(r),
        Some(r) if looks_like_region(&r) => {
            let close = crate::cost::closest_regions(&r);
            let hint = if close.is_empty() {
                "lamsim has a price book for the commercial AWS regions (see docs/pricing.md)"
                    .to_string()
            } else {
                format!(
                    "did you mean {}?",
                    close
                        .iter()
                        .map(|c| format!("\"{c}\""))
                        .collect::<Vec<_>>()
                        .join(" or ")
                )
            };
            v.err(
                "account.region",
                format!("unknown region \"{r}\""),
                Some(hint),
            );
            None
        }
        Some(r) => {
            v.err(
                "account.region",
                format!("\"{r}\" does not look like an AWS region"),
                Some("write a region code such as \"us-east-1\" or \"eu-west-1\"".into()),
            );
            None
        }
    };
    let limit = match &raw.concurrency_limit {
        None => Some(CONCURRENCY_LIMIT),
        Some(_) => v.int_range(
            "account.concurrency-limit",
            &raw.concurrency_limit,
            1,
            u32::MAX,
        ),
    };
    const SCALING: [&str; 3] = ["per-function", "legacy-burst", "unlimited"];
    let scaling = match v.text("account.scaling", &raw.scaling).as_deref() {
        None => raw.scaling.is_none().then_some(Scaling::PerFunction),
        Some("per-function") => Some(Scaling::PerFunction),
        Some("legacy-burst") => Some(Scaling::LegacyBurst),
        Some("unlimited") => Some(Scaling::Unlimited),
        Some(other) => {
            v.err(
                "account.scaling",
                format!("unknown scaling \"{other}\""),
                Some(choice_hint(other, &SCALING)),
            );
            None
        }
    };
    Some(Account {
        region: region?,
        concurrency_limit: limit?,
        scaling: scaling?,
    })
}

/// A function's `reserved-concurrency` (`path`): zero or more.
pub(crate) fn reserved(v: &mut Validator, path: &str, raw: &Option<Integer>) -> Option<u32> {
    v.int_range(path, raw, 0, u32::MAX)
}

/// Provisioned concurrency counts against the function's reservation.
pub(crate) fn provisioned_within_reserved(
    v: &mut Validator,
    path: &str,
    reserved: Option<u32>,
    provisioned: Option<&Vec<ProvisionedWindow>>,
) {
    if let (Some(res), Some(windows)) = (reserved, provisioned) {
        let max = windows.iter().map(|w| w.count).max().unwrap_or(0);
        if max > res {
            v.err(
                path,
                format!("{max} provisioned environments exceed reserved-concurrency = {res}"),
                Some("provisioned concurrency counts against the function's reservation: raise reserved-concurrency or lower the count".into()),
            );
        }
    }
}

/// The checks across functions: each reservation and provisioned count within the account's
/// limit, and the reservations leaving [`MIN_UNRESERVED`] of it unreserved.
pub(crate) fn concurrency(v: &mut Validator, acc: &Account, limits: &[Limits]) {
    let limit = acc.concurrency_limit;
    for (i, l) in limits.iter().enumerate() {
        if let Some(r) = l.reserved
            && r > limit
        {
            v.err(
                &format!("function[{i}].reserved-concurrency"),
                format!("{r} exceeds account.concurrency-limit = {limit}"),
                None,
            );
        }
        if l.max_provisioned > limit {
            v.err(
                &format!("function[{i}].{}", l.provisioned_key),
                format!(
                    "{} exceeds account.concurrency-limit = {limit}",
                    l.max_provisioned
                ),
                None,
            );
        }
    }
    let total: u64 = limits
        .iter()
        .filter_map(|l| l.reserved)
        .map(u64::from)
        .sum();
    let allowed = limit.saturating_sub(MIN_UNRESERVED) as u64;
    if limits.iter().any(|l| l.reserved.is_some()) && total > allowed {
        let (i, _) = limits
            .iter()
            .enumerate()
            .rfind(|(_, l)| l.reserved.is_some())
            .unwrap_or((0, &limits[0]));
        v.err(
            &format!("function[{i}].reserved-concurrency"),
            format!(
                "reservations total {total}, more than account.concurrency-limit - 100 = {allowed}: AWS keeps 100 of the account's concurrency unreserved"
            ),
            Some("lower the reservations or raise account.concurrency-limit".into()),
        );
    }
}

/// `xx-name-N`, e.g. `us-east-1`, `ap-southeast-2`, `us-gov-west-1`.
fn looks_like_region(r: &str) -> bool {
    let parts: Vec<&str> = r.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts[0].chars().all(|c| c.is_ascii_lowercase())
        && parts[1..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
        && parts
            .last()
            .is_some_and(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions() {
        assert!(looks_like_region("us-east-1"));
        assert!(looks_like_region("us-gov-west-1"));
        assert!(looks_like_region("ap-southeast-2"));
        assert!(!looks_like_region("us-east"));
        assert!(!looks_like_region("US-EAST-1"));
        assert!(!looks_like_region("useast1"));
    }
}
