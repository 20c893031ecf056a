//! `lamsim import sam`: an AWS SAM or CloudFormation template → one workload file.
//!
//! What is mapped (the contract is section 6 of the workload specification):
//!
//! | template | workload |
//! |---|---|
//! | `AWS::Serverless::Function` (with `Globals.Function`), `AWS::Lambda::Function` | one `[[function]]` |
//! | `FunctionName` (when it resolves to a valid name, else the logical ID) | `name` |
//! | `MemorySize`, `Timeout`, `Runtime`, `Architectures`, `EphemeralStorage.Size`, `PackageType` | `memory-mb`, `timeout`, `runtime`, `architecture`, `ephemeral-storage-mb`, `package-type` |
//! | `ReservedConcurrentExecutions` | `reserved-concurrency` |
//! | `ProvisionedConcurrencyConfig` (with `AutoPublishAlias`), `AWS::Lambda::Alias`, `AWS::Lambda::Version` | `provisioned-concurrency` (their sum) |
//! | `SnapStart.ApplyOn: PublishedVersions` | `snapstart = true` |
//! | `CodeUri` + `Handler` + `Runtime`, `Environment.Variables` | `[function.handler]` running the runtime's official client |
//! | `EventInvokeConfig`, `AWS::Lambda::EventInvokeConfig` | `max-retries`, `max-event-age` of async triggers |
//! | events `Api`, `HttpApi`, `FunctionUrlConfig`, `AWS::Lambda::Url` | sync trigger with its `front` and gateway timeout |
//! | `Schedule`, `ScheduleV2`, `AWS::Events::Rule` / `AWS::Scheduler::Schedule` with a schedule | async trigger, `kind = "schedule"` |
//! | `EventBridgeRule`, `CloudWatchEvent`, rules with a pattern, `S3`, `SNS` | async trigger |
//! | `SQS` events and SQS `AWS::Lambda::EventSourceMapping` | sqs trigger (batch, window, scaling, pollers; the queue's visibility timeout, retention, max receive count) |
//! | `Kinesis`, `DynamoDB` events and their mappings | stream trigger (shards from the `AWS::Kinesis::Stream`) |
//!
//! Traffic and durations are not in a template: they are written as placeholders marked
//! `# TODO` and returned as [`Todo`]s with the command that fills them, unless
//! [`Options::measured`] (`--from-cloudwatch`) has the function's trace and duration fit. A function with no event
//! gets the one-trigger form (`invocation = "sync"` and `[function.arrivals]`): it is invoked
//! directly. Every property that is not used is named in a [`Warning`] (an unknown one with the
//! closest valid property); a value that cannot be used is a warning and the key is left to
//! its default. Nothing is dropped silently.

use std::collections::{BTreeMap, BTreeSet};

use serde_norway::{Mapping, Value};

use crate::intrinsics::{Resolver, describe, scalar_text};
use crate::toml_out::{self, Table, boolean, duration_ms, int, string, strings};
use crate::{ImportError, Todo, Warning, closest, template};

/// What an import needs besides the template text.
#[derive(Clone, Debug)]
pub struct Options {
    /// The template's name as given (for messages, the header and the default
    /// `AWS::StackName`, its file stem).
    pub file: String,
    /// `--parameter KEY=VALUE` overrides, in order (the last one of a key wins).
    pub parameters: Vec<(String, String)>,
    /// The template's folder as seen from the workload's folder (`""` when they are the same):
    /// `[function.handler] cwd` is this joined with `CodeUri`.
    pub code_base: String,
    /// What `lamsim import cloudwatch` measured, by function name (`--from-cloudwatch`):
    /// replaces the traffic and duration placeholders of the functions it names.
    pub measured: BTreeMap<String, Measured>,
}

/// A function's measured traffic and durations, from `lamsim import cloudwatch`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Measured {
    /// The trace file, relative to the workload being written.
    pub trace: String,
    /// The `[function.duration]` keys (TOML text) of the fit.
    pub duration: Vec<(String, String)>,
    /// Where they come from and the fit quality (a comment).
    pub note: String,
}

impl Options {
    /// No parameters; the workload sits next to the template.
    pub fn new(file: &str) -> Self {
        Options {
            file: file.to_string(),
            parameters: Vec::new(),
            code_base: String::new(),
            measured: BTreeMap::new(),
        }
    }
}

/// The result of an import.
#[derive(Clone, Debug)]
pub struct Import {
    /// The workload file's text.
    pub toml: String,
    /// How many functions it holds.
    pub functions: usize,
    /// Properties not used, unknown or with unusable values.
    pub warnings: Vec<Warning>,
    /// The placeholders in the text.
    pub todos: Vec<Todo>,
}

/// The command printed for traffic placeholders.
pub const TRAFFIC_COMMAND: &str =
    "`lamsim import cloudwatch METRICS.json --out DIR` (docs/import.md)";

/// Imports a template (YAML or JSON text).
pub fn import(text: &str, opts: &Options) -> Result<Import, ImportError> {
    let tpl = template::parse(text, &opts.file)?;
    let stack = std::path::Path::new(&opts.file)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("stack");
    let resolver = Resolver::new(&tpl, &opts.parameters, stack)?;
    let resources = tpl
        .get("Resources")
        .and_then(Value::as_mapping)
        .ok_or_else(|| ImportError::Parse {
            file: opts.file.clone(),
            message: "`Resources` must be a mapping".into(),
        })?;
    let mut cx = Cx {
        r: &resolver,
        resources,
        warnings: Vec::new(),
        used: BTreeSet::new(),
        code_base: opts.code_base.clone(),
        globals: tpl
            .get("Globals")
            .and_then(|g| g.get("Function"))
            .and_then(Value::as_mapping)
            .cloned()
            .unwrap_or_default(),
    };
    if let Some(g) = tpl.get("Globals").and_then(Value::as_mapping) {
        for k in g.keys().filter_map(Value::as_str) {
            if k != "Function" {
                cx.warn(
                    format!("Globals.{k}"),
                    "not simulated (only Globals.Function applies to functions)".to_string(),
                );
            }
        }
    }

    // Resources whose Condition holds.
    let mut active: Vec<(&str, &Value)> = Vec::new();
    for (id, res) in resources {
        let Some(id) = id.as_str() else { continue };
        if let Some(c) = res.get("Condition").and_then(Value::as_str) {
            if resolver.condition(c)? {
                active.push((id, res));
                continue;
            }
            cx.warn(
                format!("Resources.{id}"),
                format!("not imported: its Condition {c} is false"),
            );
            cx.used.insert(id.to_string());
            continue;
        }
        active.push((id, res));
    }

    let mut functions: Vec<Func> = Vec::new();
    for &(id, res) in &active {
        let ty = res.get("Type").and_then(Value::as_str).unwrap_or("");
        if ty == SERVERLESS_FUNCTION || ty == LAMBDA_FUNCTION {
            cx.used.insert(id.to_string());
            let f = cx.function(id, ty, res);
            functions.push(f);
        }
    }
    if functions.is_empty() {
        return Err(ImportError::Nothing(format!(
            "{}: no AWS::Serverless::Function or AWS::Lambda::Function resource to import",
            opts.file
        )));
    }
    // Unique names. An explicit FunctionName is the deployed function's name: a function
    // named by its logical ID (deployed under a generated name) gives way to it, so that the
    // name (and CloudWatch's metrics under it) stays with the function AWS calls so.
    let by_id = |f: &Func| f.name_origin.ends_with("(logical ID)");
    for i in 0..functions.len() {
        let explicit_clash = by_id(&functions[i])
            && functions
                .iter()
                .enumerate()
                .any(|(j, g)| j != i && !by_id(g) && g.name == functions[i].name);
        if explicit_clash {
            let base = functions[i].name.clone();
            let mut n = 2;
            while functions.iter().any(|g| g.name == format!("{base}-{n}")) {
                n += 1;
            }
            let renamed = format!("{base}-{n}");
            cx.warn(
                format!("Resources.{}", functions[i].id),
                format!("another function's FunctionName is `{base}`, the name AWS deploys it under; this one (deployed under a generated name) is `{renamed}` here"),
            );
            functions[i].name = renamed;
        }
    }
    // A FunctionName shared by two functions (which AWS refuses) falls back to the logical IDs.
    for i in 0..functions.len() {
        if functions
            .iter()
            .enumerate()
            .any(|(j, g)| j != i && g.name == functions[i].name)
        {
            functions[i].name = functions[i].id.clone();
            functions[i].name_origin = format!("Resources.{} (logical ID)", functions[i].id);
        }
    }
    for name in opts.measured.keys() {
        if !functions.iter().any(|f| &f.name == name) {
            cx.warn(
                "--from-cloudwatch".to_string(),
                format!("measured function `{name}` is not a function of the template; not used"),
            );
        }
    }
    for &(id, res) in &active {
        let ty = res.get("Type").and_then(Value::as_str).unwrap_or("");
        if cx.source_resource(id, ty, res, &mut functions) {
            cx.used.insert(id.to_string());
        }
    }
    let mut not_simulated: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for &(id, res) in &active {
        if !cx.used.contains(id) {
            let ty = res
                .get("Type")
                .and_then(Value::as_str)
                .unwrap_or("(no Type)");
            not_simulated.entry(ty).or_default().push(id);
        }
    }
    for (ty, ids) in not_simulated {
        cx.warn(
            format!("Resources ({ty})"),
            format!("not simulated: {}", ids.join(", ")),
        );
    }

    // AWS deploys SnapStart neither beside provisioned concurrency nor with more than 512 MB
    // of ephemeral storage (the validator refuses both): the template's capacity settings are
    // kept and SnapStart left out, with a warning.
    for f in &mut functions {
        let Some(o) = f.snapstart.clone() else {
            continue;
        };
        let provisioned: i64 = f.provisioned.iter().map(|(n, _)| n).sum();
        let ephemeral = f
            .keys
            .iter()
            .find(|(k, _, _)| k == "ephemeral-storage-mb")
            .and_then(|(_, v, _)| v.parse::<i64>().ok())
            .filter(|mb| *mb > 512);
        let why = if provisioned > 0 {
            Some("provisioned concurrency")
        } else if ephemeral.is_some() {
            Some("ephemeral storage above 512 MB")
        } else {
            None
        };
        if let Some(why) = why {
            f.snapstart = None;
            cx.warn(
                o,
                format!("SnapStart cannot run with {why} on one function version (AWS refuses the deployment); left out"),
            );
        }
    }

    let mut todos = Vec::new();
    let region = resolver
        .parameter("AWS::Region")
        .and_then(scalar_text)
        .unwrap_or_default();
    let region_given = opts.parameters.iter().any(|(k, _)| k == "AWS::Region");
    let mut tables = Vec::new();
    let mut sim = Table::new("[simulation]");
    sim.push(
        "duration",
        string("1h"),
        Some("simulated window: not in a template; choose it".to_string()),
    );
    tables.push(sim);
    let mut account = Table::new("[account]");
    account.push(
        "region",
        string(&region),
        Some(if region_given {
            "AWS::Region (--parameter)".to_string()
        } else {
            "AWS::Region (default; give --parameter AWS::Region=…)".to_string()
        }),
    );
    tables.push(account);
    for (i, f) in functions.iter().enumerate() {
        f.render(i, opts.measured.get(&f.name), &mut tables, &mut todos);
    }

    let mut header = vec![format!(
        "Workload imported by `lamsim import sam` from {}.",
        file_name(&opts.file)
    )];
    let declared = tpl
        .get("Parameters")
        .and_then(Value::as_mapping)
        .map(|m| m.keys().filter_map(Value::as_str).collect::<Vec<_>>())
        .unwrap_or_default();
    if !declared.is_empty() {
        let parts: Vec<String> = declared
            .iter()
            .map(|p| {
                let v = resolver.parameter(p).map(|v| match v {
                    Value::Sequence(s) => s
                        .iter()
                        .filter_map(scalar_text)
                        .collect::<Vec<_>>()
                        .join(","),
                    other => scalar_text(other).unwrap_or_default(),
                });
                let how = if opts.parameters.iter().any(|(k, _)| k == p) {
                    "--parameter"
                } else {
                    "Default"
                };
                format!("{p}={} ({how})", v.unwrap_or_default())
            })
            .collect();
        header.push(format!("Parameters: {}.", parts.join(", ")));
    }
    header.push("Each value names where it came from; values marked TODO are placeholders".into());
    header.push(
        "that a template cannot know (traffic, durations), listed by the import with the".into(),
    );
    header.push("command that fills each.".into());
    Ok(Import {
        toml: toml_out::render(&header, &tables),
        functions: functions.len(),
        warnings: cx.warnings,
        todos,
    })
}

