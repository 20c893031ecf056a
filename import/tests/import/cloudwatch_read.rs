//! Reading the JSON of `aws cloudwatch get-metric-data` and `get-metric-statistics`, and the
//! traces, workload and measured.json written from it.

use std::path::Path;

use lamsim_import::cloudwatch::{self, Arrivals};

use crate::fixture;

fn load(names: &[&str]) -> Vec<(String, String)> {
    names
        .iter()
        .map(|n| (n.to_string(), std::fs::read_to_string(fixture(n)).unwrap()))
        .collect()
}

const ALL: [&str; 4] = [
    "orders-api.get-metric-data.json",
    "orders-worker.invocations.json",
    "orders-worker.duration.json",
    "orders-worker.duration-average.json",
];

#[test]
fn get_metric_data_results_are_read_in_time_order_by_label() {
    let files = load(&ALL[..1]);
    let series = cloudwatch::read(&files[0].1, &files[0].0).unwrap();
    assert_eq!(series.len(), 7);
    let p99 = series
        .iter()
        .find(|s| s.metric == "Duration" && s.stat == "p99")
        .unwrap();
    assert_eq!(p99.function, "orders-api");
    assert_eq!(p99.points.len(), 30);
    assert!(
        p99.points.windows(2).all(|w| w[1].0 - w[0].0 == 60),
        "ascending minutes"
    );
    let thr = series.iter().find(|s| s.metric == "Throttles").unwrap();
    assert_eq!(thr.points.len(), 2); // minutes without throttles have no point
}

#[test]
fn get_metric_statistics_takes_the_function_from_the_file_name() {
    let files = load(&ALL[1..]);
    let mut series = Vec::new();
    for (n, t) in &files {
        series.extend(cloudwatch::read(t, n).unwrap());
    }
    assert!(series.iter().all(|s| s.function == "orders-worker"));
    let stats: Vec<&str> = series.iter().map(|s| s.stat.as_str()).collect();
    assert_eq!(stats, ["Sum", "p50", "p99", "Average"]);
}

