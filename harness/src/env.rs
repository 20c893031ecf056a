//! One execution environment as the runtime sees it: the Runtime API's state machine (init,
//! the pending event, the invocation in progress, death) and the capture of its log.
//!
//! The environment's process (or script) drives this state machine through an [`EnvPort`]:
//! the real launcher does it through the Runtime API over HTTP ([`crate::runtime_api`]), the
//! scripted test double directly. The runtime hands events over with [`Env::submit`] and
//! reads how the process answered from the channels it gave with the event.

use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use tokio::sync::{Notify, mpsc, oneshot, watch};
use tokio::time::Instant;

use crate::record::Sink;

/// Largest buffered response a runtime may post, bytes (AWS: 6,291,556, i.e. 6 MiB + 100).
pub const MAX_RESPONSE_BYTES: usize = 6 * 1024 * 1024 + 100;
/// Largest streamed response (AWS: 20 MB soft limit).
pub const MAX_STREAM_BYTES: usize = 20 * 1024 * 1024;
/// Size of the log tail returned with `X-Amz-Log-Type: Tail` (AWS: the last 4 KB).
pub const LOG_TAIL_BYTES: usize = 4096;

/// An event waiting to be handed to the runtime.
pub(crate) struct Job {
    pub event: Event,
    pub result: oneshot::Sender<Outcome>,
    /// Where the response's bytes go as they arrive (InvokeWithResponseStream).
    pub chunks: Option<mpsc::UnboundedSender<Bytes>>,
}

/// An event as the runtime receives it from `/next`.
#[derive(Clone, Debug)]
pub(crate) struct Event {
    pub request_id: String,
    pub payload: Bytes,
    pub deadline_ms: u64,
    pub function_arn: String,
    pub trace_id: String,
    pub client_context: Option<String>,
}

/// What the runtime answered.
pub(crate) enum Outcome {
    /// `POST …/response`.
    Response {
        body: Bytes,
        handed: Instant,
        first_byte: Option<Instant>,
        done: Instant,
    },
    /// `POST …/error`, or an error trailer of a streamed response.
    Error {
        error_type: String,
        body: Bytes,
        handed: Instant,
        done: Instant,
    },
    /// A buffered response above [`MAX_RESPONSE_BYTES`].
    TooLarge {
        size: usize,
        handed: Instant,
        done: Instant,
    },
}

/// How initialisation ended.
pub(crate) enum InitResult {
    /// First `/next` at this instant.
    Ready(Instant),
    /// `POST /runtime/init/error`.
    Failed { error_type: String, body: Bytes },
}

/// Why the harness killed an environment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Retire {
    Timeout,
    InitTimeout,
    InitFailed,
    Idle,
    Lifetime,
    Shutdown,
}

/// How an environment's process ended.
#[derive(Clone, Debug)]
pub(crate) enum Death {
    /// Killed by the harness.
    Retired(Retire),
    /// Killed by the kernel's OOM killer (cgroup memory limit).
    OutOfMemory,
    /// Exited on its own: `exit status N` or `signal: killed` (Go's wording, as AWS prints it).
    Exited(String),
}

/// How a launched process ended, as its launcher saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProcessExit {
    /// Killed by the kernel's OOM killer (the environment's memory limit).
    OutOfMemory,
    /// Ended otherwise: `exit status N` or `signal: killed` (Go's wording, as AWS prints it).
    /// When the harness killed it, the runtime reports its own reason instead.
    Exited(String),
}

/// The invocation in progress: handed over by `/next`, not answered yet.
pub(crate) struct Current {
    pub request_id: String,
    pub handed: Instant,
    pub result: oneshot::Sender<Outcome>,
    /// Where the response's bytes go as they arrive (InvokeWithResponseStream).
    pub chunks: Option<mpsc::UnboundedSender<Bytes>>,
}

/// Why a runtime's answer for a request id was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AnswerRefused {
    /// Not the invocation in progress (AWS: 400 `InvalidRequestID`).
    UnknownId,
    /// Already answered (AWS: 403 `InvalidStateTransition`).
    AlreadyAnswered,
}

#[derive(Default)]
pub(crate) struct EnvState {
    init: Option<oneshot::Sender<InitResult>>,
    pending: Option<Job>,
    current: Option<Current>,
    last_responded: Option<String>,
    pub retiring: Option<Retire>,
    pub death: Option<Death>,
    /// When the idle environment is reclaimed, and why (set while it is in the idle pool).
    pub idle_until: Option<(Instant, Retire)>,
    pub final_peak_bytes: Option<u64>,
}

/// Log lines of the invocation in progress, and the channel to ask the reader to catch up.
pub(crate) struct LogCapture {
    current: Mutex<Vec<u8>>,
    flush: OnceLock<mpsc::UnboundedSender<oneshot::Sender<()>>>,
}

