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
fn api_schedule_and_sqs_triggers_validate() {
    validate(CASES[0].0, CASES[0].1);
}

#[test]
fn stream_triggers_validate() {
    validate(CASES[1].0, CASES[1].1);
}

#[test]
fn alias_and_event_source_mapping_validate() {
    validate(CASES[2].0, CASES[2].1);
}

#[test]
fn measured_traffic_and_durations_replace_the_placeholders_and_validate() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("measured/traces")).unwrap();
    // A CloudWatch import for the processor, as `import cloudwatch` writes it.
    let files: Vec<(String, String)> = [(
        "parameters-conditions-processor-dev.json",
        r#"{"MetricDataResults": [
            {"Id": "i", "Label": "parameters-conditions-processor-dev Invocations Sum",
             "Timestamps": ["2026-11-30T10:01:00Z", "2026-11-30T10:00:00Z"], "Values": [3, 5]},
            {"Id": "a", "Label": "parameters-conditions-processor-dev Duration p50",
             "Timestamps": ["2026-11-30T10:01:00Z", "2026-11-30T10:00:00Z"], "Values": [40, 40]},
            {"Id": "b", "Label": "parameters-conditions-processor-dev Duration p99",
             "Timestamps": ["2026-11-30T10:01:00Z", "2026-11-30T10:00:00Z"], "Values": [90, 90]}]}"#,
    )]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    let cw =
        lamsim_import::cloudwatch::import(&files, lamsim_import::cloudwatch::Arrivals::Even, 1)
            .unwrap();
    for (p, csv) in &cw.traces {
        std::fs::write(dir.path().join("measured").join(p), csv).unwrap();
    }
    let measured = lamsim_import::cloudwatch::measured_for_sam(
        &cw.workload,
        &cw.measured_json,
        "measured",
        "measured/workload.toml",
    )
    .unwrap();
    let text = std::fs::read_to_string(fixture("parameters-conditions.yaml")).unwrap();
    let mut opts = lamsim_import::sam::Options::new("parameters-conditions.yaml");
    opts.measured = measured;
    let out = lamsim_import::sam::import(&text, &opts).unwrap();
    assert!(
        out.toml
            .contains("file = \"measured/traces/parameters-conditions-processor-dev.csv\""),
        "{}",
        out.toml
    );
    assert!(out.toml.contains("median = \"40ms\""), "{}", out.toml);
    assert!(out.toml.contains("p99 = \"90ms\""), "{}", out.toml);
    assert!(out.todos.is_empty(), "{:#?}", out.todos);
    let scenario = lamsim_sim::config::from_str(&out.toml, dir.path(), "w.toml")
        .unwrap_or_else(|e| panic!("{e}\n{}", out.toml));
    assert_eq!(scenario.functions.len(), 1);
}

/// Values AWS would not accept (a negative window or timeout, retries and ages out of range,
/// a parallelization factor of 11) are left out with a warning each, never a crash, and the
/// workload still validates.
#[test]
fn out_of_range_values_are_left_out_with_a_warning() {
    let template = r#"
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: -5
      MessageRetentionPeriod: 30
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      CodeUri: src/
      EventInvokeConfig:
        MaximumRetryAttempts: 5
        MaximumEventAgeInSeconds: 30
      Events:
        Queue:
          Type: SQS
          Properties:
            Queue: !GetAtt Jobs.Arn
            BatchSize: 0
            MaximumBatchingWindowInSeconds: -1
        Stream:
          Type: Kinesis
          Properties:
            Stream: arn:aws:kinesis:us-east-1:123456789012:stream/s
            StartingPosition: LATEST
            ParallelizationFactor: 11
            MaximumRecordAgeInSeconds: 30
"#;
    let out = crate::import_text(template);
    for key in [
        "VisibilityTimeout",
        "MessageRetentionPeriod",
        "MaximumRetryAttempts",
        "MaximumEventAgeInSeconds",
        "BatchSize",
        "MaximumBatchingWindowInSeconds",
        "ParallelizationFactor",
        "MaximumRecordAgeInSeconds",
    ] {
        assert!(
            out.warnings
                .iter()
                .any(|w| w.path.ends_with(key) && w.message.contains("outside")),
            "no warning for {key}: {:?}",
            out.warnings
        );
    }
    crate::validated(&out.toml);
}
