//! From a target to a ready engine, and from specs to a finished run: the one place that
//! knows about the embedded reference server. With no target URL it starts one on an
//! ephemeral loopback port, configured with the same credentials the suite will send.

use crate::credentials::Credentials;
use crate::engine::pool::Details;
use crate::engine::{Engine, EngineConfig, RunOutcome, TrialReport, WritePolicy};
use crate::matrix::SpecList;
use crate::progress::Progress;
use crate::suite::Suite;
use crate::target::Target;
use soconform_reference as reference;
use std::sync::Arc;

pub struct Launched {
    pub engine: Arc<Engine>,
    /// Keeps the embedded server alive for as long as the engine needs it.
    pub server: Option<reference::RunningServer>,
    /// Where the trials go, for humans (`embedded reference server at http://...`).
    pub target_label: String,
}

/// A run id unique enough to tell this run's groups from another's: seconds since the
/// epoch (base 36) and the process id.
pub fn new_run_id() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    format!("{}{}", base36(secs), base36(u64::from(std::process::id())))
}

fn base36(mut n: u64) -> String {
    const D: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    loop {
        out.push(D[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// The credentials trials are sent with: the target's, and against the embedded server
/// (which accepts whatever it is configured with) every scheme's default where unset.
pub fn effective_credentials(target: &Target) -> Credentials {
    if target.is_embedded() {
        target
            .credentials
            .clone()
            .or(reference::default_credentials())
    } else {
        target.credentials.clone()
    }
}

/// The reference server's catalogue of `suite`'s endpoints (their descriptions and
/// response schemas, already read by the suite: nothing is read twice).
pub fn catalogue_of(suite: &Suite) -> reference::Catalogue {
    reference::Catalogue::new(
        suite
            .endpoints
            .values()
            .map(|e| (e.description.clone(), &e.response_schema)),
    )
}

/// Must run inside a tokio runtime (the embedded server is spawned on it).
pub async fn launch(suite: Arc<Suite>, target: Target, run_id: String) -> Result<Launched, String> {
    launch_with(suite, target, run_id, reference::Config::with_defaults()).await
}

/// Like [`launch`], starting the embedded server (when the target has no URL) with
/// `server_config` as its configuration, credentials aside (`soconform selftest` sets a fault).
pub async fn launch_with(
    suite: Arc<Suite>,
    mut target: Target,
    run_id: String,
    server_config: reference::Config,
) -> Result<Launched, String> {
    let (base_url, server, label) = match &target.base_url {
        Some(url) => (url.clone(), None, url.to_string()),
        None => {
            target.credentials = effective_credentials(&target);
            let mut config = server_config;
            config.credentials = target.credentials.clone();
            // Every endpoint the suite knows, answered from its derived schema.
            if config.catalogue.is_empty() {
                config.catalogue = Arc::new(catalogue_of(&suite));
            }
            let addr = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
            let server = reference::start(config, addr)
                .await
                .map_err(|e| format!("cannot start the embedded reference server: {e}"))?;
            let url = server.base_url().to_string();
            let label = format!("embedded reference server at {url}");
            (url, Some(server), label)
        }
    };
    let engine = Engine::new(
        suite,
        EngineConfig {
            base_url,
            credentials: target.credentials,
            limits: target.limits,
            keep_created: target.keep_created,
            fresh_groups: target.fresh_groups,
            run_id,
            capture_requests: false,
            // The embedded server may take any call; a live target only the reads and
            // the writes the run opts into.
            writes: match server {
                Some(_) => WritePolicy::Any,
                None => WritePolicy::Only(target.allow_writes),
            },
        },
    )?;
    Ok(Launched {
        engine: Arc::new(engine),
        server,
        target_label: label,
    })
}

/// How a run is carried out, beyond its target and trials.
#[derive(Clone)]
pub struct RunOptions {
    /// A progress bar (terminal) or progress lines (pipe) on stderr.
    pub progress: bool,
    pub details: Details,
    /// Take over Ctrl-C and SIGTERM for a clean stop (the CLI; never in-process tests,
    /// which would then outlive a Ctrl-C).
    pub signals: bool,
    /// Where passing trials' details go as they finish (a report's spool), instead of
    /// memory.
    pub keeper: Option<Arc<dyn crate::engine::pool::Keeper>>,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            progress: false,
            details: Details::All,
            signals: false,
            keeper: None,
        }
    }
}

/// Runs `specs` with bounded concurrency on a fresh runtime; reports come back in spec
/// order whatever order they finished in.
pub fn execute(
    suite: Arc<Suite>,
    target: Target,
    specs: impl Into<SpecList>,
    progress: bool,
) -> Result<RunOutcome, String> {
    let options = RunOptions {
        progress,
        ..RunOptions::default()
    };
    execute_with(suite, target, specs, options)
}

/// [`execute`] with every option. An unreachable target is an `Err` (nothing was judged).
pub fn execute_with(
    suite: Arc<Suite>,
    target: Target,
    specs: impl Into<SpecList>,
    options: RunOptions,
) -> Result<RunOutcome, String> {
    let specs: SpecList = specs.into();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the tokio runtime: {e}"))?;
    let concurrency = target.limits.concurrency.max(1);
    let started = std::time::SystemTime::now();
    rt.block_on(async move {
        let launched = launch(suite, target, new_run_id()).await?;
        let engine = launched.engine.clone();
        if let Some(k) = &options.keeper {
            engine.set_keeper(k.clone());
        }
        let bar = Progress::new(specs.len(), options.progress);
        // From the probe on: a target that does not answer it is waited for visibly.
        let waiting = bar.show_waiting(engine.clone());
        if let Err(e) = engine.check_reachable().await {
            waiting.abort();
            bar.finish();
            return Err(e);
        }
        let signals = options
            .signals
            .then(|| tokio::spawn(crate::interrupt::listen(engine.clone())));
        let tick = bar.clone();
        let on_done: Arc<dyn Fn(&TrialReport) + Send + Sync> = Arc::new(move |r| tick.tick(r));
        let reports = crate::engine::pool::run_all_with(
            engine.clone(),
            Arc::new(specs),
            concurrency,
            on_done,
            options.details,
        )
        .await;
        bar.finish();
        if let Some(h) = engine.halt() {
            if options.progress {
                eprintln!(
                    "soconform: stopped: {}; now marking this run's groups Deleted",
                    h.reason
                );
            }
        }
        // After a halt too: every group this run created ends Deleted, if it can be.
        let sweep = engine.sweep().await;
        waiting.abort();
        if let Some(s) = signals {
            s.abort();
        }
        let reports = reports?;
        let requests = engine.client.sent();
        let target_label = launched.target_label.clone();
        let embedded = launched.server.is_some();
        drop(launched);
        Ok(RunOutcome {
            reports,
            target_label,
            target_url: engine.base_url.clone(),
            embedded,
            started,
            finished: std::time::SystemTime::now(),
            sweep,
            requests,
            halt: engine.halt().cloned(),
            transport: engine.client.watch().stats(),
            waivers: Vec::new(),
            setup: crate::engine::RunSetup::of(&engine.credentials, engine.client.limits()),
        })
    })
}
