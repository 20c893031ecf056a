//! `lamsim import sam`: a template → a workload that `lamsim validate` accepts, warnings and
//! placeholders on stderr, exit 2 for bad input with nothing written.

use crate::{
    assert_code, assert_foreign_folder_refused, assert_no_panic, path_str, repo_root, run, stderr,
    stdout, temp_dir,
};

fn template(name: &str) -> String {
    path_str(&repo_root().join("import/tests/fixtures").join(name))
}

#[test]
fn import_sam_writes_a_workload_that_validates_next_to_its_code() {
    let tmp = temp_dir();
    let out = tmp.path().join("sim/workload.toml");
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    let o = run([
        "import",
        "sam",
        &template("parameters-conditions.yaml"),
        "--parameter",
        "Stage=prod",
        "--out",
        &path_str(&out),
    ]);
    assert_code(&o, 0);
    assert_no_panic(&o);
    assert!(stdout(&o).is_empty(), "{}", stdout(&o));
    let err = stderr(&o);
    assert!(err.contains("placeholders marked TODO"), "{err}");
    assert!(err.contains("function[0].arrivals: traffic of"), "{err}");
    assert!(err.contains("lamsim validate"), "{err}");
    let text = std::fs::read_to_string(&out).unwrap();
    // The handler's folder is the template's CodeUri, seen from the workload's folder.
    let code_dir =
        std::path::absolute(repo_root().join("import/tests/fixtures/processor")).unwrap();
    let cwd_line = text.lines().find(|l| l.starts_with("cwd = ")).unwrap();
    let cwd: String = cwd_line.split('"').nth(1).unwrap().to_string();
    let joined = std::path::absolute(out.parent().unwrap().join(&cwd)).unwrap();
    let norm = |p: &std::path::Path| {
        p.components()
            .fold(std::path::PathBuf::new(), |mut acc, c| {
                match c {
                    std::path::Component::ParentDir => {
                        acc.pop();
                    }
                    std::path::Component::CurDir => {}
                    other => acc.push(other),
                }
                acc
            })
    };
    assert_eq!(norm(&joined), norm(&code_dir), "{cwd_line}");
    let v = run(["validate", &path_str(&out)]);
    assert_code(&v, 0);
}

#[test]
fn import_sam_prints_to_stdout_without_out_and_warns_on_stderr() {
    let o = run([
        "import",
        "sam",
        &template("api-schedule-sqs.yaml"),
        "--quiet",
    ]);
    assert_code(&o, 0);
    assert!(stdout(&o).contains("[[function.trigger]]"));
    let err = stderr(&o);
    assert!(err.contains("warning: Resources.ApiFunction.Properties.ReservedConcurrencyLimit: unknown property, ignored (closest valid property: ReservedConcurrentExecutions)"), "{err}");
    assert!(
        !err.contains("placeholders marked TODO"),
        "--quiet lists no placeholders: {err}"
    );
}

#[test]
fn import_sam_bad_input_exits_2_and_writes_nothing() {
    let tmp = temp_dir();
    let out = tmp.path().join("w.toml");
    for (args, needle) in [
        (
            vec!["--parameter", "Stag=prod"],
            "the template has no parameter `Stag` (closest: `Stage`)",
        ),
        (
            vec!["--parameter", "Stage=qa"],
            "`qa` is not one of its AllowedValues",
        ),
        (
            vec!["--parameter", "Stage"],
            "--parameter Stage: write KEY=VALUE",
        ),
        (
            vec!["--parameter", "Stage=prod", "--parameter", "Stage=dev"],
            "--parameter Stage is given twice (Stage=prod and Stage=dev)",
        ),
    ] {
        let mut all = vec![
            "import".to_string(),
            "sam".into(),
            template("parameters-conditions.yaml"),
        ];
        all.extend(args.iter().map(|s| s.to_string()));
        all.extend(["--out".to_string(), path_str(&out)]);
        let o = run(&all);
        assert_code(&o, 2);
        assert_no_panic(&o);
        assert!(
            stderr(&o).contains(needle),
            "{needle:?} not in {}",
            stderr(&o)
        );
        assert!(!out.exists());
    }
    let o = run(["import", "sam", "no-such-template.yaml"]);
    assert_code(&o, 2);
    assert!(stderr(&o).contains("cannot read the template no-such-template.yaml"));
}

