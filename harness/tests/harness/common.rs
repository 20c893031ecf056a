//! Shared helpers: hand-built functions, the bundled handler binaries, a small HTTP client.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::rt::TokioIo;
use lamsim_harness::{InvokeApi, Runtime, RuntimeOptions};
use lamsim_sim::model::{Dist, DurationModel, Function, Handler};
use lamsim_sim::time::SimTime;

/// `target/debug`, where `cargo build -p lamsim-handlers` puts the handlers.
fn target_dir() -> PathBuf {
    if let Some(t) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(t).join("debug");
    }
    // …/target/debug/deps/harness-<hash>
    let exe = std::env::current_exe().expect("test binary path");
    exe.parent()
        .and_then(|p| p.parent())
        .expect("target/debug")
        .to_path_buf()
}

/// Path of a bundled handler binary, built once per test run.
pub fn handler_bin(name: &str) -> PathBuf {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
        let status = std::process::Command::new(cargo)
            .args(["build", "-q", "-p", "lamsim-handlers", "--bins"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .expect("cargo build of the bundled handlers");
        assert!(status.success(), "building lamsim-handlers failed");
    });
    let p = target_dir().join(format!("lamsim-handler-{name}"));
    assert!(p.is_file(), "{} missing", p.display());
    p
}

/// Held by tests whose timings suffer from CPU-hungry neighbours in the same test binary
/// (the CPU-quota measurement, Python start-ups).
pub fn cpu_heavy() -> &'static tokio::sync::Mutex<()> {
    static LOCK: OnceLock<tokio::sync::Mutex<()>> = OnceLock::new();
    LOCK.get_or_init(|| tokio::sync::Mutex::new(()))
}

/// A function with the defaults validation would give, running `command`.
pub fn function(name: &str, memory_mb: u32, command: Vec<String>) -> Function {
    let mut f = lamsim_sim::testing::simple_function(name, 1.0, 1.0, "10m");
    f.memory_mb = memory_mb;
    f.timeout = SimTime::from_secs(3);
    f.duration = DurationModel::unscaled(Dist::Const { value_ms: 1.0 }, memory_mb);
    f.init = DurationModel::unscaled(Dist::Const { value_ms: 1.0 }, memory_mb);
    f.handler = Some(Handler {
        command,
        cwd: PathBuf::from(env!("CARGO_MANIFEST_DIR")),
        env: BTreeMap::new(),
    });
    f
}

/// A function running a bundled Rust handler.
pub fn rust_function(name: &str, handler: &str, memory_mb: u32) -> Function {
    function(
        name,
        memory_mb,
        vec![handler_bin(handler).display().to_string()],
    )
}

/// Options for tests: no stderr noise.
pub fn options() -> RuntimeOptions {
    RuntimeOptions::default()
}

/// A runtime and its Invoke API on a free loopback port.
pub struct Served {
    pub rt: Arc<Runtime>,
    pub api: InvokeApi,
}

impl Served {
    /// Address of the Invoke API.
    pub fn addr(&self) -> SocketAddr {
        self.api.local_addr()
    }
}

impl std::ops::Deref for Served {
    type Target = Runtime;
    fn deref(&self) -> &Runtime {
        &self.rt
    }
}

/// Starts `functions` with [`options`] and serves them.
pub async fn start(functions: Vec<Function>) -> Served {
    start_with(functions, options()).await
}

/// Starts `functions` with `opts` and serves them.
pub async fn start_with(functions: Vec<Function>, opts: RuntimeOptions) -> Served {
    let rt = Arc::new(
        Runtime::start(functions, opts)
            .await
            .expect("runtime starts"),
    );
    let api = InvokeApi::bind(rt.clone(), "127.0.0.1:0".parse().unwrap())
        .await
        .expect("Invoke API binds");
    Served { rt, api }
}

/// The Python interpreter of the CI venv, or `None` once [`crate::skip::tool`] has said why.
pub fn python(test: &str) -> Option<String> {
    crate::skip::tool(
        "LAMSIM_TEST_PYTHON",
        test,
        "run `.ci/harness-setup.sh` and export the venv's python, which has awslambdaric and boto3",
    )
}

/// The entry script of the official Node.js runtime client (`aws-lambda-ric`'s
/// `bin/index.mjs`, installed by `.ci/node-setup.sh`), or `None` with the reason printed.
/// Under CI (`CI=true`) a missing client fails the test instead: it must not pass unrun.
pub fn node_ric(test: &str) -> Option<String> {
    crate::skip::tool(
        "LAMSIM_TEST_NODE_RIC",
        test,
        "run `.ci/node-setup.sh` and export the path it prints: aws-lambda-ric's bin/index.mjs",
    )
}

