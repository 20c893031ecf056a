//! `lamsim run --precision X% [--max-replicates N]`: replicates are added until the key
//! intervals are that tight, the result is the plain run with that many replicates, and bad
//! values are refused with exit code 2.

use crate::{fixture, lamsim, stderr};

fn summary_json(args: &[&str]) -> serde_json::Value {
    let o = lamsim(args).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn precision_runs_the_replicates_it_needs_and_matches_a_plain_run() {
    let f = fixture("short.toml");
    let f = f.to_str().unwrap();
    let out = lamsim([
        "run",
        f,
        "--precision",
        "3%",
        "--max-replicates",
        "40",
        "--format",
        "json",
    ])
    .output()
    .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let precise: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let n = precise["replicates"].as_u64().unwrap();
    assert!([5, 10, 20, 40].contains(&n), "{n}");
    let n = n.to_string();
    let plain = summary_json(&["run", f, "--replicates", &n, "--format", "json"]);
    assert_eq!(precise, plain);
    // Out of reach within 5 replicates: said on stderr, the run still succeeds.
    let o = lamsim([
        "run",
        f,
        "--precision",
        "0.001%",
        "--max-replicates",
        "5",
        "--format",
        "json",
    ])
    .output()
    .unwrap();
    assert!(o.status.success());
    assert!(
        stderr(&o).contains("--precision 0.001% not reached after 5 replicates"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn bad_precision_values_exit_2() {
    let f = fixture("short.toml");
    let f = f.to_str().unwrap();
    for bad in ["0%", "100%", "-1", "fast"] {
        let o = lamsim(["run", f, "--precision", bad]).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{bad}: {}", stderr(&o));
    }
    let o = lamsim(["run", f, "--max-replicates", "3"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    // An interval needs two replicates: fewer could never reach (nor miss) the precision.
    for few in ["0", "1"] {
        let o = lamsim(["run", f, "--precision", "2%", "--max-replicates", few])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{few}: {}", stderr(&o));
        assert!(stderr(&o).contains("not in 2.."), "{few}: {}", stderr(&o));
    }
}
