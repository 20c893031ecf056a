//! Overhead of the mini-runtime on warm invocations with the echo handler (release build of
//! the bundled `lamsim-handler-echo`, on the official `lambda_runtime` crate).
//!
//! - `warm_invoke/echo_http_sequential`: one client, one keep-alive connection, Invoke API in →
//!   runtime → response out. After it, the harness's own share (client latency at the Invoke
//!   API minus the handler's duration) is printed as p50/p99.
//! - `warm_invoke/echo_in_process`: the same through `Runtime::invoke` (no client HTTP).
//! - `throughput/echo_http_8_clients`: 8 clients in parallel (8 warm environments); the
//!   elements/s figure is invocations per second.
//!
//! Run: `cargo bench -p lamsim-harness --bench overhead`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use lamsim_harness::{InvokeApi, Runtime, RuntimeOptions};
use lamsim_sim::model::{Dist, DurationModel, Function, Handler};
use lamsim_sim::time::SimTime;

fn echo_bin() -> PathBuf {
    // …/target/<profile>/deps/overhead-<hash> → …/target/<profile>
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(|p| p.parent()).unwrap().to_path_buf();
    let release = dir.ends_with("release");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = std::process::Command::new(cargo);
    cmd.args([
        "build",
        "-q",
        "-p",
        "lamsim-handlers",
        "--bin",
        "lamsim-handler-echo",
    ]);
    if release {
        cmd.arg("--release");
    }
    assert!(
        cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .unwrap()
            .success()
    );
    dir.join("lamsim-handler-echo")
}

fn echo_function(bin: PathBuf) -> Function {
    let mut f = lamsim_sim::testing::simple_function("echo", 1.0, 1.0, "10m");
    f.memory_mb = 1769;
    f.timeout = SimTime::from_secs(3);
    f.duration = DurationModel::unscaled(Dist::Const { value_ms: 1.0 }, 1769);
    f.init = DurationModel::unscaled(Dist::Const { value_ms: 1.0 }, 1769);
    f.handler = Some(Handler {
        command: vec![bin.display().to_string()],
        cwd: PathBuf::from(env!("CARGO_MANIFEST_DIR")),
        env: BTreeMap::new(),
    });
    f
}

async fn connect(addr: std::net::SocketAddr) -> SendRequest<Full<Bytes>> {
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.set_nodelay(true).unwrap();
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(conn);
    sender
}

async fn call(sender: &mut SendRequest<Full<Bytes>>) {
    let req = hyper::Request::post("/2015-03-31/functions/echo/invocations")
        .header("Host", "localhost")
        .body(Full::new(Bytes::from_static(br#"{"ping":1}"#)))
        .unwrap();
    sender.ready().await.unwrap();
    let resp = sender.send_request(req).await.unwrap();
    assert_eq!(resp.status(), 200);
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(&body[..], br#"{"ping":1}"#);
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn report_overhead(label: &str, runtime: &Runtime) {
    let recs = runtime.take_records();
    let mut over: Vec<f64> = recs
        .iter()
        .filter(|r| !r.cold)
        .map(|r| r.client_latency_ms - r.duration_ms)
        .collect();
    let mut total: Vec<f64> = recs
        .iter()
        .filter(|r| !r.cold)
        .map(|r| r.client_latency_ms)
        .collect();
    if over.is_empty() {
        return;
    }
    over.sort_by(f64::total_cmp);
    total.sort_by(f64::total_cmp);
    eprintln!(
        "{label}: {} warm invocations; harness overhead (Invoke API latency - handler duration) \
         p50 {:.3} ms, p99 {:.3} ms; Invoke API latency p50 {:.3} ms, p99 {:.3} ms",
        over.len(),
        percentile(&over, 0.5),
        percentile(&over, 0.99),
        percentile(&total, 0.5),
        percentile(&total, 0.99),
    );
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let runtime = Arc::new(
        rt.block_on(Runtime::start(
            vec![echo_function(echo_bin())],
            RuntimeOptions::default(),
        ))
        .unwrap(),
    );
    eprintln!("cpu_limit: {}", runtime.cpu_limit().as_str());
    let api = rt
        .block_on(InvokeApi::bind(
            runtime.clone(),
            "127.0.0.1:0".parse().unwrap(),
        ))
        .unwrap();
    let addr = api.local_addr();

    let mut g = c.benchmark_group("warm_invoke");
    g.measurement_time(Duration::from_secs(5));
    let mut sender = rt.block_on(async {
        let mut s = connect(addr).await;
        for _ in 0..100 {
            call(&mut s).await;
        }
        s
    });
    runtime.take_records();
    g.bench_function("echo_http_sequential", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let t = Instant::now();
                for _ in 0..iters {
                    call(&mut sender).await;
                }
                t.elapsed()
            })
        })
    });
    report_overhead("echo_http_sequential", &runtime);
    g.bench_function("echo_in_process", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let t = Instant::now();
                for _ in 0..iters {
                    let inv = runtime
                        .invoke("echo", Bytes::from_static(br#"{"ping":1}"#), false)
                        .await
                        .unwrap();
                    assert!(inv.function_error.is_none());
                }
                t.elapsed()
            })
        })
    });
    report_overhead("echo_in_process", &runtime);
    g.finish();

    const CLIENTS: usize = 8;
    const PER_BATCH: u64 = 800;
    let mut senders: Vec<_> = rt.block_on(async {
        let mut v = Vec::new();
        for _ in 0..CLIENTS {
            v.push(connect(addr).await);
        }
        // Warm 8 environments at once.
        let tasks: Vec<_> = v
            .into_iter()
            .map(|mut s| {
                tokio::spawn(async move {
                    for _ in 0..50 {
                        call(&mut s).await;
                    }
                    s
                })
            })
            .collect();
        let mut out = Vec::new();
        for t in tasks {
            out.push(t.await.unwrap());
        }
        out
    });
    runtime.take_records();
    let mut g = c.benchmark_group("throughput");
    g.measurement_time(Duration::from_secs(6));
    g.throughput(Throughput::Elements(PER_BATCH));
    g.bench_function("echo_http_8_clients", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let t = Instant::now();
                for _ in 0..iters {
                    let tasks: Vec<_> = senders
                        .drain(..)
                        .map(|mut s| {
                            tokio::spawn(async move {
                                for _ in 0..PER_BATCH / CLIENTS as u64 {
                                    call(&mut s).await;
                                }
                                s
                            })
                        })
                        .collect();
                    for task in tasks {
                        senders.push(task.await.unwrap());
                    }
                }
                t.elapsed()
            })
        })
    });
    g.finish();
    report_overhead("echo_http_8_clients", &runtime);
    eprintln!("environments: {}", runtime.environments("echo"));
    api.stop();
    rt.block_on(runtime.shutdown());
}

criterion_group!(benches, bench);
criterion_main!(benches);
