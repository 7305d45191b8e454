//! The self-test under `cargo test`: the suite against the reference server once clean
//! and once per deliberate fault. Fails the day a check is weakened so that a fault goes
//! unnoticed, or the day the clean server starts failing a trial.

use soconform::selftest::{self, Options};
use soconform::suite::{Suite, SuitePaths};
use soconform::vocab::Level;
use soconform_reference::{Fault, Profile};
use std::path::Path;
use std::sync::Arc;

mod common;

#[test]
fn every_fault_is_caught_and_the_clean_server_passes() {
    let suite = Suite::load(SuitePaths::under(Path::new(env!("CARGO_MANIFEST_DIR"))))
        .expect("the suite loads");
    let specs = soconform::matrix::expand_all(&suite).expect("the matrix expands");
    let content_hash = suite.content_hash();
    let detection_path = suite.paths.detection.clone();
    // Each fault against its own concern's trials (the whole suite would take minutes in a
    // debug build); the clean server against the whole suite. `soconform selftest` runs
    // the whole suite against every fault.
    let options = Options {
        own_concern_only: true,
        ..Options::default()
    };
    let report =
        selftest::run(Arc::new(suite), specs, &options, &|_| {}).expect("the self-test runs");
    let table = report.table();
    let score = report.score_lines();
    assert!(
        report.clean.failed.is_empty(),
        "the clean server fails trials at default settings:\n{}",
        report.clean.first_message.as_deref().unwrap_or("")
    );
    assert!(
        report.clean.failed_strict.is_empty(),
        "the clean server fails trials with --strict:\n{}",
        report.clean.first_message.as_deref().unwrap_or("")
    );
    let (must_caught, must_total) = report.score(Level::Must);
    let (should_caught, should_total) = report.score(Level::Should);
    assert_eq!(
        must_caught, must_total,
        "must-level faults missed at default settings:\n{table}\n{score}"
    );
    assert_eq!(
        should_caught, should_total,
        "should-level faults missed with --strict:\n{table}\n{score}"
    );
    assert_eq!(report.faults.len(), Fault::ALL.len());
    // Every other clean profile (other choices where the docs are silent) passes too.
    assert_eq!(report.profiles.len(), Profile::ALL.len() - 1);
    for p in &report.profiles {
        assert!(
            p.failed.is_empty() && p.failed_strict.is_empty(),
            "clean profile `{}` fails trials (default {}, --strict {}):\n{}",
            p.profile.id(),
            p.failed.len(),
            p.failed_strict.len(),
            p.first_message.as_deref().unwrap_or("")
        );
    }
    assert!(report.holds());
    // What reports carry as the suite's detection power is this very measurement; a
    // changed suite needs `SOCONF_BLESS=1 cargo test --test selftest` (or
    // `soconform selftest --write-detection docs/detection.json`).
    let want = report.detection(&content_hash).to_file_text();
    if std::env::var_os("SOCONF_BLESS").is_some() {
        std::fs::write(&detection_path, &want).expect("write docs/detection.json");
    }
    let have = std::fs::read_to_string(&detection_path).unwrap_or_default();
    assert!(
        have == want,
        "{} is stale for this suite: run `SOCONF_BLESS=1 cargo test --test selftest`\nwant:\n{want}",
        detection_path.display()
    );
    eprintln!("{score}({:.1} s)", report.seconds);
}

/// The README's self-test table lists every fault with its level.
#[test]
fn readme_lists_every_fault() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let section = readme
        .split("## Self-test")
        .nth(1)
        .expect("README has a `## Self-test` section");
    for f in Fault::ALL {
        let row = format!("| `{}` | {} |", f.id(), f.level());
        assert!(
            section.contains(&row),
            "README's Self-test table has no row starting {row} (run `cargo run --release -- selftest` and paste its table)"
        );
    }
}

/// Faults whose catching once depended on the order trials ran in (a check that worked on a
/// group an earlier trial had left, and passed when that group was already gone): each is
/// caught in every one of several runs of its concern, with groups reused as usual.
#[test]
fn order_sensitive_faults_are_caught_in_every_run() {
    use soconform::launch::execute;
    let suite = Arc::new(
        Suite::load(SuitePaths::under(Path::new(env!("CARGO_MANIFEST_DIR"))))
            .expect("the suite loads"),
    );
    let all = soconform::matrix::expand_all(&suite).expect("the matrix expands");
    for id in [
        "delete_wrong_group",
        "delete_ignored",
        "list_leaves_out_deleted",
        "list_answers_every_group",
        "create_rank_zero",
    ] {
        let fault = Fault::from_id(id).expect("a fault");
        let specs: Vec<_> = all
            .iter()
            .filter(|t| t.concern(&suite) == fault.concern())
            .cloned()
            .collect();
        for run in 1..=4 {
            let server = common::Server::start(Some(fault));
            let target = common::target(server.server.base_url());
            let outcome = execute(suite.clone(), target, specs.clone(), false).expect("runs");
            let strict = fault.level() == Level::Should;
            assert!(
                outcome.reports.iter().any(|r| r.fails_run(strict)),
                "run {run}: fault `{id}` was not caught"
            );
        }
    }
}