#[test]
fn import_cloudwatch_writes_traces_and_a_workload_that_validates() {
    let tmp = temp_dir();
    let out = tmp.path().join("measured");
    let o = run([
        "import",
        "cloudwatch",
        &template("orders-api.get-metric-data.json"),
        &template("orders-worker.invocations.json"),
        &template("orders-worker.duration.json"),
        &template("orders-worker.duration-average.json"),
        "--arrivals",
        "even",
        "--out",
        &path_str(&out),
    ]);
    assert_code(&o, 0);
    assert_no_panic(&o);
    let err = stderr(&o);
    assert!(
        err.contains(
            "orders-api: duration lognormal through the measured p50 120 ms and p99 480 ms"
        ),
        "{err}"
    );
    let trace = std::fs::read_to_string(out.join("traces/orders-api.csv")).unwrap();
    assert_eq!(trace.lines().count(), 1 + 3613); // header + invocations + throttles
    assert!(out.join("measured.json").is_file());
    let v = run(["validate", &path_str(&out.join("workload.toml"))]);
    assert_code(&v, 0);
    let bad = run([
        "import",
        "cloudwatch",
        &template("orders-worker.invocations.json"),
        "--arrivals",
        "burst",
    ]);
    assert_code(&bad, 2);
}

/// The README's three commands: CloudWatch export → template → a bill and a p99. With
/// `--arrivals even` every measured arrival (Invocations + Throttles, 3,613) is replayed, so
/// the run sees exactly that many requests.
#[test]
fn three_commands_from_a_template_and_an_export_to_a_bill() {
    let tmp = temp_dir();
    let measured = tmp.path().join("measured");
    let workload = tmp.path().join("workload.toml");
    let o = run([
        "import",
        "cloudwatch",
        &template("orders-api.get-metric-data.json"),
        "--arrivals",
        "even",
        "--out",
        &path_str(&measured),
    ]);
    assert_code(&o, 0);
    let o = run([
        "import",
        "sam",
        &template("orders-api-direct.yaml"),
        "--from-cloudwatch",
        &path_str(&measured),
        "--out",
        &path_str(&workload),
    ]);
    assert_code(&o, 0);
    assert!(!stderr(&o).contains("TODO"), "{}", stderr(&o));
    let text = std::fs::read_to_string(&workload).unwrap();
    assert!(
        text.contains("file = \"measured/traces/orders-api.csv\""),
        "{text}"
    );
    assert!(text.contains("memory-mb = 1024"), "{text}");
    let o = run(["run", &path_str(&workload), "--format", "json", "--quiet"]);
    assert_code(&o, 0);
    let summary: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let f = &summary["functions"][0];
    assert_eq!(f["name"], "orders-api");
    let requests = f["invocations"].as_f64().unwrap() + f["throttles"].as_f64().unwrap();
    assert_eq!(requests, 3613.0);
    assert!(summary["cost"]["monthly"]["total_usd"].as_f64().unwrap() > 0.0);
    assert!(f["latency_ms"]["p99"].as_f64().unwrap() > 0.0);
}

/// `import cloudwatch --out` writes only a new folder or its own: a folder holding other
/// files (here a workload of the user's beside them) is refused and left as it was.
#[test]
fn import_cloudwatch_refuses_a_folder_of_other_files() {
    let tmp = temp_dir();
    let out = tmp.path().join("mine");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("workload.toml"), "# mine").unwrap();
    std::fs::write(out.join("notes.md"), "mine").unwrap();
    let args = |out: &std::path::Path| {
        vec![
            "import".to_string(),
            "cloudwatch".to_string(),
            template("orders-api.get-metric-data.json"),
            "--out".to_string(),
            path_str(out),
        ]
    };
    assert_foreign_folder_refused(&run(args(&out)), &out.join("workload.toml"), "# mine");
    assert!(!out.join("measured.json").exists());
    // Its own folder, written twice: the second run replaces the first.
    let own = tmp.path().join("measured");
    assert_code(&run(args(&own)), 0);
    assert_code(&run(args(&own)), 0);
    assert!(own.join("traces/orders-api.csv").is_file());
}
