//! Stopping the commands that run handlers (`serve`, `bench`, `load`) on Ctrl-C or SIGTERM:
//! they end their own way (drop their runtime, so the handler processes are killed) rather
//! than being killed with their handlers left running.

/// Completes when the process is asked to stop: Ctrl-C (SIGINT) or SIGTERM (`timeout`, a CI
/// cancel, `kill`). Without a SIGTERM handler, Ctrl-C alone.
pub(crate) async fn stop_requested() {
    use tokio::signal::unix::{SignalKind, signal};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
