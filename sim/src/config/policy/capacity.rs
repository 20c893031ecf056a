//! `compute`, `[function.managed-instances]` and `[function.provisioned-autoscaling]` (spec
//! section 7): how a function buys capacity beyond on-demand environments.

use serde::Deserialize;

use crate::config::hints::{choice_hint, suggest};
use crate::config::raw::{Duration, Integer, Number, Text};
use crate::config::values::Validator;
use crate::cost::{instance_type, instance_types};
use crate::model::capacity::{ManagedInstances, ProvisionedAutoscaling, Statistic};
use crate::model::{Architecture, Compute, InstanceType};
use crate::time::SimTime;

/// Default `memory-per-vcpu-gb` (AWS's default ratio, that of the c families).
pub const MEMORY_PER_VCPU_GB: u32 = 2;
/// Accepted `memory-per-vcpu-gb` values (AWS: 2:1, 4:1 or 8:1).
pub const MEMORY_PER_VCPU_CHOICES: [u32; 3] = [2, 4, 8];
/// Smallest function memory on managed instances (AWS: 2 GB, one vCPU at 2:1).
pub const MI_MIN_MEMORY_MB: u32 = 2048;
/// Largest `max-concurrency` per environment (AWS `PerExecutionEnvironmentMaxConcurrency`).
pub const MAX_CONCURRENCY_LIMIT: u32 = 1600;
/// Default `min-environments` (AWS starts three, one per AZ).
pub const MIN_ENVIRONMENTS: u32 = 3;
/// Default `target-cpu-utilization`.
pub const TARGET_CPU_UTILIZATION: f64 = 0.5;
/// Default `scale-out-delay`: a scaling decision to new environments taking requests (an EC2
/// launch and the environment's init; AWS documents no figure, see
/// `docs/managed-instances.md`).
pub const SCALE_OUT_DELAY: SimTime = SimTime::from_secs(60);
/// Default `[function.provisioned-autoscaling] target-utilization` (the value AWS's examples
/// use).
pub const PC_TARGET_UTILIZATION: f64 = 0.7;

/// Default requests per vCPU that one environment runs at once, by runtime family (AWS's
/// `PerExecutionEnvironmentMaxConcurrency` defaults): Node.js 64, Java and .NET 32, Python 16.
pub fn default_concurrency_per_vcpu(runtime: Option<&str>) -> Option<u32> {
    let r = runtime?;
    if r.starts_with("nodejs") {
        Some(64)
    } else if r.starts_with("java") || r.starts_with("dotnet") {
        Some(32)
    } else if r.starts_with("python") {
        Some(16)
    } else {
        None
    }
}

/// Whether `runtime` runs on Lambda Managed Instances: Java 21 and later, Python 3.13 and
/// later, Node.js 22 and later, .NET 8 and later, and the OS-only `provided.al2023` and later
/// (AWS Lambda developer guide, "Lambda Managed Instances runtimes").
pub fn managed_runtime_supported(runtime: &str) -> bool {
    let num = |s: &str| s.parse::<u32>().ok();
    if let Some(v) = runtime.strip_prefix("java") {
        num(v).is_some_and(|n| n >= 21)
    } else if let Some(v) = runtime.strip_prefix("python3.") {
        num(v).is_some_and(|n| n >= 13)
    } else if let Some(v) = runtime.strip_prefix("nodejs") {
        num(v.trim_end_matches(".x")).is_some_and(|n| n >= 22)
    } else if let Some(v) = runtime.strip_prefix("dotnet") {
        num(v).is_some_and(|n| n >= 8)
    } else if let Some(v) = runtime.strip_prefix("provided.al") {
        // lamsim names OS-only runtimes with their language: `provided.al2023:rust`.
        num(v.split(':').next().unwrap_or(v)).is_some_and(|y| y >= 2023)
    } else {
        false
    }
}

