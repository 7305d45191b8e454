//! The one HTTP client a run shares: connection reuse, a request-rate limit and budget,
//! and bounded waiting and reading, so a hostile or slow server fails a trial cleanly
//! instead of hanging or exhausting memory.
//!
//! reqwest adds `Accept: */*` to every request that has no Accept header, so a trial that
//! means to send none (the docs' behaviour without Accept is a question of its own) goes
//! over a bare HTTP/1.1 connection instead when the target is `http://`. Over `https://`
//! the request goes through reqwest and its record says `Accept: */*`, as sent.
//!
//! Every exchange is reported to the [`Watch`]: a target that stopped answering halts
//! the sending, and a rate limit (`429`, or `503` with `Retry-After`) is waited out and
//! the same request sent again.

use super::watch::{self, Watch};
use super::{Exchange, Request, Response};
use crate::target::Limits;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};
use tokio::sync::Mutex;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    #[error("could not connect: {0}")]
    Connect(String),
    #[error("could not connect within {0:?} (the connect timeout)")]
    ConnectTimeout(Duration),
    #[error("no complete response within {0:?} (the total timeout)")]
    Timeout(Duration),
    #[error("response body exceeds the {limit}-byte limit (max body size)")]
    BodyTooLarge { limit: usize },
    #[error("request budget exhausted: --max-requests {0} reached")]
    BudgetExhausted(u64),
    /// Bytes came back that are not an HTTP/1.1 answer.
    #[error("{0}")]
    NotHttp(String),
    /// Not sent: the engine stopped sending (see [`Watch`]).
    #[error("not sent: {0}")]
    Halted(String),
    /// Rejudging: the request is not the one the record has next (or there is none).
    #[error("not rejudgeable: {0}")]
    NotRecorded(String),
    /// Rejudging: a recorded failure, as its text.
    #[error("{0}")]
    Recorded(String),
    /// Given up after the target answered only rate limits.
    #[error("rate-limited: the target answered 429 (or 503 with Retry-After) {answers} times in a row; the suite waited {:.1} s and gave up", waited.as_secs_f64())]
    RateLimited { answers: u32, waited: Duration },
    #[error("{0}")]
    Other(String),
}

impl TransportError {
    /// The words every budget refusal starts with (trials look for them).
    pub const BUDGET_EXHAUSTED: &'static str = "request budget exhausted";
    /// The words every skip reason of a trial a replay cannot judge starts with.
    pub const NOT_REJUDGEABLE: &'static str = "not rejudgeable";

    /// The suite itself did not send the request, or gave it up on the target's word
    /// (budget, halt, rate limit): the trial could not run, which is not the target's
    /// failure to answer.
    pub fn not_run(&self) -> bool {
        match self {
            TransportError::BudgetExhausted(_)
            | TransportError::Halted(_)
            | TransportError::RateLimited { .. }
            | TransportError::NotRecorded(_) => true,
            TransportError::Recorded(text) => text.starts_with("rate-limited: "),
            _ => false,
        }
    }

    /// A failure as a report recorded it (its text), typed again where the verdict
    /// depends on the type (the budget, a halt).
    pub fn from_record(text: &str) -> TransportError {
        let budget = text
            .strip_prefix("request budget exhausted: --max-requests ")
            .and_then(|r| r.strip_suffix(" reached"))
            .and_then(|n| n.parse().ok());
        match (budget, text.strip_prefix("not sent: ")) {
            (Some(max), _) => TransportError::BudgetExhausted(max),
            (None, Some(reason)) => TransportError::Halted(reason.to_string()),
            _ => TransportError::Recorded(text.to_string()),
        }
    }
}

/// Requests that put the target back as it was (marking this run's groups Deleted, and
/// the one listing that finds them) are sent even after `--max-requests` is reached:
/// leaving the server as found comes first. They still count, and still keep `--rps`.
pub const CLEANUP_PURPOSES: [&str; 2] = ["cleanup", "sweep"];

/// The final sweep is sent even after the target stopped answering (a trial's own
/// cleanup is not: it would wait a whole timeout more, and the sweep marks its groups).
pub const SWEEP_PURPOSE: &str = "sweep";

pub struct HttpClient {
    inner: reqwest::Client,
    limits: Limits,
    sent: AtomicU64,
    /// The earliest instant the next request may start, under `--rps`.
    next_slot: Mutex<Instant>,
    watch: Watch,
}

