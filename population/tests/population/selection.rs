//! `select`: all, the most invoked, or a seeded sample; names stay unique.

use std::collections::BTreeSet;

use crate::support::{azure2019_workload, errors, hash, scenario, write_azure2019};

fn excerpt(dir: &std::path::Path) {
    // Totals 5, 40, 1, 40, 12, 7: ties broken by file order.
    let rows: Vec<Vec<u32>> = [5u32, 40, 1, 40, 12, 7].iter().map(|&t| vec![t]).collect();
    let rows: Vec<(&[u32], [f64; 7], f64)> = rows
        .iter()
        .map(|r| (r.as_slice(), [1.0; 7], 128.0))
        .collect();
    write_azure2019(dir, 1, &rows);
}

fn ids(s: &lamsim_sim::model::Scenario) -> Vec<String> {
    s.functions.iter().map(|f| f.name.clone()).collect()
}

fn name(k: usize) -> String {
    format!("azure2019-{}", &hash(k)[..12])
}

#[test]
fn top_keeps_the_most_invoked_most_first() {
    let dir = tempfile::tempdir().unwrap();
    excerpt(dir.path());
    let s = scenario(
        &azure2019_workload("1m", "select = \"top:3\"", ""),
        dir.path(),
    );
    assert_eq!(ids(&s), [name(1), name(3), name(4)]);
    assert_eq!(s.populations[0].trace_functions, 6);
    let all = scenario(
        &azure2019_workload("1m", "select = \"all\"", ""),
        dir.path(),
    );
    assert_eq!(ids(&all), (0..6).map(name).collect::<Vec<_>>());
    // More than there are: all of them.
    let big = scenario(
        &azure2019_workload("1m", "select = \"top:60\"", ""),
        dir.path(),
    );
    assert_eq!(big.functions.len(), 6);
}

#[test]
fn sample_draws_a_seeded_fraction() {
    let dir = tempfile::tempdir().unwrap();
    let rows: Vec<Vec<u32>> = (0..200).map(|k| vec![k as u32 % 5 + 1]).collect();
    let rows: Vec<(&[u32], [f64; 7], f64)> = rows
        .iter()
        .map(|r| (r.as_slice(), [1.0; 7], 128.0))
        .collect();
    write_azure2019(dir.path(), 1, &rows);
    let w = |keys: &str| azure2019_workload("1m", keys, "");
    let a = ids(&scenario(
        &w("select = \"sample:0.25\"\nseed = 1"),
        dir.path(),
    ));
    let b = ids(&scenario(
        &w("select = \"sample:0.25\"\nseed = 1"),
        dir.path(),
    ));
    let c = ids(&scenario(
        &w("select = \"sample:0.25\"\nseed = 2"),
        dir.path(),
    ));
    assert_eq!(a.len(), 50);
    assert_eq!(a, b, "same seed, same members");
    assert_ne!(a, c, "another seed, other members");
    let universe: BTreeSet<String> = (0..200).map(name).collect();
    assert!(a.iter().all(|n| universe.contains(n)));
    // Kept in file order.
    let pos: Vec<usize> = a
        .iter()
        .map(|n| (0..200).position(|k| &name(k) == n).unwrap())
        .collect();
    assert!(pos.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn two_populations_need_distinct_names() {
    let dir = tempfile::tempdir().unwrap();
    excerpt(dir.path());
    let one = azure2019_workload("1m", "", "");
    let twice = format!(
        "{one}\n[[population]]\nkind = \"azure2019\"\ninvocations = \"invocations.csv\"\ndurations = \"durations.csv\"\n"
    );
    let e = errors(&twice, dir.path());
    assert!(e.has_path("population[1]"), "{e}");
    assert!(e.to_string().contains("another `name`"), "{e}");
    let named = format!("{twice}name = \"copy\"\n");
    let s = scenario(&named, dir.path());
    assert_eq!(s.functions.len(), 12);
    assert_eq!(s.populations[1].members, 6..12);
    assert!(s.functions[6].name.starts_with("copy-"));
}
