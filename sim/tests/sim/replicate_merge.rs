//! Replicates merge into exactly the summary the previous, JSON-based merge wrote: every
//! number the mean over replicates (kept as is when all agree), `_ci95` siblings on the
//! contract's keys. The reference below is that algorithm (serialise each replicate, average
//! the JSON trees, patch the intervals in by path, with the interval rules of
//! `lamsim_sim::stats`); the typed merge must give the same `summary.json` text, byte for
//! byte. (The runner then pools the percentiles: see `replicate_statistics.rs`.)

use lamsim_sim::config;
use lamsim_sim::runner;
use lamsim_sim::stats::{Range, mean_ci95};
use lamsim_sim::summary::Summary;
use serde_json::{Map, Value};

fn mean_value(vals: &[&Value]) -> Value {
    match vals[0] {
        Value::Number(_) => {
            if vals.iter().all(|v| *v == vals[0]) {
                return vals[0].clone();
            }
            let xs: Vec<f64> = vals.iter().filter_map(|v| v.as_f64()).collect();
            serde_json::json!(xs.iter().sum::<f64>() / xs.len() as f64)
        }
        Value::Object(m0) => {
            let mut out = Map::new();
            for (k, v0) in m0 {
                let col: Vec<&Value> = vals.iter().filter_map(|v| v.get(k)).collect();
                if col.len() == vals.len() {
                    out.insert(k.clone(), mean_value(&col));
                } else {
                    out.insert(k.clone(), v0.clone());
                }
            }
            Value::Object(out)
        }
        Value::Array(a0) => {
            if vals
                .iter()
                .all(|v| v.as_array().is_some_and(|a| a.len() == a0.len()))
            {
                Value::Array(
                    (0..a0.len())
                        .map(|i| mean_value(&vals.iter().map(|v| &v[i]).collect::<Vec<_>>()))
                        .collect(),
                )
            } else {
                vals[0].clone()
            }
        }
        other => other.clone(),
    }
}

/// The JSON merge as it was, read back into a summary as it was.
fn reference_merge(reps: &[&Summary]) -> Summary {
    let values: Vec<Value> = reps
        .iter()
        .map(|s| {
            let mut v = serde_json::to_value(s).unwrap();
            v["seed"] = Value::from(reps[0].seed);
            v
        })
        .collect();
    let refs: Vec<&Value> = values.iter().collect();
    let mut merged = mean_value(&refs);
    let get = |v: &Value, path: &[&str]| -> Option<f64> {
        let mut cur = v;
        for p in path {
            cur = cur.get(p)?;
        }
        cur.as_f64()
    };
    let set_ci = |target: &mut Value, path: &[&str], ci: Option<[f64; 2]>| {
        let (last, parents) = path.split_last().unwrap();
        let mut cur = target;
        for p in parents {
            cur = cur.get_mut(p).unwrap();
        }
        if let Value::Object(m) = cur {
            m.insert(format!("{last}_ci95"), serde_json::json!(ci));
        }
    };
    for i in 0..reps[0].functions.len() {
        // Means: Student's t cut to the quantity's range.
        for (path, range) in [
            (&["cold_start_ratio"][..], Range::Unit),
            (&["instances", "avg_total"], Range::NonNegative),
        ] {
            let xs: Vec<f64> = values
                .iter()
                .filter_map(|v| get(&v["functions"][i], path))
                .collect();
            if xs.len() == values.len() {
                set_ci(&mut merged["functions"][i], path, mean_ci95(&xs, range));
            }
        }
        // p99s: only the replicates that had samples (a positive maximum).
        for stat in ["latency_ms", "latency_warm_ms", "latency_cold_ms"] {
            let xs: Vec<f64> = values
                .iter()
                .filter(|v| get(&v["functions"][i], &[stat, "max"]).is_some_and(|m| m > 0.0))
                .filter_map(|v| get(&v["functions"][i], &[stat, "p99"]))
                .collect();
            set_ci(
                &mut merged["functions"][i],
                &[stat, "p99"],
                mean_ci95(&xs, Range::NonNegative),
            );
        }
    }
    let xs: Vec<f64> = values
        .iter()
        .filter_map(|v| get(v, &["cost", "window", "total_usd"]))
        .collect();
    if xs.len() == values.len() {
        set_ci(
            &mut merged,
            &["cost", "window", "total_usd"],
            mean_ci95(&xs, Range::NonNegative),
        );
    }
    merged["replicates"] = Value::from(reps.len() as u64);
    serde_json::from_value(merged).unwrap()
}

/// Two functions (one with provisioned concurrency and SnapStart-free cold starts, one
/// throttled by its reservation), priced, five replicates.
const STACK: &str = r#"
[simulation]
duration = "10m"
warmup = "1m"
seed = 5
replicates = 5

[[function]]
name = "api"
memory-mb = 512
runtime = "python3.13"
provisioned-concurrency = 2
[function.arrivals]
kind = "poisson"
rate-per-s = 8.0
[function.duration]
dist = "lognormal"
median = "40ms"
p99 = "300ms"

[[function]]
name = "worker"
memory-mb = 2048
ephemeral-storage-mb = 1024
reserved-concurrency = 3
[function.arrivals]
kind = "on-off"
on-rate-per-s = 40.0
off-rate-per-s = 0.5
on-mean = "20s"
off-mean = "60s"
[function.duration]
dist = "exp"
mean = "90ms"
[function.keep-alive]
idle = "30s"
"#;

#[test]
fn typed_merge_writes_the_same_summary_as_the_json_merge() {
    let s = config::from_str(STACK, std::path::Path::new("."), "stack.toml").unwrap();
    let out = runner::run(&s, &|_| {});
    let reps: Vec<&Summary> = out.replicates.iter().map(|r| &r.summary).collect();
    let typed = serde_json::to_string_pretty(&runner::merge(&reps)).unwrap();
    let reference = serde_json::to_string_pretty(&reference_merge(&reps)).unwrap();
    assert_eq!(typed, reference);
    // The replicates differ, so the test compares means, not copies.
    assert_ne!(
        reps[0].functions[1].throttles,
        reps[1].functions[1].throttles
    );
    // Two replicates and one (a copy) too.
    for n in [1, 2] {
        let typed = serde_json::to_string_pretty(&runner::merge(&reps[..n])).unwrap();
        let reference = if n == 1 {
            serde_json::to_string_pretty(reps[0]).unwrap()
        } else {
            serde_json::to_string_pretty(&reference_merge(&reps[..n])).unwrap()
        };
        assert_eq!(typed, reference, "{n} replicates");
    }
}
