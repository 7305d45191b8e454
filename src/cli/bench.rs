//! `soconform bench`: the figures of issue 7, in one run, ending with `name=value` lines.
//!
//! 1. overhead: the full matrix against the embedded server, against a bare client loop
//!    replaying the very same requests (same concurrency, no checks): `overhead_ratio`.
//! 2. latency hiding: the full matrix against a server answering after `--latency-ms`,
//!    against the ideal `trials x latency / concurrency` (`latency_ratio`). Also printed:
//!    the same wall time against `requests x latency / concurrency`
//!    (`latency_ratio_per_request`: how well the requests overlap), and the bare replay of
//!    the same requests under the same latency against the per-trial ideal
//!    (`bare_latency_ratio`: what this machine allows for those requests).
//! 3. trials per second, and the peak RSS of a separate `run` process.
//! 4. harness costs: loading the suite and expanding every trial name (`list_ms`), and
//!    loading it and resolving one `--exact` name (`exact_ms`), as nextest does per test.

use super::exit;
use crate::engine::pool::{self, Details};
use crate::engine::{Engine, EngineConfig, TrialReport};
use crate::exchange::{HttpClient, Request};
use crate::matrix;
use crate::suite::{Suite, SuitePaths};
use crate::target::Limits;
use soconform_reference as reference;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, clap::Args)]
pub struct BenchArgs {
    /// Runs of each timed measurement; the median is reported.
    #[arg(long, default_value_t = 5)]
    pub repeat: usize,
    /// Simulated server latency for the latency-hiding figure.
    #[arg(long, default_value_t = 20)]
    pub latency_ms: u64,
    /// Exchanges in flight (default: the embedded target's default).
    #[arg(long)]
    pub concurrency: Option<usize>,
    /// Skip the peak-memory measurement (it starts a separate `run` process).
    #[arg(long)]
    pub skip_memory: bool,
    /// Instead: run N trials with `--report` in a separate `run` process (the matrix, then
    /// its generic trials over and over) and print its peak RSS, report bytes per trial and
    /// trials per second.
    #[arg(long, value_name = "N")]
    pub scale: Option<usize>,
    /// Instead: how long a whole run takes against a target that never answers, and one
    /// that goes silent mid-run, at the remote defaults (takes a minute or two).
    #[arg(long)]
    pub unresponsive: bool,
    /// With --unresponsive: when the second target goes silent.
    #[arg(long, value_parser = crate::target::parse_duration, default_value = "3s", value_name = "DURATION")]
    pub silent_after: Duration,
}

