//! Replaying recorded exchanges instead of sending (`soconform rejudge`): each trial is
//! served, in order, the exchanges its run recorded. A request that is not the one
//! recorded next (another purpose, method, URL, header or body, secrets compared
//! redacted) is not sent anywhere: it fails with [`TransportError::NotRecorded`], and the
//! trial is "not rejudgeable" with the reason.

use super::{Exchange, RecordedExchange, Redactor, Request, Response, TransportError};
use base64::Engine as _;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// One trial's recorded exchanges, in the order they were sent.
#[derive(Debug)]
pub struct Cursor {
    exchanges: RefCell<VecDeque<RecordedExchange>>,
    redactor: Arc<Redactor>,
}

tokio::task_local! {
    static CURSOR: Cursor;
}

impl Cursor {
    pub fn new(exchanges: Vec<RecordedExchange>, redactor: Arc<Redactor>) -> Cursor {
        Cursor {
            exchanges: RefCell::new(exchanges.into()),
            redactor,
        }
    }
}

/// Runs `f` with `cursor` serving its exchanges.
pub async fn scope<F: std::future::Future>(cursor: Cursor, f: F) -> F::Output {
    CURSOR.scope(cursor, f).await
}

/// Whether the current task replays (inside [`scope`]).
pub fn active() -> bool {
    CURSOR.try_with(|_| ()).is_ok()
}

/// Whether the next recorded exchange of the current trial marks group `id` Deleted (a
/// `cleanup` whose body names that Id): the recorded run did not give it back.
pub fn next_cleans_up(id: i32) -> bool {
    fn names(v: &serde_json::Value, id: i32) -> bool {
        match v {
            serde_json::Value::Object(m) => m
                .iter()
                .any(|(k, v)| (k == "Id" && v.as_i64() == Some(i64::from(id))) || names(v, id)),
            _ => false,
        }
    }
    CURSOR
        .try_with(|c| {
            c.exchanges.borrow().front().is_some_and(|e| {
                e.purpose == "cleanup"
                    && e.request
                        .body
                        .as_deref()
                        .and_then(|b| serde_json::from_str(b).ok())
                        .is_some_and(|v| names(&v, id))
            })
        })
        .unwrap_or(false)
}

/// The recorded answer to `request`, when it is the request recorded next.
pub fn serve(purpose: &'static str, request: Request) -> Exchange {
    let started = SystemTime::now();
    let none = |why: String| (Err(TransportError::NotRecorded(why)), 0, Duration::ZERO);
    let (response, rate_limited, waited) = CURSOR
        .try_with(|c| {
            let mut queue = c.exchanges.borrow_mut();
            match queue.pop_front() {
                None => none(format!(
                    "the record has no further exchange; this suite sends a `{purpose}` request here"
                )),
                Some(rec) => match differs(&rec, purpose, &request, &c.redactor) {
                    Some(why) => {
                        queue.push_front(rec);
                        none(why)
                    }
                    None => (
                        answer(&rec),
                        rec.rate_limited,
                        Duration::from_secs_f64(rec.rate_limit_wait_ms.max(0.0) / 1000.0),
                    ),
                },
            }
        })
        .unwrap_or_else(|_| none("no record to replay".to_string()));
    Exchange {
        purpose,
        request,
        response,
        started,
        duration: Duration::ZERO,
        rate_limited,
        waited,
    }
}

/// Why `request` is not the recorded one, if it is not.
fn differs(
    rec: &RecordedExchange,
    purpose: &str,
    request: &Request,
    redactor: &Redactor,
) -> Option<String> {
    // A request refused for its body form is relabelled `attempt` after it was sent.
    let same_purpose = rec.purpose == purpose || (purpose == "main" && rec.purpose == "attempt");
    if !same_purpose {
        return Some(format!(
            "this suite sends a `{purpose}` request where the record has a `{}` one",
            rec.purpose
        ));
    }
    let now = Exchange {
        purpose: "",
        request: request.clone(),
        response: Err(TransportError::Other(String::new())),
        started: SystemTime::UNIX_EPOCH,
        duration: Duration::ZERO,
        rate_limited: 0,
        waited: Duration::ZERO,
    }
    .redacted(redactor)
    .request;
    let was = &rec.request;
    if now.method != was.method || now.url != was.url {
        return Some(format!(
            "this suite sends {} {} where the record has {} {}",
            now.method, now.url, was.method, was.url
        ));
    }
    if now.headers != was.headers {
        return Some(format!(
            "the `{purpose}` request's headers differ from the record's ({:?} against {:?})",
            now.headers, was.headers
        ));
    }
    if now.body != was.body {
        return Some(format!(
            "the `{purpose}` request's body differs from the record's ({} against {})",
            now.body.as_deref().unwrap_or("none"),
            was.body.as_deref().unwrap_or("none")
        ));
    }
    None
}

/// The recorded answer (or failure) as the client would have returned it.
fn answer(rec: &RecordedExchange) -> Result<Response, TransportError> {
    let Some(r) = &rec.response else {
        return Err(TransportError::from_record(
            rec.error.as_deref().unwrap_or("no answer"),
        ));
    };
    if r.body_truncated {
        return Err(TransportError::NotRecorded(format!(
            "the record keeps only the first part of the {}-byte response body",
            r.body_bytes
        )));
    }
    let body = match &r.body_base64 {
        Some(b64) => base64::engine::general_purpose::STANDARD
            .decode(b64)
            .map_err(|_| {
                TransportError::NotRecorded("the recorded body's base64 does not decode".into())
            })?,
        None => r.body.clone().into_bytes(),
    };
    Ok(Response {
        status: r.status,
        headers: r.headers.clone(),
        body,
    })
}