impl LogCapture {
    fn new() -> LogCapture {
        LogCapture {
            current: Mutex::new(Vec::new()),
            flush: OnceLock::new(),
        }
    }

    /// A capture with no process behind it (an environment that never started).
    pub(crate) fn detached(start_line: &str) -> LogCapture {
        let l = LogCapture::new();
        l.start(start_line);
        l
    }

    fn append(&self, line: &[u8]) {
        let mut c = self.current.lock().unwrap_or_else(|p| p.into_inner());
        // Only the tail is ever read: keep at most twice its size.
        let keep = LOG_TAIL_BYTES * 2;
        let line = &line[line.len().saturating_sub(keep)..];
        if c.len() + line.len() + 1 > keep {
            let cut = (c.len() + line.len() + 1 - keep).min(c.len());
            c.drain(..cut);
        }
        c.extend_from_slice(line);
        c.push(b'\n');
    }

    /// Starts the log of a new invocation with its `START` line.
    pub(crate) fn start(&self, start_line: &str) {
        let mut c = self.current.lock().unwrap_or_else(|p| p.into_inner());
        c.clear();
        c.extend_from_slice(start_line.as_bytes());
        c.push(b'\n');
    }

    /// Appends a platform line (`END`, `REPORT`).
    pub(crate) fn push(&self, line: &str) {
        self.append(line.as_bytes());
    }

    /// The last [`LOG_TAIL_BYTES`] of the current invocation's log.
    pub(crate) fn tail(&self) -> Vec<u8> {
        let c = self.current.lock().unwrap_or_else(|p| p.into_inner());
        c[c.len().saturating_sub(LOG_TAIL_BYTES)..].to_vec()
    }

    /// Waits until the reader has taken in everything the process wrote so far.
    pub(crate) async fn catch_up(&self) {
        if let Some(tx) = self.flush.get() {
            let (ack, done) = oneshot::channel();
            if tx.send(ack).is_ok() {
                let _ = done.await;
            }
        }
    }
}

/// The process (or script) behind an environment, as its launcher started it.
pub trait EnvProcess: Send + Sync {
    /// Kills it (and everything it started) at once; its launcher then reports the death
    /// through [`EnvPort::exited`].
    fn kill(&self);
    /// Peak memory so far, bytes, when known.
    fn peak_bytes(&self) -> Option<u64>;
    /// INIT has ended (the runtime's first `/next`): apply the memory's CPU share if INIT ran
    /// with the whole CPU ([`crate::cgroup::InitCpu`]). Nothing by default.
    fn end_init(&self) {}
}

/// One execution environment.
pub(crate) struct Env {
    pub id: u64,
    /// The function it runs (its log stream).
    pub function: Arc<str>,
    pub created: Instant,
    pub log: LogCapture,
    process: OnceLock<Box<dyn EnvProcess>>,
    state: Mutex<EnvState>,
    job_ready: Notify,
    /// Wakes the reaper when the environment goes idle.
    pub idle_set: Notify,
    closed: watch::Sender<bool>,
    /// Started ahead of traffic for the function's provisioned concurrency: kept without a
    /// keep-alive deadline and preferred by routing.
    pub provisioned: std::sync::atomic::AtomicBool,
}

impl Env {
    /// INIT has ended: see [`EnvProcess::end_init`].
    pub(crate) fn end_init(&self) {
        if let Some(p) = self.process.get() {
            p.end_init();
        }
    }

