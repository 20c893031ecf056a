//! The price book: per-region rates, embedded from `sim/data/prices/regions.toml`.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

use super::AdjacentPrices;
use crate::model::{Architecture, RateOverrides};

/// The embedded price data (sources in the file's header and in `docs/pricing.md`).
const REGIONS_TOML: &str = include_str!("../../data/prices/regions.toml");

/// The region whose table every other region inherits.
pub const BASE_REGION: &str = "us-east-1";

/// Every region the price book knows, in the order of `regions.toml`'s groups (a unit test
/// checks that this list and the file agree). AWS GovCloud and the China regions are not
/// included: they are priced separately (China in CNY).
const KNOWN_REGIONS: &[&str] = &[
    "us-east-1",
    "af-south-1",
    "ap-east-1",
    "eu-south-1",
    "me-south-1",
    "me-central-1",
    "ap-south-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-northeast-1",
    "eu-central-1",
    "eu-west-1",
    "eu-west-2",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "ap-east-2",
    "ap-south-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-7",
    "ap-northeast-2",
    "ap-northeast-3",
    "ca-central-1",
    "ca-west-1",
    "eu-central-2",
    "eu-west-3",
    "eu-south-2",
    "eu-north-1",
    "il-central-1",
    "mx-central-1",
    "sa-east-1",
];

/// The regions the price book knows (`[account] region` must be one of them).
pub fn known_regions() -> &'static [&'static str] {
    KNOWN_REGIONS
}

/// Up to three known regions closest to `region` (by edit distance, at most 4 edits), closest
/// first: the hint for an unknown `[account] region`.
pub fn closest_regions(region: &str) -> Vec<&'static str> {
    let wanted = region.trim().to_ascii_lowercase();
    let mut scored: Vec<(usize, &'static str)> = KNOWN_REGIONS
        .iter()
        .map(|r| (strsim::levenshtein(&wanted, r), *r))
        .filter(|(d, _)| *d <= 4)
        .collect();
    scored.sort();
    scored.into_iter().take(3).map(|(_, r)| r).collect()
}

/// An `[account] region` the price book does not know.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("account.region: unknown region \"{region}\"{}", hint(suggestions))]
pub struct UnknownRegion {
    /// The region as written.
    pub region: String,
    /// Close matches among [`known_regions`] (may be empty).
    pub suggestions: Vec<&'static str>,
}

fn hint(suggestions: &[&str]) -> String {
    if suggestions.is_empty() {
        " (hint: use an AWS region code such as \"us-east-1\"; GovCloud and China regions are not priced)".to_string()
    } else {
        format!(
            " (hint: did you mean {}?)",
            suggestions
                .iter()
                .map(|s| format!("\"{s}\""))
                .collect::<Vec<_>>()
                .join(" or ")
        )
    }
}

/// A value for each architecture.
#[derive(Clone, Debug, PartialEq)]
pub struct PerArch<T> {
    /// `x86_64`.
    pub x86_64: T,
    /// `arm64`.
    pub arm64: T,
}

impl<T> PerArch<T> {
    /// The value for `arch`.
    pub fn get(&self, arch: Architecture) -> &T {
        match arch {
            Architecture::X86_64 => &self.x86_64,
            Architecture::Arm64 => &self.arm64,
        }
    }
}

/// Graduated monthly tiers: `rates[i]` applies to the part of the monthly aggregate between
/// `bounds[i - 1]` (0 for the first tier) and `bounds[i]` (unbounded for the last), in the
/// unit the rates are priced in (GB-s for Lambda duration, requests for API Gateway and SQS,
/// GB for CloudWatch Logs).
#[derive(Clone, Debug, PartialEq)]
pub struct Tiers {
    /// USD per GB-s of each tier (at least one).
    pub rates: Vec<f64>,
    /// Monthly upper bounds (cumulative, in the rates' unit) of every tier but the last,
    /// increasing.
    pub bounds: Vec<f64>,
}

impl Tiers {
    /// Cost of `amount` units when every tier boundary is multiplied by `scale` (1 for a
    /// month, `window / 30 days` for a shorter window).
    pub fn cost(&self, amount: f64, scale: f64) -> f64 {
        let mut cost = 0.0;
        let mut lower = 0.0;
        for (i, rate) in self.rates.iter().enumerate() {
            let upper = self.bounds.get(i).map_or(f64::INFINITY, |b| b * scale);
            if amount <= lower {
                break;
            }
            cost += (amount.min(upper) - lower) * rate;
            lower = upper;
        }
        cost
    }

