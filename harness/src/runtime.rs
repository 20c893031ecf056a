//! The runtime: functions, their execution environments, concurrency limits and the
//! invocation life cycle (pick or start an environment, hand over the event, enforce the
//! timeout, measure, log, keep warm or recycle).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use bytes::Bytes;
use lamsim_sim::config::policy::trigger::{ASYNC_MAX_EVENT_AGE, ASYNC_MAX_RETRIES};
use lamsim_sim::model::trigger::ASYNC_RETRY_DELAYS;
use lamsim_sim::model::{Account, Function, Routing, TriggerKind};
use rand::Rng;
use tokio::sync::{Notify, oneshot};
use tokio::time::Instant;

use crate::cgroup::{CpuLimit, InitCpu};
use crate::env::{self, Death, Env, EnvPort, Event, InitResult, Job, Outcome, Retire};
use crate::error::{HarnessError, InvokeError};
use crate::ids;
use crate::launcher::{LaunchFailure, LaunchSpec, Launcher, ProcessLauncher};
use crate::record::{self, InvocationRecord, InvocationType, Sink, Status};

/// Largest synchronous (`RequestResponse`) event, bytes (AWS: 6 MB).
pub const MAX_SYNC_PAYLOAD: usize = 6 * 1024 * 1024;
/// Largest asynchronous (`Event`) event, bytes (AWS: 1 MB).
pub const MAX_ASYNC_PAYLOAD: usize = 1024 * 1024;
/// How long initialisation may take (AWS: 10 s).
pub const INIT_TIMEOUT: Duration = Duration::from_secs(10);

/// How the runtime runs. [`RuntimeOptions::default`] documents each default.
#[derive(Clone, Debug)]
pub struct RuntimeOptions {
    /// `AWS_REGION` of the handlers and region of ARNs. Default `"us-east-1"`.
    pub region: String,
    /// Account id in ARNs. Default `"000000000000"`.
    pub account_id: String,
    /// Account concurrency limit (functions without `reserved-concurrency` share what is not
    /// reserved). Default 1000.
    pub concurrency_limit: u32,
    /// Limit CPU and memory with cgroups where the machine allows it ([`Runtime::start`]'s
    /// process launcher). Default true.
    pub cgroups: bool,
    /// Longest initialisation. Default [`INIT_TIMEOUT`] (10 s).
    pub init_timeout: Duration,
    /// Write log lines (the handlers' output and `START`/`END`/`REPORT`) to stderr. Default false.
    pub log_to_stderr: bool,
    /// Also write them to this file. Default none.
    pub log_file: Option<PathBuf>,
    /// Also write each function's lines to its own stream, `<dir>/<function>.log` (one
    /// CloudWatch-format log per function, as `calibrate` needs); `log_file` then opens with a
    /// line naming the functions it interleaves. Default none.
    pub log_dir: Option<PathBuf>,
    /// Write one JSON [`InvocationRecord`] per line to this file. Default none.
    pub records_file: Option<PathBuf>,
    /// Keep records in memory for [`Runtime::take_records`]. Default true.
    pub keep_records: bool,
    /// Waits before the first and the second retry of an `Event` invocation that failed.
    /// Default Lambda's: 1 minute, then 2 minutes
    /// ([`ASYNC_RETRY_DELAYS`](lamsim_sim::model::trigger::ASYNC_RETRY_DELAYS)); shorter
    /// delays make local tests quick.
    pub async_retry_delays: [Duration; 2],
    /// The CPU of an on-demand cold start's INIT phase. Default [`InitCpu::Full`] (as AWS
    /// gives it; see [`InitCpu`]): INIT is not throttled to the memory's share.
    pub init_cpu: InitCpu,
}

impl Default for RuntimeOptions {
    fn default() -> Self {
        RuntimeOptions {
            region: "us-east-1".to_string(),
            account_id: "000000000000".to_string(),
            concurrency_limit: 1000,
            cgroups: true,
            init_timeout: INIT_TIMEOUT,
            log_to_stderr: false,
            log_file: None,
            log_dir: None,
            records_file: None,
            keep_records: true,
            async_retry_delays: ASYNC_RETRY_DELAYS.map(|d| Duration::from_nanos(d.0)),
            init_cpu: InitCpu::Full,
        }
    }
}

/// The retry policy of a function's `Event` invocations: its first async trigger's
/// `max-retries` and `max-event-age`, or Lambda's defaults (2 retries, 6 hours).
fn async_policy(f: &Function) -> (u32, Duration) {
    f.triggers
        .iter()
        .find_map(|t| match &t.kind {
            TriggerKind::Async(a) => Some((a.max_retries, Duration::from_nanos(a.max_event_age.0))),
            _ => None,
        })
        .unwrap_or((
            ASYNC_MAX_RETRIES,
            Duration::from_nanos(ASYNC_MAX_EVENT_AGE.0),
        ))
}

impl RuntimeOptions {
    /// Defaults with the region and concurrency limit of a workload's `[account]`.
    pub fn for_account(account: &Account) -> Self {
        RuntimeOptions {
            region: account.region.clone(),
            concurrency_limit: account.concurrency_limit,
            ..RuntimeOptions::default()
        }
    }
}

/// Options of one invocation.
#[derive(Clone, Debug, Default)]
pub struct InvokeOptions {
    /// Start a new execution environment even if one is idle.
    pub cold: bool,
    /// Return the last 4 KB of the invocation's log ([`Invocation::log_tail`]).
    pub tail: bool,
    /// `X-Amz-Client-Context` (base64 JSON), passed to the runtime decoded.
    pub client_context: Option<String>,
    /// When the request arrived: the client latency is measured from it. Default: the call.
    pub received: Option<std::time::Instant>,
    /// InvokeWithResponseStream: the response's bytes are sent here as the runtime sends them
    /// (before the invocation returns), the HTTP-integration prelude left out. Default: none.
    pub chunks: Option<tokio::sync::mpsc::UnboundedSender<Bytes>>,
    /// The request id to use (a stream's answer names it before the invocation ends).
    /// Default: a new one.
    pub request_id: Option<String>,
}

impl InvokeOptions {
    fn received(&self) -> Instant {
        self.received.map_or_else(Instant::now, Instant::from_std)
    }
}

