//! `schemas/summary.schema.json` describes what the JSON exporter writes.

use std::collections::{BTreeMap, BTreeSet};

use jsonschema::Validator;
use lamsim_reports::{Format, render};
use serde_json::{Value, json};

use crate::fixtures;

fn schema() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../schemas/summary.schema.json"
    );
    let text = std::fs::read_to_string(path).expect("schemas/summary.schema.json is readable");
    serde_json::from_str(&text).expect("the schema is JSON")
}

fn validator() -> Validator {
    jsonschema::draft202012::new(&schema()).expect("the schema compiles")
}

fn errors(v: &Validator, instance: &Value) -> Vec<String> {
    v.iter_errors(instance)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

#[test]
fn schema_is_a_valid_draft_2020_12_schema() {
    let s = schema();
    assert_eq!(s["$schema"], "https://json-schema.org/draft/2020-12/schema");
    jsonschema::meta::validate(&s).expect("valid against the meta-schema");
}

#[test]
fn every_exported_summary_is_valid() {
    let v = validator();
    for (name, s) in fixtures::all() {
        let instance: Value = serde_json::from_str(&render(&s, Format::Json)).unwrap();
        assert_eq!(errors(&v, &instance), Vec::<String>::new(), "{name}");
    }
}

/// The fixture with every optional part: intervals, costs, the SLO.
fn full() -> Value {
    let mut s = fixtures::with_adjacent(fixtures::three_functions_replicated_priced());
    // The event-driven fields, every optional one set (spec section 5).
    let f = &mut s.functions[0];
    let lat = f.latency_ms.clone();
    let queue = lamsim_sim::summary::QueueStats {
        backlog_avg: 3.5,
        backlog_max: 40.0,
        oldest_age_ms_max: 1200.0,
    };
    f.errors = Some(2.0);
    f.retries = Some(1.0);
    f.dead_letters = Some(1.0);
    f.expired = Some(0.0);
    f.end_to_end_ms = Some(lat.clone());
    f.queue = Some(queue.clone());
    f.batch_size_avg = Some(9.5);
    f.triggers = Some(vec![lamsim_sim::summary::TriggerSummary {
        name: "jobs".into(),
        invocation: "sqs".into(),
        arrivals: 100.0,
        invocations: 11.0,
        completed: 98.0,
        errors: 2.0,
        retries: 1.0,
        throttles: 0.0,
        dead_letters: 1.0,
        expired: 0.0,
        pending: 1.0,
        latency_ms: lat.clone(),
        gateway_timeouts: Some(0.0),
        end_to_end_ms: Some(lat),
        queue: Some(queue),
        batch_size_avg: Some(9.5),
        sqs_requests: Some(30.0),
        poller_hours: Some(0.5),
    }]);
    s.functions[1].measured = Some(lamsim_sim::summary::MeasuredComparison {
        invocations: 1000.0,
        simulated_invocations: 990.0,
        throttles: 3.0,
        simulated_throttles: 2.0,
        concurrency_max: Some(12.0),
        simulated_concurrency_max: 11.0,
    });
    // Spec section 7: a function on managed instances, one with provisioned auto scaling.
    s.functions[2].managed_instances = Some(lamsim_sim::summary::ManagedInstancesSummary {
        instance_type: "c7g.xlarge".into(),
        instances_avg: 3.0,
        instances_peak: 4.0,
        instance_hours: 3.1,
        environments_avg: 5.2,
    });
    if let Some(c) = s.functions[2].cost_usd.as_mut() {
        c.instances = Some(0.5);
    }
    s.functions[1].instances.provisioned_avg = Some(5.5);
    s.functions[1].instances.provisioned_peak = Some(10.0);
    if let Some(c) = s.cost.as_mut() {
        c.window.instances_usd = Some(0.5);
        c.monthly.instances_usd = Some(360.0);
    }
    // The many-function layout's aggregate (written past 20 functions; its keys do not
    // depend on the number of functions).
    s.aggregate = Some(lamsim_sim::aggregate::aggregate(&s.functions));
    serde_json::to_value(s).unwrap()
}

#[test]
fn a_missing_required_key_fails() {
    let v = validator();
    let cases: [(&str, &[&str]); 6] = [
        (
            "",
            &[
                "schema_version",
                "lamsim_version",
                "seed",
                "replicates",
                "window_s",
                "warmup_s",
                "functions",
            ],
        ),
        (
            "/functions/0",
            &[
                "name",
                "invocations",
                "cold_start_ratio",
                "latency_cold_ms",
                "instances",
                "usage",
            ],
        ),
        (
            "/functions/0/latency_ms",
            &["mean", "p50", "p90", "p99", "p999", "max"],
        ),
        (
            "/functions/0/instances",
            &["avg_total", "avg_busy", "avg_idle", "peak"],
        ),
        (
            "/cost/window",
            &[
                "total_usd",
                "requests_usd",
                "compute_usd",
                "provisioned_usd",
                "ephemeral_usd",
                "snapstart_usd",
            ],
        ),
        ("/cost", &["window", "monthly"]),
    ];
    for (pointer, keys) in cases {
        for key in keys {
            let mut instance = full();
            let removed = instance
                .pointer_mut(pointer)
                .and_then(Value::as_object_mut)
                .and_then(|o| o.remove(*key));
            assert!(removed.is_some(), "{pointer}/{key} exists in the fixture");
            let errs = errors(&v, &instance);
            assert!(
                errs.iter()
                    .any(|e| e.contains(&format!("\"{key}\" is a required property"))),
                "removing {pointer}/{key}: {errs:?}"
            );
        }
    }
}

#[test]
fn optional_parts_may_be_left_out() {
    let v = validator();
    let mut instance = full();
    let o = instance.as_object_mut().unwrap();
    o.remove("cost");
    o.remove("slo");
    let f = instance["functions"][0].as_object_mut().unwrap();
    f.remove("cost_usd");
    f.remove("cold_start_ratio_ci95");
    assert!(v.is_valid(&instance), "{:?}", errors(&v, &instance));
}

#[test]
fn unknown_keys_and_malformed_values_fail() {
    let v = validator();
    let cases: [(&str, &str, Value); 9] = [
        ("", "extra", json!(1)),
        ("/functions/0", "p99", json!(1.0)),
        ("/functions/0/latency_ms", "p95", json!(1.0)),
        ("", "schema_version", json!(2)),
        ("/functions/0", "cold_start_ratio", json!(1.5)),
        (
            "/functions/0",
            "cold_start_ratio_ci95",
            json!([0.1, 0.2, 0.3]),
        ),
        ("/functions/0", "architecture", json!("ppc64")),
        ("/functions/0", "invocations", json!("180000")),
        ("/slo", "violations", json!([])), // not met, yet nothing violated
    ];
    for (pointer, key, value) in cases {
        let mut instance = full();
        instance
            .pointer_mut(pointer)
            .and_then(Value::as_object_mut)
            .unwrap()
            .insert(key.to_string(), value.clone());
        assert!(
            !v.is_valid(&instance),
            "{pointer}/{key} = {value} was accepted"
        );
    }
}

/// Resolves a local `$ref` (`#/$defs/name`) to its definition; returns it with a name.
fn resolve<'a>(schema: &'a Value, node: &'a Value, path: &str) -> (String, &'a Value) {
    match node.get("$ref").and_then(Value::as_str) {
        Some(r) => (
            r.to_string(),
            schema.pointer(r.trim_start_matches('#')).unwrap(),
        ),
        None => (path.to_string(), node),
    }
}

