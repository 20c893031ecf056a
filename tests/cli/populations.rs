//! `[[population]]` workloads and `lamsim synthesize-population`, through the real binary.

use std::path::Path;

use crate::{
    assert_code, assert_foreign_folder_refused, json, path_str, repo_root, run, stderr, temp_dir,
};

fn arrivals(v: &serde_json::Value) -> f64 {
    v["functions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["arrivals"].as_f64().unwrap())
        .sum()
}

#[test]
fn the_azure2019_example_replays_every_invocation_of_the_excerpt() {
    let w = repo_root().join("workloads/populations/azure2019.toml");
    let o = run(["run", &path_str(&w), "--format", "json", "--quiet"]);
    assert_code(&o, 0);
    let v = json(&o);
    assert_eq!(v["functions"].as_array().unwrap().len(), 100);
    // The sum of every minute column of workloads/populations/azure2019/invocations.csv.
    assert_eq!(arrivals(&v), 339_657.0);
    let w = repo_root().join("workloads/populations/azure2021.toml");
    let o = run(["run", &path_str(&w), "--format", "json", "--quiet"]);
    assert_code(&o, 0);
    let v = json(&o);
    assert_eq!(v["functions"].as_array().unwrap().len(), 49);
    assert_eq!(arrivals(&v), 998.0);
}

/// `lamsim synthesize-population` of `functions` functions over an hour with `seed`, from the
/// repository's Azure 2019 excerpt, into `dir`.
pub(crate) fn synthesize(dir: &Path, functions: usize, seed: u64) -> std::process::Output {
    run([
        "synthesize-population",
        "--functions",
        &functions.to_string(),
        "--hours",
        "1",
        "--seed",
        &seed.to_string(),
        "--from",
        &path_str(&repo_root().join("workloads/populations/azure2019")),
        "--out",
        &path_str(dir),
    ])
}

#[test]
fn a_synthesized_account_runs_and_its_out_folder_repeats_the_run() {
    let d = temp_dir();
    let gen_dir = d.path().join("account");
    let o = synthesize(&gen_dir, 40, 5);
    assert_code(&o, 0);
    let err = stderr(&o);
    let said: f64 = err
        .split(" functions, ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no invocation count in: {err}"));
    let out = d.path().join("run");
    let w = path_str(&gen_dir.join("workload.toml"));
    let o = run([
        "run",
        &w,
        "--format",
        "json",
        "--quiet",
        "--out",
        &path_str(&out),
    ]);
    assert_code(&o, 0);
    let first = json(&o);
    assert_eq!(first["functions"].as_array().unwrap().len(), 40);
    assert_eq!(
        arrivals(&first),
        said,
        "every generated invocation arrives (uniform keeps counts)"
    );
    let resolved = std::fs::read_to_string(out.join("workload.resolved.toml")).unwrap();
    assert!(resolved.contains("[[population]]"), "{resolved}");
    let o = run([
        "run",
        &path_str(&out.join("workload.resolved.toml")),
        "--format",
        "json",
        "--quiet",
    ]);
    assert_code(&o, 0);
    assert_eq!(json(&o), first);
}

#[test]
fn a_bad_population_exits_2_naming_the_key_and_writes_nothing() {
    let d = temp_dir();
    let w = d.path().join("w.toml");
    std::fs::write(
        &w,
        "[simulation]\nduration = \"1h\"\n[[population]]\nkind = \"table\"\nfile = \"missing.csv\"\nselect = \"top:x\"\n",
    )
    .unwrap();
    let out = d.path().join("out");
    let o = run(["run", &path_str(&w), "--out", &path_str(&out)]);
    assert_code(&o, 2);
    let err = stderr(&o);
    assert!(err.contains("population[0].select"), "{err}");
    assert!(!out.exists(), "nothing written");
    let o = run([
        "synthesize-population",
        "--from",
        "/nonexistent",
        "--out",
        &path_str(&out),
    ]);
    assert_code(&o, 2);
    assert!(stderr(&o).contains("--from"), "{}", stderr(&o));
}

/// `synthesize-population --out` follows the folder rules of the other commands: a folder of
/// other files, or the excerpt it reads, is refused (exit 2, nothing changed); sizes beyond
/// the bounds are refused before any file is made; a re-run writes over its own folder.
#[test]
fn synthesize_population_writes_only_new_or_its_own_folders_and_bounds_its_size() {
    let d = temp_dir();
    let from = repo_root().join("workloads/populations/azure2019");
    // A folder with a file of the user's.
    let theirs = d.path().join("theirs");
    std::fs::create_dir_all(&theirs).unwrap();
    std::fs::write(theirs.join("notes.txt"), "mine").unwrap();
    std::fs::write(theirs.join("workload.toml"), "mine").unwrap();
    assert_foreign_folder_refused(
        &synthesize(&theirs, 5, 1),
        &theirs.join("workload.toml"),
        "mine",
    );
    assert!(!theirs.join("invocations.csv").exists());
    // Its own input folder: refused, the excerpt untouched.
    let before = std::fs::read(from.join("invocations.csv")).unwrap();
    let o = synthesize(&from, 5, 1);
    assert_code(&o, 2);
    assert!(
        stderr(&o).contains("an input of this run"),
        "{}",
        stderr(&o)
    );
    assert_eq!(std::fs::read(from.join("invocations.csv")).unwrap(), before);
    // Beyond the bounds: refused, no folder.
    let big = d.path().join("big");
    for (functions, hours) in [("100001", "1"), ("1", "337")] {
        let o = run([
            "synthesize-population",
            "--functions",
            functions,
            "--hours",
            hours,
            "--from",
            &path_str(&from),
            "--out",
            &path_str(&big),
        ]);
        assert_code(&o, 2);
        assert!(
            stderr(&o).contains("at most 100000 functions and 336 hours"),
            "{}",
            stderr(&o)
        );
        assert!(!big.exists(), "nothing written");
    }
    // A new folder, then the same folder again with another seed: replaced whole.
    let mine = d.path().join("mine");
    assert_code(&synthesize(&mine, 5, 1), 0);
    let first = std::fs::read(mine.join("invocations.csv")).unwrap();
    assert_code(&synthesize(&mine, 5, 2), 0);
    assert_ne!(std::fs::read(mine.join("invocations.csv")).unwrap(), first);
    let mut names: Vec<String> = std::fs::read_dir(&mine)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "durations.csv",
            "invocations.csv",
            "memory.csv",
            "workload.toml"
        ]
    );
    let leftovers: Vec<_> = std::fs::read_dir(d.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// Without `--from`, `synthesize-population` finds the repository's excerpt from any folder,
/// and writes what `--from` naming it writes.
#[test]
fn synthesize_population_finds_the_excerpt_from_any_folder() {
    let d = temp_dir();
    let out = d.path().join("here");
    let mut c = crate::lamsim([
        "synthesize-population",
        "--functions",
        "20",
        "--hours",
        "1",
        "--seed",
        "3",
        "--out",
        "here",
    ]);
    c.current_dir(d.path());
    let o = crate::spawn(&mut c).wait_with_output().unwrap();
    assert_code(&o, 0);
    let named = d.path().join("named");
    assert_code(&synthesize(&named, 20, 3), 0);
    for f in ["invocations.csv", "durations.csv", "memory.csv"] {
        assert!(
            std::fs::read(out.join(f)).unwrap() == std::fs::read(named.join(f)).unwrap(),
            "{f} differs"
        );
    }
}
