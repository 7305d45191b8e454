//! Sharded runs are the whole run, split: for k = 1..3, `--partition hash:k/3` selects
//! disjoint sets of trials whose union is the full list, and running the shards and
//! merging their JUnit files gives the same testcases as one unsharded run. Checked for
//! nextest (the conformance harness, as CI shards it) and for `soconform run --partition`.
//!
//! The nextest half needs `cargo-nextest`; without it the test says so and passes
//! (CI installs it: see `.ci/run` and `examples/ci/github-actions.yml`).

use soconform::report::junit;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Only auth trials are run (35 of them), to keep four nextest runs fast.
// One endpoint's auth trials: nextest runs each trial as a process of its own, and the
// generic cases give every endpoint auth trials (over a thousand in all).
const FILTER: &str = "test(/^save_user_group::auth::/)";

fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(root());
    // Run as a user would, even when this test itself runs under nextest. The variables
    // cargo sets for a test process go too: some build scripts track them (ring's tracks
    // CARGO_MANIFEST_DIR), and inheriting them would rebuild half the dependency tree.
    for (k, _) in std::env::vars() {
        let cargo_set = k == "CARGO_MANIFEST_DIR"
            || k == "CARGO_MANIFEST_PATH"
            || k == "CARGO_CRATE_NAME"
            || k == "CARGO_TARGET_TMPDIR"
            || k == "CARGO_PRIMARY_PACKAGE"
            || k.starts_with("CARGO_PKG_")
            || k.starts_with("CARGO_BIN_");
        if cargo_set || k.starts_with("NEXTEST") || k.starts_with("SOCONF_") {
            cmd.env_remove(k);
        }
    }
    cmd
}

/// Reuse the build this test comes from instead of compiling another profile.
fn profile_args() -> Vec<&'static str> {
    let exe = std::env::current_exe().unwrap_or_default();
    if exe.components().any(|c| c.as_os_str() == "release") {
        vec!["--cargo-profile", "release"]
    } else {
        vec![]
    }
}

