//! The self-test: is the suite able to fail? The embedded reference server is started
//! once clean and once per [`Fault`], the suite runs against each, and the verdicts say
//! whether every fault was caught:
//!
//! - a must-level fault is caught when some trial fails at default settings (verdict
//!   `fail`);
//! - a should-level fault is caught when some trial fails with `--strict` (verdict `fail`
//!   or `warn`);
//! - the clean server has no `fail` (default) and no `warn` either (`--strict`).
//!
//! `--strict` only changes which verdicts fail a run, never the verdicts themselves, so
//! one run per server answers both modes.

use crate::engine::{failure_message, pool, TrialReport};
use crate::launch;
use crate::matrix::{SpecList, TrialSpec};
use crate::report::detection::{Caught, CleanProfile, Detection};
use crate::suite::Suite;
use crate::target::{Limits, Target};
use crate::trial_name::TrialName;
use crate::vocab::Level;
use soconform_reference::{self as reference, Fault, Profile};
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Instant;

/// How to run the self-test.
#[derive(Debug, Clone)]
pub struct Options {
    /// The faults to try (the clean server always runs too).
    pub faults: Vec<Fault>,
    /// Servers under test at once.
    pub parallel: usize,
    /// Trials in flight at once against each server.
    pub concurrency: usize,
    /// Run each faulty server against the trials of the fault's own concern only
    /// ([`Fault::concern`]) instead of the whole suite (the clean server always gets the
    /// whole suite). Faster; used by `cargo test` in a debug build.
    pub own_concern_only: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            faults: Fault::ALL.to_vec(),
            parallel: 2,
            concurrency: 32,
            own_concern_only: false,
        }
    }
}

/// What the suite said about one server.
#[derive(Debug, Clone)]
pub struct ServerRun {
    /// `None`: a clean server.
    pub fault: Option<Fault>,
    /// Which clean server (a fault always bends the reference profile).
    pub profile: Profile,
    pub trials: usize,
    /// Trials that fail a run at default settings (verdict `fail`), in trial order.
    pub failed: Vec<String>,
    /// Trials that fail a run with `--strict` (verdict `fail` or `warn`), in trial order.
    pub failed_strict: Vec<String>,
    /// The failure message of the first trial that caught the fault (or, on the clean
    /// server, of the first that failed).
    pub first_message: Option<String>,
    pub seconds: f64,
}

impl ServerRun {
    fn from_reports(
        fault: Option<Fault>,
        profile: Profile,
        reports: &[TrialReport],
        seconds: f64,
    ) -> ServerRun {
        let pick = |strict: bool| -> Vec<&TrialReport> {
            reports.iter().filter(|r| r.fails_run(strict)).collect()
        };
        let names = |rs: &[&TrialReport]| rs.iter().map(|r| r.name.clone()).collect();
        let strict = fault.is_none_or(|f| f.level() != Level::Must);
        let first_message = pick(strict).first().map(|r| failure_message(r));
        ServerRun {
            fault,
            profile,
            trials: reports.len(),
            failed: names(&pick(false)),
            failed_strict: names(&pick(true)),
            first_message,
            seconds,
        }
    }

    /// The trials that catch the fault at its level: failures for a must-level fault,
    /// failures and warnings (in trial order) for a should-level one.
    pub fn catchers(&self) -> &[String] {
        match self.fault.map(Fault::level) {
            Some(Level::Must) => &self.failed,
            _ => &self.failed_strict,
        }
    }

    /// A fault is caught when some trial catches it; the clean server "holds" when no
    /// trial fails in either mode.
    pub fn holds(&self) -> bool {
        match self.fault {
            Some(_) => !self.catchers().is_empty(),
            None => self.failed.is_empty() && self.failed_strict.is_empty(),
        }
    }
}

/// Everything the self-test found.
#[derive(Debug, Clone)]
pub struct Report {
    /// The reference profile, clean.
    pub clean: ServerRun,
    /// Every other clean profile ([`Profile`]): servers that choose differently where the
    /// docs are silent, which the suite must pass just the same.
    pub profiles: Vec<ServerRun>,
    pub faults: Vec<ServerRun>,
    pub seconds: f64,
}

impl Report {
    /// Every fault caught at its level, and every clean profile without failures.
    pub fn holds(&self) -> bool {
        self.clean.holds()
            && self.profiles.iter().all(ServerRun::holds)
            && self.faults.iter().all(ServerRun::holds)
    }

    /// The detection power this self-test measured, for the suite whose content hash is
    /// `content_hash` (what `report.json` carries as `detection`).
    pub fn detection(&self, content_hash: &str) -> Detection {
        let caught = |level| {
            let (caught, total) = self.score(level);
            Caught { caught, total }
        };
        Detection {
            content_hash: content_hash.to_string(),
            must: caught(Level::Must),
            should: caught(Level::Should),
            clean_profiles: std::iter::once(&self.clean)
                .chain(&self.profiles)
                .map(|r| CleanProfile {
                    id: r.profile.id().to_string(),
                    description: r.profile.description().to_string(),
                    trials: r.trials,
                    failures: r.failed.len(),
                    failures_strict: r.failed_strict.len(),
                })
                .collect(),
        }
    }

