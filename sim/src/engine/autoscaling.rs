//! Provisioned-concurrency auto scaling: Application Auto Scaling target tracking on
//! `ProvisionedConcurrencyUtilization` (`[function.provisioned-autoscaling]`).
//!
//! Every [`METRIC_PERIOD`] the scaler closes a datapoint: the provisioned environments busy
//! (running an invocation) over the period, averaged in time (or their maximum, with
//! `statistic = "maximum"`), divided by the provisioned concurrency configured. The high
//! alarm fires after [`SCALE_OUT_DATAPOINTS`] consecutive datapoints above the target, the low
//! alarm after [`SCALE_IN_DATAPOINTS`] consecutive datapoints below
//! [`SCALE_IN_THRESHOLD`] × the target; while an alarm holds, each further datapoint applies
//! the policy again (no cooldown: Lambda's default is 0 s). The new capacity is
//! `ceil(configured × datapoint / target)` within `[min, max]`; environments added by a
//! scale-out run their init before they take requests (they are billed as configured from
//! the decision). Everything above the provisioned environments spills over to on-demand.

use rand_chacha::ChaCha8Rng;

use crate::dist::Sampler;
use crate::model::Function;
use crate::model::capacity::{
    METRIC_PERIOD, ProvisionedAutoscaling, SCALE_IN_DATAPOINTS, SCALE_IN_THRESHOLD,
    SCALE_OUT_DATAPOINTS, Statistic,
};
use crate::rng::{Component, stream};

/// The target-tracking state of one function.
pub(crate) struct PcScaler {
    cfg: ProvisionedAutoscaling,
    /// ∫ busy provisioned environments dt over the current period, env·ns.
    area: u128,
    /// Most busy provisioned environments at once in the current period.
    peak: u32,
    busy: u32,
    last_t: u64,
    above: u32,
    below: u32,
    /// Init times of the environments a scale-out adds (their own stream).
    init: Sampler,
    rng_init: ChaCha8Rng,
}

impl PcScaler {
    pub(crate) fn new(f: &Function, cfg: &ProvisionedAutoscaling, seed: u64) -> Self {
        PcScaler {
            init: Sampler::new(&f.init, f.memory_mb, f.architecture, f.arm64_speedup),
            rng_init: stream(seed, &f.name, Component::Capacity),
            cfg: cfg.clone(),
            area: 0,
            peak: 0,
            busy: 0,
            last_t: 0,
            above: 0,
            below: 0,
        }
    }

    /// The init time of an environment a scale-out adds, ns.
    pub(crate) fn init_time(&mut self) -> u64 {
        self.init.sample(&mut self.rng_init).0
    }

    /// The starting capacity (`min`).
    pub(crate) fn initial(&self) -> u32 {
        self.cfg.min
    }

    /// `busy` provisioned environments run an invocation from `t` on.
    #[inline]
    pub(crate) fn busy(&mut self, t: u64, busy: u32) {
        self.area += self.busy as u128 * t.saturating_sub(self.last_t) as u128;
        self.last_t = t;
        self.busy = busy;
        self.peak = self.peak.max(busy);
    }

    /// Closes the datapoint of the period that ends at `t` with `configured` environments
    /// configured; returns the new capacity when a scaling action fires.
    pub(crate) fn evaluate(&mut self, t: u64, configured: u32) -> Option<u32> {
        self.busy(t, self.busy);
        let period = METRIC_PERIOD.0 as f64;
        let datapoint = if configured == 0 {
            0.0
        } else {
            match self.cfg.statistic {
                Statistic::Average => self.area as f64 / period / configured as f64,
                Statistic::Maximum => self.peak as f64 / configured as f64,
            }
        };
        self.area = 0;
        self.peak = self.busy;
        let target = self.cfg.target;
        if datapoint > target {
            self.above += 1;
            self.below = 0;
        } else if datapoint < target * SCALE_IN_THRESHOLD {
            self.below += 1;
            self.above = 0;
        } else {
            self.above = 0;
            self.below = 0;
        }
        // A hair below the exact ratio, so that rounding error never adds an environment.
        let wanted = ((configured as f64 * datapoint / target - 1e-9)
            .ceil()
            .max(0.0) as u32)
            .clamp(self.cfg.min, self.cfg.max);
        if self.above >= SCALE_OUT_DATAPOINTS && wanted > configured {
            return Some(wanted);
        }
        if self.below >= SCALE_IN_DATAPOINTS && wanted < configured {
            return Some(wanted);
        }
        None
    }
}
