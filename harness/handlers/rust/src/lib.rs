//! Bundled Lambda handlers for `lamsim serve` and `lamsim bench`, written on the official
//! [`lambda_runtime`] crate so that they speak the real Runtime API exactly as they would on
//! AWS. Each handler is its own binary (`src/bin/*.rs`); this library holds the work they do,
//! so that it can be unit-tested without a runtime.
//!
//! | binary | event | what it does |
//! |---|---|---|
//! | `lamsim-handler-echo` | anything | returns the event unchanged |
//! | `lamsim-handler-cpu` | `{"cpu_ms": 20}` or `{"iterations": 1000000}` | CPU-bound: burns CPU time, or runs a fixed amount of hashing |
//! | `lamsim-handler-io-wait` | `{"wait_ms": 50}` | I/O-bound: waits (as for a downstream call), uses no CPU |
//! | `lamsim-handler-json-transform` | `{"records": [{"category": "a", "amount": 1.5}, …]}` | parses, aggregates and re-serialises JSON |
//! | `lamsim-handler-faults` | `{"action": "error" \| "exit" \| "alloc" \| "sleep", …}` | misbehaves on purpose (tests) |
//! | `lamsim-handler-stream` | `{"chunks": 3, "gap_ms": 10}` | streams its response in chunks |
#![warn(missing_docs)]

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{Value, json};

/// CPU time consumed by this thread so far.
fn thread_cpu_time() -> Duration {
    nix::time::clock_gettime(nix::time::ClockId::CLOCK_THREAD_CPUTIME_ID)
        .map(Duration::from)
        .unwrap_or_default()
}

/// Busy-loops until this thread has consumed `cpu` of CPU time (not wall time: under a CPU
/// quota the wall time is `cpu / share`). Returns the number of rounds of work done.
pub fn burn_cpu(cpu: Duration) -> u64 {
    let start = thread_cpu_time();
    let mut rounds = 0u64;
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    while thread_cpu_time() - start < cpu {
        for _ in 0..1000 {
            x = mix(x);
        }
        rounds += 1;
    }
    std::hint::black_box(x);
    rounds
}

/// One round of a 64-bit mixing function (splitmix64 finaliser).
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// A fixed amount of CPU work: `iterations` rounds of mixing, returning the digest (so the work
/// cannot be optimised away, and two runs can be compared).
pub fn hash_rounds(iterations: u64) -> u64 {
    let mut x = 0u64;
    for _ in 0..iterations {
        x = mix(x);
    }
    x
}

/// The CPU handler's work: `{"cpu_ms": X}` burns X ms of CPU time; `{"iterations": N}` runs N
/// rounds of hashing. Errors name the missing key.
pub fn cpu(event: &Value) -> Result<Value, String> {
    if let Some(ms) = event.get("cpu_ms").and_then(Value::as_f64) {
        let rounds = burn_cpu(Duration::from_secs_f64(ms.max(0.0) / 1000.0));
        Ok(json!({"cpu_ms": ms, "rounds": rounds}))
    } else if let Some(n) = event.get("iterations").and_then(Value::as_u64) {
        Ok(json!({"iterations": n, "digest": format!("{:016x}", hash_rounds(n))}))
    } else {
        Err("expected {\"cpu_ms\": <number>} or {\"iterations\": <integer>}".to_string())
    }
}

/// The JSON-transform handler's work: groups `records` by `category`, sums `amount`, counts
/// records, and returns the groups sorted by category with the grand total.
pub fn json_transform(event: &Value) -> Result<Value, String> {
    let records = event
        .get("records")
        .and_then(Value::as_array)
        .ok_or_else(|| "expected {\"records\": [...]}".to_string())?;
    let mut groups: BTreeMap<String, (u64, f64)> = BTreeMap::new();
    for (i, r) in records.iter().enumerate() {
        let category = r
            .get("category")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("records[{i}].category: expected a string"))?;
        let amount = r
            .get("amount")
            .and_then(Value::as_f64)
            .ok_or_else(|| format!("records[{i}].amount: expected a number"))?;
        let g = groups.entry(category.to_string()).or_insert((0, 0.0));
        g.0 += 1;
        g.1 += amount;
    }
    let total: f64 = groups.values().map(|g| g.1).sum();
    let out: Vec<Value> = groups
        .into_iter()
        .map(|(category, (count, sum))| json!({"category": category, "count": count, "total": sum}))
        .collect();
    Ok(json!({"groups": out, "records": records.len(), "total": total}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_transform_groups_and_sums() {
        let event = json!({"records": [
            {"category": "b", "amount": 2.0},
            {"category": "a", "amount": 1.5},
            {"category": "b", "amount": 0.5},
        ]});
        let out = json_transform(&event).unwrap();
        assert_eq!(
            out,
            json!({"groups": [
                {"category": "a", "count": 1, "total": 1.5},
                {"category": "b", "count": 2, "total": 2.5},
            ], "records": 3, "total": 4.0})
        );
    }

    #[test]
    fn json_transform_names_the_bad_record() {
        let err = json_transform(&json!({"records": [{"category": "a"}]})).unwrap_err();
        assert_eq!(err, "records[0].amount: expected a number");
    }

    #[test]
    fn hash_rounds_is_deterministic_and_depends_on_n() {
        assert_eq!(hash_rounds(0), 0);
        assert_eq!(hash_rounds(1000), hash_rounds(1000));
        assert_ne!(hash_rounds(1000), hash_rounds(1001));
    }

    #[test]
    fn burn_cpu_consumes_at_least_the_requested_cpu_time() {
        let before = thread_cpu_time();
        burn_cpu(Duration::from_millis(5));
        assert!(thread_cpu_time() - before >= Duration::from_millis(5));
    }
}
