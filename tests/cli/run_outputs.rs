//! `lamsim run` in every `--format`, with and without `--quiet`.

use serde_json::Value;

use crate::{
    assert_code, assert_no_panic, fx, json, path_str, repo_root, run, seed_line, stderr, stdout,
};

fn schema_validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(repo_root().join("schemas/summary.schema.json"))
        .expect("schemas/summary.schema.json is readable");
    let schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
    jsonschema::draft202012::new(&schema).expect("the schema compiles")
}

fn schema_errors(instance: &Value) -> Vec<String> {
    schema_validator()
        .iter_errors(instance)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

#[test]
fn table_names_every_function_and_stderr_has_the_seed_line() {
    let o = run(["run", &fx("short.toml")]);
    assert_code(&o, 0);
    assert_no_panic(&o);
    let out = stdout(&o);
    for name in ["fast", "slow"] {
        assert!(
            out.lines().any(|l| l.starts_with(name)),
            "no table row for {name}:\n{out}"
        );
    }
    // The seed comes from the file (seed = 11) and is printed so the run can be replayed.
    let line = seed_line(&o).unwrap_or_else(|| panic!("no seed line:\n{}", stderr(&o)));
    assert!(line.contains("seed 11"), "{line}");
    assert!(line.contains("short.toml"), "{line}");
    // Results go to stdout only.
    assert!(!stderr(&o).contains("latency (ms)"), "{}", stderr(&o));
}

#[test]
fn quiet_prints_neither_seed_line_nor_progress() {
    let o = run(["run", "--quiet", &fx("short.toml")]);
    assert_code(&o, 0);
    assert_eq!(stderr(&o), "", "--quiet must keep stderr empty");
    assert!(stdout(&o).contains("fast"));
    // The short flag is the same switch.
    let o = run(["run", "-q", &fx("short.toml")]);
    assert_code(&o, 0);
    assert_eq!(stderr(&o), "");
}

#[test]
fn json_parses_and_matches_the_committed_schema() {
    let o = run(["run", "--format", "json", "-q", &fx("short.toml")]);
    assert_code(&o, 0);
    let v = json(&o);
    assert_eq!(schema_errors(&v), Vec::<String>::new());
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["seed"], 11);
    assert_eq!(v["replicates"], 1);
    // Measured window = duration − warm-up = 120 s − 10 s.
    assert_eq!(v["window_s"].as_f64(), Some(110.0));
    assert_eq!(v["warmup_s"].as_f64(), Some(10.0));
    let names: Vec<&str> = v["functions"]
        .as_array()
        .expect("functions is an array")
        .iter()
        .map(|f| f["name"].as_str().expect("name is a string"))
        .collect();
    assert_eq!(names, ["fast", "slow"]);
    // Poisson at 20/s and 5/s over 110 s: 2,200 and 550 expected; ±5 σ (σ = √n).
    for (f, expected) in v["functions"]
        .as_array()
        .unwrap()
        .iter()
        .zip([2200.0, 550.0])
    {
        let n = f["invocations"].as_f64().unwrap();
        let tol = 5.0 * f64::sqrt(expected);
        assert!(
            (n - expected).abs() < tol,
            "{}: {n} invocations, expected {expected} ± {tol}",
            f["name"]
        );
    }
    // A constant 300 ms function: every warm latency is 300 ms (HDR precision 0.1 %).
    let slow = &v["functions"][1]["latency_warm_ms"];
    for k in ["p50", "p99", "max"] {
        let ms = slow[k].as_f64().unwrap();
        assert!((ms - 300.0).abs() <= 0.3, "slow warm {k} = {ms}");
    }
}

#[test]
fn csv_has_a_header_and_one_row_per_function() {
    let o = run(["run", "--format", "csv", "-q", &fx("short.toml")]);
    assert_code(&o, 0);
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "header + 2 rows:\n{out}");
    let header: Vec<&str> = lines[0].split(',').collect();
    assert_eq!(header[0], "function");
    assert!(header.contains(&"invocations"), "{}", lines[0]);
    assert!(lines[1].starts_with("fast,"), "{}", lines[1]);
    assert!(lines[2].starts_with("slow,"), "{}", lines[2]);
    for row in &lines[1..] {
        assert_eq!(row.split(',').count(), header.len(), "ragged row: {row}");
    }
}

#[test]
fn markdown_has_a_table_row_per_function() {
    let o = run(["run", "--format", "markdown", "-q", &fx("short.toml")]);
    assert_code(&o, 0);
    let out = stdout(&o);
    // A header row, then a delimiter row of dashes (GitHub-flavoured Markdown tables).
    let lines: Vec<&str> = out.lines().collect();
    let header = lines
        .iter()
        .position(|l| l.starts_with("| function |"))
        .unwrap_or_else(|| panic!("no table header:\n{out}"));
    let rule = lines[header + 1];
    assert!(
        rule.starts_with("|---") && rule.chars().all(|c| matches!(c, '|' | '-' | ':')),
        "{rule}"
    );
    for name in ["fast", "slow"] {
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("| ") && l.contains(name)),
            "no row for {name}:\n{out}"
        );
    }
}