/// `[function.managed-instances]` as written.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ManagedRaw {
    /// `instance-type = "c7g.xlarge"`.
    pub instance_type: Option<Text>,
    /// `usd-per-hour = 0.145`: overrides the price book's on-demand price.
    pub usd_per_hour: Option<Number>,
    /// `vcpus = 4`: for a type the book lacks (with `memory-gib` and `usd-per-hour`).
    pub vcpus: Option<Integer>,
    /// `memory-gib = 8`: likewise.
    pub memory_gib: Option<Number>,
    /// `memory-per-vcpu-gb = 2`.
    pub memory_per_vcpu_gb: Option<Integer>,
    /// `max-concurrency = 64`.
    pub max_concurrency: Option<Integer>,
    /// `min-environments = 3`.
    pub min_environments: Option<Integer>,
    /// `max-environments = 100`.
    pub max_environments: Option<Integer>,
    /// `target-cpu-utilization = 0.5`.
    pub target_cpu_utilization: Option<Number>,
    /// `scale-out-delay = "60s"`.
    pub scale_out_delay: Option<Duration>,
    /// `savings-plan-discount = 0.0`.
    pub savings_plan_discount: Option<Number>,
}

/// `[function.provisioned-autoscaling]` as written.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct AutoscalingRaw {
    /// `min = 5`.
    pub min: Option<Integer>,
    /// `max = 100`.
    pub max: Option<Integer>,
    /// `target-utilization = 0.7`.
    pub target_utilization: Option<Number>,
    /// `statistic = "average"`.
    pub statistic: Option<Text>,
}

/// What [`compute`] needs to know of the function.
pub(crate) struct FunctionFacts<'a> {
    pub(crate) region: &'a str,
    pub(crate) memory_mb: Option<u32>,
    /// The TOML path of the function's `memory-mb`.
    pub(crate) memory_path: &'a str,
    pub(crate) architecture: Option<Architecture>,
    pub(crate) runtime: Option<&'a str>,
}

/// `compute` at `path` with its table `[function.managed-instances]` at `table_path`. The
/// table may be present with `compute = "on-demand"` (so a sweep can switch `compute`); it is
/// then checked but unused.
pub(crate) fn compute(
    v: &mut Validator,
    path: &str,
    raw: &Option<Text>,
    table_path: &str,
    table: Option<&ManagedRaw>,
    facts: &FunctionFacts,
) -> Option<Compute> {
    const CHOICES: [&str; 2] = ["on-demand", "managed-instances"];
    let kind = match raw {
        None => "on-demand".to_string(),
        Some(_) => v.text(path, raw)?,
    };
    let managed = match kind.as_str() {
        "on-demand" => false,
        "managed-instances" => true,
        other => {
            let hint = match other.to_ascii_lowercase().as_str() {
                "managed" | "lmi" | "managed-instance" | "managedinstances" => {
                    "did you mean `managed-instances`?".to_string()
                }
                "ondemand" | "lambda" | "default" => "did you mean `on-demand`?".to_string(),
                _ => choice_hint(other, &CHOICES),
            };
            v.err(path, format!("unknown compute \"{other}\""), Some(hint));
            return None;
        }
    };
    let Some(t) = table else {
        if managed {
            v.err(
                table_path,
                "is required with compute = \"managed-instances\"",
                Some(
                    "add [function.managed-instances] with instance-type = \"c7g.xlarge\" (`lamsim instance-types` lists them)"
                        .into(),
                ),
            );
            return None;
        }
        return Some(Compute::OnDemand);
    };
    let m = managed_instances(v, table_path, t, facts);
    if managed {
        m.map(Compute::ManagedInstances)
    } else {
        Some(Compute::OnDemand)
    }
}

