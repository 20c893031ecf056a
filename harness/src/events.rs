//! Sample events in AWS's own shapes, for `lamsim events` (as `sam local generate-event` prints
//! them) and so for `bench --payload`, `load --payload` and `curl -d @file`.
//!
//! Each shape follows the event a Lambda function receives from that service, as documented in
//! the AWS Lambda Developer Guide ("Using AWS Lambda with …" pages) and as the SAM CLI's event
//! templates write them: API Gateway REST proxy (`API`), SQS, S3 `ObjectCreated:Put`, SNS
//! notification, EventBridge event, EventBridge Scheduler / CloudWatch `Scheduled Event`,
//! Kinesis Data Streams and DynamoDB Streams records. Values are realistic and deterministic:
//! the same arguments print the same event (ids are derived from the record's index, times
//! start at 2026-01-01T00:00:00Z one millisecond apart), so an output can be committed and
//! diffed.
//!
//! ```
//! use lamsim_harness::events::{sample, EventKind, EventOptions};
//! let e = sample(EventKind::Sqs, &EventOptions { records: 3, ..EventOptions::default() });
//! assert_eq!(e["Records"].as_array().unwrap().len(), 3);
//! assert_eq!(e["Records"][0]["eventSource"], "aws:sqs");
//! ```

use base64::Engine;
use serde_json::{Value, json};

/// Which service's event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    /// API Gateway REST API, Lambda proxy integration (payload format 1.0).
    Api,
    /// SQS: a batch of messages (`Records[]`).
    Sqs,
    /// S3: object-created notifications (`ObjectCreated:Put`).
    S3,
    /// SNS: notifications (one record per message).
    Sns,
    /// EventBridge: one custom event (`detail` = the body).
    EventBridge,
    /// EventBridge scheduled rule (`detail-type: Scheduled Event`).
    Schedule,
    /// Kinesis Data Streams: a batch of records (`data` is base64).
    Kinesis,
    /// DynamoDB Streams: a batch of `INSERT` / `MODIFY` / `REMOVE` records.
    DynamoDb,
}

impl EventKind {
    /// Every kind, in the order `lamsim events --help` lists them.
    pub const ALL: [EventKind; 8] = [
        EventKind::Api,
        EventKind::Sqs,
        EventKind::S3,
        EventKind::Sns,
        EventKind::EventBridge,
        EventKind::Schedule,
        EventKind::Kinesis,
        EventKind::DynamoDb,
    ];

    /// The name on the command line (`API`, `SQS`, …; matched case-insensitively).
    pub fn name(self) -> &'static str {
        match self {
            EventKind::Api => "API",
            EventKind::Sqs => "SQS",
            EventKind::S3 => "S3",
            EventKind::Sns => "SNS",
            EventKind::EventBridge => "EVENTBRIDGE",
            EventKind::Schedule => "SCHEDULE",
            EventKind::Kinesis => "KINESIS",
            EventKind::DynamoDb => "DYNAMODB",
        }
    }

    /// The kind named `s` (case-insensitive), or `None`.
    pub fn parse(s: &str) -> Option<EventKind> {
        EventKind::ALL
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(s))
    }

    /// Whether the event carries a batch of records (`--records N` applies).
    pub fn has_records(self) -> bool {
        !matches!(
            self,
            EventKind::Api | EventKind::EventBridge | EventKind::Schedule
        )
    }
}

/// What to put in the event. [`EventOptions::default`] documents each default.
#[derive(Clone, Debug)]
pub struct EventOptions {
    /// Records in a batch event (SQS, S3, SNS, Kinesis, DynamoDB); at least 1. Default 1.
    pub records: u32,
    /// The payload: API body (the method becomes POST), SQS/SNS message, EventBridge `detail`,
    /// Kinesis data, DynamoDB `NewImage` (a flat object, typed as `S`/`N`/`BOOL`), S3 object
    /// key (a string) or size (`{"key", "size"}`). Default: a small order, `{"orderId":
    /// "order-<i>", "amount": …}`, per record.
    pub body: Option<Value>,
    /// Region in ARNs and `awsRegion`. Default `"us-east-1"`.
    pub region: String,
    /// Account id in ARNs. Default `"123456789012"` (the id AWS's documentation uses).
    pub account_id: String,
    /// Number of the first record: record `k` of the batch is the `first + k`-th of its
    /// source, which its ids (message id, sequence number, event id) and default body derive
    /// from, so successive batches carry distinct ids. Default 0.
    pub first: u32,
}

