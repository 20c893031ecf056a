//! A closed stdout (`lamsim … | head -1`) ends the program quietly: no panic message, no
//! error, exit 0 (like ripgrep).

use std::io::Read;
use std::process::{Output, Stdio};

use crate::{SPAWN, assert_no_panic, fx, lamsim, stderr};

/// Spawns `lamsim args…` with a piped stdout whose reading end is closed at once, as when the
/// consumer of a pipeline exits, and waits for it.
fn with_closed_stdout(args: &[&str]) -> Output {
    let mut child = {
        // Close the reading end before any other test starts a child that could inherit it.
        let _guard = SPAWN.lock().unwrap_or_else(|e| e.into_inner());
        let mut child = lamsim(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the lamsim binary starts");
        drop(child.stdout.take());
        child
    };
    // stdout is gone: only stderr is collected.
    let mut stderr = Vec::new();
    child
        .stderr
        .take()
        .expect("stderr piped")
        .read_to_end(&mut stderr)
        .expect("stderr readable");
    Output {
        status: child.wait().expect("lamsim ends"),
        stdout: Vec::new(),
        stderr,
    }
}

#[track_caller]
fn assert_quiet_end(o: &Output) {
    assert_no_panic(o);
    assert!(!stderr(o).contains("error"), "{}", stderr(o));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(o));
}

#[test]
fn run_in_every_format() {
    for format in ["table", "json", "csv", "markdown"] {
        let o = with_closed_stdout(&["run", "-q", "--format", format, &fx("short.toml")]);
        assert_quiet_end(&o);
    }
}

#[test]
fn validate() {
    let o = with_closed_stdout(&["validate", &fx("short.toml"), &fx("slo-met.toml")]);
    assert_quiet_end(&o);
}

#[test]
fn runtimes() {
    let o = with_closed_stdout(&["runtimes"]);
    assert_quiet_end(&o);
}
