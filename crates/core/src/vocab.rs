//! The suite's shared vocabulary: conformance levels, media-type families and auth
//! schemes. Every other module imports these instead of repeating string literals.

use serde::{Deserialize, Serialize};
use std::fmt;

/// How strongly the documentation backs a requirement.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// The docs say it: a failure fails the run.
    Must,
    /// Strongly implied by the docs or an RFC they rely on: a failure warns (fails with `--strict`).
    Should,
    /// The docs are silent: report what the server does, never fail.
    Info,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Must => "must",
            Level::Should => "should",
            Level::Info => "info",
        }
    }

    /// A case's level caps the level of every check it runs: an `info` case never fails,
    /// a `should` case at most warns.
    pub fn capped_by(self, cap: Level) -> Level {
        self.max(cap)
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The body syntaxes the endpoint page lists, grouped by how a body is written and read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum MediaFamily {
    Json,
    Xml,
    Form,
}

impl MediaFamily {
    pub fn as_str(self) -> &'static str {
        match self {
            MediaFamily::Json => "json",
            MediaFamily::Xml => "xml",
            MediaFamily::Form => "form",
        }
    }
}

impl fmt::Display for MediaFamily {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The essence of a media type (`type/subtype`, lower-cased), without parameters.
pub fn essence(media_type: &str) -> String {
    media_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// The family of a media type, by its essence: `application/json`, `text/json` and any
/// `+json` suffix (RFC 6839) are JSON; `application/xml`, `text/xml` and `+xml` are XML.
pub fn family_of(media_type: &str) -> Option<MediaFamily> {
    let e = essence(media_type);
    match e.as_str() {
        "application/json" | "text/json" => Some(MediaFamily::Json),
        "application/xml" | "text/xml" => Some(MediaFamily::Xml),
        "application/x-www-form-urlencoded" => Some(MediaFamily::Form),
        _ if e.ends_with("+json") => Some(MediaFamily::Json),
        _ if e.ends_with("+xml") => Some(MediaFamily::Xml),
        _ => None,
    }
}

/// A short, stable token for a media type, used in trial names
/// (`application/json-patch+json` -> `json-patch`).
pub fn short_name(media_type: &str) -> String {
    let e = essence(media_type);
    match e.as_str() {
        "application/json" => "json".into(),
        "text/json" => "text-json".into(),
        "application/xml" => "xml".into(),
        "text/xml" => "text-xml".into(),
        "application/x-www-form-urlencoded" => "form".into(),
        "application/json-patch+json" => "json-patch".into(),
        "application/merge-patch+json" => "merge-patch".into(),
        other => other
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect(),
    }
}

/// How a trial authenticates.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AuthScheme {
    /// `Authorization: Basic base64(user:password)`.
    Basic,
    /// `Authorization: <spelling> <ticket>`; the docs spell the scheme `SoTicket`,
    /// `SOTICKET` and `SOTicket`.
    SoTicket { spelling: String },
    /// `Authorization: Bearer <token>`.
    Bearer,
    /// No `Authorization` header; `X-XSRF-TOKEN` header plus the session cookie.
    Xsrf,
}

impl AuthScheme {
    /// The token used in trial names: `basic`, `bearer`, `xsrf`, and `soticket-<Spelling>`
    /// (the spelling kept as the docs write it, since it is what differs).
    pub fn token(&self) -> String {
        match self {
            AuthScheme::Basic => "basic".into(),
            AuthScheme::SoTicket { spelling } => format!("soticket-{spelling}"),
            AuthScheme::Bearer => "bearer".into(),
            AuthScheme::Xsrf => "xsrf".into(),
        }
    }
}

/// HTTP header names the suite sends or reads, written once.
/// XML namespaces of the data-contract forms a .NET Web API 2 stack reads and writes.
pub mod xml_ns {
    pub const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";
    /// The data contract namespace of the agent calls: the SOAP contract's (notes §4, X1:
    /// `http://www.superoffice.net/ws/crm/NetServer/ServicesNN`, 88 the newest seen). The
    /// REST pages name none; a DataContractSerializer stack reads only its own.
    pub const DATA_CONTRACT: &str = "http://www.superoffice.net/ws/crm/NetServer/Services88";
    /// Where DataContractSerializer puts arrays of primitives (`ArrayOfint`).
    pub const ARRAYS: &str = "http://schemas.microsoft.com/2003/10/Serialization/Arrays";
}

pub mod header {
    pub const XSRF_TOKEN: &str = "X-XSRF-TOKEN";
    pub const SO_APP_TOKEN: &str = "SO-AppToken";
    pub const SO_LANGUAGE: &str = "SO-Language";
    pub const SO_CULTURE: &str = "SO-Culture";
    pub const SO_TIME_ZONE: &str = "SO-TimeZone";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families() {
        assert_eq!(
            family_of("application/json; charset=utf-8"),
            Some(MediaFamily::Json)
        );
        assert_eq!(family_of("Text/JSON"), Some(MediaFamily::Json));
        assert_eq!(
            family_of("application/merge-patch+json"),
            Some(MediaFamily::Json)
        );
        assert_eq!(family_of("text/xml;charset=utf-8"), Some(MediaFamily::Xml));
        assert_eq!(family_of("application/problem+xml"), Some(MediaFamily::Xml));
        assert_eq!(
            family_of("application/x-www-form-urlencoded"),
            Some(MediaFamily::Form)
        );
        assert_eq!(family_of("text/plain"), None);
        assert_eq!(family_of(""), None);
    }

    #[test]
    fn level_cap() {
        assert_eq!(Level::Must.capped_by(Level::Info), Level::Info);
        assert_eq!(Level::Must.capped_by(Level::Should), Level::Should);
        assert_eq!(Level::Should.capped_by(Level::Must), Level::Should);
    }
}
