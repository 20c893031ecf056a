//! What a handler sees of the host: only the variables AWS defines for a runtime (plus `PATH`
//! and its `[function.handler] env`), and none of the file descriptors the harness inherited.

use std::collections::BTreeSet;

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handlers_get_only_awss_variables_and_no_inherited_descriptor() {
    // A descriptor this process holds without close-on-exec, as one inherited from a shell.
    let leaked_file = tempfile::NamedTempFile::new().unwrap();
    let leaked_path = leaked_file.path().to_path_buf();
    let leaked = leaked_file.as_file();
    nix::fcntl::fcntl(
        leaked,
        nix::fcntl::FcntlArg::F_SETFD(nix::fcntl::FdFlag::empty()),
    )
    .unwrap();
    let mut f = rust_function("faults", "faults", 128);
    f.handler
        .as_mut()
        .unwrap()
        .env
        .insert("MY_SETTING".into(), "on".into());
    let rt = start(vec![f]).await;
    let r = invoke(rt.addr(), "faults", &[], r#"{"action": "env"}"#).await;
    assert_eq!(r.status, 200);
    let seen = r.json();
    let keys: BTreeSet<&str> = seen["env"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let expected: BTreeSet<&str> = [
        "AWS_LAMBDA_RUNTIME_API",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_EXECUTION_ENV",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_XRAY_CONTEXT_MISSING",
        "_AWS_XRAY_DAEMON_ADDRESS",
        "_AWS_XRAY_DAEMON_PORT",
        "_HANDLER",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
        "TZ",
        "LANG",
        "PYTHONUNBUFFERED",
        "PATH",
        "MY_SETTING",
        // Set by the runtime client itself for each invocation (reserved by AWS too).
        "_X_AMZN_TRACE_ID",
    ]
    .into_iter()
    .collect();
    let mut expected = expected;
    // Where `/bin/sh` is bash, the shell that puts the handler in its cgroup exports `SHLVL`
    // on exec whatever it is told (dash, Debian's `/bin/sh`, adds nothing once `PWD` is unset).
    let sh = std::fs::canonicalize(lamsim_harness::cgroup::JOIN_SHELL).unwrap_or_default();
    if rt.cpu_limit() != lamsim_harness::CpuLimit::None
        && sh
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("bash"))
    {
        expected.insert("SHLVL");
    }
    // This test process has CARGO_*, HOME, … of its own: none of them reaches the handler.
    assert!(std::env::var_os("CARGO_MANIFEST_DIR").is_some());
    assert_eq!(keys, expected);
    assert_eq!(seen["env"]["MY_SETTING"], "on");
    let fds = seen["fds"].as_object().unwrap();
    assert!(
        fds.values()
            .all(|t| t.as_str() != Some(leaked_path.to_str().unwrap())),
        "the inherited descriptor leaked into the handler: {fds:?}"
    );
    rt.shutdown().await;
    drop(leaked_file);
}