/// The result of a synchronous invocation.
#[derive(Clone, Debug)]
pub struct Invocation {
    /// What was measured.
    pub record: InvocationRecord,
    /// The response payload, or the error payload when `function_error` is set.
    pub payload: Bytes,
    /// `Some("Unhandled")` when the function failed (`X-Amz-Function-Error`).
    pub function_error: Option<&'static str>,
    /// The last 4 KB of the invocation's log, when asked for.
    pub log_tail: Option<Vec<u8>>,
}

pub(crate) struct FunctionState {
    pub index: usize,
    pub f: Function,
    pub arn: String,
    pool: Mutex<Pool>,
}

#[derive(Default)]
struct Pool {
    idle: Vec<Arc<Env>>,
    all: HashMap<u64, Arc<Env>>,
}

struct Slots {
    in_flight: Vec<u32>,
    unreserved_in_flight: u32,
    unreserved_pool: u32,
}

pub(crate) struct Inner {
    pub functions: HashMap<String, Arc<FunctionState>>,
    pub opts: RuntimeOptions,
    launcher: Arc<dyn Launcher>,
    sink: Arc<Sink>,
    slots: Mutex<Slots>,
    slot_freed: Notify,
    next_env: AtomicU64,
    pub shutting_down: AtomicBool,
    live_envs: AtomicU64,
    env_exited: Notify,
    /// `Event` invocations waiting for a slot: request id → function.
    queued: Mutex<HashMap<String, String>>,
}

/// A running mini-runtime. Dropping it kills every environment and removes every cgroup;
/// [`Runtime::shutdown`] does the same and waits for the processes to exit.
///
/// ```no_run
/// # async fn demo(functions: Vec<lamsim_sim::model::Function>) -> Result<(), Box<dyn std::error::Error>> {
/// use lamsim_harness::{Runtime, RuntimeOptions};
/// let rt = Runtime::start(functions, RuntimeOptions::default()).await?;
/// let cold = rt.invoke("hello", br#"{"n": 1}"#.to_vec().into(), true).await?;
/// let warm = rt.invoke("hello", br#"{"n": 2}"#.to_vec().into(), false).await?;
/// println!("init {:?} ms, warm {} ms", cold.record.init_ms, warm.record.duration_ms);
/// rt.shutdown().await;
/// # Ok(()) }
/// ```
pub struct Runtime {
    inner: Arc<Inner>,
}

impl Runtime {
    /// Checks every function's handler and sets up cgroups (warning once on stderr when
    /// they are not available): [`Runtime::start_with`] a [`ProcessLauncher`]. No environment
    /// is started before the first invocation.
    pub async fn start(
        functions: Vec<Function>,
        opts: RuntimeOptions,
    ) -> Result<Runtime, HarnessError> {
        if functions.is_empty() {
            return Err(HarnessError::NoFunctions);
        }
        let launcher = ProcessLauncher::new(&functions, opts.cgroups)?;
        Runtime::start_with(functions, opts, Arc::new(launcher)).await
    }

    /// Starts a runtime whose environments `launcher` starts (e.g. a
    /// [`crate::launcher::ScriptedLauncher`] in tests).
    pub async fn start_with(
        functions: Vec<Function>,
        opts: RuntimeOptions,
        launcher: Arc<dyn Launcher>,
    ) -> Result<Runtime, HarnessError> {
        if functions.is_empty() {
            return Err(HarnessError::NoFunctions);
        }
        let mut map = HashMap::new();
        let mut reserved_total = 0u32;
        for (index, f) in functions.into_iter().enumerate() {
            if map.contains_key(&f.name) {
                return Err(HarnessError::DuplicateFunction {
                    index,
                    name: f.name,
                });
            }
            reserved_total += f.reserved_concurrency.unwrap_or(0);
            let arn = format!(
                "arn:aws:lambda:{}:{}:function:{}",
                opts.region, opts.account_id, f.name
            );
            let fs = FunctionState {
                index,
                arn,
                pool: Mutex::new(Pool::default()),
                f,
            };
            map.insert(fs.f.name.clone(), Arc::new(fs));
        }
        let mut names: Vec<(usize, String)> = map
            .values()
            .map(|fs: &Arc<FunctionState>| (fs.index, fs.f.name.clone()))
            .collect();
        names.sort();
        let names: Vec<String> = names.into_iter().map(|(_, n)| n).collect();
        let sink = Sink::new(
            opts.log_to_stderr,
            opts.log_file.as_deref(),
            opts.records_file.as_deref(),
            opts.keep_records,
            opts.log_dir.as_deref().map(|d| (d, names.as_slice())),
        );
        let sink = match sink {
            Ok(s) => Arc::new(s),
            Err(e) => {
                launcher.cleanup();
                return Err(e);
            }
        };
        let n = map.len();
        let inner = Arc::new(Inner {
            functions: map,
            slots: Mutex::new(Slots {
                in_flight: vec![0; n],
                unreserved_in_flight: 0,
                unreserved_pool: opts.concurrency_limit.saturating_sub(reserved_total),
            }),
            opts,
            launcher,
            sink,
            slot_freed: Notify::new(),
            next_env: AtomicU64::new(1),
            shutting_down: AtomicBool::new(false),
            live_envs: AtomicU64::new(0),
            env_exited: Notify::new(),
            queued: Mutex::new(HashMap::new()),
        });
        Ok(Runtime { inner })
    }

    /// How CPU share is enforced (`cpu_limit` of `bench.json`).
    pub fn cpu_limit(&self) -> CpuLimit {
        self.inner.launcher.cpu_limit()
    }

    /// Why there is no CPU limit, when there is none.
    pub fn cpu_limit_reason(&self) -> Option<&str> {
        self.inner.launcher.cpu_limit_reason()
    }

    /// Invokes `name` synchronously with `payload` (JSON; empty means `{}`), on a new
    /// environment when `cold`. Function errors, timeouts and crashes are `Ok` with
    /// [`Invocation::function_error`] set; `Err` means the request was refused.
    pub async fn invoke(
        &self,
        name: &str,
        payload: Bytes,
        cold: bool,
    ) -> Result<Invocation, InvokeError> {
        let opts = InvokeOptions {
            cold,
            ..InvokeOptions::default()
        };
        self.invoke_with(name, payload, &opts).await
    }

    /// [`Runtime::invoke`] with every option.
    pub async fn invoke_with(
        &self,
        name: &str,
        payload: Bytes,
        opts: &InvokeOptions,
    ) -> Result<Invocation, InvokeError> {
        self.inner.invoke_sync(name, payload, opts).await
    }

