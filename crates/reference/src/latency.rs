//! Simulated latency (`--latency-ms`) that lasts what was asked for.
//!
//! tokio's timer counts in whole milliseconds and rounds every deadline up, so a
//! `sleep(20 ms)` answers after 21-23 ms, and more under load: the simulated server would
//! be slower than the remote one it stands for, and every latency figure would carry
//! that error. One OS thread keeps the pending deadlines and sleeps on a condition
//! variable, whose timed wait is precise to tens of microseconds, then wakes each
//! waiting request when its deadline has passed.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::{Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

struct Pending {
    at: Instant,
    seq: u64,
    wake: oneshot::Sender<()>,
}

impl PartialEq for Pending {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl Eq for Pending {}
impl PartialOrd for Pending {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Pending {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.at, self.seq).cmp(&(other.at, other.seq))
    }
}

#[derive(Default)]
struct Queue {
    heap: BinaryHeap<Reverse<Pending>>,
    seq: u64,
}

struct Timer {
    queue: Mutex<Queue>,
    changed: Condvar,
}

/// The one timer thread of the process, started on first use; it sleeps while nothing
/// is pending.
fn timer() -> Option<&'static Timer> {
    static TIMER: OnceLock<Option<&'static Timer>> = OnceLock::new();
    *TIMER.get_or_init(|| {
        let t: &'static Timer = Box::leak(Box::new(Timer {
            queue: Mutex::new(Queue::default()),
            changed: Condvar::new(),
        }));
        std::thread::Builder::new()
            .name("soconform-latency".into())
            .spawn(move || run(t))
            .ok()
            .map(|_| t)
    })
}

fn run(t: &Timer) {
    let Ok(mut q) = t.queue.lock() else { return };
    loop {
        let now = Instant::now();
        while q.heap.peek().is_some_and(|p| p.0.at <= now) {
            if let Some(Reverse(p)) = q.heap.pop() {
                // The request may have gone (client hung up): nothing to wake then.
                let _ = p.wake.send(());
            }
        }
        let next = q.heap.peek().map(|p| p.0.at);
        q = match next {
            Some(at) => match t.changed.wait_timeout(q, at.saturating_duration_since(now)) {
                Ok((q, _)) => q,
                Err(_) => return,
            },
            None => match t.changed.wait(q) {
                Ok(q) => q,
                Err(_) => return,
            },
        };
    }
}

/// Waits `d`, precisely; falls back to tokio's timer if the thread could not start.
pub async fn wait(d: Duration) {
    let at = Instant::now() + d;
    let Some(t) = timer() else {
        return tokio::time::sleep_until(at.into()).await;
    };
    let (wake, woken) = oneshot::channel();
    let pushed = t.queue.lock().ok().map(|mut q| {
        q.seq += 1;
        let seq = q.seq;
        q.heap.push(Reverse(Pending { at, seq, wake }));
        q.heap.peek().is_some_and(|p| p.0.seq == seq)
    });
    let Some(earliest) = pushed else {
        return tokio::time::sleep_until(at.into()).await;
    };
    // Only a new earliest deadline changes how long the thread must sleep.
    if earliest {
        t.changed.notify_one();
    }
    if woken.await.is_err() {
        tokio::time::sleep_until(at.into()).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn waits_at_least_as_long_as_asked_and_wakes_in_deadline_order() {
        let t0 = Instant::now();
        let (a, b) = tokio::join!(
            async {
                wait(Duration::from_millis(30)).await;
                Instant::now()
            },
            async {
                wait(Duration::from_millis(10)).await;
                Instant::now()
            }
        );
        assert!(b.duration_since(t0) >= Duration::from_millis(10));
        assert!(a.duration_since(t0) >= Duration::from_millis(30));
        assert!(b < a, "the shorter wait must end first");
    }
}
