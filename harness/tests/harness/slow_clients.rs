//! Clients that send their request too slowly are cut off: headers within the header
//! timeout, the body within the body timeout (short ones here; 10 s and 30 s by default).

use std::sync::Arc;

use lamsim_harness::{InvokeApi, InvokeApiOptions, Runtime};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::common::*;

async fn served() -> (Arc<Runtime>, InvokeApi) {
    let rt = Arc::new(
        Runtime::start(vec![rust_function("echo", "echo", 128)], options())
            .await
            .unwrap(),
    );
    let opts = InvokeApiOptions {
        header_timeout: ms(300),
        body_timeout: ms(300),
    };
    let api = InvokeApi::bind_with(rt.clone(), "127.0.0.1:0".parse().unwrap(), opts)
        .await
        .unwrap();
    (rt, api)
}

/// Sends `head`, then `drip` one byte every 100 ms until the server ends the connection (or
/// 100 bytes, the hang guard); returns what the server sent and whether it ended first.
async fn drip(addr: std::net::SocketAddr, head: &str, drip: &[u8]) -> (Vec<u8>, bool) {
    let (mut rd, mut wr) = tokio::net::TcpStream::connect(addr)
        .await
        .unwrap()
        .into_split();
    wr.write_all(head.as_bytes()).await.unwrap();
    let reader = tokio::spawn(async move {
        let mut got = Vec::new();
        let _ = rd.read_to_end(&mut got).await;
        got
    });
    for b in drip.iter().cycle().take(100) {
        if reader.is_finished() {
            break;
        }
        tokio::time::sleep(ms(100)).await;
        if wr.write_all(&[*b]).await.is_err() {
            break;
        }
    }
    let cut = reader.is_finished();
    drop(wr);
    (reader.await.unwrap(), cut)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headers_sent_a_byte_at_a_time_are_cut_off() {
    let (rt, api) = served().await;
    let (_, cut) = drip(
        api.local_addr(),
        "POST /2015-03-31/functions/echo/invocations HTTP/1.1\r\nHost: x\r\n",
        b"X-Slow: 1\r\n",
    )
    .await;
    assert!(
        cut,
        "the server closed the connection before the headers ended"
    );
    assert_eq!(rt.environments("echo"), 0);
    // Others are served meanwhile and after.
    assert_eq!(
        invoke(api.local_addr(), "echo", &[], "{}").await.status,
        200
    );
    rt.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_sent_a_byte_at_a_time_gets_408() {
    let (rt, api) = served().await;
    let (reply, cut) = drip(
        api.local_addr(),
        "POST /2015-03-31/functions/echo/invocations HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n",
        b" ",
    )
    .await;
    assert!(cut);
    let reply = String::from_utf8_lossy(&reply);
    assert!(reply.starts_with("HTTP/1.1 408"), "{reply}");
    assert!(reply.contains("RequestTimeoutException"), "{reply}");
    assert_eq!(rt.environments("echo"), 0, "nothing ran");
    rt.shutdown().await;
}
