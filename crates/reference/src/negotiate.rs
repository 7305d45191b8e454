//! Content negotiation: which of the six documented response types an `Accept` header
//! asks for (RFC 9110 §12.5.1), and which of the seven request types a `Content-Type` is.

use crate::vocab::{essence, MediaFamily};

/// The response types the page lists under Accept, in the order used to break ties.
pub const RESPONSE_TYPES: [&str; 6] = [
    "application/json",
    "text/json",
    "application/xml",
    "text/xml",
    "application/json-patch+json",
    "application/merge-patch+json",
];

/// The request body types the page lists under Content-Type.
pub const REQUEST_TYPES: [&str; 7] = [
    "application/json",
    "text/json",
    "application/xml",
    "text/xml",
    "application/x-www-form-urlencoded",
    "application/json-patch+json",
    "application/merge-patch+json",
];

/// The type used when there is no Accept header or nothing in it is acceptable
/// (ASP.NET's behaviour: the first formatter, JSON, rather than 406).
pub const DEFAULT_RESPONSE_TYPE: &str = "application/json";

/// One parsed media range of an Accept header.
#[derive(Debug, Clone, PartialEq)]
struct Range {
    ty: String,
    sub: String,
    q: f32,
}

impl Range {
    /// How specifically this range names `candidate` (3 exact, 2 `type/*`, 1 `*/*`),
    /// or `None` if it does not match.
    fn specificity(&self, candidate: &str) -> Option<u8> {
        let (ty, sub) = candidate.split_once('/')?;
        match (self.ty.as_str(), self.sub.as_str()) {
            ("*", "*") => Some(1),
            (t, "*") if t == ty => Some(2),
            (t, s) if t == ty && s == sub => Some(3),
            _ => None,
        }
    }
}

/// Parses an Accept header value; malformed elements are skipped.
fn parse_accept(header: &str) -> Vec<Range> {
    header
        .split(',')
        .filter_map(|element| {
            let mut parts = element.split(';');
            let media = parts.next()?.trim().to_ascii_lowercase();
            let (ty, sub) = media.split_once('/')?;
            let token = |s: &str| {
                !s.is_empty()
                    && s.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
            };
            if !token(ty) || !token(sub) || (ty == "*" && sub != "*") {
                return None;
            }
            let mut q = 1.0f32;
            for p in parts {
                if let Some((k, v)) = p.split_once('=') {
                    if k.trim().eq_ignore_ascii_case("q") {
                        q = parse_q(v.trim())?;
                    }
                }
            }
            Some(Range {
                ty: ty.to_string(),
                sub: sub.to_string(),
                q,
            })
        })
        .collect()
}

/// `qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )`.
fn parse_q(v: &str) -> Option<f32> {
    let (int, frac) = v.split_once('.').unwrap_or((v, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    match int {
        "0" => format!("0.{frac}0").parse().ok(),
        "1" if frac.bytes().all(|b| b == b'0') => Some(1.0),
        _ => None,
    }
}

/// The response type the request's Accept headers ask for ([`choose_response_type`]).
pub fn response_type(headers: &axum::http::HeaderMap) -> &'static str {
    choose_response_type(
        headers
            .get_all(axum::http::header::ACCEPT)
            .iter()
            .filter_map(|v| v.to_str().ok()),
    )
}

/// Chooses the response type for the given Accept header values (several headers count
/// as one comma-joined list). Highest q wins; then the most specific matching range;
/// then the position of that range in the header; then the documented order.
/// No header, or nothing acceptable: [`DEFAULT_RESPONSE_TYPE`].
pub fn choose_response_type<'a>(accept: impl IntoIterator<Item = &'a str>) -> &'static str {
    let joined: Vec<&str> = accept.into_iter().collect();
    if joined.is_empty() {
        return DEFAULT_RESPONSE_TYPE;
    }
    let ranges = parse_accept(&joined.join(","));
    let mut best: Option<(f32, u8, usize, usize)> = None; // q, specificity, -position, candidate
    for (ci, candidate) in RESPONSE_TYPES.iter().enumerate() {
        // The most specific matching range decides the candidate's quality.
        let mut decided: Option<(u8, usize, f32)> = None;
        for (pos, r) in ranges.iter().enumerate() {
            if let Some(s) = r.specificity(candidate) {
                if decided.is_none_or(|(ds, _, _)| s > ds) {
                    decided = Some((s, pos, r.q));
                }
            }
        }
        let Some((spec, pos, q)) = decided else {
            continue;
        };
        if q <= 0.0 {
            continue;
        }
        let better = match best {
            None => true,
            Some((bq, bs, bp, _)) => q > bq || (q == bq && (spec > bs || (spec == bs && pos < bp))),
        };
        if better {
            best = Some((q, spec, pos, ci));
        }
    }
    best.map_or(DEFAULT_RESPONSE_TYPE, |(_, _, _, ci)| RESPONSE_TYPES[ci])
}

/// A request body type the server reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyType {
    Json,
    Xml,
    Form,
    JsonPatch,
    MergePatch,
}

impl BodyType {
    pub fn family(self) -> MediaFamily {
        match self {
            BodyType::Json | BodyType::JsonPatch | BodyType::MergePatch => MediaFamily::Json,
            BodyType::Xml => MediaFamily::Xml,
            BodyType::Form => MediaFamily::Form,
        }
    }
}

