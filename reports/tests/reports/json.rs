//! The JSON exporter prints `summary.json` exactly.

use lamsim_reports::{Format, render};
use lamsim_sim::summary::Summary;

use crate::fixtures;

#[test]
fn json_is_the_pretty_summary_with_a_trailing_newline() {
    for (name, s) in fixtures::all() {
        let out = render(&s, Format::Json);
        let expected = serde_json::to_string_pretty(&s).unwrap() + "\n";
        assert_eq!(out, expected, "{name}");
    }
}

#[test]
fn json_reads_back_to_the_same_summary() {
    for (name, s) in fixtures::all() {
        let back: Summary = serde_json::from_str(&render(&s, Format::Json)).unwrap();
        assert_eq!(back, s, "{name}");
    }
}

#[test]
fn json_keeps_raw_ratios_and_unrounded_costs() {
    let s = fixtures::one_function_priced();
    let v: serde_json::Value = serde_json::from_str(&render(&s, Format::Json)).unwrap();
    let ratio = v["functions"][0]["cold_start_ratio"].as_f64().unwrap();
    assert_eq!(ratio, 1234.0 / 180_000.0);
    let total = v["cost"]["window"]["total_usd"].as_f64().unwrap();
    assert!((total - 0.39600072).abs() < 1e-12, "{total}");
    // Absent optional parts are absent, not null.
    assert!(v["functions"][0].get("cold_start_ratio_ci95").is_none());
    assert!(v["cost"]["window"].get("total_usd_ci95").is_none());
}
