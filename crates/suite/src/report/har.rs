//! `exchanges.har`: every request and response of the run as HAR 1.2, the evidence behind
//! each verdict. Built from the already-redacted [`RecordedExchange`]s, so no secret can
//! reach it; each entry's `comment` names the trial and why the request was sent.

use super::json::ReportDoc;
use crate::exchange::RecordedExchange;
use serde_json::{json, Value};
use std::time::{Duration, SystemTime};

/// Writes the HAR document (`{"log": {...}}`) to `out`, one entry at a time, so that a
/// large run never holds the whole document in memory.
pub fn write(
    doc: &ReportDoc,
    mut spool: Option<&mut super::spool::SpoolReader>,
    out: &mut impl std::io::Write,
) -> std::io::Result<()> {
    let head = json!({
        "version": "1.2",
        "creator": {
            "name": doc.suite.name,
            "version": doc.suite.version,
            "comment": format!("suite content hash {}", doc.suite.content_hash),
        },
        "pages": [],
        "comment": format!("{} against {}; secrets redacted as ***", doc.outcome.summary, doc.target.label),
    });
    // `head` without its closing brace, then the entries array.
    let head = head.to_string();
    out.write_all(b"{\"log\":")?;
    out.write_all(&head.as_bytes()[..head.len() - 1])?;
    out.write_all(b",\"entries\":[\n")?;
    let mut first = true;
    for (i, t) in doc.trials.iter().enumerate() {
        // A spooled trial's exchanges are read back one trial at a time.
        let spooled = match spool.as_mut().and_then(|s| s.entry(i)) {
            Some(e) => Some(e.map_err(std::io::Error::other)?),
            None => None,
        };
        let exchanges = spooled.as_ref().map_or(&t.exchanges, |e| &e.exchanges);
        for ex in exchanges {
            if !first {
                out.write_all(b",\n")?;
            }
            first = false;
            // The body form sent: the main one is the form the server bound, an `attempt`
            // one it refused or did not read.
            let comment = match &ex.request.body_label {
                Some(form) => format!("{} ({}, body form {form})", t.id, ex.purpose),
                None => format!("{} ({})", t.id, ex.purpose),
            };
            serde_json::to_writer(&mut *out, &entry(ex, &comment))?;
        }
    }
    out.write_all(b"\n]}}\n")
}

/// The whole HAR document as a value (small runs and tests).
pub fn build(doc: &ReportDoc) -> Value {
    let mut buf = Vec::new();
    match write(doc, None, &mut buf).map(|()| serde_json::from_slice(&buf)) {
        Ok(Ok(v)) => v,
        _ => Value::Null,
    }
}

fn iso8601(unix_ms: u64) -> String {
    let t = SystemTime::UNIX_EPOCH + Duration::from_millis(unix_ms);
    humantime::format_rfc3339_millis(t).to_string()
}

fn name_values(headers: &[(String, String)]) -> Vec<Value> {
    headers
        .iter()
        .map(|(n, v)| json!({"name": n, "value": v}))
        .collect()
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    crate::exchange::find_header(headers, name)
}

/// `?a=1&b=2` of a URL as HAR name/value pairs (percent-decoded, as HAR viewers show them).
fn query_string(url: &str) -> Vec<Value> {
    let Some((_, q)) = url.split_once('?') else {
        return vec![];
    };
    let q = q.split('#').next().unwrap_or("");
    form_urlencoded::parse(q.as_bytes())
        .map(|(n, v)| json!({"name": n, "value": v}))
        .collect()
}

fn status_text(status: u16) -> &'static str {
    reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("")
}