impl Default for EventOptions {
    fn default() -> Self {
        EventOptions {
            records: 1,
            body: None,
            region: "us-east-1".to_string(),
            account_id: "123456789012".to_string(),
            first: 0,
        }
    }
}

/// First event time: 2026-01-01T00:00:00Z, ms since the epoch.
const EPOCH_MS: u64 = 1_767_225_600_000;

/// The sample event of `kind`.
pub fn sample(kind: EventKind, opts: &EventOptions) -> Value {
    match kind {
        EventKind::Api => api(opts),
        EventKind::EventBridge => eventbridge(opts),
        EventKind::Schedule => schedule(opts),
        _ => {
            let records: Vec<(u32, Option<Value>)> = (0..opts.records.max(1))
                .map(|k| (opts.first.wrapping_add(k), opts.body.clone()))
                .collect();
            batch(kind, opts, &records)
        }
    }
}

/// A batch event of `kind` (one with records, [`EventKind::has_records`]; any other kind gives
/// its single event) with one record per `(number, body)` of `records`: the record's ids
/// derive from its number (see [`EventOptions::first`]), and it carries the body, or the
/// default body for `None` (see [`EventOptions::body`]); `opts.records`, `opts.first` and
/// `opts.body` are not used.
pub fn batch(kind: EventKind, opts: &EventOptions, records: &[(u32, Option<Value>)]) -> Value {
    let record: fn(&EventOptions, u32) -> Value = match kind {
        EventKind::Sqs => sqs,
        EventKind::S3 => s3,
        EventKind::Sns => sns,
        EventKind::Kinesis => kinesis,
        EventKind::DynamoDb => dynamodb,
        EventKind::Api | EventKind::EventBridge | EventKind::Schedule => {
            return sample(kind, opts);
        }
    };
    let records = records
        .iter()
        .map(|(n, b)| {
            let o = EventOptions {
                body: b.clone(),
                ..opts.clone()
            };
            record(&o, *n)
        })
        .collect();
    json!({ "Records": Value::Array(records) })
}

/// The payload of record `i`: the given body, or a small order.
fn body(opts: &EventOptions, i: u32) -> Value {
    opts.body.clone().unwrap_or_else(
        || json!({"orderId": format!("order-{}", i + 1), "amount": 10 + (i * 7) % 90}),
    )
}

/// A JSON value as the text a message carries (strings as they are).
fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A deterministic UUID (version 4 layout) for `(salt, i)`.
fn uuid(salt: u64, i: u32) -> String {
    let a = mix(salt ^ (u64::from(i) << 1));
    let b = mix(a ^ 0x5851_F42D_4C95_7F2D);
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        0x8000 | ((b >> 48) & 0x3fff),
        b & 0xffff_ffff_ffff
    )
}

/// splitmix64's finaliser.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// `ms` since the epoch as ISO 8601 with milliseconds (`2026-01-01T00:00:00.000Z`).
fn iso(ms: u64) -> String {
    let (days, rem) = ((ms / 86_400_000) as i64, ms % 86_400_000);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3_600_000,
        rem / 60_000 % 60,
        rem / 1000 % 60,
        rem % 1000
    )
}