    /// Checks that `function_name` (name, `name:qualifier` or ARN) is served: `Err` is the
    /// refusal an invocation would get (`DryRun`).
    pub fn check_function(&self, function_name: &str) -> Result<(), InvokeError> {
        self.inner.lookup(function_name).map(|_| ())
    }

    /// Queues an asynchronous (`Event`) invocation and returns its request id at once; it runs
    /// when a concurrency slot is free. Its record arrives in the records like any other.
    pub fn invoke_event(&self, name: &str, payload: Bytes) -> Result<String, InvokeError> {
        self.invoke_event_with(name, payload, &InvokeOptions::default())
    }

    /// [`Runtime::invoke_event`] with options (`received`; `cold`, `tail` and
    /// `client_context` do not apply to queued events).
    pub fn invoke_event_with(
        &self,
        name: &str,
        payload: Bytes,
        opts: &InvokeOptions,
    ) -> Result<String, InvokeError> {
        self.inner.invoke_event(name, payload, opts.received())
    }

    /// Takes the records of the invocations finished so far (with `keep_records`).
    pub fn take_records(&self) -> Vec<InvocationRecord> {
        self.inner.sink.take()
    }

    /// Starts every function's provisioned concurrency (the count of its window that starts at
    /// time 0), one environment after another, as AWS initialises them before traffic: INIT
    /// under the memory's CPU share, `AWS_LAMBDA_INITIALIZATION_TYPE=provisioned-concurrency`,
    /// one log line each. They then serve invocations first, are never cold, have no
    /// keep-alive deadline, and their records say `provisioned`. Returns what was started.
    pub async fn prewarm(&self) -> Vec<Prewarmed> {
        self.inner.prewarm().await
    }

    /// Number of execution environments alive (busy or idle) of `name`.
    pub fn environments(&self, name: &str) -> usize {
        self.inner
            .functions
            .get(name)
            .map(|fs| fs.pool().all.len())
            .unwrap_or(0)
    }

    /// Stops every idle environment of `name` (busy ones are left alone) and waits (up to 5 s)
    /// for their processes to exit, so that the next invocation starts a fresh environment and
    /// the old ones no longer hold memory or CPU. Returns how many were stopped. `lamsim bench`
    /// uses it between forced cold starts.
    pub async fn retire_idle(&self, name: &str) -> usize {
        let Some(fs) = self.inner.functions.get(name) else {
            return 0;
        };
        let idle: Vec<Arc<Env>> = std::mem::take(&mut fs.pool().idle);
        for e in &idle {
            e.kill(Retire::Idle);
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let exited = self.inner.env_exited.notified();
            let alive = {
                let pool = fs.pool();
                idle.iter().any(|e| pool.all.contains_key(&e.id))
            };
            if !alive || Instant::now() >= deadline {
                break;
            }
            let _ = tokio::time::timeout(Duration::from_millis(50), exited).await;
        }
        idle.len()
    }

    /// Stops serving, kills every environment, waits (up to 5 s) for the processes to exit and
    /// removes the cgroups. `Event` invocations still queued for a slot never run: each is
    /// logged (`lamsim: … dropped at shutdown`), and their request ids are returned.
    pub async fn shutdown(&self) -> Vec<String> {
        let inner = &self.inner;
        inner.stop_accepting();
        inner.slot_freed.notify_waiters();
        let mut dropped: Vec<(String, String)> = inner.queued_events().drain().collect();
        dropped.sort();
        for (id, function) in &dropped {
            inner.sink.line_for(
                function,
                format!(
                    "lamsim: the queued Event invocation {id} of `{function}` was dropped at \
                     shutdown (it never ran)"
                )
                .as_bytes(),
            );
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let exited = inner.env_exited.notified();
            inner.kill_all();
            if inner.live_envs.load(Ordering::SeqCst) == 0 || Instant::now() >= deadline {
                break;
            }
            let _ = tokio::time::timeout(Duration::from_millis(50), exited).await;
        }
        inner.cleanup();
        dropped.into_iter().map(|(id, _)| id).collect()
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        let inner = &self.inner;
        inner.stop_accepting();
        inner.kill_all();
        inner.cleanup();
    }
}

impl FunctionState {
    fn pool(&self) -> std::sync::MutexGuard<'_, Pool> {
        self.pool.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Takes an idle environment as `routing` says.
    fn take_idle(&self) -> Option<Arc<Env>> {
        let mut pool = self.pool();
        if pool.idle.is_empty() {
            return None;
        }
        // Provisioned environments serve first (as on AWS, where on-demand ones only take the
        // spill-over); among the candidates, `routing` picks.
        let provisioned: Vec<usize> = (0..pool.idle.len())
            .filter(|&i| pool.idle[i].provisioned.load(Ordering::Relaxed))
            .collect();
        let candidates: Vec<usize> = if provisioned.is_empty() {
            (0..pool.idle.len()).collect()
        } else {
            provisioned
        };
        let i = match self.f.routing {
            Routing::Newest => *candidates.iter().max_by_key(|&&i| pool.idle[i].id)?,
            Routing::Mru => *candidates.last()?,
            Routing::Lru => candidates[0],
            Routing::Random => candidates[rand::rng().random_range(0..candidates.len())],
        };
        let env = pool.idle.remove(i);
        env.state().idle_until = None;
        Some(env)
    }

    fn keep_alive(&self) -> Duration {
        Duration::from_nanos(self.f.keep_alive.policy.draw(&mut rand::rng()))
    }

    fn timeout(&self) -> Duration {
        Duration::from_nanos(self.f.timeout.as_nanos())
    }
}

/// Splits a FunctionName of the Invoke API (name, `name:qualifier`, full or partial ARN,
/// each with an optional qualifier) into name and qualifier.
pub fn parse_function_name(s: &str) -> (&str, Option<&str>) {
    let parts: Vec<&str> = s.split(':').collect();
    match parts.as_slice() {
        // arn:aws:lambda:region:account:function:name[:qualifier]
        ["arn", _, "lambda", _, _, "function", name] => (name, None),
        ["arn", _, "lambda", _, _, "function", name, q] => (name, Some(q)),
        // account:function:name[:qualifier]
        [_, "function", name] => (name, None),
        [_, "function", name, q] => (name, Some(q)),
        [name, q] => (name, Some(q)),
        _ => (s, None),
    }
}

