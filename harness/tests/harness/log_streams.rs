//! One log stream per function (`log_dir`): each function's lines alone, in CloudWatch's
//! format; the combined log names the functions it interleaves, and `calibrate` refuses it.

use lamsim_harness::calibrate::{self, CalibrateError};

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_function_gets_its_stream_and_calibrate_refuses_the_mixed_log() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut opts = options();
    opts.log_file = Some(dir.join("serve.log"));
    opts.log_dir = Some(dir.join("logs"));
    let rt = start_with(
        vec![
            rust_function("a", "faults", 128),
            rust_function("b", "echo", 256),
        ],
        opts,
    )
    .await;
    let addr = rt.addr();
    invoke(addr, "a", &[], r#"{"action":"log","lines":1}"#).await;
    invoke(addr, "b", &[], "{}").await;
    invoke(addr, "a", &[], "{}").await;
    let recs = rt.take_records();
    rt.shutdown().await;
    let ids = |f: &str| -> Vec<String> {
        recs.iter()
            .filter(|r| r.function == f)
            .map(|r| r.request_id.clone())
            .collect()
    };
    let a = std::fs::read_to_string(dir.join("logs/a.log")).unwrap();
    let b = std::fs::read_to_string(dir.join("logs/b.log")).unwrap();
    // Each stream holds its own START/END/REPORT (and handler output), nothing of the other.
    for id in ids("a") {
        assert!(a.contains(&format!("START RequestId: {id}")), "{a}");
        assert!(a.contains(&format!("REPORT RequestId: {id}\t")), "{a}");
        assert!(!b.contains(&id), "{b}");
    }
    for id in ids("b") {
        assert!(b.contains(&format!("REPORT RequestId: {id}\t")), "{b}");
        assert!(!a.contains(&id), "{a}");
    }
    assert!(a.lines().any(|l| l == "log line 0"), "{a}");
    assert!(!b.contains("log line 0"));
    let combined = std::fs::read_to_string(dir.join("serve.log")).unwrap();
    assert!(
        combined.lines().next().unwrap().starts_with(&format!(
            "{}a, b",
            lamsim_harness::cloudwatch::MIXED_LOG_MARKER
        )),
        "{combined}"
    );
    assert_eq!(combined.matches("REPORT RequestId").count(), 3);
    // calibrate: the combined log is refused, naming the functions; a stream reads as one
    // function, named.
    match calibrate::read_inputs(&[dir.join("serve.log")]) {
        Err(CalibrateError::MixedFunctions { functions, .. }) => assert_eq!(functions, "a, b"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    let s = calibrate::read_inputs(&[dir.join("logs/a.log")]).unwrap();
    let n: usize = s
        .by_memory
        .values()
        .map(|m| m.warm_ms.len() + m.cold_ms.len())
        .sum();
    assert_eq!(n, 2);
    assert_eq!(s.by_memory.keys().copied().collect::<Vec<_>>(), [128]);
}
