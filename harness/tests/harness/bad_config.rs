//! Bad handler configurations are refused at start with errors that name the TOML path.

use lamsim_harness::{HarnessError, Runtime};

use crate::common::*;

#[tokio::test]
async fn missing_handler_command_and_program_are_named() {
    let mut no_handler = function("a", 128, vec!["x".into()]);
    no_handler.handler = None;
    let err = Runtime::start(vec![no_handler], options())
        .await
        .err()
        .unwrap();
    assert!(matches!(err, HarnessError::NoHandler { index: 0, .. }));
    assert!(
        err.to_string().starts_with("function[0].handler: "),
        "{err}"
    );

    let ok = function("ok", 128, vec!["sh".into()]);
    let empty = function("b", 128, vec![]);
    let err = Runtime::start(vec![ok.clone(), empty], options())
        .await
        .err()
        .unwrap();
    assert!(
        err.to_string().starts_with("function[1].handler.command: "),
        "{err}"
    );

    let missing = function("c", 128, vec!["./no-such-bootstrap".into()]);
    let err = Runtime::start(vec![missing], options())
        .await
        .err()
        .unwrap();
    assert!(
        err.to_string()
            .contains("function[0].handler.command[0]: program `./no-such-bootstrap` not found"),
        "{err}"
    );

    // A file without execute permission is refused with the fix, not found failing at the
    // first cold start.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bootstrap"), "#!/bin/sh\n").unwrap();
    let mut plain = function("e", 128, vec!["./bootstrap".into()]);
    plain.handler.as_mut().unwrap().cwd = dir.path().to_path_buf();
    let err = Runtime::start(vec![plain], options()).await.err().unwrap();
    assert!(
        matches!(err, HarnessError::ProgramNotExecutable { index: 0, .. }),
        "{err}"
    );
    assert!(
        err.to_string().starts_with(
            "function[0].handler.command[0]: program `./bootstrap` is not executable (hint: `chmod +x "
        ),
        "{err}"
    );

    let mut bad_cwd = function("d", 128, vec!["sh".into()]);
    bad_cwd.handler.as_mut().unwrap().cwd = "/no/such/dir".into();
    let err = Runtime::start(vec![bad_cwd], options())
        .await
        .err()
        .unwrap();
    assert!(
        err.to_string().starts_with("function[0].handler.cwd: "),
        "{err}"
    );

    let err = Runtime::start(vec![ok.clone(), ok], options())
        .await
        .err()
        .unwrap();
    assert!(matches!(
        err,
        HarnessError::DuplicateFunction { index: 1, .. }
    ));
}

#[tokio::test]
async fn unknown_function_in_process_is_an_error() {
    let rt = start(vec![function("ok", 128, vec!["sh".into()])]).await;
    let err = rt.invoke("nope", "{}".into(), false).await.unwrap_err();
    assert_eq!(err.status(), 404);
    assert_eq!(err.error_type(), "ResourceNotFoundException");
}
