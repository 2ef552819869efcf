//! How a long-running command learns that the user wants it to stop: Ctrl-C or SIGTERM.

/// Ctrl-C (SIGINT) or SIGTERM, as `kill` sends it: either stops a server (`serve`, `ocsp`, the
/// relay), which then gives its summary. The handlers are set when this is called, as with
/// [`stopped_by`].
pub(crate) fn stop_signal() -> impl std::future::Future<Output = ()> {
    let stopped = stopped_by();
    async move {
        stopped.await;
    }
}

/// Ctrl-C (SIGINT) or SIGTERM: the exit code a shell gives a command that either ended (130 or
/// 143), for a command that reports what it did before it stops. The handlers are set when this
/// is called (within the runtime), not when the future is first polled: a signal that comes
/// between the two is caught too.
pub(crate) fn stopped_by() -> impl std::future::Future<Output = u8> {
    #[cfg(unix)]
    let streams = {
        use tokio::signal::unix::{SignalKind, signal};
        (
            signal(SignalKind::interrupt()).ok(),
            signal(SignalKind::terminate()).ok(),
        )
    };
    async move {
        #[cfg(unix)]
        if let (Some(mut int), Some(mut term)) = streams {
            return tokio::select! {
                _ = int.recv() => 130,
                _ = term.recv() => 143,
            };
        }
        let _ = tokio::signal::ctrl_c().await;
        130
    }
}