fn file_name(path: &str) -> &str {
    std::path::Path::new(path)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or(path)
}

const SERVERLESS_FUNCTION: &str = "AWS::Serverless::Function";
const LAMBDA_FUNCTION: &str = "AWS::Lambda::Function";

/// Properties of `AWS::Serverless::Function` (the SAM specification).
const SAM_FUNCTION_PROPS: &[&str] = &[
    "Architectures",
    "AssumeRolePolicyDocument",
    "AutoPublishAlias",
    "AutoPublishAliasAllProperties",
    "AutoPublishCodeSha256",
    "CodeSigningConfigArn",
    "CodeUri",
    "DeadLetterQueue",
    "DeploymentPreference",
    "Description",
    "Environment",
    "EphemeralStorage",
    "EventInvokeConfig",
    "Events",
    "FileSystemConfigs",
    "FunctionName",
    "FunctionUrlConfig",
    "Handler",
    "ImageConfig",
    "ImageUri",
    "InlineCode",
    "KmsKeyArn",
    "Layers",
    "LoggingConfig",
    "MemorySize",
    "PackageType",
    "PermissionsBoundary",
    "Policies",
    "PropagateTags",
    "ProvisionedConcurrencyConfig",
    "RecursiveLoop",
    "ReservedConcurrentExecutions",
    "Role",
    "RolePath",
    "Runtime",
    "RuntimeManagementConfig",
    "SnapStart",
    "SourceKMSKeyArn",
    "Tags",
    "Timeout",
    "Tracing",
    "VersionDescription",
    "VpcConfig",
];

/// Properties of `AWS::Lambda::Function` (the CloudFormation reference).
const LAMBDA_FUNCTION_PROPS: &[&str] = &[
    "Architectures",
    "Code",
    "CodeSigningConfigArn",
    "DeadLetterConfig",
    "Description",
    "Environment",
    "EphemeralStorage",
    "FileSystemConfigs",
    "FunctionName",
    "Handler",
    "ImageConfig",
    "KmsKeyArn",
    "Layers",
    "LoggingConfig",
    "MemorySize",
    "PackageType",
    "RecursiveLoop",
    "ReservedConcurrentExecutions",
    "Role",
    "Runtime",
    "RuntimeManagementConfig",
    "SnapStart",
    "Tags",
    "Timeout",
    "TracingConfig",
    "VpcConfig",
];

/// SAM event types, and which ones become triggers.
const EVENT_TYPES: &[&str] = &[
    "Api",
    "HttpApi",
    "Schedule",
    "ScheduleV2",
    "EventBridgeRule",
    "CloudWatchEvent",
    "S3",
    "SNS",
    "SQS",
    "Kinesis",
    "DynamoDB",
    "CloudWatchLogs",
    "IoTRule",
    "AlexaSkill",
    "Cognito",
    "MQ",
    "MSK",
    "SelfManagedKafka",
    "DocumentDB",
];

/// Event and mapping properties that only identify or route (paths, methods, APIs, filters
/// that pick the events): read as the trigger's description, not simulated, not warned about.
const IDENTIFYING: &[&str] = &[
    "Path",
    "Method",
    "RestApiId",
    "ApiId",
    "Name",
    "Description",
    "Bucket",
    "Events",
    "Filter",
    "Topic",
    "Pattern",
    "EventBusName",
    "StartingPosition",
    "StartingPositionTimestamp",
    "Queue",
    "Stream",
    "EventSourceArn",
    "FunctionName",
    "Input",
    "InputPath",
    "Target",
    "Targets",
    "Auth",
    "RouteSettings",
    "PayloadFormatVersion",
    "RequestModel",
    "RequestParameters",
    "Region",
    "State",
    "Enabled",
    "TargetFunctionArn",
    "Qualifier",
    "AuthType",
    "Cors",
    "InvokeMode",
    "Id",
    "Arn",
];

/// A `[[function]]` being assembled.
struct Func {
    id: String,
    name: String,
    name_origin: String,
    memory: i64,
    /// `[[function]]` keys after `name` and before `provisioned-concurrency`.
    keys: Vec<(String, String, String)>,
    reserved: Option<i64>,
    provisioned: Vec<(i64, String)>,
    snapstart: Option<String>,
    auto_alias: Option<String>,
    handler: Option<(Vec<String>, String, String)>,
    env: Vec<(String, String)>,
    env_origin: String,
    triggers: Vec<Trigger>,
    retries: Option<(i64, String)>,
    event_age: Option<(i64, String)>,
}

/// One `[[function.trigger]]`.
struct Trigger {
    name: String,
    invocation: &'static str,
    origin: String,
    keys: Vec<(String, String, Option<String>)>,
    arrivals: Vec<(String, String, Option<String>)>,
    /// What to write as a TODO for traffic (`None`: the template gives the arrivals).
    traffic_todo: bool,
    /// Placeholders among `keys`: (key, what, command).
    key_todos: Vec<(String, String, String)>,
}

impl Trigger {
    fn new(name: &str, invocation: &'static str, origin: String) -> Self {
        Trigger {
            name: name.to_string(),
            invocation,
            origin,
            keys: Vec::new(),
            arrivals: Vec::new(),
            traffic_todo: true,
            key_todos: Vec::new(),
        }
    }

    fn key(&mut self, k: &str, v: String, origin: impl Into<Option<String>>) {
        self.keys.push((k.to_string(), v, origin.into()));
    }