/// Date of a day number since 1970-01-01 (H. Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn api(opts: &EventOptions) -> Value {
    let (method, path, body) = match &opts.body {
        Some(b) => ("POST", "/items", Value::String(text(b))),
        None => ("GET", "/items/order-1", Value::Null),
    };
    let path_params = match &opts.body {
        Some(_) => Value::Null,
        None => json!({"id": "order-1"}),
    };
    let resource = if opts.body.is_some() {
        "/items"
    } else {
        "/items/{id}"
    };
    let host = format!("abcdef1234.execute-api.{}.amazonaws.com", opts.region);
    let headers = json!({
        "Accept": "application/json",
        "Content-Type": "application/json",
        "Host": host,
        "User-Agent": "curl/8.5.0",
        "X-Amzn-Trace-Id": "Root=1-67748580-0123456789abcdef01234567",
        "X-Forwarded-For": "198.51.100.7",
        "X-Forwarded-Port": "443",
        "X-Forwarded-Proto": "https"
    });
    let multi: serde_json::Map<String, Value> = headers
        .as_object()
        .expect("an object")
        .iter()
        .map(|(k, v)| (k.clone(), json!([v])))
        .collect();
    json!({
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": multi,
        "queryStringParameters": null,
        "multiValueQueryStringParameters": null,
        "pathParameters": path_params,
        "stageVariables": null,
        "requestContext": {
            "accountId": opts.account_id,
            "apiId": "abcdef1234",
            "domainName": host,
            "domainPrefix": "abcdef1234",
            "extendedRequestId": "Xyz0AbCdIAMEVRw=",
            "httpMethod": method,
            "identity": {
                "accessKey": null, "accountId": null, "caller": null,
                "cognitoAuthenticationProvider": null, "cognitoAuthenticationType": null,
                "cognitoIdentityId": null, "cognitoIdentityPoolId": null, "principalOrgId": null,
                "sourceIp": "198.51.100.7", "user": null, "userAgent": "curl/8.5.0",
                "userArn": null
            },
            "path": format!("/prod{path}"),
            "protocol": "HTTP/1.1",
            "requestId": uuid(1, 0),
            "requestTime": "01/Jan/2026:00:00:00 +0000",
            "requestTimeEpoch": EPOCH_MS,
            "resourceId": "a1b2c3",
            "resourcePath": resource,
            "stage": "prod"
        },
        "body": body,
        "isBase64Encoded": false
    })
}

fn sqs(opts: &EventOptions, i: u32) -> Value {
    let body = text(&body(opts, i));
    let sent = EPOCH_MS + u64::from(i);
    json!({
        "messageId": uuid(2, i),
        "receiptHandle": format!("AQEB{}", uuid(3, i).replace('-', "")),
        "body": body,
        "attributes": {
            "ApproximateReceiveCount": "1",
            "SentTimestamp": sent.to_string(),
            "SenderId": "AIDAIENQZJOLO23YVJ4VO",
            "ApproximateFirstReceiveTimestamp": (sent + 3).to_string()
        },
        "messageAttributes": {},
        "md5OfBody": md5_hex(body.as_bytes()),
        "eventSource": "aws:sqs",
        "eventSourceARN": format!("arn:aws:sqs:{}:{}:orders", opts.region, opts.account_id),
        "awsRegion": opts.region
    })
}

fn s3(opts: &EventOptions, i: u32) -> Value {
    let (key, size) = match &opts.body {
        Some(Value::String(k)) => (k.clone(), 1024),
        Some(Value::Object(o)) => (
            o.get("key")
                .map(text)
                .unwrap_or_else(|| format!("uploads/object-{}.json", i + 1)),
            o.get("size").and_then(Value::as_u64).unwrap_or(1024),
        ),
        _ => (
            format!("uploads/object-{}.json", i + 1),
            1024 + u64::from(i),
        ),
    };
    let etag = md5_hex(key.as_bytes());
    json!({
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": opts.region,
        "eventTime": iso(EPOCH_MS + u64::from(i)),
        "eventName": "ObjectCreated:Put",
        "userIdentity": {"principalId": "AWS:AIDAINPONIXQXHT3IKHL2"},
        "requestParameters": {"sourceIPAddress": "198.51.100.7"},
        "responseElements": {
            "x-amz-request-id": format!("{:016X}", mix(u64::from(i) + 4)),
            "x-amz-id-2": format!("{}/{}", uuid(5, i), uuid(6, i))
        },
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": "on-upload",
            "bucket": {
                "name": "example-uploads",
                "ownerIdentity": {"principalId": "A3NL1KOZZKExample"},
                "arn": "arn:aws:s3:::example-uploads"
            },
            "object": {
                "key": key,
                "size": size,
                "eTag": etag,
                "sequencer": format!("{:018X}", EPOCH_MS * 1000 + u64::from(i))
            }
        }
    })
}

