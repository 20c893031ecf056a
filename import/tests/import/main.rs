//! Integration tests of `lamsim-import`, files named by behaviour. Golden workloads live in
//! `tests/golden/` (regenerate with `LAMSIM_UPDATE_GOLDEN=1 cargo test -p lamsim-import`
//! and review the diff); templates and CloudWatch exports in `tests/fixtures/`.

mod cloudwatch_fit;
mod cloudwatch_read;
mod sam_golden;
mod sam_mapping;
mod sam_validates;
mod sam_warnings;

use std::path::{Path, PathBuf};

use lamsim_import::sam;

/// `import/tests/fixtures/NAME`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Imports a fixture template with `--parameter` overrides, the workload next to it.
pub fn import_fixture(name: &str, params: &[(&str, &str)]) -> sam::Import {
    let text = std::fs::read_to_string(fixture(name)).expect("fixture");
    let mut opts = sam::Options::new(name);
    opts.parameters = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    sam::import(&text, &opts).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Imports the template `text` (no parameters), panicking with the error.
pub fn import_text(text: &str) -> sam::Import {
    sam::import(text, &sam::Options::new("t.yaml")).unwrap_or_else(|e| panic!("{e}"))
}

/// The simulator's validation of an imported workload (its relative paths from the fixtures),
/// panicking with the errors and the workload.
pub fn validated(toml: &str) -> lamsim_sim::model::Scenario {
    lamsim_sim::config::from_str(toml, &fixture(""), "t.yaml")
        .unwrap_or_else(|e| panic!("the imported workload does not validate:\n{e}\n{toml}"))
}

/// Compares `text` with `tests/golden/NAME` (or writes it with `LAMSIM_UPDATE_GOLDEN=1`).
pub fn golden(name: &str, text: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("LAMSIM_UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, text).expect("write golden");
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (generate it with LAMSIM_UPDATE_GOLDEN=1)",
            path.display()
        )
    });
    assert!(
        want == text,
        "{name} differs from the generated text (LAMSIM_UPDATE_GOLDEN=1 rewrites it):\n{text}"
    );
}

/// `--parameter` overrides: (key, value).
pub type Params = &'static [(&'static str, &'static str)];

/// The imported templates and the golden file of each: (template, parameters, golden).
pub const CASES: [(&str, Params, &str); 5] = [
    ("api-schedule-sqs.yaml", &[], "api-schedule-sqs.toml"),
    ("stream-consumer.yaml", &[], "stream-consumer.toml"),
    (
        "cloudformation-alias-esm.json",
        &[],
        "cloudformation-alias-esm.toml",
    ),
    (
        "parameters-conditions.yaml",
        &[],
        "parameters-conditions.dev.toml",
    ),
    (
        "parameters-conditions.yaml",
        &[("Stage", "prod"), ("AWS::Region", "eu-west-1")],
        "parameters-conditions.prod.toml",
    ),
];
