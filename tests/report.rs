//! The report files, end to end through the real `soconform` binary:
//! - a full run against the embedded reference server, configured with distinctive secrets,
//!   writes report.json (valid against the published `docs/report.schema.json`), junit.xml
//!   (parses, one testcase per trial), report.html (self-contained) and exchanges.har
//!   (HAR 1.2); no secret, in any encoding, appears in a file or in the console output;
//! - against a server that echoes every credential back (and fails every check), the
//!   secrets are still masked everywhere, failures carry their message, and the exit code
//!   is 1; a configuration error exits 2.

use base64::Engine as _;
use serde_json::Value;
use soconform::suite::{Suite, SuitePaths};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

const BASIC: &str = "cert-vendor:Pw-9f8e7d6c+/Basic=";
const TICKET: &str = "7T:Y2VydGlmaWNhdGlvbi10aWNrZXQtc2VjcmV0LTQ4MTU=";
const BEARER: &str = "8A:Cust424242.YmVhcmVyLXNlY3JldC1mb3ItcmVwb3J0cw==";
const XSRF: &str = "xsrfTok3n-5ecret-1623";
const SESSION: &str = "S3ssion-Cook1e-Value-4711";
const APP_TOKEN: &str = "AppT0ken-5ecret-a9c8b7";

fn cookie() -> String {
    format!("XSRF-TOKEN={XSRF}; SoSession={SESSION}")
}

fn secret_env() -> Vec<(&'static str, String)> {
    vec![
        ("SOCONF_BASIC", BASIC.to_string()),
        ("SOCONF_TICKET", TICKET.to_string()),
        ("SOCONF_BEARER", BEARER.to_string()),
        ("SOCONF_COOKIE", cookie()),
        ("SOCONF_XSRF_TOKEN", XSRF.to_string()),
        ("SOCONF_APP_TOKEN", APP_TOKEN.to_string()),
    ]
}

/// Every form in which a configured secret could leak: the value, the parts that travel
/// alone (Basic's password, each cookie value), and their base64 and percent-encodings.
fn forbidden() -> Vec<String> {
    let b64 = |s: &str| {
        [
            base64::engine::general_purpose::STANDARD.encode(s),
            base64::engine::general_purpose::URL_SAFE.encode(s),
            base64::engine::general_purpose::STANDARD_NO_PAD.encode(s),
        ]
    };
    let password = BASIC.split_once(':').map(|(_, p)| p).unwrap_or(BASIC);
    let mut raw = vec![
        BASIC.to_string(),
        password.to_string(),
        TICKET.to_string(),
        BEARER.to_string(),
        cookie(),
        XSRF.to_string(),
        SESSION.to_string(),
        APP_TOKEN.to_string(),
    ];
    // The tails after the `7T:`/`8A:` prefixes are the secret part of a ticket or token.
    raw.push(TICKET[3..].to_string());
    raw.push(BEARER[3..].to_string());
    let mut out = Vec::new();
    for s in &raw {
        out.push(s.clone());
        out.extend(b64(s));
        out.push(form_urlencoded::byte_serialize(s.as_bytes()).collect());
    }
    out.sort();
    out.dedup();
    out
}

struct Run {
    dir: PathBuf,
    stdout: String,
    stderr: String,
    code: Option<i32>,
}