/// Per object schema (by `$ref` or inline path): the properties it declares and the union of
/// the keys found in instances of it.
type Seen = BTreeMap<String, (BTreeSet<String>, BTreeSet<String>)>;

fn collect(schema: &Value, node: &Value, instance: &Value, path: &str, seen: &mut Seen) {
    let (id, node) = resolve(schema, node, path);
    match instance {
        Value::Object(o) => {
            let Some(props) = node.get("properties").and_then(Value::as_object) else {
                // `monthly` of a function cost: oneOf null / function_cost.
                let alts = node.get("oneOf").and_then(Value::as_array).unwrap();
                let obj = alts.iter().find(|a| a.get("$ref").is_some()).unwrap();
                return collect(schema, obj, instance, path, seen);
            };
            let entry = seen.entry(id).or_default();
            entry.0.extend(props.keys().cloned());
            entry.1.extend(o.keys().cloned());
            for (k, val) in o {
                if let Some(sub) = props.get(k) {
                    collect(schema, sub, val, &format!("{path}/{k}"), seen);
                }
            }
        }
        Value::Array(items) => {
            if let Some(item) = node.get("items").filter(|i| i.is_object()) {
                for val in items {
                    collect(schema, item, val, &format!("{path}/items"), seen);
                }
            }
        }
        _ => {}
    }
}

#[test]
fn schema_declares_exactly_the_keys_a_full_summary_has() {
    // `additionalProperties: false` catches keys the schema lacks; this catches keys the
    // schema declares that `Summary` no longer writes.
    let schema = schema();
    let mut seen = Seen::new();
    collect(&schema, &schema, &full(), "#", &mut seen);
    let mut diffs = Vec::new();
    for (id, (declared, present)) in &seen {
        for k in declared.symmetric_difference(present) {
            diffs.push(format!("{id}: {k}"));
        }
    }
    assert_eq!(diffs, Vec::<String>::new());
    // Every object definition was reached.
    for def in [
        "function",
        "latency",
        "instances",
        "usage",
        "function_cost",
        "cost",
        "bill_lines",
        "slo",
        "managed_instances",
    ] {
        assert!(
            seen.contains_key(&format!("#/$defs/{def}")),
            "{def} not reached"
        );
    }
}