    /// The first-tier rate.
    pub fn first(&self) -> f64 {
        self.rates[0]
    }

    /// The same tiers with every rate multiplied so that the first is `first` (keeps the
    /// tier discounts when the first-tier rate is overridden).
    fn with_first(&self, first: f64) -> Tiers {
        let f = if self.rates[0] > 0.0 {
            first / self.rates[0]
        } else {
            1.0
        };
        Tiers {
            rates: std::iter::once(first)
                .chain(self.rates[1..].iter().map(|r| r * f))
                .collect(),
            bounds: self.bounds.clone(),
        }
    }
}

/// The Lambda rates of one region, in USD.
#[derive(Clone, Debug, PartialEq)]
pub struct PriceBook {
    /// Region code, e.g. `us-east-1`.
    pub region: String,
    /// Per request (both architectures).
    pub request: f64,
    /// On-demand duration, tiered on the month's aggregate GB-s per architecture.
    pub duration: PerArch<Tiers>,
    /// Per GB-s of provisioned concurrency configured.
    pub provisioned: PerArch<f64>,
    /// Per GB-s of duration on provisioned environments.
    pub provisioned_duration: PerArch<f64>,
    /// Per GB-s of ephemeral storage above the free 512 MB (over billed duration).
    pub ephemeral: f64,
    /// Per GB-s of SnapStart cache.
    pub snapstart_cache: f64,
    /// Per GB restored by SnapStart.
    pub snapstart_restore: f64,
    /// The services beside Lambda (API Gateway, ALB, SQS, CloudWatch Logs): the us-east-1
    /// list prices in every region ([`AdjacentPrices::us_east_1`]).
    pub adjacent: AdjacentPrices,
}

/// One region's table in `regions.toml` (absent rates are inherited from `us-east-1`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawRegion {
    #[allow(dead_code)]
    name: String,
    #[allow(dead_code)]
    source: Option<String>,
    request: Option<f64>,
    duration_x86: Option<Vec<f64>>,
    duration_x86_tiers_gb_s: Option<Vec<f64>>,
    duration_arm64: Option<Vec<f64>>,
    duration_arm64_tiers_gb_s: Option<Vec<f64>>,
    provisioned_x86: Option<f64>,
    provisioned_arm64: Option<f64>,
    provisioned_duration_x86: Option<f64>,
    provisioned_duration_arm64: Option<f64>,
    ephemeral: Option<f64>,
    snapstart_cache: Option<f64>,
    snapstart_restore: Option<f64>,
}