fn soconform(args: &[&str], env: &[(&str, String)]) -> (Option<i32>, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_soconform"));
    cmd.args(args).current_dir(root());
    for (k, _) in std::env::vars() {
        if k.starts_with("SOCONF_") {
            cmd.env_remove(k);
        }
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run soconform: {e}"));
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Under `target/tmp/` (kept for a look after the run, replaced by the next one).
fn temp_dir(tag: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("report-test-{tag}"));
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// One full run against the embedded server with the secrets above, shared by the tests.
fn embedded_run() -> &'static Run {
    static RUN: OnceLock<Run> = OnceLock::new();
    RUN.get_or_init(|| {
        let dir = temp_dir("embedded");
        let d = dir.to_string_lossy().into_owned();
        let (code, stdout, stderr) = soconform(&["run", "--report", &d], &secret_env());
        Run {
            dir,
            stdout,
            stderr,
            code,
        }
    })
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&read(path)).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn assert_no_secret(run: &Run) {
    let mut texts = vec![
        ("stdout".to_string(), run.stdout.clone()),
        ("stderr".to_string(), run.stderr.clone()),
    ];
    let files = std::fs::read_dir(&run.dir).unwrap_or_else(|e| panic!("{e}"));
    let mut n = 0;
    for f in files.filter_map(|f| f.ok()) {
        n += 1;
        texts.push((f.path().display().to_string(), read(&f.path())));
    }
    assert_eq!(
        n,
        4,
        "expected the four report files in {}",
        run.dir.display()
    );
    for (name, text) in &texts {
        for s in forbidden() {
            assert!(!text.contains(&s), "{name} contains the secret form `{s}`");
        }
    }
}

#[test]
fn a_full_run_writes_four_files_and_says_where() {
    let run = embedded_run();
    assert_eq!(
        run.code,
        Some(0),
        "stdout:\n{}\nstderr:\n{}",
        run.stdout,
        run.stderr
    );
    for f in soconform::report::FILES {
        assert!(run.dir.join(f).is_file(), "{f} missing");
    }
    assert!(
        run.stdout.contains("report.html"),
        "the console must name report.html:\n{}",
        run.stdout
    );
    assert!(run.stdout.contains("verdict: CONFORMANT"), "{}", run.stdout);
    assert!(
        run.stdout.contains("must ok") && run.stdout.contains("should ok"),
        "{}",
        run.stdout
    );
}

#[test]
fn no_secret_appears_in_any_report_file_or_the_console() {
    let run = embedded_run();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    // The run really used every scheme with these credentials.
    let doc = json(&run.dir.join("report.json"));
    let auths: Vec<&str> = doc["trials"]
        .as_array()
        .map(|t| {
            t.iter()
                .filter_map(|t| t["axes"]["auth"].as_str())
                .collect()
        })
        .unwrap_or_default();
    for a in ["basic", "bearer", "xsrf", "soticket-SOTICKET"] {
        assert!(auths.contains(&a), "no {a} trial");
    }
    assert_no_secret(run);
}

/// `docs/report.schema.json` is generated from the report types; regenerate it with
/// `SOCONF_BLESS=1 cargo test --test report`.
#[test]
fn published_report_schema_is_current() {
    let path = root().join("docs/report.schema.json");
    let want = format!(
        "{}\n",
        serde_json::to_string_pretty(&soconform::report::json::schema()).unwrap_or_default()
    );
    if std::env::var_os("SOCONF_BLESS").is_some() {
        let _ = std::fs::create_dir_all(root().join("docs"));
        std::fs::write(&path, &want).unwrap_or_else(|e| panic!("{e}"));
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "docs/report.schema.json is stale: run `SOCONF_BLESS=1 cargo test --test report`"
    );
}

#[test]
fn report_json_is_valid_against_the_published_schema() {
    let run = embedded_run();
    let schema = json(&root().join("docs/report.schema.json"));
    jsonschema::draft202012::meta::validate(&schema)
        .unwrap_or_else(|e| panic!("the published schema is not a 2020-12 schema: {e}"));
    let validator = jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap_or_else(|e| panic!("{e}"));
    let doc = json(&run.dir.join("report.json"));
    let errors: Vec<String> = validator
        .iter_errors(&doc)
        .take(10)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "report.json does not match its schema:\n{}",
        errors.join("\n")
    );

    // And a broken copy does not.
    let mut broken = doc.clone();
    broken["trials"][0]["verdict"] = Value::from("maybe");
    assert!(!validator.is_valid(&broken));

    // What the issue asks for is there.
    let suite = Suite::load(SuitePaths::under(&root())).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(doc["format"], "soconform-report/1");
    assert_eq!(doc["suite"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(doc["suite"]["content_hash"], suite.content_hash());
    // The self-test's measurement of this very suite version (docs/detection.json, kept
    // current by tests/selftest.rs) travels with the report.
    let detection: Value = std::fs::read_to_string(&suite.paths.detection)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Value::Null);
    if detection["content_hash"] == doc["suite"]["content_hash"] {
        assert_eq!(doc["detection"], detection);
    } else {
        assert!(
            doc["detection"].is_null(),
            "another version's score in the report"
        );
    }
    assert!(doc["target"]["url"]
        .as_str()
        .is_some_and(|u| u.starts_with("http://127.0.0.1:")));
    assert!(humantime::parse_rfc3339(doc["started"].as_str().unwrap_or("")).is_ok());
    assert!(humantime::parse_rfc3339(doc["finished"].as_str().unwrap_or("")).is_ok());
    let (_, list, _) = soconform(&["run", "--list"], &[]);
    let trials = doc["trials"].as_array().map_or(0, Vec::len);
    assert_eq!(trials, list.lines().count(), "one entry per trial");
    let t = &doc["trials"][0];
    for key in [
        "id",
        "name",
        "case_id",
        "level",
        "spec",
        "verdict",
        "duration_ms",
        "exchanges",
    ] {
        if key == "name" {
            continue; // the trial's name is its `id`
        }
        assert!(!t[key].is_null(), "trial entry lacks {key}: {t}");
    }
    assert!(t["spec"]["quote"].as_str().is_some_and(|q| !q.is_empty()));
    let cases: usize = suite.cases.files.iter().map(|(_, f)| f.cases.len()).sum();
    assert_eq!(
        doc["requirements"].as_array().map_or(0, Vec::len),
        cases,
        "one requirement per case"
    );
    assert_eq!(doc["traceability"]["uncovered"], 0);
    assert!(doc["traceability"]["rows"]
        .as_array()
        .is_some_and(|r| r.len() > 30));
}

#[test]
fn junit_parses_with_one_testcase_per_trial() {
    let run = embedded_run();
    let xml = read(&run.dir.join("junit.xml"));
    let report = quick_junit::Report::deserialize_from_str(&xml)
        .unwrap_or_else(|e| panic!("junit.xml: {e}"));
    let doc = json(&run.dir.join("report.json"));
    let trials = doc["trials"].as_array().map_or(0, Vec::len);
    assert_eq!(report.tests, trials);
    assert_eq!(report.failures, 0);
    // One testsuite per agent, in name order.
    let names: Vec<&str> = report.test_suites.iter().map(|s| s.name.as_str()).collect();
    let agents: std::collections::BTreeSet<&str> = doc["trials"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["endpoint"].as_str())
        .map(soconform::suite::agent_of)
        .collect();
    assert_eq!(names, agents.into_iter().collect::<Vec<_>>());
    assert!(names.contains(&"User") && names.contains(&"Contact"));
    let cases: usize = report.test_suites.iter().map(|s| s.test_cases.len()).sum();
    assert_eq!(cases, trials);
    // Plain XML readers agree that it is well-formed.
    let mut reader = quick_xml::Reader::from_str(&xml);
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("junit.xml is not well-formed: {e}"),
        }
    }
}

