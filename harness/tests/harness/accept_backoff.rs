//! At the file-descriptor limit the Invoke API's accept loop pauses (5 ms doubling to 1 s)
//! instead of spinning, and serves again once descriptors are free. The server runs in a
//! child process (this test binary, running `fd_limited_server`) whose `RLIMIT_NOFILE` it
//! lowers itself, so no other test shares the limit.

use std::sync::Arc;
use std::time::Instant;

use crate::common::*;

const SERVER: &str = "LAMSIM_TEST_FD_LIMITED_SERVER";
/// Folder where the server writes its address and its count, and the test asks it to stop.
const DIR: &str = "LAMSIM_TEST_FD_LIMITED_DIR";

/// Waits for `path` to appear (hang guard: 60 s) and reads it.
async fn read_when_there(path: &std::path::Path) -> String {
    for _ in 0..1200 {
        if let Ok(s) = std::fs::read_to_string(path) {
            return s;
        }
        tokio::time::sleep(ms(50)).await;
    }
    panic!("{} never appeared", path.display());
}

#[test]
#[ignore = "the server half of the_accept_loop_pauses_at_the_descriptor_limit, which runs it in a child process"]
fn fd_limited_server() {
    let echo = std::env::var(SERVER).expect(
        "run by accept_backoff::the_accept_loop_pauses_at_the_descriptor_limit (it sets the handler path)",
    );
    let open = std::fs::read_dir("/proc/self/fd").unwrap().count() as u64;
    let limit = open + 32;
    nix::sys::resource::setrlimit(nix::sys::resource::Resource::RLIMIT_NOFILE, limit, limit)
        .unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut opts = options();
        opts.cgroups = false;
        let f = function("echo", 128, vec![echo]);
        let runtime = Arc::new(lamsim_harness::Runtime::start(vec![f], opts).await.unwrap());
        let api = lamsim_harness::InvokeApi::bind(runtime.clone(), "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        let dir = std::path::PathBuf::from(std::env::var(DIR).expect("the exchange folder"));
        std::fs::write(dir.join("addr.tmp"), api.local_addr().to_string()).unwrap();
        std::fs::rename(dir.join("addr.tmp"), dir.join("addr")).unwrap();
        // Serve until the parent says stop.
        while !dir.join("stop").exists() {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        std::fs::write(dir.join("errors.tmp"), api.accept_errors().to_string()).unwrap();
        std::fs::rename(dir.join("errors.tmp"), dir.join("errors")).unwrap();
        runtime.shutdown().await;
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_accept_loop_pauses_at_the_descriptor_limit() {
    let echo = handler_bin("echo");
    let dir = tempfile::tempdir().unwrap();
    let mut child = tokio::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "accept_backoff::fd_limited_server",
            "--test-threads=1",
        ])
        .env(SERVER, &echo)
        .env(DIR, dir.path())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let addr: std::net::SocketAddr = read_when_there(&dir.path().join("addr"))
        .await
        .parse()
        .unwrap();
    let t0 = Instant::now();
    // More connections than the server has descriptors left: it runs out while they wait.
    let mut held = Vec::new();
    for _ in 0..64 {
        held.push(tokio::net::TcpStream::connect(addr).await.unwrap());
    }
    tokio::time::sleep(ms(1_000)).await;
    drop(held);
    // It recovers: an invocation succeeds (hang guard only).
    let r = tokio::time::timeout(ms(30_000), invoke(addr, "echo", &[], "{}"))
        .await
        .expect("answered once the connections closed");
    assert_eq!(r.status, 200);
    let elapsed = t0.elapsed().as_secs_f64();
    std::fs::write(dir.path().join("stop"), "").unwrap();
    let errors: u64 = read_when_there(&dir.path().join("errors"))
        .await
        .parse()
        .unwrap();
    assert!(child.wait().await.unwrap().success());
    assert!(errors >= 1, "the server reached its descriptor limit");
    // Pauses of 5, 10, … ms up to 1 s: at most 8 failures to reach 1 s, then one a second
    // (a spinning loop fails hundreds of thousands of times a second).
    let bound = 8.0 + 2.0 * elapsed;
    assert!(
        (errors as f64) <= bound,
        "{errors} failed accepts in {elapsed:.1} s"
    );
}
