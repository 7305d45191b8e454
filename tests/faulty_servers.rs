//! Deliberately wrong servers: for a few representative faults, the right trials fail (and
//! only those), and the failure message a person reads says what failed and where the
//! docs say so: verdict and level, case id, the quoted sentence, each failed check with
//! its own message (and its own citation when it differs), the request as `curl`, and
//! the command that reruns the trial.

use soconform::checks::Verdict;
use soconform::engine::{failure_message, TrialReport};
use soconform::matrix;
use soconform::selftest;
use soconform::suite::{Suite, SuitePaths};
use soconform_reference::Fault;
use std::path::Path;
use std::sync::Arc;

/// The trials whose name contains `filter`, against a server with `fault` (or clean).
fn run(fault: Option<Fault>, filter: &str) -> Vec<TrialReport> {
    let suite = Suite::load(SuitePaths::under(Path::new(env!("CARGO_MANIFEST_DIR"))))
        .expect("the suite loads");
    let specs: Vec<_> = matrix::expand_all(&suite)
        .expect("the matrix expands")
        .into_iter()
        .filter(|s| s.name.contains(filter))
        .collect();
    assert!(!specs.is_empty(), "no trial matches {filter}");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(selftest::run_server(
        Arc::new(suite),
        Arc::new(specs.into()),
        fault,
        soconform_reference::Profile::Reference,
        8,
    ))
    .expect("the trials run")
}

fn names_with(reports: &[TrialReport], verdict: &Verdict) -> Vec<String> {
    reports
        .iter()
        .filter(|r| &r.verdict == verdict)
        .map(|r| r.name.clone())
        .collect()
}

fn report<'a>(reports: &'a [TrialReport], name: &str) -> &'a TrialReport {
    reports
        .iter()
        .find(|r| r.name == name)
        .unwrap_or_else(|| panic!("no trial {name}"))
}

fn assert_contains(message: &str, parts: &[&str]) {
    for p in parts {
        assert!(
            message.contains(p),
            "the failure message lacks {p:?}:\n{message}"
        );
    }
}

/// The parts every failure message has, whatever failed.
fn assert_reproducible(message: &str, name: &str) {
    assert_contains(
        message,
        &[
            "  request: curl -sS -i -X POST '",
            "/api/v1/Agents/User/SaveUserGroup",
            &format!("  rerun: cargo test --test conformance -- --exact '{name}'"),
        ],
    );
    // Secrets are read from variables, never printed.
    assert!(
        !message.contains("dGplMDpUamUw"),
        "a credential is in the message:\n{message}"
    );
}

#[test]
fn id_as_string_fails_the_schema_check_at_instance_path_id() {
    let filter = "save_user_group::body::success_is_200::";
    let clean = run(None, filter);
    assert!(
        clean.iter().all(|r| r.verdict == Verdict::Pass),
        "clean server"
    );

    let reports = run(Some(Fault::IdAsString), filter);
    // JSON answers carry "Id": "5"; XML has no string/number distinction and passes.
    let failed = names_with(&reports, &Verdict::Fail);
    let expected: Vec<String> = reports
        .iter()
        .map(|r| r.name.clone())
        .filter(|n| n.contains("->json::"))
        .collect();
    assert_eq!(failed, expected);
    assert_eq!(
        names_with(&reports, &Verdict::Pass).len(),
        reports.len() - expected.len()
    );

    let name = "save_user_group::body::success_is_200::json->json::any";
    let message = failure_message(report(&reports, name));
    assert_contains(
        &message,
        &[
            "FAIL [must] case `body.success_is_200`: A successful save is answered 200 OK",
            "  docs: v1UserAgent_SaveUserGroup.current.md § Response:: \"| 200 | OK |\"",
            "  [must] schema: /Id: \"",
            "\" is not of type \"integer\"",
            "      docs: v1UserAgent_SaveUserGroup.current.md § Response body: UserGroup: \"| Id | int32 | Primary key |\"",
            "  [must] id: Id is missing or not an integer",
            "  response: 200",
        ],
    );
    assert_reproducible(&message, name);
}