pub fn main(args: BenchArgs) -> u8 {
    match bench(&args) {
        Ok(()) => exit::OK,
        Err(e) => {
            eprintln!("soconform bench: {e}");
            exit::ERROR
        }
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let t0 = Instant::now();
    let out = f();
    (out, t0.elapsed().as_secs_f64())
}

fn bench(args: &BenchArgs) -> Result<(), String> {
    if args.unresponsive {
        for (k, v) in super::bench_unresponsive::figures(args.silent_after)? {
            println!("{k}={v}");
        }
        return Ok(());
    }
    if let Some(n) = args.scale {
        for (k, v) in scale(n)? {
            println!("{k}={v}");
        }
        return Ok(());
    }
    let paths = SuitePaths::discover();
    let repeat = args.repeat.max(1);
    let mut figures: Vec<(&str, String)> = Vec::new();

    // 4. harness costs, first: they are what nextest pays once per test process.
    let mut list = vec![];
    let mut exact = vec![];
    for _ in 0..repeat.max(5) {
        let (names, t) = timed(|| -> Result<Vec<String>, String> {
            let suite = Suite::load(paths.clone()).map_err(|e| e.to_string())?;
            Ok(matrix::expand_all(&suite)
                .map_err(|e| e.to_string())?
                .into_iter()
                .map(|s| s.name)
                .collect())
        });
        let names = names?;
        list.push(t * 1000.0);
        let probe = names.get(names.len() / 2).cloned().unwrap_or_default();
        let (found, t) = timed(|| -> Result<bool, String> {
            let suite = Suite::load(paths.clone()).map_err(|e| e.to_string())?;
            Ok(matrix::find_exact(&suite, &probe)
                .map_err(|e| e.to_string())?
                .is_some())
        });
        if !found? {
            return Err(format!("--exact could not resolve `{probe}`"));
        }
        exact.push(t * 1000.0);
    }

    // Start-up: the suite loaded and every validator compiled, as a run that checks
    // every endpoint's answers ends up doing.
    let mut startup = vec![];
    for _ in 0..repeat {
        let (done, t) = timed(|| -> Result<(), String> {
            let suite = Arc::new(Suite::load(paths.clone()).map_err(|e| e.to_string())?);
            crate::checks::validators::Validators::new(suite)?.compile_all()
        });
        done?;
        startup.push(t * 1000.0);
    }
    let suite = Arc::new(Suite::load(paths).map_err(|e| e.to_string())?);
    let specs = Arc::new(matrix::SpecList::from(
        matrix::expand_all(&suite).map_err(|e| e.to_string())?,
    ));
    let concurrency = args
        .concurrency
        .unwrap_or(Limits::embedded().concurrency)
        .max(1);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the tokio runtime: {e}"))?;
    eprintln!(
        "bench: {} trials, concurrency {concurrency}, {repeat} runs per figure",
        specs.len()
    );

    // 1. overhead: suite vs a bare replay of the same requests.
    let mut suite_s = vec![];
    let mut report_s = vec![];
    let mut bare_s = vec![];
    let mut suite_cpu: Vec<f64> = vec![];
    let mut bare_cpu: Vec<f64> = vec![];
    let mut requests_per_run = 0u64;
    for i in 0..repeat {
        let (run, secs) = rt.block_on(run_suite(
            &suite,
            &specs,
            concurrency,
            Duration::ZERO,
            true,
            Details::FailuresOnly,
        ))?;
        suite_cpu.push(run.cpu);
        let (_, with_report) = rt.block_on(run_suite(
            &suite,
            &specs,
            concurrency,
            Duration::ZERO,
            false,
            Details::All,
        ))?;
        report_s.push(with_report);
        if run.failed > 0 {
            return Err(format!(
                "{} trials failed against the reference server; fix that before benchmarking",
                run.failed
            ));
        }
        requests_per_run = run.requests;
        suite_s.push(secs);
        let cpu0 = cpu_seconds();
        // The same requests, to the same server: its store holds the groups they name.
        let bare = rt.block_on(replay(run, concurrency))?;
        bare_cpu.push(cpu_seconds() - cpu0);
        bare_s.push(bare);
        eprintln!(
            "bench: overhead run {}: suite {secs:.3} s ({with_report:.3} s recording everything), bare {bare:.3} s",
            i + 1
        );
    }
    let (suite_med, bare_med) = (median(suite_s), median(bare_s));
    let report_med = median(report_s);

    // 2. latency hiding.
    let latency = Duration::from_millis(args.latency_ms);
    let mut lat_s = vec![];
    let mut lat_requests = 0;
    let mut bare_lat_s = vec![];
    for i in 0..repeat {
        let (run, secs) = rt.block_on(run_suite(
            &suite,
            &specs,
            concurrency,
            latency,
            true,
            Details::FailuresOnly,
        ))?;
        lat_requests = run.requests;
        lat_s.push(secs);
        bare_lat_s.push(rt.block_on(replay(run, concurrency))?);
        eprintln!("bench: latency run {}: {secs:.3} s", i + 1);
    }
    let lat_med = median(lat_s);
    let bare_lat_med = median(bare_lat_s);
    let l = latency.as_secs_f64();
    let ideal_requests = lat_requests as f64 * l / concurrency as f64;
    let ideal_trials = specs.len() as f64 * l / concurrency as f64;

    // 3. memory, in a process of its own.
    let peak = if args.skip_memory {
        None
    } else {
        Some(peak_rss_of_run()?)
    };

    println!(
        "\nsoconform bench ({} trials, {} requests per run, concurrency {concurrency})",
        specs.len(),
        requests_per_run
    );
    println!("  suite, full matrix      {:>9.3} s", suite_med);
    println!("  ... recording all       {:>9.3} s", report_med);
    println!("  bare client replay      {:>9.3} s", bare_med);
    println!(
        "  with {} ms latency      {:>9.3} s (ideal {:.3} s by trials, {:.3} s by requests)",
        args.latency_ms, lat_med, ideal_trials, ideal_requests
    );
    println!(
        "  bare replay, {} ms      {:>9.3} s",
        args.latency_ms, bare_lat_med
    );
    figures.push((
        "overhead_ratio",
        format!("{:.2}", suite_med / bare_med.max(1e-9)),
    ));
    // The same comparison in CPU seconds (client and in-process server together): steadier
    // than wall time on a busy 2-core machine.
    // With a report to write, every exchange is recorded (and scanned for secrets).
    figures.push((
        "overhead_ratio_report",
        format!("{:.2}", report_med / bare_med.max(1e-9)),
    ));
    figures.push((
        "overhead_cpu_ratio",
        format!("{:.2}", median(suite_cpu) / median(bare_cpu).max(1e-9)),
    ));
    figures.push((
        "latency_ratio",
        format!("{:.2}", lat_med / ideal_trials.max(1e-9)),
    ));
    figures.push((
        "latency_ratio_per_request",
        format!("{:.2}", lat_med / ideal_requests.max(1e-9)),
    ));
    figures.push((
        "bare_latency_ratio",
        format!("{:.2}", bare_lat_med / ideal_trials.max(1e-9)),
    ));
    figures.push((
        "requests_per_trial",
        format!("{:.2}", lat_requests as f64 / specs.len().max(1) as f64),
    ));
    figures.push((
        "trials_per_s",
        format!("{:.0}", specs.len() as f64 / suite_med.max(1e-9)),
    ));
    figures.push((
        "requests_per_s",
        format!("{:.0}", requests_per_run as f64 / suite_med.max(1e-9)),
    ));
    if let Some(p) = peak {
        figures.push(("peak_rss_mib", format!("{p:.1}")));
    }
    figures.push(("startup_ms", format!("{:.1}", median(startup))));
    figures.push(("list_ms", format!("{:.1}", median(list))));
    figures.push(("exact_ms", format!("{:.1}", median(exact))));
    figures.push(("trials", specs.len().to_string()));
    figures.push(("concurrency", concurrency.to_string()));
    for (k, v) in figures {
        println!("{k}={v}");
    }
    Ok(())
}

struct SuiteRun {
    failed: usize,
    requests: u64,
    captured: Vec<Vec<Request>>,
    /// Still running, for the replay; shut down after it.
    server: reference::RunningServer,
    /// CPU seconds of the process (client and in-process server) during the run.
    cpu: f64,
}

/// The full matrix against a fresh embedded server; returns the run and its wall time
/// (server start excluded).
async fn run_suite(
    suite: &Arc<Suite>,
    specs: &Arc<matrix::SpecList>,
    concurrency: usize,
    latency: Duration,
    capture: bool,
    details: Details,
) -> Result<(SuiteRun, f64), String> {
    let mut config = reference::Config::with_defaults();
    config.latency = latency;
    // Every agent call the suite describes, as the embedded server of a run serves them.
    config.catalogue = Arc::new(crate::launch::catalogue_of(suite));
    let credentials = config.credentials.clone();
    let server = reference::start(config, ([127, 0, 0, 1], 0).into())
        .await
        .map_err(|e| e.to_string())?;
    let limits = Limits {
        concurrency,
        ..Limits::embedded()
    };
    let engine = Arc::new(Engine::new(
        suite.clone(),
        EngineConfig {
            base_url: server.base_url().to_string(),
            credentials,
            limits,
            keep_created: false,
            fresh_groups: false,
            run_id: crate::launch::new_run_id(),
            capture_requests: capture,
            writes: crate::engine::WritePolicy::Any,
        },
    )?);
    // Start-up (every validator compiled) is a figure of its own (`startup_ms`): what is
    // timed here is the run, as a bare client's replay of it is.
    engine.validators.compile_all()?;
    let noop: Arc<dyn Fn(&TrialReport) + Send + Sync> = Arc::new(|_| {});
    let cpu0 = cpu_seconds();
    let t0 = Instant::now();
    let reports =
        pool::run_all_with(engine.clone(), specs.clone(), concurrency, noop, details).await?;
    // The run is not over until every group it created is marked Deleted.
    let sweep = engine.sweep().await;
    let secs = t0.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu0;
    if !sweep.clean() {
        return Err(format!(
            "the final sweep could not mark every group Deleted: {}",
            sweep.summary_lines().join("; ")
        ));
    }
    let failed = reports.iter().filter(|r| r.fails_run(false)).count();
    let run = SuiteRun {
        failed,
        requests: engine.client.sent(),
        captured: engine.take_captured(),
        server,
        cpu,
    };
    Ok((run, secs))
}

/// Sends the captured requests of `run` again to the server it ran against, each trial's
/// requests in order, `concurrency` trials at a time, checking nothing; then stops that
/// server.
async fn replay(run: SuiteRun, concurrency: usize) -> Result<f64, String> {
    let client = Arc::new(
        HttpClient::new(Limits {
            concurrency,
            ..Limits::embedded()
        })
        .map_err(|e| e.to_string())?,
    );
    let trials = Arc::new(run.captured);
    let next = Arc::new(AtomicUsize::new(0));
    let t0 = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let (client, trials, next) = (client.clone(), trials.clone(), next.clone());
        workers.spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(reqs) = trials.get(i) else { break };
                for r in reqs {
                    let _ = client.send("bare", r.clone()).await;
                }
            }
        });
    }
    while let Some(r) = workers.join_next().await {
        r.map_err(|e| e.to_string())?;
    }
    let secs = t0.elapsed().as_secs_f64();
    run.server.shutdown().await;
    Ok(secs)
}

