//! `lamsim run --shard I/N` and `lamsim merge` of run shards, through the real binary.

use std::path::Path;

use crate::{assert_code, lamsim, path_str, repo_root, run, spawn, stderr, stdout, temp_dir};

/// Runs `lamsim` with `args` and the shard-index variables of the environment set to `env`.
fn run_env(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut c = lamsim(args);
    c.env_remove("JOB_COMPLETION_INDEX")
        .env_remove("SLURM_ARRAY_TASK_ID");
    for (k, v) in env {
        c.env(k, v);
    }
    spawn(&mut c).wait_with_output().expect("lamsim runs")
}

fn read(dir: &Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{}: {e}", dir.join(name).display()))
}

/// Every file of the output folder `one` (one run) is byte for byte in `other` (`what`), but
/// the invocation sample, drawn per part (see the shard module), which need only be there.
pub(crate) fn assert_same_files_but_the_sample(one: &Path, other: &Path, what: &str) {
    for name in [
        "summary.json",
        "workload.resolved.toml",
        "report-data.json",
        "report.md",
        "report.html",
        "timeseries.parquet",
        "functions.parquet",
    ] {
        assert!(
            read(one, name) == read(other, name),
            "{name} differs between one run and {what}"
        );
    }
    assert!(other.join("invocations.parquet").is_file());
}

#[test]
fn three_shards_of_a_population_merge_into_the_files_of_one_run() {
    let w = path_str(&repo_root().join("workloads/populations/azure2019.toml"));
    let tmp = temp_dir();
    let full = tmp.path().join("full");
    let one = run([
        "run",
        &w,
        "--out",
        &path_str(&full),
        "--quiet",
        "--format",
        "json",
    ]);
    assert_code(&one, 0);
    let mut dirs = Vec::new();
    for i in 0..3 {
        let d = tmp.path().join(format!("shard{i}"));
        // Shard 1 takes its index from the environment, as a Kubernetes indexed job does.
        let o = if i == 1 {
            run_env(
                &["run", &w, "--shards", "3", "--out", &path_str(&d)],
                &[("JOB_COMPLETION_INDEX", "1")],
            )
        } else {
            let s = format!("{i}/3");
            run_env(&["run", &w, "--shard", &s, "--out", &path_str(&d)], &[])
        };
        assert_code(&o, 0);
        assert!(stdout(&o).is_empty(), "a shard prints no summary");
        assert!(
            stderr(&o).contains(&format!("shard {i}/3: 3")),
            "{}",
            stderr(&o)
        );
        assert!(stderr(&o).contains("lamsim merge"), "{}", stderr(&o));
        assert!(
            stderr(&o).contains("of the account's 1000 unreserved concurrency"),
            "{}",
            stderr(&o)
        );
        dirs.push(path_str(&d));
    }
    let merged = tmp.path().join("merged");
    let mut args = vec!["merge".to_string()];
    args.extend(dirs.iter().rev().cloned()); // any order
    args.extend([
        "--out".into(),
        path_str(&merged),
        "--format".into(),
        "json".into(),
    ]);
    let m = run(&args);
    assert_code(&m, 0);
    assert_eq!(
        stdout(&m),
        stdout(&one),
        "the merge prints the summary of one run"
    );
    assert_same_files_but_the_sample(&full, &merged, "the merged shards");
    // Merging again into the same folder is allowed (it is lamsim's own).
    assert_code(&run(&args), 0);
}

/// Two functions holding one environment busy nearly all the time (99 s of every 100 s, plus
/// the init of the cold start), 50 s apart, under a
/// concurrency limit of `limit`.
pub(crate) fn holders(dir: &Path, limit: u32) -> String {
    let mut text = format!(
        "[simulation]\nduration = \"30m\"\nseed = 1\n\n[account]\nconcurrency-limit = {limit}\n"
    );
    for (name, start) in [("a", "0s"), ("b", "50s")] {
        text.push_str(&format!(
            "\n[[function]]\nname = \"{name}\"\nmemory-mb = 1024\ntimeout = \"15m\"\n\n[function.arrivals]\nkind = \"constant\"\nrate-per-s = 0.01\nstart = \"{start}\"\n\n[function.duration]\ndist = \"const\"\nvalue = \"99s\"\n"
        ));
    }
    let p = dir.join(format!("holders-{limit}.toml"));
    std::fs::write(&p, text).unwrap();
    path_str(&p)
}