#[test]
fn unchecked_basic_password_fails_only_the_wrong_basic_trials() {
    let reports = run(
        Some(Fault::AuthBasicUnchecked),
        "save_user_group::auth::refused::",
    );
    let failed = names_with(&reports, &Verdict::Fail);
    assert_eq!(
        failed,
        [
            "save_user_group::auth::refused::json->json::wrong-basic",
            "save_user_group::auth::refused::json->xml::wrong-basic",
        ]
    );
    assert_eq!(
        names_with(&reports, &Verdict::Pass).len(),
        reports.len() - 2,
        "the other refusals (wrong ticket, bearer, XSRF, ...) still pass"
    );
    let name = "save_user_group::auth::refused::json->json::wrong-basic";
    let message = failure_message(report(&reports, name));
    assert_contains(
        &message,
        &[
            "FAIL [must] case `auth.refused`:",
            "  docs: v1UserAgent_SaveUserGroup.current.md § Request Headers: \"If not using Authorization header, you must provide XSRF value from cookie or hidden input field\"",
            "  [must] status: expected status 4xx, got 200",
            "-H 'Authorization: Basic ",
        ],
    );
    assert_reproducible(&message, name);
}

#[test]
fn ignored_select_names_the_fields_not_nulled_out() {
    let filter = "save_user_group::select::single_name::value::json->";
    let reports = run(Some(Fault::SelectIgnored), filter);
    assert_eq!(
        names_with(&reports, &Verdict::Fail).len(),
        reports.len(),
        "every $select=Value trial fails"
    );
    let name = "save_user_group::select::single_name::value::json->json::basic";
    let message = failure_message(report(&reports, name));
    assert_contains(
        &message,
        &[
            "FAIL [must] case `select.single_name`:",
            "  docs: v1UserAgent_SaveUserGroup.current.md § Query String Parameters: \"Optional comma separated list of properties to include in the result. Other fields are then nulled out to reduce payload size\"",
            "  [must] select: not selected (kept: Value) but not nulled out: Tooltip = \"select one\"",
            "SaveUserGroup?$select=Value'",
        ],
    );
    assert_reproducible(&message, name);
}

#[test]
fn renamed_xml_root_warns_with_the_checks_own_citation() {
    let filter = "save_user_group::content_types::matrix::json->";
    let reports = run(Some(Fault::XmlRootRenamed), filter);
    // A should-level check: XML answers warn (they fail only with --strict), JSON passes.
    assert!(names_with(&reports, &Verdict::Fail).is_empty());
    let warned = names_with(&reports, &Verdict::Warn);
    assert!(!warned.is_empty());
    assert!(
        warned.iter().all(|n| n.contains("xml::")),
        "only XML answers warn: {warned:?}"
    );
    assert!(reports
        .iter()
        .filter(|r| r.verdict == Verdict::Pass)
        .all(|r| !r.name.contains("->xml::") && !r.name.contains("->text-xml::")));

    let name = "save_user_group::content_types::matrix::json->xml::basic";
    let message = failure_message(report(&reports, name));
    assert_contains(
        &message,
        &[
            "WARN [must] case `content_types.matrix`:",
            "  [should] xml_root: XML root element is <SaveUserGroupResult>, expected <UserGroup> (the carrier name)",
            "      docs: http-headers.md § XML: \"Returns an XML representation of the contact:\"",
            "<SaveUserGroupResult>",
        ],
    );
    assert_reproducible(&message, name);
}

#[test]
fn unpersisted_save_fails_the_read_back() {
    let filter = "save_user_group::persistence::create_reads_back::";
    let reports = run(Some(Fault::SaveNotPersisted), filter);
    assert_eq!(names_with(&reports, &Verdict::Fail).len(), reports.len());
    let name = "save_user_group::persistence::create_reads_back::json->json::basic";
    let message = failure_message(report(&reports, name));
    assert_contains(
        &message,
        &[
            "FAIL [must] case `persistence.create_reads_back`: A saved group is returned by GetUserGroup with the values sent",
            "  docs: v1UserAgent_SaveUserGroup.current.md § POST Agents/User/SaveUserGroup: \"Save a user group.\"",
            "  [must] read_back: GetUserGroup returned null for Id ",
            ": the save was not persisted",
        ],
    );
    assert_reproducible(&message, name);
}
