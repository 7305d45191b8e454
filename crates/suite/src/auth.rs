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
    /// A near miss of a configured credential, as a half-checked server would accept it.
    NearMiss(NearMiss),
}

/// Credentials derived from the configured ones, each wrong in the one way a careless
/// check would not notice. Every one must be refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NearMiss {
    /// Basic: the configured user with a wrong password (a check of the user name only).
    BasicUser,
    /// Basic: a wrong user with the configured password (a check of the password only).
    BasicPassword,
    /// Basic: the configured pair with one more character (a prefix comparison).
    BasicLonger,
    /// Basic: the configured user with the password's letters in another case (a check
    /// that ignores case).
    BasicPasswordCase,
    /// SoTicket: the configured ticket with one more character.
    TicketLonger,
    /// SoTicket: the configured ticket without its last character.
    TicketShorter,
    /// SoTicket: the configured ticket with its letters' case swapped.
    TicketCase,
    /// Bearer: the configured token with one more character.
    BearerLonger,
    /// Bearer: the configured token without its last character.
    BearerShorter,
    /// Bearer: the configured token with its letters' case swapped.
    BearerCase,
    /// The configured X-XSRF-TOKEN with the session cookie's names but other values (a
    /// check of the cookie's presence or name only).
    CookieValue,
    /// No session at all: an `XSRF-TOKEN` cookie and an X-XSRF-TOKEN header of the same
    /// made-up value (a server that takes the double-submit check for the session).
    XsrfDoubleSubmit,
    /// Basic one character longer, beside the valid session cookie and X-XSRF-TOKEN (a
    /// server that falls back to the session when the Authorization header fails).
    BasicBesideSession,
    /// SoTicket one character longer, beside the valid session.
    TicketBesideSession,
    /// Bearer one character longer, beside the valid session.
    BearerBesideSession,
}

/// The made-up value [`NearMiss::XsrfDoubleSubmit`] sends as both cookie and header.
pub const DOUBLE_SUBMIT_TOKEN: &str = "soconform-double-submit";

/// Which configured credential a near miss is derived from (and sent in place of).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NearMissOf {
    Basic,
    Ticket,
    Bearer,
    Cookie,
}

impl NearMiss {
    pub fn of(self) -> NearMissOf {
        match self {
            NearMiss::BasicUser
            | NearMiss::BasicPassword
            | NearMiss::BasicLonger
            | NearMiss::BasicPasswordCase => NearMissOf::Basic,
            NearMiss::TicketLonger | NearMiss::TicketShorter | NearMiss::TicketCase => {
                NearMissOf::Ticket
            }
            NearMiss::BearerLonger | NearMiss::BearerShorter | NearMiss::BearerCase => {
                NearMissOf::Bearer
            }
            NearMiss::CookieValue | NearMiss::XsrfDoubleSubmit => NearMissOf::Cookie,
            NearMiss::BasicBesideSession => NearMissOf::Basic,
            NearMiss::TicketBesideSession => NearMissOf::Ticket,
            NearMiss::BearerBesideSession => NearMissOf::Bearer,
        }
    }

    /// Whether the valid session (cookie and X-XSRF-TOKEN) rides along: the two
    /// credentials of the request disagree.
    pub fn beside_session(self) -> bool {
        matches!(
            self,
            NearMiss::BasicBesideSession
                | NearMiss::TicketBesideSession
                | NearMiss::BearerBesideSession
        )
    }

    pub const ALL: [NearMiss; 15] = [
        NearMiss::BasicUser,
        NearMiss::BasicPassword,
        NearMiss::BasicLonger,
        NearMiss::TicketLonger,
        NearMiss::TicketShorter,
        NearMiss::TicketCase,
        NearMiss::BearerLonger,
        NearMiss::BearerShorter,
        NearMiss::BearerCase,
        NearMiss::CookieValue,
        NearMiss::BasicBesideSession,
        NearMiss::TicketBesideSession,
        NearMiss::BearerBesideSession,
        NearMiss::BasicPasswordCase,
        NearMiss::XsrfDoubleSubmit,
    ];

