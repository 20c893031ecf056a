//! Built-in cold-start (init duration) profiles, measured by lambda-perf.
//!
//! The table `sim/data/cold-start-profiles.csv` is derived from maxday/lambda-perf (Apache-2.0,
//! daily forced cold starts of a minimal handler per runtime, package type, architecture and
//! memory size); see `sim/data/PROVENANCE.md`. Each row is a lognormal fit of up to ten Init
//! Durations. It is embedded in the binary, so nothing is read at run time.
//!
//! ```
//! use lamsim_sim::model::Architecture;
//! use lamsim_sim::profiles::init_profile;
//! let p = init_profile("python3.13", Architecture::X86_64, 1769).unwrap();
//! assert_eq!(p.reference_memory_mb, 1024); // the nearest measured memory size
//! assert_eq!(p.cpu_fraction, 0.0); // init does not scale with memory (see below)
//! ```
//!
//! **CPU fraction of init.** The measured init durations do not change with memory: from 128 to
//! 1024 MB (8× the CPU share) the medians of every runtime stay within a few percent (python3.13
//! zip x86_64: 90.7, 86.6, 85.4, 84.4 ms; java21 zip: 243, 239, 234, 235 ms), which matches AWS
//! running the init phase with a boosted CPU. Profiles therefore use `cpu_fraction = 0`: the
//! duration is taken as is at any memory size. A hello-world handler is the floor: user code
//! that imports more takes longer, so give `[function.init]` when you know better.

use std::sync::OnceLock;

use crate::model::{Architecture, Dist, DurationModel};

const TABLE: &str = include_str!("../data/cold-start-profiles.csv");

/// Runtime id of the profile used when a function names no `runtime`: every managed
/// (non-custom) runtime's zip measurements pooled, per architecture and memory.
pub const GENERIC: &str = "generic";

/// `cpu-fraction` of the built-in init profiles (init does not scale with memory; see the
/// module docs).
pub const INIT_CPU_FRACTION: f64 = 0.0;

/// Deployment package type; cold starts differ between the two.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PackageType {
    /// `"zip"` (default).
    Zip,
    /// `"image"` (container image).
    Image,
}

impl PackageType {
    /// The name used in workload files and in the table.
    pub fn as_str(self) -> &'static str {
        match self {
            PackageType::Zip => "zip",
            PackageType::Image => "image",
        }
    }
}

/// One measured configuration: a lognormal fit of its init durations.
#[derive(Clone, Debug, PartialEq)]
pub struct Profile {
    /// AWS runtime identifier (`python3.13`, `nodejs22.x`, `provided.al2023:rust`, `generic`).
    pub runtime: String,
    /// Package type measured.
    pub package: PackageType,
    /// Architecture measured.
    pub architecture: Architecture,
    /// Memory size measured, MB.
    pub memory_mb: u32,
    /// Number of init durations behind the fit.
    pub samples: u32,
    /// Mean of ln(init ms).
    pub mu: f64,
    /// Sample standard deviation of ln(init ms).
    pub sigma: f64,
    /// Sample mean of the init durations, ms.
    pub mean_ms: f64,
    /// lambda-perf's display name.
    pub display: String,
}

impl Profile {
    /// The fitted median, ms.
    pub fn median_ms(&self) -> f64 {
        self.mu.exp()
    }
}

/// A runtime with built-in profiles, for `lamsim runtimes`.
#[derive(Clone, Debug, PartialEq)]
pub struct RuntimeInfo {
    /// AWS runtime identifier to write as `runtime = "…"`.
    pub id: String,
    /// lambda-perf's display name.
    pub display: String,
    /// Architectures measured.
    pub architectures: Vec<Architecture>,
    /// Package types measured.
    pub packages: Vec<PackageType>,
    /// Memory sizes measured, MB.
    pub memory_mb: Vec<u32>,
    /// Median init of the zip package (image if there is no zip), x86_64 (arm64 if there is
    /// no x86_64) at the smallest memory, ms: a headline number for listings.
    pub median_init_ms: f64,
    /// lambda-perf's arm64 speed-up of the runtime ([`arm64_speedup`]), when measured.
    pub arm64_speedup: Option<Arm64Speedup>,
}

/// Every row of the embedded table.
pub fn all() -> &'static [Profile] {
    static PROFILES: OnceLock<Vec<Profile>> = OnceLock::new();
    PROFILES.get_or_init(|| parse(TABLE))
}