#[test]
fn har_is_har_1_2_with_every_exchange() {
    let run = embedded_run();
    let har = json(&run.dir.join("exchanges.har"));
    let doc = json(&run.dir.join("report.json"));
    let log = &har["log"];
    assert_eq!(log["version"], "1.2");
    assert_eq!(log["creator"]["name"], "soconform");
    let exchanges: usize = doc["trials"]
        .as_array()
        .map(|t| {
            t.iter()
                .map(|t| t["exchanges"].as_array().map_or(0, Vec::len))
                .sum()
        })
        .unwrap_or(0);
    let entries = log["entries"].as_array().cloned().unwrap_or_default();
    assert_eq!(entries.len(), exchanges);
    for e in entries.iter().take(500) {
        assert!(
            humantime::parse_rfc3339(e["startedDateTime"].as_str().unwrap_or("")).is_ok(),
            "{e}"
        );
        assert!(e["time"].is_number());
        for k in [
            "method",
            "url",
            "httpVersion",
            "cookies",
            "headers",
            "queryString",
            "headersSize",
            "bodySize",
        ] {
            assert!(!e["request"][k].is_null(), "request.{k} missing: {e}");
        }
        for k in [
            "status",
            "statusText",
            "httpVersion",
            "cookies",
            "headers",
            "content",
            "redirectURL",
            "headersSize",
            "bodySize",
        ] {
            assert!(!e["response"][k].is_null(), "response.{k} missing: {e}");
        }
        assert!(
            e["response"]["content"]["size"].is_number()
                && e["response"]["content"]["mimeType"].is_string()
        );
        assert!(e["cache"].is_object());
        for k in ["send", "wait", "receive"] {
            assert!(
                e["timings"][k].as_f64().is_some_and(|v| v >= 0.0),
                "timings.{k}: {e}"
            );
        }
        if e["request"]["bodySize"].as_i64().unwrap_or(0) > 0 {
            assert!(
                e["request"]["postData"]["text"].is_string()
                    && e["request"]["postData"]["mimeType"].is_string()
            );
        }
    }
}

