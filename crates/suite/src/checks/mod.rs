//! Pure checks: an observed response in, a pass or a failure message out. Each check
//! is run by the engine with a level and a documentation citation.

pub mod binding;
pub mod group;
pub mod invoked;
pub mod select;
pub mod validators;

use crate::cases::{SpecRef, StatusPattern};
use crate::vocab::{self, Level, MediaFamily};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The checks every trial runs on a response it expects to succeed; their levels and
/// citations come from `cases/checks.toml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Intrinsic {
    MediaFamily,
    BodyDecodes,
    Schema,
    XmlRoot,
    /// Every request of the trial got a complete HTTP answer within the limits. Unlike
    /// the others it is not capped by the case's level: a server that does not answer
    /// (timeout, reset, not HTTP, a body over the limit) fails every trial it affects.
    Answers,
    /// The plain JSON create a case's `setup` needs succeeded. Not capped either: it is
    /// the documented save itself, whatever the case that needed it checks.
    Setup,
    /// No request of the trial (main, setup, read-back, health probe, cleanup) was
    /// answered in the 5xx range: "The agents do not return HTTP errors - a failed call
    /// will return NULL instead". Not capped: an info case fails on a 5xx too.
    NoServerError,
    /// When one listed type wins the Accept header (asked for by name, highest q), the
    /// answer is in that very type, parameters aside; wildcards and ties accept any
    /// listed type of the family (`media_family` checks that).
    MediaType,
    /// The `charset` parameter of the answer's Content-Type names the encoding its bytes
    /// are in (the pages' samples: `application/json; charset=utf-8`).
    Charset,
    /// A call that succeeds with something to return answers it: not the NULL result
    /// (the agents' sign of a failed call) nor the internal error object. Cases whose call
    /// may have nothing to return say `expect.body = "may-be-null"`.
    HasResult,
}

impl Intrinsic {
    pub const ALL: [Intrinsic; 10] = [
        Intrinsic::MediaFamily,
        Intrinsic::BodyDecodes,
        Intrinsic::Schema,
        Intrinsic::XmlRoot,
        Intrinsic::Answers,
        Intrinsic::Setup,
        Intrinsic::NoServerError,
        Intrinsic::MediaType,
        Intrinsic::HasResult,
        Intrinsic::Charset,
    ];

    /// Whether a case's level caps this check's (all but `answers`, `setup` and
    /// `no_server_error`).
    pub fn capped(self) -> bool {
        !matches!(
            self,
            Intrinsic::Answers | Intrinsic::Setup | Intrinsic::NoServerError
        )
    }

    pub fn id(self) -> &'static str {
        match self {
            Intrinsic::MediaFamily => "media_family",
            Intrinsic::BodyDecodes => "body_decodes",
            Intrinsic::Schema => "schema",
            Intrinsic::XmlRoot => "xml_root",
            Intrinsic::Answers => "answers",
            Intrinsic::Setup => "setup",
            Intrinsic::NoServerError => "no_server_error",
            Intrinsic::MediaType => "media_type",
            Intrinsic::HasResult => "has_result",
            Intrinsic::Charset => "charset",
        }
    }
}

/// What one check found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CheckResult {
    /// `status`, `media_family`, `schema`, `select`, `echo`, `id`, `read_back`, ...
    pub check: String,
    pub level: Level,
    /// The sentence the check enforces. In `report.json` it is left out where it is
    /// given once elsewhere: the check's entry in `check_citations`, or its trial's own
    /// `spec` (reading the report puts it back).
    #[serde(default, skip_serializing_if = "SpecRef::is_empty")]
    pub spec: SpecRef,
    pub passed: bool,
    /// Why it failed, or what was observed (for info-level checks).
    pub message: Option<String>,
}

