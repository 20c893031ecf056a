//! `lamsim report DIR`: redraws the reports of a run, bench or sweep folder; exit 2 with the
//! file named when the folder is not an output folder or a file is malformed.

use std::fs;
use std::path::Path;

use crate::{assert_code, assert_no_panic, fixture, path_str, run, stderr, temp_dir};

/// Copies a fixture folder into a fresh temporary folder.
fn copy_fixture(name: &str, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(fixture(name)).unwrap() {
        let e = e.unwrap();
        fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

#[test]
fn a_run_folder_gets_its_html_markdown_and_charts() {
    let tmp = temp_dir();
    let dir = tmp.path().join("run");
    copy_fixture("report-run", &dir);
    let o = run(["report", &path_str(&dir), "--png"]);
    assert_code(&o, 0);
    assert!(
        stderr(&o).contains("wrote report.html, report.md and 6 chart files"),
        "{}",
        stderr(&o)
    );
    let html = fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(html.contains("<td>api</td>"));
    assert!(!html.contains("<script"));
    for f in [
        "charts/cold-starts.svg",
        "charts/latency-cdf-api.svg",
        "charts/environments-api.svg",
        "charts/latency-cdf-api.png",
    ] {
        assert!(dir.join(f).is_file(), "{f} missing");
    }
    let md = fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(
        md.contains("![Latency CDF of api: warm vs cold](charts/latency-cdf-api.svg)"),
        "{md}"
    );
    // The inputs are left as they were, and a second run gives the same bytes.
    assert_eq!(
        fs::read(dir.join("summary.json")).unwrap(),
        fs::read(fixture("report-run").join("summary.json")).unwrap()
    );
    let o = run(["report", &path_str(&dir), "--quiet"]);
    assert_code(&o, 0);
    assert_eq!(stderr(&o), "");
    assert_eq!(fs::read_to_string(dir.join("report.html")).unwrap(), html);
}

#[test]
fn a_folder_without_results_is_an_error() {
    let tmp = temp_dir();
    let o = run(["report", &path_str(tmp.path())]);
    assert_code(&o, 2);
    assert_no_panic(&o);
    assert!(
        stderr(&o).contains("not a lamsim output folder"),
        "{}",
        stderr(&o)
    );
    let o = run(["report", &path_str(&tmp.path().join("missing"))]);
    assert_code(&o, 2);
    assert!(stderr(&o).contains("not a folder"), "{}", stderr(&o));
}

#[test]
fn a_malformed_file_is_named() {
    let tmp = temp_dir();
    let dir = tmp.path().join("bad");
    copy_fixture("report-bad", &dir);
    let o = run(["report", &path_str(&dir)]);
    assert_code(&o, 2);
    assert_no_panic(&o);
    let err = stderr(&o);
    assert!(
        err.contains("report-data.json: not lamsim chart data"),
        "{err}"
    );
    assert!(!dir.join("report.html").exists());

    // A run folder without its chart data says how to get it.
    fs::remove_file(dir.join("report-data.json")).unwrap();
    let o = run(["report", &path_str(&dir)]);
    assert_code(&o, 2);
    assert!(
        stderr(&o).contains("report-data.json: missing"),
        "{}",
        stderr(&o)
    );
}
