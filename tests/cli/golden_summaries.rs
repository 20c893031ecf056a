//! Every example workload and every runnable test fixture gives, byte for byte, the
//! `summary.json` committed in `tests/golden/` (the output of `lamsim run --format json`,
//! which is what `--out` writes as `summary.json`). A refactoring that changes one number of
//! one run fails here; a deliberate change of results regenerates the files with
//! `LAMSIM_UPDATE_GOLDEN=1 cargo test -p lamsim --test cli golden` and explains the diff in its
//! commit.
//!
//! Examples run at their full length (a few seconds each in the optimised test profile), so
//! every code path an example exercises is covered, warm-up and replicates included.

use std::path::{Path, PathBuf};

use crate::{all_examples, assert_no_panic, code, path_str, repo_root, run, stderr};

/// The folder of the committed expectations.
fn golden_dir() -> PathBuf {
    repo_root().join("tests/golden")
}

/// The runnable test fixtures (the others are invalid on purpose).
const FIXTURES: [&str; 3] = ["short.toml", "slo-met.toml", "slo-impossible.toml"];

/// Every workload covered, with the name of its expectation file.
fn workloads() -> Vec<(PathBuf, String)> {
    let mut v: Vec<(PathBuf, String)> = all_examples()
        .into_iter()
        .map(|p| {
            let stem = p.file_stem().unwrap().to_string_lossy().into_owned();
            (p, format!("example-{stem}.summary.json"))
        })
        .collect();
    for f in FIXTURES {
        let stem = Path::new(f)
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        v.push((crate::fixture(f), format!("fixture-{stem}.summary.json")));
    }
    v
}

/// The first line on which `a` and `b` differ, for a readable failure.
fn first_difference(a: &str, b: &str) -> String {
    for (i, (x, y)) in a.lines().zip(b.lines()).enumerate() {
        if x != y {
            return format!("line {}:\n  expected: {x}\n  actual:   {y}", i + 1);
        }
    }
    format!(
        "one output is a prefix of the other ({} vs {} lines)",
        a.lines().count(),
        b.lines().count()
    )
}

#[test]
fn every_example_and_fixture_gives_its_committed_summary_byte_for_byte() {
    let update = std::env::var_os("LAMSIM_UPDATE_GOLDEN").is_some();
    let mut failures = Vec::new();
    for (workload, name) in workloads() {
        let o = run(["run", "-q", "--format", "json", &path_str(&workload)]);
        assert_no_panic(&o);
        // 1 = an `[slo]` of the workload is violated (slo-impossible.toml): still a result.
        assert!(
            code(&o) == 0 || code(&o) == 1,
            "{}: exit {}\n{}",
            workload.display(),
            code(&o),
            stderr(&o)
        );
        let actual = String::from_utf8(o.stdout).expect("UTF-8 JSON");
        let path = golden_dir().join(&name);
        if update {
            std::fs::write(&path, &actual).expect("golden file writable");
            continue;
        }
        let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e} (generate it with LAMSIM_UPDATE_GOLDEN=1)",
                path.display()
            )
        });
        if expected != actual {
            failures.push(format!(
                "{} differs from {}: {}",
                workload.display(),
                path.display(),
                first_difference(&expected, &actual)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn every_example_and_fixture_has_a_golden_file_and_no_file_is_stale() {
    let mut expected: Vec<String> = workloads().into_iter().map(|(_, n)| n).collect();
    expected.push("README.md".to_string());
    expected.sort();
    assert_eq!(crate::dir_names(&golden_dir()), expected);
}