fn managed_instances(
    v: &mut Validator,
    p: &str,
    t: &ManagedRaw,
    facts: &FunctionFacts,
) -> Option<ManagedInstances> {
    let at = |k: &str| format!("{p}.{k}");
    let instance = instance(v, p, t, facts.region);
    let ratio = match &t.memory_per_vcpu_gb {
        None => Some(MEMORY_PER_VCPU_GB),
        Some(_) => match v.int_range(&at("memory-per-vcpu-gb"), &t.memory_per_vcpu_gb, 1, 64) {
            Some(r) if MEMORY_PER_VCPU_CHOICES.contains(&r) => Some(r),
            Some(r) => {
                v.err(
                    &at("memory-per-vcpu-gb"),
                    format!("must be 2, 4 or 8 (GiB of memory per vCPU), found {r}"),
                    None,
                );
                None
            }
            None => None,
        },
    };
    // The environment's size: the function's memory split into vCPUs at the ratio.
    let env_vcpus = match (facts.memory_mb, ratio) {
        (Some(mem), Some(r)) => {
            let step = 1024 * r;
            if mem < MI_MIN_MEMORY_MB.max(step) || mem % step != 0 {
                let up = mem.max(MI_MIN_MEMORY_MB).div_ceil(step) * step;
                v.err(
                    facts.memory_path,
                    format!(
                        "{mem} MB does not split into whole vCPUs at memory-per-vcpu-gb = {r} (managed instances need at least 2048 MB and a multiple of {step} MB)"
                    ),
                    Some(format!("use memory-mb = {up}")),
                );
                None
            } else {
                Some(mem / step)
            }
        }
        _ => None,
    };
    let max_concurrency = match &t.max_concurrency {
        Some(_) => v.int_range(
            &at("max-concurrency"),
            &t.max_concurrency,
            1,
            MAX_CONCURRENCY_LIMIT,
        ),
        None => match (default_concurrency_per_vcpu(facts.runtime), env_vcpus) {
            (Some(per), Some(n)) => Some((per * n).min(MAX_CONCURRENCY_LIMIT)),
            (None, _) => {
                v.err(
                    &at("max-concurrency"),
                    "is required: the runtime has no default",
                    Some("set max-concurrency (requests one environment runs at once; AWS's defaults per vCPU: Node.js 64, Java and .NET 32, Python 16), or name a runtime".into()),
                );
                None
            }
            _ => None,
        },
    };
    let min_env = match &t.min_environments {
        None => Some(MIN_ENVIRONMENTS),
        Some(_) => v.int_range(&at("min-environments"), &t.min_environments, 1, 100_000),
    };
    let max_env = match &t.max_environments {
        None => Some(None),
        Some(_) => v
            .int_range(&at("max-environments"), &t.max_environments, 1, 100_000)
            .map(Some),
    };
    if let (Some(lo), Some(Some(hi))) = (min_env, max_env)
        && hi < lo
    {
        v.err(
            &at("max-environments"),
            format!("must be at least min-environments = {lo}, found {hi}"),
            None,
        );
    }
    let target = match &t.target_cpu_utilization {
        None => Some(TARGET_CPU_UTILIZATION),
        Some(_) => v.number_where(
            &at("target-cpu-utilization"),
            &t.target_cpu_utilization,
            |x| x > 0.0 && x <= 1.0,
            "a fraction in (0, 1] (0.5 means 50 % CPU)",
        ),
    };
    let delay = match &t.scale_out_delay {
        None => Some(SCALE_OUT_DELAY),
        Some(_) => v.duration(&at("scale-out-delay"), &t.scale_out_delay),
    };
    let discount = match &t.savings_plan_discount {
        None => Some(0.0),
        Some(_) => v.number_where(
            &at("savings-plan-discount"),
            &t.savings_plan_discount,
            |x| (0.0..1.0).contains(&x),
            "a fraction in [0, 1) (0.3 means 30 % off the EC2 price)",
        ),
    };
    let (instance, env_vcpus) = (instance?, env_vcpus?);
    if let Some(arch) = facts.architecture
        && arch != instance.architecture
    {
        v.err(
            &at("instance-type"),
            format!(
                "{} is {} but the function is {}",
                instance.name,
                instance.architecture.as_str(),
                arch.as_str()
            ),
            Some(format!(
                "set architecture = \"{}\", or choose a {} type (Graviton types end in g: c7g, m7g, r7g)",
                instance.architecture.as_str(),
                arch.as_str()
            )),
        );
        return None;
    }
    let mem = facts.memory_mb? as f64 / 1024.0;
    if env_vcpus > instance.vcpus || mem > instance.memory_gib {
        v.err(
            &at("instance-type"),
            format!(
                "an environment of {env_vcpus} vCPU and {mem} GiB does not fit on {} ({} vCPU, {} GiB)",
                instance.name, instance.vcpus, instance.memory_gib
            ),
            Some("choose a larger instance type, or lower memory-mb".into()),
        );
        return None;
    }
    Some(ManagedInstances {
        instance,
        memory_per_vcpu_gb: ratio?,
        env_vcpus,
        max_concurrency: max_concurrency?,
        min_environments: min_env?,
        max_environments: max_env?,
        target_utilization: target?,
        scale_out_delay: delay?,
        savings_plan_discount: discount?,
    })
}

