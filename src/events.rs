//! `lamsim events KIND [--records N] [--body JSON]`: prints a sample event in AWS's own shape
//! (as `sam local generate-event` does), e.g. for `bench --payload FILE`. The shapes live in
//! `lamsim_harness::events`.

use std::io::Write;

use anyhow::{Context, Result};
use clap::Args;
use lamsim_harness::events::{self, EventKind, EventOptions};

use crate::ExitStatus;

/// Most records a batch event may hold here (SQS batches go up to 10,000 messages).
const MAX_RECORDS: u32 = 10_000;

/// `lamsim events`.
#[derive(Args, Debug)]
pub struct EventsArgs {
    /// API, SQS, S3, SNS, EVENTBRIDGE, SCHEDULE, KINESIS or DYNAMODB (any case).
    #[arg(value_parser = parse_kind)]
    pub kind: EventKind,
    /// Records in a batch event (SQS, S3, SNS, KINESIS, DYNAMODB), 1..=10000. Default 1.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=MAX_RECORDS as i64))]
    pub records: Option<u32>,
    /// The payload, as JSON: the API body (the request becomes a POST), each SQS/SNS message,
    /// the EventBridge/SCHEDULE `detail`, each Kinesis record's data, each DynamoDB `NewImage`,
    /// the S3 object key (a string) or `{"key", "size"}`. Default: a small order per record.
    #[arg(long, value_name = "JSON", value_parser = parse_json)]
    pub body: Option<serde_json::Value>,
    /// Region in ARNs and `awsRegion`.
    #[arg(long, default_value = "us-east-1")]
    pub region: String,
    /// Print the event on one line (JSON lines) instead of indented.
    #[arg(long)]
    pub compact: bool,
    /// Accepted for symmetry with the other commands (the event is the output).
    #[arg(long, short)]
    pub quiet: bool,
}

fn parse_kind(s: &str) -> Result<EventKind, String> {
    EventKind::parse(s).ok_or_else(|| {
        let names: Vec<&str> = EventKind::ALL.iter().map(|k| k.name()).collect();
        format!(
            "unknown event kind `{s}` (expected one of {})",
            names.join(", ")
        )
    })
}

fn parse_json(s: &str) -> Result<serde_json::Value, String> {
    serde_json::from_str(s).map_err(|e| format!("not JSON: {e}"))
}

/// Prints the event on stdout.
pub fn events(args: EventsArgs) -> Result<ExitStatus> {
    if args.records.is_some() && !args.kind.has_records() {
        anyhow::bail!(
            "--records: a {} event has no records (it applies to SQS, S3, SNS, KINESIS and DYNAMODB)",
            args.kind.name()
        );
    }
    let opts = EventOptions {
        records: args.records.unwrap_or(1),
        body: args.body,
        region: args.region,
        ..EventOptions::default()
    };
    let event = events::sample(args.kind, &opts);
    let mut text = if args.compact {
        serde_json::to_string(&event)
    } else {
        serde_json::to_string_pretty(&event)
    }
    .context("cannot render the event")?;
    text.push('\n');
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .context("cannot write to stdout")?;
    Ok(ExitStatus::Ok)
}
