//! A long run keeps each passing trial light (`engine::Trials`: its spec's index and its
//! duration) and reads its specs from a compact list (`matrix::SpecList`): what the
//! summary, the console and the reports read of such a trial must be what the trial
//! itself reported.

use soconform::engine::pool::Details;
use soconform::launch::{execute_with, RunOptions};
use soconform::matrix::{self, SpecList};
use soconform::suite::{Suite, SuitePaths};
use std::sync::Arc;

mod common;

fn suite() -> Arc<Suite> {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    Arc::new(Suite::load(SuitePaths::under(&root)).expect("suite"))
}

#[test]
fn a_light_pass_reads_back_as_the_trial_reported_it() {
    let suite = suite();
    // Every 11th trial of the suite: the family's and the generic ones, every axis.
    let mut n = 0;
    let pick = |_: &matrix::TrialSpec| {
        n += 1;
        (n - 1) % 11 == 0
    };
    let compact = SpecList::select(suite.clone(), pick).expect("selects");
    let held: Vec<_> = compact.iter().map(|s| s.into_owned()).collect();
    assert!(held.len() > 400, "{} trials", held.len());

    // The embedded server, which answers every endpoint of the suite.
    let run = |specs: SpecList, details: Details| {
        let mut target = common::target("");
        target.base_url = None;
        target.limits = soconform::target::Limits::embedded();
        let options = RunOptions {
            details,
            ..RunOptions::default()
        };
        execute_with(suite.clone(), target, specs, options).expect("the run ends")
    };
    let whole = run(SpecList::from(held), Details::All);
    let light = run(compact, Details::FailuresOnly);

    assert_eq!(whole.reports.len(), light.reports.len());
    let kept_whole = light.reports.held().count();
    assert!(
        kept_whole * 2 < light.reports.len(),
        "most passes are kept light: {kept_whole} of {} held",
        light.reports.len()
    );
    let mut compared = 0;
    for (w, l) in whole.reports.iter().zip(light.reports.iter()) {
        assert_eq!(w.name, l.name);
        if w.verdict != soconform::checks::Verdict::Pass || !l.exchanges.is_empty() {
            continue;
        }
        compared += 1;
        assert_eq!(l.verdict, w.verdict, "{}", w.name);
        assert_eq!(l.trial, w.trial, "{}", w.name);
        assert_eq!(l.endpoint, w.endpoint, "{}", w.name);
        assert_eq!(l.case_id, w.case_id, "{}", w.name);
        assert_eq!(l.concern, w.concern, "{}", w.name);
        assert_eq!(l.title, w.title, "{}", w.name);
        assert_eq!(l.level, w.level, "{}", w.name);
        assert_eq!(l.spec, w.spec, "{}", w.name);
        assert_eq!(l.auth, w.auth, "{}", w.name);
        assert_eq!(l.content_type, w.content_type, "{}", w.name);
        assert_eq!(l.accept, w.accept, "{}", w.name);
        assert_eq!(l.select, w.select, "{}", w.name);
        assert!(l.duration_ms > 0.0, "{}", w.name);
    }
    assert!(compared > 300, "{compared} light passes compared");
    assert_eq!(whole.verdict(false), light.verdict(false));
}
