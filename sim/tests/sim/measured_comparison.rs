//! `measured = "measured.json"`: CloudWatch's series beside the simulated figures.

use lamsim_sim::config;

use crate::support::run;

fn write(dir: &std::path::Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

const MEASURED: &str = r#"{"schema_version": 1, "period_s": 60, "functions": [
  {"name": "api", "series": {
    "invocations": [600, 600, 600, 600, 600, 600, 600, 600, 600, 600],
    "throttles":   [0, 0, 0, 5, 0, 0, 0, 0, 0, 7],
    "concurrency_max": [null, 3, 4, 9, 2, 2, 2, 2, 2, 6]}}]}"#;

fn workload(measured: &str) -> String {
    format!(
        "[simulation]\nduration = \"10m\"\nwarmup = \"2m\"\nseed = 1\n[[function]]\nname = \"api\"\n\
         memory-mb = 512\nmeasured = \"{measured}\"\n[function.arrivals]\nkind = \"constant\"\n\
         rate-per-s = 10.0\n[function.duration]\ndist = \"const\"\nvalue = \"250ms\"\n"
    )
}

#[test]
fn a_run_reports_the_measured_figures_of_its_window_beside_the_simulated_ones() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "measured.json", MEASURED);
    let s = config::from_str(&workload("measured.json"), dir.path(), "w.toml")
        .unwrap_or_else(|e| panic!("{e}"));
    let out = run(&s);
    let f = &out.summary.functions[0];
    let m = f.measured.as_ref().expect("measured comparison");
    // The window [2m, 10m) holds periods 2..=9: 8 × 600 invocations, 5 + 7 throttles, and the
    // largest concurrency of those periods is 9.
    assert_eq!(m.invocations, 4800.0);
    assert_eq!(m.throttles, 12.0);
    assert_eq!(m.concurrency_max, Some(9.0));
    // Simulated: 10/s evenly for 480 s; 250 ms each → 2.5 busy on average, at most 3 at once.
    assert_eq!(m.simulated_invocations, 4800.0);
    assert_eq!(m.simulated_throttles, 0.0);
    assert_eq!(m.simulated_concurrency_max, 3.0);
    // The resolved workload keeps the key.
    assert!(config::to_resolved_toml(&s).contains("measured = "));
}

#[test]
fn a_bad_measured_file_is_named_with_its_path() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "other.json",
        MEASURED.replace("\"api\"", "\"web\"").as_str(),
    );
    write(dir.path(), "broken.json", "{not json");
    for (file, msg) in [
        ("missing.json", "cannot read"),
        ("broken.json", "is not a measured.json"),
        ("other.json", "has no function \"api\""),
    ] {
        let e = config::from_str(&workload(file), dir.path(), "w.toml").unwrap_err();
        assert!(
            e.errors
                .iter()
                .any(|x| x.path == "function[0].measured" && x.message.contains(msg)),
            "{file}: {e}"
        );
    }
}