#[test]
fn malformed_exports_are_errors_naming_the_place() {
    let err = |t: &str| cloudwatch::read(t, "m.json").unwrap_err().to_string();
    assert!(err("{").contains("not valid JSON"));
    assert!(err("{}").contains("neither `MetricDataResults`"));
    assert!(err(r#"{"MetricDataResults": [{"Label": "api Duration p99", "Timestamps": ["2026-01-01T00:00:00Z"], "Values": []}]}"#)
        .contains("MetricDataResults[0]: 1 Timestamps but 0 Values"));
    assert!(
        err(
            r#"{"MetricDataResults": [{"Label": "api Bytes Sum", "Timestamps": [], "Values": []}]}"#
        )
        .contains("does not name an AWS/Lambda metric")
    );
    assert!(err(r#"{"MetricDataResults": [{"Label": "api Errors Sum", "Timestamps": ["noon"], "Values": [1]}]}"#)
        .contains("Timestamps[0]: not an ISO 8601 time"));
    let none = cloudwatch::import(
        &[(
            "m.json".into(),
            r#"{"Label": "Errors", "Datapoints": []}"#.into(),
        )],
        Arrivals::Even,
        1,
    );
    assert!(
        none.unwrap_err()
            .to_string()
            .contains("no function has an Invocations series")
    );
}

/// One `get-metric-data` result `label` with `points` of `(time, value)`.
fn result(label: &str, points: &[(&str, f64)]) -> String {
    let ts: Vec<String> = points.iter().map(|p| format!("\"{}\"", p.0)).collect();
    let vs: Vec<String> = points.iter().map(|p| p.1.to_string()).collect();
    format!(
        r#"{{"Label": "{label}", "Timestamps": [{}], "Values": [{}]}}"#,
        ts.join(","),
        vs.join(",")
    )
}

fn import_results(results: &[String]) -> Result<cloudwatch::Output, String> {
    let text = format!(r#"{{"MetricDataResults": [{}]}}"#, results.join(","));
    cloudwatch::import(&[("m.json".into(), text)], Arrivals::Even, 1).map_err(|e| e.to_string())
}

/// Values no CloudWatch export holds are errors naming their place, before any trace is
/// made: a negative count or duration, a duration past Lambda's 15 minutes, a window longer
/// than CloudWatch keeps, and more arrivals than a trace is written for.
#[test]
fn impossible_values_are_refused_before_a_trace_is_made() {
    let t0 = "2026-11-30T10:00:00Z";
    let t1 = "2026-11-30T10:01:00Z";
    let e =
        import_results(&[result("api Invocations Sum", &[(t0, 10.0), (t1, -5.0)])]).unwrap_err();
    assert!(
        e.contains("MetricDataResults[0].Values[1]: a count of Invocations cannot be -5"),
        "{e}"
    );
    let e = import_results(&[
        result("api Invocations Sum", &[(t0, 10.0)]),
        result("api Duration p99", &[(t0, 1e300)]),
    ])
    .unwrap_err();
    assert!(e.contains("MetricDataResults[1].Values[0]: a duration of 1e300 ms is longer than Lambda's 15-minute limit"), "{e}");
    let e = import_results(&[result(
        "api Invocations Sum",
        &[("1900-01-01T00:00:00Z", 1.0), (t0, 10.0)],
    )])
    .unwrap_err();
    assert!(
        e.contains("from 1900-01-01T00:00:00Z to 2026-11-30T10:00:00Z"),
        "{e}"
    );
    assert!(e.contains("more than CloudWatch keeps (455 days)"), "{e}");
    // 455 days is accepted (a one-hour period, so the grid stays small).
    let from = "2025-09-01T10:00:00Z";
    let to = "2026-11-30T10:00:00Z";
    assert!(import_results(&[result("api Invocations Sum", &[(from, 1.0), (to, 1.0)])]).is_ok());
    let e = import_results(&[
        result("api Invocations Sum", &[(t0, 6e7)]),
        result("api Throttles Sum", &[(t0, 4e7 + 1.0)]),
    ])
    .unwrap_err();
    assert!(e.contains("more than the 1e8 a trace"), "{e}");
    // Two functions each under the bound, together over it: the bound is on the total.
    let e = import_results(&[
        result("api Invocations Sum", &[(t0, 5e7)]),
        result("worker Invocations Sum", &[(t0, 5e7 + 1.0)]),
    ])
    .unwrap_err();
    assert!(e.contains("1.000e8 arrivals"), "{e}");
}

/// What the per-period grid cannot keep is said: two points in one period (the last is
/// used) and a series given twice (the first is used).
#[test]
fn points_the_grid_cannot_keep_are_warned_about() {
    let t0 = "2026-11-30T10:00:00Z";
    let t1 = "2026-11-30T10:01:00Z";
    let out = import_results(&[
        result("api Invocations Sum", &[(t0, 10.0), (t1, 20.0), (t1, 30.0)]),
        result("api Errors Sum", &[(t0, 1.0)]),
        result("api Errors Sum", &[(t0, 2.0)]),
    ])
    .unwrap();
    let said: Vec<String> = out.warnings.iter().map(|w| w.to_string()).collect();
    assert!(
        said.iter().any(|w| w.contains("api Invocations Sum")
            && w.contains("1 point(s) fall in a 60 s period that already has one")),
        "{said:?}"
    );
    assert!(
        said.iter()
            .any(|w| w.contains("api Errors Sum") && w.contains("only its first copy is used")),
        "{said:?}"
    );
    let m: serde_json::Value = serde_json::from_str(&out.measured_json).unwrap();
    assert_eq!(
        m["functions"][0]["invocations"], 40.0,
        "10 + the last of 20 and 30"
    );
    assert_eq!(m["functions"][0]["errors"], 1.0, "the first Errors series");
}

/// A Duration series of zeros (periods without an execution) is no measurement: the
/// duration is a marked placeholder, and the workload written validates.
#[test]
fn a_duration_series_of_zeros_leaves_a_placeholder_that_validates() {
    let t0 = "2026-11-30T10:00:00Z";
    let t1 = "2026-11-30T10:01:00Z";
    let out = import_results(&[
        result("api Invocations Sum", &[(t0, 10.0), (t1, 20.0)]),
        result("api Duration p50", &[(t0, 0.0), (t1, 0.0)]),
        result("api Duration p99", &[(t0, 0.0), (t1, 0.0)]),
        result("api Duration Average", &[(t0, 0.0), (t1, 0.0)]),
    ])
    .unwrap();
    assert!(out.functions[0].1.is_none(), "no fit from zeros");
    assert!(out.todos.iter().any(|t| t.path == "function[0].duration"));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("measured.json"), &out.measured_json).unwrap();
    for (path, csv) in &out.traces {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, csv).unwrap();
    }
    lamsim_sim::config::from_str(&out.workload, dir.path(), "workload.toml")
        .unwrap_or_else(|e| panic!("{e}"));
}

fn rows(csv: &str) -> Vec<f64> {
    csv.lines().skip(1).map(|l| l.parse().unwrap()).collect()
}

#[test]
fn exact_placements_keep_every_counted_arrival_inside_its_minute() {
    let out = cloudwatch::import(&load(&ALL), Arrivals::Even, 1).unwrap();
    let (api, _) = &out.functions[0];
    let counted: f64 = api.invocations.iter().sum::<f64>() + api.throttles.iter().sum::<f64>();
    assert_eq!(counted, 3613.0);
    let times = rows(&out.traces[0].1);
    assert_eq!(times.len() as f64, counted);
    for k in 0..30 {
        let in_minute = times
            .iter()
            .filter(|&&t| t >= 60.0 * k as f64 && t < 60.0 * (k + 1) as f64)
            .count();
        assert_eq!(
            in_minute as f64,
            api.invocations[k] + api.throttles[k],
            "minute {k}"
        );
    }
    let uniform = cloudwatch::import(&load(&ALL), Arrivals::Uniform, 7).unwrap();
    let u = rows(&uniform.traces[0].1);
    assert_eq!(u.len(), times.len());
    assert!(u.windows(2).all(|w| w[0] <= w[1]));
}

#[test]
fn poisson_placement_keeps_the_count_within_its_standard_error() {
    let out = cloudwatch::import(&load(&ALL), Arrivals::Poisson, 3).unwrap();
    let n = rows(&out.traces[0].1).len() as f64;
    let expected = 3613.0_f64;
    // A Poisson count has sd sqrt(mean); 5 sd makes a false failure about 1 in 3.5 million.
    assert!((n - expected).abs() < 5.0 * expected.sqrt(), "{n}");
    // The same seed places the same arrivals.
    let again = cloudwatch::import(&load(&ALL), Arrivals::Poisson, 3).unwrap();
    assert_eq!(out.traces, again.traces);
}

#[test]
fn the_written_workload_validates_and_measured_json_keeps_the_totals() {
    let out = cloudwatch::import(&load(&ALL), Arrivals::Even, 1).unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(cloudwatch::TRACES_DIR)).unwrap();
    for (p, csv) in &out.traces {
        std::fs::write(dir.path().join(p), csv).unwrap();
    }
    std::fs::write(dir.path().join("measured.json"), &out.measured_json).unwrap();
    let scenario =
        lamsim_sim::config::from_str(&out.workload, Path::new(dir.path()), "workload.toml")
            .unwrap_or_else(|e| panic!("{e}\n{}", out.workload));
    assert_eq!(scenario.functions.len(), 2);
    // Each function is compared with its own measured series.
    for f in &scenario.functions {
        let m = f.measured.as_ref().expect("measured = \"measured.json\"");
        assert_eq!(m.period.as_secs_f64(), 60.0);
        assert!(!m.invocations.is_empty());
    }
    assert!(
        out.workload.contains("duration = \"30m\""),
        "{}",
        out.workload
    );
    // 3 errors in 3,600 invocations.
    assert!(
        out.workload.contains("error-rate = 0.000833"),
        "{}",
        out.workload
    );
    let m: serde_json::Value = serde_json::from_str(&out.measured_json).unwrap();
    assert_eq!(m["schema_version"], 1);
    assert_eq!(m["periods"], 30);
    let api = &m["functions"][0];
    assert_eq!(api["name"], "orders-api");
    assert_eq!(api["invocations"], 3600.0);
    assert_eq!(api["throttles"], 13.0);
    assert_eq!(api["errors"], 3.0);
    assert_eq!(api["series"]["invocations"].as_array().unwrap().len(), 30);
    // Two TODOs per function: memory and timeout, which CloudWatch does not record.
    assert_eq!(out.todos.len(), 4);
    assert_eq!(out.workload.matches("TODO placeholder").count(), 4);
}
