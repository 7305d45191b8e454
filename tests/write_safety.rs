//! Safety on a live target (issue 24): an endpoint of safety class `write`
//! (cases/safety.toml; deny by default) gets no request at all, POST or GET, from a run
//! against a server that is not the embedded one, unless the run opts in with
//! `--allow-writes`: its trials are skipped with the reason. A front before the reference
//! server counts what each path receives.

use soconform::checks::Verdict;
use soconform::launch::execute;
use soconform::matrix;
use soconform::suite::{Suite, SuitePaths};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

mod common;
use common::front::Front;

/// Requests the front received, by path.
type Counts = Arc<Mutex<HashMap<String, usize>>>;

/// A front that counts what each path receives.
fn counting() -> (Front, Counts) {
    let counts: Counts = Arc::default();
    let seen = counts.clone();
    let front = Front::start(Arc::new(move |parts, body| {
        if let Ok(mut c) = seen.lock() {
            *c.entry(parts.uri.path().to_string()).or_default() += 1;
        }
        (body, None)
    }));
    (front, counts)
}

fn received(counts: &Counts, path_end: &str) -> usize {
    counts
        .lock()
        .expect("counts")
        .iter()
        .filter(|(p, _)| p.ends_with(path_end))
        .map(|(_, n)| n)
        .sum()
}

fn suite() -> Arc<Suite> {
    Arc::new(
        Suite::load(SuitePaths::under(&PathBuf::from(env!(
            "CARGO_MANIFEST_DIR"
        ))))
        .unwrap_or_else(|e| panic!("{e}")),
    )
}

/// CreateUserGroup: `write` in cases/safety.toml, outside the family's save/delete recipe.
const WRITE: &str = "v1UserAgent_CreateUserGroup";

#[test]
fn a_live_target_gets_nothing_at_a_write_endpoint_without_allow_writes() {
    let suite = suite();
    let specs = matrix::for_endpoints(
        &suite,
        matrix::expand_all(&suite).expect("trials"),
        &[WRITE.to_string()],
    )
    .expect("selected");
    assert!(!specs.is_empty());

    let (front, counts) = counting();
    let url = front.url();
    // A live target's default: no write endpoint allowed.
    let live = || {
        let mut t = common::target(&url);
        t.allow_writes.clear();
        t
    };
    let outcome = execute(suite.clone(), live(), specs.clone(), false).expect("the run ends");
    assert_eq!(
        received(&counts, "/CreateUserGroup"),
        0,
        "no request at all"
    );
    for r in &outcome.reports {
        match &r.verdict {
            Verdict::Skipped(why) => assert!(
                why.contains("may change data") && why.contains("--allow-writes"),
                "{}: {why}",
                r.name
            ),
            other => panic!("{}: {other:?}", r.name),
        }
    }

    // Opted in: the same trials go out.
    let mut target = live();
    target.allow_writes = vec!["v1UserAgent_Create*".into()];
    let outcome = execute(suite.clone(), target, specs.clone(), false).expect("the run ends");
    assert!(received(&counts, "/CreateUserGroup") > 0);
    assert!(outcome.reports.iter().any(|r| r.verdict == Verdict::Pass));

    // A read endpoint needs no opt-in.
    let reads = matrix::for_endpoints(
        &suite,
        matrix::expand_all(&suite).expect("trials"),
        &["v1UserAgent_GetUserGroup".to_string()],
    )
    .expect("selected");
    let outcome = execute(suite, live(), reads, false).expect("the run ends");
    assert!(received(&counts, "/GetUserGroup") > 0);
    assert!(outcome
        .reports
        .iter()
        .all(|r| !matches!(&r.verdict, Verdict::Skipped(w) if w.contains("may change data"))));
}

#[test]
fn every_endpoint_has_a_reviewed_row_and_no_get_name_grants_a_read() {
    let suite = suite();
    for uid in suite.endpoints.keys() {
        let (_, reason) = suite.safety_of(uid);
        assert!(
            !reason.starts_with("no row"),
            "{uid}: no row in cases/safety.toml"
        );
    }
    // Named like reads, documented as changing data.
    for uid in [
        "v1UserAgent_GetOrRegisterAccessGatewayInfo",
        "v1PersonAgent_ResolvePersonFromInfo",
        "v1UserAgent_ResolveUserFromInfo",
    ] {
        assert_eq!(
            suite.safety_of(uid).0,
            soconform::cases::SafetyClass::Write,
            "{uid}"
        );
    }
}

/// A copy of the suite directory with one more case file.
fn suite_with(extra_name: &str, extra: &str) -> (PathBuf, Arc<Suite>) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = std::env::temp_dir().join(format!("soconform-write-keys-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for sub in ["cases", "schemas", "spec"] {
        common::copy_dir(&root.join(sub), &dir.join(sub));
    }
    std::fs::write(dir.join("cases").join(extra_name), extra).expect("case file");
    let suite = Suite::load(SuitePaths::under(&dir)).unwrap_or_else(|e| panic!("{e}"));
    (dir, Arc::new(suite))
}

#[test]
fn a_write_allowed_still_names_only_what_the_run_made() {
    let (dir, suite) = suite_with(
        "zz_write_keys.toml",
        r#"concern = "writekeys"
endpoint = "v1ContactAgent_DeleteContactEntity"

[[case]]
id = "writekeys.delete_someone_elses"
title = "A write naming a record the run did not make is never sent"
level = "must"
spec = { page = "v1ContactAgent_DeleteContactEntity.md", section = "POST Agents/Contact/DeleteContactEntity", quote = "Deletes the ContactEntity" }
request.query = { ContactEntityId = "5" }
axes.content_type = []
axes.accept = ["application/json"]
axes.auth = ["any"]
expect.status = ["2xx"]
expect.body = "any"
"#,
    );
    let specs = matrix::for_endpoints(
        &suite,
        matrix::expand_all(&suite).expect("trials"),
        &["v1ContactAgent_DeleteContactEntity".to_string()],
    )
    .expect("selected");
    // The case above (the endpoint's GET trial is the generic cases' own).
    let specs: Vec<_> = specs
        .into_iter()
        .filter(|s| &*s.trial.concern == "writekeys")
        .collect();
    assert_eq!(specs.len(), 1);
    let (front, counts) = counting();
    // Opted in to the write: the key guard still holds.
    let outcome = execute(suite, common::target(&front.url()), specs, false).expect("the run ends");
    assert_eq!(received(&counts, "/DeleteContactEntity"), 0);
    let r = &outcome.reports.get(0).expect("the trial ran");
    assert_eq!(r.verdict, Verdict::Fail);
    assert!(
        r.results.iter().any(|c| c.check == "safety"
            && c.message
                .as_deref()
                .is_some_and(|m| m.contains("refusing to send key 5"))),
        "{:?}",
        r.results
    );
    let _ = std::fs::remove_dir_all(&dir);
}