    fn schedule(&mut self, expression: &str, origin: String) {
        self.arrivals
            .push(("kind".into(), string("schedule"), None));
        self.arrivals
            .push(("expression".into(), string(expression), Some(origin)));
        self.traffic_todo = false;
    }
}

impl Func {
    fn render(
        &self,
        i: usize,
        measured: Option<&Measured>,
        tables: &mut Vec<Table>,
        todos: &mut Vec<Todo>,
    ) {
        // The measured trace replays the function's whole traffic: it goes to the direct
        // invocation, else to the first trigger whose traffic the template does not give.
        let trace_on = measured.and_then(|_| self.triggers.iter().position(|t| t.traffic_todo));
        let mut t = Table::new("[[function]]");
        t.push("name", string(&self.name), Some(self.name_origin.clone()));
        for (k, v, c) in &self.keys {
            t.push(k, v.clone(), Some(c.clone()));
        }
        if let Some(r) = self.reserved {
            let _ = r;
        }
        if !self.provisioned.is_empty() {
            let total: i64 = self.provisioned.iter().map(|(n, _)| n).sum();
            let origins: Vec<&str> = self.provisioned.iter().map(|(_, o)| o.as_str()).collect();
            t.push(
                "provisioned-concurrency",
                int(total),
                Some(origins.join(" + ")),
            );
        }
        if let Some(o) = &self.snapstart {
            t.push("snapstart", boolean(true), Some(o.clone()));
        }
        let at = format!("function[{i}]");
        if self.triggers.is_empty() {
            t.push(
                "invocation",
                string("sync"),
                Some(
                    "no event in the template: invoked directly (SDK, CLI, another service)".into(),
                ),
            );
        }
        tables.push(t);
        if let (true, Some(m)) = (self.triggers.is_empty(), measured) {
            let mut a = Table::new("[function.arrivals]");
            measured_trace(&mut a, m);
            tables.push(a);
        } else if self.triggers.is_empty() {
            let mut a = Table::new("[function.arrivals]");
            traffic_placeholder(&mut a);
            todos.push(Todo {
                path: format!("{at}.arrivals"),
                what: format!("traffic of {} (invoked directly)", self.name),
                command: TRAFFIC_COMMAND.into(),
            });
            tables.push(a);
        }
        let mut d = Table::new("[function.duration]");
        if let Some(m) = measured {
            d.notes.push(m.note.clone());
            for (k, v) in &m.duration {
                d.push(k, v.clone(), None);
            }
        } else {
            d.notes.push(
                "TODO durations: a template does not say how long the code runs.".to_string(),
            );
            d.push(
                "dist",
                string("lognormal"),
                Some("TODO placeholder".to_string()),
            );
            d.push(
                "median",
                string("100ms"),
                Some("TODO placeholder".to_string()),
            );
            d.push("p99", string("500ms"), Some("TODO placeholder".to_string()));
            d.push(
                "reference-memory-mb",
                int(self.memory),
                Some("the memory the placeholder stands for".to_string()),
            );
            todos.push(Todo {
            path: format!("{at}.duration"),
            what: format!("durations of {}", self.name),
            command: format!(
                "`lamsim bench WORKLOAD.toml --function {} --memory {}` or `lamsim import cloudwatch`",
                self.name, self.memory
            ),
        });
        }
        tables.push(d);
        if let Some((command, cwd, origin)) = &self.handler {
            let mut h = Table::new("[function.handler]");
            h.push(
                "command",
                strings(command),
                Some("Runtime and Handler, run by the runtime's official client".to_string()),
            );
            h.push(
                "cwd",
                string(cwd),
                Some(format!("{origin} (relative to this file)")),
            );
            tables.push(h);
            if !self.env.is_empty() {
                let mut e = Table::new("[function.handler.env]");
                e.notes.push(self.env_origin.clone());
                for (k, v) in &self.env {
                    e.push(k, string(v), None);
                }
                tables.push(e);
            }
        }
        for (j, tr) in self.triggers.iter().enumerate() {
            let mut t = Table::new("[[function.trigger]]");
            t.notes.push(tr.origin.clone());
            t.push("name", string(&tr.name), None);
            t.push("invocation", string(tr.invocation), None);
            for (k, v, c) in &tr.keys {
                t.push(k, v.clone(), c.clone());
            }
            if tr.invocation == "async" {
                if let Some((n, o)) = &self.retries {
                    t.push("max-retries", int(*n), Some(o.clone()));
                }
                if let Some((s, o)) = &self.event_age {
                    t.push(
                        "max-event-age",
                        duration_ms(*s as u64 * 1000),
                        Some(o.clone()),
                    );
                }
            }
            for (k, what, command) in &tr.key_todos {
                todos.push(Todo {
                    path: format!("{at}.trigger[{j}].{k}"),
                    what: what.clone(),
                    command: command.clone(),
                });
            }
            tables.push(t);
            let mut a = Table::new("[function.trigger.arrivals]");
            if let (Some(m), true) = (measured, trace_on == Some(j)) {
                measured_trace(&mut a, m);
                if matches!(tr.invocation, "sqs" | "stream") {
                    // CloudWatch's Invocations of a function behind a queue or stream count
                    // batches: the trace has one arrival per batch, not per item.
                    a.notes.push(
                        "TODO: CloudWatch counts this function's invocations, which are batches here: the trace has one arrival per batch, not per message or record".into(),
                    );
                    todos.push(Todo {
                        path: format!("{at}.trigger[{j}].arrivals"),
                        what: format!(
                            "items (not batches) reaching {} through {}",
                            self.name, tr.name
                        ),
                        command: "the queue's NumberOfMessagesSent or the stream's IncomingRecords (CloudWatch), as a trace".into(),
                    });
                }
            } else if tr.traffic_todo {
                traffic_placeholder(&mut a);
                todos.push(Todo {
                    path: format!("{at}.trigger[{j}].arrivals"),
                    what: format!("traffic of {} through {}", self.name, tr.name),
                    command: TRAFFIC_COMMAND.into(),
                });
            } else {
                for (k, v, c) in &tr.arrivals {
                    a.push(k, v.clone(), c.clone());
                }
            }
            tables.push(a);
        }
    }
}

fn measured_trace(a: &mut Table, m: &Measured) {
    a.notes.push(
        "measured by CloudWatch: the function's whole traffic (lamsim import cloudwatch)".into(),
    );
    a.push("kind", string("trace"), None);
    a.push("file", string(&m.trace), None);
}

fn traffic_placeholder(a: &mut Table) {
    a.notes
        .push("TODO traffic: a template does not say how often the function is called.".into());
    a.push(
        "kind",
        string("poisson"),
        Some("TODO placeholder".to_string()),
    );
    a.push(
        "rate-per-s",
        toml_out::float(1.0),
        Some("TODO placeholder".to_string()),
    );
}

/// The import's state: the resolver, the warnings and which resources were used.
struct Cx<'a, 't> {
    r: &'a Resolver<'t>,
    resources: &'t Mapping,
    warnings: Vec<Warning>,
    used: BTreeSet<String>,
    code_base: String,
    globals: Mapping,
}

/// A resource's properties, resolved one at a time, remembering which were read.
struct Props<'v> {
    own: Option<&'v Mapping>,
    globals: Option<&'v Mapping>,
    base: String,
    read: BTreeSet<String>,
}

impl<'v> Props<'v> {
    fn origin(&self, key: &str) -> String {
        match (
            self.own.and_then(|m| m.get(key)),
            self.globals.and_then(|g| g.get(key)),
        ) {
            (None, Some(_)) => format!("Globals.Function.{key}"),
            _ => format!("{}.{key}", self.base),
        }
    }

    fn raw(&self, key: &str) -> Option<Value> {
        let own = self.own.and_then(|m| m.get(key));
        let global = self.globals.and_then(|g| g.get(key));
        match (own, global) {
            // An intrinsic (`!If`, `!Ref`, …) is one value to SAM: the resource's wins whole.
            (Some(o), Some(g)) if is_intrinsic(o) || is_intrinsic(g) => Some(o.clone()),
            (Some(Value::Mapping(o)), Some(Value::Mapping(g))) => Some(Value::Mapping(merge(g, o))),
            (Some(Value::Sequence(o)), Some(Value::Sequence(g))) => {
                Some(Value::Sequence(g.iter().chain(o).cloned().collect()))
            }
            (Some(o), _) => Some(o.clone()),
            (None, g) => g.cloned(),
        }
    }

    fn keys(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for m in [self.globals, self.own].into_iter().flatten() {
            for k in m.keys().filter_map(Value::as_str) {
                if !out.iter().any(|x| x == k) {
                    out.push(k.to_string());
                }
            }
        }
        out
    }
}

/// Whether `v` is an intrinsic function in long form (`{"Ref": …}`, `{"Fn::If": …}`): SAM's
/// merge of Globals takes it as a single value (its `_token_of`), never merging into it.
fn is_intrinsic(v: &Value) -> bool {
    v.as_mapping().is_some_and(|m| {
        m.len() == 1
            && m.keys()
                .filter_map(Value::as_str)
                .any(|k| k == "Ref" || k.starts_with("Fn::"))
    })
}

