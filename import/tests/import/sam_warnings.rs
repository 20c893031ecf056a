//! Nothing is dropped silently: unknown properties are named with the closest valid one,
//! unused ones as not simulated, every placeholder is listed; bad input is an error.

use lamsim_import::sam::{self, Options};

use crate::{CASES, import_fixture};

fn warnings(template: &str) -> Vec<String> {
    import_fixture(template, &[])
        .warnings
        .iter()
        .map(|w| w.to_string())
        .collect()
}

fn has(ws: &[String], needle: &str) -> bool {
    ws.iter().any(|w| w.contains(needle))
}

#[test]
fn an_unknown_property_names_the_closest_valid_one() {
    let ws = warnings("api-schedule-sqs.yaml");
    assert!(
        has(
            &ws,
            "Resources.ApiFunction.Properties.ReservedConcurrencyLimit: unknown property, ignored (closest valid property: ReservedConcurrentExecutions)"
        ),
        "{ws:#?}"
    );
}

#[test]
fn unused_properties_resources_and_events_are_named() {
    let ws = warnings("api-schedule-sqs.yaml");
    assert!(
        has(
            &ws,
            "Resources.ApiFunction.Properties: not simulated: Tracing, Policies"
        ),
        "{ws:#?}"
    );
    assert!(
        has(&ws, "Events.Paused: disabled: no trigger written"),
        "{ws:#?}"
    );
    assert!(
        has(
            &ws,
            "Resources (AWS::S3::Bucket): not simulated: UploadsBucket"
        ),
        "{ws:#?}"
    );
    let ws = warnings("stream-consumer.yaml");
    assert!(
        has(
            &ws,
            "Events.Clicks.Properties: not simulated: TumblingWindowInSeconds"
        ),
        "{ws:#?}"
    );
    assert!(
        has(
            &ws,
            "no built-in cold-start profile for runtime `provided.al2023`"
        ),
        "{ws:#?}"
    );
    assert!(has(&ws, "provided.al2023:rust"), "{ws:#?}");
    let ws = warnings("cloudformation-alias-esm.json");
    assert!(
        has(
            &ws,
            "Resources.PaymentsFunction.Properties: not simulated: Role"
        ),
        "{ws:#?}"
    );
    assert!(
        has(
            &ws,
            "Resources (AWS::IAM::Role): not simulated: PaymentsRole"
        ),
        "{ws:#?}"
    );
    assert!(has(&ws, "Environment.Variables: not simulated"), "{ws:#?}");
    let ws = warnings("parameters-conditions.yaml");
    assert!(
        has(
            &ws,
            "Resources.Reporter: not imported: its Condition ProdInUs is false"
        ),
        "{ws:#?}"
    );
}

#[test]
fn every_placeholder_in_the_text_is_listed_with_a_command() {
    for (template, params, _) in CASES {
        let out = import_fixture(template, params);
        let marked = out
            .toml
            .lines()
            .filter(|l| l.starts_with("# TODO") || l.contains("# TODO placeholder:"))
            .count();
        assert_eq!(marked, out.todos.len(), "{template}: {:#?}", out.todos);
        assert!(out.todos.iter().all(|t| !t.command.is_empty()));
    }
    let out = import_fixture("api-schedule-sqs.yaml", &[]);
    // 3 functions' durations + traffic of 5 triggers (the schedules need none).
    assert_eq!(out.todos.len(), 8, "{:#?}", out.todos);
    assert!(
        out.todos
            .iter()
            .any(|t| t.path == "function[2].trigger[0].arrivals"
                && t.command.starts_with("`lamsim import cloudwatch "))
    );
}

fn error(text: &str, params: &[(&str, &str)]) -> String {
    let mut opts = Options::new("t.yaml");
    opts.parameters = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    match sam::import(text, &opts) {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.to_string(),
    }
}

const ONE: &str = "Parameters:\n  Stage: {Type: String, AllowedValues: [dev, prod]}\nResources:\n  F:\n    Type: AWS::Lambda::Function\n    Properties: {MemorySize: 512}\n";