    /// (caught, total) for the faults of one level.
    pub fn score(&self, level: Level) -> (usize, usize) {
        let of_level: Vec<&ServerRun> = self
            .faults
            .iter()
            .filter(|r| r.fault.map(Fault::level) == Some(level))
            .collect();
        (
            of_level.iter().filter(|r| r.holds()).count(),
            of_level.len(),
        )
    }

    /// The score lines under the table.
    pub fn score_lines(&self) -> String {
        let pct = |(c, t): (usize, usize)| {
            (c * 100)
                .checked_div(t)
                .map_or("-".to_string(), |p| format!("{p}%"))
        };
        let must = self.score(Level::Must);
        let should = self.score(Level::Should);
        let mut out = format!(
            "- must-level faults caught at default settings: {}/{} ({})\n\
             - should-level faults caught with `--strict`: {}/{} ({})\n\
             - clean server: {} failures at default settings, {} with `--strict` ({} trials)\n",
            must.0,
            must.1,
            pct(must),
            should.0,
            should.1,
            pct(should),
            self.clean.failed.len(),
            self.clean.failed_strict.len(),
            self.clean.trials,
        );
        for p in &self.profiles {
            let _ = writeln!(
                out,
                "- clean profile `{}` ({}): {} failures at default settings, {} with `--strict` ({} trials)",
                p.profile.id(),
                p.profile.description(),
                p.failed.len(),
                p.failed_strict.len(),
                p.trials,
            );
        }
        out
    }

    /// The table (Markdown), one row per fault.
    pub fn table(&self) -> String {
        let mut out = String::from(
            "| Fault | Level | What the faulty server does | Doc sentence it breaks | Caught | Caught by |\n\
             |---|---|---|---|---|---|\n",
        );
        for run in &self.faults {
            let Some(fault) = run.fault else { continue };
            let info = fault.info();
            let catchers = run.catchers();
            let (caught, by) = if catchers.is_empty() {
                ("**missed**", String::new())
            } else {
                let shown: Vec<String> = catchers
                    .iter()
                    .take(2)
                    .map(|n| format!("`{}`", TrialName::without_endpoint(n)))
                    .collect();
                let more = if catchers.len() > shown.len() {
                    ", ..."
                } else {
                    ""
                };
                (
                    "yes",
                    format!(
                        "{} trial{}: {}{more}",
                        catchers.len(),
                        if catchers.len() == 1 { "" } else { "s" },
                        shown.join(", ")
                    ),
                )
            };
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} § {}: \"{}\" | {caught} | {by} |",
                info.id,
                info.level,
                cell(info.description),
                info.spec.page,
                cell(&info.spec.section),
                cell(&shorten(&info.spec.quote, 90)),
            );
        }
        out
    }
}

fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        format!("{}...", s.chars().take(max).collect::<String>())
    }
}

/// Text safe inside a Markdown table cell.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// The target every self-test run uses: the embedded server with its built-in
/// credentials (not the `SOCONF_*` variables: the self-test is about the suite, and
/// must not depend on the machine) and no rate limit. Groups are reused and cleaned up as
/// in a user's run, so the self-test exercises the suite as it is used.
fn target(concurrency: usize) -> Target {
    Target {
        base_url: None,
        credentials: reference::default_credentials(),
        limits: Limits {
            concurrency: concurrency.max(1),
            ..Limits::embedded()
        },
        keep_created: false,
        fresh_groups: false,
        endpoints: vec![],
        allow_writes: vec![],
    }
}

/// Runs `specs` against a fresh embedded server with `fault` (on the current runtime),
/// returning every report in trial order.
pub async fn run_server(
    suite: Arc<Suite>,
    specs: Arc<SpecList>,
    fault: Option<Fault>,
    profile: Profile,
    concurrency: usize,
) -> Result<Vec<TrialReport>, String> {
    let config = reference::Config {
        fault,
        profile,
        ..reference::Config::with_defaults()
    };
    let run_id = format!(
        "{}-{}",
        launch::new_run_id(),
        fault.map_or(profile.id(), Fault::id)
    );
    let launched = launch::launch_with(suite, target(concurrency), run_id, config).await?;
    let engine = launched.engine.clone();
    let reports = pool::run_all(engine, specs, concurrency, Arc::new(|_: &TrialReport| {})).await;
    drop(launched);
    reports.map(crate::engine::Trials::into_reports)
}

