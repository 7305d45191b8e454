//! Whether the target is still answering, and how fast it lets the suite send: the
//! client reports every exchange here, and the watch decides when to stop sending (the
//! target stopped answering, or answers nothing but rate limits) and how long to hold
//! back after a `429`.
//!
//! Stopping is what keeps a dead or dripping target from holding a run for an hour:
//! once it trips, every request but the final sweep's is refused at once, and the trials
//! that could not send are skipped with the reason.

use super::{Response, TransportError};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant, SystemTime};

/// Exchanges in a row without a complete answer after which the target counts as
/// stopped, whatever the time (a server that resets every connection fails fast).
pub const UNANSWERED_IN_A_ROW: u32 = 8;
/// Requests in a row that were given up as rate-limited after which the run stops
/// sending: the target lets nothing through.
pub const RATE_LIMITED_IN_A_ROW: u32 = 8;
/// How long the suite sends slower after a rate-limit answer.
pub const SLOW_DOWN_FOR: Duration = Duration::from_secs(30);
/// The rate while slowed down when `--rps` is unlimited.
pub const SLOWED_RPS_WHEN_UNLIMITED: u32 = 10;

/// Why the engine stopped sending before the run was done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum HaltKind {
    /// The target stopped answering: the run is not conformant.
    Unresponsive,
    /// The target answered nothing but rate limits: the trials left are skipped, no
    /// verdict is drawn from them.
    RateLimited,
    /// Ctrl-C or SIGTERM.
    Interrupted,
}

/// A halt of the run, as reports carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Halt {
    pub kind: HaltKind,
    /// When it happened (RFC 3339, UTC, seconds).
    pub at: String,
    /// For people: what happened, with counts.
    pub reason: String,
}

impl Halt {
    pub fn now(kind: HaltKind, reason: String) -> Halt {
        Halt {
            kind,
            at: humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
            reason,
        }
    }
}

/// What the transport saw over the whole run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TransportStats {
    /// Answers of 429 (or 503 with Retry-After) that the suite waited out.
    pub rate_limited: u64,
    /// How long requests waited for them, in all (seconds; parallel waits add up).
    pub rate_limit_wait_s: f64,
    /// Exchanges that ended without a complete answer (timeouts, resets, refused
    /// connections, bytes that are not HTTP).
    pub unanswered: u64,
}

/// What the run is waiting for right now, for the progress line.
#[derive(Debug, Clone, PartialEq)]
pub enum Waiting {
    /// Requests are in flight and nothing has been answered for `silent`.
    Answers {
        in_flight: usize,
        silent: Duration,
        timeout: Duration,
    },
    /// The target asked the suite to wait (Retry-After) for `left` more.
    RateLimit { left: Duration },
}

impl std::fmt::Display for Waiting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Waiting::Answers {
                in_flight,
                silent,
                timeout,
            } => write!(
                f,
                "waiting for the target: {in_flight} request{} in flight, no answer for {} s (each gives up after {} s)",
                if *in_flight == 1 { "" } else { "s" },
                silent.as_secs(),
                timeout.as_secs_f64()
            ),
            Waiting::RateLimit { left } => write!(
                f,
                "waiting {:.1} s: the target asked the suite to slow down (429/Retry-After)",
                left.as_secs_f64()
            ),
        }
    }
}

#[derive(Default)]
struct State {
    first_send: Option<Instant>,
    last_answer: Option<Instant>,
    answered: u64,
    /// Exchanges without a complete answer since the last answer, by what happened.
    timed_out: u32,
    refused: u32,
    broken: u32,
    rate_limited_in_a_row: u32,
    /// No request starts before this (the target's Retry-After).
    pause_until: Option<Instant>,
    /// Requests go out at the slowed rate until this.
    slow_until: Option<Instant>,
    stats: TransportStats,
}

impl State {
    fn unanswered_in_a_row(&self) -> u32 {
        self.timed_out + self.refused + self.broken
    }
}

pub struct Watch {
    state: Mutex<State>,
    halted: OnceLock<Halt>,
    in_flight: AtomicUsize,
    /// The exchange timeout: nothing answered for this long while requests are out
    /// means the target stopped answering.
    timeout: Duration,
}