impl HttpClient {
    pub fn new(limits: Limits) -> Result<Self, TransportError> {
        let inner = reqwest::Client::builder()
            .connect_timeout(limits.connect_timeout)
            .timeout(limits.total_timeout)
            .pool_max_idle_per_host(limits.concurrency.max(1))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("soconform/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| TransportError::Other(format!("cannot build the HTTP client: {e}")))?;
        Ok(HttpClient {
            inner,
            watch: Watch::new(limits.total_timeout),
            limits,
            sent: AtomicU64::new(0),
            next_slot: Mutex::new(Instant::now()),
        })
    }

    /// Whether the target is still answering, and what it asked of the pace.
    pub fn watch(&self) -> &Watch {
        &self.watch
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Requests sent so far.
    pub fn sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }

    /// Waits for the request's slot: after any Retry-After the target asked for, and at
    /// `--rps` (half of it, or a modest rate when unlimited, for a while after a rate
    /// limit).
    async fn pace(&self) {
        let (pause, slowed) = self.watch.pacing();
        let rps = match (slowed, self.limits.rps) {
            (false, rps) => rps,
            (true, 0) => watch::SLOWED_RPS_WHEN_UNLIMITED,
            (true, rps) => (rps / 2).max(1),
        };
        if rps == 0 && pause.is_none() {
            return;
        }
        let interval = if rps == 0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(1.0 / f64::from(rps))
        };
        let wait_until = {
            let mut next = self.next_slot.lock().await;
            let earliest = pause.map_or(Instant::now(), |p| p.max(Instant::now()));
            let slot = (*next).max(earliest);
            *next = slot + interval;
            slot
        };
        tokio::time::sleep_until(wait_until.into()).await;
    }

    pub async fn send(&self, purpose: &'static str, mut request: Request) -> Exchange {
        if !has_accept(&request) && !request.url.starts_with("http://") {
            // reqwest will add it: record what is sent.
            request.headers.push(("Accept".into(), "*/*".into()));
        }
        // Rejudging: the recorded answer, nothing sent.
        if super::replay::active() {
            return super::replay::serve(purpose, request);
        }
        let started = SystemTime::now();
        let t0 = Instant::now();
        let mut rate_limited = 0;
        let mut waited = Duration::ZERO;
        // A rate limit is the target's right: wait as asked and send the same request
        // again, a few times at most.
        let response = loop {
            let response = self.send_once(purpose, &request).await;
            let wait = response.as_ref().ok().and_then(|r| {
                watch::retry_after(
                    r,
                    watch::backoff(rate_limited + 1),
                    self.limits.max_retry_wait,
                )
            });
            let Some(wait) = wait else {
                if response.is_ok() {
                    self.watch.not_rate_limited();
                }
                break response;
            };
            rate_limited += 1;
            if rate_limited >= self.limits.rate_limit_tries.max(1) {
                self.watch.gave_up(rate_limited);
                break Err(TransportError::RateLimited {
                    answers: rate_limited,
                    waited,
                });
            }
            self.watch.rate_limited(wait);
            waited += wait;
        };
        Exchange {
            purpose,
            request,
            response,
            started,
            duration: t0.elapsed(),
            rate_limited,
            waited,
        }
    }

    /// One try: the budget, the halt, the pace, then the exchange under the total timeout.
    async fn send_once(
        &self,
        purpose: &str,
        request: &Request,
    ) -> Result<Response, TransportError> {
        if purpose != SWEEP_PURPOSE {
            if let Some(halt) = self.watch.halted() {
                return Err(TransportError::Halted(halt.reason.clone()));
            }
        }
        match self.limits.max_requests {
            Some(max) if !CLEANUP_PURPOSES.contains(&purpose) => {
                // Count only what is sent: a refused request does not use the budget.
                let taken = self
                    .sent
                    .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                        (n < max).then_some(n + 1)
                    });
                if taken.is_err() {
                    return Err(TransportError::BudgetExhausted(max));
                }
            }
            _ => {
                self.sent.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.pace().await;
        let total = self.limits.total_timeout;
        self.watch.begin();
        let result = match tokio::time::timeout(total, self.exchange(request)).await {
            Ok(r) => r,
            Err(_) => Err(TransportError::Timeout(total)),
        };
        self.watch.end(&result);
        result
    }

    async fn exchange(&self, request: &Request) -> Result<Response, TransportError> {
        if !has_accept(request) && request.url.starts_with("http://") {
            return self.exchange_bare(request).await;
        }
        let method = reqwest::Method::from_bytes(request.method.as_bytes())
            .map_err(|e| TransportError::Other(format!("bad method {}: {e}", request.method)))?;
        let mut rb = self.inner.request(method, &request.url);
        for (n, v) in &request.headers {
            rb = rb.header(n, v);
        }
        if let Some(body) = &request.body {
            rb = rb.body(body.clone());
        }
        let mut resp = rb.send().await.map_err(|e| classify(&e, &self.limits))?;
        let status = resp.status().as_u16();
        let headers = header_pairs(resp.headers());
        let limit = self.limits.max_body_bytes;
        if resp.content_length().is_some_and(|n| n > limit as u64) {
            return Err(TransportError::BodyTooLarge { limit });
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| classify(&e, &self.limits))? {
            push_capped(&mut body, &chunk, limit)?;
        }
        Ok(Response {
            status,
            headers,
            body,
        })
    }
}

