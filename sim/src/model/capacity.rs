//! How a function buys capacity beyond plain on-demand environments (spec section 7):
//! Lambda Managed Instances (`compute = "managed-instances"`), and target tracking of
//! provisioned concurrency (`[function.provisioned-autoscaling]`).
//!
//! The rules that use these models live in the engine (`engine/managed.rs`,
//! `engine/autoscaling.rs`) and the cost engine (`cost::instances`); `docs/managed-instances.md`
//! gives every assumption with its source.

use crate::time::SimTime;

/// Length of one metric datapoint of both scalers (CloudWatch's 1-minute metrics).
pub const METRIC_PERIOD: SimTime = SimTime::from_secs(60);

/// Where a function's invocations run.
#[derive(Clone, Debug, PartialEq)]
pub enum Compute {
    /// `compute = "on-demand"` (default): one request per execution environment, created on
    /// demand (cold starts), plus any provisioned concurrency.
    OnDemand,
    /// `compute = "managed-instances"`: many requests per environment on EC2 instances the
    /// team chooses, scaled asynchronously ([`ManagedInstances`]).
    ManagedInstances(ManagedInstances),
}

impl Compute {
    /// The name used in workload files and outputs.
    pub fn as_str(&self) -> &'static str {
        match self {
            Compute::OnDemand => "on-demand",
            Compute::ManagedInstances(_) => "managed-instances",
        }
    }

    /// The managed-instances settings, when the function runs there.
    pub fn managed(&self) -> Option<&ManagedInstances> {
        match self {
            Compute::OnDemand => None,
            Compute::ManagedInstances(m) => Some(m),
        }
    }
}

/// One EC2 instance type of the price book (`lamsim instance-types`).
#[derive(Clone, Debug, PartialEq)]
pub struct InstanceType {
    /// E.g. `"c7g.xlarge"`.
    pub name: String,
    /// Its architecture (Graviton types are arm64).
    pub architecture: super::Architecture,
    /// Published vCPUs.
    pub vcpus: u32,
    /// Published memory, GiB.
    pub memory_gib: f64,
    /// On-demand Linux price in the workload's region, USD per hour (before the management
    /// fee), or the workload's `usd-per-hour` override.
    pub usd_per_hour: f64,
}

/// `[function.managed-instances]`, validated.
#[derive(Clone, Debug, PartialEq)]
pub struct ManagedInstances {
    /// `instance-type` from the price book (required), with `usd-per-hour` applied.
    pub instance: InstanceType,
    /// `memory-per-vcpu-gb`: 2, 4 or 8. Default 2 (AWS's default ratio, the c-family one).
    pub memory_per_vcpu_gb: u32,
    /// vCPUs of one execution environment: the function's memory (GiB) ÷ `memory-per-vcpu-gb`.
    pub env_vcpus: u32,
    /// `max-concurrency`: requests one environment runs at once. Default: the runtime's
    /// per-vCPU default (Node.js 64, Python 16, Java and .NET 32) × `env_vcpus`.
    pub max_concurrency: u32,
    /// `min-environments`. Default 3 (AWS starts three for AZ resilience).
    pub min_environments: u32,
    /// `max-environments`. Default: no limit.
    pub max_environments: Option<u32>,
    /// `target-cpu-utilization`, in (0, 1]. Default 0.5.
    pub target_utilization: f64,
    /// `scale-out-delay`: from a scaling decision to the new environments taking requests
    /// (instance launch and environment init). Default 60 s.
    pub scale_out_delay: SimTime,
    /// `savings-plan-discount`: fraction off the EC2 part of the bill, in [0, 1). Default 0.
    pub savings_plan_discount: f64,
}

impl ManagedInstances {
    /// Environments of this size that fit on one instance (by vCPUs and by memory; at least
    /// one, since validation refuses an environment larger than the instance).
    pub fn envs_per_instance(&self, memory_mb: u32) -> u32 {
        let by_cpu = self.instance.vcpus / self.env_vcpus.max(1);
        let env_gib = memory_mb as f64 / 1024.0;
        let by_mem = (self.instance.memory_gib / env_gib).floor() as u32;
        by_cpu.min(by_mem).max(1)
    }

    /// Instances that hold `envs` environments: enough to pack them, and never fewer than
    /// [`MIN_INSTANCES`] while there are that many environments to spread over AZs.
    pub fn instances_for(&self, envs: u32, memory_mb: u32) -> u32 {
        let per = self.envs_per_instance(memory_mb);
        envs.div_ceil(per).max(envs.min(MIN_INSTANCES))
    }

    /// USD per instance-hour as billed: the on-demand price less the savings plan, plus the
    /// management fee on the on-demand price.
    pub fn usd_per_instance_hour(&self) -> f64 {
        let p = self.instance.usd_per_hour;
        p * (1.0 - self.savings_plan_discount) + p * MANAGEMENT_FEE
    }
}

/// The management fee: 15 % of the EC2 on-demand price of the instances (AWS Lambda pricing).
pub const MANAGEMENT_FEE: f64 = 0.15;
/// Instances a capacity provider keeps at least (AWS: three, one per AZ, by default).
pub const MIN_INSTANCES: u32 = 3;

/// The statistic of the utilization metric a target-tracking policy follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Statistic {
    /// `"average"` (default): the predefined `LambdaProvisionedConcurrencyUtilization` metric.
    Average,
    /// `"maximum"`: a customized metric with the Maximum statistic (reacts to bursts).
    Maximum,
}

impl Statistic {
    /// The name used in workload files.
    pub fn as_str(self) -> &'static str {
        match self {
            Statistic::Average => "average",
            Statistic::Maximum => "maximum",
        }
    }
}

/// `[function.provisioned-autoscaling]`: Application Auto Scaling target tracking of
/// `ProvisionedConcurrencyUtilization`.
#[derive(Clone, Debug, PartialEq)]
pub struct ProvisionedAutoscaling {
    /// `min`: the scalable target's minimum capacity (at least 1). Required.
    pub min: u32,
    /// `max`: its maximum capacity. Required.
    pub max: u32,
    /// `target-utilization`, in (0, 1]. Default 0.7.
    pub target: f64,
    /// `statistic`. Default `average`.
    pub statistic: Statistic,
}

/// Consecutive datapoints above the target before a scale-out (the high alarm: 3 of 3).
pub const SCALE_OUT_DATAPOINTS: u32 = 3;
/// Consecutive datapoints below the scale-in threshold before a scale-in (the low alarm: 15 of
/// 15).
pub const SCALE_IN_DATAPOINTS: u32 = 15;
/// The low alarm's threshold as a fraction of the target (target tracking scales in below
/// 90 % of the target).
pub const SCALE_IN_THRESHOLD: f64 = 0.9;
