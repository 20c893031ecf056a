//! Raw TOML ([`super::raw`]) → validated [`Scenario`]: defaults filled in, units converted,
//! files (traces, empirical samples) loaded, and *every* problem collected with its TOML path
//! and a hint.
//!
//! This module only walks the file in order; each policy's keys, checks and defaults live in
//! its module under [`super::policy`]. Defaults are also documented on the fields of
//! [`crate::model`] and in `workloads/README.md`. Relative file paths are resolved against the
//! workload file's folder (`base_dir`) and stored as absolute paths, so a resolved workload can
//! be rerun from any folder.

use std::path::Path;

use super::policy::{function, limits, population, pricing, simulation, slo};
use super::raw;
use super::values::Validator;
use super::{ConfigError, Purpose};
use crate::model::Scenario;

pub use super::hints::suggest;
pub use super::policy::distributions::{DEFAULT_RESTORE_MS, Z99, weibull_shape_for_cv};

/// Validates a parsed workload. `base_dir` is the folder relative paths are resolved against.
/// Returns every error found, in file order.
pub fn validate(raw: &raw::Workload, base_dir: &Path) -> Result<Scenario, Vec<ConfigError>> {
    validate_for(raw, base_dir, Purpose::Simulate)
}

/// [`validate`] for `purpose` (which keys are required).
pub fn validate_for(
    raw: &raw::Workload,
    base_dir: &Path,
    purpose: Purpose,
) -> Result<Scenario, Vec<ConfigError>> {
    let mut v = Validator {
        base_dir,
        purpose,
        errors: Vec::new(),
    };
    let scenario = workload(&mut v, raw);
    match scenario {
        Some(s) if v.errors.is_empty() => Ok(s),
        _ => {
            if v.errors.is_empty() {
                // Every path that returns None records an error; this is a safety net.
                v.err("", "the workload is incomplete", None);
            }
            Err(v.errors)
        }
    }
}

fn workload(v: &mut Validator, raw: &raw::Workload) -> Option<Scenario> {
    let simulation = simulation::check(v, raw.simulation.as_ref());
    let account = limits::account(v, raw.account.as_ref().cloned().unwrap_or_default());
    let pricing = pricing::check(v, raw.pricing.as_ref().cloned().unwrap_or_default());
    let window = simulation.as_ref().map(|s| s.duration);
    // An invalid `start-at` has been reported; schedules are still checked against the default.
    let start_at = simulation
        .as_ref()
        .map_or(crate::schedule::START_AT, |s| s.start_at);

    // An invalid region has been reported; instance types are still looked up in the default.
    let region = account
        .as_ref()
        .map_or(limits::REGION.to_string(), |a| a.region.clone());

    let mut functions = Vec::new();
    let mut limits = Vec::new();
    let mut all_ok = true;
    let has_population = raw.population.as_ref().is_some_and(|p| !p.is_empty());
    match &raw.function {
        None if has_population => {}
        None => {
            v.err(
                "function",
                "at least one [[function]] is required",
                Some("add a [[function]] table with name, memory-mb, [function.arrivals] and [function.duration]".into()),
            );
            all_ok = false;
        }
        Some(list) if list.is_empty() => {
            v.err("function", "at least one [[function]] is required", None);
            all_ok = false;
        }
        Some(list) => {
            for (i, f) in list.iter().enumerate() {
                let (func, lim) =
                    function::check(v, &format!("function[{i}]"), f, window, start_at, &region);
                limits.push(lim);
                match func {
                    Some(func) => functions.push(func),
                    None => all_ok = false,
                }
            }
            function::unique_names(v, list);
        }
    }
    let mut populations = Vec::new();
    let mut names: std::collections::BTreeMap<String, String> = functions
        .iter()
        .enumerate()
        .map(|(i, f)| (f.name.clone(), format!("function[{i}]")))
        .collect();
    for (i, p) in raw.population.iter().flatten().enumerate() {
        let cx = population::Context {
            window,
            start_at,
            region: &region,
            seed: simulation.as_ref().map_or(1, |s| s.seed),
            first: functions.len(),
        };
        match population::check(v, i, p, &cx) {
            Some((pop, members, lims)) => {
                for f in &members {
                    if let Some(other) = names.insert(f.name.clone(), format!("population[{i}]")) {
                        v.err(
                            &format!("population[{i}]"),
                            format!("member \"{}\" has the name of {other}", f.name),
                            Some("give the population another `name` (the prefix of its members' names)".into()),
                        );
                        all_ok = false;
                        break;
                    }
                }
                functions.extend(members);
                limits.extend(lims);
                populations.push(pop);
            }
            None => all_ok = false,
        }
    }
    if let Some(acc) = &account {
        limits::concurrency(v, acc, &limits);
    }
    let slo = raw.slo.as_ref().map(|s| slo::check(v, "slo", s));

    if !all_ok {
        return None;
    }
    Some(Scenario {
        simulation: simulation?,
        account: account?,
        pricing: pricing?,
        functions,
        slo,
        populations,
    })
}