impl Inner {
    /// The function a FunctionName names. The harness has one version of each function,
    /// `$LATEST`: another qualifier (a version or an alias) does not exist, as on AWS.
    pub(crate) fn lookup(&self, function_name: &str) -> Result<&Arc<FunctionState>, InvokeError> {
        let (name, q) = parse_function_name(function_name);
        self.functions
            .get(name)
            .filter(|_| q.is_none_or(|q| q == "$LATEST"))
            .ok_or_else(|| InvokeError::UnknownFunction {
                arn: format!(
                    "arn:aws:lambda:{}:{}:function:{}{}",
                    self.opts.region,
                    self.opts.account_id,
                    name,
                    q.map(|q| format!(":{q}")).unwrap_or_default()
                ),
            })
    }

    fn check_payload(
        payload: &Bytes,
        limit: usize,
        operation: &'static str,
    ) -> Result<Bytes, InvokeError> {
        if payload.len() > limit {
            return Err(InvokeError::PayloadTooLarge { limit, operation });
        }
        if payload.iter().all(u8::is_ascii_whitespace) {
            return Ok(Bytes::from_static(b"{}"));
        }
        // JSON is UTF-8: parsed from a checked `str`, so bytes that are not UTF-8 inside a
        // string are refused too (a byte-level reader skips string contents unchecked).
        let text = std::str::from_utf8(payload).map_err(|e| InvokeError::InvalidPayload {
            detail: format!("the payload is not UTF-8: {e}"),
        })?;
        serde_json::from_str::<serde::de::IgnoredAny>(text).map_err(|e| {
            InvokeError::InvalidPayload {
                detail: e.to_string(),
            }
        })?;
        Ok(payload.clone())
    }

    fn try_acquire(&self, fs: &FunctionState) -> Result<(), InvokeError> {
        let mut s = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        match fs.f.reserved_concurrency {
            Some(r) => {
                if s.in_flight[fs.index] >= r {
                    return Err(InvokeError::Throttled {
                        reason: "ReservedFunctionConcurrentInvocationLimitExceeded",
                    });
                }
            }
            None => {
                if s.unreserved_in_flight >= s.unreserved_pool {
                    return Err(InvokeError::Throttled {
                        reason: "ConcurrentInvocationLimitExceeded",
                    });
                }
                s.unreserved_in_flight += 1;
            }
        }
        s.in_flight[fs.index] += 1;
        Ok(())
    }

    fn release(&self, fs: &FunctionState) {
        {
            let mut s = self.slots.lock().unwrap_or_else(|p| p.into_inner());
            s.in_flight[fs.index] -= 1;
            if fs.f.reserved_concurrency.is_none() {
                s.unreserved_in_flight -= 1;
            }
        }
        self.slot_freed.notify_waiters();
    }

    pub(crate) async fn invoke_sync(
        self: &Arc<Self>,
        name: &str,
        payload: Bytes,
        opts: &InvokeOptions,
    ) -> Result<Invocation, InvokeError> {
        let client_start = opts.received();
        if self.shutting_down.load(Ordering::Relaxed) {
            return Err(InvokeError::ShuttingDown);
        }
        let fs = self.lookup(name)?.clone();
        let payload = Self::check_payload(&payload, MAX_SYNC_PAYLOAD, "InvokeFunction")?;
        let client_context = opts
            .client_context
            .as_deref()
            .map(decode_client_context)
            .transpose()?;
        self.try_acquire(&fs)?;
        let slot = Slot {
            inner: self.clone(),
            fs: fs.clone(),
        };
        // The invocation runs in its own task, which owns the slot: as on AWS it runs to the
        // end (and is logged and recorded) whatever the caller does, and a caller that goes
        // away (a client hanging up drops the HTTP handler's future) leaks nothing.
        let inner = self.clone();
        let opts = InvokeOptions {
            client_context,
            ..opts.clone()
        };
        let task = tokio::spawn(async move {
            let _slot = slot;
            inner
                .run(
                    &fs,
                    payload,
                    &opts,
                    InvocationType::RequestResponse,
                    client_start,
                )
                .await
        });
        match task.await {
            Ok(r) => Ok(r),
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(_) => Err(InvokeError::ShuttingDown),
        }
    }

    pub(crate) fn invoke_event(
        self: &Arc<Self>,
        name: &str,
        payload: Bytes,
        client_start: Instant,
    ) -> Result<String, InvokeError> {
        if self.shutting_down.load(Ordering::Relaxed) {
            return Err(InvokeError::ShuttingDown);
        }
        let fs = self.lookup(name)?.clone();
        let payload = Self::check_payload(&payload, MAX_ASYNC_PAYLOAD, "InvokeAsync")?;
        let request_id = ids::request_id();
        self.queued_events()
            .insert(request_id.clone(), fs.f.name.clone());
        let inner = self.clone();
        let id = request_id.clone();
        let (max_retries, max_age) = async_policy(&fs.f);
        let delays = self.opts.async_retry_delays;
        tokio::spawn(async move {
            // Lambda's async queue: the event waits for a slot instead of being throttled, and a
            // failed execution is retried after the configured delays (the same request id),
            // until the retries or the event's age run out (then the on-failure destination).
            let mut retries = 0u32;
            loop {
                loop {
                    let freed = inner.slot_freed.notified();
                    tokio::pin!(freed);
                    freed.as_mut().enable();
                    if inner.shutting_down.load(Ordering::Relaxed) {
                        return;
                    }
                    if inner.try_acquire(&fs).is_ok() {
                        inner.queued_events().remove(&id);
                        break;
                    }
                    freed.await;
                }
                let result = {
                    let _slot = Slot {
                        inner: inner.clone(),
                        fs: fs.clone(),
                    };
                    let opts = InvokeOptions::default();
                    inner
                        .run_with_id(
                            &fs,
                            payload.clone(),
                            &opts,
                            InvocationType::Event,
                            client_start,
                            id.clone(),
                        )
                        .await
                };
                let status = result.record.status;
                if status == Status::Success {
                    return;
                }
                let delay = delays[(retries as usize).min(1)];
                let age = client_start.elapsed() + delay;
                if retries >= max_retries || age > max_age {
                    let why = if retries >= max_retries {
                        format!("{retries} retries")
                    } else {
                        format!("max-event-age {} s", max_age.as_secs())
                    };
                    inner.sink.line_for_flushed(
                        &fs.f.name,
                        format!(
                            "ASYNC RequestId: {id}\tStatus: {status:?}\tSent to the on-failure destination after {why}"
                        )
                        .as_bytes(),
                    );
                    return;
                }
                retries += 1;
                inner.sink.line_for_flushed(
                    &fs.f.name,
                    format!(
                        "ASYNC RequestId: {id}\tStatus: {status:?}\tRetry {retries} of {max_retries} in {:.3} s",
                        delay.as_secs_f64()
                    )
                    .as_bytes(),
                );
                inner.queued_events().insert(id.clone(), fs.f.name.clone());
                tokio::time::sleep(delay).await;
            }
        });
        Ok(request_id)
    }

