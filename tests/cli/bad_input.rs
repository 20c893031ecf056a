//! Bad input exits 2 with a message naming the TOML path and a fix, reports every error at
//! once, writes nothing to `--out` and never panics.

use std::process::Output;

use crate::{assert_code, assert_no_panic, fx, path_str, run, stderr, stdout, temp_dir};

/// Runs `lamsim run --out DIR ARGS…` and checks the contract of every error case: exit 2,
/// no panic, nothing on stdout, and no `DIR` afterwards (not even a temporary folder).
fn run_failing(args: &[&str]) -> Output {
    let dir = temp_dir();
    let out = dir.path().join("out");
    let out_s = path_str(&out);
    let mut full = vec!["run", "--out", &out_s];
    full.extend_from_slice(args);
    let o = run(&full);
    assert_code(&o, 2);
    assert_no_panic(&o);
    assert_eq!(stdout(&o), "", "an error prints no results");
    assert!(!out.exists(), "--out folder created despite the error");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(leftovers.is_empty(), "files left behind: {leftovers:?}");
    o
}

#[test]
fn a_missing_file() {
    let o = run_failing(&[&fx("does-not-exist.toml")]);
    let err = stderr(&o);
    assert!(err.contains("does-not-exist.toml"), "{err}");
    assert!(err.contains("cannot read"), "{err}");
}

#[test]
fn a_toml_syntax_error_names_line_and_column() {
    let o = run_failing(&[&fx("syntax-error.toml")]);
    let err = stderr(&o);
    assert!(err.contains("syntax-error.toml"), "{err}");
    assert!(err.contains("TOML syntax error at line 4"), "{err}");
}

#[test]
fn an_unknown_key_names_its_path_and_suggests_the_close_key() {
    let o = run_failing(&[&fx("unknown-key.toml")]);
    let err = stderr(&o);
    assert!(
        err.lines()
            .any(|l| l.contains("function[0].memory-mbs: unknown key")
                && l.contains("did you mean `memory-mb`?")),
        "{err}"
    );
}

#[test]
fn a_bare_number_duration_suggests_a_unit() {
    let o = run_failing(&[&fx("bare-duration.toml")]);
    let err = stderr(&o);
    let line = err
        .lines()
        .find(|l| l.contains("simulation.duration"))
        .unwrap_or_else(|| panic!("no error at simulation.duration:\n{err}"));
    assert!(line.contains("bare number"), "{line}");
    assert!(line.contains("\"60s\""), "the hint suggests a unit: {line}");
}

#[test]
fn a_p99_below_the_median() {
    let o = run_failing(&[&fx("p99-below-median.toml")]);
    assert!(
        stderr(&o).contains("function[0].duration.p99: must be >= median"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn every_error_is_reported_at_once() {
    let o = run_failing(&[&fx("many-errors.toml")]);
    let err = stderr(&o);
    assert!(err.contains("4 errors"), "{err}");
    for path in [
        "simulation.warmup:",
        "function[0].memory-mb:",
        "function[0].arrivals.burst: unknown key",
        "function[1].duration.p99: must be >= median",
    ] {
        assert!(err.contains(path), "missing `{path}`:\n{err}");
    }
}

#[test]
fn zero_replicates() {
    let o = run_failing(&["--replicates", "0", &fx("short.toml")]);
    assert!(stderr(&o).contains("--replicates"), "{}", stderr(&o));
}

#[test]
fn an_unknown_format_lists_the_known_ones() {
    let o = run_failing(&["--format", "xml", &fx("short.toml")]);
    let err = stderr(&o);
    assert!(err.contains("xml"), "{err}");
    for known in ["table", "json", "markdown", "csv"] {
        assert!(err.contains(known), "{known} not listed:\n{err}");
    }
}

#[test]
fn a_non_numeric_seed() {
    run_failing(&["--seed", "forty-two", &fx("short.toml")]);
}

#[test]
fn an_out_path_that_is_a_file_is_refused_and_kept() {
    let dir = temp_dir();
    let file = dir.path().join("taken");
    std::fs::write(&file, "keep me").unwrap();
    let o = run(["run", "-q", "--out", &path_str(&file), &fx("short.toml")]);
    assert_code(&o, 2);
    assert_no_panic(&o);
    assert!(stderr(&o).contains("not a folder"), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "keep me");
}

#[test]
fn errors_are_printed_once_without_a_debug_dump() {
    let o = run_failing(&[&fx("p99-below-median.toml")]);
    let err = stderr(&o);
    assert_eq!(
        err.matches("function[0].duration.p99").count(),
        1,
        "the error is printed more than once:\n{err}"
    );
    assert!(!err.contains("ConfigError"), "Debug output leaked:\n{err}");
}
