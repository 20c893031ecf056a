//! `[[function.trigger]]`: what invokes a function (spec section 5). A function has one or
//! more triggers, each with its own arrivals and invocation type; the wave-one form
//! (`invocation` plus one `[function.arrivals]`) is one sync trigger.

use super::Arrivals;
use crate::time::SimTime;

/// One trigger of a function.
#[derive(Clone, Debug)]
pub struct Trigger {
    /// `name`: unique within the function. Default: the invocation kind (`"sync"`, …).
    pub name: String,
    /// `[function.trigger.arrivals]`: calls, events, messages or records arriving.
    pub arrivals: Arrivals,
    /// `invocation` and the keys of that kind.
    pub kind: TriggerKind,
}

/// The invocation types, each with its keys.
#[derive(Clone, Debug, PartialEq)]
pub enum TriggerKind {
    /// `invocation = "sync"` (RequestResponse).
    Sync(SyncTrigger),
    /// `invocation = "async"` (Event: Lambda's internal queue).
    Async(AsyncTrigger),
    /// `invocation = "sqs"`: a standard SQS queue polled by an event source mapping.
    Sqs(SqsTrigger),
    /// `invocation = "stream"`: a Kinesis or DynamoDB stream.
    Stream(StreamTrigger),
}

impl TriggerKind {
    /// The value of `invocation`.
    pub fn name(&self) -> &'static str {
        match self {
            TriggerKind::Sync(_) => "sync",
            TriggerKind::Async(_) => "async",
            TriggerKind::Sqs(_) => "sqs",
            TriggerKind::Stream(_) => "stream",
        }
    }

    /// Whether items wait in a queue before they run (async, sqs, stream): these report
    /// `end_to_end_ms` and `queue`.
    pub fn is_queued(&self) -> bool {
        !matches!(self, TriggerKind::Sync(_))
    }
}

/// What the caller of a sync trigger goes through (the trigger key `front`), billed per
/// request on top of Lambda. Default [`Front::Direct`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Front {
    /// `"direct"`: the Invoke API (an SDK, another service); nothing beyond Lambda.
    #[default]
    Direct,
    /// `"rest-api"`: API Gateway REST API, per request, tiered.
    RestApi,
    /// `"http-api"`: API Gateway HTTP API, per request, tiered.
    HttpApi,
    /// `"function-url"`: a Lambda function URL; nothing beyond Lambda.
    FunctionUrl,
    /// `"alb"`: an Application Load Balancer, per hour and per LCU-hour.
    Alb,
}

impl Front {
    /// Every front, in the order of [`Front::NAMES`] (and of `Usage::front_requests`).
    pub const ALL: [Front; 5] = [
        Front::Direct,
        Front::RestApi,
        Front::HttpApi,
        Front::FunctionUrl,
        Front::Alb,
    ];
    /// The accepted values of `front`, in the order of [`Front::ALL`].
    pub const NAMES: [&'static str; 5] = ["direct", "rest-api", "http-api", "function-url", "alb"];
    /// Number of fronts (the length of `Usage::front_requests`).
    pub const COUNT: usize = 5;

    /// The key's value, e.g. `"http-api"`.
    pub const fn as_str(self) -> &'static str {
        Front::NAMES[self as usize]
    }

    /// Position in [`Front::ALL`] (the index into `Usage::front_requests`).
    pub const fn index(self) -> usize {
        self as usize
    }

    /// The front named `name` (exactly one of [`Front::NAMES`]), or `None`.
    pub fn parse(name: &str) -> Option<Front> {
        Front::NAMES
            .iter()
            .position(|n| *n == name)
            .map(|i| Front::ALL[i])
    }
}

/// `invocation = "sync"`.
#[derive(Clone, Debug, PartialEq)]
pub struct SyncTrigger {
    /// `gateway-timeout`: the caller gets a timeout after this while the function runs on and
    /// is billed. None (default): the caller waits for the function.
    pub gateway_timeout: Option<SimTime>,
    /// `client-retries`: a throttled call is retried this many times (default 0).
    pub client_retries: u32,
    /// `client-backoff`: base of the full-jitter exponential backoff between tries (default
    /// [`CLIENT_BACKOFF`]); the n-th retry waits a uniform time in `[0, min(cap, base × 2^(n-1)))`
    /// with cap [`CLIENT_BACKOFF_CAP`].
    pub client_backoff: SimTime,
    /// `front`. Default [`Front::Direct`].
    pub front: Front,
}

impl Default for SyncTrigger {
    /// A plain synchronous caller: no gateway timeout, no client retries, nothing in front.
    fn default() -> Self {
        SyncTrigger {
            gateway_timeout: None,
            client_retries: 0,
            client_backoff: CLIENT_BACKOFF,
            front: Front::Direct,
        }
    }
}

/// Default `client-backoff`: 100 ms (the AWS SDKs' base delay for throttling errors is 100 ms
/// to 1 s; the standard retry mode uses 100 ms).
pub const CLIENT_BACKOFF: SimTime = SimTime::from_millis(100);
/// Longest client backoff: 20 s (the AWS SDKs' standard retry mode caps backoff at 20 s).
pub const CLIENT_BACKOFF_CAP: SimTime = SimTime::from_secs(20);

/// `invocation = "async"`.
#[derive(Clone, Debug, PartialEq)]
pub struct AsyncTrigger {
    /// `max-retries`: 0..=2 retries after a function error (default 2), after
    /// [`ASYNC_RETRY_DELAYS`].
    pub max_retries: u32,
    /// `max-event-age`: 60s..=6h (default 6h). An event that would be retried later than this
    /// after it arrived goes to the on-failure destination.
    pub max_event_age: SimTime,
    /// `event-size-kb`: 1..=1024 (default 1); billed requests per execution are
    /// `1 + ceil(max(0, size − 256) / 64)`.
    pub event_size_kb: u32,
}

