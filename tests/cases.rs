//! The case files: they load, every citation is on its page, and a bad case file is an
//! error naming the file, the line and what was expected.

use soconform::cases::{self, load_dir, parse_toml, validate_file, CaseFile, LoadError};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn the_shipped_cases_load_and_cite_real_sentences() {
    let set =
        load_dir(&root().join("cases"), &root().join("spec")).unwrap_or_else(|e| panic!("{e}"));
    let n: usize = set.files.iter().map(|(_, f)| f.cases.len()).sum();
    assert!(n >= 30, "expected the full set of cases, found {n}");
    let concerns: HashSet<&str> = set.files.iter().map(|(_, f)| f.concern.as_str()).collect();
    for c in [
        "auth",
        "content_types",
        "accept",
        "select",
        "headers",
        "body",
        "persistence",
    ] {
        assert!(concerns.contains(c), "no case file for concern {c}");
    }
}

fn parse_err(text: &str) -> String {
    match parse_toml::<CaseFile>(Path::new("cases/bad.toml"), text) {
        Ok(f) => match validate_file(Path::new("cases/bad.toml"), text, &f, &mut HashSet::new()) {
            Ok(()) => panic!("expected an error for:\n{text}"),
            Err(e) => e.to_string(),
        },
        Err(e) => e.to_string(),
    }
}

const GOOD: &str = r#"concern = "auth"
endpoint = "v1UserAgent_SaveUserGroup"

[[case]]
id = "auth.x"
title = "t"
level = "must"
spec = { page = "p.md", section = "s", quote = "q" }
request.body = { UserGroup = { Value = "{name}" } }
expect.status = [200]
"#;

#[test]
fn a_good_file_parses() {
    let f: CaseFile = parse_toml(Path::new("x.toml"), GOOD).unwrap_or_else(|e| panic!("{e}"));
    validate_file(Path::new("x.toml"), GOOD, &f, &mut HashSet::new())
        .unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn unknown_key_names_file_line_and_expected_keys() {
    let e = parse_err(&GOOD.replace(
        "expect.status = [200]",
        "expect.status = [200]\nexpect.stauts = [200]",
    ));
    assert!(e.contains("cases/bad.toml"), "{e}");
    assert!(e.contains("line 11"), "{e}");
    assert!(
        e.contains("unknown field `stauts`") && e.contains("expected one of"),
        "{e}"
    );
}

#[test]
fn wrong_level_says_what_was_expected() {
    let e = parse_err(&GOOD.replace("level = \"must\"", "level = \"shall\""));
    assert!(
        e.contains("line 7") && e.contains("must") && e.contains("should"),
        "{e}"
    );
}

#[test]
fn id_must_start_with_the_concern() {
    let e = parse_err(&GOOD.replace("auth.x", "select.x"));
    assert!(e.starts_with("cases/bad.toml:5:"), "{e}");
    assert!(e.contains("concern `auth.`"), "{e}");
}

#[test]
fn bad_status_class_and_double_body() {
    let e = parse_err(&GOOD.replace("[200]", "[\"2xy\"]"));
    assert!(e.contains("status class `2xy`"), "{e}");
    let e = parse_err(&GOOD.replace("expect.status", "request.body_json = 'null'\nexpect.status"));
    assert!(e.contains("at most one of"), "{e}");
}

#[test]
fn a_quote_not_on_its_page_is_refused() {
    let dir = std::env::temp_dir().join(format!("soconform-cases-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp");
    for f in ["checks.toml", "matrix.toml"] {
        std::fs::copy(root().join("cases").join(f), dir.join(f)).expect("copy");
    }
    let text = GOOD.replace(
        "page = \"p.md\", section = \"s\", quote = \"q\"",
        "page = \"http-headers.md\", section = \"XML\", quote = \"The API speaks YAML.\"",
    );
    std::fs::write(dir.join("auth.toml"), &text).expect("write");
    let e = load_dir(&dir, &root().join("spec")).expect_err("quote is not on the page");
    assert!(matches!(e, LoadError::Invalid { line: 5, .. }), "{e}");
    assert!(
        e.to_string()
            .contains("the quote is not on page http-headers.md"),
        "{e}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `cases/case.schema.json` is generated from the serde types; regenerate it with
/// `SOCONF_BLESS=1 cargo test --test cases`.
#[test]
fn published_case_schema_is_current() {
    let path = root().join("cases/case.schema.json");
    let want = format!(
        "{}\n",
        serde_json::to_string_pretty(&cases::case_file_schema()).expect("json")
    );
    if std::env::var_os("SOCONF_BLESS").is_some() {
        std::fs::write(&path, &want).expect("write schema");
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "cases/case.schema.json is stale: run `SOCONF_BLESS=1 cargo test --test cases`"
    );
}