fn parse(text: &str) -> Vec<Profile> {
    let mut out = Vec::new();
    let mut lines = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty());
    let _header = lines.next();
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        // The table is checked by a unit test; a malformed row is skipped, never a panic.
        let row = (|| {
            Some(Profile {
                runtime: f.first()?.to_string(),
                package: match *f.get(1)? {
                    "zip" => PackageType::Zip,
                    "image" => PackageType::Image,
                    _ => return None,
                },
                architecture: match *f.get(2)? {
                    "x86_64" => Architecture::X86_64,
                    "arm64" => Architecture::Arm64,
                    _ => return None,
                },
                memory_mb: f.get(3)?.parse().ok()?,
                samples: f.get(4)?.parse().ok()?,
                mu: f.get(5)?.parse().ok()?,
                sigma: f.get(6)?.parse().ok()?,
                mean_ms: f.get(9)?.parse().ok()?,
                display: f.get(10..)?.join(","),
            })
        })();
        if let Some(p) = row {
            out.push(p);
        }
    }
    out
}

/// Mean hello-world durations of lambda-perf per runtime, package and memory on both
/// architectures (`data/arm64-durations.csv`, derived by `data/derive_arm64.py`).
const ARM64_TABLE: &str = include_str!("../data/arm64-durations.csv");

/// The `arm64-speedup` value that takes a runtime's measured speed-up ([`arm64_speedup`]).
pub const ARM64_SPEEDUP_MEASURED: &str = "lambda-perf";

/// A runtime's arm64 speed-up as lambda-perf measured it: how much faster its hello-world
/// handler ran on arm64 than on x86_64 (below 1: slower), the value `arm64-speedup =
/// "lambda-perf"` takes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Arm64Speedup {
    /// The geometric mean over the configurations of x86_64 / arm64 mean Duration.
    pub speedup: f64,
    /// Its 95 % interval (Student's t on the log ratios of the configurations).
    pub ci95: [f64; 2],
    /// Configurations (package × memory) measured on both architectures.
    pub pairs: usize,
}

/// The measured arm64 speed-up of `runtime` (an identifier of [`runtimes`]), from at least
/// two configurations; None when lambda-perf did not measure both architectures.
///
/// What it measures: the first invocations after forced cold starts of a minimal handler, so
/// the runtime's own work per invocation (and, for runtimes that compile lazily — .NET, Java —
/// their first-call compilation), not a user's code. A CPU-heavy handler should set
/// `arm64-speedup` from its own `lamsim bench` on both architectures.
pub fn arm64_speedup(runtime: &str) -> Option<Arm64Speedup> {
    let logs: Vec<f64> = ARM64_TABLE
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("runtime,") && !l.trim().is_empty())
        .filter_map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            if f.first() != Some(&runtime) {
                return None;
            }
            let x: f64 = f.get(3)?.parse().ok()?;
            let a: f64 = f.get(4)?.parse().ok()?;
            (x > 0.0 && a > 0.0).then(|| (x / a).ln())
        })
        .collect();
    let [lo, hi] = crate::stats::mean_ci95(&logs, crate::stats::Range::Real)?;
    Some(Arm64Speedup {
        speedup: ((lo + hi) / 2.0).exp(),
        ci95: [lo.exp(), hi.exp()],
        pairs: logs.len(),
    })
}

/// A runtime AWS has deprecated that workloads (and SAM/CloudFormation templates) still name:
/// accepted, with a warning ([`Deprecated::warning`]). From the AWS Lambda Developer Guide,
/// "Lambda runtimes", table "Deprecated runtimes" (docs.aws.amazon.com/lambda/latest/dg/
/// lambda-runtimes.html): after the deprecation date AWS applies no more security patches, then
/// blocks creating and later updating functions on it; existing functions keep running.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deprecated {
    /// AWS runtime identifier, e.g. `nodejs18.x`.
    pub runtime: &'static str,
    /// AWS's deprecation date (ISO 8601).
    pub deprecated_on: &'static str,
    /// The runtime whose measurements model it: itself while lambda-perf still measures it,
    /// else its nearest successor measured.
    pub profile: &'static str,
}

impl Deprecated {
    /// The warning to print for a function that names this runtime.
    pub fn warning(&self) -> String {
        let model = if self.profile == self.runtime {
            "its measured cold starts are used".to_string()
        } else {
            format!(
                "no measurements of it remain, so cold starts are modelled with the {} profile",
                self.profile
            )
        };
        format!(
            "runtime \"{}\" was deprecated by AWS on {} (no security patches; creating and then \
             updating functions on it is blocked); {model}; move to a supported runtime",
            self.runtime, self.deprecated_on
        )
    }
}