#[test]
fn merging_refuses_when_the_account_limit_may_bind_and_names_the_way_out() {
    let tmp = temp_dir();
    // A limit of 1: each function alone fits, together they do not.
    let w = holders(tmp.path(), 1);
    let d0 = path_str(&tmp.path().join("s0"));
    let d1 = path_str(&tmp.path().join("s1"));
    assert_code(&run(["run", &w, "--shard", "0/2", "--out", &d0, "-q"]), 0);
    assert_code(&run(["run", &w, "--shard", "1/2", "--out", &d1, "-q"]), 0);
    let out = path_str(&tmp.path().join("merged"));
    let m = run(["merge", &d0, &d1, "--out", &out]);
    assert_code(&m, 2);
    let e = stderr(&m);
    assert!(e.contains("the account limit may bind"), "{e}");
    assert!(e.contains("run without --shard"), "{e}");
    assert!(!Path::new(&out).exists(), "nothing written");
    // A limit of 2: they fit together, and the merge succeeds.
    let w = holders(tmp.path(), 2);
    let d0 = path_str(&tmp.path().join("t0"));
    let d1 = path_str(&tmp.path().join("t1"));
    assert_code(&run(["run", &w, "--shard", "0/2", "--out", &d0, "-q"]), 0);
    assert_code(&run(["run", &w, "--shard", "1/2", "--out", &d1, "-q"]), 0);
    assert_code(&run(["merge", &d0, &d1, "--out", &out, "-q"]), 0);
}

#[test]
fn bad_shard_requests_exit_2_with_a_clear_error() {
    let tmp = temp_dir();
    let w = holders(tmp.path(), 2);
    let d = path_str(&tmp.path().join("s"));
    let cases: [(&[&str], &str); 4] = [
        (&["run", &w, "--shard", "0/2"], "--shard needs --out"),
        (
            &["run", &w, "--shard", "0/3", "--out", &d],
            "3 shards for 2 functions",
        ),
        (
            &["run", &w, "--shard", "2/2", "--out", &d],
            "I must be in 0..2",
        ),
        (
            &[
                "run",
                &w,
                "--shard",
                "0/2",
                "--precision",
                "5%",
                "--out",
                &d,
            ],
            "cannot be used with",
        ),
    ];
    for (args, message) in cases {
        let o = run(args);
        assert_code(&o, 2);
        assert!(stderr(&o).contains(message), "{args:?}: {}", stderr(&o));
    }
    // Only one shard of two: the merge names the missing one.
    assert_code(&run(["run", &w, "--shard", "0/2", "--out", &d, "-q"]), 0);
    let o = run(["merge", &d, "--out", &path_str(&tmp.path().join("m"))]);
    assert_code(&o, 2);
    assert!(stderr(&o).contains("missing shard 1/2"), "{}", stderr(&o));
}

/// A temporary folder and, in it, the `--out` folder `s0` of shard 0/2 of [`holders`] with a
/// limit of 2 (a shard that runs and writes its file).
fn first_of_two_shards() -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = temp_dir();
    let w = holders(tmp.path(), 2);
    let d = tmp.path().join("s0");
    assert_code(
        &run(["run", &w, "--shard", "0/2", "--out", &path_str(&d), "-q"]),
        0,
    );
    (tmp, d)
}

