//! `--out` is refused (exit 2, nothing written) when the folder holds an input of the run, or
//! exists and is neither empty nor a lamsim output folder; an empty folder and a previous
//! output folder are accepted.

use std::fs;
use std::path::Path;

use crate::{assert_code, assert_no_panic, fx, path_str, repo_root, run, stderr, temp_dir};

/// A workload of one function whose durations are the empirical samples in `samples`.
fn empirical_workload(samples: &Path) -> String {
    format!(
        "[simulation]\nduration = \"1m\"\nseed = 5\n\n[[function]]\nname = \"api\"\nmemory-mb = 512\n\n\
         [function.arrivals]\nkind = \"poisson\"\nrate-per-s = 5.0\n\n[function.duration]\n\
         dist = \"empirical\"\nfile = \"{}\"\n",
        path_str(samples)
    )
}

#[test]
fn rerunning_the_resolved_workload_into_its_own_folder_is_refused() {
    let dir = temp_dir();
    let out = dir.path().join("out");
    let out_s = path_str(&out);
    assert_code(&run(["run", "-q", "--out", &out_s, &fx("short.toml")]), 0);
    let resolved = out.join("workload.resolved.toml");
    let before = fs::read(&resolved).unwrap();
    let summary = fs::read(out.join("summary.json")).unwrap();
    let o = run([
        "run",
        "-q",
        "--seed",
        "3",
        "--out",
        &out_s,
        &path_str(&resolved),
    ]);
    assert_code(&o, 2);
    assert_no_panic(&o);
    assert!(
        stderr(&o).contains("an input of this run"),
        "{}",
        stderr(&o)
    );
    assert_eq!(fs::read(&resolved).unwrap(), before);
    assert_eq!(fs::read(out.join("summary.json")).unwrap(), summary);
}

#[test]
fn an_input_named_like_an_output_in_a_previous_output_folder_is_refused() {
    // The folder looks like ours (a summary.json with schema_version), but its report.md is
    // the samples file the workload reads: writing the report would destroy it.
    let dir = temp_dir();
    let out = dir.path().join("out");
    fs::create_dir(&out).unwrap();
    fs::write(out.join("summary.json"), "{\"schema_version\": 1}\n").unwrap();
    let samples = out.join("report.md");
    fs::write(&samples, "40\n50\n60\n").unwrap();
    let workload = dir.path().join("w.toml");
    fs::write(&workload, empirical_workload(&samples)).unwrap();
    let o = run(["run", "-q", "--out", &path_str(&out), &path_str(&workload)]);
    assert_code(&o, 2);
    assert!(
        stderr(&o).contains("report.md, an input of this run"),
        "{}",
        stderr(&o)
    );
    assert_eq!(fs::read_to_string(&samples).unwrap(), "40\n50\n60\n");
}

#[test]
fn out_root_is_refused() {
    let o = run(["run", "-q", "--out", "/", &fx("short.toml")]);
    assert_code(&o, 2);
    assert_no_panic(&o);
    assert!(
        stderr(&o).contains("not empty and not a lamsim output folder"),
        "{}",
        stderr(&o)
    );
    assert!(!Path::new("/summary.json").exists() && !Path::new("/report.md").exists());
}

#[test]
fn a_folder_with_foreign_files_is_refused_and_kept() {
    let dir = temp_dir();
    let out = dir.path().join("out");
    fs::create_dir(&out).unwrap();
    fs::write(out.join("notes.txt"), "mine").unwrap();
    let o = run(["run", "-q", "--out", &path_str(&out), &fx("short.toml")]);
    assert_code(&o, 2);
    assert!(stderr(&o).contains("notes.txt"), "{}", stderr(&o));
    assert_eq!(crate::dir_names(&out), ["notes.txt"]);

    // A previous output folder with a foreign file in it is no longer only ours.
    fs::write(out.join("summary.json"), "{\"schema_version\": 1}\n").unwrap();
    let o = run(["run", "-q", "--out", &path_str(&out), &fx("short.toml")]);
    assert_code(&o, 2);
    // A summary.json without schema_version does not make a folder ours.
    fs::remove_file(out.join("notes.txt")).unwrap();
    fs::write(out.join("summary.json"), "{}\n").unwrap();
    let o = run(["run", "-q", "--out", &path_str(&out), &fx("short.toml")]);
    assert_code(&o, 2);
}

#[test]
fn an_empty_folder_is_accepted() {
    let dir = temp_dir();
    let o = run([
        "run",
        "-q",
        "--out",
        &path_str(dir.path()),
        &fx("short.toml"),
    ]);
    assert_code(&o, 0);
    assert!(dir.path().join("summary.json").is_file());
}

#[test]
fn sweep_refuses_a_foreign_out_folder() {
    let dir = temp_dir();
    fs::write(dir.path().join("keep.txt"), "x").unwrap();
    let o = run([
        "sweep",
        "-q",
        "--memory",
        "512",
        "--out",
        &path_str(dir.path()),
        &fx("short.toml"),
    ]);
    assert_code(&o, 2);
    assert!(!dir.path().join("sweep.json").exists());
}

#[test]
fn merge_refuses_to_write_into_a_shard_folder_it_reads() {
    let dir = temp_dir();
    let shard = path_str(&dir.path().join("s0"));
    let o = run([
        "sweep",
        "-q",
        "--memory",
        "512",
        "--shard",
        "0/1",
        "--out",
        &shard,
        &fx("short.toml"),
    ]);
    assert_code(&o, 0);
    let o = run(["merge", "-q", &shard, "--out", &shard]);
    assert_code(&o, 2);
    assert!(
        stderr(&o).contains("an input of this run"),
        "{}",
        stderr(&o)
    );
    assert!(!dir.path().join("s0/sweep.json").exists());
}

#[test]
fn calibrate_refuses_to_overwrite_its_input_log() {
    let dir = temp_dir();
    let log = dir.path().join("log.txt");
    fs::copy(
        repo_root().join("harness/tests/fixtures/cloudwatch-two-memory.txt"),
        &log,
    )
    .unwrap();
    let before = fs::read(&log).unwrap();
    let o = run(["calibrate", "-q", &path_str(&log), "--out", &path_str(&log)]);
    assert_code(&o, 2);
    assert!(
        stderr(&o).contains("an input of this calibration"),
        "{}",
        stderr(&o)
    );
    assert_eq!(fs::read(&log).unwrap(), before);
}
