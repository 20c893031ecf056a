//! The generated workloads pass the simulator's own validation (`lamsim validate`).

use std::path::Path;

use crate::{CASES, fixture, import_fixture};

fn validate(template: &str, params: &[(&str, &str)]) {
    let out = import_fixture(template, params);
    let dir = fixture("");
    if let Err(e) = lamsim_sim::config::from_str(&out.toml, Path::new(&dir), template) {
        panic!(
            "{template} {params:?}: the imported workload does not validate:\n{e}\n{}",
            out.toml
        );
    }
}

#[test]
fn directly_invoked_functions_validate() {
    validate(CASES[3].0, CASES[3].1);
    validate(CASES[4].0, CASES[4].1);
}

#[test]
#[ignore = "needs the triggers of issue 13"]
fn api_schedule_and_sqs_triggers_validate() {
    validate(CASES[0].0, CASES[0].1);
}

#[test]
#[ignore = "needs the triggers of issue 13"]
fn stream_triggers_validate() {
    validate(CASES[1].0, CASES[1].1);
}

#[test]
#[ignore = "needs the triggers of issue 13"]
fn alias_and_event_source_mapping_validate() {
    validate(CASES[2].0, CASES[2].1);
}
