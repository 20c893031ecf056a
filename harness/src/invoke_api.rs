//! The Lambda Invoke API (`POST /2015-03-31/functions/{FunctionName}/invocations`), as boto3,
//! the AWS CLI (`--endpoint-url`) and curl call it.
//!
//! The harness has one version of each function, `$LATEST`: that qualifier (`name:$LATEST`,
//! `?Qualifier=$LATEST`) is accepted, any other is a 404, as a version or alias that does not
//! exist is on AWS.
//!
//! The front is an HTTP shell over the public [`Runtime`] handle: it parses requests, calls
//! [`Runtime::invoke_with`], [`Runtime::invoke_event_with`] or [`Runtime::check_function`] and
//! writes AWS's response shapes. The runtime knows nothing of HTTP.
//!
//! ```no_run
//! # async fn demo(functions: Vec<lamsim_sim::model::Function>) -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use lamsim_harness::{InvokeApi, Runtime, RuntimeOptions};
//! let rt = Arc::new(Runtime::start(functions, RuntimeOptions::default()).await?);
//! let api = InvokeApi::bind(rt.clone(), "127.0.0.1:9001".parse()?).await?;
//! println!("Invoke API on http://{}", api.local_addr());
//! api.stop();
//! rt.shutdown().await;
//! # Ok(()) }
//! ```

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use base64::Engine;
use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;

use crate::error::{HarnessError, InvokeError};
use crate::runtime::{InvokeOptions, MAX_ASYNC_PAYLOAD, MAX_SYNC_PAYLOAD, Runtime};
use crate::{event_stream, ids};

/// How long a client may take to send a request's headers. Default 10 s.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a client may take to send a request's body once its headers are in. Default 30 s
/// (6 MB at 200 KB/s).
pub const BODY_TIMEOUT: Duration = Duration::from_secs(30);
/// Longest pause of the accept loop after a failed accept (e.g. out of file descriptors):
/// pauses double from 5 ms up to this. Default 1 s.
pub const MAX_ACCEPT_BACKOFF: Duration = Duration::from_secs(1);

/// Limits on clients of the Invoke API. [`InvokeApiOptions::default`] uses
/// [`HEADER_TIMEOUT`] and [`BODY_TIMEOUT`].
#[derive(Clone, Copy, Debug)]
pub struct InvokeApiOptions {
    /// A connection that has not sent a request's headers within this is closed.
    pub header_timeout: Duration,
    /// A request whose body is not in within this is answered 408 and its connection closed.
    pub body_timeout: Duration,
}

impl Default for InvokeApiOptions {
    fn default() -> Self {
        InvokeApiOptions {
            header_timeout: HEADER_TIMEOUT,
            body_timeout: BODY_TIMEOUT,
        }
    }
}

/// The Lambda Invoke API served for a [`Runtime`]. Dropping it (or [`InvokeApi::stop`])
/// stops accepting connections.
pub struct InvokeApi {
    addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
    accept_errors: Arc<AtomicU64>,
}

impl InvokeApi {
    /// Listens on `addr` (port 0 picks a free port, see [`InvokeApi::local_addr`]) and serves
    /// `runtime`'s functions, with the default [`InvokeApiOptions`].
    pub async fn bind(runtime: Arc<Runtime>, addr: SocketAddr) -> Result<InvokeApi, HarnessError> {
        InvokeApi::bind_with(runtime, addr, InvokeApiOptions::default()).await
    }

