//! `soconform rejudge` (issue 17): judging a report's recorded exchanges again, offline.
//! The same suite reproduces every recorded verdict, against the clean server and every
//! self-test fault; a changed suite marks exactly the trials whose requests changed as
//! not rejudgeable; and the binary's exit code is the run's.

use soconform::checks::Verdict;
use soconform::engine::RunOutcome;
use soconform::launch::execute;
use soconform::matrix::{self, TrialSpec};
use soconform::report::json::{ReportDoc, VerdictLabel};
use soconform::suite::{Suite, SuitePaths};
use soconform_reference::Fault;

mod common;
use common::Server;
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A run of `specs` against the reference server with `fault`, as report.json has it
/// (written out and read back, so the record is what a certifier gets).
fn recorded_run(suite: &Arc<Suite>, specs: Vec<TrialSpec>, fault: Option<Fault>) -> ReportDoc {
    let s = Server::start(fault);
    let target = common::target(s.server.base_url());
    let mut outcome = execute(suite.clone(), target, specs, false).expect("the run ends");
    let doc = soconform::report::document(suite, &mut outcome, false).expect("document");
    let text = serde_json::to_string(&doc).expect("serialises");
    serde_json::from_str(&text).expect("reads back")
}

fn label(r: &soconform::engine::TrialReport) -> VerdictLabel {
    VerdictLabel::of_trial(r)
}

/// Every trial whose rejudged verdict is not the recorded one.
fn differences(doc: &ReportDoc, rejudged: &RunOutcome) -> Vec<String> {
    let mut out = Vec::new();
    for t in doc.trials.iter() {
        match rejudged.reports.iter().find(|r| r.name == t.id) {
            None => out.push(format!("{}: not rejudged", t.id)),
            Some(r) if label(&r) != t.verdict => out.push(format!(
                "{}: recorded {}, rejudged {}: {:?}",
                t.id,
                t.verdict.as_str(),
                label(&r).as_str(),
                r.verdict
            )),
            Some(_) => {}
        }
    }
    if doc.outcome.verdict != rejudged.verdict(doc.strict) {
        out.push(format!(
            "run verdict: recorded {:?}, rejudged {:?}",
            doc.outcome.verdict,
            rejudged.verdict(doc.strict)
        ));
    }
    if doc.outcome.exit_code != rejudged.exit_code(doc.strict) {
        out.push("exit code differs".into());
    }
    out
}

#[test]
fn the_same_suite_reproduces_every_verdict_clean_and_against_every_fault() {
    let suite = Arc::new(Suite::load(SuitePaths::under(&root())).expect("suite"));
    let all = matrix::expand_all(&suite).expect("trials");
    let mut problems = Vec::new();
    let mut failing_trials = 0;
    for fault in std::iter::once(None).chain(Fault::ALL.into_iter().map(Some)) {
        // The clean server over the whole suite; each fault over its own concern's
        // trials (the whole suite per fault takes minutes in a debug build).
        let specs: Vec<TrialSpec> = all
            .iter()
            .filter(|s| fault.is_none_or(|f| s.concern(&suite) == f.concern()))
            .cloned()
            .collect();
        let doc = recorded_run(&suite, specs, fault);
        failing_trials += doc
            .trials
            .iter()
            .filter(|t| matches!(t.verdict, VerdictLabel::Fail | VerdictLabel::Warn))
            .count();
        let rejudged = soconform::rejudge::rejudge_doc(suite.clone(), &doc, &[]).expect("rejudges");
        let name = fault.map_or("clean", Fault::id);
        for d in differences(&doc, &rejudged) {
            problems.push(format!("{name}: {d}"));
        }
        for r in &rejudged.reports {
            if let Verdict::Skipped(why) = &r.verdict {
                if why.starts_with("not rejudgeable") {
                    problems.push(format!("{name}: {}: {why}", r.name));
                }
            }
        }
    }
    assert!(
        failing_trials > 100,
        "the faulty servers made trials fail: {failing_trials}"
    );
    assert!(
        problems.is_empty(),
        "{} differences:\n{}",
        problems.len(),
        problems[..problems.len().min(20)].join("\n")
    );
}