fn entry(ex: &RecordedExchange, comment: &str) -> Value {
    let req = &ex.request;
    let mut request = json!({
        "method": req.method,
        "url": req.url,
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": name_values(&req.headers),
        "queryString": query_string(&req.url),
        "headersSize": -1,
        "bodySize": req.body.as_ref().map_or(0, |b| b.len() as i64),
    });
    if let Some(body) = &req.body {
        request["postData"] = json!({
            "mimeType": header(&req.headers, "content-type").unwrap_or(""),
            "text": body,
        });
    }
    let time = ex.duration_ms.max(0.0);
    let response = match &ex.response {
        Some(resp) => {
            let mut content = json!({
                "size": resp.body_bytes,
                "mimeType": header(&resp.headers, "content-type").unwrap_or(""),
                "text": resp.body,
            });
            // Bytes that are not UTF-8 exactly, as HAR allows.
            if let Some(b64) = &resp.body_base64 {
                content["text"] = json!(b64);
                content["encoding"] = json!("base64");
            }
            if resp.body_truncated {
                content["comment"] = json!(format!(
                    "body truncated to its first {} characters",
                    resp.body.chars().count()
                ));
            }
            json!({
                "status": resp.status,
                "statusText": status_text(resp.status),
                "httpVersion": "HTTP/1.1",
                "cookies": [],
                "headers": name_values(&resp.headers),
                "content": content,
                "redirectURL": header(&resp.headers, "location").unwrap_or(""),
                "headersSize": -1,
                "bodySize": resp.body_bytes,
            })
        }
        // No response: HAR still needs one; status 0 is what browsers record.
        None => json!({
            "status": 0,
            "statusText": "",
            "httpVersion": "",
            "cookies": [],
            "headers": [],
            "content": {"size": 0, "mimeType": "", "text": ""},
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": -1,
            "comment": ex.error.clone().unwrap_or_default(),
        }),
    };
    json!({
        "startedDateTime": iso8601(ex.started_unix_ms),
        "time": time,
        "request": request,
        "response": response,
        "cache": {},
        "timings": {"send": 0, "wait": time, "receive": 0},
        "comment": if ex.rate_limited > 0 {
            format!(
                "{comment}; sent again after {} rate-limit answers (waited {:.0} ms)",
                ex.rate_limited, ex.rate_limit_wait_ms
            )
        } else {
            comment.to_string()
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange::{RecordedRequest, RecordedResponse};

    #[test]
    fn an_entry_has_every_required_member() {
        let ex = RecordedExchange {
            purpose: "main".into(),
            started_unix_ms: 1_700_000_000_123,
            duration_ms: 2.5,
            request: RecordedRequest {
                method: "POST".into(),
                url: "http://h/api/v1/Agents/User/SaveUserGroup?$select=Value,Id".into(),
                headers: vec![
                    ("Content-Type".into(), "application/json".into()),
                    ("Authorization".into(), "Basic ***".into()),
                ],
                body: Some("{\"UserGroup\": null}".into()),
                body_label: None,
            },
            response: Some(RecordedResponse {
                status: 200,
                headers: vec![(
                    "content-type".into(),
                    "application/json; charset=utf-8".into(),
                )],
                body: "null".into(),
                body_truncated: false,
                body_bytes: 4,
                body_base64: None,
            }),
            error: None,
            rate_limited: 0,
            rate_limit_wait_ms: 0.0,
        };
        let e = entry(&ex, "t (main)");
        assert_eq!(e["startedDateTime"], "2023-11-14T22:13:20.123Z");
        assert_eq!(
            e["request"]["queryString"][0],
            json!({"name": "$select", "value": "Value,Id"})
        );
        assert_eq!(e["request"]["postData"]["mimeType"], "application/json");
        assert_eq!(e["response"]["statusText"], "OK");
        assert_eq!(
            e["response"]["content"]["mimeType"],
            "application/json; charset=utf-8"
        );
        assert_eq!(e["timings"]["wait"], 2.5);
        let failed = RecordedExchange {
            response: None,
            error: Some("timed out".into()),
            ..ex
        };
        let e = entry(&failed, "t");
        assert_eq!(e["response"]["status"], 0);
        assert_eq!(e["response"]["comment"], "timed out");
    }
}