/// The heat map and the tables group by agent, then endpoint, then concern: the agent
/// grid has a row per agent, each agent's grid a row per endpoint (the family's six and
/// the others alike), report.json a row per agent, endpoint and concern.
#[test]
fn report_groups_by_agent_then_endpoint() {
    let run = embedded_run();
    let doc = json(&run.dir.join("report.json"));
    let html = read(&run.dir.join("report.html"));
    let section = |marker: &str| -> String {
        html.split(marker)
            .nth(1)
            .and_then(|rest| rest.split("</figure>").next())
            .unwrap_or_else(|| panic!("report.html has no {marker}"))
            .to_string()
    };
    let agents = section("id=\"heatmap-agents\"");
    for agent in ["User", "Contact", "Person"] {
        assert!(
            agents.contains(&format!(">{agent}</th>")),
            "agent grid: {agent}"
        );
        assert!(
            html.contains(&format!("<tr><td>{agent}</td><td>auth</td>")),
            "the summary table has no auth row for {agent}"
        );
    }
    let rows: Vec<(&str, &str, &str)> = doc["concerns"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| {
            Some((
                c["agent"].as_str()?,
                c["endpoint"].as_str()?,
                c["concern"].as_str()?,
            ))
        })
        .collect();
    assert!(
        rows.windows(2).all(|w| w[0] <= w[1]),
        "rows in agent, endpoint, concern order"
    );
    for (agent, slug, method) in [
        ("User", "save_user_group", "SaveUserGroup"),
        ("User", "get_user_group", "GetUserGroup"),
        ("User", "get_all_user_groups", "GetAllUserGroups"),
        ("User", "get_user_group_list", "GetUserGroupList"),
        ("User", "create_user_group", "CreateUserGroup"),
        ("User", "delete_user_group", "DeleteUserGroup"),
        ("Contact", "contact.get_contact_entity", "GetContactEntity"),
        ("Person", "person.get_person_entity", "GetPersonEntity"),
    ] {
        let grid = section(&format!("id=\"agent-{agent}\""));
        assert!(
            grid.contains(&format!(">{method}</th>")),
            "the {agent} grid has no row for {method}"
        );
        assert!(
            rows.iter().any(|(a, e, _)| *a == agent && *e == slug),
            "report.json's concerns have no row for {agent} {slug}"
        );
    }
    // Each row's counts are its own trials: they add up to the total.
    let sum: u64 = doc["concerns"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["counts"]["trials"].as_u64())
        .sum();
    assert_eq!(Some(sum), doc["totals"]["trials"].as_u64());
}

#[test]
fn report_html_is_self_contained() {
    let run = embedded_run();
    let html = read(&run.dir.join("report.html"));
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("Content-Security-Policy") && html.contains("default-src 'none'"));
    assert!(html.contains("id=\"heatmap-grids\""));
    let lower = html.to_ascii_lowercase();
    for bad in [
        "src=\"http",
        "src='http",
        "href=\"http",
        "href='http",
        "src=\"//",
        "href=\"//",
        "url(",
        "@import",
        "<link",
        "<iframe",
    ] {
        assert!(
            !lower.contains(bad),
            "report.html must fetch nothing, found `{bad}`"
        );
    }
}