    /// [`InvokeApi::bind`] with `opts`.
    pub async fn bind_with(
        runtime: Arc<Runtime>,
        addr: SocketAddr,
        opts: InvokeApiOptions,
    ) -> Result<InvokeApi, HarnessError> {
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| HarnessError::Listen {
                addr: addr.to_string(),
                source,
            })?;
        let bound = listener.local_addr().unwrap_or(addr);
        if let Some(w) = exposure_warning(bound) {
            eprintln!("{w}");
        }
        let accept_errors = Arc::new(AtomicU64::new(0));
        let task = tokio::spawn(serve(runtime, listener, opts, accept_errors.clone()));
        Ok(InvokeApi {
            addr: bound,
            task,
            accept_errors,
        })
    }

    /// How many accepts have failed so far (each followed by a pause, see
    /// [`MAX_ACCEPT_BACKOFF`]).
    pub fn accept_errors(&self) -> u64 {
        self.accept_errors.load(Ordering::Relaxed)
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting connections.
    pub fn stop(&self) {
        self.task.abort();
    }
}

impl Drop for InvokeApi {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The warning for an Invoke API that listens beyond this machine; `None` on a loopback
/// address. The API has no authentication: whoever reaches it runs the handlers.
pub fn exposure_warning(addr: SocketAddr) -> Option<String> {
    (!addr.ip().is_loopback()).then(|| {
        format!(
            "warning: the Invoke API listens on {addr}, not on a loopback address: it has no \
             authentication, so anyone who can reach this address can run the workload's \
             handlers (with their `env`) and read their responses and logs; listen on \
             127.0.0.1 unless that is what you want"
        )
    })
}

/// Accepts connections until the task is aborted. A failed accept (at the file-descriptor
/// limit it fails at once, again and again, while connections wait) pauses the loop, 5 ms
/// doubling up to [`MAX_ACCEPT_BACKOFF`], instead of spinning.
async fn serve(
    rt: Arc<Runtime>,
    listener: TcpListener,
    opts: InvokeApiOptions,
    accept_errors: Arc<AtomicU64>,
) {
    let mut backoff = Duration::ZERO;
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => {
                backoff = Duration::ZERO;
                stream
            }
            Err(_) => {
                accept_errors.fetch_add(1, Ordering::Relaxed);
                backoff = (backoff * 2).clamp(Duration::from_millis(5), MAX_ACCEPT_BACKOFF);
                tokio::time::sleep(backoff).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let rt = rt.clone();
        tokio::spawn(async move {
            let svc = hyper::service::service_fn(move |req| {
                let rt = rt.clone();
                async move { Ok::<_, Infallible>(route(rt, req, opts.body_timeout).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(opts.header_timeout)
                .writev(false)
                .serve_connection(TokioIo::new(stream), svc)
                .await;
        });
    }
}

/// An error response as AWS sends it: status, `X-Amzn-ErrorType`, JSON body.
fn error_response(e: &InvokeError, request_id: &str) -> Response<Full<Bytes>> {
    Response::builder()
        .status(e.status())
        .header("Content-Type", "application/json")
        .header("X-Amzn-ErrorType", e.error_type())
        .header("x-amzn-RequestId", request_id)
        .body(Full::new(Bytes::from(e.body().to_string())))
        .expect("static response parts are valid")
}

fn plain_error(status: StatusCode, error_type: &str, message: &str) -> Response<Full<Bytes>> {
    // AWS gives every response a request id, refusals included.
    Response::builder()
        .status(status)
        .header("Content-Type", "application/json")
        .header("x-amzn-RequestId", ids::request_id())
        .header("X-Amzn-ErrorType", error_type)
        .body(Full::new(Bytes::from(
            serde_json::json!({"Type": "User", "message": message}).to_string(),
        )))
        .expect("static response parts are valid")
}

/// Decodes `%XX` escapes (boto3 escapes the `:` of ARNs and qualifiers).
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Ok(v) =
                u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or(""), 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn query_param<'a>(query: Option<&'a str>, key: &str) -> Option<&'a str> {
    query?.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == key).then_some(v)
    })
}

/// Path of InvokeWithResponseStream: `/2021-11-15/functions/{name}/response-streaming-invocations`.
const STREAM_PREFIX: &str = "/2021-11-15/functions/";
const STREAM_SUFFIX: &str = "/response-streaming-invocations";

