//! What each template property becomes: read back from the generated TOML, key by key.

use toml::Value;

use crate::import_fixture;

fn parse(template: &str, params: &[(&str, &str)]) -> toml::Table {
    import_fixture(template, params)
        .toml
        .parse()
        .expect("valid TOML")
}

fn function<'a>(w: &'a toml::Table, name: &str) -> &'a toml::Table {
    w["function"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_table().unwrap())
        .find(|f| f["name"].as_str() == Some(name))
        .unwrap_or_else(|| panic!("no function {name}"))
}

fn trigger<'a>(f: &'a toml::Table, name: &str) -> &'a toml::Table {
    f["trigger"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_table().unwrap())
        .find(|t| t["name"].as_str() == Some(name))
        .unwrap_or_else(|| panic!("no trigger {name}"))
}

fn s(v: &str) -> Value {
    Value::String(v.into())
}

#[test]
fn globals_fill_what_a_function_does_not_set_and_lose_to_what_it_does() {
    let w = parse("api-schedule-sqs.yaml", &[]);
    let api = function(&w, "api-schedule-sqs-api");
    assert_eq!(api["memory-mb"], Value::Integer(1024)); // own MemorySize over Globals' 512
    assert_eq!(api["architecture"], s("arm64")); // Globals only
    assert_eq!(api["timeout"], s("29s"));
    assert_eq!(api["reserved-concurrency"], Value::Integer(50));
    assert_eq!(api["provisioned-concurrency"], Value::Integer(5));
    let env = api["handler"]["env"].as_table().unwrap();
    assert_eq!(env["LOG_LEVEL"], s("warning")); // merged map: the function wins
    assert_eq!(env["TABLE_NAME"], s("OrdersTable")); // Ref to a resource: its logical ID
    let report = function(&w, "ReportFunction");
    assert_eq!(report["memory-mb"], Value::Integer(512));
    assert_eq!(
        report["handler"]["command"],
        Value::Array(vec![
            s("python3"),
            s("-m"),
            s("awslambdaric"),
            s("report.handler")
        ])
    );
    assert_eq!(report["handler"]["cwd"], s("src/report"));
}

#[test]
fn api_events_are_sync_triggers_behind_their_gateway() {
    let w = parse("api-schedule-sqs.yaml", &[]);
    let api = function(&w, "api-schedule-sqs-api");
    let rest = trigger(api, "ListOrders");
    assert_eq!(rest["invocation"], s("sync"));
    assert_eq!(rest["front"], s("rest-api"));
    assert_eq!(rest["gateway-timeout"], s("29s"));
    let http = trigger(api, "CreateOrder");
    assert_eq!(http["front"], s("http-api"));
    assert_eq!(http["gateway-timeout"], s("10s")); // TimeoutInMillis: 10000
    let url = trigger(api, "url");
    assert_eq!(url["front"], s("function-url"));
    assert!(!url.contains_key("gateway-timeout"));
    // Traffic is a placeholder.
    assert_eq!(rest["arrivals"]["kind"], s("poisson"));
}

#[test]
fn schedules_are_async_triggers_with_their_expression_and_retry_settings() {
    let w = parse("api-schedule-sqs.yaml", &[]);
    let report = function(&w, "ReportFunction");
    let nightly = trigger(report, "Nightly");
    assert_eq!(nightly["invocation"], s("async"));
    assert_eq!(nightly["arrivals"]["kind"], s("schedule"));
    assert_eq!(nightly["arrivals"]["expression"], s("cron(0 2 * * ? *)"));
    assert_eq!(nightly["max-retries"], Value::Integer(1));
    assert_eq!(nightly["max-event-age"], s("1h"));
    assert_eq!(
        trigger(report, "EveryFiveMinutes")["arrivals"]["expression"],
        s("rate(5 minutes)")
    );
    // The disabled schedule is not a trigger.
    assert_eq!(report["trigger"].as_array().unwrap().len(), 2);
}

#[test]
fn sqs_events_take_the_batch_settings_and_the_queue_settings() {
    let w = parse("api-schedule-sqs.yaml", &[]);
    let worker = function(&w, "WorkerFunction");
    let jobs = trigger(worker, "Jobs");
    assert_eq!(jobs["invocation"], s("sqs"));
    assert_eq!(jobs["batch-size"], Value::Integer(10));
    assert_eq!(jobs["batching-window"], s("2s"));
    assert_eq!(jobs["max-concurrency"], Value::Integer(20));
    assert_eq!(jobs["visibility-timeout"], s("3m"));
    assert_eq!(jobs["max-receive-count"], Value::Integer(3));
    assert_eq!(jobs["retention"], s("4d"));
    assert_eq!(jobs["report-batch-item-failures"], Value::Boolean(true));
    assert_eq!(trigger(worker, "Uploads")["invocation"], s("async")); // S3
}

