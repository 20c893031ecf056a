//! `lamsim run` simulating many functions in blocks (`--blocks`, `auto` by default): what it
//! prints and writes is what one run of every function together prints and writes.

use std::path::Path;

use crate::populations::synthesize;
use crate::run_shards::{assert_same_files_but_the_sample, holders};
use crate::{assert_code, path_str, run, stderr, stdout, temp_dir};

/// A synthesized account of 90 functions over an hour (3 blocks by default).
fn account(dir: &Path) -> String {
    let gen_dir = dir.join("account");
    assert_code(&synthesize(&gen_dir, 90, 3), 0);
    path_str(&gen_dir.join("workload.toml"))
}

#[test]
fn blocks_print_and_write_what_one_run_does() {
    let tmp = temp_dir();
    let w = account(tmp.path());
    // `lamsim run` of the account with `--blocks`, into folder `dir`.
    let run_into = |blocks: &str, dir: &Path| {
        let o = run([
            "run",
            &w,
            "--blocks",
            blocks,
            "--format",
            "json",
            "--quiet",
            "--out",
            &path_str(dir),
        ]);
        assert_code(&o, 0);
        o
    };
    let whole = tmp.path().join("whole");
    let one = run_into("off", &whole);
    let blocked = tmp.path().join("blocked");
    let auto = run_into("auto", &blocked);
    assert_eq!(
        stdout(&auto),
        stdout(&one),
        "auto (3 blocks) prints one run's summary"
    );
    assert_same_files_but_the_sample(&whole, &blocked, "a run in blocks");
    for blocks in ["7", "90"] {
        let o = run(["run", &w, "--blocks", blocks, "--format", "json", "--quiet"]);
        assert_code(&o, 0);
        assert_eq!(stdout(&o), stdout(&one), "{blocks} blocks");
    }
}

#[test]
fn when_the_account_limit_may_bind_the_functions_run_together() {
    let tmp = temp_dir();
    // A limit of 1: each function alone fits, together they do not.
    let w = holders(tmp.path(), 1);
    let whole = run(["run", &w, "--blocks", "off", "--format", "json"]);
    assert_code(&whole, 0);
    let o = run(["run", &w, "--blocks", "2", "--format", "json"]);
    assert_code(&o, 0);
    assert!(
        stderr(&o).contains(
            "the account's concurrency limit may bind, so the functions are simulated together"
        ),
        "{}",
        stderr(&o)
    );
    assert_eq!(stdout(&o), stdout(&whole), "the answer of one run");
    // With room for both, the blocks run and say nothing.
    let w = holders(tmp.path(), 2);
    let o = run(["run", &w, "--blocks", "2", "--format", "json"]);
    assert_code(&o, 0);
    assert!(!stderr(&o).contains("may bind"), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        stdout(&run(["run", &w, "--blocks", "off", "--format", "json"]))
    );
}

#[test]
fn bad_block_requests_exit_2_with_a_clear_error() {
    let tmp = temp_dir();
    let w = holders(tmp.path(), 2);
    let d = path_str(&tmp.path().join("s"));
    // The same two functions sharing legacy scaling's one burst.
    let legacy = tmp.path().join("legacy.toml");
    let text = std::fs::read_to_string(&w)
        .unwrap()
        .replace("[account]\n", "[account]\nscaling = \"legacy-burst\"\n");
    std::fs::write(&legacy, text).unwrap();
    let legacy = path_str(&legacy);
    let cases: [(&[&str], &str); 6] = [
        (
            &["run", &w, "--blocks", "0"],
            "not auto, off or a number of blocks",
        ),
        (
            &["run", &w, "--blocks", "many"],
            "not auto, off or a number of blocks",
        ),
        (
            &["run", &w, "--blocks", "3"],
            "the workload has 2 functions",
        ),
        (
            &["run", &w, "--blocks", "2", "--precision", "5%"],
            "--blocks cannot be used with --precision",
        ),
        (
            &["run", &w, "--blocks", "2", "--shard", "0/2", "--out", &d],
            "cannot be used with",
        ),
        (
            &["run", &legacy, "--blocks", "2"],
            "with --blocks off or auto",
        ),
    ];
    for (args, message) in cases {
        let o = run(args);
        assert_code(&o, 2);
        assert!(stderr(&o).contains(message), "{args:?}: {}", stderr(&o));
        assert!(stdout(&o).is_empty(), "{args:?} printed a summary");
    }
}