/// The verdict of a trial, in the spirit of Autobahn's OK / NON-STRICT / INFORMATIONAL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase", tag = "verdict", content = "reason")]
pub enum Verdict {
    /// Every check passed.
    Pass,
    /// A must-level check failed.
    Fail,
    /// A should-level check failed (fails the run only with `--strict`).
    Warn,
    /// Only info-level checks differed from the common reading: reported, never failing.
    Info,
    /// The trial could not run; the reason says why.
    Skipped(String),
}

impl Verdict {
    pub fn of(results: &[CheckResult]) -> Verdict {
        let failed = |l: Level| results.iter().any(|r| !r.passed && r.level == l);
        if failed(Level::Must) {
            Verdict::Fail
        } else if failed(Level::Should) {
            Verdict::Warn
        } else if failed(Level::Info) {
            Verdict::Info
        } else {
            Verdict::Pass
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Warn => "warn",
            Verdict::Info => "info",
            Verdict::Skipped(_) => "skipped",
        }
    }

    /// Whether this verdict fails a run (`strict` counts should-level failures).
    pub fn fails_run(&self, strict: bool) -> bool {
        matches!(self, Verdict::Fail) || (strict && matches!(self, Verdict::Warn))
    }
}

pub fn status(expected: &[StatusPattern], actual: u16) -> Result<(), String> {
    if expected.iter().any(|p| p.matches(actual)) {
        Ok(())
    } else {
        let list: Vec<String> = expected.iter().map(|p| p.to_string()).collect();
        Err(format!(
            "expected status {}, got {actual}",
            list.join(" or ")
        ))
    }
}

/// The response Content-Type belongs to the family the Accept header asked for
/// (`None`: either JSON or XML is fine).
pub fn media_family(
    expected: Option<MediaFamily>,
    content_type: Option<&str>,
) -> Result<MediaFamily, String> {
    let Some(ct) = content_type else {
        return Err("the response has no Content-Type".into());
    };
    let got = vocab::family_of(ct).filter(|f| *f != MediaFamily::Form);
    match (expected, got) {
        (_, None) => Err(format!(
            "response Content-Type `{ct}` is neither JSON nor XML"
        )),
        (Some(e), Some(g)) if e != g => {
            Err(format!("asked for {e}, got Content-Type `{ct}` ({g})"))
        }
        (_, Some(g)) => Ok(g),
    }
}

/// The media ranges of an Accept header value, in order: each range's essence (lower
/// case, parameters aside) and its q-value (1 when absent).
fn accept_ranges(accept: &str) -> impl Iterator<Item = (String, f32)> + '_ {
    accept.split(',').filter_map(|item| {
        let mut parts = item.split(';');
        let media = vocab::essence(parts.next().unwrap_or(""));
        let q = parts
            .filter_map(|p| {
                let p = p.trim();
                p.strip_prefix("q=").or_else(|| p.strip_prefix("Q="))
            })
            .find_map(|v| v.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        (!media.is_empty()).then_some((media, q))
    })
}

/// The one listed type an Accept header asks for by name with the highest q-value, when
/// exactly one does and no wildcard ranks above it; `None` otherwise (a wildcard wins, a
/// tie, or no listed type is named).
pub fn asked_type(accept: &str, listed: &[String]) -> Option<String> {
    let mut named: Vec<(f32, String)> = Vec::new();
    let mut wildcard_q: f32 = 0.0;
    for (media, q) in accept_ranges(accept) {
        if media.ends_with("/*") {
            wildcard_q = wildcard_q.max(q);
        } else if listed.iter().any(|l| vocab::essence(l) == media) {
            named.push((q, media));
        }
    }
    let best = named.iter().map(|(q, _)| *q).fold(0.0_f32, f32::max);
    let winners: Vec<&String> = named
        .iter()
        .filter(|(q, _)| *q == best)
        .map(|(_, m)| m)
        .collect();
    match winners.as_slice() {
        [one] if best > 0.0 && best >= wildcard_q => Some((*one).clone()),
        _ => None,
    }
}

