//! SLO objectives: `[slo]` holds for every function and the total cost, `[function.slo]` for
//! its own function and that function's monthly cost; both are validated by the same code
//! and checked by the one evaluator the runner and the sweeps use.

use std::path::Path;

use lamsim_sim::config;
use lamsim_sim::runner;
use lamsim_sim::slo::{self, FUNCTION_SLO_SUFFIX};

/// Two functions with constant 100 ms and 300 ms executions (inits of 250 ms), priced.
fn stack(api_slo: &str, worker_slo: &str, global: &str) -> String {
    format!(
        r#"
[simulation]
duration = "10m"
seed = 2
{global}
[[function]]
name = "api"
memory-mb = 512
[function.arrivals]
kind = "constant"
rate-per-s = 2.0
[function.duration]
dist = "const"
value = "100ms"
[function.init]
dist = "const"
value = "250ms"
{api_slo}
[[function]]
name = "worker"
memory-mb = 1024
[function.arrivals]
kind = "constant"
rate-per-s = 2.0
[function.duration]
dist = "const"
value = "300ms"
[function.init]
dist = "const"
value = "250ms"
{worker_slo}
"#
    )
}

fn load(text: &str) -> lamsim_sim::model::Scenario {
    config::from_str(text, Path::new("."), "stack.toml").unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn a_function_objective_holds_for_its_function_only() {
    // The worker's p99 is 300 ms or more (550 ms on its one cold start): a 200 ms bound on the
    // worker fails, the same bound is not applied to the api (100 ms warm).
    let s = load(&stack("", "[function.slo]\np99 = \"200ms\"\n", ""));
    assert!(s.slo.is_none());
    assert_eq!(
        s.functions[1].slo.as_ref().unwrap().p99,
        Some(lamsim_sim::time::SimTime::from_millis(200))
    );
    let out = runner::run(&s, &|_| {});
    let report = out.summary.slo.as_ref().expect("objectives were declared");
    assert!(!report.met);
    assert_eq!(report.violations.len(), 1, "{:?}", report.violations);
    let v = &report.violations[0];
    let p99 = out.summary.functions[1].latency_ms.p99;
    assert_eq!(
        v,
        &format!("worker: latency_ms.p99 {p99:.3} > 200{FUNCTION_SLO_SUFFIX}")
    );
    // Only the api: nothing to report about it.
    let api = slo::evaluate(&s, &out.summary, Some(0)).unwrap();
    assert!(api.met && api.violations.is_empty());
}

#[test]
fn a_function_cost_objective_bounds_its_own_monthly_cost_not_the_total() {
    // A bound between the api's own monthly cost and the total: the api meets it (its own
    // cost is below), and the same bound in [slo] would fail on the total.
    let probe = runner::run(&load(&stack("", "", "")), &|_| {}).summary;
    let own = |i: usize| {
        probe.functions[i]
            .cost_usd
            .as_ref()
            .unwrap()
            .monthly
            .as_ref()
            .unwrap()
            .total
    };
    let total = probe.cost.as_ref().unwrap().monthly.total_usd;
    assert!((own(0) + own(1) - total).abs() < 1e-9 * total);
    let bound = (own(0) + total) / 2.0;
    let cost = format!("monthly-cost-usd = {bound}\n");

    let per_function = load(&stack(&format!("[function.slo]\n{cost}"), "", ""));
    let out = runner::run(&per_function, &|_| {});
    assert!(out.summary.slo.as_ref().unwrap().met);

    let global = load(&stack("", "", &format!("[slo]\n{cost}")));
    let out = runner::run(&global, &|_| {});
    let report = out.summary.slo.unwrap();
    assert_eq!(
        report.violations,
        vec![format!("cost.monthly.total_usd {total:.2} > {bound}")]
    );

    // The worker's own cost above a bound just below it: named with its function.
    let tight = own(1) * 0.99;
    let s = load(&stack(
        "",
        &format!("[function.slo]\nmonthly-cost-usd = {tight}\n"),
        "",
    ));
    let out = runner::run(&s, &|_| {});
    assert_eq!(
        out.summary.slo.unwrap().violations,
        vec![format!(
            "worker: cost_usd.monthly.total {:.2} > {tight}{FUNCTION_SLO_SUFFIX}",
            own(1)
        )]
    );
}

#[test]
fn global_objectives_read_as_before_and_come_first_per_function() {
    let s = load(&stack(
        "",
        "[function.slo]\np99 = \"250ms\"\n",
        "[slo]\np99 = \"150ms\"\n",
    ));
    let out = runner::run(&s, &|_| {});
    let p99 = out.summary.functions[1].latency_ms.p99;
    assert_eq!(
        out.summary.slo.unwrap().violations,
        vec![
            format!("worker: latency_ms.p99 {p99:.3} > 150"),
            format!("worker: latency_ms.p99 {p99:.3} > 250{FUNCTION_SLO_SUFFIX}"),
        ]
    );
}

#[test]
fn function_objectives_are_validated_like_the_global_ones() {
    let text = stack(
        "[function.slo]\np99 = 300\ncold-start-ratio = 2.0\np95 = \"1s\"\n",
        "",
        "[slo]\np99 = 300\ncold-start-ratio = 2.0\n",
    );
    let e = config::from_str(&text, Path::new("."), "stack.toml").unwrap_err();
    let find = |path: &str, msg: &str| {
        e.errors
            .iter()
            .find(|x| x.path == path && x.message.contains(msg))
            .unwrap_or_else(|| panic!("no error at {path} with `{msg}` in:\n{e}"))
            .message
            .clone()
    };
    assert_eq!(
        find("function[0].slo.p99", "bare number"),
        find("slo.p99", "bare number")
    );
    assert_eq!(
        find("function[0].slo.cold-start-ratio", "in 0..=1"),
        find("slo.cold-start-ratio", "in 0..=1")
    );
    find("function[0].slo.p95", "unknown key");
}