/// Parses the price data; every problem is a message (the embedded file is checked by a test,
/// so this never fails in a build that passed its tests).
fn parse_books(text: &str) -> Result<BTreeMap<String, PriceBook>, String> {
    let raw: BTreeMap<String, RawRegion> =
        toml::from_str(text).map_err(|e| format!("regions.toml: {e}"))?;
    let base = raw
        .get(BASE_REGION)
        .ok_or_else(|| format!("regions.toml: no [\"{BASE_REGION}\"] table"))?;
    let need = |v: Option<f64>, key: &str| {
        v.ok_or_else(|| format!("regions.toml: {BASE_REGION}.{key} is missing"))
    };
    let need_v = |v: &Option<Vec<f64>>, key: &str| {
        v.clone()
            .ok_or_else(|| format!("regions.toml: {BASE_REGION}.{key} is missing"))
    };
    let base_book = PriceBook {
        region: BASE_REGION.to_string(),
        request: need(base.request, "request")?,
        duration: PerArch {
            x86_64: Tiers {
                rates: need_v(&base.duration_x86, "duration-x86")?,
                bounds: need_v(&base.duration_x86_tiers_gb_s, "duration-x86-tiers-gb-s")?,
            },
            arm64: Tiers {
                rates: need_v(&base.duration_arm64, "duration-arm64")?,
                bounds: need_v(&base.duration_arm64_tiers_gb_s, "duration-arm64-tiers-gb-s")?,
            },
        },
        provisioned: PerArch {
            x86_64: need(base.provisioned_x86, "provisioned-x86")?,
            arm64: need(base.provisioned_arm64, "provisioned-arm64")?,
        },
        provisioned_duration: PerArch {
            x86_64: need(base.provisioned_duration_x86, "provisioned-duration-x86")?,
            arm64: need(
                base.provisioned_duration_arm64,
                "provisioned-duration-arm64",
            )?,
        },
        ephemeral: need(base.ephemeral, "ephemeral")?,
        snapstart_cache: need(base.snapstart_cache, "snapstart-cache")?,
        snapstart_restore: need(base.snapstart_restore, "snapstart-restore")?,
        adjacent: AdjacentPrices::us_east_1(),
    };
    let mut books = BTreeMap::new();
    for (code, r) in &raw {
        let b = &base_book;
        let book = PriceBook {
            region: code.clone(),
            request: r.request.unwrap_or(b.request),
            duration: PerArch {
                x86_64: Tiers {
                    rates: r
                        .duration_x86
                        .clone()
                        .unwrap_or(b.duration.x86_64.rates.clone()),
                    bounds: r
                        .duration_x86_tiers_gb_s
                        .clone()
                        .unwrap_or(b.duration.x86_64.bounds.clone()),
                },
                arm64: Tiers {
                    rates: r
                        .duration_arm64
                        .clone()
                        .unwrap_or(b.duration.arm64.rates.clone()),
                    bounds: r
                        .duration_arm64_tiers_gb_s
                        .clone()
                        .unwrap_or(b.duration.arm64.bounds.clone()),
                },
            },
            provisioned: PerArch {
                x86_64: r.provisioned_x86.unwrap_or(b.provisioned.x86_64),
                arm64: r.provisioned_arm64.unwrap_or(b.provisioned.arm64),
            },
            provisioned_duration: PerArch {
                x86_64: r
                    .provisioned_duration_x86
                    .unwrap_or(b.provisioned_duration.x86_64),
                arm64: r
                    .provisioned_duration_arm64
                    .unwrap_or(b.provisioned_duration.arm64),
            },
            ephemeral: r.ephemeral.unwrap_or(b.ephemeral),
            snapstart_cache: r.snapstart_cache.unwrap_or(b.snapstart_cache),
            snapstart_restore: r.snapstart_restore.unwrap_or(b.snapstart_restore),
            adjacent: b.adjacent.clone(),
        };
        check_book(&book)?;
        books.insert(code.clone(), book);
    }
    Ok(books)
}

/// Rejects a table that could not be priced: no tier, bounds not one fewer than rates or not
/// increasing, negative or non-finite rates.
fn check_book(b: &PriceBook) -> Result<(), String> {
    let r = &b.region;
    for (arch, t) in [("x86", &b.duration.x86_64), ("arm64", &b.duration.arm64)] {
        if t.rates.is_empty() || t.bounds.len() + 1 != t.rates.len() {
            return Err(format!(
                "regions.toml: {r}.duration-{arch} needs one more rate than tier bounds"
            ));
        }
        if t.bounds.windows(2).any(|w| w[0] >= w[1]) || t.bounds.iter().any(|x| *x <= 0.0) {
            return Err(format!(
                "regions.toml: {r}.duration-{arch}-tiers-gb-s must increase"
            ));
        }
    }
    let all = [
        b.request,
        b.provisioned.x86_64,
        b.provisioned.arm64,
        b.provisioned_duration.x86_64,
        b.provisioned_duration.arm64,
        b.ephemeral,
        b.snapstart_cache,
        b.snapstart_restore,
    ];
    let tiers = b
        .duration
        .x86_64
        .rates
        .iter()
        .chain(&b.duration.arm64.rates);
    if all.iter().chain(tiers).any(|x| !x.is_finite() || *x < 0.0) {
        return Err(format!(
            "regions.toml: {r}: every rate must be a finite number >= 0"
        ));
    }
    Ok(())
}

fn books() -> &'static BTreeMap<String, PriceBook> {
    static BOOKS: OnceLock<BTreeMap<String, PriceBook>> = OnceLock::new();
    BOOKS.get_or_init(|| {
        // The embedded file is fixed at build time and checked by `embedded_price_book_parses`.
        parse_books(REGIONS_TOML).expect("the embedded sim/data/prices/regions.toml is valid")
    })
}

impl PriceBook {
    /// The published rates of `region` (e.g. `"eu-west-1"`), or `None` for a region the book
    /// does not know (see [`known_regions`]).
    pub fn for_region(region: &str) -> Option<PriceBook> {
        books().get(region).cloned()
    }

    /// Like [`PriceBook::for_region`], with an error that names close matches.
    pub fn lookup(region: &str) -> Result<PriceBook, UnknownRegion> {
        PriceBook::for_region(region).ok_or_else(|| UnknownRegion {
            region: region.to_string(),
            suggestions: closest_regions(region),
        })
    }

