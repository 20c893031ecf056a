//! `lamsim instance-types`, and a sweep that compares on-demand with managed instances.

use crate::{assert_code, example, run, stdout};

#[test]
fn instance_types_lists_the_price_book_of_a_region_as_the_spec_says() {
    let o = run(["instance-types", "--format", "json"]);
    assert_code(&o, 0);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let list = v.as_array().unwrap();
    // 24 families × 4 sizes in us-east-1 (sim/data/PROVENANCE.md).
    assert_eq!(list.len(), 96);
    let c7g = list
        .iter()
        .find(|e| e["instance_type"] == "c7g.xlarge")
        .expect("c7g.xlarge");
    assert_eq!(c7g["architecture"], "arm64");
    assert_eq!(c7g["vcpus"], 4);
    assert_eq!(c7g["memory_gib"], 8.0);
    assert_eq!(c7g["usd_per_hour"], 0.145);
    let keys: Vec<&String> = c7g.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "architecture",
            "instance_type",
            "memory_gib",
            "usd_per_hour",
            "vcpus"
        ]
    );
    // Another region has its own prices.
    let o = run([
        "instance-types",
        "--region",
        "eu-west-1",
        "--format",
        "json",
    ]);
    assert_code(&o, 0);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let c7g = v
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["instance_type"] == "c7g.xlarge")
        .unwrap();
    assert_eq!(c7g["usd_per_hour"], 0.155);
}

#[test]
fn instance_types_of_an_unknown_region_is_an_error_naming_the_covered_ones() {
    let o = run(["instance-types", "--region", "mars-1"]);
    assert_code(&o, 2);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("us-east-1") && err.contains("usd-per-hour"),
        "{err}"
    );
}

#[test]
fn a_sweep_over_compute_says_which_wins_and_by_how_much() {
    let w = example("managed-instances.toml");
    let o = run([
        "sweep",
        w.to_str().unwrap(),
        "--set",
        "function.compute=on-demand,managed-instances",
    ]);
    assert_code(&o, 0);
    let out = stdout(&o);
    let line = out
        .lines()
        .find(|l| l.starts_with("Compute:"))
        .unwrap_or_else(|| panic!("no compute line:\n{out}"));
    // At 300 requests/s of 38 ms on 4 GB arm64, on demand costs ≈ $1,736 a month and the
    // managed instances ≈ $516 (the example's hand-derived figures).
    assert!(
        line.contains("managed instances (#1) wins over on-demand (#0)"),
        "{line}"
    );
    assert!(line.contains("saves"), "{line}");
}

#[test]
fn the_csv_of_a_managed_instances_run_has_its_capacity_columns() {
    let w = example("managed-instances.toml");
    let o = run(["run", w.to_str().unwrap(), "--format", "csv"]);
    assert_code(&o, 0);
    let out = stdout(&o);
    let mut lines = out.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let row: Vec<&str> = lines.next().unwrap().split(',').collect();
    let cell = |name: &str| {
        let i = header
            .iter()
            .position(|h| *h == name)
            .unwrap_or_else(|| panic!("no column {name} in {header:?}"));
        row[i]
    };
    assert_eq!(cell("managed_instance_type"), "c7g.xlarge");
    assert_eq!(cell("managed_instance_hours"), "3");
    // 3 instance-hours × $0.145 × 1.15.
    let usd: f64 = cell("cost_instances_usd").parse().unwrap();
    assert!((usd - 3.0 * 0.145 * 1.15).abs() < 1e-9, "{usd}");
    assert_eq!(cell("provisioned_avg"), "");
}