#[test]
fn a_configuration_error_exits_2() {
    let (code, _, stderr) = soconform(
        &["run"],
        &[("SOCONF_TARGET", "ftp://example.invalid/api".into())],
    );
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("SOCONF_TARGET"), "{stderr}");
    let (code, _, stderr) = soconform(&["run", "--filter", "no-such-trial-anywhere"], &[]);
    assert_eq!(code, Some(2), "an empty selection is an error: {stderr}");
    let (code, _, stderr) = soconform(&["run", "--partition", "hash:4/3"], &[]);
    assert_eq!(code, Some(2), "{stderr}");
}

/// A "server" that answers every request 200 with a body and a header echoing every
/// credential it was sent (and markup), so that every check fails and every secret is in
/// what comes back.
fn start_echo_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
    let addr = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut reader = BufReader::new(match stream.try_clone() {
                    Ok(s) => s,
                    Err(_) => return,
                });
                let mut headers = Vec::new();
                let mut len = 0usize;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end().to_string();
                    if line.is_empty() {
                        break;
                    }
                    if let Some((n, v)) = line.split_once(':') {
                        if n.eq_ignore_ascii_case("content-length") {
                            len = v.trim().parse().unwrap_or(0);
                        }
                    }
                    headers.push(line);
                }
                let mut body = vec![0u8; len];
                let _ = reader.read_exact(&mut body);
                let echoed = headers.join(" | ");
                let decoded: Vec<String> = headers
                    .iter()
                    .filter_map(|h| h.split_whitespace().last())
                    .filter_map(|v| base64::engine::general_purpose::STANDARD.decode(v).ok())
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                    .collect();
                let payload = serde_json::json!({
                    "Value": echoed,
                    "Tooltip": format!("<script>alert('x')</script> {}", decoded.join(" ")),
                    "Id": "not-a-number",
                    "Rank": 1,
                    "Deleted": false,
                    "TableRight": null,
                    "FieldProperties": null,
                    "Body": String::from_utf8_lossy(&body),
                })
                .to_string();
                let auth = headers
                    .iter()
                    .find(|h| h.to_ascii_lowercase().starts_with("authorization:"))
                    .cloned()
                    .unwrap_or_default()
                    .replace(['\r', '\n'], "");
                let response = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nX-Echo: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{payload}",
                    auth.split_once(':').map_or("", |(_, v)| v.trim()),
                    payload.len()
                );
                let mut s = reader.into_inner();
                let _ = s.write_all(response.as_bytes());
            });
        }
    });
    format!("http://{addr}/api")
}