#[test]
fn stream_events_take_shards_from_the_stream_resource() {
    let w = parse("stream-consumer.yaml", &[]);
    let clicks = trigger(function(&w, "ClickConsumer"), "Clicks");
    assert_eq!(clicks["invocation"], s("stream"));
    assert_eq!(clicks["shards"], Value::Integer(4));
    assert_eq!(clicks["batch-size"], Value::Integer(200));
    assert_eq!(clicks["parallelization-factor"], Value::Integer(2));
    assert_eq!(clicks["max-retries"], Value::Integer(-1));
    assert_eq!(clicks["max-record-age"], s("1h"));
    assert_eq!(clicks["bisect-on-error"], Value::Boolean(true));
    let auditor = function(&w, "SessionAuditor");
    assert!(!auditor.contains_key("runtime")); // provided.al2023: no built-in profile
    assert_eq!(
        auditor["handler"]["command"],
        Value::Array(vec![s("./bootstrap")])
    );
    assert_eq!(
        trigger(auditor, "Changes")["batch-size"],
        Value::Integer(50)
    );
}

#[test]
fn cloudformation_aliases_versions_and_mappings_reach_their_function() {
    let w = parse("cloudformation-alias-esm.json", &[]);
    let pay = function(&w, "payments");
    assert_eq!(pay["runtime"], s("java21"));
    assert_eq!(pay["ephemeral-storage-mb"], Value::Integer(1024));
    assert_eq!(pay["reserved-concurrency"], Value::Integer(40));
    assert_eq!(pay["provisioned-concurrency"], Value::Integer(10)); // from the alias
    // SnapStart beside provisioned concurrency (and 1 GB of ephemeral storage) is not
    // deployable: left out, with a warning.
    assert!(pay.get("snapstart").is_none());
    let esm = trigger(pay, "PaymentsMapping"); // FunctionName: !Ref the alias
    assert_eq!(esm["invocation"], s("sqs"));
    assert_eq!(esm["batch-size"], Value::Integer(5));
    assert_eq!(esm["scaling"], s("provisioned"));
    assert_eq!(esm["min-pollers"], Value::Integer(2));
    assert_eq!(esm["max-pollers"], Value::Integer(20));
    assert_eq!(esm["visibility-timeout"], s("2m"));
    assert_eq!(trigger(pay, "url")["front"], s("function-url"));
    assert!(!pay.contains_key("handler")); // code in S3
}

#[test]
fn parameters_mappings_and_conditions_choose_the_values() {
    let dev = parse("parameters-conditions.yaml", &[]);
    let p = function(&dev, "parameters-conditions-processor-dev");
    assert_eq!(p["memory-mb"], Value::Integer(256));
    assert_eq!(p["timeout"], s("10s"));
    assert_eq!(p["architecture"], s("x86_64"));
    assert!(!p.contains_key("reserved-concurrency")); // AWS::NoValue
    let env = p["handler"]["env"].as_table().unwrap();
    assert_eq!(env["REGIONS"], s("us-east-1;eu-west-1"));
    assert_eq!(env["HOME_REGION"], s("us-east-1"));
    assert_eq!(env["BANNER"], s("aGVsbG8="));
    assert_eq!(env["DEBUG"], s("1"));
    assert_eq!(dev["function"].as_array().unwrap().len(), 1); // Reporter's condition is false
    assert_eq!(p["invocation"], s("sync"));

    let prod = parse(
        "parameters-conditions.yaml",
        &[("Stage", "prod"), ("AWS::Region", "eu-west-1")],
    );
    assert_eq!(prod["account"]["region"], s("eu-west-1"));
    let p = function(&prod, "parameters-conditions-processor-prod");
    assert_eq!(p["memory-mb"], Value::Integer(2048));
    assert_eq!(p["timeout"], s("2m"));
    assert_eq!(p["architecture"], s("arm64"));
    assert_eq!(p["reserved-concurrency"], Value::Integer(100));
    let r = function(&prod, "Reporter");
    assert_eq!(r["provisioned-concurrency"], Value::Integer(2));
    assert!(
        r.get("snapstart").is_none(),
        "not deployable beside provisioned concurrency"
    );
}