fn nextest_available() -> bool {
    cargo()
        .args(["nextest", "--version"])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn run(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Names nextest selects for the conformance binary (with `partition`, if any).
fn nextest_list(partition: Option<&str>) -> BTreeSet<String> {
    let mut cmd = cargo();
    cmd.args([
        "nextest",
        "list",
        "--test",
        "conformance",
        "--message-format",
        "json",
    ])
    .args(profile_args());
    if let Some(p) = partition {
        cmd.args(["--partition", p]);
    }
    let json: serde_json::Value =
        serde_json::from_str(&run(&mut cmd)).unwrap_or_else(|e| panic!("nextest list output: {e}"));
    let mut names = BTreeSet::new();
    for suite in json["rust-suites"]
        .as_object()
        .into_iter()
        .flat_map(|m| m.values())
    {
        for (name, t) in suite["testcases"].as_object().into_iter().flatten() {
            if t["filter-match"]["status"] == "matches" {
                names.insert(name.clone());
            }
        }
    }
    names
}

fn junit_names(report: &quick_junit::Report) -> Vec<String> {
    report
        .test_suites
        .iter()
        .flat_map(|s| s.test_cases.iter().map(|c| c.name.as_str().to_string()))
        .collect()
}

/// Runs the filtered conformance trials under nextest and returns its JUnit report.
fn nextest_run(partition: Option<&str>) -> quick_junit::Report {
    // nextest's store (`[store] dir`, default `target/nextest`) is relative to the
    // workspace root, not to CARGO_TARGET_DIR.
    let junit_path = root().join("target/nextest/shard-check/junit.xml");
    let _ = std::fs::remove_file(&junit_path);
    let mut cmd = cargo();
    cmd.args([
        "nextest",
        "run",
        "--test",
        "conformance",
        "--profile",
        "shard-check",
        "-E",
        FILTER,
    ])
    .args(profile_args());
    if let Some(p) = partition {
        cmd.args(["--partition", p]);
    }
    run(&mut cmd);
    let xml = std::fs::read_to_string(&junit_path)
        .unwrap_or_else(|e| panic!("{}: {e}", junit_path.display()));
    quick_junit::Report::deserialize_from_str(&xml)
        .unwrap_or_else(|e| panic!("{}: {e}", junit_path.display()))
}

#[test]
fn nextest_hash_partitions_of_3_are_the_whole_run() {
    if !nextest_available() {
        eprintln!("SKIPPED: cargo-nextest is not installed (cargo install cargo-nextest --locked); the sharding check needs it");
        return;
    }
    // Listing: the whole matrix.
    let full = nextest_list(None);
    assert!(full.len() > 1000, "the full list has {} trials", full.len());
    let mut union = BTreeSet::new();
    for k in 1..=3 {
        let shard = nextest_list(Some(&format!("hash:{k}/3")));
        assert!(!shard.is_empty(), "shard {k} is empty");
        assert!(
            union.is_disjoint(&shard),
            "shard {k} overlaps an earlier one"
        );
        union.extend(shard);
    }
    assert_eq!(union, full, "the union of the shards is the full list");

    // Running: the shards' JUnit files, merged, hold exactly the full run's testcases.
    let whole = nextest_run(None);
    assert_eq!(whole.failures, 0);
    let want: BTreeSet<String> = junit_names(&whole).into_iter().collect();
    assert!(want.len() >= 30, "{} auth trials ran", want.len());
    let mut shards = Vec::new();
    for k in 1..=3 {
        shards.push(nextest_run(Some(&format!("hash:{k}/3"))));
    }
    let merged = junit::merge("soconform", shards);
    let got = junit_names(&merged);
    assert_eq!(got.len(), want.len(), "no trial ran twice");
    assert_eq!(got.into_iter().collect::<BTreeSet<_>>(), want);
    assert_eq!(merged.tests, whole.tests);
}

fn soconform(args: &[&str]) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_soconform"));
    cmd.args(args).current_dir(root());
    for (k, _) in std::env::vars() {
        if k.starts_with("SOCONF_") {
            cmd.env_remove(k);
        }
    }
    run(&mut cmd)
}

fn read_junit(path: &Path) -> quick_junit::Report {
    let xml = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    quick_junit::Report::deserialize_from_str(&xml)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn soconform_run_partitions_of_3_are_the_whole_run() {
    for kind in ["hash", "slice"] {
        let full: Vec<String> = soconform(&["run", "--list"])
            .lines()
            .map(String::from)
            .collect();
        let mut union = Vec::new();
        for k in 1..=3 {
            let shard = soconform(&["run", "--list", "--partition", &format!("{kind}:{k}/3")]);
            union.extend(shard.lines().map(String::from));
        }
        let n = union.len();
        union.sort();
        union.dedup();
        assert_eq!(n, union.len(), "{kind}: shards overlap");
        let mut sorted = full.clone();
        sorted.sort();
        assert_eq!(
            union, sorted,
            "{kind}: the union of the shards is the full list"
        );
    }
    // Run the auth trials in three shards with reports, and merge their JUnit files.
    let dir = std::env::temp_dir().join(format!("soconform-shards-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let whole = dir.join("whole");
    soconform(&[
        "run",
        "--filter",
        "::auth::",
        "--report",
        &whole.to_string_lossy(),
    ]);
    let want: BTreeSet<String> = junit_names(&read_junit(&whole.join("junit.xml")))
        .into_iter()
        .collect();
    let mut files = Vec::new();
    for k in 1..=3 {
        let d = dir.join(format!("shard-{k}"));
        soconform(&[
            "run",
            "--filter",
            "::auth::",
            "--partition",
            &format!("hash:{k}/3"),
            "--report",
            &d.to_string_lossy(),
        ]);
        files.push(d.join("junit.xml").to_string_lossy().into_owned());
    }
    // The CLI CI uses to merge them.
    let merged_path = dir.join("merged.xml");
    let mut args = vec![
        "merge-junit".to_string(),
        "--out".into(),
        merged_path.to_string_lossy().into_owned(),
    ];
    args.extend(files);
    soconform(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let merged = read_junit(&merged_path);
    let got: Vec<String> = junit_names(&merged);
    assert_eq!(got.len(), want.len());
    assert_eq!(got.into_iter().collect::<BTreeSet<_>>(), want);
    // One testsuite per agent: the auth trials of every agent's endpoints.
    assert_eq!(
        merged.test_suites.len(),
        3,
        "the User, Contact and Person agents, one suite each"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