#[test]
fn json_on_stdout_equals_the_summary_written_to_out() {
    let dir = crate::temp_dir();
    let out = dir.path().join("out");
    let o = run([
        "run",
        "--format",
        "json",
        "-q",
        "--out",
        &path_str(&out),
        &fx("short.toml"),
    ]);
    assert_code(&o, 0);
    let written = std::fs::read(out.join("summary.json")).expect("summary.json written");
    assert_eq!(o.stdout, written);
}

#[test]
fn json_with_replicates_and_an_slo_matches_the_schema_too() {
    for args in [
        vec!["--replicates", "3", "--seed", "4"],
        vec!["--replicates", "2"],
    ] {
        for workload in ["short.toml", "slo-impossible.toml", "slo-met.toml"] {
            let path = fx(workload);
            let mut full = vec!["run", "-q", "--format", "json"];
            full.extend_from_slice(&args);
            full.push(&path);
            let o = run(&full);
            assert!(matches!(crate::code(&o), 0 | 1), "{}", stderr(&o));
            let v = json(&o);
            assert_eq!(
                schema_errors(&v),
                Vec::<String>::new(),
                "{workload} {args:?}"
            );
        }
    }
}

#[test]
fn log_bytes_adds_the_lines_beside_lambda_to_every_format_and_the_json_matches_the_schema() {
    let dir = crate::temp_dir();
    let text = std::fs::read_to_string(fx("short.toml"))
        .expect("the fixture is readable")
        .replace(
            "runtime = \"python3.13\"",
            "runtime = \"python3.13\"\nlog-bytes = 400",
        );
    let file = dir.path().join("logs.toml");
    std::fs::write(&file, text).expect("write the workload");
    let o = run(["run", "--format", "json", "-q", &path_str(&file)]);
    assert_code(&o, 0);
    let v = json(&o);
    assert_eq!(schema_errors(&v), Vec::<String>::new());
    for period in ["window", "monthly"] {
        let b = &v["cost"][period];
        let get = |k: &str| b[k].as_f64().unwrap_or_else(|| panic!("no {period}.{k}"));
        assert!(get("logs_usd") > 0.0);
        assert_eq!(get("gateway_usd"), 0.0);
        assert_eq!(get("event_sources_usd"), 0.0);
        let lambda = [
            "requests_usd",
            "compute_usd",
            "provisioned_usd",
            "ephemeral_usd",
            "snapstart_usd",
        ]
        .iter()
        .map(|k| get(k))
        .sum::<f64>();
        assert!((get("lambda_usd") - lambda).abs() <= 1e-12 * lambda);
        assert!((get("total_usd") - lambda - get("logs_usd")).abs() <= 1e-12 * get("total_usd"));
    }
    // Only the function that logs pays for logs.
    assert!(v["functions"][0]["cost_usd"]["logs"].as_f64().unwrap() > 0.0);
    assert_eq!(v["functions"][1]["cost_usd"]["logs"].as_f64(), Some(0.0));
    let o = run(["run", "-q", &path_str(&file)]);
    assert_code(&o, 0);
    assert!(stdout(&o).contains("logs"), "{}", stdout(&o));
    let o = run(["run", "--format", "csv", "-q", &path_str(&file)]);
    assert!(
        stdout(&o)
            .lines()
            .next()
            .unwrap()
            .ends_with("cost_monthly_lambda_usd")
    );
}

/// Many functions whose warm-up is too short: five are named, the rest summed up in one line
/// (a population has thousands), and `summary.json` is written whole.
#[test]
fn warm_up_warnings_name_five_functions_then_sum_up_the_rest() {
    let dir = crate::temp_dir();
    let mut text = String::from("[simulation]\nduration = \"30m\"\nwarmup = \"1s\"\nseed = 1\n");
    for i in 0..12 {
        text.push_str(&format!(
            "[[function]]\nname = \"f{i}\"\nmemory-mb = 512\ntimeout = \"15m\"\n[function.arrivals]\nkind = \"constant\"\nrate-per-s = 2.0\n[function.duration]\ndist = \"const\"\nvalue = \"60s\"\n"
        ));
    }
    let w = dir.path().join("w.toml");
    std::fs::write(&w, text).unwrap();
    let o = run(["run", &path_str(&w), "--format", "json"]);
    assert_code(&o, 0);
    let e = stderr(&o);
    let named = e.matches("(MSER-5) but the warm-up is 1 s").count();
    assert_eq!(named, 5, "five named: {e}");
    let rest: Vec<&str> = e.lines().filter(|l| l.contains("more function")).collect();
    assert_eq!(rest.len(), 1, "{e}");
    // Each count ramps for a minute or more; MSER-5 flags most of the twelve (which ones
    // depends on the draws), and the line counts the ones not named.
    let more: usize = rest[0]
        .split("and ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{e}"));
    assert!((1..=7).contains(&more), "{e}");
    assert!(!o.stdout.is_empty());
}