    pub(crate) fn new(id: u64, function: Arc<str>, init: oneshot::Sender<InitResult>) -> Env {
        Env {
            id,
            function,
            created: Instant::now(),
            log: LogCapture::new(),
            process: OnceLock::new(),
            state: Mutex::new(EnvState {
                init: Some(init),
                ..EnvState::default()
            }),
            job_ready: Notify::new(),
            idle_set: Notify::new(),
            closed: watch::channel(false).0,
            provisioned: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// Attaches the launched process (kill and peak memory go to it).
    pub(crate) fn set_process(&self, p: Box<dyn EnvProcess>) {
        let _ = self.process.set(p);
    }

    /// Changes to `true` when the process has ended.
    pub(crate) fn closed(&self) -> watch::Receiver<bool> {
        self.closed.subscribe()
    }

    /// Waits until the process has ended (at once if it has).
    pub(crate) async fn wait_closed(&self) {
        let mut rx = self.closed();
        let _ = rx.wait_for(|c| *c).await;
    }

    pub(crate) fn state(&self) -> MutexGuard<'_, EnvState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Hands an event to the runtime (its pending or next `/next`). Gives the job back when
    /// the environment is dead or being killed.
    #[allow(clippy::result_large_err)]
    pub(crate) fn submit(&self, job: Job) -> Result<(), Job> {
        {
            let mut st = self.state();
            if st.death.is_some() || st.retiring.is_some() {
                return Err(job);
            }
            st.pending = Some(job);
        }
        self.job_ready.notify_one();
        Ok(())
    }

    /// Kills the environment's processes. The launcher's exit watcher then reports the death.
    pub(crate) fn kill(&self, why: Retire) {
        self.state().retiring.get_or_insert(why);
        if let Some(p) = self.process.get() {
            p.kill();
        }
    }

    /// Peak memory of the environment so far, MB (the process's own measure, or the last one
    /// taken when it ended).
    pub(crate) fn peak_mb(&self) -> u64 {
        let live = self.process.get().and_then(|p| p.peak_bytes());
        let last = self.state().final_peak_bytes;
        let bytes = live.into_iter().chain(last).max().unwrap_or(0);
        bytes.div_ceil(1 << 20)
    }

    /// Records the end of the process: sets `death`, fails the init or the invocation in
    /// progress (their receivers then read `death`), and closes the Runtime API.
    pub(crate) fn mark_dead(&self, death: Death, peak: Option<u64>) {
        let mut st = self.state();
        let death = match st.retiring {
            Some(r) => Death::Retired(r),
            None => death,
        };
        st.death = Some(death);
        st.final_peak_bytes = peak;
        st.pending = None;
        st.current = None;
        st.init = None;
        drop(st);
        let _ = self.closed.send(true);
    }

    /// `GET /next`: reports the end of init (on the first call), then waits for an event and
    /// makes it the invocation in progress. `None` when the environment ends first.
    pub(crate) async fn next(&self) -> Option<Event> {
        {
            let mut st = self.state();
            if let Some(tx) = st.init.take() {
                let _ = tx.send(InitResult::Ready(Instant::now()));
            }
        }
        let mut closed = self.closed();
        let job = loop {
            let notified = self.job_ready.notified();
            {
                let mut st = self.state();
                if st.death.is_some() {
                    return None;
                }
                if let Some(job) = st.pending.take() {
                    break job;
                }
            }
            tokio::select! {
                _ = notified => {}
                _ = closed.wait_for(|c| *c) => return None,
            }
        };
        self.state().current = Some(Current {
            request_id: job.event.request_id.clone(),
            handed: Instant::now(),
            result: job.result,
            chunks: job.chunks,
        });
        Some(job.event)
    }

    /// Takes the invocation `id` if it is the one in progress (the runtime is answering it).
    pub(crate) fn take_current(&self, id: &str) -> Result<Current, AnswerRefused> {
        let mut st = self.state();
        if st.current.as_ref().is_some_and(|c| c.request_id == id) {
            st.last_responded = Some(id.to_string());
            return Ok(st.current.take().expect("checked above"));
        }
        if st.last_responded.as_deref() == Some(id) {
            return Err(AnswerRefused::AlreadyAnswered);
        }
        Err(AnswerRefused::UnknownId)
    }

    /// `POST /init/error`. `false` when init is over (AWS: 403 `InvalidStateTransition`).
    pub(crate) fn init_error(&self, error_type: String, body: Bytes) -> bool {
        let Some(tx) = self.state().init.take() else {
            return false;
        };
        let _ = tx.send(InitResult::Failed { error_type, body });
        true
    }
}

/// What a launcher gets for the environment it starts: its id, and the way to feed its log
/// and report its end. The Runtime API (or a script) talks to the environment through it.
pub struct EnvPort {
    pub(crate) env: Arc<Env>,
    pub(crate) sink: Arc<Sink>,
}

impl EnvPort {
    /// Id of the environment (unique within a runtime).
    pub fn id(&self) -> u64 {
        self.env.id
    }

    /// One line the process wrote (without its newline): to the runtime's log and the
    /// current invocation's log.
    pub fn log_line(&self, line: &[u8]) {
        log_line(&self.sink, &self.env, line);
    }

    /// Registers the log reader's catch-up channel: each request is answered once every
    /// line written so far has been passed to [`EnvPort::log_line`].
    pub(crate) fn set_log_flush(&self, tx: mpsc::UnboundedSender<oneshot::Sender<()>>) {
        let _ = self.env.log.flush.set(tx);
    }

    /// Reports that the process ended, how, and its final peak memory (bytes).
    pub fn exited(&self, how: ProcessExit, peak_bytes: Option<u64>) {
        let death = match how {
            ProcessExit::OutOfMemory => Death::OutOfMemory,
            ProcessExit::Exited(s) => Death::Exited(s),
        };
        self.env.mark_dead(death, peak_bytes);
    }

    /// Whether the process has been reported ended.
    pub fn is_closed(&self) -> bool {
        *self.env.closed.borrow()
    }
}

pub(crate) fn log_line(sink: &Sink, env: &Env, line: &[u8]) {
    sink.line_for(&env.function, line);
    env.log.append(line);
}

/// Milliseconds since the Unix epoch.
pub(crate) fn epoch_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}
