//! The harness form of a function (the contract's §3.1: `name`, `memory-mb` and
//! `[function.handler]`, no `[function.arrivals]`, no `[function.duration]`): `serve` and
//! `bench` take it, since they run the handler itself; the simulating commands still ask for
//! both keys, by their paths.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::Duration;

use lamsim_sim::bench::BenchSummary;

use crate::bench::echo_handler;
use crate::*;

/// The contract's §3.1 function, with the bundled echo handler.
fn harness_form(dir: &Path) -> PathBuf {
    let w = dir.join("harness.toml");
    let text = format!(
        r#"[[function]]
name = "hello"
memory-mb = 512
[function.handler]
command = ["{}"]
env = {{ LOG_LEVEL = "info" }}
"#,
        echo_handler().display()
    );
    std::fs::write(&w, text).unwrap();
    w
}

#[test]
fn bench_takes_a_function_without_arrivals_or_duration() {
    let tmp = temp_dir();
    let w = harness_form(tmp.path());
    let out = tmp.path().join("bench");
    let o = run([
        "bench",
        &path_str(&w),
        "--function",
        "hello",
        "--memory",
        "256",
        "--cold",
        "1",
        "--invocations",
        "3",
        "--out",
        &path_str(&out),
        "--quiet",
    ]);
    assert_code(&o, 0);
    assert_no_panic(&o);
    let s: BenchSummary =
        serde_json::from_str(&std::fs::read_to_string(out.join("bench.json")).unwrap()).unwrap();
    let measured: Vec<_> = s.results.iter().filter(|r| r.measured).collect();
    assert_eq!(measured.len(), 1, "{:?}", s.results);
    assert_eq!(
        (
            measured[0].memory_mb,
            measured[0].invocations,
            measured[0].cold_starts
        ),
        (256, 4, 1)
    );
    assert!(measured[0].duration_ms.p50 > 0.0, "{:?}", measured[0]);
}

/// Kills `child` (and so its handlers) when dropped, should an assertion fail first.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn serve_takes_a_function_without_arrivals_or_duration() {
    let tmp = temp_dir();
    let w = harness_form(tmp.path());
    let logs = tmp.path().join("serve");
    let mut server = Server(spawn(
        lamsim([
            "serve",
            &path_str(&w),
            "--listen",
            "127.0.0.1:0",
            "--out",
            &path_str(&logs),
            "--quiet",
        ])
        .stderr(Stdio::piped()),
    ));
    // The address comes from the line that announces the Invoke API.
    let stderr = server.0.stderr.take().expect("piped stderr");
    let mut lines = BufReader::new(stderr).lines();
    let addr: SocketAddr = loop {
        let line = lines
            .next()
            .expect("serve announces its address before it stops")
            .expect("stderr is text");
        if let Some(rest) = line.split("Invoke API on http://").nth(1) {
            break rest.split_whitespace().next().unwrap().parse().unwrap();
        }
    };
    let mut c = TcpStream::connect(addr).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let body = r#"{"ping":1}"#;
    write!(
        c,
        "POST /2015-03-31/functions/hello/invocations HTTP/1.1\r\nHost: {addr}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut reply = String::new();
    c.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    assert!(
        reply.contains(body),
        "the echo handler returns its event: {reply}"
    );
    // SIGTERM stops the server cleanly (exit 0).
    let pid = server.0.id().to_string();
    let kill = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = server.0.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{status:?}");
}

#[test]
fn simulating_commands_still_ask_for_arrivals_and_duration() {
    let tmp = temp_dir();
    let w = harness_form(tmp.path());
    for cmd in ["validate", "run"] {
        let o = run([cmd, path_str(&w).as_str()]);
        assert_code(&o, 2);
        assert_no_panic(&o);
        let err = stderr(&o);
        for key in ["function[0].arrivals", "function[0].duration"] {
            assert!(err.contains(key), "{cmd}: {err}");
        }
    }
}
