//! Exit codes: 0 ok, 1 a declared `[slo]` failed, 2 an error.

use crate::{assert_code, assert_no_panic, fx, path_str, run, stderr, stdout, temp_dir};

#[test]
fn a_met_slo_exits_0() {
    let o = run(["run", &fx("slo-met.toml")]);
    assert_code(&o, 0);
    assert!(!stderr(&o).contains("SLO violated"), "{}", stderr(&o));
}

#[test]
fn a_violated_slo_exits_1_and_names_each_violation() {
    let dir = temp_dir();
    let out = dir.path().join("out");
    let o = run(["run", "--out", &path_str(&out), &fx("slo-impossible.toml")]);
    assert_code(&o, 1);
    assert_no_panic(&o);
    let err = stderr(&o);
    let violations: Vec<&str> = err
        .lines()
        .filter(|l| l.trim_start().starts_with("api:"))
        .collect();
    assert_eq!(violations.len(), 2, "two violations expected:\n{err}");
    assert!(violations.iter().any(|l| l.contains("p99")), "{err}");
    assert!(
        violations.iter().any(|l| l.contains("cold_start_ratio")),
        "{err}"
    );
    // The run finished: results are printed and written all the same.
    assert!(stdout(&o).contains("api"), "{}", stdout(&o));
    assert!(out.join("summary.json").is_file());
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["slo"]["met"], false, "{}", summary["slo"]);
}

#[test]
fn a_violated_slo_exits_1_in_every_format() {
    for format in ["table", "json", "csv", "markdown"] {
        let o = run(["run", "-q", "--format", format, &fx("slo-impossible.toml")]);
        assert_code(&o, 1);
    }
}

#[test]
fn success_exits_0() {
    assert_code(&run(["run", "-q", &fx("short.toml")]), 0);
    assert_code(&run(["validate", &fx("short.toml")]), 0);
    assert_code(&run(["runtimes"]), 0);
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        vec!["run"],
        vec!["run", "--bogus-flag", "x.toml"],
        vec!["no-such-command"],
        vec!["validate"],
    ] {
        let o = run(&args);
        assert_code(&o, 2);
        assert_no_panic(&o);
    }
}

#[test]
fn a_run_too_big_to_finish_or_fit_exits_2_with_the_estimate() {
    // 100 million replicates used to abort on a 38 GB allocation (exit 134).
    let o = run(["run", "--replicates", "100000000", &fx("slo-met.toml")]);
    assert_code(&o, 2);
    assert_no_panic(&o);
    let err = stderr(&o);
    assert!(err.contains("refusing to run about"), "{err}");
    assert!(err.contains("GB of records"), "{err}");
    assert!(!err.contains("0.000 GB"), "{err}");
    // A rate of 10¹² per second used to validate and then run for months.
    let dir = temp_dir();
    let text = std::fs::read_to_string(fx("slo-met.toml"))
        .unwrap()
        .replace("rate-per-s = 10.0", "rate-per-s = 1e12");
    let file = dir.path().join("huge.toml");
    std::fs::write(&file, text).unwrap();
    let o = run(["run", &path_str(&file)]);
    assert_code(&o, 2);
    assert!(
        stderr(&o).contains("the limits are 1e12 invocations"),
        "{}",
        stderr(&o)
    );
    // One function's records are kilobytes: said so, not "0.000 GB".
    assert!(stderr(&o).contains(" kB of records"), "{}", stderr(&o));
}