#[test]
fn secrets_a_server_echoes_are_masked_and_failures_exit_1() {
    let url = start_echo_server();
    let dir = temp_dir("echo");
    let d = dir.to_string_lossy().into_owned();
    let mut env = secret_env();
    env.push(("SOCONF_TARGET", url));
    let (code, stdout, stderr) = soconform(
        &[
            "run",
            "--report",
            &d,
            "--rps",
            "0",
            "--concurrency",
            "8",
            "--verbose",
            "--filter",
            "::auth::schemes::",
            "--filter",
            "::auth::xsrf_session::",
            "--filter",
            "::headers::so_app_token::",
            "--filter",
            "::body::doc_sample_no_error::",
        ],
        &env,
    );
    assert_eq!(
        code,
        Some(1),
        "every check fails against the echo server:\n{stdout}\n{stderr}"
    );
    let run = Run {
        dir,
        stdout,
        stderr,
        code,
    };
    assert_no_secret(&run);
    assert!(
        run.stdout.contains("***"),
        "the echoed credentials show as ***:\n{}",
        run.stdout
    );

    // JUnit failures carry the message; the HTML escapes what the server sent.
    let report = quick_junit::Report::deserialize_from_str(&read(&run.dir.join("junit.xml")))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(report.failures > 0);
    for s in &report.test_suites {
        for c in &s.test_cases {
            if let quick_junit::TestCaseStatus::NonSuccess {
                message,
                description,
                ..
            } = &c.status
            {
                assert!(
                    message
                        .as_ref()
                        .is_some_and(|m| m.as_str().starts_with("FAIL")),
                    "{message:?}"
                );
                assert!(description
                    .as_ref()
                    .is_some_and(|d| d.as_str().contains("docs:")));
            }
        }
    }
    let html = read(&run.dir.join("report.html"));
    assert!(
        !html.contains("<script>alert"),
        "server text must be escaped in report.html"
    );
    assert!(html.contains("&lt;script&gt;alert"));
    assert!(html.contains("NOT CONFORMANT"));
    let doc = json(&run.dir.join("report.json"));
    assert_eq!(doc["outcome"]["exit_code"], 1);
    assert_eq!(doc["outcome"]["verdict"], "not-conformant");
    // junit.xml is written a testsuite at a time: its totals are its suites' and the
    // run's (a fail is a failure, a skip skipped; warnings pass without --strict).
    let count = |v: &str| {
        doc["trials"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|t| t["verdict"] == v)
            .count()
    };
    assert_eq!(report.failures, count("fail"));
    assert_eq!(report.skipped, count("skipped") + count("waived"));
    let sum =
        |f: fn(&quick_junit::TestSuite) -> usize| report.test_suites.iter().map(f).sum::<usize>();
    assert_eq!(sum(|s| s.failures), report.failures);
    assert_eq!(sum(|s| s.skipped), report.skipped);
    assert_eq!(sum(|s| s.tests), report.tests);
    assert_eq!(sum(|s| s.test_cases.len()), report.tests);
}

/// A run with `--report` spools each passing trial's details to disk as it finishes and
/// reads them back into report.json and the HAR: nothing is lost, nothing is left behind.
#[test]
fn passing_trials_are_streamed_through_the_spool_whole() {
    let run = embedded_run();
    assert!(
        !run.dir.join(soconform::report::spool::SPOOL_FILE).exists(),
        "the spool is removed once the report is written"
    );
    let doc = json(&run.dir.join("report.json"));
    let trials = doc["trials"].as_array().expect("trials");
    let mut exchanges = 0;
    let mut passed = 0;
    for t in trials {
        let n = t["exchanges"].as_array().map_or(0, Vec::len);
        exchanges += n;
        if t["verdict"] == "pass" {
            passed += 1;
            assert!(n > 0, "{} has no exchanges", t["id"]);
            assert!(
                t["checks"].as_array().is_some_and(|c| !c.is_empty()),
                "{} has no checks",
                t["id"]
            );
        }
    }
    assert!(passed > 1000, "{passed} passing trials");
    let har = json(&run.dir.join("exchanges.har"));
    assert_eq!(
        har["log"]["entries"].as_array().map_or(0, Vec::len),
        exchanges,
        "one HAR entry per recorded exchange"
    );
    // Compact, one trial per line: the size stays practical.
    let text = read(&run.dir.join("report.json"));
    assert!(text.lines().count() > trials.len(), "a trial per line");
    assert!(!text.contains("\n  "), "not pretty-printed");
}

/// Each check's citation is written once (the checks' table, or the trial's own) and put
/// back on reading: every check of the loaded report cites a sentence again.
#[test]
fn check_citations_are_written_once_and_read_back_whole() {
    let run = embedded_run();
    let raw = json(&run.dir.join("report.json"));
    let written: usize = raw["trials"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|t| t["checks"].as_array().into_iter().flatten())
        .filter(|c| c.get("spec").is_some())
        .count();
    let doc = soconform::report::load_doc(&run.dir).expect("the report loads");
    let checks: Vec<soconform::checks::CheckResult> =
        doc.trials.iter().flat_map(|t| t.checks.clone()).collect();
    assert!(checks.len() > 10_000, "{} checks", checks.len());
    assert!(
        written * 10 < checks.len(),
        "{written} of {} checks carry their own citation",
        checks.len()
    );
    for c in checks {
        assert!(!c.spec.is_empty(), "check `{}` cites nothing", c.check);
        assert!(!c.spec.quote.is_empty());
    }
}