/// Appends a body chunk unless the body would pass the max body size: a server that
/// streams without end fails the exchange instead of filling memory.
fn push_capped(body: &mut Vec<u8>, chunk: &[u8], limit: usize) -> Result<(), TransportError> {
    if body.len() + chunk.len() > limit {
        return Err(TransportError::BodyTooLarge { limit });
    }
    body.extend_from_slice(chunk);
    Ok(())
}

/// Response headers as text pairs (a non-UTF-8 value is kept, lossily, rather than dropped).
fn header_pairs(headers: &reqwest::header::HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

fn has_accept(request: &Request) -> bool {
    request
        .headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("accept"))
}

impl HttpClient {
    /// The request exactly as given (no header added but Host, Content-Length and
    /// User-Agent), on a connection of its own, under the same limits.
    async fn exchange_bare(&self, request: &Request) -> Result<Response, TransportError> {
        use http_body_util::BodyExt as _;
        let other =
            |what: &str, e: &dyn std::fmt::Display| TransportError::Other(format!("{what}: {e}"));
        let uri: hyper::Uri = request.url.parse().map_err(|e| other("bad URL", &e))?;
        let authority = uri
            .authority()
            .ok_or_else(|| TransportError::Other(format!("no host in {}", request.url)))?
            .clone();
        let host = authority
            .host()
            .trim_start_matches('[')
            .trim_end_matches(']');
        let port = authority.port_u16().unwrap_or(80);
        let stream = tokio::time::timeout(
            self.limits.connect_timeout,
            tokio::net::TcpStream::connect((host, port)),
        )
        .await
        .map_err(|_| TransportError::ConnectTimeout(self.limits.connect_timeout))?
        .map_err(|e| TransportError::Connect(e.to_string()))?;
        let (mut sender, connection) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                .await
                .map_err(|e| TransportError::Connect(e.to_string()))?;
        let driver = tokio::spawn(connection);
        let path = uri.path_and_query().map_or("/", |p| p.as_str());
        let mut builder = hyper::Request::builder()
            .method(request.method.as_str())
            .uri(path)
            .header(hyper::header::HOST, authority.as_str());
        if !request
            .headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("user-agent"))
        {
            builder = builder.header(
                hyper::header::USER_AGENT,
                concat!("soconform/", env!("CARGO_PKG_VERSION")),
            );
        }
        for (n, v) in &request.headers {
            builder = builder.header(n.as_str(), v.as_str());
        }
        let body = hyper::body::Bytes::from(request.body.clone().unwrap_or_default());
        let req = builder
            .body(http_body_util::Full::new(body))
            .map_err(|e| other("cannot build the request", &e))?;
        let result = async {
            let resp = sender
                .send_request(req)
                .await
                .map_err(|e| other("the exchange failed", &e))?;
            let status = resp.status().as_u16();
            let headers = header_pairs(resp.headers());
            let limit = self.limits.max_body_bytes;
            let mut incoming = resp.into_body();
            let mut body = Vec::new();
            while let Some(frame) = incoming.frame().await {
                let frame = frame.map_err(|e| other("reading the body", &e))?;
                if let Ok(chunk) = frame.into_data() {
                    push_capped(&mut body, &chunk, limit)?;
                }
            }
            Ok(Response {
                status,
                headers,
                body,
            })
        }
        .await;
        driver.abort();
        result
    }
}

fn classify(e: &reqwest::Error, limits: &Limits) -> TransportError {
    if e.is_timeout() && e.is_connect() {
        return TransportError::ConnectTimeout(limits.connect_timeout);
    }
    if e.is_timeout() {
        return TransportError::Timeout(limits.total_timeout);
    }
    // The chain of sources holds the useful part ("connection refused", "unexpected EOF").
    let mut chain = vec![e.to_string()];
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        chain.push(s.to_string());
        src = s.source();
    }
    let inner = chain.last().cloned().unwrap_or_default();
    let lower = chain.join(": ").to_ascii_lowercase();
    let summary = if lower.contains("invalid http") || lower.contains("parse") {
        Some("the answer is not valid HTTP/1.1")
    } else if lower.contains("reset by peer") {
        Some("the connection was reset")
    } else if lower.contains("end of file before message length") {
        Some("the body ended before the length its Content-Length announced")
    } else if lower.contains("connection closed before message completed")
        || lower.contains("incomplete message")
    {
        Some("the connection closed before a complete answer")
    } else {
        None
    };
    let msg = match summary {
        Some(s) => format!("{s} ({inner})"),
        None => chain.join(": "),
    };
    if summary.is_some_and(|s| s.contains("not valid HTTP")) {
        TransportError::NotHttp(msg)
    } else if e.is_connect() {
        TransportError::Connect(msg)
    } else {
        TransportError::Other(msg)
    }
}
