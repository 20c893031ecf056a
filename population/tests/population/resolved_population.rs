//! `workload.resolved.toml` of a population: the table with its defaults, which expands to
//! the same members and repeats the run.

use lamsim_sim::config::to_resolved_toml;
use lamsim_sim::runner::run;

use crate::support::{azure2019_workload, scenario, write_azure2019};

#[test]
fn the_resolved_file_repeats_the_run() {
    let d = tempfile::tempdir().unwrap();
    write_azure2019(
        d.path(),
        1,
        &[
            (
                &[3, 1, 4, 1, 5],
                [5.0, 6.0, 9.0, 20.0, 40.0, 90.0, 99.0],
                200.0,
            ),
            (&[9, 2, 6], [1.0; 7], 128.0),
        ],
    );
    let text = azure2019_workload(
        "5m",
        "select = \"sample:0.5\"\nminute-arrivals = \"poisson\"\nrate-scale = 1.5",
        "architecture = \"arm64\"",
    ) + "\n[[function]]\nname = \"api\"\nmemory-mb = 256\n[function.arrivals]\nkind = \"poisson\"\nrate-per-s = 2.0\n[function.duration]\ndist = \"const\"\nvalue = \"10ms\"\n";
    let s = scenario(&text, d.path());
    let resolved = to_resolved_toml(&s);
    assert!(resolved.contains("[[population]]"), "{resolved}");
    assert!(
        !resolved.contains("azure2019-0000"),
        "members are not written one by one:\n{resolved}"
    );
    // Written anywhere: the paths are absolute.
    let elsewhere = tempfile::tempdir().unwrap();
    let again = scenario(&resolved, elsewhere.path());
    let names = |s: &lamsim_sim::model::Scenario| {
        s.functions
            .iter()
            .map(|f| f.name.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(names(&s), names(&again));
    let a = serde_json::to_string(&run(&s, &|_| {}).summary).unwrap();
    let b = serde_json::to_string(&run(&again, &|_| {}).summary).unwrap();
    assert_eq!(a, b);
    // And resolving again writes the same population table (lognormal parameters of the
    // `[[function]]` may move in the last place, as documented in `config::resolved`).
    let table = |t: &str| t[t.find("[[population]]").unwrap()..].to_string();
    assert_eq!(table(&to_resolved_toml(&again)), table(&resolved));
}