/// SAM's merge of `Globals` into a resource: maps merged key by key (the resource wins; an
/// intrinsic on either side is one value, and the resource's wins whole).
fn merge(global: &Mapping, own: &Mapping) -> Mapping {
    let mut out = global.clone();
    for (k, v) in own {
        let merged = match (out.get(k), v) {
            (Some(g), o) if is_intrinsic(g) || is_intrinsic(o) => v.clone(),
            (Some(Value::Mapping(g)), Value::Mapping(o)) => Value::Mapping(merge(g, o)),
            _ => v.clone(),
        };
        out.insert(k.clone(), merged);
    }
    out
}

impl Cx<'_, '_> {
    fn warn(&mut self, path: String, message: String) {
        self.warnings.push(Warning { path, message });
    }

    /// The comment of integer property `key` left at AWS's default: not set, set but not
    /// usable (already warned about when read), or `given` out of Lambda's range (warned about
    /// here with `out_of_range(value)`).
    fn default_reason(
        &mut self,
        p: &Props,
        key: &str,
        given: Option<(i64, String)>,
        out_of_range: impl Fn(i64) -> String,
    ) -> String {
        match given {
            Some((v, o)) => {
                self.warn(o.clone(), out_of_range(v));
                format!("AWS default ({o} = {v} is out of range)")
            }
            // Set to something that resolves to a value (or not at all), but not a usable one;
            // `!Ref AWS::NoValue` or null removes the key.
            None if p.raw(key).is_some_and(|raw| {
                !matches!(self.r.resolve(&raw), Ok(None | Some(Value::Null)))
            }) =>
            {
                format!("AWS default ({} is not usable)", p.origin(key))
            }
            None => format!("AWS default ({key} not set)"),
        }
    }

    /// A property, resolved; `None` when absent, `AWS::NoValue`, or unresolvable (warned).
    fn get(&mut self, p: &mut Props, key: &str) -> Option<Value> {
        p.read.insert(key.to_string());
        let raw = p.raw(key)?;
        match self.r.resolve(&raw) {
            Ok(v) => v.filter(|v| !v.is_null()),
            Err(e) => {
                let o = p.origin(key);
                self.warn(o, format!("cannot be resolved, left out: {e}"));
                None
            }
        }
    }

    fn get_int(&mut self, p: &mut Props, key: &str) -> Option<(i64, String)> {
        let v = self.get(p, key)?;
        let o = p.origin(key);
        self.int_of(&v, &o).map(|n| (n, o))
    }

    /// A schedule's expression as the workload takes it: `rate(…)` and `cron(…)` as they are,
    /// a one-time `at(…)` as the cron expression that fires once then (with a warning); None,
    /// with a warning, when an `at(…)` cannot be written so.
    fn schedule_expression(&mut self, expr: String, origin: &str) -> Option<String> {
        match one_time_as_cron(&expr) {
            None => Some(expr),
            Some(Ok(cron)) => {
                self.warn(
                    origin.to_string(),
                    format!("the one-time schedule `{expr}` is written as `{cron}`, which fires once, then (set [simulation] start-at for it to fall in the window)"),
                );
                Some(cron)
            }
            Some(Err(why)) => {
                self.warn(origin.to_string(), format!("`{expr}`: {why}; left out"));
                None
            }
        }
    }

    /// `n`, read at `origin`, when it is within `lo..=hi` (the range lamsim and AWS accept);
    /// otherwise a warning, and None: the key is left out and its default applies.
    fn in_range(&mut self, n: i64, origin: &str, lo: i64, hi: i64) -> Option<i64> {
        if (lo..=hi).contains(&n) {
            return Some(n);
        }
        self.warn(
            origin.to_string(),
            format!(
                "{n} is outside {lo}..={hi}, which AWS accepts; left out (the default applies)"
            ),
        );
        None
    }

    /// A whole number of seconds at `origin` within `lo..=hi`, as a lamsim duration.
    fn seconds_in(&mut self, n: i64, origin: &str, lo: i64, hi: i64) -> Option<String> {
        self.in_range(n, origin, lo, hi)
            .map(|s| duration_ms(s as u64 * 1000))
    }