impl Watch {
    pub fn new(timeout: Duration) -> Watch {
        Watch {
            state: Mutex::new(State::default()),
            halted: OnceLock::new(),
            in_flight: AtomicUsize::new(0),
            timeout,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Why the client stopped sending, once it has.
    pub fn halted(&self) -> Option<&Halt> {
        self.halted.get()
    }

    /// An exchange is about to be sent.
    pub fn begin(&self) {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        let mut s = self.lock();
        s.first_send.get_or_insert_with(Instant::now);
    }

    /// An exchange ended with `result`.
    pub fn end(&self, result: &Result<Response, TransportError>) {
        self.in_flight.fetch_sub(1, Ordering::Relaxed);
        let now = Instant::now();
        let mut s = self.lock();
        let Err(e) = result else {
            s.last_answer = Some(now);
            s.answered += 1;
            (s.timed_out, s.refused, s.broken) = (0, 0, 0);
            return;
        };
        match e {
            TransportError::Timeout(_) | TransportError::ConnectTimeout(_) => s.timed_out += 1,
            TransportError::Connect(_) => s.refused += 1,
            TransportError::NotHttp(_) | TransportError::Other(_) | TransportError::Recorded(_) => {
                s.broken += 1
            }
            // The server answered, more than the suite reads: it is alive.
            TransportError::BodyTooLarge { .. } => {
                s.last_answer = Some(now);
                s.answered += 1;
                (s.timed_out, s.refused, s.broken) = (0, 0, 0);
                return;
            }
            TransportError::BudgetExhausted(_)
            | TransportError::Halted(_)
            | TransportError::RateLimited { .. }
            | TransportError::NotRecorded(_) => return,
        }
        s.stats.unanswered += 1;
        let since = s.last_answer.or(s.first_send).unwrap_or(now);
        let silent = now.duration_since(since);
        if s.unanswered_in_a_row() >= UNANSWERED_IN_A_ROW || silent >= self.timeout {
            let reason = stopped_reason(&s, silent, self.timeout);
            drop(s);
            let _ = self.halted.set(Halt::now(HaltKind::Unresponsive, reason));
        }
    }

    /// The target answered a rate limit and the request will be sent again after `wait`:
    /// no request starts before then, and the next ones go slower for a while.
    pub fn rate_limited(&self, wait: Duration) {
        let now = Instant::now();
        let mut s = self.lock();
        let until = now + wait;
        s.pause_until = Some(s.pause_until.map_or(until, |p| p.max(until)));
        s.slow_until = Some(now + wait + SLOW_DOWN_FOR);
        s.stats.rate_limited += 1;
        s.stats.rate_limit_wait_s += wait.as_secs_f64();
    }

    /// A request got an answer that was not a rate limit: the target lets requests through.
    pub fn not_rate_limited(&self) {
        self.lock().rate_limited_in_a_row = 0;
    }

    /// A request was given up after `tries` rate-limit answers.
    pub fn gave_up(&self, tries: u32) {
        let mut s = self.lock();
        s.rate_limited_in_a_row += 1;
        if s.rate_limited_in_a_row >= RATE_LIMITED_IN_A_ROW {
            let reason = format!(
                "the target answered nothing but rate limits: {} requests in a row were given up after {tries} answers of 429 (or 503 with Retry-After) each",
                s.rate_limited_in_a_row
            );
            drop(s);
            let _ = self.halted.set(Halt::now(HaltKind::RateLimited, reason));
        }
    }

    /// When the next request may start (a Retry-After still running), and whether the
    /// suite is in its slowed-down period.
    pub fn pacing(&self) -> (Option<Instant>, bool) {
        let now = Instant::now();
        let s = self.lock();
        (
            s.pause_until.filter(|p| *p > now),
            s.slow_until.is_some_and(|u| u > now),
        )
    }

    /// What the run waits for, when it waits noticeably (over two seconds of silence
    /// with requests out, or a rate-limit pause).
    pub fn waiting(&self) -> Option<Waiting> {
        let now = Instant::now();
        let s = self.lock();
        if let Some(p) = s.pause_until.filter(|p| *p > now) {
            return Some(Waiting::RateLimit { left: p - now });
        }
        let in_flight = self.in_flight.load(Ordering::Relaxed);
        let since = s.last_answer.or(s.first_send)?;
        let silent = now.duration_since(since);
        (in_flight > 0 && silent >= Duration::from_secs(2)).then_some(Waiting::Answers {
            in_flight,
            silent,
            timeout: self.timeout,
        })
    }

    pub fn stats(&self) -> TransportStats {
        self.lock().stats.clone()
    }
}

/// "the target stopped answering after 43 answered exchanges: 16 timed out after 30 s".
fn stopped_reason(s: &State, silent: Duration, timeout: Duration) -> String {
    let mut what = Vec::new();
    if s.timed_out > 0 {
        what.push(format!(
            "{} timed out after {} s",
            s.timed_out,
            timeout.as_secs_f64()
        ));
    }
    if s.refused > 0 {
        what.push(format!("{} could not connect", s.refused));
    }
    if s.broken > 0 {
        what.push(format!(
            "{} ended without a complete HTTP answer (reset, closed early, not HTTP)",
            s.broken
        ));
    }
    format!(
        "the target stopped answering after {} answered exchanges: no answer for {:.0} s; of the exchanges since, {}",
        s.answered,
        silent.as_secs_f64(),
        what.join(", ")
    )
}

/// How long a rate-limit answer asks to wait, when it is one: `429` always (its
/// `Retry-After`, or `backoff` when it has none), `503` only with `Retry-After`.
/// Capped at `cap`.
pub fn retry_after(response: &Response, backoff: Duration, cap: Duration) -> Option<Duration> {
    let header = response.header("retry-after").map(str::trim);
    let asked = header.and_then(|v| match v.parse::<u64>() {
        Ok(secs) => Some(Duration::from_secs(secs)),
        Err(_) => httpdate::parse_http_date(v)
            .ok()
            .map(|at| at.duration_since(SystemTime::now()).unwrap_or_default()),
    });
    let wait = match (response.status, asked) {
        (429, Some(w)) | (503, Some(w)) => w,
        (429, None) => backoff,
        _ => return None,
    };
    Some(wait.min(cap))
}

/// The suite's own backoff for a `429` without `Retry-After`: 1 s, 2 s, 4 s, ...
pub fn backoff(try_number: u32) -> Duration {
    Duration::from_secs(1u64 << try_number.saturating_sub(1).min(6))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answered(status: u16, retry_after: Option<&str>) -> Response {
        Response {
            status,
            headers: retry_after
                .map(|v| vec![("Retry-After".to_string(), v.to_string())])
                .unwrap_or_default(),
            body: vec![],
        }
    }

    #[test]
    fn retry_after_reads_seconds_and_dates_and_is_capped() {
        let cap = Duration::from_secs(60);
        let b = Duration::from_secs(1);
        assert_eq!(
            retry_after(&answered(429, Some("3")), b, cap),
            Some(Duration::from_secs(3))
        );
        assert_eq!(retry_after(&answered(429, Some("3600")), b, cap), Some(cap));
        assert_eq!(retry_after(&answered(429, None), b, cap), Some(b));
        let soon = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(5));
        let w = retry_after(&answered(503, Some(&soon)), b, cap).expect("a date");
        assert!(
            w <= Duration::from_secs(5) && w >= Duration::from_secs(3),
            "{w:?}"
        );
        let past = httpdate::fmt_http_date(SystemTime::now() - Duration::from_secs(50));
        assert_eq!(
            retry_after(&answered(429, Some(&past)), b, cap),
            Some(Duration::ZERO)
        );
        // A 503 without Retry-After is a server error, not a rate limit.
        assert_eq!(retry_after(&answered(503, None), b, cap), None);
        assert_eq!(retry_after(&answered(200, Some("1")), b, cap), None);
    }

    #[test]
    fn backoff_doubles_and_stops_growing() {
        assert_eq!(backoff(1), Duration::from_secs(1));
        assert_eq!(backoff(3), Duration::from_secs(4));
        assert_eq!(backoff(40), Duration::from_secs(64));
    }

    fn timeout() -> Result<Response, TransportError> {
        Err(TransportError::Timeout(Duration::from_secs(30)))
    }

    #[test]
    fn an_answer_between_failures_keeps_the_target_alive() {
        let w = Watch::new(Duration::from_secs(3600));
        for _ in 0..UNANSWERED_IN_A_ROW - 1 {
            w.begin();
            w.end(&timeout());
        }
        w.begin();
        w.end(&Ok(answered(500, None)));
        for _ in 0..UNANSWERED_IN_A_ROW - 1 {
            w.begin();
            w.end(&timeout());
        }
        assert!(w.halted().is_none());
        w.begin();
        w.end(&timeout());
        let halt = w.halted().expect("halted");
        assert_eq!(halt.kind, HaltKind::Unresponsive);
        assert!(
            halt.reason.contains("after 1 answered exchanges")
                && halt.reason.contains("8 timed out after 3600 s"),
            "{}",
            halt.reason
        );
    }

    #[test]
    fn one_unanswered_exchange_after_a_whole_timeout_of_silence_stops() {
        let w = Watch::new(Duration::from_millis(20));
        w.begin();
        std::thread::sleep(Duration::from_millis(30));
        w.end(&timeout());
        assert_eq!(w.halted().map(|h| &h.kind), Some(&HaltKind::Unresponsive));
    }

    #[test]
    fn the_suites_own_refusals_are_not_the_targets_silence() {
        let w = Watch::new(Duration::from_millis(1));
        w.begin();
        std::thread::sleep(Duration::from_millis(5));
        w.end(&Err(TransportError::BudgetExhausted(1)));
        assert!(w.halted().is_none());
        assert_eq!(w.stats().unanswered, 0);
    }

    #[test]
    fn rate_limits_pause_and_slow_then_halt_when_nothing_gets_through() {
        let w = Watch::new(Duration::from_secs(30));
        w.rate_limited(Duration::from_millis(200));
        let (pause, slow) = w.pacing();
        assert!(pause.is_some() && slow);
        assert!(matches!(w.waiting(), Some(Waiting::RateLimit { .. })));
        for _ in 0..RATE_LIMITED_IN_A_ROW - 1 {
            w.gave_up(5);
        }
        w.not_rate_limited();
        w.gave_up(5);
        assert!(w.halted().is_none());
        for _ in 0..RATE_LIMITED_IN_A_ROW {
            w.gave_up(5);
        }
        assert_eq!(w.halted().map(|h| &h.kind), Some(&HaltKind::RateLimited));
        assert_eq!(w.stats().rate_limited, 1);
    }
}