/// The deprecated runtimes accepted, by deprecation date.
pub const DEPRECATED: &[Deprecated] = &[
    Deprecated {
        runtime: "nodejs14.x",
        deprecated_on: "2023-12-04",
        profile: "nodejs20.x",
    },
    Deprecated {
        runtime: "python3.7",
        deprecated_on: "2023-12-04",
        profile: "python3.9",
    },
    Deprecated {
        runtime: "ruby2.7",
        deprecated_on: "2023-12-07",
        profile: "ruby3.2",
    },
    Deprecated {
        runtime: "go1.x",
        deprecated_on: "2023-12-31",
        profile: "provided.al2:go",
    },
    Deprecated {
        runtime: "java8",
        deprecated_on: "2024-01-08",
        profile: "java8.al2",
    },
    Deprecated {
        runtime: "nodejs16.x",
        deprecated_on: "2024-06-12",
        profile: "nodejs20.x",
    },
    Deprecated {
        runtime: "python3.8",
        deprecated_on: "2024-10-14",
        profile: "python3.9",
    },
    Deprecated {
        runtime: "dotnet6",
        deprecated_on: "2024-12-20",
        profile: "dotnet8",
    },
    Deprecated {
        runtime: "nodejs18.x",
        deprecated_on: "2025-09-01",
        profile: "nodejs20.x",
    },
    Deprecated {
        runtime: "python3.9",
        deprecated_on: "2025-12-15",
        profile: "python3.9",
    },
    Deprecated {
        runtime: "ruby3.2",
        deprecated_on: "2026-03-31",
        profile: "ruby3.2",
    },
    Deprecated {
        runtime: "nodejs20.x",
        deprecated_on: "2026-04-30",
        profile: "nodejs20.x",
    },
];

/// The deprecation of `runtime`, when AWS has deprecated it (see [`DEPRECATED`]).
pub fn deprecation(runtime: &str) -> Option<&'static Deprecated> {
    DEPRECATED.iter().find(|d| d.runtime == runtime)
}

/// The runtime whose rows model `runtime`: itself, or a deprecated runtime's stand-in.
fn measured_as(runtime: &str) -> &str {
    deprecation(runtime).map_or(runtime, |d| d.profile)
}

/// The profile measured closest to the request: the runtime and package as given; the
/// architecture as given, else the other one when that runtime was measured on one only; the
/// nearest memory size (ties go to the larger). A deprecated runtime no longer measured is
/// looked up as its stand-in ([`Deprecated::profile`]).
pub fn lookup(
    runtime: &str,
    package: PackageType,
    arch: Architecture,
    memory_mb: u32,
) -> Option<&'static Profile> {
    let runtime = measured_as(runtime);
    let rows: Vec<&Profile> = all()
        .iter()
        .filter(|p| p.runtime == runtime && p.package == package)
        .collect();
    let same_arch: Vec<&Profile> = rows
        .iter()
        .copied()
        .filter(|p| p.architecture == arch)
        .collect();
    let pool = if same_arch.is_empty() {
        rows
    } else {
        same_arch
    };
    pool.into_iter().min_by_key(|p| {
        (
            p.memory_mb.abs_diff(memory_mb),
            std::cmp::Reverse(p.memory_mb),
        )
    })
}

/// The built-in init duration of `runtime` (zip package) on `arch`, measured at the memory
/// size nearest `memory_mb`: a lognormal with `reference_memory_mb` = that size and
/// [`INIT_CPU_FRACTION`]. `None` when the runtime is not in the table (see [`runtimes`]).
pub fn init_profile(runtime: &str, arch: Architecture, memory_mb: u32) -> Option<DurationModel> {
    init_profile_for(runtime, PackageType::Zip, arch, memory_mb)
}

/// [`init_profile`] for a given package type.
pub fn init_profile_for(
    runtime: &str,
    package: PackageType,
    arch: Architecture,
    memory_mb: u32,
) -> Option<DurationModel> {
    let p = lookup(runtime, package, arch, memory_mb)?;
    Some(DurationModel {
        dist: Dist::LogNormal {
            mu: p.mu,
            sigma: p.sigma,
        },
        reference_memory_mb: p.memory_mb,
        cpu_fraction: INIT_CPU_FRACTION,
        threads: 1,
    })
}

