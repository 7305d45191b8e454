//! The form rule (issue 22): a body form no page gives is a guess. Against a front that
//! binds only some XML forms and reads the others as nothing sent, the suite falls through
//! to the next form on an answer that shows the body was not read, records the form that
//! bound, and reports a trial whose forms all went unread as info, never as a failure.

use soconform::checks::Verdict;
use soconform::engine::{failure_message, RunOutcome, RunVerdict};
use soconform::launch::execute;
use soconform::matrix;
use soconform::suite::{Suite, SuitePaths};
use std::path::PathBuf;
use std::sync::Arc;

mod common;
use common::front::Front;

/// A front that lets through only the XML bodies starting with one of `binds`; any other
/// XML body reaches the reference server as nothing sent (a list call's keys as `[]`, a
/// save's carrier as `null`).
fn binding_only(binds: &'static [&'static str]) -> Front {
    Front::start(Arc::new(move |parts, body| {
        let xml = parts
            .headers
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("xml"));
        let text = String::from_utf8_lossy(&body).to_string();
        let unread = xml && !binds.iter().any(|b| text.starts_with(b));
        match (unread, parts.uri.path().contains("GetUserGroupList")) {
            (true, true) => (b"[]".to_vec(), Some("application/json")),
            (true, false) => (br#"{"UserGroup": null}"#.to_vec(), Some("application/json")),
            (false, _) => (body, None),
        }
    }))
}

fn run(front: &Front, filter: &str) -> RunOutcome {
    let suite = Arc::new(
        Suite::load(SuitePaths::under(&PathBuf::from(env!(
            "CARGO_MANIFEST_DIR"
        ))))
        .unwrap_or_else(|e| panic!("{e}")),
    );
    let specs: Vec<_> = matrix::expand_all(&suite)
        .expect("trials")
        .into_iter()
        .filter(|t| t.name.contains(filter))
        .collect();
    assert!(!specs.is_empty(), "no trials match {filter}");
    execute(suite, common::target(&front.url()), specs, false).expect("the run ends")
}

fn notes(outcome: &RunOutcome) -> Vec<String> {
    outcome
        .reports
        .iter()
        .flat_map(|r| r.notes.clone())
        .collect()
}

#[test]
fn a_list_the_first_form_does_not_bind_falls_through_to_the_one_that_does() {
    let front = binding_only(&["<userGroupIds>"]);
    let outcome = run(&front, "get_user_group_list::family::list_by_ids::xml->");
    for r in &outcome.reports {
        assert_eq!(r.verdict, Verdict::Pass, "{}", failure_message(&r));
        let note = r
            .notes
            .iter()
            .find(|n| n.contains("bound"))
            .unwrap_or_else(|| panic!("{}: no note of the form bound: {:?}", r.name, r.notes));
        assert!(
            note.starts_with("body form `xml:userGroupIds-root` bound")
                && note.contains("`xml:data-contract` (200: an empty list where keys of existing records were sent)"),
            "{note}"
        );
    }
}

#[test]
fn a_list_no_form_binds_is_reported_as_info_never_failed() {
    let front = binding_only(&[]);
    let outcome = run(&front, "get_user_group_list::family::list_by_ids::xml->");
    assert_eq!(outcome.verdict(true), RunVerdict::Conformant);
    for r in &outcome.reports {
        assert_eq!(r.verdict, Verdict::Info, "{}", failure_message(&r));
        let binding = r
            .results
            .iter()
            .find(|c| c.check == "binding")
            .expect("a binding result");
        let msg = binding.message.as_deref().unwrap_or("");
        assert!(!binding.passed && binding.level == soconform::vocab::Level::Info);
        for form in [
            "xml:data-contract",
            "xml:userGroupIds-root",
            "xml:GetUserGroupList-root",
        ] {
            assert!(msg.contains(form), "{msg}");
        }
        assert!(
            msg.starts_with("the server bound none of these forms"),
            "{msg}"
        );
    }
}

#[test]
fn a_save_answered_null_falls_through_and_the_json_is_still_judged() {
    let front = binding_only(&["<request"]);
    let outcome = run(&front, "save_user_group::content_types::");
    let xml: Vec<_> = outcome
        .reports
        .iter()
        .filter(|r| r.name.contains("::xml->") || r.name.contains("::text-xml->"))
        .collect();
    assert!(!xml.is_empty());
    for r in &outcome.reports {
        assert!(
            matches!(r.verdict, Verdict::Pass | Verdict::Info),
            "{}",
            failure_message(&r)
        );
    }
    let notes = notes(&outcome);
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("body form `xml:request-root` bound")
                && n.contains("`xml:data-contract` (200: the NULL result)")),
        "{notes:?}"
    );
}
