//! The traceability table: every documented sentence is covered or has a reason, the data
//! file has no stale reasons, the extracted sentences are verbatim on their pages, and
//! `soconform coverage` prints the table and fails on a sentence left without a reason.

use soconform::cases::normalize_ws;
use soconform::suite::{Suite, SuitePaths};
use soconform::traceability::{self, Coverage};
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn every_sentence_is_covered_or_has_a_reason_and_no_reason_is_stale() {
    let suite = Suite::load(SuitePaths::under(&root())).unwrap_or_else(|e| panic!("{e}"));
    let t = traceability::load(&suite).unwrap_or_else(|e| panic!("{e}"));
    let uncovered: Vec<&str> = t
        .rows
        .iter()
        .filter(|r| r.coverage == Coverage::Uncovered)
        .map(|r| r.sentence.text.as_str())
        .collect();
    assert!(
        uncovered.is_empty(),
        "sentences without a case or a reason:\n{}",
        uncovered.join("\n")
    );
    assert!(
        t.problems.is_empty(),
        "cases/traceability.toml:\n{}",
        t.problems.join("\n")
    );
    // Every kind the extractor promises is there.
    for kind in [
        "route",
        "summary",
        "restriction",
        "query",
        "query-example",
        "request-header",
        "request-body",
        "response-status",
        "response-body",
        "sample-request",
        "sample-response",
        "listed",
    ] {
        assert!(
            t.rows.iter().any(|r| r.sentence.kind == kind),
            "no {kind} sentence"
        );
    }
    assert_eq!(
        t.rows
            .iter()
            .filter(|r| r.sentence.kind == "request-header")
            .count(),
        9
    );
    assert_eq!(
        t.rows
            .iter()
            .filter(|r| r.sentence.kind == "response-body")
            .count(),
        7
    );
    // Each sentence is verbatim (up to whitespace) on its page, at the line given.
    for r in &t.rows {
        let s = &r.sentence;
        let page = std::fs::read_to_string(root().join("spec").join(&s.page)).unwrap_or_default();
        assert!(
            normalize_ws(&page).contains(&s.text),
            "not on {}: {}",
            s.page,
            s.text
        );
        assert_eq!(traceability::locate(&page, &s.text), Some(s.line), "{s:?}");
        if r.coverage == Coverage::Excused {
            assert!(
                r.reason.as_deref().is_some_and(|x| x.len() > 20),
                "a real reason for {:?}",
                s.text
            );
        }
    }
}

fn coverage(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_soconform"))
        .arg("coverage")
        .args(args)
        .current_dir(root())
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn coverage_prints_the_table_and_json() {
    let (code, out, err) = coverage(&[]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(
        out.contains("covered   v1UserAgent_SaveUserGroup.current.md:13 (summary)"),
        "{out}"
    );
    assert!(out.contains("checked by: "), "{out}");
    assert!(out.contains("0 uncovered without a reason"), "{out}");
    let (code, out, _) = coverage(&["--json"]);
    assert_eq!(code, Some(0));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(v["uncovered"], 0);
    let (_, out, _) = coverage(&["--uncovered"]);
    assert!(
        !out.contains("\ncovered "),
        "--uncovered shows only the rest:\n{out}"
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("{e}"));
    for e in std::fs::read_dir(from)
        .unwrap_or_else(|e| panic!("{e}"))
        .flatten()
    {
        if e.path().is_file() {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap_or_else(|e| panic!("{e}"));
        }
    }
}

#[test]
fn coverage_exits_1_on_a_sentence_without_a_reason() {
    let dir = std::env::temp_dir().join(format!("soconform-trace-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for d in ["cases", "schemas", "spec"] {
        copy_dir(&root().join(d), &dir.join(d));
    }
    // Drop the reason for the Negotiate sentence.
    let path = dir.join("cases/traceability.toml");
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let entry = "[[uncovered]]\npage = \"web-services-index.md\"\nquote = \"NEGOTIATE / NTLM authentication.";
    let at = text
        .find(entry)
        .unwrap_or_else(|| panic!("the Negotiate reason is not in the file"));
    let end = text[at..].find("\n\n").map_or(text.len(), |e| at + e);
    std::fs::write(&path, format!("{}{}", &text[..at], &text[end..]))
        .unwrap_or_else(|e| panic!("{e}"));
    let (code, out, err) = coverage(&["--suite-dir", &dir.to_string_lossy()]);
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(out.contains("UNCOVERED web-services-index.md"), "{out}");
    assert!(out.contains("1 uncovered without a reason"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}
