//! Request headers for an auth mode, from the configured credentials.

use crate::auth::{AuthMode, NearMiss, NearMissOf, DOUBLE_SUBMIT_TOKEN};
use crate::credentials::{env, Credential, Credentials};
use crate::vocab::{header, AuthScheme};
use base64::Engine as _;

/// The mode needs a credential that is not configured: the trial is ignored, with this
/// reason, rather than passed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct AuthUnavailable(pub String);

fn need<'a>(c: &'a Option<Credential>, var: &str, what: &str) -> Result<&'a str, AuthUnavailable> {
    c.as_ref()
        .map(|c| c.expose())
        .ok_or_else(|| AuthUnavailable(format!("{what} is not configured: set {var}")))
}

fn basic(userpass: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(userpass)
    )
}

/// The first scheme with a configured credential, in the order a reader would try them.
pub fn first_configured(c: &Credentials) -> Option<AuthScheme> {
    if c.basic.is_some() {
        Some(AuthScheme::Basic)
    } else if c.bearer.is_some() {
        Some(AuthScheme::Bearer)
    } else if c.ticket.is_some() {
        Some(AuthScheme::SoTicket {
            spelling: "SOTicket".into(),
        })
    } else if c.cookie.is_some() && c.xsrf_token.is_some() {
        Some(AuthScheme::Xsrf)
    } else {
        None
    }
}

pub fn auth_headers(
    mode: &AuthMode,
    c: &Credentials,
) -> Result<Vec<(String, String)>, AuthUnavailable> {
    let authz = |v: String| vec![("Authorization".to_string(), v)];
    Ok(match mode {
        AuthMode::Any => {
            let scheme = first_configured(c).ok_or_else(|| {
                AuthUnavailable(format!(
                    "no credentials are configured: set one of {}, {}, {}, or {} with {}",
                    env::BASIC,
                    env::BEARER,
                    env::TICKET,
                    env::COOKIE,
                    env::XSRF_TOKEN
                ))
            })?;
            return auth_headers(&AuthMode::Scheme(scheme), c);
        }
        AuthMode::Scheme(AuthScheme::Basic) => authz(basic(need(&c.basic, env::BASIC, "Basic")?)),
        AuthMode::Scheme(AuthScheme::SoTicket { spelling }) => authz(format!(
            "{spelling} {}",
            need(&c.ticket, env::TICKET, "SoTicket")?
        )),
        AuthMode::Scheme(AuthScheme::Bearer) => authz(format!(
            "Bearer {}",
            need(&c.bearer, env::BEARER, "Bearer")?
        )),
        AuthMode::Scheme(AuthScheme::Xsrf) => vec![
            (
                "Cookie".into(),
                need(&c.cookie, env::COOKIE, "the session cookie")?.to_string(),
            ),
            (
                header::XSRF_TOKEN.into(),
                need(&c.xsrf_token, env::XSRF_TOKEN, "the XSRF token")?.to_string(),
            ),
        ],
        AuthMode::None => vec![],
        AuthMode::WrongBasic => authz(basic("soconform-nobody:soconform-wrong-password")),
        AuthMode::WrongTicket => authz("SoTicket 7T:c29jb25mb3JtLXdyb25nLXRpY2tldA==".into()),
        AuthMode::WrongBearer => authz("Bearer 8A:Cust00000.soconform-wrong-token".into()),
        AuthMode::WrongXsrf => vec![
            (
                "Cookie".into(),
                need(&c.cookie, env::COOKIE, "the session cookie")?.to_string(),
            ),
            (
                header::XSRF_TOKEN.into(),
                "soconform-wrong-xsrf-token".into(),
            ),
        ],
        AuthMode::UnknownScheme => authz("Soconform c29jb25mb3Jt".into()),
        AuthMode::CookieWithoutXsrf => vec![(
            "Cookie".into(),
            need(&c.cookie, env::COOKIE, "the session cookie")?.to_string(),
        )],
        AuthMode::XsrfWithoutCookie => {
            vec![(
                header::XSRF_TOKEN.into(),
                need(&c.xsrf_token, env::XSRF_TOKEN, "the XSRF token")?.to_string(),
            )]
        }
        AuthMode::NearMiss(n) => {
            let (configured, var, what) = near_miss_source(*n, c);
            let configured = need(configured, var, what)?;
            let wrong = n.derive(configured).ok_or_else(|| {
                AuthUnavailable(format!(
                    "{what} (from {var}) cannot be wrong in the way `{}` needs",
                    n.token()
                ))
            })?;
            let mut headers = match n.of() {
                _ if *n == NearMiss::XsrfDoubleSubmit => vec![
                    ("Cookie".into(), wrong),
                    (header::XSRF_TOKEN.into(), DOUBLE_SUBMIT_TOKEN.into()),
                ],
                NearMissOf::Basic => authz(basic(&wrong)),
                NearMissOf::Ticket => authz(format!("SoTicket {wrong}")),
                NearMissOf::Bearer => authz(format!("Bearer {wrong}")),
                NearMissOf::Cookie => vec![
                    ("Cookie".into(), wrong),
                    (
                        header::XSRF_TOKEN.into(),
                        need(&c.xsrf_token, env::XSRF_TOKEN, "the XSRF token")?.to_string(),
                    ),
                ],
            };
            if n.beside_session() {
                headers.push((
                    "Cookie".into(),
                    need(&c.cookie, env::COOKIE, "the session cookie")?.to_string(),
                ));
                headers.push((
                    header::XSRF_TOKEN.into(),
                    need(&c.xsrf_token, env::XSRF_TOKEN, "the XSRF token")?.to_string(),
                ));
            }
            headers
        }
    })
}