    async fn run(
        self: &Arc<Self>,
        fs: &Arc<FunctionState>,
        payload: Bytes,
        opts: &InvokeOptions,
        kind: InvocationType,
        client_start: Instant,
    ) -> Invocation {
        let id = opts.request_id.clone().unwrap_or_else(ids::request_id);
        self.run_with_id(fs, payload, opts, kind, client_start, id)
            .await
    }

    /// Runs one invocation on an idle or a new environment; the caller holds a slot.
    /// `opts.client_context` is the decoded, checked JSON ([`decode_client_context`]).
    async fn run_with_id(
        self: &Arc<Self>,
        fs: &Arc<FunctionState>,
        payload: Bytes,
        opts: &InvokeOptions,
        kind: InvocationType,
        client_start: Instant,
        request_id: String,
    ) -> Invocation {
        let timestamp_ms = env::epoch_ms();
        let request_bytes = payload.len();
        let timeout = fs.timeout();
        // Decoded and checked by invoke_sync.
        let client_context = opts.client_context.clone();
        let mut payload = Some(payload);
        // Time of an init tried again within the invocation (see below), else zero.
        let mut suppressed_init = Duration::ZERO;
        // An idle environment may die between being picked and being given the event: then
        // pick again (or start one).
        let (env, init_ms, result_rx) = loop {
            let mut init_ms = None;
            let env = match (!opts.cold).then(|| fs.take_idle()).flatten() {
                Some(e) => e,
                None => {
                    let started = match self.start_env(fs, self.opts.init_timeout, false).await {
                        Ok((e, init)) => {
                            init_ms = Some(init.as_secs_f64() * 1e3);
                            Ok(e)
                        }
                        // As on AWS, an init that outlasts the init limit is tried again
                        // within the invocation ("suppressed init"): the function timeout
                        // covers the new init and the handler, and the init counts in the
                        // duration.
                        Err(failure) if failure.timed_out && timeout > self.opts.init_timeout => {
                            if self.sink.logs() {
                                self.sink.line_for(
                                    &fs.f.name,
                                    format!(
                                        "lamsim: INIT timed out after {:.2} s; initialising \
                                         again within the invocation (suppressed init)",
                                        self.opts.init_timeout.as_secs_f64()
                                    )
                                    .as_bytes(),
                                );
                            }
                            self.start_env(fs, timeout, false).await.map(|(e, init)| {
                                suppressed_init = init;
                                e
                            })
                        }
                        Err(failure) => Err(failure),
                    };
                    match started {
                        Ok(e) => e,
                        Err(failure) => {
                            return self.finish_init_failure(
                                fs,
                                failure,
                                opts,
                                kind,
                                client_start,
                                request_id,
                                request_bytes,
                                timestamp_ms,
                            );
                        }
                    }
                }
            };
            let start = record::start_line(&request_id);
            if self.sink.logs() {
                self.sink.line_for(&fs.f.name, start.as_bytes());
            }
            env.log.start(&start);
            let (tx, rx) = oneshot::channel();
            let job = Job {
                event: Event {
                    request_id: request_id.clone(),
                    payload: payload.take().expect("payload is put back on retry"),
                    deadline_ms: env::epoch_ms() + timeout.as_millis() as u64,
                    function_arn: fs.arn.clone(),
                    trace_id: ids::trace_id(timestamp_ms / 1000),
                    client_context: client_context.clone(),
                },
                result: tx,
                chunks: opts.chunks.clone(),
            };
            match env.submit(job) {
                Ok(()) => break (env, init_ms, rx),
                Err(job) => payload = Some(job.event.payload),
            }
        };
        let handed_fallback = Instant::now();
        let waited = tokio::time::timeout(timeout.saturating_sub(suppressed_init), result_rx).await;
        let mut status = Status::Success;
        let mut error_type = None;
        let mut first_byte_ms = None;
        let (body, duration) = match waited {
            Ok(Ok(Outcome::Response {
                body,
                handed,
                first_byte,
                done,
            })) => {
                first_byte_ms = first_byte.map(|t| (t - handed).as_secs_f64() * 1e3);
                (body, suppressed_init + (done - handed))
            }
            Ok(Ok(Outcome::Error {
                error_type: t,
                body,
                handed,
                done,
            })) => {
                status = Status::FunctionError;
                error_type = Some(t);
                (body, suppressed_init + (done - handed))
            }
            Ok(Ok(Outcome::TooLarge { size, handed, done })) => {
                status = Status::FunctionError;
                error_type = Some("Function.ResponseSizeTooLarge".to_string());
                let body = error_body(
                    "Function.ResponseSizeTooLarge",
                    &format!(
                        "Response payload size ({size} bytes) exceeded maximum allowed payload size ({} bytes).",
                        env::MAX_RESPONSE_BYTES
                    ),
                );
                (body, suppressed_init + (done - handed))
            }
            Ok(Err(_closed)) => {
                // The process ended during the invocation.
                let death = env.state().death.clone();
                let (st, t, msg) = match death {
                    Some(Death::OutOfMemory) => (
                        Status::OutOfMemory,
                        "Runtime.OutOfMemory",
                        "Runtime exited with error: signal: killed".to_string(),
                    ),
                    Some(Death::Exited(how)) => (
                        Status::Crash,
                        "Runtime.ExitError",
                        format!("Runtime exited with error: {how}"),
                    ),
                    Some(Death::Retired(why)) => (
                        Status::Crash,
                        "Runtime.ExitError",
                        format!("the execution environment was stopped ({why:?})"),
                    ),
                    None => (
                        Status::Crash,
                        "Runtime.ExitError",
                        "Runtime exited without providing a reason".to_string(),
                    ),
                };
                status = st;
                error_type = Some(t.to_string());
                (
                    error_body(t, &format!("RequestId: {request_id} Error: {msg}")),
                    suppressed_init + handed_fallback.elapsed(),
                )
            }
            Err(_elapsed) => {
                env.kill(Retire::Timeout);
                status = Status::Timeout;
                error_type = Some("Sandbox.Timedout".to_string());
                (
                    error_body(
                        "Sandbox.Timedout",
                        &format!(
                            "RequestId: {request_id} Error: Task timed out after {:.2} seconds",
                            timeout.as_secs_f64()
                        ),
                    ),
                    timeout,
                )
            }
        };
        if self.sink.logs() || opts.tail {
            env.log.catch_up().await;
        }
        let duration_ms = duration.as_secs_f64() * 1e3;
        let rec = InvocationRecord {
            request_id: request_id.clone(),
            function: fs.f.name.clone(),
            memory_mb: fs.f.memory_mb,
            environment: env.id,
            cold: init_ms.is_some() || !suppressed_init.is_zero(),
            invocation_type: kind,
            init_ms,
            duration_ms,
            first_byte_ms,
            billed_duration_ms: record::billed_ms(init_ms, duration_ms),
            max_memory_used_mb: env.peak_mb(),
            client_latency_ms: 0.0,
            status,
            error_type,
            request_bytes,
            response_bytes: body.len(),
            timestamp_ms,
            cpu_limit: self.launcher.cpu_limit(),
            provisioned: env.provisioned.load(Ordering::Relaxed),
        };
        // Back to the pool (or recycled) before answering, so the next request finds it.
        if matches!(status, Status::Success | Status::FunctionError) {
            self.release_env(fs, &env);
        }
        self.finish(rec, body, &env.log, opts, client_start)
    }

