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