    fn int_of(&mut self, v: &Value, origin: &str) -> Option<i64> {
        let n = match v {
            Value::Number(n) => n
                .as_i64()
                .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64)),
            Value::String(s) => s.trim().parse::<i64>().ok(),
            _ => None,
        };
        if n.is_none() {
            self.warn(
                origin.to_string(),
                format!(
                    "expected a whole number, found {}; left out",
                    describe(Some(v))
                ),
            );
        }
        n
    }

    fn get_str(&mut self, p: &mut Props, key: &str) -> Option<(String, String)> {
        let v = self.get(p, key)?;
        let o = p.origin(key);
        match scalar_text(&v) {
            Some(s) => Some((s, o)),
            None => {
                self.warn(
                    o,
                    format!("expected a string, found {}; left out", describe(Some(&v))),
                );
                None
            }
        }
    }

    fn get_bool(&mut self, p: &mut Props, key: &str) -> Option<(bool, String)> {
        let v = self.get(p, key)?;
        let o = p.origin(key);
        match scalar_text(&v).as_deref() {
            Some("true" | "True") => Some((true, o)),
            Some("false" | "False") => Some((false, o)),
            _ => {
                self.warn(
                    o,
                    format!(
                        "expected true or false, found {}; left out",
                        describe(Some(&v))
                    ),
                );
                None
            }
        }
    }

    /// Warns about every property not read: unknown ones one by one with the closest valid
    /// property, known ones together as not simulated.
    fn unused(&mut self, p: &Props, known: &[&str]) {
        let mut quiet = Vec::new();
        for k in p.keys() {
            if p.read.contains(&k) {
                continue;
            }
            let origin = p.origin(&k);
            if known.is_empty() || known.contains(&k.as_str()) {
                if !IDENTIFYING.contains(&k.as_str()) || known.is_empty() {
                    quiet.push(k);
                }
            } else {
                let hint = closest(&k, known)
                    .map(|c| format!(" (closest valid property: {c})"))
                    .unwrap_or_default();
                self.warn(origin, format!("unknown property, ignored{hint}"));
            }
        }
        if !quiet.is_empty() {
            self.warn(
                p.base.clone(),
                format!("not simulated: {}", quiet.join(", ")),
            );
        }
    }

    fn function(&mut self, id: &str, ty: &str, res: &Value) -> Func {
        let sam = ty == SERVERLESS_FUNCTION;
        let globals = self.globals.clone();
        let own = res.get("Properties").and_then(Value::as_mapping);
        let mut p = Props {
            own,
            globals: sam.then_some(&globals),
            base: format!("Resources.{id}.Properties"),
            read: BTreeSet::new(),
        };
        let known = if sam {
            SAM_FUNCTION_PROPS
        } else {
            LAMBDA_FUNCTION_PROPS
        };
        let (name, name_origin) = match self.get_str(&mut p, "FunctionName") {
            Some((n, o)) if valid_name(&n) => (n, o),
            Some((n, o)) => {
                self.warn(
                    o,
                    format!("`{n}` is not a valid function name here ([A-Za-z0-9_-]+); the logical ID {id} is used"),
                );
                (id.to_string(), format!("Resources.{id} (logical ID)"))
            }
            None => (id.to_string(), format!("Resources.{id} (logical ID)")),
        };
        let mut keys = Vec::new();
        let memory = match self.get_int(&mut p, "MemorySize") {
            Some((m, o)) if (128..=10_240).contains(&m) => {
                keys.push(("memory-mb".into(), int(m), o));
                m
            }
            other => {
                let why = self.default_reason(&p, "MemorySize", other, |m| {
                    format!("{m} MB is outside Lambda's 128..=10240; the default 128 is used")
                });
                keys.push(("memory-mb".into(), int(128), why));
                128
            }
        };
        match self.get(&mut p, "Architectures") {
            Some(Value::Sequence(a))
                if a.len() == 1 && matches!(a[0].as_str(), Some("x86_64" | "arm64")) =>
            {
                let arch = a[0].as_str().unwrap_or("x86_64");
                keys.push((
                    "architecture".into(),
                    string(arch),
                    p.origin("Architectures"),
                ));
            }
            Some(other) => {
                self.warn(
                    p.origin("Architectures"),
                    format!(
                        "expected [x86_64] or [arm64], found {}; x86_64 is used",
                        describe(Some(&other))
                    ),
                );
                keys.push((
                    "architecture".into(),
                    string("x86_64"),
                    "AWS default".into(),
                ));
            }
            None => keys.push((
                "architecture".into(),
                string("x86_64"),
                "AWS default (Architectures not set)".into(),
            )),
        }
        let package = self.get_str(&mut p, "PackageType");
        let image = match &package {
            Some((s, o)) if s == "Image" => {
                keys.push(("package-type".into(), string("image"), o.clone()));
                true
            }
            Some((s, _)) if s == "Zip" => false,
            Some((s, o)) => {
                self.warn(
                    o.clone(),
                    format!("`{s}` is not Zip or Image; Zip is assumed"),
                );
                false
            }
            None => false,
        };
        let runtime = self.get_str(&mut p, "Runtime");
        if let Some((rt, o)) = &runtime {
            if lamsim_sim::profiles::is_known(rt) && rt != lamsim_sim::profiles::GENERIC {
                keys.push(("runtime".into(), string(rt), o.clone()));
            } else {
                let ids: Vec<String> = lamsim_sim::profiles::runtimes()
                    .into_iter()
                    .map(|r| r.id)
                    .filter(|r| r != lamsim_sim::profiles::GENERIC)
                    .collect();
                let variants: Vec<&str> = ids
                    .iter()
                    .map(String::as_str)
                    .filter(|r| r.starts_with(&format!("{rt}:")))
                    .collect();
                let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
                let hint = if !variants.is_empty() {
                    format!(
                        "set runtime to the one your code uses: {}",
                        variants.join(", ")
                    )
                } else {
                    match closest(rt, &refs) {
                        Some(c) => format!("closest built-in profile: {c}"),
                        None => "see `lamsim runtimes`".into(),
                    }
                };
                self.warn(
                    o.clone(),
                    format!("no built-in cold-start profile for runtime `{rt}`: the generic profile is used ({hint})"),
                );
            }
        }
        match self.get_int(&mut p, "Timeout") {
            Some((t, o)) if (1..=900).contains(&t) => {
                keys.push(("timeout".into(), duration_ms(t as u64 * 1000), o))
            }
            other => {
                let why = self.default_reason(&p, "Timeout", other, |t| {
                    format!("{t} s is outside Lambda's 1..=900 s; the default 3 s is used")
                });
                keys.push(("timeout".into(), duration_ms(3000), why));
            }
        }
        if let Some(v) = self.get(&mut p, "EphemeralStorage") {
            let o = format!("{}.Size", p.origin("EphemeralStorage"));
            match v.get("Size") {
                Some(s) => {
                    if let Some(n) = self.int_of(&s.clone(), &o) {
                        keys.push(("ephemeral-storage-mb".into(), int(n), o));
                    }
                }
                None => self.warn(o, "missing; the default 512 MB is used".into()),
            }
        }
        let reserved = self.get_int(&mut p, "ReservedConcurrentExecutions");
        if let Some((n, o)) = &reserved {
            keys.push(("reserved-concurrency".into(), int(*n), o.clone()));
        }
        let auto_alias = if sam {
            self.get_str(&mut p, "AutoPublishAlias").map(|(a, _)| a)
        } else {
            None
        };
        let mut provisioned = Vec::new();
        let pc = if sam {
            self.get(&mut p, "ProvisionedConcurrencyConfig")
        } else {
            None
        };
        if let Some(v) = pc {
            let o = format!(
                "{}.ProvisionedConcurrentExecutions",
                p.origin("ProvisionedConcurrencyConfig")
            );
            if let Some(n) = v
                .get("ProvisionedConcurrentExecutions")
                .cloned()
                .and_then(|n| self.int_of(&n, &o))
            {
                if auto_alias.is_some() {
                    provisioned.push((n, o));
                } else {
                    self.warn(
                        o,
                        "applies only with AutoPublishAlias (SAM rejects it without); ignored"
                            .into(),
                    );
                }
            }
        }
        let mut snapstart = None;
        if let Some(v) = self.get(&mut p, "SnapStart") {
            let o = format!("{}.ApplyOn", p.origin("SnapStart"));
            match v.get("ApplyOn").and_then(Value::as_str) {
                Some("PublishedVersions") => match &runtime {
                    Some((rt, _)) if lamsim_sim::cost::snapstart_supported(rt) => {
                        if sam && auto_alias.is_none() {
                            self.warn(o.clone(), "SnapStart applies to published versions; with no AutoPublishAlias it is simulated as if invocations went to one".into());
                        }
                        snapstart = Some(o);
                    }
                    _ => self.warn(
                        o,
                        "SnapStart is not available for this runtime (Java 11+, Python 3.12+, .NET 8+); left out".into(),
                    ),
                },
                Some("None") | None => {}
                Some(other) => self.warn(o, format!("`{other}` is not PublishedVersions or None; left out")),
            }
        }
        // The handler.
        let handler_name = self.get_str(&mut p, "Handler").map(|(h, _)| h);
        let code = if sam {
            self.get(&mut p, "CodeUri")
        } else {
            self.get(&mut p, "Code")
        };
        let code_origin = p.origin(if sam { "CodeUri" } else { "Code" });
        let inline = sam && p.raw("InlineCode").is_some();
        if inline {
            p.read.insert("InlineCode".into());
        }
        p.read.insert("ImageUri".into());
        p.read.insert("ImageConfig".into());
        let handler = if image {
            self.warn(
                format!("Resources.{id}"),
                "a container image function: no [function.handler] written (run the image with its own entry point to bench it)".into(),
            );
            None
        } else {
            let folder = match &code {
                Some(Value::String(s)) if !sam => {
                    self.warn(
                        code_origin.clone(),
                        format!("`{s}` is not a local folder; no [function.handler] written"),
                    );
                    None
                }
                Some(Value::String(s)) if s.starts_with("s3://") => {
                    self.warn(
                        code_origin.clone(),
                        format!(
                            "`{s}` is in S3, not a local folder; no [function.handler] written"
                        ),
                    );
                    None
                }
                Some(Value::String(s)) => Some(s.clone()),
                Some(_) => {
                    self.warn(code_origin.clone(), "is not a local folder (S3 location or inline code); no [function.handler] written".into());
                    None
                }
                None if inline => {
                    self.warn(
                        format!("{}.InlineCode", p.base),
                        "inline code: no [function.handler] written".into(),
                    );
                    None
                }
                None if sam => Some(".".to_string()),
                None => None,
            };
            match (folder, &runtime) {
                (Some(folder), Some((rt, _))) => {
                    match client_command(rt, handler_name.as_deref()) {
                        Some(cmd) => Some((cmd, self.cwd(&folder), code_origin.clone())),
                        None => {
                            self.warn(
                            p.origin("Runtime"),
                            format!("no runtime interface client known for `{rt}`; no [function.handler] written"),
                        );
                            None
                        }
                    }
                }
                (Some(_), None) => {
                    self.warn(
                        format!("Resources.{id}"),
                        "no Runtime: no [function.handler] written".into(),
                    );
                    None
                }
                (None, _) => None,
            }
        };
        let mut env = Vec::new();
        let env_origin = format!("{}.Variables", p.origin("Environment"));
        if let Some(v) = self.get(&mut p, "Environment")
            && let Some(vars) = v.get("Variables").and_then(Value::as_mapping)
        {
            for (k, x) in vars {
                let Some(k) = k.as_str() else { continue };
                match scalar_text(x) {
                    Some(s) => env.push((k.to_string(), s)),
                    None => self.warn(
                        format!("{env_origin}.{k}"),
                        format!("is {}, not a string; left out", describe(Some(x))),
                    ),
                }
            }
        }
        if handler.is_none() && !env.is_empty() {
            self.warn(
                env_origin.clone(),
                "not simulated: environment variables only reach a [function.handler]".into(),
            );
        }
        // Async settings.
        let (mut retries, mut event_age) = (None, None);
        let eic = if sam {
            self.get(&mut p, "EventInvokeConfig")
        } else {
            None
        };
        if let Some(v) = eic {
            let base = p.origin("EventInvokeConfig");
            (retries, event_age) = self.invoke_config(&v, &base);
        }
        let mut f = Func {
            id: id.to_string(),
            name,
            name_origin,
            memory,
            keys,
            reserved: reserved.map(|(n, _)| n),
            provisioned,
            snapstart,
            auto_alias,
            handler,
            env,
            env_origin,
            triggers: Vec::new(),
            retries,
            event_age,
        };
        if sam {
            if let Some(Value::Mapping(events)) = self.get(&mut p, "Events") {
                for (ename, ev) in &events {
                    let Some(ename) = ename.as_str() else {
                        continue;
                    };
                    let origin = format!("{}.{ename}", p.origin("Events"));
                    if let Some(t) = self.sam_event(ename, ev, &origin) {
                        f.triggers.push(t);
                    }
                }
            }
            if let Some(v) = self.get(&mut p, "FunctionUrlConfig") {
                // `url`, unless an event already has that name.
                let mut t = Trigger::new(
                    &unique(&f, "url"),
                    "sync",
                    format!("{} (function URL)", p.origin("FunctionUrlConfig")),
                );
                t.key("front", string("function-url"), None);
                let _ = v;
                f.triggers.push(t);
            }
        }
        self.unused(&p, known);
        f
    }

    /// `max-retries` and `max-event-age` from an `EventInvokeConfig`.
    #[allow(clippy::type_complexity)]
    fn invoke_config(
        &mut self,
        v: &Value,
        base: &str,
    ) -> (Option<(i64, String)>, Option<(i64, String)>) {
        let mut retries = None;
        let mut age = None;
        if let Some(n) = v.get("MaximumRetryAttempts") {
            let o = format!("{base}.MaximumRetryAttempts");
            retries = self
                .int_of(n, &o)
                .and_then(|n| self.in_range(n, &o, 0, 2))
                .map(|n| (n, o));
        }
        if let Some(n) = v.get("MaximumEventAgeInSeconds") {
            let o = format!("{base}.MaximumEventAgeInSeconds");
            age = self
                .int_of(n, &o)
                .and_then(|n| self.in_range(n, &o, 60, 21_600))
                .map(|n| (n, o));
        }
        if let Some(m) = v.as_mapping() {
            let rest: Vec<&str> = m
                .keys()
                .filter_map(Value::as_str)
                .filter(|k| {
                    *k != "MaximumRetryAttempts"
                        && *k != "MaximumEventAgeInSeconds"
                        && *k != "FunctionName"
                        && *k != "Qualifier"
                })
                .collect();
            if !rest.is_empty() {
                self.warn(
                    base.to_string(),
                    format!("not simulated: {}", rest.join(", ")),
                );
            }
        }
        (retries, age)
    }

    fn cwd(&self, folder: &str) -> String {
        let folder = folder.trim_end_matches('/');
        let folder = if folder.is_empty() { "." } else { folder };
        if self.code_base.is_empty() || folder.starts_with('/') {
            folder.to_string()
        } else if folder == "." {
            self.code_base.clone()
        } else {
            format!(
                "{}/{}",
                self.code_base.trim_end_matches('/'),
                folder.trim_start_matches("./")
            )
        }
    }

    /// One SAM event → a trigger (or a warning).
    fn sam_event(&mut self, ename: &str, ev: &Value, origin: &str) -> Option<Trigger> {
        let Some(ty) = ev.get("Type").and_then(Value::as_str) else {
            self.warn(origin.to_string(), "has no Type; ignored".into());
            return None;
        };
        let empty = Mapping::new();
        let props = ev
            .get("Properties")
            .and_then(Value::as_mapping)
            .unwrap_or(&empty);
        let mut p = Props {
            own: Some(props),
            globals: None,
            base: format!("{origin}.Properties"),
            read: BTreeSet::new(),
        };
        if !EVENT_TYPES.contains(&ty) {
            let hint = closest(ty, EVENT_TYPES)
                .map(|c| format!(" (closest valid event type: {c})"))
                .unwrap_or_default();
            self.warn(
                format!("{origin}.Type"),
                format!("unknown event type `{ty}`, ignored{hint}"),
            );
            return None;
        }
        let label = format!("{origin} ({ty})");
        let trigger = match ty {
            "Api" | "HttpApi" => {
                let mut t = Trigger::new(ename, "sync", self.describe_event(&label, &mut p));
                let (front, default_ms, what) = if ty == "Api" {
                    (
                        "rest-api",
                        29_000,
                        "API Gateway REST integration timeout (default 29s)",
                    )
                } else {
                    (
                        "http-api",
                        30_000,
                        "API Gateway HTTP API integration timeout (default 30s)",
                    )
                };
                let timeout = match self.get_int(&mut p, "TimeoutInMillis") {
                    Some((ms, o)) if ms > 0 => (ms, o),
                    _ => (default_ms, what.to_string()),
                };
                t.key(
                    "gateway-timeout",
                    duration_ms(timeout.0 as u64),
                    Some(timeout.1),
                );
                t.key("front", string(front), Some(format!("{ty} event")));
                Some(t)
            }
            "Schedule" | "ScheduleV2" => {
                let key = if ty == "Schedule" {
                    "Schedule"
                } else {
                    "ScheduleExpression"
                };
                if self.disabled(&mut p) {
                    self.warn(origin.to_string(), "disabled: no trigger written".into());
                    None
                } else if let Some((expr, o)) = self.get_str(&mut p, key) {
                    let tz = self.get_str(&mut p, "ScheduleExpressionTimezone");
                    if let Some((tz, o)) = tz.filter(|(tz, _)| tz != "UTC" && tz != "Etc/UTC") {
                        self.warn(
                            o,
                            format!(
                                "`{tz}`: the simulated clock is UTC; the expression is read in UTC"
                            ),
                        );
                    }
                    let mut t = Trigger::new(ename, "async", self.describe_event(&label, &mut p));
                    let expr = self.schedule_expression(expr, &o)?;
                    t.schedule(&expr, o);
                    Some(t)
                } else {
                    self.warn(origin.to_string(), format!("has no {key}; ignored"));
                    None
                }
            }
            "EventBridgeRule" | "CloudWatchEvent" | "S3" | "SNS" => {
                if self.disabled(&mut p) {
                    self.warn(origin.to_string(), "disabled: no trigger written".into());
                    None
                } else {
                    Some(Trigger::new(
                        ename,
                        "async",
                        self.describe_event(&label, &mut p),
                    ))
                }
            }
            "SQS" | "Kinesis" | "DynamoDB" => {
                let key = if ty == "SQS" { "Queue" } else { "Stream" };
                let source = self.get_str(&mut p, key).map(|(s, _)| s);
                let kind = if ty == "SQS" {
                    SourceKind::Sqs
                } else {
                    SourceKind::Stream
                };
                self.mapping_trigger(ename, kind, source.as_deref(), &mut p, &label)
            }
            _ => {
                self.warn(
                    origin.to_string(),
                    format!("event type {ty} is not simulated; no trigger written"),
                );
                return None;
            }
        };
        if trigger.is_some() {
            self.unused(&p, &[]);
        }
        trigger
    }

    /// The trigger's comment: where it came from and what it identifies (`GET /items`).
    fn describe_event(&mut self, label: &str, p: &mut Props) -> String {
        let mut parts = Vec::new();
        for k in ["Method", "Path", "Pattern", "Bucket", "Topic", "Events"] {
            if let Some(v) = p.raw(k) {
                p.read.insert(k.to_string());
                if let Some(s) = self
                    .r
                    .resolve(&v)
                    .ok()
                    .flatten()
                    .as_ref()
                    .and_then(scalar_text)
                {
                    parts.push(s.to_uppercase_if(k == "Method"));
                }
            }
        }
        for k in IDENTIFYING {
            if p.raw(k).is_some() {
                p.read.insert(k.to_string());
            }
        }
        if parts.is_empty() {
            label.to_string()
        } else {
            format!("{label}: {}", parts.join(" "))
        }
    }

    fn disabled(&mut self, p: &mut Props) -> bool {
        let enabled = self.get_bool(p, "Enabled").map(|(b, _)| b);
        let state = self.get_str(p, "State").map(|(s, _)| s);
        enabled == Some(false) || state.as_deref() == Some("DISABLED")
    }

    /// An SQS or stream trigger from an event source mapping's properties (a SAM `SQS`,
    /// `Kinesis` or `DynamoDB` event, or an `AWS::Lambda::EventSourceMapping`: same names).
    fn mapping_trigger(
        &mut self,
        name: &str,
        kind: SourceKind,
        source: Option<&str>,
        p: &mut Props,
        label: &str,
    ) -> Option<Trigger> {
        if self.disabled(p) {
            self.warn(
                label.to_string(),
                "disabled (Enabled: false): no trigger written".into(),
            );
            return None;
        }
        let src_id = source.map(|s| s.split('.').next().unwrap_or(s).to_string());
        let src_res = src_id
            .as_deref()
            .and_then(|id| self.resources.get(id))
            .cloned();
        if let Some(id) = src_id.as_ref().filter(|_| src_res.is_some()) {
            self.used.insert(id.clone());
        }
        let describe = self.describe_event(label, p);
        let mut t = Trigger::new(
            name,
            if kind == SourceKind::Sqs {
                "sqs"
            } else {
                "stream"
            },
            describe,
        );
        let b = p.base.clone();
        let batch = self
            .get_int(p, "BatchSize")
            .and_then(|(n, o)| self.in_range(n, &o, 1, 10_000).map(|n| (n, o)));
        let default_batch = if kind == SourceKind::Sqs { 10 } else { 100 };
        match &batch {
            Some((n, o)) => t.key("batch-size", int(*n), Some(o.clone())),
            None => t.key(
                "batch-size",
                int(default_batch),
                Some("AWS default (BatchSize not set)".into()),
            ),
        }
        let window = self
            .get_int(p, "MaximumBatchingWindowInSeconds")
            .and_then(|(s, o)| self.seconds_in(s, &o, 0, 300).map(|d| (s, d, o)));
        match (&batch, window) {
            // AWS refuses an SQS mapping with more than 10 messages a batch and no batching
            // window of at least 1 s; the smallest window it accepts stands in, with a warning.
            (Some((n, o)), w)
                if kind == SourceKind::Sqs && *n > 10 && w.as_ref().is_none_or(|w| w.0 < 1) =>
            {
                self.warn(
                    o.clone(),
                    format!("a batch size of {n} needs MaximumBatchingWindowInSeconds of at least 1 (AWS refuses the mapping without); 1 s written"),
                );
                t.key(
                    "batching-window",
                    duration_ms(1000),
                    Some("the least AWS accepts with BatchSize above 10 (see the warning)".into()),
                );
            }
            (_, Some((_, d, o))) => t.key("batching-window", d, Some(o)),
            _ => {}
        }
        if kind == SourceKind::Sqs {
            if let Some(v) = self.get(p, "ScalingConfig")
                && let Some(n) = v.get("MaximumConcurrency")
            {
                let o = format!("{b}.ScalingConfig.MaximumConcurrency");
                if let Some(n) = self.int_of(n, &o) {
                    t.key("max-concurrency", int(n), Some(o));
                }
            }
            if let Some(v) = self.get(p, "ProvisionedPollerConfig") {
                t.key(
                    "scaling",
                    string("provisioned"),
                    Some(format!("{b}.ProvisionedPollerConfig")),
                );
                for (k, key) in [
                    ("MinimumPollers", "min-pollers"),
                    ("MaximumPollers", "max-pollers"),
                ] {
                    if let Some(n) = v.get(k) {
                        let o = format!("{b}.ProvisionedPollerConfig.{k}");
                        if let Some(n) = self.int_of(n, &o) {
                            t.key(key, int(n), Some(o));
                        }
                    }
                }
            }
            if let Some(q) = &src_res {
                let qp = q.get("Properties").cloned().unwrap_or_default();
                let qid = src_id.clone().unwrap_or_default();
                let qo = format!("Resources.{qid}.Properties");
                let vis = qp
                    .get("VisibilityTimeout")
                    .and_then(|v| self.r.resolve(v).ok().flatten());
                match vis {
                    Some(v) => {
                        let o = format!("{qo}.VisibilityTimeout");
                        if let Some(s) = self.int_of(&v, &o)
                            && let Some(d) = self.seconds_in(s, &o, 0, 43_200)
                        {
                            t.key("visibility-timeout", d, Some(o));
                        }
                    }
                    None => t.key(
                        "visibility-timeout",
                        duration_ms(30_000),
                        Some(format!("SQS default ({qid} sets no VisibilityTimeout)")),
                    ),
                }
                // RedrivePolicy is of CloudFormation's type Json: a mapping, or a string of JSON.
                if let Some(n) = qp
                    .get("RedrivePolicy")
                    .and_then(|v| self.r.resolve(v).ok().flatten())
                    .and_then(|r| match r {
                        Value::String(json) => serde_norway::from_str::<Value>(&json).ok(),
                        other => Some(other),
                    })
                    .and_then(|r| r.get("maxReceiveCount").cloned())
                {
                    let o = format!("{qo}.RedrivePolicy.maxReceiveCount");
                    if let Some(n) = self.int_of(&n.clone(), &o) {
                        t.key("max-receive-count", int(n), Some(o));
                    }
                }
                // Queue settings that change what happens but are not simulated.
                for (key, why) in [
                    (
                        "FifoQueue",
                        "FIFO queues (ordering, message groups) are not simulated: read as a standard queue",
                    ),
                    (
                        "DelaySeconds",
                        "delivery delay is not simulated: messages are visible at once",
                    ),
                ] {
                    if qp
                        .get(key)
                        .is_some_and(|v| !matches!(v, Value::Bool(false)) && v.as_i64() != Some(0))
                    {
                        self.warn(format!("{qo}.{key}"), why.into());
                    }
                }
                if let Some(v) = qp
                    .get("MessageRetentionPeriod")
                    .and_then(|v| self.r.resolve(v).ok().flatten())
                {
                    let o = format!("{qo}.MessageRetentionPeriod");
                    if let Some(s) = self.int_of(&v, &o)
                        && let Some(d) = self.seconds_in(s, &o, 60, 1_209_600)
                    {
                        t.key("retention", d, Some(o));
                    }
                }
            }
            if let Some(v) = self.get(p, "FunctionResponseTypes") {
                let report = v.as_sequence().is_some_and(|s| {
                    s.iter()
                        .any(|x| x.as_str() == Some("ReportBatchItemFailures"))
                });
                t.key(
                    "report-batch-item-failures",
                    boolean(report),
                    Some(format!("{b}.FunctionResponseTypes")),
                );
            }
        } else {
            match src_res
                .as_ref()
                .map(|r| (r.get("Type").and_then(Value::as_str).unwrap_or(""), r))
            {
                Some(("AWS::Kinesis::Stream", r)) => {
                    let sid = src_id.clone().unwrap_or_default();
                    let o = format!("Resources.{sid}.Properties.ShardCount");
                    let count = r
                        .get("Properties")
                        .and_then(|p| p.get("ShardCount"))
                        .and_then(|v| self.r.resolve(v).ok().flatten());
                    match count.and_then(|c| self.int_of(&c, &o)) {
                        Some(n) => t.key("shards", int(n), Some(o)),
                        None => shards_todo(
                            &mut t,
                            "an on-demand Kinesis stream: its shard count varies",
                            "`aws kinesis describe-stream-summary --stream-name NAME`",
                        ),
                    }
                }
                Some(("AWS::DynamoDB::Table", _)) => shards_todo(
                    &mut t,
                    "a DynamoDB stream has one shard per table partition",
                    "`aws dynamodbstreams describe-stream --stream-arn ARN`",
                ),
                _ => shards_todo(
                    &mut t,
                    "the stream is not in the template",
                    "`aws kinesis describe-stream-summary --stream-name NAME`",
                ),
            }
            if let Some((n, o)) = self.get_int(p, "ParallelizationFactor")
                && let Some(n) = self.in_range(n, &o, 1, 10)
            {
                t.key("parallelization-factor", int(n), Some(o));
            }
            if let Some((n, o)) = self.get_int(p, "MaximumRetryAttempts")
                && let Some(n) = self.in_range(n, &o, -1, 10_000)
            {
                t.key("max-retries", int(n), Some(o));
            }
            if let Some((s, o)) = self.get_int(p, "MaximumRecordAgeInSeconds") {
                if s == -1 {
                    t.key(
                        "max-record-age",
                        duration_ms(7 * 86_400_000),
                        Some(format!("{o} (-1: the stream's retention, 7d at most)")),
                    );
                } else if let Some(d) = self.seconds_in(s, &o, 60, 604_800) {
                    t.key("max-record-age", d, Some(o));
                }
            }
            if let Some((v, o)) = self.get_bool(p, "BisectBatchOnFunctionError") {
                t.key("bisect-on-error", boolean(v), Some(o));
            }
        }
        Some(t)
    }

    /// Event sources, aliases, versions and URLs that are resources of their own. Returns
    /// whether the resource was used.
    fn source_resource(&mut self, id: &str, ty: &str, res: &Value, functions: &mut [Func]) -> bool {
        let empty = Mapping::new();
        let own = res
            .get("Properties")
            .and_then(Value::as_mapping)
            .unwrap_or(&empty);
        let base = format!("Resources.{id}.Properties");
        let mut p = Props {
            own: Some(own),
            globals: None,
            base: base.clone(),
            read: BTreeSet::new(),
        };
        let label = format!("Resources.{id} ({ty})");
        match ty {
            "AWS::Lambda::Alias" | "AWS::Lambda::Version" => {
                let Some(fi) = self.function_ref(&mut p, "FunctionName", functions) else {
                    return false;
                };
                p.read.insert("FunctionVersion".into());
                p.read.insert("Description".into());
                p.read.insert("Name".into());
                if let Some(v) = self.get(&mut p, "ProvisionedConcurrencyConfig") {
                    let o = format!(
                        "{base}.ProvisionedConcurrencyConfig.ProvisionedConcurrentExecutions"
                    );
                    if let Some(n) = v
                        .get("ProvisionedConcurrentExecutions")
                        .cloned()
                        .and_then(|n| self.int_of(&n, &o))
                    {
                        functions[fi].provisioned.push((n, o));
                    }
                }
                self.unused(&p, &[]);
                true
            }
            "AWS::Lambda::EventInvokeConfig" => {
                let Some(fi) = self.function_ref(&mut p, "FunctionName", functions) else {
                    return false;
                };
                let v = Value::Mapping(own.clone());
                let (r, a) = self.invoke_config(&v, &base);
                if r.is_some() {
                    functions[fi].retries = r;
                }
                if a.is_some() {
                    functions[fi].event_age = a;
                }
                true
            }
            "AWS::Lambda::Url" => {
                let Some(fi) = self.function_ref(&mut p, "TargetFunctionArn", functions) else {
                    return false;
                };
                let mut t = Trigger::new(
                    &unique(&functions[fi], "url"),
                    "sync",
                    self.describe_event(&label, &mut p),
                );
                t.key("front", string("function-url"), None);
                functions[fi].triggers.push(t);
                self.unused(&p, &[]);
                true
            }
            "AWS::Lambda::EventSourceMapping" => {
                let Some(fi) = self.function_ref(&mut p, "FunctionName", functions) else {
                    return false;
                };
                let source = self.get_str(&mut p, "EventSourceArn").map(|(s, _)| s);
                let kind = match source.as_deref().map(|s| self.source_kind(s)) {
                    Some(Ok(k)) => k,
                    Some(Err(what)) => {
                        self.warn(
                            format!("{base}.EventSourceArn"),
                            format!("{what}: not simulated; no trigger written"),
                        );
                        return true;
                    }
                    None => {
                        self.warn(label, "has no EventSourceArn; no trigger written".into());
                        return true;
                    }
                };
                let name = unique(&functions[fi], id);
                if let Some(t) =
                    self.mapping_trigger(&name, kind, source.as_deref(), &mut p, &label)
                {
                    functions[fi].triggers.push(t);
                    self.unused(&p, &[]);
                }
                true
            }
            "AWS::Events::Rule" | "AWS::Scheduler::Schedule" => {
                let targets: Vec<Value> = if ty == "AWS::Events::Rule" {
                    self.get(&mut p, "Targets")
                        .and_then(|t| t.as_sequence().cloned())
                        .unwrap_or_default()
                } else {
                    self.get(&mut p, "Target").into_iter().collect()
                };
                let mut any = false;
                for target in targets {
                    let Some(arn) = target.get("Arn").and_then(scalar_text) else {
                        continue;
                    };
                    let Some(fi) = self.find_function(&arn, functions) else {
                        continue;
                    };
                    any = true;
                    if self.disabled(&mut p) {
                        self.warn(label.clone(), "disabled: no trigger written".into());
                        continue;
                    }
                    let mut t = Trigger::new(&unique(&functions[fi], id), "async", label.clone());
                    if let Some((expr, o)) = self.get_str(&mut p, "ScheduleExpression") {
                        let tz = self.get_str(&mut p, "ScheduleExpressionTimezone");
                        if let Some((tz, o)) = tz.filter(|(tz, _)| tz != "UTC" && tz != "Etc/UTC") {
                            self.warn(o, format!("`{tz}`: the simulated clock is UTC; the expression is read in UTC"));
                        }
                        if let Some(expr) = self.schedule_expression(expr, &o) {
                            t.schedule(&expr, o);
                        }
                    }
                    p.read.insert("EventPattern".into());
                    functions[fi].triggers.push(t);
                }
                if any {
                    p.read.insert("FlexibleTimeWindow".into());
                    self.unused(&p, &[]);
                }
                any
            }
            "AWS::Serverless::Api" | "AWS::Serverless::HttpApi" => true,
            _ => false,
        }
    }

    /// The function a property names: `!Ref Fn`, `!GetAtt Fn.Arn`, an alias or version of it,
    /// an ARN or a function name.
    fn function_ref(&mut self, p: &mut Props, key: &str, functions: &[Func]) -> Option<usize> {
        let (s, o) = self.get_str(p, key)?;
        let found = self.find_function(&s, functions);
        if found.is_none() {
            self.warn(
                o,
                format!("`{s}` is not a function of this template; ignored"),
            );
        }
        found
    }

    fn find_function(&self, s: &str, functions: &[Func]) -> Option<usize> {
        let s = s.strip_suffix(".Arn").unwrap_or(s);
        if let Some(i) = functions.iter().position(|f| f.id == s || f.name == s) {
            return Some(i);
        }
        // An ARN: arn:aws:lambda:region:account:function:NAME[:qualifier].
        if let Some(rest) = s.split(":function:").nth(1) {
            let name = rest.split(':').next().unwrap_or(rest);
            return functions
                .iter()
                .position(|f| f.name == name || f.id == name);
        }
        // An alias or version resource of this template, or SAM's generated `<Id>Alias<Name>`.
        if let Some(res) = self.resources.get(s) {
            let ty = res.get("Type").and_then(Value::as_str).unwrap_or("");
            let target = res
                .get("Properties")
                .and_then(|p| p.get("FunctionName"))
                .and_then(|f| self.r.resolve(f).ok().flatten())
                .as_ref()
                .and_then(scalar_text)
                .filter(|_| ty == "AWS::Lambda::Alias" || ty == "AWS::Lambda::Version");
            if let Some(f) = target {
                return self.find_function(&f, functions);
            }
        }
        functions.iter().position(|f| {
            f.auto_alias
                .as_deref()
                .is_some_and(|a| s == format!("{}Alias{a}", f.id))
        })
    }

    /// What an event source ARN (or `Resource.Arn`) is.
    fn source_kind(&self, s: &str) -> Result<SourceKind, String> {
        let id = s.split('.').next().unwrap_or(s);
        if let Some(res) = self.resources.get(id) {
            return match res.get("Type").and_then(Value::as_str).unwrap_or("") {
                "AWS::SQS::Queue" => Ok(SourceKind::Sqs),
                "AWS::Kinesis::Stream" | "AWS::DynamoDB::Table" => Ok(SourceKind::Stream),
                other => Err(format!("an event source of type {other}")),
            };
        }
        match s.split(':').nth(2) {
            Some("sqs") => Ok(SourceKind::Sqs),
            Some("kinesis" | "dynamodb") => Ok(SourceKind::Stream),
            Some(other) if s.starts_with("arn:") => Err(format!("a {other} event source")),
            _ => Err(format!("`{s}` is not an SQS, Kinesis or DynamoDB ARN")),
        }
    }
}

