//! `lamsim events KIND`: sample events in AWS's own shapes, parsed back and checked field by
//! field; usable as `bench --payload`.

use serde_json::Value;

use crate::*;

fn event(args: &[&str]) -> Value {
    let mut all = vec!["events"];
    all.extend_from_slice(args);
    let o = run(&all);
    assert_code(&o, 0);
    serde_json::from_str(&stdout(&o)).unwrap_or_else(|e| panic!("{args:?}: not JSON: {e}"))
}

fn records(v: &Value) -> &Vec<Value> {
    v["Records"].as_array().expect("Records[]")
}

#[test]
fn every_kind_prints_its_service_shape() {
    let api = event(&["API"]);
    assert_eq!(api["httpMethod"], "GET");
    assert_eq!(api["resource"], "/items/{id}");
    assert_eq!(api["pathParameters"]["id"], "order-1");
    assert_eq!(api["requestContext"]["stage"], "prod");
    assert_eq!(api["isBase64Encoded"], false);
    assert!(api["body"].is_null());

    let sqs = event(&["sqs"]);
    assert_eq!(records(&sqs).len(), 1);
    assert_eq!(sqs["Records"][0]["eventSource"], "aws:sqs");
    assert_eq!(
        sqs["Records"][0]["eventSourceARN"],
        "arn:aws:sqs:us-east-1:123456789012:orders"
    );
    let body: Value = serde_json::from_str(sqs["Records"][0]["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["orderId"], "order-1");

    let s3 = event(&["S3"]);
    let r = &s3["Records"][0];
    assert_eq!(r["eventSource"], "aws:s3");
    assert_eq!(r["eventName"], "ObjectCreated:Put");
    assert_eq!(r["eventTime"], "2026-01-01T00:00:00.000Z");
    assert_eq!(r["s3"]["bucket"]["arn"], "arn:aws:s3:::example-uploads");
    assert!(r["s3"]["object"]["size"].as_u64().unwrap() > 0);

    let sns = event(&["SNS"]);
    let r = &sns["Records"][0];
    assert_eq!(r["EventSource"], "aws:sns");
    assert_eq!(r["Sns"]["Type"], "Notification");
    assert_eq!(
        r["Sns"]["TopicArn"],
        "arn:aws:sns:us-east-1:123456789012:orders"
    );

    let eb = event(&["EVENTBRIDGE"]);
    assert_eq!(eb["version"], "0");
    assert_eq!(eb["detail-type"], "OrderPlaced");
    assert_eq!(eb["detail"]["orderId"], "order-1");

    let sched = event(&["SCHEDULE"]);
    assert_eq!(sched["detail-type"], "Scheduled Event");
    assert_eq!(sched["source"], "aws.events");
    assert_eq!(
        sched["resources"][0],
        "arn:aws:events:us-east-1:123456789012:rule/nightly"
    );

    let kin = event(&["KINESIS"]);
    let r = &kin["Records"][0];
    assert_eq!(r["eventSource"], "aws:kinesis");
    assert_eq!(r["eventName"], "aws:kinesis:record");
    assert_eq!(r["kinesis"]["kinesisSchemaVersion"], "1.0");
    assert!(
        r["eventID"]
            .as_str()
            .unwrap()
            .ends_with(r["kinesis"]["sequenceNumber"].as_str().unwrap())
    );

    let ddb = event(&["DYNAMODB", "--records", "3"]);
    let names: Vec<&str> = records(&ddb)
        .iter()
        .map(|r| r["eventName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["INSERT", "MODIFY", "REMOVE"]);
    let insert = &ddb["Records"][0]["dynamodb"];
    assert_eq!(
        insert["NewImage"]["orderId"],
        serde_json::json!({"S": "order-1"})
    );
    assert_eq!(insert["NewImage"]["amount"], serde_json::json!({"N": "10"}));
    assert!(ddb["Records"][2]["dynamodb"]["NewImage"].is_null());
    assert!(ddb["Records"][2]["dynamodb"]["OldImage"].is_object());
}

#[test]
fn records_and_body_fill_the_batch() {
    let sqs = event(&["SQS", "--records", "5", "--body", "\"hello\""]);
    let rs = records(&sqs);
    assert_eq!(rs.len(), 5);
    let ids: std::collections::BTreeSet<&str> = rs
        .iter()
        .map(|r| r["messageId"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 5, "message ids repeat: {ids:?}");
    for r in rs {
        assert_eq!(r["body"], "hello");
        // MD5("hello") from RFC 1321's algorithm, as SQS computes md5OfBody.
        assert_eq!(r["md5OfBody"], "5d41402abc4b2a76b9719d911017c592");
    }
    // Sent one millisecond apart.
    let sent: Vec<u64> = rs
        .iter()
        .map(|r| {
            r["attributes"]["SentTimestamp"]
                .as_str()
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect();
    assert!(sent.windows(2).all(|w| w[1] == w[0] + 1), "{sent:?}");

    // Kinesis data is the body, base64 ("hello" → "aGVsbG8=", RFC 4648).
    let kin = event(&["KINESIS", "--records", "2", "--body", "\"hello\""]);
    assert_eq!(records(&kin).len(), 2);
    assert_eq!(kin["Records"][1]["kinesis"]["data"], "aGVsbG8=");

    // An API body makes a POST with the body as JSON text.
    let api = event(&["API", "--body", r#"{"name": "lamp"}"#]);
    assert_eq!(api["httpMethod"], "POST");
    assert_eq!(api["path"], "/items");
    let body: Value = serde_json::from_str(api["body"].as_str().unwrap()).unwrap();
    assert_eq!(body, serde_json::json!({"name": "lamp"}));

    // The same arguments print the same event.
    let again = event(&["SQS", "--records", "5", "--body", "\"hello\""]);
    assert_eq!(sqs, again);
}

#[test]
fn bad_arguments_exit_2() {
    for args in [
        vec!["events", "FTP"],
        vec!["events", "SQS", "--records", "0"],
        vec!["events", "SQS", "--body", "{not json"],
        vec!["events", "API", "--records", "3"],
    ] {
        let o = run(&args);
        assert_code(&o, 2);
        assert_no_panic(&o);
        assert_eq!(stdout(&o), "", "{args:?}");
    }
}