/// Sends each request to its operation: Invoke or InvokeWithResponseStream.
async fn route(
    rt: Arc<Runtime>,
    req: Request<Incoming>,
    body_timeout: Duration,
) -> Response<BoxBody<Bytes, Infallible>> {
    let path = req.uri().path();
    if path.starts_with(STREAM_PREFIX) && path.ends_with(STREAM_SUFFIX) {
        return handle_stream(rt, req, body_timeout).await;
    }
    handle(&rt, req, body_timeout).await.map(BodyExt::boxed)
}

/// The function a request names: the path's `{FunctionName}` (percent-decoded) with the
/// `Qualifier` query parameter appended when the name has none. A name carries a qualifier
/// in its last part in each of AWS's forms: `name:q`, the partial ARN `account:function:name:q`
/// and the ARN `arn:aws:lambda:region:account:function:name:q`. When the name has one and the
/// parameter another, AWS refuses the request (400 `InvalidParameterValueException`), and so
/// does this: the error is its message.
fn function_name(raw: &str, query: Option<&str>) -> Result<String, String> {
    let name = percent_decode(raw);
    let parts = name.split(':').count();
    // How many `:`-separated parts a name of this form has without a qualifier.
    let bare = if name.starts_with("arn:") {
        7
    } else if name.split(':').nth(1) == Some("function") {
        3
    } else {
        1
    };
    let Some(q) = query_param(query, "Qualifier").map(percent_decode) else {
        return Ok(name);
    };
    if parts == bare {
        return Ok(format!("{name}:{q}"));
    }
    match name.rsplit(':').next() {
        Some(own) if parts == bare + 1 && own != q => Err(format!(
            "The derived qualifier from the function name ({own}) does not match the specified qualifier ({q})."
        )),
        _ => Ok(name),
    }
}

/// The headers Invoke and InvokeWithResponseStream read.
struct InvokeHeaders {
    /// `X-Amz-Invocation-Type` (default `RequestResponse`).
    invocation_type: String,
    /// `X-Amz-Log-Type: Tail`.
    tail: bool,
    /// `X-Amz-Client-Context`, as sent.
    client_context: Option<String>,
}

fn invoke_headers(req: &Request<Incoming>) -> InvokeHeaders {
    let h = |k: &str| {
        req.headers()
            .get(k)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    InvokeHeaders {
        invocation_type: h("X-Amz-Invocation-Type")
            .unwrap_or_else(|| "RequestResponse".to_string()),
        tail: h("X-Amz-Log-Type").is_some_and(|t| t.eq_ignore_ascii_case("Tail")),
        client_context: h("X-Amz-Client-Context"),
    }
}

/// An Invoke or InvokeWithResponseStream request, read.
struct Read {
    /// The function it names (see [`function_name`]).
    name: String,
    headers: InvokeHeaders,
    /// A new request id.
    request_id: String,
    body: Bytes,
}

/// Reads a request of `operation` whose path names `raw` as the function: a POST, its
/// headers and its body (see [`read_body`]); the error response otherwise.
async fn read_request(
    req: Request<Incoming>,
    raw: &str,
    operation: &str,
    body_timeout: Duration,
) -> Result<Read, Response<Full<Bytes>>> {
    if let Some(r) = not_post(&req, operation) {
        return Err(r);
    }
    let name = function_name(raw, req.uri().query()).map_err(|m| {
        plain_error(
            StatusCode::BAD_REQUEST,
            "InvalidParameterValueException",
            &m,
        )
    })?;
    let headers = invoke_headers(&req);
    let request_id = ids::request_id();
    let body = read_body(
        req.into_body(),
        body_timeout,
        &headers.invocation_type,
        &request_id,
    )
    .await?;
    Ok(Read {
        name,
        headers,
        request_id,
        body,
    })
}

/// The 405 answer to a request that is not a POST.
fn not_post(req: &Request<Incoming>, operation: &str) -> Option<Response<Full<Bytes>>> {
    (req.method() != hyper::Method::POST).then(|| {
        plain_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "UnknownOperationException",
            &format!("{operation} takes POST"),
        )
    })
}

