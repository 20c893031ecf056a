//! How much work a run is, before it starts: expected invocations (from each arrival process's
//! mean rate over its window) and the memory the replicates' records hold, so the command line
//! can refuse a run that cannot finish or fit, and warn about a long one.
//!
//! ```
//! use lamsim_sim::{estimate::estimate, testing::simple_scenario};
//! // 10 req/s for one simulated hour: 36,000 invocations per replicate.
//! let s = simple_scenario(10.0, 100.0, "10m", "1h");
//! let e = estimate(&s, 4);
//! assert_eq!(e.invocations_per_replicate, 36_000.0);
//! assert_eq!(e.invocations, 144_000.0);
//! ```

use std::fmt;

use crate::histogram::CompactHistogram;
use crate::metrics::FunctionRecord;
use crate::model::{ArrivalProcess, Arrivals, ConstantSpacing, DiurnalProfile, Function, Scenario};
use crate::runner::Replicate;
use crate::summary::FunctionSummary;
use crate::time::{NS_PER_S, SimTime};

/// Simulated invocations per second one core is assumed to run: conservative, half of the
/// slowest end-to-end figure measured (`lamsim run --format json`, CPU time, the project's
/// 2-core machine, December 2026): 5.7 M arrivals/s per core for the committed
/// `managed-instances.toml` (start-up included), 7 M for one function at 1,400 requests/s,
/// 7.2 M for the synthesized 10,000-function day, 8.4 M for `diurnal-provisioned.toml`;
/// `--out` adds 20 to 60 %, which stays above this. It was 10⁶ when the simulator ran 1.9 M
/// invocations/s.
pub const INVOCATIONS_PER_S_PER_CORE: f64 = 2.5e6;

/// The most invocations a run may have (all replicates): at
/// [`INVOCATIONS_PER_S_PER_CORE`], 10¹² take about 4.6 core-days.
pub const MAX_INVOCATIONS: f64 = 1e12;

/// Above this expected wall time (seconds), the command line warns before running.
pub const WARN_SECONDS: f64 = 60.0;

/// The expected size of a run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    /// Expected invocations (arrivals) in one replicate, all functions.
    pub invocations_per_replicate: f64,
    /// Over every replicate.
    pub invocations: f64,
    /// Bytes the finished replicates hold until they are merged, at most: replicates × (one
    /// replicate + functions × one function's record, its histograms full, and summary). A
    /// run usually needs far less (histograms hold only the buckets they saw: the synthesized
    /// 10,000-function day peaks at 236 MB against a bound of 1.37 GB).
    pub memory_bytes: f64,
    /// Replicates (they run in parallel, one core each).
    pub replicates: u32,
}

impl Estimate {
    /// Expected wall time on `cores` cores, seconds, at [`INVOCATIONS_PER_S_PER_CORE`], for a
    /// run whose replicates are each split into `blocks` blocks of functions (1: not split);
    /// replicates and blocks run in parallel, one core each.
    pub fn seconds(&self, cores: usize, blocks: usize) -> f64 {
        let used = self.cores_used(cores, blocks);
        self.invocations / (INVOCATIONS_PER_S_PER_CORE * used as f64)
    }

    /// Of `cores` cores, how many the run keeps busy: one per replicate and block (`blocks`
    /// per replicate, 1 when not split), at least one.
    pub fn cores_used(&self, cores: usize, blocks: usize) -> usize {
        cores.clamp(1, self.replicates.max(1) as usize * blocks.max(1))
    }

    /// Whether the run is over [`MAX_INVOCATIONS`].
    pub fn too_many_invocations(&self) -> bool {
        self.invocations > MAX_INVOCATIONS
    }
}

impl fmt::Display for Estimate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "about {:.3e} invocations ({:.3e} per replicate), at most {} of records",
            self.invocations,
            self.invocations_per_replicate,
            Bytes(self.memory_bytes)
        )
    }
}

/// A size in bytes, written in the largest decimal unit (kB, MB, GB) it reaches, so that a
/// small estimate does not read "0.000 GB".
pub struct Bytes(pub f64);

impl fmt::Display for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.0;
        if b >= 1e9 {
            write!(f, "{:.1} GB", b / 1e9)
        } else if b >= 1e6 {
            write!(f, "{:.1} MB", b / 1e6)
        } else {
            write!(f, "{:.1} kB", b / 1e3)
        }
    }
}