fn sns(opts: &EventOptions, i: u32) -> Value {
    let topic = format!("arn:aws:sns:{}:{}:orders", opts.region, opts.account_id);
    json!({
        "EventVersion": "1.0",
        "EventSubscriptionArn": format!("{topic}:{}", uuid(7, 0)),
        "EventSource": "aws:sns",
        "Sns": {
            "SignatureVersion": "1",
            "Timestamp": iso(EPOCH_MS + u64::from(i)),
            "Signature": "EXAMPLEpH+DcEwjAPg8O9mY8dReBSwksfg2S7WKQcikcNKWLQjwu6A4VbeS0QHVCkhRS7fUQvi2egU3N858fiTDN6bkkOxYDVrY0Ad8L10Hs3zH81mtnPk5uvvolIC1CXGu43obcgFxeL3khZl8IKvO61GWB6jI9b5+gLPoBc1Q=",
            "SigningCertUrl": format!("https://sns.{}.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem", opts.region),
            "MessageId": uuid(8, i),
            "Message": text(&body(opts, i)),
            "MessageAttributes": {},
            "Type": "Notification",
            "UnsubscribeUrl": format!("https://sns.{}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={topic}:{}", opts.region, uuid(7, 0)),
            "TopicArn": topic,
            "Subject": null
        }
    })
}

fn eventbridge(opts: &EventOptions) -> Value {
    json!({
        "version": "0",
        "id": uuid(9, 0),
        "detail-type": "OrderPlaced",
        "source": "com.example.orders",
        "account": opts.account_id,
        "time": "2026-01-01T00:00:00Z",
        "region": opts.region,
        "resources": [],
        "detail": body(opts, 0)
    })
}

fn schedule(opts: &EventOptions) -> Value {
    json!({
        "version": "0",
        "id": uuid(10, 0),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": opts.account_id,
        "time": "2026-01-01T00:00:00Z",
        "region": opts.region,
        "resources": [format!("arn:aws:events:{}:{}:rule/nightly", opts.region, opts.account_id)],
        "detail": opts.body.clone().unwrap_or_else(|| json!({}))
    })
}

fn kinesis(opts: &EventOptions, i: u32) -> Value {
    let data = base64::engine::general_purpose::STANDARD.encode(text(&body(opts, i)));
    let seq = format!("4959034961985183479{:044}", u64::from(i) + 1);
    json!({
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": format!("order-{}", i + 1),
            "sequenceNumber": seq,
            "data": data,
            "approximateArrivalTimestamp": (EPOCH_MS + u64::from(i)) as f64 / 1000.0
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": format!("shardId-000000000000:{seq}"),
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": format!("arn:aws:iam::{}:role/lambda-kinesis-role", opts.account_id),
        "awsRegion": opts.region,
        "eventSourceARN": format!("arn:aws:kinesis:{}:{}:stream/orders", opts.region, opts.account_id)
    })
}

/// A flat JSON object as a DynamoDB item (`{"S": …}`, `{"N": "…"}`, `{"BOOL": …}`, `{"NULL":
/// true}`, nested values as JSON text in `S`).
fn dynamo_item(v: &Value) -> Value {
    let typed = |v: &Value| match v {
        Value::String(s) => json!({"S": s}),
        Value::Number(n) => json!({"N": n.to_string()}),
        Value::Bool(b) => json!({"BOOL": b}),
        Value::Null => json!({"NULL": true}),
        other => json!({"S": other.to_string()}),
    };
    match v {
        Value::Object(o) => Value::Object(o.iter().map(|(k, v)| (k.clone(), typed(v))).collect()),
        other => json!({"value": typed(other)}),
    }
}

fn dynamodb(opts: &EventOptions, i: u32) -> Value {
    // INSERT, MODIFY, REMOVE in turn, as an item's life goes.
    let name = ["INSERT", "MODIFY", "REMOVE"][(i % 3) as usize];
    let id = format!("order-{}", i / 3 + 1);
    let new = body(opts, i);
    let mut new_image = dynamo_item(&new);
    if let Some(o) = new_image.as_object_mut() {
        o.entry("Id").or_insert_with(|| json!({"S": id}));
    }
    let keys = json!({"Id": new_image.get("Id").cloned().unwrap_or(json!({"S": id}))});
    let mut record = json!({
        "ApproximateCreationDateTime": (EPOCH_MS + u64::from(i)) / 1000,
        "Keys": keys,
        "SequenceNumber": format!("{}", 111_000_000_000_000_000_000u128 + u128::from(i)),
        "SizeBytes": new.to_string().len() + 8,
        "StreamViewType": "NEW_AND_OLD_IMAGES"
    });
    let r = record.as_object_mut().expect("an object");
    match name {
        "INSERT" => {
            r.insert("NewImage".into(), new_image);
        }
        "MODIFY" => {
            r.insert("OldImage".into(), new_image.clone());
            r.insert("NewImage".into(), new_image);
        }
        _ => {
            r.insert("OldImage".into(), new_image);
        }
    }
    json!({
        "eventID": format!("{:032x}", u128::from(mix(u64::from(i) + 11)) << 64 | u128::from(mix(u64::from(i) + 12))),
        "eventName": name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": opts.region,
        "dynamodb": record,
        "eventSourceARN": format!(
            "arn:aws:dynamodb:{}:{}:table/orders/stream/2026-01-01T00:00:00.000",
            opts.region, opts.account_id
        )
    })
}