    /// The us-east-1 rates.
    pub fn us_east_1() -> PriceBook {
        books()[BASE_REGION].clone()
    }

    /// This book with the `[pricing.rates]` overrides applied. An overridden first-tier
    /// duration rate scales the higher tiers by the same factor (the tier discounts are kept).
    pub fn with_overrides(&self, o: &RateOverrides) -> PriceBook {
        let mut b = self.clone();
        if let Some(v) = o.request {
            b.request = v;
        }
        if let Some(v) = o.duration_x86 {
            b.duration.x86_64 = b.duration.x86_64.with_first(v);
        }
        if let Some(v) = o.duration_arm64 {
            b.duration.arm64 = b.duration.arm64.with_first(v);
        }
        let set = |slot: &mut f64, v: Option<f64>| {
            if let Some(v) = v {
                *slot = v;
            }
        };
        set(&mut b.provisioned.x86_64, o.provisioned_x86);
        set(&mut b.provisioned.arm64, o.provisioned_arm64);
        set(
            &mut b.provisioned_duration.x86_64,
            o.provisioned_duration_x86,
        );
        set(
            &mut b.provisioned_duration.arm64,
            o.provisioned_duration_arm64,
        );
        set(&mut b.ephemeral, o.ephemeral);
        set(&mut b.snapstart_cache, o.snapstart_cache);
        set(&mut b.snapstart_restore, o.snapstart_restore);
        b
    }
}