/// The expected work of running `scenario` with `replicates` replicates.
pub fn estimate(scenario: &Scenario, replicates: u32) -> Estimate {
    let window = scenario.simulation.duration;
    let per_replicate: f64 = scenario
        .functions
        .iter()
        .map(|f| function_arrivals(f, window))
        .sum();
    let n = replicates.max(1) as f64;
    let per_function = record_bytes() + std::mem::size_of::<FunctionSummary>() as f64;
    let per_replicate_bytes =
        std::mem::size_of::<Replicate>() as f64 + scenario.functions.len() as f64 * per_function;
    Estimate {
        invocations_per_replicate: per_replicate,
        invocations: per_replicate * n,
        memory_bytes: per_replicate_bytes * n,
        replicates: replicates.max(1),
    }
}

/// Expected arrivals of function `f` in a run of `window`: those of its triggers.
pub fn function_arrivals(f: &Function, window: SimTime) -> f64 {
    f.triggers
        .iter()
        .map(|t| expected_arrivals(&t.arrivals, window))
        .sum()
}

/// Expected arrivals of `arrivals` in `[start, min(end, window))`, from the process's mean
/// rate (exact for constant counts, traces and schedules).
pub fn expected_arrivals(arrivals: &Arrivals, window: SimTime) -> f64 {
    let start = arrivals.start;
    let end = arrivals.end.min(window);
    let secs = end.saturating_sub(start).0 as f64 / NS_PER_S as f64;
    match &arrivals.process {
        ArrivalProcess::Poisson { rate_per_s } => rate_per_s * secs,
        ArrivalProcess::Constant(ConstantSpacing::Rate(r)) => r * secs,
        ArrivalProcess::Constant(ConstantSpacing::Count(n)) => *n as f64,
        ArrivalProcess::OnOff {
            on_rate_per_s,
            off_rate_per_s,
            on_mean,
            off_mean,
        } => {
            let (on, off) = (on_mean.0 as f64, off_mean.0 as f64);
            (on_rate_per_s * on + off_rate_per_s * off) / (on + off) * secs
        }
        ArrivalProcess::Diurnal(DiurnalProfile::Sine {
            mean_rate_per_s, ..
        }) => mean_rate_per_s * secs,
        ArrivalProcess::Diurnal(DiurnalProfile::Hourly { rates_per_s }) => {
            rates_per_s.iter().sum::<f64>() / 24.0 * secs
        }
        ArrivalProcess::Trace(t) => {
            t.times.iter().filter(|&&x| x >= start && x < end).count() as f64
        }
        ArrivalProcess::Schedule(s) => s.count(start, end) as f64,
        ArrivalProcess::ScaledTrace { trace, scale } => {
            trace
                .times
                .iter()
                .filter(|&&x| x >= start && x < end)
                .count() as f64
                * scale
        }
        ArrivalProcess::Counts(m) => {
            let minute = |t: SimTime| t.0 as f64 / m.period.0 as f64;
            let (a, b) = (minute(start), minute(end));
            m.counts
                .iter()
                .map(|&(k, c)| {
                    // The part of period k inside [start, end).
                    let overlap = ((k as f64 + 1.0).min(b) - (k as f64).max(a)).clamp(0.0, 1.0);
                    c as f64 * overlap
                })
                .sum::<f64>()
                * m.scale
        }
    }
}

/// Bytes of one function's record at most: the struct and its two latency histograms full.
fn record_bytes() -> f64 {
    (std::mem::size_of::<FunctionRecord>() + 2 * CompactHistogram::MAX_HEAP_BYTES) as f64
}

#[cfg(test)]
mod bytes_tests {
    use super::Bytes;

    #[test]
    fn sizes_are_written_in_the_largest_unit_they_reach() {
        let cases = [
            (0.0, "0.0 kB"),
            (2_400.0, "2.4 kB"),
            (999_949.0, "999.9 kB"),
            (1e6, "1.0 MB"),
            (38.25e6, "38.2 MB"),
            (1e9, "1.0 GB"),
            (38e9, "38.0 GB"),
        ];
        for (b, want) in cases {
            assert_eq!(Bytes(b).to_string(), want, "{b} bytes");
        }
    }
}
