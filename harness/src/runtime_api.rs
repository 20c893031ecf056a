//! The Runtime API (2018-06-01) over HTTP: how a real runtime process talks to its
//! environment ([`crate::env::Env`]'s state machine).
//!
//! Each environment has its own listener on an ephemeral loopback port
//! (`AWS_LAMBDA_RUNTIME_API=127.0.0.1:<port>`): the Runtime API paths carry no environment
//! identity, so a listener per environment is the simplest exact routing, and a bind costs
//! microseconds. Sockets use `TCP_NODELAY` and every response is written in one piece
//! (libcurl-based runtimes such as `awslambdaric` otherwise stall on delayed ACKs).

use std::convert::Infallible;
use std::sync::Arc;

use base64::Engine;
use bytes::{Bytes, BytesMut};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::time::Instant;

use crate::env::{AnswerRefused, Current, Env, MAX_RESPONSE_BYTES, MAX_STREAM_BYTES, Outcome};

/// Serves the environment's Runtime API on `listener` until the environment ends, to the
/// connections `allowed(peer, local)` accepts (the others are closed at once): any local
/// process can connect to a loopback port, only the environment's own may take its events
/// or answer them.
pub(crate) fn spawn(
    env: &Arc<Env>,
    listener: TcpListener,
    allowed: impl Fn(std::net::SocketAddr, std::net::SocketAddr) -> bool + Send + Sync + 'static,
) {
    let env = env.clone();
    tokio::spawn(async move {
        let mut closed = env.closed();
        let local = listener.local_addr().ok();
        loop {
            tokio::select! {
                r = listener.accept() => {
                    let Ok((stream, peer)) = r else {
                        // Out of descriptors: wait instead of spinning.
                        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                        continue;
                    };
                    if !local.is_some_and(|l| allowed(peer, l)) {
                        drop(stream);
                        continue;
                    }
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
                _ = async { let _ = closed.wait_for(|c| *c).await; } => break,
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
    let Some(event) = env.next().await else {
        return api_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Runtime.Terminated",
            "The execution environment is shutting down",
        );
    };
    let mut b = Response::builder()
        .status(StatusCode::OK)
        .header("Content-Type", "application/json")
        .header("Lambda-Runtime-Aws-Request-Id", &event.request_id)
        .header("Lambda-Runtime-Deadline-Ms", event.deadline_ms.to_string())
        .header("Lambda-Runtime-Invoked-Function-Arn", &event.function_arn)
        .header("Lambda-Runtime-Trace-Id", &event.trace_id);
    if let Some(cc) = &event.client_context {
        b = b.header("Lambda-Runtime-Client-Context", cc);
    }
    match b.body(Full::new(event.payload)) {
        Ok(r) => r,
        Err(_) => api_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Runtime.Unknown",
            "bad header value",
        ),
    }
}

/// Takes the invocation `id` if it is the one in progress; else the AWS error response
/// (400 `InvalidRequestID` for an unknown id, 403 `InvalidStateTransition` for one already
/// answered).
#[allow(clippy::result_large_err)]
fn take_current(env: &Env, id: &str) -> Result<Current, Response<Full<Bytes>>> {
    env.take_current(id).map_err(|why| match why {
        AnswerRefused::AlreadyAnswered => api_error(
            StatusCode::FORBIDDEN,
            "InvalidStateTransition",
            "State transition from RuntimeResponseSent to InvocationResponse failed for runtime. Error: State transition is not allowed",
        ),
        AnswerRefused::UnknownId => api_error(
            StatusCode::BAD_REQUEST,
            "InvalidRequestID",
            "Invalid request ID",
        ),
    })
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
    let mut forward = cur.chunks.clone().map(|tx| Forward {
        tx,
        prelude_open: http_prelude,
    });
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
                    if let Some(f) = &mut forward {
                        f.send(&chunk, &data);
                    }
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

/// Sends a response's bytes on as they arrive, past the HTTP-integration prelude (see
/// [`strip_http_prelude`]) when there is one.
struct Forward {
    tx: tokio::sync::mpsc::UnboundedSender<Bytes>,
    /// The prelude has not ended yet: bytes wait in the response buffer.
    prelude_open: bool,
}

impl Forward {
    /// `chunk` arrived; `data` is the response so far (ending with it).
    fn send(&mut self, chunk: &Bytes, data: &BytesMut) {
        if !self.prelude_open {
            let _ = self.tx.send(chunk.clone());
            return;
        }
        if data.first().is_some_and(|&b| b != b'{') {
            // Not a prelude after all: everything so far goes.
            self.prelude_open = false;
            let _ = self.tx.send(Bytes::copy_from_slice(data));
            return;
        }
        if let Some(n) = prelude_len(data) {
            self.prelude_open = false;
            if data.len() > n {
                let _ = self.tx.send(Bytes::copy_from_slice(&data[n..]));
            }
        }
    }
}

/// Drops the HTTP-integration prelude (JSON status and headers, then 8 NUL bytes) that
/// streaming runtimes put before the body for Function URLs: Invoke returns the body only.
fn strip_http_prelude(body: Bytes) -> Bytes {
    match prelude_len(&body) {
        Some(n) => body.slice(n..),
        None => body,
    }
}

/// Length of the HTTP-integration prelude at the start of `body` (its JSON and the 8 NUL
/// bytes after it), when `body` starts with one.
fn prelude_len(body: &[u8]) -> Option<usize> {
    if body.first() != Some(&b'{') {
        return None;
    }
    body.windows(8).position(|w| w == [0u8; 8]).map(|i| i + 8)
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
    let error_type = error_type_of(h, &body);
    if !env.init_error(error_type, body) {
        return api_error(
            StatusCode::FORBIDDEN,
            "InvalidStateTransition",
            "State transition from Ready to InitError failed for runtime. Error: State transition is not allowed",
        );
    }
    accepted()
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
