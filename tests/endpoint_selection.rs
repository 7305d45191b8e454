//! `run --endpoint PATTERN`, `SOCONF_ENDPOINTS` and the target file's `endpoints`: the
//! trials of the endpoints whose uid matches, as a user selects them; the flag wins over
//! the variable, which wins over the file; a pattern that matches no endpoint is a setting
//! error; every trial in report.json names its endpoint's uid.

use serde_json::Value;
use std::process::{Command, Output};

mod common;

fn soconform(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_soconform"));
    c.args(args).current_dir(env!("CARGO_MANIFEST_DIR"));
    for var in ["SOCONF_ENDPOINTS", "SOCONF_TARGET", "SOCONF_TARGET_FILE"] {
        c.env_remove(var);
    }
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("soconform runs")
}

/// The endpoint slugs (first name token) of the trials `run --list` prints.
fn slugs(out: &Output) -> std::collections::BTreeSet<String> {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.split("::").next().unwrap_or("").to_string())
        .collect()
}

#[test]
fn the_flag_the_variable_and_the_target_file_select_endpoints() {
    let flag = soconform(
        &["run", "--list", "--endpoint", "v1UserAgent_GetUserGroup*"],
        &[],
    );
    assert_eq!(
        slugs(&flag).into_iter().collect::<Vec<_>>(),
        ["get_user_group", "get_user_group_list"]
    );
    let var = soconform(
        &["run", "--list"],
        &[(
            "SOCONF_ENDPOINTS",
            "v1UserAgent_DeleteUserGroup, v1UserAgent_CreateUserGroup",
        )],
    );
    assert_eq!(
        slugs(&var).into_iter().collect::<Vec<_>>(),
        ["create_user_group", "delete_user_group"]
    );
    let dir = std::env::temp_dir().join(format!("soconform-endpoints-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("mkdir");
    let file = dir.join("target.toml");
    std::fs::write(&file, "endpoints = [\"v1UserAgent_GetAllUserGroups\"]\n").expect("write");
    let file_arg = file.to_string_lossy().to_string();
    let from_file = soconform(&["run", "--list", "--target-file", &file_arg], &[]);
    assert_eq!(
        slugs(&from_file).into_iter().collect::<Vec<_>>(),
        ["get_all_user_groups"]
    );
    // The variable over the file, the flag over both.
    let both = soconform(
        &["run", "--list", "--target-file", &file_arg],
        &[("SOCONF_ENDPOINTS", "v1UserAgent_DeleteUserGroup")],
    );
    assert_eq!(
        slugs(&both).into_iter().collect::<Vec<_>>(),
        ["delete_user_group"]
    );
    let all_three = soconform(
        &[
            "run",
            "--list",
            "--target-file",
            &file_arg,
            "--endpoint",
            "v1UserAgent_CreateUserGroup",
        ],
        &[("SOCONF_ENDPOINTS", "v1UserAgent_DeleteUserGroup")],
    );
    assert_eq!(
        slugs(&all_three).into_iter().collect::<Vec<_>>(),
        ["create_user_group"]
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_pattern_that_names_no_endpoint_is_a_setting_error() {
    let out = soconform(
        &["run", "--list", "--endpoint", "v1UserAgent_SaveUserGrop"],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no endpoint of the suite matches `v1UserAgent_SaveUserGrop`"),
        "{stderr}"
    );
}

#[test]
fn every_trial_in_the_report_names_its_endpoint() {
    let dir =
        std::env::temp_dir().join(format!("soconform-endpoints-report-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let dir_arg = dir.to_string_lossy().to_string();
    let out = soconform(
        &[
            "run",
            "--endpoint",
            "v1UserAgent_GetUserGroupList",
            "--report",
            &dir_arg,
        ],
        &[],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("report.json")).expect("report.json"),
    )
    .expect("JSON");
    let trials = doc["trials"].as_array().expect("trials");
    assert!(!trials.is_empty());
    for t in trials {
        assert_eq!(t["endpoint"], "v1UserAgent_GetUserGroupList", "{}", t["id"]);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Every page in spec/ is judged: `run --list` has trials for each endpoint, and every
/// endpoint that answers something gets the generic auth, Accept and GET trials.
#[test]
fn every_page_in_spec_has_trials() {
    use soconform::suite::{slug_of_uid, Suite, SuitePaths};
    let suite = Suite::load(SuitePaths::under(std::path::Path::new(env!(
        "CARGO_MANIFEST_DIR"
    ))))
    .expect("the suite loads");
    let listed = soconform(&["run", "--list"], &[]);
    let names: Vec<String> = String::from_utf8_lossy(&listed.stdout)
        .lines()
        .map(String::from)
        .collect();
    let slugs = slugs(&listed);
    assert!(suite.endpoints.len() >= 194, "{}", suite.endpoints.len());
    for (uid, e) in &suite.endpoints {
        let slug = slug_of_uid(uid);
        assert!(slugs.contains(&slug), "no trial for {uid}");
        let has = |concern: &str| {
            names
                .iter()
                .any(|n| n.starts_with(&format!("{slug}::{concern}::")))
        };
        assert!(has("get"), "{uid}: no GET trial");
        if !suite.own_cases.contains(uid) {
            assert!(has("auth"), "{uid}: no auth trials");
            if !e.description.accept_types.is_empty() {
                assert!(has("accept"), "{uid}: no Accept trials");
            }
        }
    }
}

/// A case over endpoints may cite each endpoint's own page (`{endpoint}`): every trial
/// names its own page, and a sentence one of the pages does not hold is an error naming
/// that endpoint, not a citation that quietly does not hold.
#[test]
fn a_case_citing_each_endpoints_page_is_held_to_every_page() {
    let run = soconform(
        &[
            "run",
            "--exact",
            "person.get_person_entity::auth::call_schemes::json->json::basic",
        ],
        &[],
    );
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = std::env::temp_dir().join(format!("soconform-cite-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for sub in ["cases", "schemas", "spec"] {
        common::copy_dir(&root.join(sub), &dir.join(sub));
    }
    std::fs::write(
        dir.join("cases/zz_cite.toml"),
        r#"concern = "cite"

[[case]]
id = "cite.not_on_every_page"
title = "A sentence only some pages hold"
level = "info"
spec = { page = "{endpoint}", section = "Request Headers", quote = "Convert string references and multi-language values into a specified language (iso2) code. Overrides Accept-Language value." }
also = [{ page = "{endpoint}", section = "Query String Parameters", quote = "The primary key." }]
request.documented = true
axes.endpoint = { required_key = true }
expect.status = ["2xx"]
expect.body = "any"
"#,
    )
    .expect("case file");
    let listed = Command::new(env!("CARGO_BIN_EXE_soconform"))
        .args(["run", "--list", "--suite-dir"])
        .arg(&dir)
        .output()
        .expect("runs");
    let said = String::from_utf8_lossy(&listed.stderr);
    assert_eq!(listed.status.code(), Some(2), "{said}");
    assert!(
        said.contains("cite.not_on_every_page") && said.contains("page does not say it"),
        "{said}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
