//! The suite under `cargo test` / `cargo nextest run`: every trial of the matrix is one
//! libtest-mimic test against `SOCONF_TARGET`, or against the embedded reference server
//! when it is unset. `tests/conformance.rs` only calls [`main`].
//!
//! Harness contract (nextest's custom-harness rules): `--list` builds names only;
//! `--exact NAME` expands just the case NAME points at; nothing is started (server,
//! client, validators) until a trial is about to run. Trials whose scheme has no
//! credentials are listed as ignored, so nextest skips them rather than passing them.
//!
//! Limits come from `SOCONF_*` variables (or the file `SOCONF_TARGET_FILE` names). An
//! unreachable target ends the process with exit 2 before any trial; Ctrl-C or SIGTERM
//! stops new trials (they are ignored, with the reason), runs the final sweep and exits
//! 130, as `soconform run` does.

use crate::auth::AuthMode;
use crate::checks::Verdict;
use crate::engine::{failure_message, TrialReport};
use crate::exchange::auth_headers;
use crate::generate::GenerationConfig;
use crate::launch::{self, Launched};
use crate::matrix::{self, TrialSpec};
use crate::suite::{Suite, SuitePaths};
use crate::target::Target;
use libtest_mimic::{Arguments, Completion, Failed, Trial};
use std::process::ExitCode;
use std::sync::{Arc, Mutex, OnceLock};

struct Running {
    rt: tokio::runtime::Runtime,
    launched: Launched,
}

struct Shared {
    suite: Arc<Suite>,
    target: Target,
    strict: bool,
    /// `SOCONF_WAIVERS`: a waived failure is reported as ignored, with the waiver.
    waivers: Vec<crate::waivers::Waiver>,
    today: String,
    running: OnceLock<Result<Running, String>>,
    warnings: Mutex<Vec<String>>,
}