/// Every runtime with a built-in profile, sorted by id (`generic` included).
pub fn runtimes() -> Vec<RuntimeInfo> {
    let mut out: Vec<RuntimeInfo> = Vec::new();
    for p in all() {
        let i = match out.iter().position(|r| r.id == p.runtime) {
            Some(i) => i,
            None => {
                out.push(RuntimeInfo {
                    id: p.runtime.clone(),
                    display: p.display.clone(),
                    architectures: Vec::new(),
                    packages: Vec::new(),
                    memory_mb: Vec::new(),
                    median_init_ms: f64::NAN,
                    arm64_speedup: arm64_speedup(&p.runtime),
                });
                out.len() - 1
            }
        };
        let r = &mut out[i];
        if !r.architectures.contains(&p.architecture) {
            r.architectures.push(p.architecture);
        }
        if !r.packages.contains(&p.package) {
            r.packages.push(p.package);
        }
        if !r.memory_mb.contains(&p.memory_mb) {
            r.memory_mb.push(p.memory_mb);
        }
    }
    for r in &mut out {
        r.architectures.sort();
        r.packages.sort();
        r.memory_mb.sort();
        let pkg = r.packages[0];
        let arch = r.architectures[0];
        if let Some(p) = lookup(&r.id, pkg, arch, 0) {
            r.median_init_ms = p.median_ms();
        }
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out
}

/// Whether `runtime` has a built-in profile (its own, or a deprecated runtime's stand-in).
pub fn is_known(runtime: &str) -> bool {
    let runtime = measured_as(runtime);
    all().iter().any(|p| p.runtime == runtime)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_of_the_table_parses() {
        let data_rows = TABLE
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .count()
            - 1;
        assert_eq!(all().len(), data_rows);
        for p in all() {
            assert!(p.samples >= 2, "{p:?}");
            assert!(p.sigma > 0.0 && p.sigma < 3.0, "{p:?}");
            assert!(p.mu > 0.0 && p.mu < 10.0, "{p:?}");
        }
    }

    #[test]
    fn every_deprecated_runtime_is_modelled_by_a_measured_one() {
        for d in DEPRECATED {
            assert!(
                all().iter().any(|p| p.runtime == d.profile),
                "{d:?}: its stand-in has no rows"
            );
            assert!(is_known(d.runtime), "{d:?}");
            // A stand-in is never itself a deprecated runtime without rows.
            assert_eq!(measured_as(d.profile), d.profile, "{d:?}");
        }
        let dates: Vec<&str> = DEPRECATED.iter().map(|d| d.deprecated_on).collect();
        assert!(dates.windows(2).all(|w| w[0] <= w[1]), "{dates:?}");
    }

    #[test]
    fn nodejs18_is_accepted_with_the_nodejs20_cold_starts_and_warned() {
        assert!(!all().iter().any(|p| p.runtime == "nodejs18.x"));
        let old = init_profile("nodejs18.x", Architecture::X86_64, 512).unwrap();
        let new = init_profile("nodejs20.x", Architecture::X86_64, 512).unwrap();
        assert_eq!(old, new);
        let w = deprecation("nodejs18.x").unwrap().warning();
        assert!(w.contains("deprecated by AWS on 2025-09-01"), "{w}");
        assert!(w.contains("nodejs20.x profile"), "{w}");
        // python3.9 is deprecated but still measured: its own rows, and the warning says so.
        let w = deprecation("python3.9").unwrap().warning();
        assert!(w.contains("its measured cold starts are used"), "{w}");
        assert!(deprecation("python3.13").is_none());
        assert!(!is_known("nodejs19.x"));
    }

    #[test]
    fn median_and_p99_columns_agree_with_mu_and_sigma() {
        // The CSV also holds median_ms and p99_ms for readers; they must match mu/sigma.
        for line in TABLE.lines().filter(|l| !l.starts_with('#')).skip(1) {
            let f: Vec<&str> = line.split(',').collect();
            let mu: f64 = f[5].parse().unwrap();
            let sigma: f64 = f[6].parse().unwrap();
            let median: f64 = f[7].parse().unwrap();
            let p99: f64 = f[8].parse().unwrap();
            assert!((mu.exp() - median).abs() < 0.01 + 1e-5 * median, "{line}");
            let z99 = 2.326_347_874_040_841;
            assert!(
                ((mu + z99 * sigma).exp() - p99).abs() < 0.01 + 1e-5 * p99,
                "{line}"
            );
        }
    }
}