    /// Logs `END`/`REPORT`, stores the record and builds the result.
    fn finish(
        &self,
        mut rec: InvocationRecord,
        body: Bytes,
        log: &env::LogCapture,
        opts: &InvokeOptions,
        client_start: Instant,
    ) -> Invocation {
        let end = record::end_line(&rec.request_id);
        rec.client_latency_ms = client_start.elapsed().as_secs_f64() * 1e3;
        let report = record::report_line(&rec);
        if self.sink.logs() {
            self.sink.line_for(&rec.function, end.as_bytes());
            self.sink.line_for(&rec.function, report.as_bytes());
        }
        log.push(&end);
        log.push(&report);
        let log_tail = opts.tail.then(|| log.tail());
        self.sink.record(&rec);
        Invocation {
            function_error: (rec.status != Status::Success).then_some("Unhandled"),
            record: rec,
            payload: body,
            log_tail,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn finish_init_failure(
        &self,
        fs: &FunctionState,
        failure: InitFailure,
        opts: &InvokeOptions,
        kind: InvocationType,
        client_start: Instant,
        request_id: String,
        request_bytes: usize,
        timestamp_ms: u64,
    ) -> Invocation {
        let (error_type, body) = match failure.kind {
            InitFailureKind::Reported { error_type, body } => (error_type, body),
            InitFailureKind::Platform {
                error_type,
                message,
            } => (
                error_type.to_string(),
                error_body(
                    error_type,
                    &format!("RequestId: {request_id} Error: {message}"),
                ),
            ),
        };
        let init_ms = failure.elapsed.as_secs_f64() * 1e3;
        let start = record::start_line(&request_id);
        if self.sink.logs() {
            self.sink.line_for(&fs.f.name, start.as_bytes());
        }
        let log = env::LogCapture::detached(&start);
        let rec = InvocationRecord {
            request_id,
            function: fs.f.name.clone(),
            memory_mb: fs.f.memory_mb,
            environment: failure.env_id,
            cold: true,
            invocation_type: kind,
            init_ms: Some(init_ms),
            duration_ms: 0.0,
            first_byte_ms: None,
            billed_duration_ms: record::billed_ms(Some(init_ms), 0.0),
            max_memory_used_mb: failure.peak_mb,
            client_latency_ms: 0.0,
            status: Status::InitError,
            error_type: Some(error_type),
            request_bytes,
            response_bytes: body.len(),
            timestamp_ms,
            cpu_limit: self.launcher.cpu_limit(),
            provisioned: false,
        };
        self.finish(rec, body, &log, opts, client_start)
    }

    async fn prewarm(self: &Arc<Self>) -> Vec<Prewarmed> {
        let mut states: Vec<Arc<FunctionState>> = self.functions.values().cloned().collect();
        states.sort_by_key(|fs| fs.index);
        let mut out = Vec::new();
        for fs in states {
            let count =
                fs.f.provisioned
                    .iter()
                    .find(|w| w.start == lamsim_sim::time::SimTime::ZERO)
                    .map_or(0, |w| w.count);
            for _ in 0..count {
                let result = match self.start_env(&fs, self.opts.init_timeout, true).await {
                    Ok((env, init)) => {
                        env.provisioned.store(true, Ordering::Relaxed);
                        self.release_env(&fs, &env);
                        Ok((env.id, init.as_secs_f64() * 1e3))
                    }
                    Err(failure) => Err(failure.describe()),
                };
                if self.sink.logs() {
                    let line = match &result {
                        Ok((id, ms)) => format!(
                            "lamsim: provisioned concurrency of `{}`: environment {id} initialised \
                             (Init Duration: {ms:.2} ms, at the memory's CPU share; billed as \
                             provisioned concurrency)",
                            fs.f.name
                        ),
                        Err(why) => format!(
                            "lamsim: provisioned concurrency of `{}`: an environment failed to \
                             initialise: {why}",
                            fs.f.name
                        ),
                    };
                    self.sink.line_for_flushed(&fs.f.name, line.as_bytes());
                }
                out.push(Prewarmed {
                    function: fs.f.name.clone(),
                    result,
                });
            }
        }
        out
    }

    /// After a completed invocation: recycle at `max-lifetime`, else back to the idle pool
    /// with a keep-alive timer.
    fn release_env(self: &Arc<Self>, fs: &Arc<FunctionState>, env: &Arc<Env>) {
        if self.shutting_down.load(Ordering::Relaxed) {
            env.kill(Retire::Shutdown);
            return;
        }
        let age = env.created.elapsed();
        let lifetime =
            fs.f.keep_alive
                .max_lifetime
                .map(|t| Duration::from_nanos(t.as_nanos()));
        if lifetime.is_some_and(|l| age >= l) {
            env.kill(Retire::Lifetime);
            return;
        }
        if env.provisioned.load(Ordering::Relaxed) {
            // Provisioned concurrency stays initialised: no keep-alive deadline.
            {
                let mut st = env.state();
                if st.death.is_some() || st.retiring.is_some() {
                    return;
                }
                st.idle_until = None;
            }
            fs.pool().idle.push(env.clone());
            env.idle_set.notify_one();
            return;
        }
        let idle_for = fs.keep_alive();
        let (wait, why) = match lifetime {
            Some(l) if l - age < idle_for => (l - age, Retire::Lifetime),
            _ => (idle_for, Retire::Idle),
        };
        {
            let mut st = env.state();
            if st.death.is_some() || st.retiring.is_some() {
                return;
            }
            st.idle_until = Some((Instant::now() + wait, why));
        }
        fs.pool().idle.push(env.clone());
        env.idle_set.notify_one();
    }

    /// One task per environment reclaims it when its idle deadline passes (keep-alive or
    /// max-lifetime). Deadlines only move when the environment goes idle again, so the task
    /// wakes about once per idle period, and no timer piles up per invocation.
    fn spawn_reaper(fs: &Arc<FunctionState>, env: &Arc<Env>) {
        let fs = fs.clone();
        let env = env.clone();
        tokio::spawn(async move {
            let mut closed = env.closed();
            loop {
                let until = {
                    let st = env.state();
                    if st.death.is_some() || st.retiring.is_some() {
                        return;
                    }
                    st.idle_until
                };
                match until {
                    None => tokio::select! {
                        _ = env.idle_set.notified() => {}
                        _ = closed.changed() => return,
                    },
                    Some((deadline, why)) => {
                        tokio::select! {
                            _ = tokio::time::sleep_until(deadline) => {}
                            _ = closed.changed() => return,
                        }
                        let reclaim = {
                            let mut pool = fs.pool();
                            let pos = pool.idle.iter().position(|e| e.id == env.id);
                            match pos {
                                Some(i) if env.state().idle_until == Some((deadline, why)) => {
                                    pool.idle.remove(i);
                                    true
                                }
                                _ => false,
                            }
                        };
                        if reclaim {
                            env.kill(why);
                            return;
                        }
                    }
                }
            }
        });
    }

    /// Starts an environment and waits for its initialisation (first `/next`).
    /// Starts an environment and waits up to `init_limit` for its initialisation.
    async fn start_env(
        self: &Arc<Self>,
        fs: &Arc<FunctionState>,
        init_limit: Duration,
        provisioned: bool,
    ) -> Result<(Arc<Env>, Duration), InitFailure> {
        let id = self.next_env.fetch_add(1, Ordering::Relaxed);
        let (init_tx, init_rx) = oneshot::channel();
        let env = Arc::new(Env::new(id, Arc::from(fs.f.name.as_str()), init_tx));
        let port = EnvPort {
            env: env.clone(),
            sink: self.sink.clone(),
        };
        let spec = LaunchSpec {
            function: &fs.f,
            region: &self.opts.region,
            // Provisioned environments are initialised ahead of traffic under their memory's
            // CPU share (see `InitCpu`).
            init_cpu: if provisioned {
                InitCpu::Share
            } else {
                self.opts.init_cpu
            },
            provisioned,
        };
        let launched = match self.launcher.launch(spec, port).await {
            Ok(l) => l,
            Err(LaunchFailure {
                error_type,
                message,
                elapsed,
            }) => {
                env.mark_dead(Death::Exited(message.clone()), None);
                return Err(InitFailure {
                    env_id: id,
                    elapsed,
                    peak_mb: 0,
                    kind: InitFailureKind::Platform {
                        error_type,
                        message,
                    },
                    timed_out: false,
                });
            }
        };
        env.set_process(launched.process);
        let t0 = launched.started;
        fs.pool().all.insert(id, env.clone());
        self.live_envs.fetch_add(1, Ordering::SeqCst);
        {
            // When the process has ended: out of the pool.
            let inner = self.clone();
            let fs = fs.clone();
            let env = env.clone();
            tokio::spawn(async move {
                env.wait_closed().await;
                {
                    let mut pool = fs.pool();
                    pool.all.remove(&env.id);
                    pool.idle.retain(|e| e.id != env.id);
                }
                inner.live_envs.fetch_sub(1, Ordering::SeqCst);
                inner.env_exited.notify_waiters();
            });
        }
        let init = tokio::time::timeout_at(t0 + init_limit, init_rx).await;
        let elapsed = t0.elapsed();
        let fail_with = |env: &Env, kind: InitFailureKind, why: Retire| {
            env.kill(why);
            InitFailure {
                env_id: id,
                elapsed,
                peak_mb: env.peak_mb(),
                kind,
                timed_out: why == Retire::InitTimeout,
            }
        };
        match init {
            Ok(Ok(InitResult::Ready(at))) => {
                env.end_init();
                Self::spawn_reaper(fs, &env);
                Ok((env, at - t0))
            }
            Ok(Ok(InitResult::Failed { error_type, body })) => Err(fail_with(
                &env,
                InitFailureKind::Reported { error_type, body },
                Retire::InitFailed,
            )),
            Ok(Err(_)) => {
                let (t, m) = match env.state().death.clone() {
                    Some(Death::OutOfMemory) => (
                        "Runtime.OutOfMemory",
                        "Runtime exited with error: signal: killed".to_string(),
                    ),
                    Some(Death::Exited(how)) => (
                        "Runtime.ExitError",
                        format!("Runtime exited with error: {how}"),
                    ),
                    _ => (
                        "Runtime.ExitError",
                        "Runtime exited during init".to_string(),
                    ),
                };
                Err(fail_with(
                    &env,
                    InitFailureKind::Platform {
                        error_type: t,
                        message: m,
                    },
                    Retire::InitFailed,
                ))
            }
            Err(_) => Err(fail_with(
                &env,
                InitFailureKind::Platform {
                    error_type: "Sandbox.Timedout",
                    message: format!(
                        "INIT phase timed out after {:.2} seconds",
                        init_limit.as_secs_f64()
                    ),
                },
                Retire::InitTimeout,
            )),
        }
    }

    fn queued_events(&self) -> std::sync::MutexGuard<'_, HashMap<String, String>> {
        self.queued.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Marks the runtime as shutting down: new invocations are refused.
    fn stop_accepting(&self) {
        self.shutting_down.store(true, Ordering::SeqCst);
    }

    /// Kills every environment of every function.
    fn kill_all(&self) {
        for fs in self.functions.values() {
            let envs: Vec<Arc<Env>> = fs.pool().all.values().cloned().collect();
            for e in envs {
                e.kill(Retire::Shutdown);
            }
        }
    }

    /// Best-effort synchronous cleanup: the launcher's set-up (cgroups) removed, files
    /// flushed.
    fn cleanup(&self) {
        self.launcher.cleanup();
        self.sink.flush();
    }
}

/// A concurrency slot held by a running invocation; released when dropped.
struct Slot {
    inner: Arc<Inner>,
    fs: Arc<FunctionState>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.inner.release(&self.fs);
    }
}

/// Longest `X-Amz-Client-Context`, bytes of base64 (AWS: 3,583).
pub const MAX_CLIENT_CONTEXT: usize = 3583;

/// Checks an `X-Amz-Client-Context` as AWS does (at most [`MAX_CLIENT_CONTEXT`] bytes of
/// base64 of a JSON object) and returns the JSON re-serialised compactly, which is safe in
/// the runtime's `Lambda-Runtime-Client-Context` header: no CR, LF or other control byte.
pub(crate) fn decode_client_context(b64: &str) -> Result<String, InvokeError> {
    let bad = |detail: &str| InvokeError::InvalidClientContext {
        detail: detail.to_string(),
    };
    if b64.len() > MAX_CLIENT_CONTEXT {
        return Err(bad("it is longer than 3583 bytes"));
    }
    let raw = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .map_err(|_| bad("it is not base64"))?;
    let value: serde_json::Value =
        serde_json::from_slice(&raw).map_err(|_| bad("it is not JSON"))?;
    if !value.is_object() {
        return Err(bad("it is not a JSON object"));
    }
    // Compact JSON escapes every control character but DEL, which a header may not hold.
    Ok(value.to_string().replace('\u{7f}', "\\u007f"))
}

/// A JSON error payload as Lambda writes it.
fn error_body(error_type: &str, message: &str) -> Bytes {
    Bytes::from(serde_json::json!({"errorType": error_type, "errorMessage": message}).to_string())
}

/// One provisioned environment started by [`Runtime::prewarm`].
#[derive(Clone, Debug, PartialEq)]
pub struct Prewarmed {
    /// The function.
    pub function: String,
    /// Its environment id and init duration (ms), or why it failed.
    pub result: Result<(u64, f64), String>,
}

pub(crate) struct InitFailure {
    env_id: u64,
    elapsed: Duration,
    peak_mb: u64,
    kind: InitFailureKind,
    /// The init limit passed.
    timed_out: bool,
}

impl InitFailure {
    /// `Type: message` of the failure, for a log line.
    fn describe(&self) -> String {
        match &self.kind {
            InitFailureKind::Reported { error_type, body } => {
                format!("{error_type}: {}", String::from_utf8_lossy(body))
            }
            InitFailureKind::Platform {
                error_type,
                message,
            } => format!("{error_type}: {message}"),
        }
    }
}

enum InitFailureKind {
    /// The runtime posted `/init/error`: its type and body go to the caller.
    Reported { error_type: String, body: Bytes },
    /// The harness detected it (exit, timeout, bad entry point).
    Platform {
        error_type: &'static str,
        message: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_names_in_every_form() {
        assert_eq!(parse_function_name("hello"), ("hello", None));
        assert_eq!(parse_function_name("hello:live"), ("hello", Some("live")));
        assert_eq!(
            parse_function_name("arn:aws:lambda:us-east-1:123456789012:function:hello"),
            ("hello", None)
        );
        assert_eq!(
            parse_function_name("arn:aws:lambda:us-east-1:123456789012:function:hello:$LATEST"),
            ("hello", Some("$LATEST"))
        );
        assert_eq!(
            parse_function_name("123456789012:function:hello"),
            ("hello", None)
        );
        assert_eq!(
            parse_function_name("123456789012:function:hello:7"),
            ("hello", Some("7"))
        );
    }

    #[test]
    fn client_context_is_checked_and_made_header_safe() {
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        assert_eq!(
            decode_client_context(&b64("{\r\n \"custom\": {\"k\": \"v\\r\\n\"}\r\n}")).unwrap(),
            r#"{"custom":{"k":"v\r\n"}}"#,
            "CR/LF between tokens go, inside strings they stay escaped"
        );
        assert_eq!(
            decode_client_context(&b64("{\"k\": \"\u{7f}\"}")).unwrap(),
            r#"{"k":"\u007f"}"#
        );
        for bad in [
            b64("not json"),
            b64("{\"a\":1}\r\nX-Evil: 1"),
            b64("[1, 2]"),
            "%%%".to_string(),
            b64(&format!("{{\"k\": \"{}\"}}", "x".repeat(3000))),
        ] {
            let e = decode_client_context(&bad).unwrap_err();
            assert_eq!(
                (e.status(), e.error_type()),
                (400, "InvalidRequestContentException")
            );
        }
    }

    #[test]
    fn empty_payload_becomes_empty_object_and_bad_json_is_refused() {
        assert_eq!(
            Inner::check_payload(&Bytes::new(), 10, "InvokeFunction").unwrap(),
            "{}"
        );
        assert!(matches!(
            Inner::check_payload(&Bytes::from_static(b"{nope"), 100, "InvokeFunction"),
            Err(InvokeError::InvalidPayload { .. })
        ));
        assert_eq!(
            Inner::check_payload(&Bytes::from_static(b"[1,2,3]"), 7, "InvokeFunction").unwrap(),
            "[1,2,3]"
        );
        assert_eq!(
            Inner::check_payload(&Bytes::from_static(b"[1,2,3]"), 6, "InvokeFunction"),
            Err(InvokeError::PayloadTooLarge {
                limit: 6,
                operation: "InvokeFunction"
            })
        );
    }
}