/// Folder of the bundled Node.js handlers.
pub fn node_handlers_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("handlers/node")
}

/// Folder of the Node.js example app (`workloads/examples/node-app`).
pub fn node_example_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../workloads/examples/node-app")
}

/// Folder of the bundled Python handlers.
pub fn python_handlers_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("handlers/python")
}

/// An HTTP response, decoded.
pub struct Reply {
    pub status: u16,
    pub headers: hyper::HeaderMap,
    pub body: Bytes,
}

impl Reply {
    pub fn header(&self, k: &str) -> Option<&str> {
        self.headers.get(k).and_then(|v| v.to_str().ok())
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
}

/// POSTs to the Invoke API over a fresh connection.
pub async fn post(addr: SocketAddr, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
    let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .expect("handshake");
    tokio::spawn(conn);
    let mut req = Request::post(path).header("Host", addr.to_string());
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let req = req.body(Full::new(Bytes::copy_from_slice(body))).unwrap();
    let resp = sender.send_request(req).await.expect("response");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp.into_body().collect().await.expect("body").to_bytes();
    Reply {
        status,
        headers,
        body,
    }
}

/// Invokes `name` through the Invoke API.
pub async fn invoke(addr: SocketAddr, name: &str, headers: &[(&str, &str)], body: &str) -> Reply {
    post(
        addr,
        &format!("/2015-03-31/functions/{name}/invocations"),
        headers,
        body.as_bytes(),
    )
    .await
}

/// Milliseconds.
pub fn ms(n: u64) -> std::time::Duration {
    std::time::Duration::from_millis(n)
}

/// A function for scripted environments (no handler): 512 MB, timeout 3 s, keep-alive 10 min.
pub fn scripted_function(name: &str) -> Function {
    let mut f = lamsim_sim::testing::simple_function(name, 1.0, 1.0, "10m");
    f.memory_mb = 512;
    f.timeout = SimTime::from_secs(3);
    f
}

/// A runtime whose environments `launcher` plays (no process, no Invoke API).
pub async fn scripted(
    functions: Vec<Function>,
    launcher: &Arc<lamsim_harness::launcher::ScriptedLauncher>,
) -> Runtime {
    scripted_with(functions, launcher, options()).await
}

/// [`scripted`] with `opts`.
pub async fn scripted_with(
    functions: Vec<Function>,
    launcher: &Arc<lamsim_harness::launcher::ScriptedLauncher>,
    opts: RuntimeOptions,
) -> Runtime {
    Runtime::start_with(functions, opts, launcher.clone())
        .await
        .expect("runtime starts")
}

/// InvokeWithResponseStream over a fresh connection: the status, and each body frame with
/// the time it arrived.
pub async fn invoke_stream(
    addr: std::net::SocketAddr,
    name: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, Vec<(std::time::Instant, Bytes)>) {
    use http_body_util::BodyExt;
    let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .expect("handshake");
    tokio::spawn(conn);
    let mut req = hyper::Request::post(format!(
        "/2021-11-15/functions/{name}/response-streaming-invocations"
    ))
    .header("Host", addr.to_string());
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let req = req
        .body(http_body_util::Full::new(Bytes::copy_from_slice(
            body.as_bytes(),
        )))
        .unwrap();
    let resp = sender.send_request(req).await.expect("response");
    let status = resp.status().as_u16();
    if status == 200 {
        assert_eq!(
            resp.headers()["content-type"],
            "application/vnd.amazon.eventstream"
        );
    }
    let mut body = resp.into_body();
    let mut frames = Vec::new();
    while let Some(f) = body.frame().await {
        if let Ok(d) = f.expect("frame").into_data() {
            frames.push((std::time::Instant::now(), d));
        }
    }
    (status, frames)
}

/// The event-stream messages of `frames`, each with the arrival time of its last byte.
pub fn messages(
    frames: &[(std::time::Instant, Bytes)],
) -> Vec<(std::time::Instant, lamsim_harness::event_stream::Message)> {
    let mut out = Vec::new();
    let mut buf = Vec::new();
    for (t, f) in frames {
        buf.extend_from_slice(f);
        // Whole messages so far (a frame may hold several, or part of one).
        loop {
            if buf.len() < 4 {
                break;
            }
            let total = u32::from_be_bytes(buf[..4].try_into().unwrap()) as usize;
            if buf.len() < total {
                break;
            }
            let m = lamsim_harness::event_stream::decode(&buf[..total]).expect("valid message");
            out.extend(m.into_iter().map(|m| (*t, m)));
            buf.drain(..total);
        }
    }
    assert!(buf.is_empty(), "{} bytes after the last message", buf.len());
    out
}
