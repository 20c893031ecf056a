//! Bad `[[population]]` tables: every error at its TOML path, with a hint, nothing simulated.

use crate::support::{azure2019_workload, errors, write_azure2019};

fn dir() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    write_azure2019(d.path(), 1, &[(&[1, 2], [1.0; 7], 128.0)]);
    d
}

fn has(e: &lamsim_sim::config::ConfigErrors, path: &str, words: &str) {
    assert!(
        e.errors
            .iter()
            .any(|x| x.path == path && x.to_string().contains(words)),
        "no error at {path} containing {words:?}:\n{e}"
    );
}

#[test]
fn unknown_keys_are_named_with_a_suggestion() {
    let d = dir();
    let e = errors(
        &azure2019_workload("2m", "minute-arival = \"even\"", "memroy-mb = 256"),
        d.path(),
    );
    has(
        &e,
        "population[0].minute-arival",
        "did you mean `minute-arrivals`",
    );
    has(
        &e,
        "population[0].defaults.memroy-mb",
        "did you mean `memory-mb`",
    );
}

#[test]
fn defaults_are_checked_as_a_function_once() {
    let d = dir();
    let e = errors(
        &azure2019_workload("2m", "", "memory-mb = 50\narchitecture = \"arm\""),
        d.path(),
    );
    has(&e, "population[0].defaults.memory-mb", "128");
    has(&e, "population[0].defaults.architecture", "");
    // One error per bad key, not one per member.
    assert_eq!(e.errors.len(), 2, "{e}");
}

#[test]
fn keys_the_trace_provides_cannot_be_defaults() {
    let d = dir();
    let e = errors(
        &azure2019_workload(
            "2m",
            "",
            "name = \"x\"\n[population.defaults.arrivals]\nkind = \"poisson\"\nrate-per-s = 1.0",
        ),
        d.path(),
    );
    has(
        &e,
        "population[0].defaults.name",
        "cannot be set for a population",
    );
    has(
        &e,
        "population[0].defaults.arrivals",
        "arrivals come from the trace",
    );
}

#[test]
fn values_and_files_are_checked() {
    let d = dir();
    let e = errors(
        &azure2019_workload(
            "2m",
            "select = \"top:0\"\nrate-scale = -1.0\nminute-arrivals = \"burst\"",
            "",
        ),
        d.path(),
    );
    has(&e, "population[0].select", "top:N");
    has(&e, "population[0].rate-scale", "");
    has(&e, "population[0].minute-arrivals", "uniform");
    let missing = azure2019_workload("2m", "", "").replace("durations.csv", "nope.csv");
    let e = errors(&missing, d.path());
    has(&e, "population[0].durations", "cannot read");
    let e = errors(
        "[simulation]\nduration = \"1m\"\n[[population]]\nkind = \"azure219\"\n",
        d.path(),
    );
    has(&e, "population[0].kind", "did you mean \"azure2019\"");
    let e = errors(
        "[simulation]\nduration = \"1m\"\n[[population]]\nkind = \"azure2021\"\nfile = \"x.csv\"\nminute-arrivals = \"even\"\ninvocations = \"i.csv\"\n",
        d.path(),
    );
    has(&e, "population[0].minute-arrivals", "azure2019");
    has(&e, "population[0].invocations", "does not apply");
    let e = errors(
        "[simulation]\nduration = \"1m\"\n[population]\nkind = \"table\"\n",
        d.path(),
    );
    has(&e, "population", "[[population]]");
}

/// What the azure2019 reader refuses rather than skips: a header after the named columns
/// that is not a minute number (its counts would be dropped without a word), a count above
/// the limit (said), and a folder given as a file.
#[test]
fn the_invocations_file_keeps_no_column_it_cannot_read() {
    let d = dir();
    let file = d.path().join("invocations.csv");
    let workload = azure2019_workload("2m", "", "");
    for (header, row, words) in [
        (
            "-1,0,1",
            "3,4,5",
            "column 5 after Trigger, `-1`, is not a minute number",
        ),
        (
            "foo,1,2",
            "3,4,5",
            "column 5 after Trigger, `foo`, is not a minute number",
        ),
        (
            "1,2",
            "4294967296,1",
            "\"4294967296\" is not a count (a whole number in 0..=4294967295)",
        ),
    ] {
        std::fs::write(
            &file,
            format!("HashOwner,HashApp,HashFunction,Trigger,{header}\no,a,f0,http,{row}\n"),
        )
        .unwrap();
        let e = errors(&workload, d.path());
        has(&e, "population[0].invocations", words);
    }
    std::fs::remove_file(&file).unwrap();
    std::fs::create_dir(&file).unwrap();
    let e = errors(&workload, d.path());
    has(&e, "population[0].invocations", "a folder, not a file");
}

#[test]
fn a_workload_needs_a_function_or_a_population() {
    let d = dir();
    let e = errors("[simulation]\nduration = \"1m\"\n", d.path());
    has(&e, "function", "at least one [[function]]");
    // A population alone is a complete workload.
    crate::support::scenario(&azure2019_workload("2m", "", ""), d.path());
}
