//! The one way a test says it cannot run here, shared by the workspace's test binaries (each
//! includes this file as `mod skip` with `#[path]`).
//!
//! A test that needs something a machine may lack (a Python venv, Chromium, writable cgroups)
//! asks [`tool`] for it or calls [`unavailable`] with the reason. Outside CI the test then
//! passes, but says so: a `SKIP test: reason` line goes straight to the terminal (not through
//! the test harness's capture, which hides the output of passing tests), and is appended to the
//! file named by `LAMSIM_TEST_SKIP_LOG`, if set, so `.ci/run` can print the count. Under
//! `CI=true` a missing tool is a failure: CI must run every test.

#![allow(dead_code)]

use std::io::Write;

/// Whether the tests run in CI (`CI=true`, as GitHub Actions and most CI services set it).
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

/// Reports that `test` cannot run because of `reason`: panics under CI; otherwise prints the
/// `SKIP` line to the terminal and records it in `LAMSIM_TEST_SKIP_LOG`. The caller returns.
#[track_caller]
pub fn unavailable(test: &str, reason: &str) {
    let line = format!("SKIP {test}: {reason}");
    if in_ci() {
        panic!("{line} (CI=true: every test must run)");
    }
    // Written to the stream itself, not with `eprintln!`, which the harness captures.
    let _ = writeln!(std::io::stderr().lock(), "{line}");
    if let Some(path) = std::env::var_os("LAMSIM_TEST_SKIP_LOG") {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path);
        if let Ok(mut f) = file {
            let _ = writeln!(f, "{line}");
        }
    }
}

/// The value of the environment variable `var` (the path of a tool), or `None` after
/// [`unavailable`] says that `test` needs it and `how` to get it.
#[track_caller]
pub fn tool(var: &str, test: &str, how: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => Some(v),
        _ => {
            unavailable(test, &format!("{var} is not set ({how})"));
            None
        }
    }
}