/// Runs the clean server and every fault of `options`, `options.parallel` servers at a
/// time, on a runtime of its own. `progress` is called as each server finishes.
pub fn run(
    suite: Arc<Suite>,
    specs: Vec<TrialSpec>,
    options: &Options,
    progress: &(dyn Fn(&ServerRun) + Sync),
) -> Result<Report, String> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the tokio runtime: {e}"))?;
    let t0 = Instant::now();
    // The reference profile first, then the other clean profiles, then the faults.
    let servers: Vec<(Option<Fault>, Profile)> = Profile::ALL
        .into_iter()
        .map(|p| (None, p))
        .chain(
            options
                .faults
                .iter()
                .map(|f| (Some(*f), Profile::Reference)),
        )
        .collect();
    // The trials each server gets: all of them, or those of the fault's concern.
    let mut by_concern: std::collections::BTreeMap<&str, Vec<TrialSpec>> = Default::default();
    if options.own_concern_only {
        for s in &specs {
            by_concern
                .entry(s.concern(&suite))
                .or_default()
                .push(s.clone());
        }
    }
    let by_concern: std::collections::BTreeMap<&str, Arc<SpecList>> = by_concern
        .into_iter()
        .map(|(k, v)| (k, Arc::new(SpecList::from(v))))
        .collect();
    let all = Arc::new(SpecList::from(specs));
    let specs_for = |fault: Option<Fault>| match fault {
        Some(f) if options.own_concern_only => by_concern
            .get(f.concern())
            .cloned()
            .unwrap_or_else(|| Arc::new(SpecList::from(Vec::new()))),
        _ => all.clone(),
    };
    let concurrency = options.concurrency;
    let runs = rt.block_on(async {
        let gate = Arc::new(tokio::sync::Semaphore::new(options.parallel.max(1)));
        let mut tasks = tokio::task::JoinSet::new();
        for (i, (fault, profile)) in servers.iter().copied().enumerate() {
            let (suite, specs, gate) = (suite.clone(), specs_for(fault), gate.clone());
            tasks.spawn(async move {
                let _permit = gate.acquire_owned().await.map_err(|e| e.to_string())?;
                let started = Instant::now();
                let reports = run_server(suite, specs, fault, profile, concurrency).await?;
                let seconds = started.elapsed().as_secs_f64();
                let run = ServerRun::from_reports(fault, profile, &reports, seconds);
                Ok::<_, String>((i, run))
            });
        }
        let mut runs: Vec<Option<ServerRun>> = vec![None; servers.len()];
        while let Some(joined) = tasks.join_next().await {
            let (i, run) = joined.map_err(|e| format!("a self-test run stopped: {e}"))??;
            progress(&run);
            runs[i] = Some(run);
        }
        Ok::<_, String>(runs)
    })?;
    let mut runs = runs.into_iter().flatten();
    let clean = runs
        .next()
        .ok_or_else(|| "the clean server did not run".to_string())?;
    let profiles = runs.by_ref().take(Profile::ALL.len() - 1).collect();
    Ok(Report {
        clean,
        profiles,
        faults: runs.collect(),
        seconds: t0.elapsed().as_secs_f64(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(fault: Option<Fault>, failed: &[&str], warned: &[&str]) -> ServerRun {
        ServerRun {
            fault,
            profile: Profile::Reference,
            trials: 3,
            failed: failed.iter().map(|s| s.to_string()).collect(),
            failed_strict: failed.iter().chain(warned).map(|s| s.to_string()).collect(),
            first_message: None,
            seconds: 0.0,
        }
    }

    #[test]
    fn caught_per_level() {
        // A must-level fault needs a failure; a warning is not enough.
        assert!(!run(Some(Fault::IdAsString), &[], &["a"]).holds());
        assert!(run(Some(Fault::IdAsString), &["a"], &[]).holds());
        // A should-level fault is caught by a warning (with --strict) or a failure.
        assert!(run(Some(Fault::AcceptQIgnored), &[], &["a"]).holds());
        assert!(run(Some(Fault::AcceptQIgnored), &["b"], &[]).holds());
        assert!(!run(Some(Fault::AcceptQIgnored), &[], &[]).holds());
        // The clean server may neither fail nor warn.
        assert!(run(None, &[], &[]).holds());
        assert!(!run(None, &[], &["w"]).holds());
    }

    #[test]
    fn table_and_score() {
        let report = Report {
            clean: run(None, &[], &[]),
            profiles: vec![],
            faults: vec![
                run(
                    Some(Fault::IdAsString),
                    &["save_user_group::body::x", "save_user_group::body::y", "z"],
                    &[],
                ),
                run(Some(Fault::AcceptQIgnored), &[], &[]),
            ],
            seconds: 0.0,
        };
        assert!(!report.holds());
        assert_eq!(report.score(Level::Must), (1, 1));
        assert_eq!(report.score(Level::Should), (0, 1));
        let table = report.table();
        assert!(table.contains("| `id_as_string` | must |"), "{table}");
        assert!(
            table.contains("3 trials: `body::x`, `body::y`, ..."),
            "{table}"
        );
        assert!(table.contains("| `accept_q_ignored` | should |"), "{table}");
        assert!(table.contains("**missed**"), "{table}");
        assert!(
            table.contains("\\| Id \\| int32 \\| Primary key \\|"),
            "{table}"
        );
        let score = report.score_lines();
        assert!(score.contains("must-level faults caught at default settings: 1/1 (100%)"));
        assert!(score.contains("should-level faults caught with `--strict`: 0/1 (0%)"));
    }
}
