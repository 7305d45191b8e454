//! Secrets never reach output: the `soconform run` binary is run with distinctive
//! credentials for every scheme and an SO-AppToken, once against the embedded server and
//! once against a server that echoes every request header and body back (in its JSON
//! body, where the checks quote it, and in its response headers), and with every failure
//! printed in full (`--verbose`: failure messages, curl commands, responses). No secret,
//! nor its base64 form, nor any part of it, may appear on stdout, stderr or in any file
//! the run writes under `--report`.

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::Output;

const BASIC: &str = "sc-user:Pw-Secret-Zq81";
const TICKET: &str = "7T:dGlja2V0LVNlY3JldC1acTgx";
const BEARER: &str = "8A:Cust99999.YmVhcmVyLVNlY3JldC1acTgx";
const COOKIE: &str = "XSRF-TOKEN=xsrf-Secret-Zq81; SoSession=session-Secret-Zq81";
const XSRF: &str = "xsrf-Secret-Zq81";
const APP_TOKEN: &str = "app-Secret-Zq81";

/// Everything that must not appear: each value, the forms it travels in, and the
/// distinctive parts of each.
fn forbidden() -> Vec<String> {
    let b64 = base64::engine::general_purpose::STANDARD;
    vec![
        BASIC.into(),
        b64.encode(BASIC),
        "Pw-Secret-Zq81".into(),
        TICKET.into(),
        "dGlja2V0LVNlY3JldC1acTgx".into(),
        BEARER.into(),
        "YmVhcmVyLVNlY3JldC1acTgx".into(),
        COOKIE.into(),
        "session-Secret-Zq81".into(),
        XSRF.into(),
        APP_TOKEN.into(),
        // Every secret above shares this tag.
        "Secret-Zq81".into(),
        b64.encode("Secret-Zq81"),
    ]
}

fn run(target: Option<&str>, filters: &[&str], report: &Path) -> Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_soconform"));
    cmd.args(["run", "--verbose", "--report"]).arg(report);
    for f in filters {
        cmd.args(["--filter", f]);
    }
    cmd.env_remove("SOCONF_TARGET")
        .env("SOCONF_BASIC", BASIC)
        .env("SOCONF_TICKET", TICKET)
        .env("SOCONF_BEARER", BEARER)
        .env("SOCONF_COOKIE", COOKIE)
        .env("SOCONF_XSRF_TOKEN", XSRF)
        .env("SOCONF_APP_TOKEN", APP_TOKEN)
        .env("SOCONF_GENERATED", "2")
        .current_dir(env!("CARGO_MANIFEST_DIR"));
    if let Some(t) = target {
        cmd.env("SOCONF_TARGET", t);
    }
    cmd.output().expect("the binary runs")
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(files_under(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

/// Asserts no forbidden string is in the output or the report files; returns stdout.
fn assert_no_secrets(out: &Output, report: &Path) -> String {
    let mut texts = vec![
        (
            "stdout".to_string(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        ),
        (
            "stderr".to_string(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ),
    ];
    let files = files_under(report);
    assert!(!files.is_empty(), "the run wrote no report files");
    for f in files {
        let bytes = std::fs::read(&f).expect("read report file");
        texts.push((
            f.display().to_string(),
            String::from_utf8_lossy(&bytes).into_owned(),
        ));
    }
    for (name, text) in &texts {
        for secret in forbidden() {
            if let Some(at) = text.find(&secret) {
                let from = text[..at]
                    .char_indices()
                    .rev()
                    .nth(120)
                    .map_or(0, |(i, _)| i);
                panic!(
                    "{name} contains the secret `{secret}`:\n...{}",
                    &text[from..(at + secret.len()).min(text.len())]
                );
            }
        }
    }
    texts.swap_remove(0).1
}

fn report_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("soconform-secrets-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

#[test]
fn no_secret_in_the_output_of_a_passing_run() {
    let report = report_dir("embedded");
    let out = run(None, &["auth::", "headers::so_app_token"], &report);
    let stdout = assert_no_secrets(&out, &report);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("cleanup: this run created"), "{stdout}");
    let _ = std::fs::remove_dir_all(&report);
}

/// Answers every request `200` with a carrier whose fields are the request's secret
/// headers (Id and Rank as strings, so the schema check quotes them) and its body, and
/// puts them in response headers too.
async fn echo(headers: HeaderMap, body: Bytes) -> Response {
    let h = |n: &str| {
        headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let carrier = json!({
        "Value": h("authorization"),
        "Tooltip": format!("{} | {} | {}", h("cookie"), h("x-xsrf-token"), h("so-apptoken")),
        "Id": h("authorization"),
        "Rank": h("so-apptoken"),
        "Deleted": h("cookie"),
        "TableRight": {"Mask": h("x-xsrf-token"), "Reason": String::from_utf8_lossy(&body)},
        "FieldProperties": null,
    });
    let mut resp = (
        StatusCode::OK,
        [("content-type", "application/json; charset=utf-8")],
        carrier.to_string(),
    )
        .into_response();
    for (name, value) in [
        ("x-echo-authorization", h("authorization")),
        ("set-cookie", h("cookie")),
        ("x-echo-app-token", h("so-apptoken")),
    ] {
        if let Ok(v) = value.parse() {
            resp.headers_mut().insert(name, v);
        }
    }
    resp
}

#[test]
fn no_secret_in_the_output_of_a_run_against_a_server_that_echoes_them() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    rt.spawn(async move { axum::serve(listener, axum::Router::new().fallback(echo)).await });

    let report = report_dir("echo");
    let out = run(
        Some(&format!("http://{addr}/api")),
        &[
            "auth::",
            "headers::so_app_token",
            "persistence::update_same_id::json->json",
            "generated::valid::seed_1::json",
        ],
        &report,
    );
    let stdout = assert_no_secrets(&out, &report);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    // The echoed values were there to leak: the failures quote the response and the
    // schema errors, with the secrets masked.
    assert!(stdout.contains("FAIL [must]"), "{stdout}");
    assert!(stdout.contains("***"), "{stdout}");
    assert!(stdout.contains("request: curl"), "{stdout}");
    assert!(
        stdout.contains("$SOCONF_BASIC") || stdout.contains("$SOCONF_TICKET"),
        "{stdout}"
    );
    let _ = std::fs::remove_dir_all(&report);
}
