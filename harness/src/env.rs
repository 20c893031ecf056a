//! One execution environment: a runtime process, its Runtime API (2018-06-01) listener, its
//! cgroup and its log capture.
//!
//! Each environment has its own Runtime API listener on an ephemeral loopback port
//! (`AWS_LAMBDA_RUNTIME_API=127.0.0.1:<port>`): the Runtime API paths carry no environment
//! identity, so a listener per environment is the simplest exact routing, and a bind costs
//! microseconds. Sockets use `TCP_NODELAY` and every response is written in one piece
//! (libcurl-based runtimes such as `awslambdaric` otherwise stall on delayed ACKs).

use std::convert::Infallible;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use base64::Engine;
use bytes::{Bytes, BytesMut};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;
use tokio::sync::{Notify, mpsc, oneshot, watch};

use crate::cgroup::EnvCgroup;
use crate::record::Sink;

/// Largest buffered response a runtime may post (AWS: 6 MB).
pub const MAX_RESPONSE_BYTES: usize = 6 * 1024 * 1024;
/// Largest streamed response (AWS: 20 MB soft limit).
pub const MAX_STREAM_BYTES: usize = 20 * 1024 * 1024;
/// Size of the log tail returned with `X-Amz-Log-Type: Tail` (AWS: the last 4 KB).
pub const LOG_TAIL_BYTES: usize = 4096;

/// An event waiting to be handed to the runtime.
pub(crate) struct Job {
    pub request_id: String,
    pub payload: Bytes,
    pub deadline_ms: u64,
    pub function_arn: String,
    pub trace_id: String,
    pub client_context: Option<String>,
    pub result: oneshot::Sender<Outcome>,
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

struct Current {
    request_id: String,
    handed: Instant,
    result: oneshot::Sender<Outcome>,
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
    /// A capture with no process behind it (an environment that never started).
    pub(crate) fn detached(start_line: &str) -> LogCapture {
        let l = LogCapture {
            current: Mutex::new(Vec::new()),
            flush: OnceLock::new(),
        };
        l.start(start_line);
        l
    }