/// YAML merge keys are applied as `sam deploy` applies them; a `RedrivePolicy` written as a
/// string of JSON (CloudFormation's type Json) gives its `maxReceiveCount`; a FIFO queue and a
/// delivery delay, which are not simulated, are named in warnings.
#[test]
fn merge_keys_json_string_policies_and_unsimulated_queue_settings() {
    let template = r#"
Transform: AWS::Serverless-2016-10-31
x-common: &common
  Runtime: python3.13
  Timeout: 42
  MemorySize: 768
Resources:
  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      FifoQueue: true
      DelaySeconds: 60
      RedrivePolicy: '{"deadLetterTargetArn": "arn:aws:sqs:us-east-1:1:dlq", "maxReceiveCount": "5"}'
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      <<: *common
      Handler: app.handler
      CodeUri: src/
      Events:
        Queue:
          Type: SQS
          Properties:
            Queue: !GetAtt Jobs.Arn
"#;
    let out = crate::import_text(template);
    let w: toml::Table = out.toml.parse().unwrap();
    let f = function(&w, "Worker");
    assert_eq!(f["memory-mb"], Value::Integer(768), "{}", out.toml);
    assert_eq!(f["timeout"], s("42s"));
    assert_eq!(f["runtime"], s("python3.13"));
    let q = trigger(f, "Queue");
    assert_eq!(q["max-receive-count"], Value::Integer(5), "{}", out.toml);
    for key in ["FifoQueue", "DelaySeconds"] {
        assert!(
            out.warnings.iter().any(|w| w.path.ends_with(key)),
            "no warning for {key}: {:?}",
            out.warnings
        );
    }
    assert!(
        !out.warnings.iter().any(|w| w.message.contains("<<")),
        "{:?}",
        out.warnings
    );
}

/// SAM merges Globals into a function key by key, but takes an intrinsic as one value: a
/// function's `!If` replaces the Globals' table whole (25 in prod, none in dev), instead of
/// being merged into it (which read the Globals' 1 both times).
#[test]
fn a_functions_intrinsic_replaces_the_globals_value_whole() {
    let template = r#"
Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage:
    Type: String
    Default: dev
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
Globals:
  Function:
    AutoPublishAlias: live
    ProvisionedConcurrencyConfig:
      ProvisionedConcurrentExecutions: 1
Resources:
  Api:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      CodeUri: src/
      ProvisionedConcurrencyConfig: !If
        - IsProd
        - ProvisionedConcurrentExecutions: 25
        - !Ref AWS::NoValue
"#;
    let import = |stage: &str| {
        let mut opts = lamsim_import::sam::Options::new("t.yaml");
        opts.parameters = vec![("Stage".into(), stage.into())];
        let out = lamsim_import::sam::import(template, &opts).unwrap_or_else(|e| panic!("{e}"));
        out.toml.parse::<toml::Table>().unwrap()
    };
    let prod = import("prod");
    assert_eq!(
        function(&prod, "Api")["provisioned-concurrency"],
        Value::Integer(25)
    );
    let dev = import("dev");
    assert!(
        function(&dev, "Api")
            .get("provisioned-concurrency")
            .is_none()
    );
}

/// A function URL beside an event named `url` gets a name of its own (trigger names must be
/// unique), and the workload validates.
#[test]
fn a_function_url_beside_an_event_named_url_gets_its_own_name() {
    let template = r#"
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      CodeUri: src/
      FunctionUrlConfig:
        AuthType: NONE
      Events:
        url:
          Type: HttpApi
"#;
    let out = crate::import_text(template);
    let w: toml::Table = out.toml.parse().unwrap();
    let f = function(&w, "Api");
    trigger(f, "url");
    assert_eq!(
        trigger(f, "url-2")["front"],
        s("function-url"),
        "{}",
        out.toml
    );
    crate::validated(&out.toml);
}