/// Delays before the first and second retry of an async event after a function error (AWS:
/// "Lambda waits one minute before the first retry, then two minutes before the second").
pub const ASYNC_RETRY_DELAYS: [SimTime; 2] = [SimTime::from_secs(60), SimTime::from_secs(120)];
/// First delay before an async event throttled (or failed by the system) is retried; it
/// doubles with each throttle up to [`ASYNC_THROTTLE_BACKOFF_MAX`].
pub const ASYNC_THROTTLE_BACKOFF: SimTime = SimTime::from_secs(1);
/// Longest delay between retries of a throttled async event: 5 minutes.
pub const ASYNC_THROTTLE_BACKOFF_MAX: SimTime = SimTime::from_secs(300);

/// How an SQS event source mapping scales its pollers (`scaling`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SqsScaling {
    /// `"standard"` (default): [`SQS_INITIAL_BATCHES`] concurrent batches, then up to
    /// [`SQS_SCALE_UP_PER_MIN`] more per minute while messages wait, at most `max-pollers`.
    Standard {
        /// `max-pollers`: default [`SQS_MAX_POLLERS`].
        max_pollers: u32,
    },
    /// `"provisioned"`: between `min-pollers` and `max-pollers` event pollers, each running up
    /// to [`SQS_BATCHES_PER_POLLER`] concurrent batches, billed per poller-hour.
    Provisioned {
        /// `min-pollers`: at least 2 (default 2).
        min_pollers: u32,
        /// `max-pollers`: default [`SQS_PROVISIONED_MAX_POLLERS`].
        max_pollers: u32,
    },
}

/// Concurrent batches of a standard SQS mapping before it scales up (AWS: "Lambda starts
/// polling with five concurrent batches").
pub const SQS_INITIAL_BATCHES: u32 = 5;
/// Concurrent batches a standard mapping adds per minute while messages wait (AWS: "up to 300
/// more instances per minute").
pub const SQS_SCALE_UP_PER_MIN: u32 = 300;
/// Default `max-pollers` of a standard mapping: 1,000 concurrent batches (AWS sources say
/// 1,000–1,250).
pub const SQS_MAX_POLLERS: u32 = 1000;
/// Default `max-pollers` of a provisioned mapping (AWS `ProvisionedPollerConfig`: 200).
pub const SQS_PROVISIONED_MAX_POLLERS: u32 = 200;
/// Concurrent batches one provisioned event poller runs (AWS: each poller supports up to 10
/// concurrent invocations).
pub const SQS_BATCHES_PER_POLLER: u32 = 10;
/// Concurrent batches a provisioned mapping adds per minute while messages wait (AWS:
/// provisioned mode scales up to 1,000 concurrent invocations per minute).
pub const SQS_PROVISIONED_SCALE_UP_PER_MIN: u32 = 1000;
/// Long-poll wait of a Lambda SQS poller: an empty ReceiveMessage returns after 20 s.
pub const SQS_LONG_POLL: SimTime = SimTime::from_secs(20);
/// Messages one ReceiveMessage (or DeleteMessageBatch) call handles at most.
pub const SQS_MESSAGES_PER_CALL: u32 = 10;

/// `invocation = "sqs"`.
#[derive(Clone, Debug, PartialEq)]
pub struct SqsTrigger {
    /// `batch-size`: 1..=10000 (default 10; above 10 needs `batching-window` ≥ 1s).
    pub batch_size: u32,
    /// `batching-window`: 0s..=5m (default 0s): how long a poller gathers a partial batch.
    pub batching_window: SimTime,
    /// `max-concurrency`: 2..=1000, optional: concurrent batches the mapping may run.
    pub max_concurrency: Option<u32>,
    /// `scaling` with its poller bounds.
    pub scaling: SqsScaling,
    /// `per-record`: execution time added per record after the first (default 0s).
    pub per_record: SimTime,
    /// `visibility-timeout`: default 30s (SQS's default); a failed batch's messages become
    /// visible again this long after they were received.
    pub visibility_timeout: SimTime,
    /// `max-receive-count`: after this many receives a message goes to the dead-letter queue.
    /// None (default): no redrive policy.
    pub max_receive_count: Option<u32>,
    /// `retention`: 60s..=14d (default 4d, SQS's default); older messages are lost.
    pub retention: SimTime,
    /// `report-batch-item-failures`: `error-rate` applies per record (only failed records are
    /// retried); default false: per batch.
    pub report_batch_item_failures: bool,
}

/// `invocation = "stream"`.
#[derive(Clone, Debug, PartialEq)]
pub struct StreamTrigger {
    /// `shards`: 1..=10000 (default 1).
    pub shards: u32,
    /// `parallelization-factor`: 1..=10 concurrent batches per shard (default 1).
    pub parallelization_factor: u32,
    /// `batch-size`: 1..=10000 (default 100).
    pub batch_size: u32,
    /// `batching-window`: 0s..=5m (default 0s).
    pub batching_window: SimTime,
    /// `max-retries`: None for `-1` (default: retry until the records expire), else 0..=10000.
    pub max_retries: Option<u32>,
    /// `max-record-age`: 60s..=7d (default 1d, Kinesis' default retention): older records are
    /// skipped (counted as expired).
    pub max_record_age: SimTime,
    /// `bisect-on-error`: a failed batch is split in two and each half retried (default false).
    pub bisect_on_error: bool,
    /// `per-record`: execution time added per record after the first (default 0s).
    pub per_record: SimTime,
}
