//! `lamsim validate FILE…`: every file is checked; exit 2 when any has an error.

use crate::{all_examples, assert_code, assert_no_panic, fx, path_str, run, stderr, stdout};

#[test]
fn every_example_workload_is_valid() {
    let examples: Vec<String> = all_examples().iter().map(|p| path_str(p)).collect();
    let mut args = vec!["validate"];
    args.extend(examples.iter().map(String::as_str));
    let o = run(&args);
    assert_code(&o, 0);
    let out = stdout(&o);
    for e in &examples {
        assert!(
            out.lines()
                .any(|l| l.starts_with("ok: ") && l.contains(e.as_str())),
            "{e} not reported ok:\n{out}"
        );
    }
    assert_eq!(stderr(&o), "");
}

#[test]
fn a_broken_file_exits_2_listing_every_error() {
    let o = run(["validate", &fx("many-errors.toml")]);
    assert_code(&o, 2);
    assert_no_panic(&o);
    let err = stderr(&o);
    assert!(err.contains("many-errors.toml: 4 errors"), "{err}");
    // One indented line per error.
    assert_eq!(
        err.lines().filter(|l| l.starts_with("  ")).count(),
        4,
        "{err}"
    );
}

#[test]
fn several_files_are_all_checked_even_after_a_failure() {
    let o = run([
        "validate",
        &fx("unknown-key.toml"),
        &fx("short.toml"),
        &fx("bare-duration.toml"),
        &fx("slo-met.toml"),
    ]);
    assert_code(&o, 2);
    let (out, err) = (stdout(&o), stderr(&o));
    assert!(out.contains("short.toml"), "{out}");
    assert!(out.contains("slo-met.toml"), "{out}");
    assert!(
        out.contains("2 functions"),
        "short.toml has two functions: {out}"
    );
    assert!(err.contains("unknown-key.toml"), "{err}");
    assert!(err.contains("bare-duration.toml"), "{err}");
    assert!(
        !out.contains("unknown-key.toml"),
        "a broken file reported ok: {out}"
    );
}

#[test]
fn several_valid_files_exit_0() {
    let o = run(["validate", &fx("short.toml"), &fx("slo-met.toml")]);
    assert_code(&o, 0);
    assert_eq!(
        stdout(&o).lines().filter(|l| l.starts_with("ok: ")).count(),
        2
    );
}

#[test]
fn quiet_prints_nothing_for_valid_files_but_still_reports_errors() {
    let o = run(["validate", "-q", &fx("short.toml")]);
    assert_code(&o, 0);
    assert_eq!(stdout(&o), "");
    let o = run(["validate", "-q", &fx("short.toml"), &fx("unknown-key.toml")]);
    assert_code(&o, 2);
    assert!(stderr(&o).contains("memory-mbs"), "{}", stderr(&o));
}

#[test]
fn a_missing_file_is_an_error() {
    let o = run(["validate", "no/such/workload.toml"]);
    assert_code(&o, 2);
    assert_no_panic(&o);
    assert!(
        stderr(&o).contains("no/such/workload.toml"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_deprecated_runtime_is_accepted_with_a_warning_naming_the_deprecation() {
    let o = run(["validate", &fx("deprecated-runtime.toml")]);
    assert_code(&o, 0);
    let err = stderr(&o);
    let node = err
        .lines()
        .find(|l| l.contains("function[0].runtime (`legacy-node`)"))
        .unwrap_or_else(|| panic!("no warning for nodejs18.x:\n{err}"));
    assert!(node.starts_with("warning: "), "{node}");
    assert!(
        node.contains("\"nodejs18.x\" was deprecated by AWS on 2025-09-01"),
        "{node}"
    );
    assert!(node.contains("nodejs20.x profile"), "{node}");
    let py = err
        .lines()
        .find(|l| l.contains("function[1].runtime (`legacy-python`)"))
        .unwrap_or_else(|| panic!("no warning for python3.9:\n{err}"));
    assert!(py.contains("on 2025-12-15"), "{py}");
    assert_eq!(err.lines().count(), 2, "{err}");
    // `run` warns too, and simulates.
    let o = run([
        "run",
        "-q",
        "--format",
        "json",
        &fx("deprecated-runtime.toml"),
    ]);
    assert_code(&o, 0);
    assert!(stderr(&o).contains("nodejs18.x"), "{}", stderr(&o));
}
