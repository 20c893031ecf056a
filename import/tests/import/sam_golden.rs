//! The workload each fixture template becomes, byte for byte, and that importing again gives
//! the same bytes.

use crate::{CASES, golden, import_fixture};

#[test]
fn every_fixture_matches_its_golden_workload() {
    for (template, params, name) in CASES {
        golden(name, &import_fixture(template, params).toml);
    }
}

#[test]
fn importing_again_gives_the_same_bytes() {
    for (template, params, _) in CASES {
        let a = import_fixture(template, params);
        let b = import_fixture(template, params);
        assert_eq!(a.toml, b.toml, "{template}");
        assert_eq!(a.warnings, b.warnings, "{template}");
        assert_eq!(a.todos, b.todos, "{template}");
    }
}

#[test]
fn json_and_yaml_forms_of_one_template_give_one_workload() {
    // The JSON fixture written as YAML with short-form intrinsics.
    let yaml = std::fs::read_to_string(crate::fixture("cloudformation-alias-esm.json"))
        .unwrap()
        .replace("{\"Ref\": \"PaymentsFunction\"}", "!Ref PaymentsFunction");
    let json = import_fixture("cloudformation-alias-esm.json", &[]);
    // JSON is valid YAML flow syntax; tags inside flow mappings are YAML too.
    let from_yaml = lamsim_import::sam::import(
        &format!("# yaml\n{yaml}"),
        &lamsim_import::sam::Options::new("cloudformation-alias-esm.json"),
    )
    .unwrap();
    assert_eq!(from_yaml.toml, json.toml);
}
