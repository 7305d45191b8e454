//! A `curl` command that reproduces a request without revealing any secret: credentials
//! are read from the same `SOCONF_*` variables the suite uses.

use super::{Redactor, Request};
use crate::auth::{NearMiss, NearMissOf};
use crate::credentials::env;

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

pub fn command(request: &Request, redactor: &Redactor) -> String {
    command_for(request, redactor, None)
}

/// The shell form of a near miss's credential header, derived from the `SOCONF_*`
/// variable the way the suite derives it (see [`NearMiss::derive`]), so the command
/// sends the same wrong credential and reproduces the refusal.
fn near_miss_header(n: NearMiss) -> String {
    let basic =
        |expr: String| format!("\"Authorization: Basic $(printf %s \"{expr}\" | base64 -w0)\"");
    let swap = |var: &str| format!("$(printf %s \"${var}\" | tr a-zA-Z A-Za-z)");
    match n {
        NearMiss::BasicUser => basic(format!("${{{}%%:*}}:soconform-wrong-password", env::BASIC)),
        NearMiss::BasicPassword => basic(format!("soconform-nobody:${{{}#*:}}", env::BASIC)),
        NearMiss::BasicPasswordCase => basic(format!(
            "${{{0}%%:*}}:$(printf %s \"${{{0}#*:}}\" | tr a-zA-Z A-Za-z)",
            env::BASIC
        )),
        NearMiss::BasicLonger | NearMiss::BasicBesideSession => {
            basic(format!("${{{}}}x", env::BASIC))
        }
        NearMiss::TicketLonger | NearMiss::TicketBesideSession => {
            format!("\"Authorization: SoTicket ${{{}}}x\"", env::TICKET)
        }
        NearMiss::TicketShorter => format!("\"Authorization: SoTicket ${{{}%?}}\"", env::TICKET),
        NearMiss::TicketCase => format!("\"Authorization: SoTicket {}\"", swap(env::TICKET)),
        NearMiss::BearerLonger | NearMiss::BearerBesideSession => {
            format!("\"Authorization: Bearer ${{{}}}x\"", env::BEARER)
        }
        NearMiss::BearerShorter => format!("\"Authorization: Bearer ${{{}%?}}\"", env::BEARER),
        NearMiss::BearerCase => format!("\"Authorization: Bearer {}\"", swap(env::BEARER)),
        // Made up, not derived: shown as sent.
        NearMiss::XsrfDoubleSubmit => quote(&format!(
            "Cookie: XSRF-TOKEN={}",
            crate::auth::DOUBLE_SUBMIT_TOKEN
        )),
        NearMiss::CookieValue => format!(
            "\"Cookie: $(printf %s \"${}\" | sed 's/; */;/g; s/;/x; /g; s/$/x/')\"",
            env::COOKIE
        ),
    }
}

/// [`command`] for a request whose credential is the near miss `near`, when it is one.
pub fn command_for(request: &Request, redactor: &Redactor, near: Option<NearMiss>) -> String {
    let mut parts = vec![
        "curl -sS -i".to_string(),
        format!("-X {}", request.method),
        quote(&redactor.text(&request.url)),
    ];
    for (name, value) in &request.headers {
        let lower = name.to_ascii_lowercase();
        let header = match (lower.as_str(), near) {
            ("authorization", Some(n)) if n.of() != NearMissOf::Cookie => near_miss_header(n),
            ("cookie", Some(n)) if n.of() == NearMissOf::Cookie => near_miss_header(n),
            _ => match lower.as_str() {
                "authorization" => match value.split_once(' ') {
                    Some((scheme, _))
                        if scheme.eq_ignore_ascii_case("basic")
                            && redactor.text(value) != *value =>
                    {
                        format!(
                            "\"Authorization: Basic $(printf %s \"${}\" | base64 -w0)\"",
                            env::BASIC
                        )
                    }
                    Some((scheme, _))
                        if scheme.eq_ignore_ascii_case("bearer")
                            && redactor.text(value) != *value =>
                    {
                        format!("\"Authorization: Bearer ${}\"", env::BEARER)
                    }
                    Some((scheme, _)) if redactor.text(value) != *value => {
                        format!("\"Authorization: {scheme} ${}\"", env::TICKET)
                    }
                    // A made-up credential (a refusal case) is not a secret: show it.
                    _ => quote(&format!("{name}: {value}")),
                },
                "cookie" => format!("\"Cookie: ${}\"", env::COOKIE),
                "x-xsrf-token" if redactor.text(value) != *value => {
                    format!("\"{name}: ${}\"", env::XSRF_TOKEN)
                }
                "so-apptoken" => format!("\"{name}: ${}\"", env::APP_TOKEN),
                _ => quote(&format!("{name}: {}", redactor.text(value))),
            },
        };
        parts.push(format!("-H {header}"));
    }
    if let Some(body) = &request.body {
        let text = String::from_utf8_lossy(body);
        parts.push(format!("--data-binary {}", quote(&redactor.text(&text))));
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::{Credential, Credentials};

    #[test]
    fn near_misses_are_derived_in_the_shell_as_the_suite_derives_them() {
        let c = Credentials {
            ticket: Some(Credential::user("7T:abcdef==")),
            ..Default::default()
        };
        let r = Redactor::new(&c);
        let req = |v: &str| Request {
            method: "POST".into(),
            url: "http://h/x".into(),
            headers: vec![("Authorization".into(), v.into())],
            body: None,
            body_label: None,
        };
        let cmd = command_for(
            &req("SoTicket 7T:abcdef="),
            &r,
            Some(NearMiss::TicketShorter),
        );
        assert!(cmd.contains("${SOCONF_TICKET%?}"), "{cmd}");
        assert!(!cmd.contains("abcdef"), "{cmd}");
        let cmd = command_for(&req("SoTicket 7t:ABCDEF=="), &r, Some(NearMiss::TicketCase));
        assert!(
            cmd.contains("tr a-zA-Z A-Za-z") && !cmd.contains("ABCDEF"),
            "{cmd}"
        );
    }

    #[test]
    fn the_password_in_another_case_is_derived_by_the_shell() {
        let header = near_miss_header(NearMiss::BasicPasswordCase);
        let out = std::process::Command::new("bash")
            .arg("-c")
            .arg(format!("printf %s {header}"))
            .env(env::BASIC, "tje0:Tje0")
            .output();
        // Without bash there is nothing to compare against.
        let Ok(out) = out else { return };
        use base64::Engine as _;
        let want = base64::engine::general_purpose::STANDARD.encode("tje0:tJE0");
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            format!("Authorization: Basic {want}")
        );
    }

    #[test]
    fn secrets_become_variables() {
        let c = Credentials {
            basic: Some(Credential::user("tje0:Tje0")),
            ..Default::default()
        };
        let r = Redactor::new(&c);
        let req = Request {
            method: "POST".into(),
            url: "http://h/api/v1/Agents/User/SaveUserGroup".into(),
            headers: vec![
                ("Authorization".into(), "Basic dGplMDpUamUw".into()),
                ("Accept".into(), "application/json".into()),
            ],
            body: Some(b"{\"UserGroup\": null}".to_vec()),
            body_label: None,
        };
        let cmd = command(&req, &r);
        assert!(!cmd.contains("dGplMDpUamUw"), "{cmd}");
        assert!(cmd.contains("$SOCONF_BASIC"), "{cmd}");
        assert!(
            cmd.contains("--data-binary '{\"UserGroup\": null}'"),
            "{cmd}"
        );
    }
}
