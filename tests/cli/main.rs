//! Integration tests of the `lamsim` binary: each test runs the real executable
//! (`CARGO_BIN_EXE_lamsim`) on small workloads and checks what a user sees — stdout, stderr,
//! the exit code and the `--out` folder. Files are named by behaviour.
//!
//! Every simulated workload is a few minutes of simulated time, so each test takes well under
//! a second in the (optimised) test profile.

mod bad_input;
mod bench;
mod broken_pipe;
mod calibrate;
mod completions;
mod determinism;
mod events;
mod examples;
mod exit_codes;
mod golden_summaries;
mod harness_form;
mod import;
mod load;
mod managed_instances;
mod many_functions;
mod notebook;
mod out_dir;
mod out_guard;
mod parquet;
mod populations;
mod precision;
mod report;
mod run_blocks;
mod run_outputs;
mod run_shards;
mod runtimes;
#[path = "../support/skip.rs"]
mod skip;
mod sweep;
mod validate;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Mutex;

/// The repository root (the root package's manifest folder).
pub fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A file of `tests/fixtures`.
pub fn fixture(name: &str) -> PathBuf {
    repo_root().join("tests/fixtures").join(name)
}

/// A file of `workloads/examples`.
pub fn example(name: &str) -> PathBuf {
    repo_root().join("workloads/examples").join(name)
}

/// Every example workload, sorted by name.
pub fn all_examples() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(repo_root().join("workloads/examples"))
        .expect("workloads/examples exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    v.sort();
    assert!(!v.is_empty(), "no example workloads found");
    v
}

/// A `lamsim` command with the given arguments.
pub fn lamsim<I, S>(args: I) -> Command
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let mut c = Command::new(env!("CARGO_BIN_EXE_lamsim"));
    c.args(args);
    c
}

/// Held while a child process is being started. Tests run on parallel threads, and a child
/// forked by one thread briefly inherits the pipes another thread has just created (until it
/// executes `lamsim`); starting children one at a time keeps a pipe's reading end from living
/// on in a sibling, which `broken_pipe` relies on.
pub static SPAWN: Mutex<()> = Mutex::new(());

/// Starts `cmd` with piped stdout and stderr under [`SPAWN`].
pub fn spawn(cmd: &mut Command) -> Child {
    let _guard = SPAWN.lock().unwrap_or_else(|e| e.into_inner());
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the lamsim binary starts")
}

/// Runs `lamsim` with `args` to completion.
pub fn run<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    spawn(&mut lamsim(args))
        .wait_with_output()
        .expect("lamsim ends")
}

/// The exit code (panics if the process was killed by a signal).
pub fn code(o: &Output) -> i32 {
    o.status
        .code()
        .expect("lamsim exited normally, not by a signal")
}

/// stdout as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("stdout is UTF-8")
}

/// stderr as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("stderr is UTF-8")
}

/// Asserts that `o` exited with `expected`, showing both streams otherwise.
#[track_caller]
pub fn assert_code(o: &Output, expected: i32) {
    assert_eq!(
        code(o),
        expected,
        "unexpected exit code\n--- stdout:\n{}\n--- stderr:\n{}",
        stdout(o),
        stderr(o)
    );
}

/// Asserts that stderr shows no sign of a Rust panic.
#[track_caller]
/// A command refused a `--out` folder holding files of the user's (exit 2), and `kept` still
/// holds `contents`.
pub fn assert_foreign_folder_refused(o: &Output, kept: &Path, contents: &str) {
    assert_code(o, 2);
    assert!(
        stderr(o).contains("not empty and not a lamsim output folder"),
        "{}",
        stderr(o)
    );
    assert_eq!(std::fs::read_to_string(kept).unwrap(), contents);
}

pub fn assert_no_panic(o: &Output) {
    let err = stderr(o);
    assert!(
        !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
        "panic text on stderr:\n{err}"
    );
}

/// The seed line printed on stderr by `lamsim run` without `--quiet`.
pub fn seed_line(o: &Output) -> Option<String> {
    stderr(o)
        .lines()
        .find(|l| l.starts_with("lamsim: ") && l.contains(" · seed "))
        .map(str::to_string)
}

/// Parses stdout as JSON.
pub fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!("stdout is not JSON ({e}):\n{}", stdout(o));
    })
}

/// A fresh temporary folder, removed when dropped.
pub fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary folder")
}

/// A fixture's path as a `&str`-friendly `String` (test paths are UTF-8).
pub fn fx(name: &str) -> String {
    path_str(&fixture(name))
}

/// A path as a `String` (test paths are UTF-8).
/// The names in folder `dir`, sorted.
pub fn dir_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

pub fn path_str(p: &Path) -> String {
    p.to_str().expect("UTF-8 path").to_string()
}