/// The answer is in the media type asked for (parameters such as `charset` aside).
pub fn media_type(asked: &str, content_type: Option<&str>) -> Result<(), String> {
    let got = content_type.map(vocab::essence).unwrap_or_default();
    if got == vocab::essence(asked) {
        Ok(())
    } else {
        Err(format!(
            "asked for `{asked}`, which the page lists as a type \"you would like the response in\"; got Content-Type `{}`",
            content_type.unwrap_or("(none)")
        ))
    }
}

/// The `charset` parameter of a Content-Type names the encoding of the body's bytes. Only a
/// body beyond ASCII can tell (ASCII reads the same under every label seen on the web):
/// UTF-8 bytes under another label read as other text to a client that trusts the label.
/// Bytes that are not UTF-8 under a UTF-8 label are `body_decodes`' to report.
pub fn charset(content_type: Option<&str>, body: &[u8]) -> Result<(), String> {
    let label = content_type.and_then(|ct| {
        ct.split(';').skip(1).find_map(|p| {
            let (name, value) = p.split_once('=')?;
            name.trim()
                .eq_ignore_ascii_case("charset")
                .then(|| value.trim().trim_matches('"').to_ascii_lowercase())
        })
    });
    let Some(label) = label else { return Ok(()) };
    if body.is_ascii() || matches!(label.as_str(), "utf-8" | "utf8") {
        return Ok(());
    }
    match std::str::from_utf8(body) {
        Ok(text) => {
            let sample: String = text.chars().filter(|c| !c.is_ascii()).take(3).collect();
            Err(format!(
                "labelled `charset={label}`, but the bytes are UTF-8 (`{sample}` ...): a client that trusts the label reads other text"
            ))
        }
        Err(_) if matches!(label.as_str(), "us-ascii" | "ascii") => Err(format!(
            "labelled `charset={label}`, but the body holds bytes beyond ASCII"
        )),
        // Legacy bytes under a legacy label: consistent.
        Err(_) => Ok(()),
    }
}

/// The family an Accept header value prefers: the listed type with the highest q-value
/// (ties go to the first); `None` when it prefers a wildcard or names no JSON/XML type.
pub fn preferred_family(accept: &str) -> Option<MediaFamily> {
    let mut best: Option<(f32, Option<MediaFamily>)> = None;
    for (media, q) in accept_ranges(accept) {
        if q <= 0.0 {
            continue;
        }
        let fam = vocab::family_of(&media).filter(|f| *f != MediaFamily::Form);
        if best.is_none_or(|(bq, _)| q > bq) {
            best = Some((q, fam));
        }
    }
    best.and_then(|(_, f)| f)
}

/// Compares the properties listed in `props` between what was sent and what came back.
/// Numbers compare by value, strings exactly, except that a string sent as `null` and
/// answered `""` (or the reverse) is the same: no page says a null string survives a
/// save, and a store whose text columns cannot hold null is a reasonable one
/// ([`null_became_empty`] reports which happened).
pub fn same_values(
    props: &[String],
    sent: &Value,
    got: &Value,
    skip: &dyn Fn(&str) -> bool,
) -> Result<(), String> {
    let mut diffs = Vec::new();
    for p in props {
        if skip(p) {
            continue;
        }
        // What was sent may spell the property in another case (the official 12.x client
        // sends camelCase); the answer is PascalCase as documented.
        let sent_value = sent.get(p).or_else(|| {
            sent.as_object()?
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(p))
                .map(|(_, v)| v)
        });
        let (Some(s), g) = (sent_value, got.get(p)) else {
            continue;
        };
        match g {
            None => diffs.push(format!("{p}: sent {}, missing in response", excerpt(s))),
            Some(g) if !json_eq(s, g) && !null_or_empty(s, g) => {
                diffs.push(format!("{p}: sent {}, got {}", excerpt(s), excerpt(g)))
            }
            _ => {}
        }
    }
    if diffs.is_empty() {
        Ok(())
    } else {
        Err(diffs.join("; "))
    }
}