/// Reads a request's body within `body_timeout` (408 otherwise), refusing one larger than
/// the sync limit (or the async one for `Event`) as AWS does.
async fn read_body(
    body: Incoming,
    body_timeout: Duration,
    invocation_type: &str,
    request_id: &str,
) -> Result<Bytes, Response<Full<Bytes>>> {
    // Read at most one byte past the sync limit: larger requests are refused either way.
    let body = Limited::new(body, MAX_SYNC_PAYLOAD + 1).collect();
    match tokio::time::timeout(body_timeout, body).await {
        Ok(Ok(b)) => Ok(b.to_bytes()),
        Err(_) => {
            let mut r = plain_error(
                StatusCode::REQUEST_TIMEOUT,
                "RequestTimeoutException",
                &format!(
                    "the request body was not received within {} s",
                    body_timeout.as_secs_f64()
                ),
            );
            r.headers_mut().insert(
                hyper::header::CONNECTION,
                hyper::header::HeaderValue::from_static("close"),
            );
            Err(r)
        }
        // A body that ends early or is badly framed is a bad request, not a large one.
        Ok(Err(e)) if !e.is::<http_body_util::LengthLimitError>() => Err(plain_error(
            StatusCode::BAD_REQUEST,
            "InvalidRequestContentException",
            &format!("the request body could not be read: {e}"),
        )),
        Ok(Err(_)) => {
            let (limit, operation) = if invocation_type == "Event" {
                (MAX_ASYNC_PAYLOAD, "InvokeAsync")
            } else {
                (MAX_SYNC_PAYLOAD, "InvokeFunction")
            };
            Err(error_response(
                &InvokeError::PayloadTooLarge { limit, operation },
                request_id,
            ))
        }
    }
}

/// An HTTP body fed by a channel (the frames of an event stream as they are made).
struct ChannelBody(tokio::sync::mpsc::Receiver<Bytes>);

impl hyper::body::Body for ChannelBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Bytes>, Infallible>>> {
        self.0
            .poll_recv(cx)
            .map(|b| b.map(|b| Ok(hyper::body::Frame::data(b))))
    }
}

