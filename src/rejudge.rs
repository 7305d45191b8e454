//! Rejudging a report offline (`soconform rejudge`): its recorded exchanges served to
//! the same engine, nothing sent. See [`crate::engine::ReplayBook`].

use crate::credentials::{Credential, Credentials};
use crate::engine::pool::{self, Details};
use crate::engine::{Engine, EngineConfig, RecordedTrial, ReplayBook, RunOutcome, TrialReport};
use crate::report::json::ReportDoc;
use crate::suite::Suite;
use crate::target::Limits;
use crate::waivers::Waiver;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::SystemTime;

/// Stand-ins for the secrets the record masked: requests are compared redacted, so only
/// which schemes were configured matters, never the values.
fn stand_in_credentials(doc: &ReportDoc) -> Credentials {
    let had = |s: &str| doc.setup.schemes.iter().any(|x| x == s);
    let stand_in = |on: bool, v: &str| on.then(|| Credential::user(v));
    Credentials {
        basic: stand_in(
            had("Basic"),
            "soconform-rejudge-user:soconform-rejudge-password",
        ),
        ticket: stand_in(had("SoTicket"), "7T:soconform-rejudge-ticket"),
        bearer: stand_in(had("Bearer"), "7A:soconform-rejudge-token"),
        cookie: stand_in(
            had("session"),
            "soconform-rejudge-session=soconform-rejudge-cookie",
        ),
        xsrf_token: stand_in(had("session"), "soconform-rejudge-xsrf-token"),
        app_token: stand_in(had("SO-AppToken"), "soconform-rejudge-app-token"),
    }
}

/// Judges `doc`'s recorded trials again with `suite` (those the suite still has), with
/// `waivers` applied; the outcome carries the record's target, halt and setup.
pub fn rejudge_doc(
    suite: Arc<Suite>,
    doc: &ReportDoc,
    waivers: &[Waiver],
) -> Result<RunOutcome, String> {
    let recorded: HashSet<String> = doc.trials.iter().map(|t| t.id.clone()).collect();
    let specs: Vec<_> = crate::matrix::expand_all(&suite)
        .map_err(|e| e.to_string())?
        .into_iter()
        .filter(|s| recorded.contains(s.name.as_str()))
        .collect();
    let book = ReplayBook {
        trials: doc
            .trials
            .iter()
            .map(|t| {
                (
                    t.id.clone(),
                    RecordedTrial {
                        replay: t.replay.clone(),
                        exchanges: t.exchanges.clone(),
                        skip_reason: t.skip_reason.clone(),
                    },
                )
            })
            .collect(),
    };
    let engine = Engine::new(
        suite,
        EngineConfig {
            base_url: doc.target.url.clone(),
            credentials: stand_in_credentials(doc),
            limits: Limits::embedded(),
            keep_created: false,
            fresh_groups: true,
            run_id: "rejudge".into(),
            capture_requests: false,
            // Nothing is sent: what the record holds is what ran.
            writes: crate::engine::WritePolicy::Any,
        },
    )?
    .replaying(book);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the tokio runtime: {e}"))?;
    let started = SystemTime::now();
    let noop: Arc<dyn Fn(&TrialReport) + Send + Sync> = Arc::new(|_| {});
    let mut reports = rt.block_on(pool::run_all_with(
        Arc::new(engine),
        Arc::new(specs.into()),
        8,
        noop,
        Details::All,
    ))?;
    let waivers = crate::waivers::apply(waivers, reports.held_mut(), &crate::waivers::today());
    Ok(RunOutcome {
        reports,
        target_label: doc.target.label.clone(),
        target_url: doc.target.url.clone(),
        embedded: doc.target.embedded,
        started,
        finished: SystemTime::now(),
        sweep: doc.cleanup.clone(),
        requests: 0,
        halt: doc.halt.clone(),
        transport: doc.transport.clone(),
        waivers,
        setup: doc.setup.clone(),
    })
}