/// MD5 of `data` as 32 lowercase hex digits (RFC 1321), for SQS's `md5OfBody` and S3's `eTag`.
pub fn md5_hex(data: &[u8]) -> String {
    const S: [u32; 64] = [
        7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5,
        9, 14, 20, 5, 9, 14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10,
        15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
    ];
    // K[i] = floor(|sin(i + 1)| · 2³²).
    let k: Vec<u32> = (0..64)
        .map(|i| (((i + 1) as f64).sin().abs() * 4_294_967_296.0) as u32)
        .collect();
    let mut msg = data.to_vec();
    let bits = (data.len() as u64).wrapping_mul(8);
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bits.to_le_bytes());
    let mut h: [u32; 4] = [0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476];
    for chunk in msg.chunks(64) {
        let m: Vec<u32> = chunk
            .chunks(4)
            .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
            .collect();
        let [mut a, mut b, mut c, mut d] = h;
        for i in 0..64 {
            let (f, g) = match i / 16 {
                0 => ((b & c) | (!b & d), i),
                1 => ((d & b) | (!d & c), (5 * i + 1) % 16),
                2 => (b ^ c ^ d, (3 * i + 5) % 16),
                _ => (c ^ (b | !d), (7 * i) % 16),
            };
            let f = f.wrapping_add(a).wrapping_add(k[i]).wrapping_add(m[g]);
            a = d;
            d = c;
            c = b;
            b = b.wrapping_add(f.rotate_left(S[i]));
        }
        h = [
            h[0].wrapping_add(a),
            h[1].wrapping_add(b),
            h[2].wrapping_add(c),
            h[3].wrapping_add(d),
        ];
    }
    h.iter()
        .flat_map(|w| w.to_le_bytes())
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sample_is_one_bench_payload() {
        let opts = EventOptions {
            records: 3,
            ..EventOptions::default()
        };
        for kind in EventKind::ALL {
            let event = sample(kind, &opts);
            // As `lamsim events KIND > file` writes it, read as `bench --payload file`.
            let text = serde_json::to_string_pretty(&event).unwrap() + "\n";
            let p = crate::bench::Payloads::parse(&text, "event.json").unwrap();
            let all: Vec<(f64, &bytes::Bytes)> = p.events().collect();
            assert_eq!(all.len(), 1, "{kind:?}");
            let back: Value = serde_json::from_slice(all[0].1).unwrap();
            assert_eq!(back, event, "{kind:?}");
            if kind.has_records() {
                assert_eq!(event["Records"].as_array().unwrap().len(), 3, "{kind:?}");
            }
            assert_eq!(EventKind::parse(&kind.name().to_lowercase()), Some(kind));
        }
    }

    #[test]
    fn md5_matches_the_rfc_1321_test_suite() {
        assert_eq!(md5_hex(b""), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(md5_hex(b"abc"), "900150983cd24fb0d6963f7d28e17f72");
        assert_eq!(
            md5_hex(
                b"12345678901234567890123456789012345678901234567890123456789012345678901234567890"
            ),
            "57edf4a22be3c955ac49da2e2107b67a"
        );
    }

    #[test]
    fn iso_times_are_utc_calendar_dates() {
        assert_eq!(iso(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso(EPOCH_MS), "2026-01-01T00:00:00.000Z");
        // 2024 is a leap year: day 60 is 29 February.
        assert_eq!(iso(1_709_164_800_123), "2024-02-29T00:00:00.123Z");
    }

    #[test]
    fn uuids_are_distinct_and_well_formed() {
        let ids: std::collections::BTreeSet<String> = (0..1000).map(|i| uuid(2, i)).collect();
        assert_eq!(ids.len(), 1000);
        for id in &ids {
            let parts: Vec<usize> = id.split('-').map(str::len).collect();
            assert_eq!(parts, [8, 4, 4, 4, 12], "{id}");
            assert_eq!(&id[14..15], "4", "{id}");
        }
    }
}