/// InvokeWithResponseStream (`POST /2021-11-15/functions/{name}/response-streaming-invocations`):
/// the response's bytes go to the client as `PayloadChunk` events while the function sends
/// them, then `InvokeComplete` (see [`crate::event_stream`]). A refusal before the function
/// ran (unknown function, throttle, payload too large) is an ordinary error response, as on
/// AWS; once the stream has started, a function error is reported in `InvokeComplete`.
async fn handle_stream(
    rt: Arc<Runtime>,
    req: Request<Incoming>,
    body_timeout: Duration,
) -> Response<BoxBody<Bytes, Infallible>> {
    let client_start = Instant::now();
    let path = req.uri().path();
    let raw = path[STREAM_PREFIX.len()..path.len() - STREAM_SUFFIX.len()].to_string();
    let Read {
        name,
        headers:
            InvokeHeaders {
                invocation_type,
                tail,
                client_context,
            },
        request_id,
        body,
    } = match read_request(req, &raw, "InvokeWithResponseStream", body_timeout).await {
        Ok(r) => r,
        Err(r) => return r.map(BodyExt::boxed),
    };
    match invocation_type.as_str() {
        "RequestResponse" => {}
        "DryRun" => {
            let r = match rt.check_function(&name) {
                Ok(_) => Response::builder()
                    .status(StatusCode::NO_CONTENT)
                    .header("x-amzn-RequestId", &request_id)
                    .body(Full::new(Bytes::new()))
                    .expect("static response parts are valid"),
                Err(e) => error_response(&e, &request_id),
            };
            return r.map(BodyExt::boxed);
        }
        other => {
            return plain_error(
                StatusCode::BAD_REQUEST,
                "InvalidParameterValueException",
                &format!("X-Amz-Invocation-Type `{other}` is not one of RequestResponse, DryRun"),
            )
            .map(BodyExt::boxed);
        }
    }
    let (tx, mut chunks) = tokio::sync::mpsc::unbounded_channel();
    let opts = InvokeOptions {
        tail,
        client_context,
        received: Some(client_start),
        chunks: Some(tx),
        request_id: Some(request_id.clone()),
        ..InvokeOptions::default()
    };
    let runtime = rt.clone();
    let mut invocation = tokio::spawn(async move { runtime.invoke_with(&name, body, &opts).await });
    // Headers wait for the first byte or the end: a refusal is still an error response then.
    let first = tokio::select! {
        biased;
        Some(c) = chunks.recv() => Some(c),
        done = &mut invocation => match done {
            Ok(Err(e)) => return error_response(&e, &request_id).map(BodyExt::boxed),
            Ok(Ok(inv)) => {
                let (frames, rx) = tokio::sync::mpsc::channel(16);
                tokio::spawn(finish_stream(frames, chunks, Ok(inv)));
                return stream_response(&request_id, rx);
            }
            Err(_) => return error_response(&InvokeError::ShuttingDown, &request_id).map(BodyExt::boxed),
        },
    };
    let (frames, rx) = tokio::sync::mpsc::channel(16);
    tokio::spawn(async move {
        if let Some(c) = first
            && frames.send(event_stream::payload_chunk(&c)).await.is_err()
        {
            return; // the client went away; the invocation runs on in its own task
        }
        loop {
            tokio::select! {
                biased;
                Some(c) = chunks.recv() => {
                    if frames.send(event_stream::payload_chunk(&c)).await.is_err() {
                        return;
                    }
                }
                done = &mut invocation => {
                    let done = done.map_err(|_| ()).and_then(|r| r.map_err(|_| ()));
                    finish_stream(frames, chunks, done).await;
                    return;
                }
            }
        }
    });
    stream_response(&request_id, rx)
}

/// The 200 answer of a stream whose frames come from `rx`.
fn stream_response(
    request_id: &str,
    rx: tokio::sync::mpsc::Receiver<Bytes>,
) -> Response<BoxBody<Bytes, Infallible>> {
    Response::builder()
        .status(StatusCode::OK)
        .header("Content-Type", "application/vnd.amazon.eventstream")
        .header("X-Amz-Executed-Version", "$LATEST")
        .header("x-amzn-RequestId", request_id)
        .body(ChannelBody(rx).boxed())
        .expect("static response parts are valid")
}

/// Sends the chunks still queued (the runtime queues every chunk before the invocation
/// ends), then `InvokeComplete`: the function's error type and error document when it
/// failed, the log tail when asked for.
async fn finish_stream(
    frames: tokio::sync::mpsc::Sender<Bytes>,
    mut chunks: tokio::sync::mpsc::UnboundedReceiver<Bytes>,
    done: Result<crate::runtime::Invocation, ()>,
) {
    while let Ok(c) = chunks.try_recv() {
        if frames.send(event_stream::payload_chunk(&c)).await.is_err() {
            return;
        }
    }
    let complete = match done {
        Ok(inv) => {
            let error = inv.function_error.map(|_| {
                (
                    inv.record
                        .error_type
                        .clone()
                        .unwrap_or_else(|| "Unhandled".to_string()),
                    String::from_utf8_lossy(&inv.payload).into_owned(),
                )
            });
            let log = inv
                .log_tail
                .as_ref()
                .map(|t| base64::engine::general_purpose::STANDARD.encode(t));
            event_stream::invoke_complete(
                error.as_ref().map(|e| e.0.as_str()),
                error.as_ref().map(|e| e.1.as_str()),
                log.as_deref(),
            )
        }
        Err(()) => event_stream::invoke_complete(
            Some("ServiceException"),
            Some("the invocation was stopped (lamsim serve is shutting down)"),
            None,
        ),
    };
    let _ = frames.send(complete).await;
}