/// Why a Content-Type is refused (415).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContentTypeError {
    Unsupported(String),
    Charset(String),
}

impl std::fmt::Display for ContentTypeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ContentTypeError::Unsupported(t) => write!(
                f,
                "Content-Type '{t}' is not supported; use one of: {}.",
                REQUEST_TYPES.join(", ")
            ),
            ContentTypeError::Charset(c) => {
                write!(
                    f,
                    "charset '{c}' is not supported; send UTF-8 (charset=utf-8)."
                )
            }
        }
    }
}

/// Classifies a Content-Type header value. Only the seven documented types are read,
/// and only in UTF-8 (a `charset` parameter must name UTF-8).
pub fn body_type(content_type: &str) -> Result<BodyType, ContentTypeError> {
    let e = essence(content_type);
    let ty = match e.as_str() {
        "application/json" | "text/json" => BodyType::Json,
        "application/xml" | "text/xml" => BodyType::Xml,
        "application/x-www-form-urlencoded" => BodyType::Form,
        "application/json-patch+json" => BodyType::JsonPatch,
        "application/merge-patch+json" => BodyType::MergePatch,
        _ => return Err(ContentTypeError::Unsupported(e.chars().take(100).collect())),
    };
    for p in content_type.split(';').skip(1) {
        if let Some((k, v)) = p.split_once('=') {
            if k.trim().eq_ignore_ascii_case("charset") {
                let v = v.trim().trim_matches('"');
                if !v.eq_ignore_ascii_case("utf-8") && !v.eq_ignore_ascii_case("utf8") {
                    return Err(ContentTypeError::Charset(v.chars().take(40).collect()));
                }
            }
        }
    }
    Ok(ty)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn choose(h: &str) -> &'static str {
        choose_response_type([h])
    }

    #[test]
    fn each_listed_type_is_chosen_exactly() {
        for t in RESPONSE_TYPES {
            assert_eq!(choose(t), t);
            assert_eq!(choose(&format!("{t}; charset=utf-8")), t);
        }
        assert_eq!(choose("Application/XML"), "application/xml");
    }

    #[test]
    fn defaults() {
        assert_eq!(choose_response_type(std::iter::empty()), "application/json");
        assert_eq!(choose("image/png"), "application/json");
        assert_eq!(choose("application/xml;q=0"), "application/json");
        assert_eq!(choose("garbage"), "application/json");
        assert_eq!(choose(""), "application/json");
    }

    #[test]
    fn q_values() {
        assert_eq!(
            choose("application/json;q=0.5, application/xml"),
            "application/xml"
        );
        assert_eq!(choose("text/xml;q=0.9, text/json;q=0.8"), "text/xml");
        assert_eq!(choose("application/json;q=0.1, text/xml;q=0.2"), "text/xml");
        assert_eq!(
            choose("application/json;q=0.500, text/xml;q=0.5"),
            "application/json"
        );
        // Malformed q: the element is skipped.
        assert_eq!(choose("application/xml;q=2, text/xml"), "text/xml");
        assert_eq!(choose("application/xml;q=abc"), "application/json");
    }

    #[test]
    fn wildcards_and_specificity() {
        assert_eq!(choose("*/*"), "application/json");
        assert_eq!(choose("text/*"), "text/json");
        assert_eq!(choose("application/*"), "application/json");
        assert_eq!(choose("*/*;q=0.1, application/xml"), "application/xml");
        // A specific q=0 excludes a type that a wildcard would allow.
        assert_eq!(
            choose("application/json;q=0, application/*"),
            "application/xml"
        );
        assert_eq!(choose("text/*;q=0.3, */*;q=0.2"), "text/json");
        // Equal q and specificity: header order.
        assert_eq!(choose("text/xml, application/json"), "text/xml");
        assert_eq!(
            choose_response_type(["text/xml;q=0.4", "application/merge-patch+json"]),
            "application/merge-patch+json"
        );
    }

    #[test]
    fn q_parsing() {
        assert_eq!(parse_q("1"), Some(1.0));
        assert_eq!(parse_q("1.000"), Some(1.0));
        assert_eq!(parse_q("0.25"), Some(0.25));
        assert_eq!(parse_q("0"), Some(0.0));
        assert_eq!(parse_q("1.5"), None);
        assert_eq!(parse_q("0.1234"), None);
        assert_eq!(parse_q("-1"), None);
    }

    #[test]
    fn content_types() {
        for t in REQUEST_TYPES {
            assert!(body_type(t).is_ok(), "{t}");
        }
        assert_eq!(
            body_type("application/json; charset=utf-8"),
            Ok(BodyType::Json)
        );
        assert_eq!(body_type("TEXT/XML; Charset=\"UTF-8\""), Ok(BodyType::Xml));
        assert!(matches!(
            body_type("text/plain"),
            Err(ContentTypeError::Unsupported(_))
        ));
        assert!(matches!(
            body_type("application/json; charset=iso-8859-1"),
            Err(ContentTypeError::Charset(_))
        ));
        assert!(matches!(
            body_type(""),
            Err(ContentTypeError::Unsupported(_))
        ));
    }
}