/// Runs `soconform run --print-peak-rss` as a child and reads the figure it prints.
fn peak_rss_of_run() -> Result<f64, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this executable: {e}"))?;
    let out = std::process::Command::new(exe)
        .args(["run", "--print-peak-rss"])
        .output()
        .map_err(|e| format!("cannot start a `run` process: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find_map(|l| l.strip_prefix("peak_rss_mib="))
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| {
            format!(
                "the `run` process printed no peak_rss_mib (exit {:?})",
                out.status.code()
            )
        })
}

/// `n` trials with `--report` in a `run` process of their own: its peak RSS, the bytes of
/// each report file per trial, and trials per second (report writing included).
fn scale(n: usize) -> Result<Vec<(String, String)>, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this executable: {e}"))?;
    let dir = std::env::temp_dir().join(format!("soconform-bench-scale-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let t0 = Instant::now();
    let out = std::process::Command::new(exe)
        .args([
            "run",
            "--print-peak-rss",
            "--scale",
            &n.to_string(),
            "--report",
        ])
        .arg(&dir)
        .output()
        .map_err(|e| format!("cannot start a `run` process: {e}"))?;
    let secs = t0.elapsed().as_secs_f64();
    let text = String::from_utf8_lossy(&out.stdout);
    let peak: f64 = text
        .lines()
        .find_map(|l| l.strip_prefix("peak_rss_mib="))
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| {
            format!(
                "the `run --scale {n}` process printed no peak_rss_mib (exit {:?}): {}",
                out.status.code(),
                String::from_utf8_lossy(&out.stderr)
            )
        })?;
    let size = |name: &str| std::fs::metadata(dir.join(name)).map_or(0, |m| m.len());
    let per = |bytes: u64| format!("{:.0}", bytes as f64 / n.max(1) as f64);
    let figures = vec![
        ("scale_trials".to_string(), n.to_string()),
        ("scale_peak_rss_mib".into(), format!("{peak:.1}")),
        (
            "scale_report_json_bytes_per_trial".into(),
            per(size("report.json")),
        ),
        (
            "scale_har_bytes_per_trial".into(),
            per(size("exchanges.har")),
        ),
        ("scale_junit_bytes_per_trial".into(), per(size("junit.xml"))),
        ("scale_html_bytes".into(), size("report.html").to_string()),
        (
            "scale_trials_per_s".into(),
            format!("{:.0}", n as f64 / secs.max(1e-9)),
        ),
        (
            "scale_exit".into(),
            out.status.code().unwrap_or(-1).to_string(),
        ),
    ];
    let _ = std::fs::remove_dir_all(&dir);
    Ok(figures)
}

/// CPU time (user + system) this process has used so far, in seconds (Linux `/proc`).
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    (ticks(11) + ticks(12)) / CLOCK_TICKS_PER_SECOND
}

/// `sysconf(_SC_CLK_TCK)`, 100 on every Linux the suite targets.
const CLOCK_TICKS_PER_SECOND: f64 = 100.0;

/// Peak resident set size of this process in MiB (Linux `VmHWM`), if known.
pub fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}