async fn handle(
    rt: &Runtime,
    req: Request<Incoming>,
    body_timeout: Duration,
) -> Response<Full<Bytes>> {
    let client_start = Instant::now();
    let path = req.uri().path();
    let Some(raw) = path
        .strip_prefix("/2015-03-31/functions/")
        .and_then(|r| r.strip_suffix("/invocations"))
    else {
        return plain_error(
            StatusCode::NOT_FOUND,
            "UnknownOperationException",
            "lamsim serve implements Invoke (POST /2015-03-31/functions/{name}/invocations) and InvokeWithResponseStream (POST /2021-11-15/functions/{name}/response-streaming-invocations)",
        );
    };
    let raw = raw.to_string();
    let Read {
        name,
        headers:
            InvokeHeaders {
                invocation_type,
                tail,
                client_context,
            },
        request_id,
        body,
    } = match read_request(req, &raw, "Invoke", body_timeout).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    match invocation_type.as_str() {
        "DryRun" => match rt.check_function(&name) {
            Ok(_) => Response::builder()
                .status(StatusCode::NO_CONTENT)
                .header("x-amzn-RequestId", &request_id)
                .body(Full::new(Bytes::new()))
                .expect("static response parts are valid"),
            Err(e) => error_response(&e, &request_id),
        },
        "Event" => match rt.invoke_event_with(
            &name,
            body,
            &InvokeOptions {
                received: Some(client_start),
                ..InvokeOptions::default()
            },
        ) {
            Ok(id) => Response::builder()
                .status(StatusCode::ACCEPTED)
                .header("x-amzn-RequestId", &id)
                .body(Full::new(Bytes::new()))
                .expect("static response parts are valid"),
            Err(e) => error_response(&e, &request_id),
        },
        "RequestResponse" => {
            let opts = InvokeOptions {
                tail,
                client_context,
                received: Some(client_start),
                ..InvokeOptions::default()
            };
            match rt.invoke_with(&name, body, &opts).await {
                Ok(inv) => {
                    let mut b = Response::builder()
                        .status(StatusCode::OK)
                        .header("Content-Type", "application/json")
                        .header("X-Amz-Executed-Version", "$LATEST")
                        .header("x-amzn-RequestId", &inv.record.request_id);
                    if let Some(fe) = inv.function_error {
                        b = b.header("X-Amz-Function-Error", fe);
                    }
                    if let Some(tail) = &inv.log_tail {
                        b = b.header(
                            "X-Amz-Log-Result",
                            base64::engine::general_purpose::STANDARD.encode(tail),
                        );
                    }
                    b.body(Full::new(inv.payload))
                        .expect("static response parts are valid")
                }
                Err(e) => error_response(&e, &request_id),
            }
        }
        other => plain_error(
            StatusCode::BAD_REQUEST,
            "InvalidParameterValueException",
            &format!(
                "X-Amz-Invocation-Type `{other}` is not one of RequestResponse, Event, DryRun"
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("hello%3Alive"), "hello:live");
        assert_eq!(percent_decode("a%24LATEST"), "a$LATEST");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
    }

    #[test]
    fn only_non_loopback_addresses_are_warned_about() {
        for quiet in ["127.0.0.1:9001", "[::1]:9001", "127.0.0.2:1"] {
            assert_eq!(exposure_warning(quiet.parse().unwrap()), None, "{quiet}");
        }
        for loud in ["0.0.0.0:9001", "[::]:9001", "192.168.1.5:9001"] {
            let w = exposure_warning(loud.parse().unwrap()).expect(loud);
            assert!(w.contains("no authentication"), "{w}");
        }
    }

    #[test]
    fn query_params() {
        assert_eq!(
            query_param(Some("Qualifier=live&x=1"), "Qualifier"),
            Some("live")
        );
        assert_eq!(query_param(Some("x=1"), "Qualifier"), None);
        assert_eq!(query_param(None, "Qualifier"), None);
    }
}