/// A copy of the suite's data under a temporary root.
fn copy_suite(to: &Path) {
    for dir in ["cases", "schemas", "spec"] {
        std::fs::create_dir_all(to.join(dir)).expect("mkdir");
        for e in std::fs::read_dir(root().join(dir)).expect("read").flatten() {
            std::fs::copy(e.path(), to.join(dir).join(e.file_name())).expect("copy");
        }
    }
}

#[test]
fn a_changed_suite_marks_only_the_trials_whose_requests_changed() {
    let suite = Arc::new(Suite::load(SuitePaths::under(&root())).expect("suite"));
    let specs: Vec<TrialSpec> = matrix::expand_all(&suite)
        .expect("trials")
        .into_iter()
        .filter(|s| s.name.contains("::body::"))
        .collect();
    let doc = recorded_run(&suite, specs, None);

    let newer = std::env::temp_dir().join(format!("soconform-rejudge-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&newer);
    copy_suite(&newer);
    let body = newer.join("cases/body.toml");
    let text = std::fs::read_to_string(&body).expect("body.toml");
    std::fs::write(
        &body,
        text.replacen(
            "Tooltip = \"status 200\"",
            "Tooltip = \"status 200, sent by a newer suite\"",
            1,
        ),
    )
    .expect("write");
    let newer_suite = Arc::new(Suite::load(SuitePaths::under(&newer)).expect("the changed suite"));
    let rejudged = soconform::rejudge::rejudge_doc(newer_suite, &doc, &[]).expect("rejudges");
    let mut changed = 0;
    for r in &rejudged.reports {
        let not_rejudgeable =
            matches!(&r.verdict, Verdict::Skipped(w) if w.starts_with("not rejudgeable"));
        if r.case_id == "body.success_is_200" {
            assert!(not_rejudgeable, "{}: {:?}", r.name, r.verdict);
            let Verdict::Skipped(why) = &r.verdict else {
                unreachable!()
            };
            assert!(why.contains("body differs from the record"), "{why}");
            changed += 1;
        } else {
            assert!(!not_rejudgeable, "{}: {:?}", r.name, r.verdict);
            let was = doc
                .trials
                .iter()
                .find(|t| t.id == r.name)
                .map(|t| t.verdict);
            assert_eq!(was, Some(label(&r)), "{}", r.name);
        }
    }
    assert!(changed >= 6, "{changed}");
    let _ = std::fs::remove_dir_all(&newer);
}

#[test]
fn the_binary_rejudges_a_failing_run_to_the_same_exit_code_offline() {
    let s = Server::start(Fault::from_id("content_type_refused_xml"));
    let dir = std::env::temp_dir().join(format!("soconform-rejudge-bin-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let soconform = |args: &[&str]| {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_soconform"));
        c.args(args).current_dir(root());
        for (k, _) in std::env::vars() {
            if k.starts_with("SOCONF_") {
                c.env_remove(k);
            }
        }
        c
    };
    let run = soconform(&["run", "--filter", "::content_types::", "--report"])
        .arg(&dir)
        .env("SOCONF_TARGET", s.server.base_url())
        .env("SOCONF_BASIC", "tje0:Tje0")
        .env("SOCONF_RPS", "0")
        .output()
        .expect("runs");
    assert_eq!(run.status.code(), Some(1));
    // The server is gone: nothing can be sent.
    s.stop();
    let again = soconform(&["rejudge"]).arg(&dir).output().expect("runs");
    let said = String::from_utf8_lossy(&again.stdout);
    assert_eq!(again.status.code(), Some(1), "{said}");
    assert!(
        said.contains("NOT CONFORMANT")
            && said.contains("with the suite that judged the run")
            && said.contains("0 differ, 0 not rejudgeable"),
        "{said}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
