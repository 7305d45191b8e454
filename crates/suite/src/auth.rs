//! Auth modes a trial can use: the documented schemes, and the refusals the suite sends
//! on purpose. Parsing of the case-file tokens lives here, once.

use crate::vocab::AuthScheme;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AuthMode {
    /// A documented scheme with the configured credential.
    Scheme(AuthScheme),
    /// The first configured scheme (for cases that are not about auth).
    Any,
    /// No Authorization header, no XSRF header, no cookie.
    None,
    /// Basic with a user and password the server cannot know.
    WrongBasic,
    /// SoTicket with a made-up ticket.
    WrongTicket,
    /// Bearer with a made-up token.
    WrongBearer,
    /// The configured session cookie with a wrong X-XSRF-TOKEN.
    WrongXsrf,
    /// An Authorization scheme the docs do not list.
    UnknownScheme,
    /// The session cookie without the X-XSRF-TOKEN header.
    CookieWithoutXsrf,
    /// The X-XSRF-TOKEN header without the session cookie.
    XsrfWithoutCookie,
}

impl AuthMode {
    /// Parses a refusal or single-mode token; scheme names that expand to several modes
    /// (`all`, `soticket`) are handled by the matrix.
    pub fn parse_single(token: &str) -> Option<AuthMode> {
        Some(match token {
            "basic" => AuthMode::Scheme(AuthScheme::Basic),
            "bearer" => AuthMode::Scheme(AuthScheme::Bearer),
            "xsrf" => AuthMode::Scheme(AuthScheme::Xsrf),
            "any" => AuthMode::Any,
            "none" => AuthMode::None,
            "wrong-basic" => AuthMode::WrongBasic,
            "wrong-ticket" => AuthMode::WrongTicket,
            "wrong-bearer" => AuthMode::WrongBearer,
            "wrong-xsrf" => AuthMode::WrongXsrf,
            "unknown-scheme" => AuthMode::UnknownScheme,
            "cookie-without-xsrf" => AuthMode::CookieWithoutXsrf,
            "xsrf-without-cookie" => AuthMode::XsrfWithoutCookie,
            _ => {
                let spelling = token.strip_prefix("soticket:")?;
                AuthMode::Scheme(AuthScheme::SoTicket {
                    spelling: spelling.to_string(),
                })
            }
        })
    }

    /// The token in trial names.
    pub fn token(&self) -> String {
        match self {
            AuthMode::Scheme(s) => s.token(),
            AuthMode::Any => "any".into(),
            AuthMode::None => "none".into(),
            AuthMode::WrongBasic => "wrong-basic".into(),
            AuthMode::WrongTicket => "wrong-ticket".into(),
            AuthMode::WrongBearer => "wrong-bearer".into(),
            AuthMode::WrongXsrf => "wrong-xsrf".into(),
            AuthMode::UnknownScheme => "unknown-scheme".into(),
            AuthMode::CookieWithoutXsrf => "cookie-without-xsrf".into(),
            AuthMode::XsrfWithoutCookie => "xsrf-without-cookie".into(),
        }
    }

    /// Whether the mode is meant to be refused.
    pub fn is_refusal(&self) -> bool {
        !matches!(self, AuthMode::Scheme(_) | AuthMode::Any)
    }
}

impl fmt::Display for AuthMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.token())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip() {
        for t in [
            "basic",
            "bearer",
            "xsrf",
            "any",
            "none",
            "wrong-basic",
            "wrong-ticket",
            "wrong-bearer",
            "wrong-xsrf",
            "unknown-scheme",
            "cookie-without-xsrf",
            "xsrf-without-cookie",
        ] {
            let m = AuthMode::parse_single(t).expect(t);
            assert_eq!(m.token(), t);
        }
        let m = AuthMode::parse_single("soticket:SOTICKET").expect("spelling");
        assert_eq!(m.token(), "soticket-SOTICKET");
        assert!(AuthMode::parse_single("digest").is_none());
    }
}
