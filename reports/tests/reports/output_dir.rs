//! `--out DIR`: `summary.json` and `workload.resolved.toml`, never a partial folder.

use std::fs;
use std::io;
use std::path::Path;

use lamsim_reports::{
    Format, RESOLVED_TOML_FILE, SUMMARY_JSON_FILE, render, write_dir_files, write_output_dir,
};

use crate::fixtures;

const TOML: &str = "[simulation]\nduration = \"1h\"\nseed = 42\n";

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn a_new_folder_gets_both_files_and_nothing_else() {
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("results").join("run-1");
    let s = fixtures::one_function_priced();
    write_output_dir(&out, &s, TOML).unwrap();
    assert_eq!(names(&out), [SUMMARY_JSON_FILE, RESOLVED_TOML_FILE]);
    assert_eq!(
        fs::read_to_string(out.join("summary.json")).unwrap(),
        render(&s, Format::Json)
    );
    assert_eq!(
        fs::read_to_string(out.join("workload.resolved.toml")).unwrap(),
        TOML
    );
    // No temporary folder left beside it.
    assert_eq!(names(&root.path().join("results")), ["run-1"]);
}

#[test]
fn an_existing_folder_gets_its_files_replaced_and_keeps_others() {
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("out");
    fs::create_dir(&out).unwrap();
    fs::write(out.join("summary.json"), "old").unwrap();
    fs::write(out.join("notes.txt"), "mine").unwrap();
    let s = fixtures::three_functions();
    write_output_dir(&out, &s, TOML).unwrap();
    assert_eq!(
        names(&out),
        ["notes.txt", "summary.json", "workload.resolved.toml"]
    );
    assert_eq!(
        fs::read_to_string(out.join("summary.json")).unwrap(),
        render(&s, Format::Json)
    );
    assert_eq!(fs::read_to_string(out.join("notes.txt")).unwrap(), "mine");
}

#[test]
fn a_failure_while_creating_leaves_no_folder() {
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("out");
    // The second name is longer than any file system allows: it fails after the first file
    // was written.
    let long = "x".repeat(300);
    let err = write_dir_files(&out, &[("a.txt", b"a"), (&long, b"b")]).unwrap_err();
    assert!(err.to_string().contains(&long), "{err}");
    assert!(!out.exists());
    assert_eq!(names(root.path()), Vec::<String>::new());
}

#[test]
fn a_failure_while_replacing_leaves_the_old_files() {
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("out");
    fs::create_dir(&out).unwrap();
    fs::write(out.join("a.txt"), "old").unwrap();
    let long = "x".repeat(300);
    write_dir_files(&out, &[("a.txt", b"new"), (&long, b"b")]).unwrap_err();
    assert_eq!(names(&out), ["a.txt"]);
    assert_eq!(fs::read_to_string(out.join("a.txt")).unwrap(), "old");
}

#[test]
fn a_folder_in_the_way_of_a_file_is_refused_before_writing() {
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("out");
    fs::create_dir_all(out.join("summary.json")).unwrap();
    fs::write(out.join("workload.resolved.toml"), "old").unwrap();
    let err = write_output_dir(&out, &fixtures::one_function(), TOML).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
    assert!(err.to_string().contains("summary.json"), "{err}");
    assert_eq!(
        fs::read_to_string(out.join("workload.resolved.toml")).unwrap(),
        "old"
    );
    assert_eq!(names(&out), ["summary.json", "workload.resolved.toml"]);
}

#[test]
fn a_file_named_like_the_folder_is_an_error() {
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("out");
    fs::write(&out, "a file").unwrap();
    let err = write_output_dir(&out, &fixtures::one_function(), TOML).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
    assert!(err.to_string().contains("not a folder"), "{err}");
    assert_eq!(fs::read_to_string(&out).unwrap(), "a file");
}

#[test]
fn file_names_must_be_relative_without_dots_and_distinct() {
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("out");
    for files in [
        &[("../escape", &b""[..])][..],
        &[("charts/../../escape", &b""[..])],
        &[("/etc/passwd", &b""[..])],
        &[("charts//a.svg", &b""[..])],
        &[("charts/", &b""[..])],
        &[("./a", &b""[..])],
        &[("a\\b", &b""[..])],
        &[("", &b""[..])],
        &[("..", &b""[..])],
        &[("a", &b"1"[..]), ("a", &b"2"[..])],
        &[("charts", &b"1"[..]), ("charts/a.svg", &b"2"[..])],
        &[("charts/a.svg", &b"1"[..]), ("charts", &b"2"[..])],
    ] {
        let err = write_dir_files(&out, files).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{files:?}");
    }
    assert_eq!(names(root.path()), Vec::<String>::new());
}

#[test]
fn a_new_folder_gets_its_subfolders() {
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("out");
    write_dir_files(
        &out,
        &[
            ("charts/a.svg", b"a"),
            ("charts/deep/b.png", b"b"),
            ("report.html", b"r"),
        ],
    )
    .unwrap();
    assert_eq!(names(&out), ["charts", "report.html"]);
    assert_eq!(names(&out.join("charts")), ["a.svg", "deep"]);
    assert_eq!(fs::read(out.join("charts/deep/b.png")).unwrap(), b"b");
    assert_eq!(names(root.path()), ["out"]);
}

#[test]
fn an_existing_folder_gets_charts_created_or_replaced() {
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("out");
    fs::create_dir(&out).unwrap();
    fs::write(out.join("summary.json"), "{}").unwrap();
    write_dir_files(&out, &[("charts/a.svg", b"1"), ("report.md", b"m")]).unwrap();
    assert_eq!(names(&out), ["charts", "report.md", "summary.json"]);
    // A second write replaces the chart and keeps the other ones.
    fs::write(out.join("charts/old.svg"), "kept").unwrap();
    write_dir_files(&out, &[("charts/a.svg", b"2")]).unwrap();
    assert_eq!(names(&out.join("charts")), ["a.svg", "old.svg"]);
    assert_eq!(fs::read(out.join("charts/a.svg")).unwrap(), b"2");
}

#[test]
fn a_failure_while_replacing_removes_the_subfolders_it_created() {
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("out");
    fs::create_dir(&out).unwrap();
    fs::write(out.join("report.md"), "old").unwrap();
    let long = format!("charts/{}", "x".repeat(300));
    write_dir_files(
        &out,
        &[("charts/a.svg", b"a"), (&long, b"b"), ("report.md", b"new")],
    )
    .unwrap_err();
    assert_eq!(names(&out), ["report.md"]);
    assert_eq!(fs::read_to_string(out.join("report.md")).unwrap(), "old");
}

#[test]
fn a_file_in_the_way_of_a_subfolder_is_an_error_and_changes_nothing() {
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("out");
    fs::create_dir(&out).unwrap();
    fs::write(out.join("charts"), "a file").unwrap();
    fs::write(out.join("report.md"), "old").unwrap();
    let err = write_dir_files(&out, &[("report.md", b"new"), ("charts/a.svg", b"a")]).unwrap_err();
    assert!(err.to_string().contains("charts"), "{err}");
    assert_eq!(names(&out), ["charts", "report.md"]);
    assert_eq!(fs::read_to_string(out.join("report.md")).unwrap(), "old");
}