#[test]
fn bad_input_is_an_error_that_says_how_to_fix_it() {
    assert!(
        error(ONE, &[])
            .contains("Parameters.Stage: has no Default: give it with --parameter Stage=VALUE")
    );
    assert!(
        error(ONE, &[("Stage", "qa")]).contains("`qa` is not one of its AllowedValues (dev, prod)")
    );
    assert!(
        error(ONE, &[("Stag", "dev")])
            .contains("the template has no parameter `Stag` (closest: `Stage`)")
    );
    assert!(
        error("Resources:\n  Q: {Type: AWS::SQS::Queue}\n", &[])
            .contains("no AWS::Serverless::Function or AWS::Lambda::Function")
    );
    assert!(error("Outputs: {}\n", &[]).contains("no `Resources` section"));
    assert!(error("Resources: [\n", &[]).contains("not valid YAML"));
    assert!(error("{\"Resources\": ", &[]).contains("not valid JSON"));
    let cond = "Conditions:\n  A: !Condition B\n  B: !Condition A\nResources:\n  F:\n    Type: AWS::Lambda::Function\n    Condition: A\n";
    assert!(error(cond, &[]).contains("a cycle of conditions"));
}

#[test]
fn an_unusable_value_is_a_warning_and_the_key_keeps_its_default() {
    let t = "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      MemorySize: lots\n      Timeout: 4000\n      Runtime: nodejs18.x\n      CodeUri: f/\n      Handler: index.handler\n";
    let out = sam::import(t, &Options::new("t.yaml")).unwrap();
    let ws: Vec<String> = out.warnings.iter().map(|w| w.to_string()).collect();
    assert!(
        has(
            &ws,
            "Resources.F.Properties.MemorySize: expected a whole number, found a string (\"lots\")"
        ),
        "{ws:#?}"
    );
    assert!(
        has(
            &ws,
            "Resources.F.Properties.Timeout: 4000 s is outside Lambda's 1..=900 s"
        ),
        "{ws:#?}"
    );
    // nodejs18.x is deprecated but has a built-in profile (its successor's cold starts, with a
    // warning when the workload runs): it is kept as written, without a "closest profile" note.
    assert!(!has(&ws, "closest built-in profile"), "{ws:#?}");
    assert!(
        out.toml.contains("runtime = \"nodejs18.x\""),
        "{}",
        out.toml
    );
    assert!(out.toml.contains("memory-mb = 128"), "{}", out.toml);
    assert!(out.toml.contains("timeout = \"3s\""), "{}", out.toml);
    // The comments say why the default is there: the template set the key, unusably.
    assert!(
        out.toml
            .contains("# AWS default (Resources.F.Properties.MemorySize is not usable)"),
        "{}",
        out.toml
    );
    assert!(
        out.toml
            .contains("# AWS default (Resources.F.Properties.Timeout = 4000 is out of range)"),
        "{}",
        out.toml
    );
    assert!(
        !out.toml.contains("MemorySize not set") && !out.toml.contains("Timeout not set"),
        "{}",
        out.toml
    );
    // `!Ref AWS::NoValue` removes a key: the default is there because it is not set.
    let t = "Resources:\n  F:\n    Type: AWS::Lambda::Function\n    Properties:\n      MemorySize: !Ref AWS::NoValue\n";
    let out = sam::import(t, &Options::new("t.yaml")).unwrap();
    assert!(
        out.toml
            .contains("memory-mb = 128          # AWS default (MemorySize not set)"),
        "{}",
        out.toml
    );
}

/// A placeholder's line shows each command in backticks, with the prose around it outside.
#[test]
fn placeholder_commands_are_quoted_as_commands() {
    let out = import_fixture("api-schedule-sqs.yaml", &[]);
    let lines: Vec<String> = out.todos.iter().map(|t| t.to_string()).collect();
    assert!(
        lines.iter().any(|l| l.ends_with(
            "(fill with `lamsim import cloudwatch METRICS.json --out DIR` (docs/import.md))"
        )),
        "{lines:#?}"
    );
    assert!(
        lines.iter().any(
            |l| l.contains("(fill with `lamsim bench WORKLOAD.toml --function ")
                && l.ends_with("` or `lamsim import cloudwatch`)")
        ),
        "{lines:#?}"
    );
    // Backticks come in pairs on every line.
    for l in &lines {
        assert_eq!(l.matches('`').count() % 2, 0, "{l}");
    }
}
