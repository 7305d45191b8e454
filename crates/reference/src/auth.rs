//! Stage (a): the auth decision. Pure: headers and configured credentials in, the scheme
//! that authenticated (or the reason for a 401) out.
//!
//! - `Authorization: <scheme> <credential>`, scheme compared case-insensitively (the docs
//!   spell it `SoTicket`, `SOTICKET`, `SOTicket`; notes §2.1). Basic compares the decoded
//!   `user:password`; SoTicket and Bearer compare the credential as sent. A scheme whose
//!   credential is not configured, an unknown scheme, or a wrong value: 401, even when
//!   XSRF headers are also present.
//! - No `Authorization`: `X-XSRF-TOKEN` must equal the configured token and every
//!   `name=value` pair of the configured cookie must be in the request's `Cookie`
//!   header(s) (notes §2.2). Otherwise 401.
//! - `SO-AppToken` is never checked ("ApplicationTokens are not checked for on-site
//!   installations", notes §2.1).

use super::error::ApiError;
use crate::credentials::Credentials;
use crate::vocab::header as h;
use axum::http::{header, HeaderMap, StatusCode};
use base64::Engine as _;

/// The scheme a request authenticated with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Authenticated {
    Basic,
    SoTicket,
    Bearer,
    Session,
}

/// Why a request was refused (the `MessageDetail` of the 401).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    NoCredentials,
    MalformedHeader,
    UnknownScheme(String),
    SchemeNotEnabled(&'static str),
    WrongCredentials(&'static str),
    SessionNotEnabled,
    WrongXsrfToken,
    MissingSessionCookie,
}

impl Refusal {
    pub fn detail(&self) -> String {
        match self {
            Refusal::NoCredentials => {
                "No Authorization header and no X-XSRF-TOKEN header were sent.".into()
            }
            Refusal::MalformedHeader => "The Authorization header is malformed.".into(),
            Refusal::UnknownScheme(s) => format!(
                "The Authorization scheme '{s}' is not supported (use Basic, SoTicket or Bearer)."
            ),
            Refusal::SchemeNotEnabled(s) => {
                format!("The {s} scheme is not enabled on this server.")
            }
            Refusal::WrongCredentials(s) => format!("The {s} credentials are not valid."),
            Refusal::SessionNotEnabled => {
                "Session (cookie + X-XSRF-TOKEN) authentication is not enabled on this server."
                    .into()
            }
            Refusal::WrongXsrfToken => "The X-XSRF-TOKEN header does not match the session.".into(),
            Refusal::MissingSessionCookie => {
                "The session cookie is missing or does not match.".into()
            }
        }
    }

    /// The 401 response, with one `WWW-Authenticate` challenge per enabled scheme
    /// (RFC 9110 §15.5.2 requires at least one).
    pub fn into_error(self, creds: &Credentials) -> ApiError {
        let mut e = ApiError::new(
            StatusCode::UNAUTHORIZED,
            "Authorization has been denied for this request.",
            self.detail(),
        );
        if creds.basic.is_some() {
            e = e.with_header(header::WWW_AUTHENTICATE, "Basic realm=\"SuperOffice\"");
        }
        if creds.ticket.is_some() {
            e = e.with_header(header::WWW_AUTHENTICATE, "SOTicket");
        }
        if creds.bearer.is_some() {
            e = e.with_header(header::WWW_AUTHENTICATE, "Bearer");
        }
        e
    }
}

/// Compares without an early exit on the first differing byte.
fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Decides whether the request's headers authenticate against `creds`.
pub fn authorize(headers: &HeaderMap, creds: &Credentials) -> Result<Authenticated, Refusal> {
    let mut auths = headers.get_all(header::AUTHORIZATION).iter();
    if let Some(first) = auths.next() {
        if auths.next().is_some() {
            return Err(Refusal::MalformedHeader);
        }
        let value = first.to_str().map_err(|_| Refusal::MalformedHeader)?.trim();
        let (scheme, credential) = match value.split_once([' ', '\t']) {
            Some((s, c)) => (s, c.trim()),
            None => (value, ""),
        };
        return match scheme.to_ascii_lowercase().as_str() {
            "basic" => {
                let expected = creds
                    .basic
                    .as_ref()
                    .ok_or(Refusal::SchemeNotEnabled("Basic"))?;
                let decoded = base64::engine::general_purpose::STANDARD
                    .decode(credential)
                    .map_err(|_| Refusal::MalformedHeader)?;
                if same(&decoded, expected.expose().as_bytes()) {
                    Ok(Authenticated::Basic)
                } else {
                    Err(Refusal::WrongCredentials("Basic"))
                }
            }
            "soticket" => {
                let expected = creds
                    .ticket
                    .as_ref()
                    .ok_or(Refusal::SchemeNotEnabled("SoTicket"))?;
                if same(credential.as_bytes(), expected.expose().as_bytes()) {
                    Ok(Authenticated::SoTicket)
                } else {
                    Err(Refusal::WrongCredentials("SoTicket"))
                }
            }
            "bearer" => {
                let expected = creds
                    .bearer
                    .as_ref()
                    .ok_or(Refusal::SchemeNotEnabled("Bearer"))?;
                if same(credential.as_bytes(), expected.expose().as_bytes()) {
                    Ok(Authenticated::Bearer)
                } else {
                    Err(Refusal::WrongCredentials("Bearer"))
                }
            }
            "" => Err(Refusal::MalformedHeader),
            other => Err(Refusal::UnknownScheme(other.chars().take(32).collect())),
        };
    }

    let Some(token) = headers.get(h::XSRF_TOKEN) else {
        return Err(Refusal::NoCredentials);
    };
    let (Some(expected_token), Some(expected_cookie)) = (&creds.xsrf_token, &creds.cookie) else {
        return Err(Refusal::SessionNotEnabled);
    };
    if !same(token.as_bytes(), expected_token.expose().as_bytes()) {
        return Err(Refusal::WrongXsrfToken);
    }
    let sent: Vec<(String, String)> = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(cookie_pairs)
        .collect();
    let all_present = cookie_pairs(expected_cookie.expose())
        .into_iter()
        .all(|(name, value)| {
            sent.iter()
                .any(|(n, v)| *n == name && same(v.as_bytes(), value.as_bytes()))
        });
    if all_present {
        Ok(Authenticated::Session)
    } else {
        Err(Refusal::MissingSessionCookie)
    }
}

/// `a=1; b=2` -> `[(a, 1), (b, 2)]`; pairs without `=` are skipped.
fn cookie_pairs(header: &str) -> Vec<(String, String)> {
    header
        .split(';')
        .filter_map(|p| p.split_once('='))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .filter(|(n, _)| !n.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{default_credentials, DEFAULT_XSRF_TOKEN};
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut m = HeaderMap::new();
        for (k, v) in pairs {
            m.append(
                axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        m
    }

    fn creds() -> Credentials {
        default_credentials()
    }

    fn ticket() -> String {
        creds().ticket.unwrap().expose().to_string()
    }

    #[test]
    fn basic_sample_credentials() {
        let h = headers(&[("authorization", "Basic dGplMDpUamUw")]);
        assert_eq!(authorize(&h, &creds()), Ok(Authenticated::Basic));
        let h = headers(&[("authorization", "BASIC dGplMDpUamUw")]);
        assert_eq!(authorize(&h, &creds()), Ok(Authenticated::Basic));
        let h = headers(&[("authorization", "Basic dGplMDp3cm9uZw==")]);
        assert_eq!(
            authorize(&h, &creds()),
            Err(Refusal::WrongCredentials("Basic"))
        );
        let h = headers(&[("authorization", "Basic !!!")]);
        assert_eq!(authorize(&h, &creds()), Err(Refusal::MalformedHeader));
    }

    #[test]
    fn ticket_spellings() {
        for s in ["SoTicket", "SOTICKET", "SOTicket", "soticket"] {
            let h = headers(&[("authorization", &format!("{s} {}", ticket()))]);
            assert_eq!(authorize(&h, &creds()), Ok(Authenticated::SoTicket), "{s}");
        }
        let h = headers(&[("authorization", "SoTicket 7T:nope")]);
        assert!(authorize(&h, &creds()).is_err());
    }

    #[test]
    fn bearer_and_unknown_and_unset() {
        let bearer = creds().bearer.unwrap().expose().to_string();
        let h = headers(&[("authorization", &format!("Bearer {bearer}"))]);
        assert_eq!(authorize(&h, &creds()), Ok(Authenticated::Bearer));
        let h = headers(&[("authorization", "Negotiate abc")]);
        assert_eq!(
            authorize(&h, &creds()),
            Err(Refusal::UnknownScheme("negotiate".into()))
        );
        let mut c = creds();
        c.bearer = None;
        let h = headers(&[("authorization", &format!("Bearer {bearer}"))]);
        assert_eq!(authorize(&h, &c), Err(Refusal::SchemeNotEnabled("Bearer")));
    }

    #[test]
    fn failed_authorization_wins_over_xsrf() {
        let cookie = creds().cookie.unwrap().expose().to_string();
        let h = headers(&[
            ("authorization", "Basic dGplMDp3cm9uZw=="),
            ("x-xsrf-token", DEFAULT_XSRF_TOKEN),
            ("cookie", &cookie),
        ]);
        assert!(authorize(&h, &creds()).is_err());
    }

    #[test]
    fn session_cookie_and_token() {
        let cookie = creds().cookie.unwrap().expose().to_string();
        let ok = headers(&[("x-xsrf-token", DEFAULT_XSRF_TOKEN), ("cookie", &cookie)]);
        assert_eq!(authorize(&ok, &creds()), Ok(Authenticated::Session));
        // Pairs may come in any order, split over several Cookie headers, among others.
        let (a, b) = cookie.split_once("; ").unwrap();
        let split = headers(&[
            ("x-xsrf-token", DEFAULT_XSRF_TOKEN),
            ("cookie", &format!("other=1; {b}")),
            ("cookie", a),
        ]);
        assert_eq!(authorize(&split, &creds()), Ok(Authenticated::Session));
        let no_cookie = headers(&[("x-xsrf-token", DEFAULT_XSRF_TOKEN)]);
        assert_eq!(
            authorize(&no_cookie, &creds()),
            Err(Refusal::MissingSessionCookie)
        );
        let wrong = headers(&[("x-xsrf-token", "nope"), ("cookie", &cookie)]);
        assert_eq!(authorize(&wrong, &creds()), Err(Refusal::WrongXsrfToken));
        let nothing = headers(&[("cookie", &cookie)]);
        assert_eq!(authorize(&nothing, &creds()), Err(Refusal::NoCredentials));
    }

    #[test]
    fn app_token_is_not_needed_nor_checked() {
        let h = headers(&[
            ("authorization", "Basic dGplMDpUamUw"),
            ("so-apptoken", "anything"),
        ]);
        assert_eq!(authorize(&h, &creds()), Ok(Authenticated::Basic));
    }
}
