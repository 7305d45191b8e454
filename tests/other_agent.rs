//! A page of another agent (the List agent's GetCountry, tests/fixtures/other_agent/),
//! copied into a copy of the suite directory and derived there, is served by
//! `soconform serve --suite-dir` with no code change: the binary as a user runs it.

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

mod common;
use common::copy_dir;

const PAGE: &str = "v1ListAgent_GetCountry.md";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Stops the server however the test ends.
struct Serve(Child);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_page_of_another_agent_is_derived_and_served_without_a_rebuild() {
    let dir = std::env::temp_dir().join(format!("soconform-other-agent-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for sub in ["cases", "schemas", "spec"] {
        copy_dir(&root().join(sub), &dir.join(sub));
    }
    std::fs::copy(
        root().join("tests/fixtures/other_agent").join(PAGE),
        dir.join("spec").join(PAGE),
    )
    .expect("the page");

    // Derive the copy's pages into its schemas/, as a user who adds a page does.
    let pages: Vec<PathBuf> = std::fs::read_dir(dir.join("spec"))
        .expect("spec")
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            (name.starts_with("v1") && name.ends_with(".md")) || name.ends_with(".yml")
        })
        .collect();
    let derive = Command::new(env!("CARGO_BIN_EXE_soconform"))
        .arg("derive")
        .arg("--out")
        .arg(dir.join("schemas"))
        .args(&pages)
        .output()
        .expect("derive runs");
    assert!(
        derive.status.success(),
        "{}",
        String::from_utf8_lossy(&derive.stderr)
    );
    let schema_file = dir.join("schemas/v1ListAgent_GetCountry.response.schema.json");
    assert!(schema_file.is_file(), "derived");

    let mut child = Command::new(env!("CARGO_BIN_EXE_soconform"))
        .args(["serve", "--port", "0", "--suite-dir"])
        .arg(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve starts");
    let stdout = child.stdout.take().expect("stdout");
    let serve = Serve(child);
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().expect("a banner").expect("a line");
    // Keep reading what the server prints: a closed pipe would end it.
    std::thread::spawn(move || lines.for_each(drop));
    let base = first
        .rsplit(' ')
        .next()
        .expect("the URL ends the first line")
        .to_string();

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (status, body) = rt.block_on(async {
        let res = reqwest::Client::new()
            .post(format!("{base}/v1/Agents/List/GetCountry?countryId=42"))
            .header("Authorization", "Basic dGplMDpUamUw")
            .header("Accept", "application/json")
            .send()
            .await
            .expect("answered");
        (res.status().as_u16(), res.text().await.expect("body"))
    });
    // Judged from its page alone: the generic trials of the new endpoint, run by the
    // binary against that server. The page is a read, and the copy's safety.toml says
    // so, as a user who reviewed it would (without the row it is a write: skipped).
    let mut safety = std::fs::read_to_string(dir.join("cases/safety.toml")).expect("safety");
    safety.push_str(
        "\n[[endpoint]]\nuid = \"v1ListAgent_GetCountry\"\nclass = \"read\"\nreason = \"gets: \\\"Gets a Country object.\\\"\"\n",
    );
    std::fs::write(dir.join("cases/safety.toml"), safety).expect("safety written");
    let report = dir.join("report");
    let run = Command::new(env!("CARGO_BIN_EXE_soconform"))
        .args(["run", "--endpoint", "v1ListAgent_GetCountry", "--suite-dir"])
        .arg(&dir)
        .arg("--report")
        .arg(&report)
        .env("SOCONF_TARGET", &base)
        .env("SOCONF_BASIC", "tje0:Tje0")
        .env("SOCONF_TICKET", "7T:c29jb25mb3JtLXJlZmVyZW5jZS10aWNrZXQ=")
        .env(
            "SOCONF_BEARER",
            "8A:Cust12345.c29jb25mb3JtLXJlZmVyZW5jZS1iZWFyZXI=",
        )
        .env(
            "SOCONF_COOKIE",
            "XSRF-TOKEN=c29jb25mb3JtLXhzcmYtdG9rZW4; SoSession=c29jb25mb3JtLXNlc3Npb24",
        )
        .env("SOCONF_XSRF_TOKEN", "c29jb25mb3JtLXhzcmYtdG9rZW4")
        .output()
        .expect("run runs");
    drop(serve);
    let out = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{out}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let judged: Value = serde_json::from_str(
        &std::fs::read_to_string(report.join("report.json")).expect("report.json"),
    )
    .expect("report JSON");
    let trials = judged["trials"].as_array().expect("trials");
    let concerns: std::collections::BTreeSet<&str> = trials
        .iter()
        .map(|t| t["concern"].as_str().unwrap_or(""))
        .collect();
    for concern in ["auth", "accept", "keys", "get", "select"] {
        assert!(concerns.contains(concern), "{concern} judged: {concerns:?}");
    }
    for t in trials {
        assert_eq!(t["endpoint"], "v1ListAgent_GetCountry");
        assert_eq!(t["verdict"], "pass", "{t}");
        assert!(t["id"]
            .as_str()
            .is_some_and(|n| n.starts_with("list.get_country::")));
    }
    assert_eq!(status, 200, "{body}");
    let value: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(
        value["CountryId"], 42,
        "the key in the primary key: {value}"
    );
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(&schema_file).expect("schema"))
            .expect("schema JSON");
    let validator = jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("compiles");
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    let _ = std::fs::remove_dir_all(&dir);
}