    fn append(&self, line: &[u8]) {
        let mut c = self.current.lock().unwrap_or_else(|p| p.into_inner());
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

/// One execution environment.
pub(crate) struct Env {
    pub id: u64,
    pub created: Instant,
    pub cgroup: Option<EnvCgroup>,
    pub pid: OnceLock<u32>,
    pub log: LogCapture,
    state: Mutex<EnvState>,
    job_ready: Notify,
    /// Wakes the reaper when the environment goes idle.
    pub idle_set: Notify,
    hwm: Mutex<Option<(Instant, u64)>>,
    closed: watch::Sender<bool>,
}

impl Env {
    pub(crate) fn new(
        id: u64,
        cgroup: Option<EnvCgroup>,
        init: oneshot::Sender<InitResult>,
    ) -> Env {
        Env {
            id,
            created: Instant::now(),
            cgroup,
            pid: OnceLock::new(),
            log: LogCapture {
                current: Mutex::new(Vec::new()),
                flush: OnceLock::new(),
            },
            state: Mutex::new(EnvState {
                init: Some(init),
                ..EnvState::default()
            }),
            job_ready: Notify::new(),
            idle_set: Notify::new(),
            hwm: Mutex::new(None),
            closed: watch::channel(false).0,
        }
    }

    /// Changes to `true` when the process has ended.
    pub(crate) fn closed(&self) -> watch::Receiver<bool> {
        self.closed.subscribe()
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

    /// Kills the environment's processes (the process group and everything in its cgroup).
    /// The exit watcher then cleans up.
    pub(crate) fn kill(&self, why: Retire) {
        self.state().retiring.get_or_insert(why);
        self.kill_processes();
    }

    pub(crate) fn kill_processes(&self) {
        if let Some(&pid) = self.pid.get() {
            let _ = nix::sys::signal::killpg(
                nix::unistd::Pid::from_raw(pid as i32),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
        if let Some(cg) = &self.cgroup {
            cg.kill_all();
        }
    }

    /// Peak memory of the environment so far, MB: the larger of the cgroup's peak (every
    /// process of the environment, charged from the move into the cgroup on) and the runtime
    /// process's resident high-water mark (`VmHWM`, which also counts the pages mapped at exec,
    /// such as the interpreter's own).
    pub(crate) fn peak_mb(&self) -> u64 {
        let cgroup = self.cgroup.as_ref().and_then(EnvCgroup::peak_bytes);
        let hwm = self.vm_hwm(cgroup.is_some());
        let last = self.state().final_peak_bytes;
        let bytes = cgroup.into_iter().chain(hwm).chain(last).max().unwrap_or(0);
        bytes.div_ceil(1 << 20)
    }

    /// The runtime process's `VmHWM`. With a cgroup (which sees every allocation after the
    /// move) it only adds the pages mapped at exec, so it is re-read at most once a second:
    /// `/proc/<pid>/status` costs more than the rest of the bookkeeping of an invocation.
    fn vm_hwm(&self, cached_ok: bool) -> Option<u64> {
        let pid = *self.pid.get()?;
        let mut cache = self.hwm.lock().unwrap_or_else(|p| p.into_inner());
        if let (true, Some((at, v))) = (cached_ok, *cache) {
            if at.elapsed() < std::time::Duration::from_secs(1) {
                return Some(v);
            }
        }
        let v = vm_hwm_bytes(pid)?;
        *cache = Some((Instant::now(), v));
        Some(v)
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
}

/// `VmHWM` of a process, bytes.
fn vm_hwm_bytes(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Reads the runtime's merged stdout/stderr, line by line, into the sink and the current
/// invocation's log. Answers catch-up requests only after reading everything already
/// readable, so `END` follows the handler's own lines.
pub(crate) fn spawn_log_reader(
    env: &Arc<Env>,
    pipe: tokio::net::unix::pipe::Receiver,
    sink: Arc<Sink>,
) {
    let (tx, mut flush_rx) = mpsc::unbounded_channel::<oneshot::Sender<()>>();
    let _ = env.log.flush.set(tx);
    let env = Arc::downgrade(env);
    tokio::spawn(async move {
        let mut pipe = pipe;
        let mut buf = vec![0u8; 16 * 1024];
        let mut partial: Vec<u8> = Vec::new();
        let emit = |line: &[u8]| {
            sink.line(line);
            if let Some(env) = env.upgrade() {
                env.log.append(line);
            }
        };
        loop {
            tokio::select! {
                biased;
                n = pipe.read(&mut buf) => match n {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        partial.extend_from_slice(&buf[..n]);
                        let mut start = 0;
                        while let Some(pos) = partial[start..].iter().position(|&b| b == b'\n') {
                            emit(&partial[start..start + pos]);
                            start += pos + 1;
                        }
                        partial.drain(..start);
                    }
                },
                Some(ack) = flush_rx.recv() => {
                    if !partial.is_empty() {
                        emit(&partial);
                        partial.clear();
                    }
                    let _ = ack.send(());
                }
            }
        }
        if !partial.is_empty() {
            emit(&partial);
        }
    });
}

/// Starts the environment's Runtime API on `listener`.
pub(crate) fn spawn_runtime_api(env: &Arc<Env>, listener: TcpListener) {
    let env = env.clone();
    tokio::spawn(async move {
        let mut closed = env.closed.subscribe();
        loop {
            tokio::select! {
                r = listener.accept() => {
                    let Ok((stream, _)) = r else { continue };
                    let _ = stream.set_nodelay(true);
                    let env = env.clone();
                    tokio::spawn(async move {
                        let svc = hyper::service::service_fn(move |req| {
                            let env = env.clone();
                            async move { Ok::<_, Infallible>(handle(&env, req).await) }
                        });
                        let _ = hyper::server::conn::http1::Builder::new()
                            .writev(false)
                            .serve_connection(TokioIo::new(stream), svc)
                            .await;
                    });
                }
                _ = closed.changed() => break,
            }
        }
    });
}

fn json_response(status: StatusCode, body: serde_json::Value) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header("Content-Type", "application/json")
        .body(Full::new(Bytes::from(body.to_string())))
        .expect("static response parts are valid")
}

fn api_error(status: StatusCode, error_type: &str, message: &str) -> Response<Full<Bytes>> {
    json_response(
        status,
        serde_json::json!({"errorMessage": message, "errorType": error_type}),
    )
}

fn accepted() -> Response<Full<Bytes>> {
    json_response(StatusCode::ACCEPTED, serde_json::json!({"status": "OK"}))
}

const PREFIX: &str = "/2018-06-01/runtime/";

async fn handle(env: &Arc<Env>, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let path = req.uri().path().to_string();
    let Some(rest) = path.strip_prefix(PREFIX) else {
        return api_error(
            StatusCode::NOT_FOUND,
            "NotFound",
            "Unknown Runtime API path",
        );
    };
    match (req.method().as_str(), rest) {
        ("GET", "invocation/next") => next(env).await,
        ("POST", "init/error") => init_error(env, req).await,
        ("POST", r) if r.starts_with("invocation/") => {
            let r = &r["invocation/".len()..];
            if let Some(id) = r.strip_suffix("/response") {
                response(env, id, req).await
            } else if let Some(id) = r.strip_suffix("/error") {
                invocation_error(env, id, req).await
            } else {
                api_error(
                    StatusCode::NOT_FOUND,
                    "NotFound",
                    "Unknown Runtime API path",
                )
            }
        }
        _ => api_error(
            StatusCode::NOT_FOUND,
            "NotFound",
            "Unknown Runtime API path",
        ),
    }
}

async fn next(env: &Arc<Env>) -> Response<Full<Bytes>> {
    {
        let mut st = env.state();
        if let Some(tx) = st.init.take() {
            let _ = tx.send(InitResult::Ready(Instant::now()));
        }
    }
    let mut closed = env.closed.subscribe();
    let job = loop {
        let notified = env.job_ready.notified();
        {
            let mut st = env.state();
            if st.death.is_some() {
                break None;
            }
            if let Some(job) = st.pending.take() {
                break Some(job);
            }
        }
        tokio::select! {
            _ = notified => {}
            _ = closed.changed() => break None,
        }
    };
    let Some(job) = job else {
        return api_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Runtime.Terminated",
            "The execution environment is shutting down",
        );
    };
    let mut b = Response::builder()
        .status(StatusCode::OK)
        .header("Content-Type", "application/json")
        .header("Lambda-Runtime-Aws-Request-Id", &job.request_id)
        .header("Lambda-Runtime-Deadline-Ms", job.deadline_ms.to_string())
        .header("Lambda-Runtime-Invoked-Function-Arn", &job.function_arn)
        .header("Lambda-Runtime-Trace-Id", &job.trace_id);
    if let Some(cc) = &job.client_context {
        b = b.header("Lambda-Runtime-Client-Context", cc);
    }
    let resp = match b.body(Full::new(job.payload.clone())) {
        Ok(r) => r,
        Err(_) => api_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Runtime.Unknown",
            "bad header value",
        ),
    };
    env.state().current = Some(Current {
        request_id: job.request_id,
        handed: Instant::now(),
        result: job.result,
    });
    resp
}

/// Takes the invocation `id` if it is the one in progress; else the AWS error response
/// (400 `InvalidRequestID` for an unknown id, 403 `InvalidStateTransition` for one already
/// answered).
#[allow(clippy::result_large_err)]
fn take_current(env: &Env, id: &str) -> Result<Current, Response<Full<Bytes>>> {
    let mut st = env.state();
    if st.current.as_ref().is_some_and(|c| c.request_id == id) {
        st.last_responded = Some(id.to_string());
        return Ok(st.current.take().expect("checked above"));
    }
    if st.last_responded.as_deref() == Some(id) {
        return Err(api_error(
            StatusCode::FORBIDDEN,
            "InvalidStateTransition",
            "State transition from RuntimeResponseSent to InvocationResponse failed for runtime. Error: State transition is not allowed",
        ));
    }
    Err(api_error(
        StatusCode::BAD_REQUEST,
        "InvalidRequestID",
        "Invalid request ID",
    ))
}

fn header(req: &Request<Incoming>, name: &str) -> Option<String> {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

async fn response(env: &Arc<Env>, id: &str, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let cur = match take_current(env, id) {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    let streaming = header(&req, "Lambda-Runtime-Function-Response-Mode")
        .is_some_and(|m| m.eq_ignore_ascii_case("streaming"));
    let http_prelude = header(&req, "Content-Type").is_some_and(|t| {
        t.eq_ignore_ascii_case("application/vnd.awslambda.http-integration-response")
    });
    let limit = if streaming {
        MAX_STREAM_BYTES
    } else {
        MAX_RESPONSE_BYTES
    };
    let mut body = req.into_body();
    let mut data = BytesMut::new();
    let mut first_byte = None;
    let mut trailers = None;
    let mut size = 0usize;
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else {
            // The runtime went away mid-body; the exit watcher reports the crash.
            return api_error(
                StatusCode::BAD_REQUEST,
                "InvalidRequest",
                "Incomplete response body",
            );
        };
        match frame.into_data() {
            Ok(chunk) => {
                if !chunk.is_empty() && first_byte.is_none() {
                    first_byte = Some(Instant::now());
                }
                size += chunk.len();
                if size <= limit {
                    data.extend_from_slice(&chunk);
                }
            }
            Err(frame) => {
                if let Ok(t) = frame.into_trailers() {
                    trailers = Some(t);
                }
            }
        }
    }
    let done = Instant::now();
    if size > limit {
        let _ = cur.result.send(Outcome::TooLarge {
            size,
            handed: cur.handed,
            done,
        });
        return api_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestEntityTooLarge",
            &format!("Exceeded maximum allowed payload size ({limit} bytes)."),
        );
    }
    let error_type = trailers.as_ref().and_then(|t| {
        t.get("Lambda-Runtime-Function-Error-Type")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    });
    let outcome = match error_type {
        Some(error_type) => {
            let body = trailers
                .as_ref()
                .and_then(|t| t.get("Lambda-Runtime-Function-Error-Body"))
                .and_then(|v| {
                    base64::engine::general_purpose::STANDARD
                        .decode(v.as_bytes())
                        .ok()
                })
                .map(Bytes::from)
                .unwrap_or_else(|| {
                    Bytes::from(
                        serde_json::json!({"errorType": error_type, "errorMessage": ""})
                            .to_string(),
                    )
                });
            Outcome::Error {
                error_type,
                body,
                handed: cur.handed,
                done,
            }
        }
        None => Outcome::Response {
            body: if http_prelude {
                strip_http_prelude(data.freeze())
            } else {
                data.freeze()
            },
            handed: cur.handed,
            first_byte: if streaming { first_byte } else { None },
            done,
        },
    };
    let _ = cur.result.send(outcome);
    accepted()
}

/// Drops the HTTP-integration prelude (JSON status and headers, then 8 NUL bytes) that
/// streaming runtimes put before the body for Function URLs: Invoke returns the body only.
fn strip_http_prelude(body: Bytes) -> Bytes {
    match body.windows(8).position(|w| w == [0u8; 8]) {
        Some(i) if body.first() == Some(&b'{') => body.slice(i + 8..),
        _ => body,
    }
}

/// The error type a runtime reports: the `Lambda-Runtime-Function-Error-Type` header, else
/// `errorType` of the JSON body, else `Unhandled`.
fn error_type_of(header: Option<String>, body: &[u8]) -> String {
    header
        .filter(|h| !h.is_empty())
        .or_else(|| {
            serde_json::from_slice::<serde_json::Value>(body)
                .ok()?
                .get("errorType")?
                .as_str()
                .map(str::to_string)
        })
        .unwrap_or_else(|| "Unhandled".to_string())
}

async fn invocation_error(
    env: &Arc<Env>,
    id: &str,
    req: Request<Incoming>,
) -> Response<Full<Bytes>> {
    let cur = match take_current(env, id) {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    let h = header(&req, "Lambda-Runtime-Function-Error-Type");
    let body = match http_body_util::Limited::new(req.into_body(), MAX_RESPONSE_BYTES)
        .collect()
        .await
    {
        Ok(b) => b.to_bytes(),
        Err(_) => Bytes::new(),
    };
    let done = Instant::now();
    let error_type = error_type_of(h, &body);
    let _ = cur.result.send(Outcome::Error {
        error_type,
        body,
        handed: cur.handed,
        done,
    });
    accepted()
}

async fn init_error(env: &Arc<Env>, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let h = header(&req, "Lambda-Runtime-Function-Error-Type");
    let body = match http_body_util::Limited::new(req.into_body(), MAX_RESPONSE_BYTES)
        .collect()
        .await
    {
        Ok(b) => b.to_bytes(),
        Err(_) => Bytes::new(),
    };
    let Some(tx) = env.state().init.take() else {
        return api_error(
            StatusCode::FORBIDDEN,
            "InvalidStateTransition",
            "State transition from Ready to InitError failed for runtime. Error: State transition is not allowed",
        );
    };
    let error_type = error_type_of(h, &body);
    let _ = tx.send(InitResult::Failed { error_type, body });
    accepted()
}

/// Milliseconds since the Unix epoch.
pub(crate) fn epoch_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_prelude_is_stripped() {
        let mut b = br#"{"statusCode":200}"#.to_vec();
        b.extend_from_slice(&[0; 8]);
        b.extend_from_slice(b"body");
        assert_eq!(strip_http_prelude(Bytes::from(b)), "body");
        assert_eq!(strip_http_prelude(Bytes::from_static(b"plain")), "plain");
    }

    #[test]
    fn error_type_prefers_header_then_body() {
        assert_eq!(error_type_of(Some("Custom".into()), b"{}"), "Custom");
        assert_eq!(
            error_type_of(None, br#"{"errorType":"ValueError","errorMessage":"x"}"#),
            "ValueError"
        );
        assert_eq!(error_type_of(Some(String::new()), b"not json"), "Unhandled");
    }
}