impl Shared {
    fn running(&self) -> Result<&Running, String> {
        self.running
            .get_or_init(|| {
                let rt = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .map_err(|e| format!("cannot start the tokio runtime: {e}"))?;
                let launched = rt.block_on(async {
                    let launched = launch::launch(
                        self.suite.clone(),
                        self.target.clone(),
                        launch::new_run_id(),
                    )
                    .await?;
                    launched.engine.check_reachable().await?;
                    Ok::<_, String>(launched)
                })?;
                rt.spawn(crate::interrupt::listen(launched.engine.clone()));
                Ok(Running { rt, launched })
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    fn run(&self, spec: &TrialSpec) -> Result<Completion, Failed> {
        let running = self.running().map_err(Failed::from)?;
        let mut report: TrialReport = running.rt.block_on(running.launched.engine.run(spec));
        crate::waivers::apply(
            &self.waivers,
            std::slice::from_mut(&mut report),
            &self.today,
        );
        let outcome = completion(&report, self.strict);
        if matches!(report.verdict, Verdict::Warn) && outcome.is_ok() {
            if let Ok(mut w) = self.warnings.lock() {
                w.push(failure_message(&report));
            }
        }
        outcome
    }
}

/// A trial's verdict as libtest sees it: a pass (info too), an ignored trial with its
/// reason, or a failure with the message; a should-level warning fails only when `strict`.
pub fn completion(report: &TrialReport, strict: bool) -> Result<Completion, Failed> {
    if let Some(w) = &report.waived {
        return Ok(Completion::ignored_with(format!(
            "waived failure: {}",
            w.summary()
        )));
    }
    match &report.verdict {
        Verdict::Pass | Verdict::Info => Ok(Completion::Completed),
        Verdict::Skipped(reason) => Ok(Completion::ignored_with(reason)),
        Verdict::Warn if !strict => Ok(Completion::Completed),
        Verdict::Warn | Verdict::Fail => Err(failure_message(report).into()),
    }
}

pub fn main(paths: SuitePaths) -> ExitCode {
    let mut args = Arguments::from_args();
    let suite = match Suite::load(paths) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("soconform: cannot load the suite: {e}");
            return ExitCode::from(2);
        }
    };
    // SOCONF_GENERATED / SOCONF_SEED: how many generated bodies, from which seed.
    let suite = match GenerationConfig::from_env() {
        Ok(generation) => Arc::new(Suite {
            generation,
            ..suite
        }),
        Err(e) => {
            eprintln!("soconform: {e}");
            return ExitCode::from(2);
        }
    };
    let target = match Target::from_env(None) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("soconform: {e}");
            return ExitCode::from(2);
        }
    };
    let specs = match (&args.filter, args.exact) {
        (Some(name), true) => {
            matrix::find_exact(&suite, name).map(|s| s.into_iter().collect::<Vec<_>>())
        }
        _ => matrix::expand_all(&suite),
    };
    let specs = match specs
        .map_err(|e| e.to_string())
        .and_then(|s| matrix::for_endpoints(&suite, s, &target.endpoints))
    {
        Ok(s) => s,
        Err(e) => {
            eprintln!("soconform: {e}");
            return ExitCode::from(2);
        }
    };
    if args.test_threads.is_none() {
        // Trials wait on the network, not the CPU: run as many as the target allows.
        args.test_threads = Some(target.limits.concurrency);
    }
    // With no target every scheme is configured (the embedded server accepts whatever it
    // is given); against a live server, unconfigured ones are ignored.
    let credentials = launch::effective_credentials(&target);
    let strict = std::env::var("SOCONF_STRICT").is_ok_and(|v| !v.is_empty() && v != "0");
    let waivers = match std::env::var_os("SOCONF_WAIVERS").filter(|v| !v.is_empty()) {
        Some(path) => match crate::waivers::load(std::path::Path::new(&path)) {
            Ok(w) => w,
            Err(e) => {
                eprintln!("soconform: SOCONF_WAIVERS: {e}");
                return ExitCode::from(2);
            }
        },
        None => Vec::new(),
    };
    let today = crate::waivers::today();
    let expired: Vec<String> = waivers
        .iter()
        .filter(|w| w.expired(&today))
        .map(|w| format!("waiver `{}` expired on {}", w.pattern, w.expires))
        .collect();
    let shared = Arc::new(Shared {
        suite,
        target,
        strict,
        waivers,
        today,
        running: OnceLock::new(),
        warnings: Mutex::new(vec![]),
    });

    let trials: Vec<Trial> = specs
        .into_iter()
        .map(|spec| {
            let unconfigured = !matches!(spec.auth, AuthMode::None)
                && auth_headers(&spec.auth, &credentials).is_err();
            let shared = shared.clone();
            Trial::ignorable_test(spec.name.clone(), move || shared.run(&spec))
                .with_ignored_flag(unconfigured)
        })
        .collect();
    if !args.list {
        let ignored = trials.iter().filter(|t| t.has_ignored_flag()).count();
        if ignored > 0 {
            eprintln!("soconform: {ignored} trials are ignored: their auth scheme has no credentials configured (see SOCONF_* in the README)");
        }
    }

    // Reachability first, when a trial will run: one line and exit 2, not one failure
    // per trial.
    if !args.list && trials.iter().any(|t| selected(&args, t)) {
        if let Err(e) = shared.running() {
            eprintln!("soconform: {e}");
            return ExitCode::from(2);
        }
    }

    let conclusion = libtest_mimic::run(&args, trials);

    let mut interrupted = false;
    if let Some(Ok(running)) = shared.running.get() {
        let engine = &running.launched.engine;
        let sweep = running.rt.block_on(engine.sweep());
        if !sweep.created.is_empty() || !sweep.clean() {
            for line in sweep.summary_lines() {
                eprintln!("soconform: {line}");
            }
        }
        if let Some(h) = engine.halt() {
            eprintln!("soconform: stopped early: {}", h.reason);
            interrupted = h.kind == crate::exchange::HaltKind::Interrupted;
        }
    }
    if let Ok(w) = shared.warnings.lock() {
        if !w.is_empty() {
            eprintln!(
                "\nsoconform: {} should-level warnings (SOCONF_STRICT=1 fails on them):",
                w.len()
            );
            for m in w.iter() {
                eprintln!("{m}");
            }
        }
    }
    if interrupted {
        return ExitCode::from(crate::engine::exit::INTERRUPTED);
    }
    if !expired.is_empty() {
        // An expired waiver waived nothing, and fails the run until renewed or removed.
        for e in &expired {
            eprintln!("soconform: {e}: it waived nothing; renew or remove it");
        }
        return ExitCode::from(crate::engine::exit::FAILED);
    }
    conclusion.exit_code()
}

/// Whether libtest-mimic will run `trial` under `args` (its filter, `--exact`, `--skip`,
/// and ignored trials only with `--ignored` or `--include-ignored`).
fn selected(args: &Arguments, trial: &Trial) -> bool {
    let name = trial.name();
    let filtered = match &args.filter {
        None => true,
        Some(f) if args.exact => name == f,
        Some(f) => name.contains(f.as_str()),
    };
    let skipped = args.skip.iter().any(|s| {
        if args.exact {
            name == s
        } else {
            name.contains(s.as_str())
        }
    });
    let ignored_ok = if trial.has_ignored_flag() {
        args.ignored || args.include_ignored
    } else {
        !args.ignored
    };
    filtered && !skipped && ignored_ok
}