/// `null` on one side and `""` on the other.
fn null_or_empty(a: &Value, b: &Value) -> bool {
    let empty = |v: &Value| v.as_str() == Some("");
    (a.is_null() && empty(b)) || (empty(a) && b.is_null())
}

/// Observations (info, never a failure): each property of `props` sent as `null` and
/// answered `""`, or sent `""` and answered `null`.
pub fn null_became_empty(props: &[String], sent: &Value, got: &Value) -> Vec<String> {
    props
        .iter()
        .filter_map(|p| {
            let (s, g) = (sent.get(p)?, got.get(p)?);
            null_or_empty(s, g).then(|| {
                format!(
                    "{p}: sent {}, answered {} (the docs do not say whether a null string survives a save)",
                    excerpt(s),
                    excerpt(g)
                )
            })
        })
        .collect()
}

pub fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

/// Every answer in the 5xx range, one line each (`purpose` names the request), or none.
pub fn no_server_error<'a>(answers: impl Iterator<Item = (&'a str, u16)>) -> Result<(), String> {
    let errors: Vec<String> = answers
        .filter(|(_, status)| *status >= 500)
        .map(|(purpose, status)| format!("the {purpose} request was answered {status}"))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("\n"))
    }
}

/// A value for a message: JSON, cut at 80 characters.
pub fn excerpt(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 80 {
        format!("{}...", s.chars().take(80).collect::<String>())
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charset_names_the_bytes() {
        let utf8 = "{\"Value\": \"Grüße\"}".as_bytes();
        assert_eq!(
            charset(Some("application/json; charset=utf-8"), utf8),
            Ok(())
        );
        assert_eq!(charset(Some("application/json"), utf8), Ok(()));
        assert_eq!(
            charset(Some("application/json; charset=\"UTF-8\""), utf8),
            Ok(())
        );
        let e = charset(Some("application/json; charset=iso-8859-1"), utf8).expect_err("UTF-8");
        assert!(e.contains("charset=iso-8859-1") && e.contains("üß"), "{e}");
        // ASCII tells nothing; Latin-1 bytes under a Latin-1 label are what they say.
        assert_eq!(
            charset(Some("text/xml; charset=iso-8859-1"), b"<a>x</a>"),
            Ok(())
        );
        assert_eq!(
            charset(Some("text/xml; charset=iso-8859-1"), b"<a>\xfc</a>"),
            Ok(())
        );
        assert!(charset(Some("text/xml; charset=us-ascii"), b"<a>\xfc</a>").is_err());
    }
    use serde_json::json;

    #[test]
    fn a_null_string_may_come_back_empty() {
        let props = vec![
            "Value".to_string(),
            "Tooltip".to_string(),
            "Rank".to_string(),
        ];
        let sent = json!({"Value": "a", "Tooltip": null, "Rank": null});
        let got = json!({"Value": "a", "Tooltip": "", "Rank": 0});
        assert_eq!(
            same_values(&props, &sent, &got, &|_| false),
            Err("Rank: sent null, got 0".into())
        );
        assert!(same_values(&props[..2], &sent, &got, &|_| false).is_ok());
        assert!(same_values(
            &props[..2],
            &json!({"Tooltip": ""}),
            &json!({"Tooltip": null}),
            &|_| false
        )
        .is_ok());
        assert!(same_values(
            &props[..2],
            &json!({"Tooltip": "x"}),
            &json!({"Tooltip": ""}),
            &|_| false
        )
        .is_err());
        assert_eq!(null_became_empty(&props, &sent, &got).len(), 1);
    }

    #[test]
    fn the_type_asked_for_by_name() {
        let listed: Vec<String> = ["application/json", "text/json", "application/xml"]
            .map(String::from)
            .to_vec();
        assert_eq!(
            asked_type("text/json", &listed).as_deref(),
            Some("text/json")
        );
        assert_eq!(
            asked_type("application/xml;q=0.5, text/json", &listed).as_deref(),
            Some("text/json")
        );
        assert_eq!(asked_type("*/*", &listed), None);
        assert_eq!(asked_type("application/json, text/json", &listed), None);
        assert_eq!(asked_type("text/json;q=0.5, */*", &listed), None);
        assert_eq!(asked_type("text/plain", &listed), None);
        assert!(media_type("text/json", Some("text/json; charset=utf-8")).is_ok());
        assert!(media_type("text/json", Some("application/json")).is_err());
        assert!(media_type("text/json", None).is_err());
    }

    #[test]
    fn server_errors_are_named_by_request() {
        assert!(no_server_error([("main", 200), ("health", 404)].into_iter()).is_ok());
        assert_eq!(
            no_server_error([("main", 500), ("cleanup", 200), ("read-back", 503)].into_iter()),
            Err("the main request was answered 500\nthe read-back request was answered 503".into())
        );
    }

    #[test]
    fn status_patterns() {
        let exp = vec![StatusPattern::Code(200), StatusPattern::Class("4xx".into())];
        assert!(status(&exp, 200).is_ok());
        assert!(status(&exp, 404).is_ok());
        assert_eq!(
            status(&exp, 500),
            Err("expected status 200 or 4xx, got 500".into())
        );
        assert!(status(&exp, 201).is_err());
    }

    #[test]
    fn media_families() {
        assert!(media_family(Some(MediaFamily::Xml), Some("text/xml; charset=utf-8")).is_ok());
        assert!(media_family(Some(MediaFamily::Xml), Some("application/json")).is_err());
        assert!(media_family(None, Some("application/merge-patch+json")).is_ok());
        assert!(media_family(None, Some("text/html")).is_err());
        assert!(media_family(None, None).is_err());
    }

    #[test]
    fn accept_preferences() {
        assert_eq!(
            preferred_family("application/json; charset=utf-8"),
            Some(MediaFamily::Json)
        );
        assert_eq!(
            preferred_family("application/json;q=0.1, text/xml;q=0.9"),
            Some(MediaFamily::Xml)
        );
        assert_eq!(
            preferred_family("text/xml, application/json"),
            Some(MediaFamily::Xml)
        );
        assert_eq!(preferred_family("*/*"), None);
        assert_eq!(
            preferred_family("application/xml;q=0, application/json"),
            Some(MediaFamily::Json)
        );
    }

    #[test]
    fn verdicts() {
        let r = |level, passed| CheckResult {
            check: "x".into(),
            level,
            spec: SpecRef {
                page: "p".into(),
                section: "s".into(),
                quote: "q".into(),
            },
            passed,
            message: None,
        };
        assert_eq!(
            Verdict::of(&[r(Level::Must, true), r(Level::Info, false)]),
            Verdict::Info
        );
        assert_eq!(
            Verdict::of(&[r(Level::Should, false), r(Level::Info, false)]),
            Verdict::Warn
        );
        assert_eq!(
            Verdict::of(&[r(Level::Must, false), r(Level::Should, false)]),
            Verdict::Fail
        );
        assert!(Verdict::Warn.fails_run(true) && !Verdict::Warn.fails_run(false));
    }

    #[test]
    fn value_comparison() {
        let sent = json!({"Value": "a", "Rank": 3});
        assert!(same_values(
            &["Value".into(), "Rank".into()],
            &sent,
            &json!({"Value": "a", "Rank": 3.0}),
            &|_| false
        )
        .is_ok());
        let e =
            same_values(&["Value".into()], &sent, &json!({"Value": "b"}), &|_| false).unwrap_err();
        assert_eq!(e, "Value: sent \"a\", got \"b\"");
    }
}
