//! A `curl` command that reproduces a request without revealing any secret: credentials
//! are read from the same `SOCONF_*` variables the suite uses.

use super::{Redactor, Request};
use crate::credentials::env;

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

pub fn command(request: &Request, redactor: &Redactor) -> String {
    let mut parts = vec![
        "curl -sS -i".to_string(),
        format!("-X {}", request.method),
        quote(&redactor.text(&request.url)),
    ];
    for (name, value) in &request.headers {
        let lower = name.to_ascii_lowercase();
        let header = match lower.as_str() {
            "authorization" => match value.split_once(' ') {
                Some((scheme, _))
                    if scheme.eq_ignore_ascii_case("basic") && redactor.text(value) != *value =>
                {
                    format!(
                        "\"Authorization: Basic $(printf %s \"${}\" | base64 -w0)\"",
                        env::BASIC
                    )
                }
                Some((scheme, _))
                    if scheme.eq_ignore_ascii_case("bearer") && redactor.text(value) != *value =>
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
