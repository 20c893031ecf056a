//! How `lamsim` ends: the exit status of every command and the one place that prints errors.
//!
//! Every command returns `anyhow::Result<ExitStatus>`: `Ok` with the status of a command that
//! ran to its end (including a failed check, exit 1), `Err` for anything that stopped it
//! (exit 2). [`finish`] turns that into the process exit code, printing the error once.

use std::process::ExitCode;

use lamsim_sim::config::ConfigErrors;

/// The exit status of a command: 0 ok; 1 the command finished but a declared check failed;
/// 2 error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: the command did what it was asked.
    Ok = 0,
    /// 1: the command finished, but a declared check failed (an `[slo]` of `run`, no sweep
    /// point meeting it, a `check` limit exceeded). The results were printed and written.
    CheckFailed = 1,
    /// 2: an error (bad input, I/O); nothing was written. Returned as `Ok(ExitStatus::Error)`
    /// only by a command that has already reported its errors with [`print_error`] (`validate`
    /// checks every file before failing).
    Error = 2,
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> ExitCode {
        ExitCode::from(status as u8)
    }
}

/// The exit code of a command's result; an error is printed on stderr by [`print_error`],
/// except a closed stdout (`lamsim run … | head`), which ends the program quietly with 0.
pub fn finish(result: anyhow::Result<ExitStatus>) -> ExitCode {
    match result {
        Ok(status) => status.into(),
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            print_error(&e);
            ExitStatus::Error.into()
        }
    }
}

/// Whether the error comes from writing to a closed pipe.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Prints an error on stderr, the one way every command reports one.
///
/// A workload's validation errors ([`ConfigErrors`]) print as a header naming the file and
/// the error count, then one indented line per error with its TOML path and hint. Any other
/// error prints as `error: ` followed by its chain of causes joined by `: ` (a cause whose
/// text its parent already contains is not repeated), ending with exactly one newline.
pub fn print_error(e: &anyhow::Error) {
    eprint!("{}", error_text(e));
}

/// The text [`print_error`] prints.
fn error_text(e: &anyhow::Error) -> String {
    if let Some(errors) = e.downcast_ref::<ConfigErrors>() {
        return errors.to_string();
    }
    let mut text = String::new();
    for cause in e.chain() {
        let s = cause.to_string();
        let s = s.trim_end();
        if text.contains(s) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(s);
    }
    format!("error: {text}\n")
}

#[cfg(test)]
mod tests {
    use anyhow::Context;
    use lamsim_sim::config::ConfigError;

    use super::*;

    #[test]
    fn causes_are_joined_once_each() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        let e = Err::<(), _>(io)
            .context("cannot write the output folder out")
            .unwrap_err();
        assert_eq!(
            error_text(&e),
            "error: cannot write the output folder out: no such file\n"
        );
        // A cause whose text is already in its parent's is not repeated.
        let e = anyhow::Error::from(std::io::Error::other("x.toml: bad")).context("x.toml: bad");
        assert_eq!(error_text(&e), "error: x.toml: bad\n");
    }

    #[test]
    fn a_multi_line_message_ends_with_one_newline() {
        let e = anyhow::anyhow!("--set x=1: the workload does not validate:\nw.toml: 1 error\n");
        assert_eq!(
            error_text(&e),
            "error: --set x=1: the workload does not validate:\nw.toml: 1 error\n"
        );
    }

    #[test]
    fn config_errors_print_one_line_per_error_under_their_file() {
        let errors = ConfigErrors {
            file: "w.toml".into(),
            errors: vec![
                ConfigError::new("simulation.duration", "bare number"),
                ConfigError::new("function[0].memory-mb", "must be at least 128"),
            ],
        };
        let text = error_text(&anyhow::Error::from(errors.clone()));
        assert_eq!(text, errors.to_string());
        assert!(text.starts_with("w.toml: 2 errors\n"), "{text}");
        assert_eq!(text.lines().filter(|l| l.starts_with("  ")).count(), 2);
    }

    #[test]
    fn a_broken_pipe_is_recognised_through_context() {
        let io = std::io::Error::from(std::io::ErrorKind::BrokenPipe);
        let e = Err::<(), _>(io)
            .context("cannot write to stdout")
            .unwrap_err();
        assert!(is_broken_pipe(&e));
        assert!(!is_broken_pipe(&anyhow::anyhow!("broken pipe")));
    }
}