/// `run-shard.json` is read like any input: a shard count edited out of reach, or a shard
/// index outside its count, exits 2 with a short message (no list of every missing shard).
#[test]
fn edited_run_shard_files_exit_2_with_a_short_message() {
    let (tmp, d) = first_of_two_shards();
    let f = d.join("run-shard.json");
    let original: serde_json::Value = serde_json::from_slice(&std::fs::read(&f).unwrap()).unwrap();
    let merge_with = |key: &str, value: serde_json::Value| {
        let mut j = original.clone();
        j[key] = value;
        std::fs::write(&f, serde_json::to_vec(&j).unwrap()).unwrap();
        let out = tmp.path().join("m");
        let o = run(["merge", &path_str(&d), "--out", &path_str(&out)]);
        assert_code(&o, 2);
        crate::assert_no_panic(&o);
        assert!(!out.exists(), "nothing written");
        stderr(&o)
    };
    let e = merge_with("shards", serde_json::json!(100_000_000u64));
    assert!(e.contains("100000000 shards for 2 functions"), "{e}");
    assert!(e.len() < 2_000, "a short message: {} bytes", e.len());
    let e = merge_with("shard", serde_json::json!(5));
    assert!(e.contains("shard 5/2 is not one of 2 shards"), "{e}");
}

/// `merge` names a folder it cannot merge and says why: missing, written by no shard (a shard
/// that stopped with an error writes nothing), holding both kinds of shard file, or a shard of
/// the other command. Before, a run shard's missing folder was read as a sweep shard and the
/// error named a `sweep-shard.json` the user never asked for.
#[test]
fn merge_names_a_folder_that_is_not_a_shard_and_why() {
    let (tmp, good) = first_of_two_shards();
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let sweep = tmp.path().join("sweep");
    std::fs::create_dir(&sweep).unwrap();
    std::fs::write(sweep.join("sweep-shard.json"), "{}").unwrap();
    let both = tmp.path().join("both");
    std::fs::create_dir(&both).unwrap();
    std::fs::write(both.join("sweep-shard.json"), "{}").unwrap();
    std::fs::write(both.join("run-shard.json"), "{}").unwrap();
    let missing = tmp.path().join("never-written");
    let out = tmp.path().join("m");
    let cases = [
        (vec![&missing, &good], "never-written: no such folder"),
        (vec![&good, &missing], "never-written: no such folder"),
        (vec![&empty, &good], "empty: not a shard folder"),
        (vec![&good, &empty], "empty: not a shard folder"),
        (
            vec![&both, &good],
            "both: holds both run-shard.json and sweep-shard.json",
        ),
        (vec![&good, &sweep], "is a shard of `lamsim sweep` but"),
    ];
    for (dirs, message) in cases {
        let mut args: Vec<String> = vec!["merge".into()];
        args.extend(dirs.iter().map(|d| path_str(d)));
        args.extend(["--out".into(), path_str(&out)]);
        let o = run(&args);
        assert_code(&o, 2);
        crate::assert_no_panic(&o);
        let e = stderr(&o);
        assert!(e.contains(message), "{dirs:?}: {e}");
        assert!(!e.contains("No such file"), "{dirs:?}: {e}");
        assert!(!out.exists(), "nothing written");
    }
    // The message of an empty folder says which files a shard holds and what to do.
    let mut args: Vec<String> = vec!["merge".into(), path_str(&empty)];
    args.extend(["--out".into(), path_str(&out)]);
    let e = stderr(&run(&args));
    for part in ["run-shard.json", "sweep-shard.json", "run it again"] {
        assert!(e.contains(part), "{e}");
    }
}

/// A two-function table population reading `r.csv` in `dir`, with `rows` of `function,timestamp`.
fn table_population(dir: &Path, rows: &str) -> String {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("r.csv"), format!("function,timestamp\n{rows}")).unwrap();
    let w = dir.join("w.toml");
    std::fs::write(
        &w,
        "[simulation]\nduration = \"2m\"\nseed = 4\n\n[[population]]\nkind = \"table\"\nfile = \"r.csv\"\n\n[population.defaults]\nmemory-mb = 256\n\n[population.defaults.duration]\ndist = \"const\"\nvalue = \"100ms\"\n",
    )
    .unwrap();
    path_str(&w)
}