    /// The token in trial names (`near-basic-user`, ...).
    pub fn token(self) -> &'static str {
        match self {
            NearMiss::BasicUser => "near-basic-user",
            NearMiss::BasicPassword => "near-basic-password",
            NearMiss::BasicLonger => "near-basic-longer",
            NearMiss::TicketLonger => "near-ticket-longer",
            NearMiss::TicketShorter => "near-ticket-shorter",
            NearMiss::TicketCase => "near-ticket-case",
            NearMiss::BearerLonger => "near-bearer-longer",
            NearMiss::BearerShorter => "near-bearer-shorter",
            NearMiss::BearerCase => "near-bearer-case",
            NearMiss::CookieValue => "near-cookie-value",
            NearMiss::BasicBesideSession => "near-basic-beside-session",
            NearMiss::TicketBesideSession => "near-ticket-beside-session",
            NearMiss::BearerBesideSession => "near-bearer-beside-session",
            NearMiss::BasicPasswordCase => "near-basic-password-case",
            NearMiss::XsrfDoubleSubmit => "near-xsrf-double-submit",
        }
    }

    /// The wrong value derived from `configured` (a `user:password` pair for the Basic
    /// ones, a ticket or token, a `name=value; ...` cookie), or `None` when this
    /// credential cannot be wrong in that way (a token without letters has no other case).
    pub fn derive(self, configured: &str) -> Option<String> {
        let longer = || format!("{configured}x");
        let shorter = || {
            let mut s = configured.to_string();
            s.pop();
            Some(s).filter(|s| !s.is_empty())
        };
        // The letters' case swapped; `None` when that changes nothing.
        let swapped = |s: &str| {
            let other: String = s
                .chars()
                .map(|c| {
                    if c.is_ascii_lowercase() {
                        c.to_ascii_uppercase()
                    } else {
                        c.to_ascii_lowercase()
                    }
                })
                .collect();
            Some(other).filter(|o| o != s)
        };
        match self {
            NearMiss::BasicUser => {
                let (user, password) = configured.split_once(':')?;
                let wrong = if password == "soconform-wrong-password" {
                    "soconform-other-password"
                } else {
                    "soconform-wrong-password"
                };
                Some(format!("{user}:{wrong}"))
            }
            NearMiss::BasicPassword => {
                let (user, password) = configured.split_once(':')?;
                let wrong = if user == "soconform-nobody" {
                    "soconform-other"
                } else {
                    "soconform-nobody"
                };
                Some(format!("{wrong}:{password}"))
            }
            NearMiss::BasicLonger
            | NearMiss::TicketLonger
            | NearMiss::BearerLonger
            | NearMiss::BasicBesideSession
            | NearMiss::TicketBesideSession
            | NearMiss::BearerBesideSession => Some(longer()),
            NearMiss::TicketShorter | NearMiss::BearerShorter => shorter(),
            NearMiss::TicketCase | NearMiss::BearerCase => swapped(configured),
            NearMiss::BasicPasswordCase => {
                let (user, password) = configured.split_once(':')?;
                Some(format!("{user}:{}", swapped(password)?))
            }
            // Not derived from the session: a cookie and header no server issued.
            NearMiss::XsrfDoubleSubmit => Some(format!("XSRF-TOKEN={DOUBLE_SUBMIT_TOKEN}")),
            NearMiss::CookieValue => {
                let pairs: Vec<String> = configured
                    .split(';')
                    .filter_map(|p| p.split_once('='))
                    .map(|(n, v)| format!("{}={}x", n.trim(), v.trim()))
                    .collect();
                Some(pairs.join("; ")).filter(|s| !s.is_empty())
            }
        }
    }
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
            t if t.starts_with("near-") => {
                AuthMode::NearMiss(NearMiss::ALL.into_iter().find(|n| n.token() == t)?)
            }
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
            AuthMode::NearMiss(n) => n.token().into(),
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
    fn near_misses_are_wrong_in_one_way() {
        let d = |n: NearMiss, c: &str| n.derive(c);
        assert_eq!(
            d(NearMiss::BasicUser, "tje0:Tje0").as_deref(),
            Some("tje0:soconform-wrong-password")
        );
        assert_eq!(
            d(NearMiss::BasicPassword, "tje0:Tje0").as_deref(),
            Some("soconform-nobody:Tje0")
        );
        assert_eq!(
            d(NearMiss::BasicLonger, "tje0:Tje0").as_deref(),
            Some("tje0:Tje0x")
        );
        assert_eq!(
            d(NearMiss::TicketShorter, "7T:abc=").as_deref(),
            Some("7T:abc")
        );
        assert_eq!(
            d(NearMiss::TicketCase, "7T:abc=").as_deref(),
            Some("7t:ABC=")
        );
        assert_eq!(d(NearMiss::BearerCase, "123"), None);
        assert_eq!(d(NearMiss::BearerShorter, "1"), None);
        assert_eq!(
            d(NearMiss::CookieValue, "a=1; b=2").as_deref(),
            Some("a=1x; b=2x")
        );
        assert_eq!(d(NearMiss::BasicUser, "no-colon"), None);
        assert_eq!(
            d(NearMiss::BasicPasswordCase, "tje0:Tje0").as_deref(),
            Some("tje0:tJE0")
        );
        assert_eq!(d(NearMiss::BasicPasswordCase, "u:123"), None);
        for n in NearMiss::ALL {
            if let Some(v) = n.derive("user:Secret-7") {
                assert_ne!(v, "user:Secret-7", "{n:?}");
            }
        }
    }

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
        for n in NearMiss::ALL {
            assert_eq!(
                AuthMode::parse_single(n.token()),
                Some(AuthMode::NearMiss(n))
            );
        }
        assert!(AuthMode::parse_single("near-nothing").is_none());
        let m = AuthMode::parse_single("soticket:SOTICKET").expect("spelling");
        assert_eq!(m.token(), "soticket-SOTICKET");
        assert!(AuthMode::parse_single("digest").is_none());
    }
}