fn shards_todo(t: &mut Trigger, why: &str, command: &str) {
    t.key("shards", int(1), Some(format!("TODO placeholder: {why}")));
    t.key_todos.push((
        "shards".into(),
        format!("shard count of {} ({why})", t.name),
        command.into(),
    ));
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SourceKind {
    Sqs,
    Stream,
}

/// A trigger name not yet used by the function.
fn unique(f: &Func, base: &str) -> String {
    let mut name = base.to_string();
    let mut n = 2;
    while f.triggers.iter().any(|t| t.name == name) {
        name = format!("{base}-{n}");
        n += 1;
    }
    name
}

/// An EventBridge Scheduler one-time expression, `at(yyyy-mm-ddThh:mm:ss)`, as the cron
/// expression that fires once at that minute (`cron(mm hh dd MM ? yyyy)`): None when
/// `expression` is not `at(…)`; an error when it cannot be read, or names a second within the
/// minute (cron has no seconds).
fn one_time_as_cron(expression: &str) -> Option<Result<String, String>> {
    let inner = expression.trim().strip_prefix("at(")?.strip_suffix(')')?;
    let parse = || -> Option<[u32; 6]> {
        let (date, time) = inner.trim().split_once('T')?;
        let d: Vec<u32> = date
            .split('-')
            .map(|x| x.parse().ok())
            .collect::<Option<_>>()?;
        let t: Vec<u32> = time
            .split(':')
            .map(|x| x.parse().ok())
            .collect::<Option<_>>()?;
        match (d.as_slice(), t.as_slice()) {
            ([y, mo, da], [h, mi, se]) => Some([*y, *mo, *da, *h, *mi, *se]),
            _ => None,
        }
    };
    Some(match parse() {
        None => Err("expected at(yyyy-mm-ddThh:mm:ss)".into()),
        Some([_, _, _, _, _, se]) if se != 0 => Err(
            "a second within the minute cannot be simulated as a schedule (cron has minutes)"
                .into(),
        ),
        Some([y, mo, da, h, mi, _]) => Ok(format!("cron({mi} {h} {da} {mo} ? {y})")),
    })
}

pub(crate) fn valid_name(n: &str) -> bool {
    !n.is_empty()
        && n.len() <= 64
        && n.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// The command that runs a function's code with its runtime's official interface client.
pub fn client_command(runtime: &str, handler: Option<&str>) -> Option<Vec<String>> {
    let h = handler.unwrap_or("handler").to_string();
    let v = |items: &[&str]| -> Vec<String> { items.iter().map(|s| s.to_string()).collect() };
    if runtime.starts_with("python") {
        Some([v(&["python3", "-m", "awslambdaric"]), vec![h]].concat())
    } else if runtime.starts_with("nodejs") {
        Some([v(&["npx", "aws-lambda-ric"]), vec![h]].concat())
    } else if runtime.starts_with("java") {
        Some(
            [
                v(&[
                    "java",
                    "-cp",
                    "*:lib/*",
                    "com.amazonaws.services.lambda.runtime.api.client.AWSLambda",
                ]),
                vec![h],
            ]
            .concat(),
        )
    } else if runtime.starts_with("ruby") {
        Some([v(&["aws_lambda_ric"]), vec![h]].concat())
    } else if runtime.starts_with("dotnet") {
        Some(
            [
                v(&["dotnet", "exec", "Amazon.Lambda.RuntimeSupport.dll"]),
                vec![h],
            ]
            .concat(),
        )
    } else if runtime.starts_with("provided") {
        Some(v(&["./bootstrap"]))
    } else {
        None
    }
}

trait UpperIf {
    fn to_uppercase_if(self, upper: bool) -> String;
}

impl UpperIf for String {
    fn to_uppercase_if(self, upper: bool) -> String {
        if upper { self.to_uppercase() } else { self }
    }
}