/// A measured trace attached to an SQS trigger counts CloudWatch's invocations, which are
/// batches: the workload says so in a TODO, and the import lists it.
#[test]
fn a_measured_trace_on_a_queue_is_marked_as_batches() {
    let template = r#"
Transform: AWS::Serverless-2016-10-31
Resources:
  Jobs:
    Type: AWS::SQS::Queue
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: worker
      Runtime: python3.13
      Handler: app.handler
      CodeUri: src/
      Events:
        Queue:
          Type: SQS
          Properties:
            Queue: !GetAtt Jobs.Arn
"#;
    let mut opts = lamsim_import::sam::Options::new("t.yaml");
    opts.measured.insert(
        "worker".into(),
        lamsim_import::sam::Measured {
            trace: "measured/traces/worker.csv".into(),
            duration: vec![
                ("dist".into(), "\"const\"".into()),
                ("value".into(), "\"40ms\"".into()),
            ],
            note: "fit".into(),
        },
    );
    let out = lamsim_import::sam::import(template, &opts).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        out.toml.contains("measured/traces/worker.csv"),
        "{}",
        out.toml
    );
    assert!(out.toml.contains("one arrival per batch"), "{}", out.toml);
    assert!(
        out.todos
            .iter()
            .any(|t| t.path == "function[0].trigger[0].arrivals" && t.what.contains("not batches")),
        "{:?}",
        out.todos
    );
}

/// AWS refuses an SQS mapping with a batch size above 10 and no batching window of at least
/// 1 s: the least window it accepts is written, with a warning, and the workload validates.
#[test]
fn a_large_sqs_batch_without_a_window_gets_the_least_window_aws_accepts() {
    let template = r#"
Transform: AWS::Serverless-2016-10-31
Resources:
  Jobs:
    Type: AWS::SQS::Queue
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      CodeUri: src/
      Events:
        Queue:
          Type: SQS
          Properties:
            Queue: !GetAtt Jobs.Arn
            BatchSize: 100
"#;
    let out = crate::import_text(template);
    let w: toml::Table = out.toml.parse().unwrap();
    let q = trigger(function(&w, "Worker"), "Queue");
    assert_eq!(q["batch-size"], Value::Integer(100));
    assert_eq!(q["batching-window"], s("1s"), "{}", out.toml);
    assert!(
        out.warnings.iter().any(|w| w.path.ends_with("BatchSize")),
        "{:?}",
        out.warnings
    );
    crate::validated(&out.toml);
}

/// An explicit FunctionName is the deployed name: a function named by its logical ID gives
/// way (renamed, with a warning), so measured metrics under that name reach the right one.
#[test]
fn an_explicit_function_name_wins_over_a_logical_id() {
    let template = r#"
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      CodeUri: src/
      MemorySize: 512
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: Api
      Runtime: python3.13
      Handler: app.handler
      CodeUri: src/
      MemorySize: 2048
"#;
    let out = crate::import_text(template);
    let w: toml::Table = out.toml.parse().unwrap();
    assert_eq!(
        function(&w, "Api")["memory-mb"],
        Value::Integer(2048),
        "{}",
        out.toml
    );
    assert_eq!(function(&w, "Api-2")["memory-mb"], Value::Integer(512));
    assert!(
        out.warnings
            .iter()
            .any(|w| w.path == "Resources.Api" && w.message.contains("Api-2")),
        "{:?}",
        out.warnings
    );
}

/// A one-time ScheduleV2 (`at(…)`, EventBridge Scheduler) becomes the cron expression that
/// fires once at that minute, which the workload validates and the simulation fires once when
/// the window holds it; a second within the minute cannot be, and is left out with a warning.
#[test]
fn a_one_time_schedule_becomes_a_cron_that_fires_once() {
    let template = |at: &str| {
        format!(
            r#"
Transform: AWS::Serverless-2016-10-31
Resources:
  Report:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      CodeUri: src/
      Events:
        Once:
          Type: ScheduleV2
          Properties:
            ScheduleExpression: at({at})
"#
        )
    };
    let out = crate::import_text(&template("2026-01-01T00:30:00"));
    let w: toml::Table = out.toml.parse().unwrap();
    let once = trigger(function(&w, "Report"), "Once");
    assert_eq!(
        once["arrivals"]["expression"],
        s("cron(30 0 1 1 ? 2026)"),
        "{}",
        out.toml
    );
    // It fires once when the window holds that minute.
    let text = out.toml.replacen(
        "duration = \"1h\"",
        "duration = \"1h\"\nstart-at = \"2026-01-01T00:00:00Z\"",
        1,
    );
    let scenario = crate::validated(&text);
    let summary = lamsim_sim::runner::run(&scenario, &|_| {}).summary;
    assert_eq!(summary.functions[0].arrivals, 1.0);

    let out = crate::import_text(&template("2026-01-01T00:30:15"));
    assert!(
        out.warnings
            .iter()
            .any(|w| w.message.contains("cannot be simulated as a schedule")),
        "{:?}",
        out.warnings
    );
}
