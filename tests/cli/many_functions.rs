//! `lamsim run` of an account of 2,000 functions: the output folder stays small (a bounded
//! `report-data.json`, charts for the top functions only), `summary.json` keeps every function
//! and adds the aggregate, whose top lists and totals agree with the functions, and the
//! terminal shows totals and top lists instead of 2,000 rows; `lamsim report` redraws the same
//! report from the folder.

use std::fs::File;

use polars::prelude::{ParquetReader, SerReader};
use serde_json::Value;

use crate::{assert_code, path_str, run, stdout, temp_dir};

/// `n` functions for 10 minutes after a 1-minute warm-up, function `i` at a rate of
/// `0.002·(1 + 37i mod 101)` per s (0.002 to 0.2), memory `128·(1 + i mod 8)` MB.
fn workload(n: usize) -> String {
    let mut w = String::from("[simulation]\nduration = \"11m\"\nwarmup = \"1m\"\nseed = 7\n\n");
    for i in 0..n {
        let rate = 0.002 * (1 + (37 * i) % 101) as f64;
        let memory = 128 * (1 + i % 8);
        w.push_str(&format!(
            "[[function]]\nname = \"f{i:04}\"\nmemory-mb = {memory}\n\
             [function.arrivals]\nkind = \"poisson\"\nrate-per-s = {rate}\n\
             [function.duration]\ndist = \"lognormal\"\nmedian = \"80ms\"\np99 = \"600ms\"\n\n"
        ));
    }
    w
}

fn f(v: &Value, key: &str) -> f64 {
    v.pointer(key)
        .and_then(Value::as_f64)
        .unwrap_or_else(|| panic!("{key} in {v}"))
}

#[test]
fn two_thousand_functions_give_a_bounded_folder_with_the_top_functions_first() {
    let tmp = temp_dir();
    let w = tmp.path().join("account.toml");
    std::fs::write(&w, workload(2_000)).unwrap();
    let out = tmp.path().join("out");
    let o = run(["run", &path_str(&w), "--out", &path_str(&out), "-q"]);
    assert_code(&o, 0);

    // The terminal: totals and top lists, not a row per function.
    let text = stdout(&o);
    assert!(text.contains("All 2,000 functions"), "{text}");
    assert!(text.lines().count() < 150, "{} lines", text.lines().count());

    // report-data.json: bounded (the account's 660 one-second buckets and at most 40 charted
    // functions), whatever the number of functions.
    let data_len = std::fs::metadata(out.join("report-data.json"))
        .unwrap()
        .len();
    assert!(data_len < 4_000_000, "report-data.json is {data_len} bytes");
    let data: Value =
        serde_json::from_slice(&std::fs::read(out.join("report-data.json")).unwrap()).unwrap();
    let charted = data["functions"].as_array().unwrap().len();
    assert!((1..=40).contains(&charted), "{charted} charted functions");
    assert_eq!(data["account"]["functions"], 2_000);
    let charts = std::fs::read_dir(out.join("charts")).unwrap().count();
    assert!(charts <= 2 * charted + 5, "{charts} charts");
    let html = std::fs::metadata(out.join("report.html")).unwrap().len();
    assert!(html < 4_000_000, "report.html is {html} bytes");

    // summary.json: every function, and an aggregate that agrees with them.
    let s: Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    let functions = s["functions"].as_array().unwrap();
    assert_eq!(functions.len(), 2_000);
    let agg = &s["aggregate"];
    for key in ["invocations", "cold_starts", "throttles", "arrivals"] {
        let sum: f64 = functions.iter().map(|x| f(x, &format!("/{key}"))).sum();
        assert_eq!(f(agg, &format!("/totals/{key}")), sum, "{key}");
    }
    let cost: f64 = functions.iter().map(|x| f(x, "/cost_usd/total")).sum();
    let total = f(agg, "/totals/cost_usd");
    assert!((total - cost).abs() <= 1e-9 * cost, "{total} vs {cost}");
    // The top 20 by cost: the 20 largest costs, sorted here (ties in workload order).
    let mut by_cost: Vec<(f64, usize)> = functions
        .iter()
        .enumerate()
        .map(|(i, x)| (f(x, "/cost_usd/total"), i))
        .collect();
    by_cost.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let expected: Vec<&str> = by_cost[..20]
        .iter()
        .map(|(_, i)| functions[*i]["name"].as_str().unwrap())
        .collect();
    let top: Vec<&str> = agg["top"]["by_cost"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(top, expected);
    assert!(
        text.contains(expected[0]),
        "the most expensive function is on screen"
    );

    // functions.parquet: one row per function, in workload order.
    let df = ParquetReader::new(File::open(out.join("functions.parquet")).unwrap())
        .finish()
        .unwrap();
    assert_eq!(df.height(), 2_000);
    let names = df.column("name").unwrap().str().unwrap();
    assert_eq!(names.get(1_999), Some("f1999"));

    // `lamsim report` redraws the same report from the bounded report-data.json.
    let html = std::fs::read(out.join("report.html")).unwrap();
    std::fs::remove_file(out.join("report.html")).unwrap();
    assert_code(&run(["report", &path_str(&out), "-q"]), 0);
    assert!(std::fs::read(out.join("report.html")).unwrap() == html);
}
