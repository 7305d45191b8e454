//! Ctrl-C and SIGTERM during a run. The first stops new trials: those in flight finish,
//! the final sweep marks this run's groups Deleted, and the reports are written marked
//! interrupted. The second stops at once, after printing which groups this run leaves
//! active on the target.

use crate::engine::{exit, Engine};
use std::sync::Arc;

/// Listens for the two signals for as long as the task lives (abort it when the run
/// is done, so a later Ctrl-C is not taken for this run's).
pub async fn listen(engine: Arc<Engine>) {
    let mut signals = Signals::new();
    let first = signals.next().await;
    engine.interrupt(first);
    eprintln!(
        "\nsoconform: {first}: stopping; the trials in flight finish, then this run's groups are marked Deleted and the reports written (again to stop at once)"
    );
    let second = signals.next().await;
    let active = engine.active_groups();
    if active.is_empty() {
        eprintln!(
            "soconform: {second} again: stopped at once; no group this run created is left active"
        );
    } else {
        eprintln!(
            "soconform: {second} again: stopped at once; these groups this run created are still active on the target (Id): {active:?}; their names start with {}",
            engine.run_prefix()
        );
    }
    std::process::exit(i32::from(exit::INTERRUPTED));
}

/// SIGINT and SIGTERM, each registered once so that no signal is lost between two waits.
struct Signals {
    #[cfg(unix)]
    int: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    term: Option<tokio::signal::unix::Signal>,
}

impl Signals {
    fn new() -> Signals {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Signals {
                int: signal(SignalKind::interrupt()).ok(),
                term: signal(SignalKind::terminate()).ok(),
            }
        }
        #[cfg(not(unix))]
        Signals {}
    }

    /// The next signal's name.
    async fn next(&mut self) -> &'static str {
        #[cfg(unix)]
        {
            async fn recv(s: &mut Option<tokio::signal::unix::Signal>) {
                match s {
                    Some(s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            }
            tokio::select! {
                _ = recv(&mut self.int) => "SIGINT",
                _ = recv(&mut self.term) => "SIGTERM",
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            "Ctrl-C"
        }
    }
}
