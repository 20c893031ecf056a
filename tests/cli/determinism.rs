//! One seed drives everything: the same seed gives the same bytes, another seed other numbers,
//! and replicates add confidence intervals.

use serde_json::Value;

use crate::{assert_code, fx, path_str, run, temp_dir};

/// Runs `short.toml` with `extra` arguments and returns the bytes of `summary.json`.
fn summary_bytes(extra: &[&str]) -> Vec<u8> {
    let dir = temp_dir();
    let out = dir.path().join("out");
    let out_s = path_str(&out);
    let workload = fx("short.toml");
    let mut args = vec!["run", "-q", "--out", &out_s];
    args.extend_from_slice(extra);
    args.push(&workload);
    let o = run(&args);
    assert_code(&o, 0);
    std::fs::read(out.join("summary.json")).expect("summary.json written")
}

fn parse(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).expect("summary.json is JSON")
}

#[test]
fn the_same_seed_twice_gives_identical_bytes() {
    let a = summary_bytes(&[]);
    let b = summary_bytes(&[]);
    assert!(a == b, "two runs with the same seed differ");
}

#[test]
fn another_seed_changes_the_numbers_and_is_recorded() {
    let base = parse(&summary_bytes(&[]));
    let seven = parse(&summary_bytes(&["--seed", "7"]));
    assert_eq!(base["seed"], 11, "the file's seed");
    assert_eq!(seven["seed"], 7, "--seed overrides the file's seed");
    // Poisson arrivals with another seed: the counts and latencies differ.
    assert_ne!(
        base["functions"][0]["latency_ms"], seven["functions"][0]["latency_ms"],
        "seed 7 gave the same latencies as seed 11"
    );
    // The same override twice is reproducible too.
    assert!(summary_bytes(&["--seed", "7"]) == summary_bytes(&["--seed", "7"]));
}

#[test]
fn the_seed_line_names_the_override() {
    let o = run(["run", "--seed", "7", &fx("short.toml")]);
    assert_code(&o, 0);
    let line = crate::seed_line(&o).expect("a seed line");
    assert!(line.contains("seed 7 "), "{line}");
}

#[test]
fn replicates_add_ci95_keys() {
    let v = parse(&summary_bytes(&["--replicates", "3"]));
    assert_eq!(v["replicates"], 3);
    let f = &v["functions"][0];
    for (value, ci) in [
        (&f["cold_start_ratio"], &f["cold_start_ratio_ci95"]),
        (&f["latency_ms"]["p99"], &f["latency_ms"]["p99_ci95"]),
        (
            &f["instances"]["avg_total"],
            &f["instances"]["avg_total_ci95"],
        ),
        (
            &v["cost"]["window"]["total_usd"],
            &v["cost"]["window"]["total_usd_ci95"],
        ),
    ] {
        let x = value.as_f64().expect("a number");
        let ci = ci
            .as_array()
            .unwrap_or_else(|| panic!("no _ci95 sibling in {f}"));
        assert_eq!(ci.len(), 2);
        let (lo, hi) = (ci[0].as_f64().unwrap(), ci[1].as_f64().unwrap());
        assert!(
            lo <= x && x <= hi,
            "mean {x} outside its interval [{lo}, {hi}]"
        );
    }
    // A single replicate has no interval.
    let single = parse(&summary_bytes(&[]));
    assert!(
        !String::from_utf8(serde_json::to_vec(&single).unwrap())
            .unwrap()
            .contains("_ci95"),
        "a single replicate must not report intervals"
    );
}

#[test]
fn replicates_are_reproducible() {
    assert!(summary_bytes(&["--replicates", "3"]) == summary_bytes(&["--replicates", "3"]));
}