/// Shards are tied to their workload and data, not to the folder they were run from: the same
/// workload and data in two folders (one per machine) merge, but data rewritten between the
/// shards, or a first folder whose resolved workload is another run's, exit 2 without writing.
#[test]
fn shards_are_tied_to_their_data_not_their_folder() {
    let tmp = temp_dir();
    let rows = "a,1\na,2\na,3\nb,5\nb,6\n";
    let wa = table_population(&tmp.path().join("machine-a"), rows);
    let wb = table_population(&tmp.path().join("machine-b"), rows);
    let shard = |w: &str, i: usize, name: &str| {
        let d = tmp.path().join(name);
        let o = run([
            "run",
            w,
            "--shard",
            &format!("{i}/2"),
            "--out",
            &path_str(&d),
            "-q",
        ]);
        assert_code(&o, 0);
        path_str(&d)
    };
    let merge = |dirs: &[&str], out: &str| {
        let mut args: Vec<String> = vec!["merge".into()];
        args.extend(dirs.iter().map(|d| d.to_string()));
        args.extend(["--out".into(), path_str(&tmp.path().join(out)), "-q".into()]);
        run(&args)
    };
    let (a0, b1) = (shard(&wa, 0, "a0"), shard(&wb, 1, "b1"));
    assert_code(&merge(&[&a0, &b1], "m1"), 0);

    // Machine b's data changes before its shard runs: the shards ran different data.
    let wb2 = table_population(&tmp.path().join("machine-b"), "a,1\nb,5\n");
    let b1 = shard(&wb2, 1, "b1-new");
    let o = merge(&[&a0, &b1], "m2");
    assert_code(&o, 2);
    assert!(
        stderr(&o).contains("ran different workloads"),
        "{}",
        stderr(&o)
    );
    // The folders say which shard is which.
    assert!(
        stderr(&o).contains(&format!("{b1} (shard 1/2)")),
        "{}",
        stderr(&o)
    );
    assert!(!tmp.path().join("m2").exists(), "nothing written");

    // Shards of one run, then machine a's data (read back by the merge) changes.
    let (a0, a1) = (shard(&wa, 0, "c0"), shard(&wa, 1, "c1"));
    table_population(&tmp.path().join("machine-a"), "a,1\nb,5\nb,7\n");
    let o = merge(&[&a0, &a1], "m3");
    assert_code(&o, 2);
    assert!(
        stderr(&o).contains("is not the workload the shards ran"),
        "{}",
        stderr(&o)
    );
    assert!(!tmp.path().join("m3").exists(), "nothing written");
}

/// An output folder reused by a run of the other kind keeps none of the earlier run's result
/// files: a whole run over a shard's folder removes `run-shard.json` (which `merge` would take
/// for a shard of it), a shard over a whole run's folder removes `summary.json` and the
/// reports (which would say the folder holds a complete run).
#[test]
fn a_reused_output_folder_keeps_no_earlier_results() {
    let tmp = temp_dir();
    let w = table_population(tmp.path(), "a,1\na,2\nb,5\n");
    let d = tmp.path().join("out");
    let ds = path_str(&d);
    assert_code(&run(["run", &w, "--shard", "0/2", "--out", &ds, "-q"]), 0);
    assert!(d.join("run-shard.json").is_file());
    assert_code(&run(["run", &w, "--out", &ds, "-q", "--format", "json"]), 0);
    assert!(!d.join("run-shard.json").exists(), "the shard file is gone");
    for name in ["summary.json", "report.html", "timeseries.parquet"] {
        assert!(d.join(name).is_file(), "{name}");
    }
    assert!(d.join("charts").is_dir());
    // --no-parquet leaves no Parquet file of the run before.
    assert_code(
        &run([
            "run",
            &w,
            "--out",
            &ds,
            "-q",
            "--format",
            "json",
            "--no-parquet",
        ]),
        0,
    );
    assert!(!d.join("timeseries.parquet").exists());
    assert!(!d.join("invocations.parquet").exists());
    assert_code(&run(["run", &w, "--shard", "1/2", "--out", &ds, "-q"]), 0);
    let mut left: Vec<String> = std::fs::read_dir(&d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["run-shard.json", "workload.resolved.toml"]);
}