/// `instance-type` with its overrides: a type of the book (its price replaced by
/// `usd-per-hour` when given), or any type with `vcpus`, `memory-gib` and `usd-per-hour`.
fn instance(v: &mut Validator, p: &str, t: &ManagedRaw, region: &str) -> Option<InstanceType> {
    let at = |k: &str| format!("{p}.{k}");
    let name = match &t.instance_type {
        None => {
            v.missing(&at("instance-type"), "instance-type = \"c7g.xlarge\"");
            None
        }
        Some(_) => v.text(&at("instance-type"), &t.instance_type),
    }?;
    let price = match &t.usd_per_hour {
        None => None,
        Some(_) => Some(v.number_where(
            &at("usd-per-hour"),
            &t.usd_per_hour,
            |x| x > 0.0,
            "greater than zero",
        )?),
    };
    let vcpus = match &t.vcpus {
        None => None,
        Some(_) => Some(v.int_range(&at("vcpus"), &t.vcpus, 1, 1024)?),
    };
    let memory = match &t.memory_gib {
        None => None,
        Some(_) => Some(v.number_where(
            &at("memory-gib"),
            &t.memory_gib,
            |x| x > 0.0,
            "greater than zero",
        )?),
    };
    if let Some(book) = instance_type(region, &name) {
        let mut it = book.clone();
        if let Some(p) = price {
            it.usd_per_hour = p;
        }
        if let Some(c) = vcpus {
            it.vcpus = c;
        }
        if let Some(m) = memory {
            it.memory_gib = m;
        }
        return Some(it);
    }
    match (vcpus, memory, price) {
        (Some(vcpus), Some(memory_gib), Some(usd_per_hour)) => {
            // A type the book lacks: its architecture from its name (Graviton families end in g).
            let family = name.split('.').next().unwrap_or("");
            let architecture = if family.ends_with('g') || family.contains("gd") {
                Architecture::Arm64
            } else {
                Architecture::X86_64
            };
            Some(InstanceType {
                name,
                architecture,
                vcpus,
                memory_gib,
                usd_per_hour,
            })
        }
        _ => {
            let names: Vec<&str> = instance_types(region)
                .map(|e| e.instance.name.as_str())
                .collect();
            let hint = match suggest(&name, &names) {
                Some(s) => format!(
                    "did you mean `{s}`? (`lamsim instance-types --region {region}` lists the book; for another type set usd-per-hour, vcpus and memory-gib)"
                ),
                None if names.is_empty() => format!(
                    "the price book has no {region} prices: set usd-per-hour, vcpus and memory-gib"
                ),
                None => format!(
                    "`lamsim instance-types --region {region}` lists the book; for another type set usd-per-hour, vcpus and memory-gib"
                ),
            };
            v.err(
                &at("instance-type"),
                format!("\"{name}\" is not in the price book for {region}"),
                Some(hint),
            );
            None
        }
    }
}

/// `[function.provisioned-autoscaling]` at `p`.
pub(crate) fn autoscaling(
    v: &mut Validator,
    p: &str,
    t: &AutoscalingRaw,
) -> Option<ProvisionedAutoscaling> {
    let at = |k: &str| format!("{p}.{k}");
    let min = match &t.min {
        None => {
            v.missing(&at("min"), "min = 5");
            None
        }
        Some(_) => v.int_range(&at("min"), &t.min, 1, u32::MAX),
    };
    let max = match &t.max {
        None => {
            v.missing(&at("max"), "max = 100");
            None
        }
        Some(_) => v.int_range(&at("max"), &t.max, 1, u32::MAX),
    };
    if let (Some(lo), Some(hi)) = (min, max)
        && hi < lo
    {
        v.err(
            &at("max"),
            format!("must be at least min = {lo}, found {hi}"),
            None,
        );
        return None;
    }
    let target = match &t.target_utilization {
        None => Some(PC_TARGET_UTILIZATION),
        Some(_) => v.number_where(
            &at("target-utilization"),
            &t.target_utilization,
            |x| x > 0.0 && x <= 1.0,
            "a fraction in (0, 1] (0.7 means 70 % of the provisioned environments busy)",
        ),
    };
    let statistic = match v.text(&at("statistic"), &t.statistic).as_deref() {
        None if t.statistic.is_none() => Some(Statistic::Average),
        None => None,
        Some("average") => Some(Statistic::Average),
        Some("maximum") => Some(Statistic::Maximum),
        Some(other) => {
            v.err(
                &at("statistic"),
                format!("unknown statistic \"{other}\""),
                Some(choice_hint(other, &["average", "maximum"])),
            );
            None
        }
    };
    Some(ProvisionedAutoscaling {
        min: min?,
        max: max?,
        target: target?,
        statistic: statistic?,
    })
}