/// The configured credential a near miss is derived from, its variable and its name.
fn near_miss_source(
    n: NearMiss,
    c: &Credentials,
) -> (&Option<Credential>, &'static str, &'static str) {
    match n.of() {
        NearMissOf::Basic => (&c.basic, env::BASIC, "Basic"),
        NearMissOf::Ticket => (&c.ticket, env::TICKET, "SoTicket"),
        NearMissOf::Bearer => (&c.bearer, env::BEARER, "Bearer"),
        NearMissOf::Cookie => (&c.cookie, env::COOKIE, "the session cookie"),
    }
}

/// Every near miss of the configured credentials as it travels (the raw value, and for
/// Basic its base64): secrets in all but name, so the redactor masks them too.
pub fn near_miss_secrets(c: &Credentials) -> Vec<String> {
    let mut out = Vec::new();
    // The double-submit's made-up value is no secret: it stays readable in reports.
    for n in NearMiss::ALL
        .into_iter()
        .filter(|n| *n != NearMiss::XsrfDoubleSubmit)
    {
        let (configured, _, _) = near_miss_source(n, c);
        let Some(wrong) = configured.as_ref().and_then(|v| n.derive(v.expose())) else {
            continue;
        };
        if n.of() == NearMissOf::Basic {
            out.push(base64::engine::general_purpose::STANDARD.encode(&wrong));
            // The user name alone is not a secret; what follows it is.
            if let Some((_, rest)) = wrong.split_once(':') {
                out.push(rest.to_string());
            }
        }
        out.push(wrong);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_matches_the_doc_sample() {
        let c = Credentials {
            basic: Some(Credential::user("tje0:Tje0")),
            ..Default::default()
        };
        let h = auth_headers(&AuthMode::Scheme(AuthScheme::Basic), &c).expect("configured");
        assert_eq!(
            h,
            vec![(
                "Authorization".to_string(),
                "Basic dGplMDpUamUw".to_string()
            )]
        );
    }

    #[test]
    fn missing_credential_says_which_variable() {
        let e = auth_headers(
            &AuthMode::Scheme(AuthScheme::Bearer),
            &Credentials::default(),
        )
        .unwrap_err();
        assert!(e.0.contains("SOCONF_BEARER"), "{e}");
    }
}