/// The `[pricing.rates]` keys whose override is negative or not a finite number, for the
/// config validator (each is an error at `pricing.rates.<key>`).
pub fn invalid_overrides(o: &RateOverrides) -> Vec<&'static str> {
    [
        ("request", o.request),
        ("duration-x86", o.duration_x86),
        ("duration-arm64", o.duration_arm64),
        ("provisioned-x86", o.provisioned_x86),
        ("provisioned-arm64", o.provisioned_arm64),
        ("provisioned-duration-x86", o.provisioned_duration_x86),
        ("provisioned-duration-arm64", o.provisioned_duration_arm64),
        ("ephemeral", o.ephemeral),
        ("snapstart-cache", o.snapstart_cache),
        ("snapstart-restore", o.snapstart_restore),
    ]
    .into_iter()
    .filter(|(_, v)| v.is_some_and(|v| !v.is_finite() || v < 0.0))
    .map(|(k, _)| k)
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_price_book_parses_and_lists_exactly_the_known_regions() {
        let books = parse_books(REGIONS_TOML).unwrap();
        let mut in_file: Vec<&str> = books.keys().map(String::as_str).collect();
        let mut known = KNOWN_REGIONS.to_vec();
        in_file.sort();
        known.sort();
        assert_eq!(in_file, known);
    }

    #[test]
    fn us_east_1_has_the_published_rates() {
        let b = PriceBook::for_region("us-east-1").unwrap();
        assert_eq!(b.request, 0.0000002);
        assert_eq!(
            b.duration.x86_64.rates,
            vec![0.0000166667, 0.0000150000, 0.0000133334]
        );
        assert_eq!(b.duration.x86_64.bounds, vec![6e9, 15e9]);
        assert_eq!(
            b.duration.arm64.rates,
            vec![0.0000133334, 0.0000120001, 0.0000106667]
        );
        assert_eq!(b.duration.arm64.bounds, vec![7.5e9, 18.75e9]);
        assert_eq!(b.provisioned.x86_64, 0.0000041667);
        assert_eq!(b.provisioned.arm64, 0.0000033334);
        assert_eq!(b.provisioned_duration.x86_64, 0.0000097222);
        assert_eq!(b.provisioned_duration.arm64, 0.0000077778);
        assert_eq!(b.ephemeral, 0.0000000309);
        assert_eq!(b.snapstart_cache, 0.0000015046);
        assert_eq!(b.snapstart_restore, 0.0001397998);
    }

    #[test]
    fn regions_inherit_what_they_do_not_list() {
        let cpt = PriceBook::for_region("af-south-1").unwrap();
        let use1 = PriceBook::us_east_1();
        assert_eq!(cpt.duration.x86_64.first(), 0.0000221);
        assert_eq!(cpt.duration.arm64.first(), 0.00001768);
        assert_eq!(cpt.duration.x86_64.bounds, use1.duration.x86_64.bounds);
        assert_eq!(cpt.request, use1.request);
        let dub = PriceBook::for_region("eu-west-1").unwrap();
        assert_eq!(dub.duration, use1.duration);
        assert_eq!(dub.provisioned.x86_64, 0.000004646);
        assert_eq!(dub.ephemeral, 0.000000034);
        let ohio = PriceBook::for_region("us-east-2").unwrap();
        assert_eq!(
            ohio,
            PriceBook {
                region: "us-east-2".into(),
                ..use1
            }
        );
    }

    #[test]
    fn unknown_region_suggests_close_matches() {
        assert!(PriceBook::for_region("us-east-9000").is_none());
        let e = PriceBook::lookup("us-est-1").unwrap_err();
        assert_eq!(e.suggestions[0], "us-east-1");
        assert!(e.to_string().contains("did you mean \"us-east-1\""), "{e}");
        assert!(e.to_string().starts_with("account.region"));
        let e = PriceBook::lookup("mars-north-7-xyzzy").unwrap_err();
        assert!(e.suggestions.is_empty());
        assert!(e.to_string().contains("hint"));
    }

    #[test]
    fn overrides_replace_rates_and_scale_higher_tiers() {
        let o = RateOverrides {
            request: Some(0.0000003),
            duration_x86: Some(0.00002),
            provisioned_arm64: Some(0.000001),
            snapstart_restore: Some(0.0002),
            ..RateOverrides::default()
        };
        let b = PriceBook::us_east_1().with_overrides(&o);
        assert_eq!(b.request, 0.0000003);
        assert_eq!(b.duration.x86_64.rates[0], 0.00002);
        let f = 0.00002 / 0.0000166667;
        assert!((b.duration.x86_64.rates[1] - 0.000015 * f).abs() < 1e-15);
        assert!((b.duration.x86_64.rates[2] - 0.0000133334 * f).abs() < 1e-15);
        assert_eq!(b.duration.arm64, PriceBook::us_east_1().duration.arm64);
        assert_eq!(b.provisioned.arm64, 0.000001);
        assert_eq!(b.provisioned.x86_64, 0.0000041667);
        assert_eq!(b.snapstart_restore, 0.0002);
        assert_eq!(
            PriceBook::us_east_1().with_overrides(&RateOverrides::default()),
            PriceBook::us_east_1()
        );
    }

    #[test]
    fn invalid_overrides_are_named_by_key() {
        let o = RateOverrides {
            request: Some(-0.1),
            ephemeral: Some(f64::NAN),
            snapstart_cache: Some(0.0),
            duration_arm64: Some(0.00001),
            ..RateOverrides::default()
        };
        assert_eq!(invalid_overrides(&o), vec!["request", "ephemeral"]);
        assert!(invalid_overrides(&RateOverrides::default()).is_empty());
    }

    #[test]
    fn tiers_cost_crosses_boundaries() {
        let t = Tiers {
            rates: vec![3.0, 2.0, 1.0],
            bounds: vec![10.0, 30.0],
        };
        assert_eq!(t.cost(0.0, 1.0), 0.0);
        assert_eq!(t.cost(5.0, 1.0), 15.0);
        assert_eq!(t.cost(10.0, 1.0), 30.0);
        assert_eq!(t.cost(20.0, 1.0), 30.0 + 20.0);
        assert_eq!(t.cost(40.0, 1.0), 30.0 + 40.0 + 10.0);
        // Boundaries halved: 5 at 3, 10 at 2, the rest at 1.
        assert_eq!(t.cost(20.0, 0.5), 15.0 + 20.0 + 5.0);
    }

    #[test]
    fn bad_tables_are_rejected() {
        let base = REGIONS_TOML.split("# Regions whose").next().unwrap();
        assert!(parse_books(base).is_ok());
        let bad = base.replace(
            "duration-x86-tiers-gb-s = [6_000_000_000.0, 15_000_000_000.0]",
            "duration-x86-tiers-gb-s = [6_000_000_000.0]",
        );
        assert!(parse_books(&bad).unwrap_err().contains("one more rate"));
        let bad = base.replace("ephemeral = 0.0000000309", "ephemeral = -1.0");
        assert!(parse_books(&bad).unwrap_err().contains(">= 0"));
        let bad = format!("{base}\n[\"x-1\"]\nname = \"X\"\ntypo = 1\n");
        assert!(parse_books(&bad).is_err());
    }
}
