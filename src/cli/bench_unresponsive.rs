//! `soconform bench --unresponsive`: how long a whole run takes against a target that
//! stops answering, at the remote defaults (30 s exchange timeout, concurrency 16), for
//! BENCHMARKS.md (issue 14).
//!
//! - `never_answers_s`: a listener that accepts every connection and never answers.
//! - `goes_silent_s`: the embedded reference server behind a TCP relay that stops
//!   relaying (in both directions, connections held open) `--silent-after` into the run.

use crate::launch::execute;
use crate::matrix;
use crate::suite::{Suite, SuitePaths};
use crate::target::{Limits, Target};
use soconform_reference as reference;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Figures as `name=value` pairs.
pub fn figures(silent_after: Duration) -> Result<Vec<(&'static str, String)>, String> {
    let suite = Arc::new(Suite::load(SuitePaths::discover()).map_err(|e| e.to_string())?);
    let specs = matrix::expand_all(&suite).map_err(|e| e.to_string())?;
    let trials = specs.len();
    let limits = Limits::remote();
    // The servers run on a runtime of their own: `execute` builds the suite's.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the tokio runtime: {e}"))?;

    let silent = rt
        .block_on(TcpListener::bind("127.0.0.1:0"))
        .map_err(|e| e.to_string())?;
    let silent_addr = silent.local_addr().map_err(|e| e.to_string())?;
    rt.spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = silent.accept().await {
            held.push(s);
        }
    });
    eprintln!(
        "bench: {trials} trials against a server that never answers (timeout {:?}, concurrency {})",
        limits.total_timeout, limits.concurrency
    );
    let never = timed_run(
        &suite,
        specs.clone(),
        &format!("http://{silent_addr}/api"),
        &limits,
    )?;

    let backend = rt
        .block_on(reference::start(
            reference::Config::with_defaults(),
            ([127, 0, 0, 1], 0).into(),
        ))
        .map_err(|e| e.to_string())?;
    let relay = rt
        .block_on(TcpListener::bind("127.0.0.1:0"))
        .map_err(|e| e.to_string())?;
    let relay_addr = relay.local_addr().map_err(|e| e.to_string())?;
    let dead = Arc::new(AtomicBool::new(false));
    let (d, to) = (dead.clone(), backend.addr());
    rt.spawn(async move {
        while let Ok((s, _)) = relay.accept().await {
            tokio::spawn(relay_one(s, to, d.clone()));
        }
    });
    let d = dead.clone();
    rt.spawn(async move {
        tokio::time::sleep(silent_after).await;
        d.store(true, Ordering::SeqCst);
    });
    eprintln!(
        "bench: {trials} trials against the reference server going silent after {silent_after:?}"
    );
    let goes_silent = timed_run(&suite, specs, &format!("http://{relay_addr}/api"), &limits)?;
    rt.shutdown_background();
    Ok(vec![
        ("unresponsive_never_answers_s", format!("{:.1}", never.0)),
        ("unresponsive_never_answers_trials_run", never.1.to_string()),
        (
            "unresponsive_goes_silent_s",
            format!("{:.1}", goes_silent.0),
        ),
        (
            "unresponsive_goes_silent_after_s",
            format!("{:.1}", silent_after.as_secs_f64()),
        ),
        (
            "unresponsive_goes_silent_trials_run",
            goes_silent.1.to_string(),
        ),
        (
            "unresponsive_timeout_s",
            format!("{:.0}", limits.total_timeout.as_secs_f64()),
        ),
        ("unresponsive_concurrency", limits.concurrency.to_string()),
        ("trials", trials.to_string()),
    ])
}

/// Wall time of a whole run against `url`, and how many trials were not skipped.
fn timed_run(
    suite: &Arc<Suite>,
    specs: Vec<matrix::TrialSpec>,
    url: &str,
    limits: &Limits,
) -> Result<(f64, usize), String> {
    let target = Target {
        base_url: Some(url.to_string()),
        credentials: reference::default_credentials(),
        limits: limits.clone(),
        keep_created: false,
        fresh_groups: false,
        endpoints: vec![],
        allow_writes: vec![],
    };
    let t0 = Instant::now();
    let outcome = execute(suite.clone(), target, specs, true)?;
    let secs = t0.elapsed().as_secs_f64();
    if outcome.halt.is_none() {
        return Err("the run against a silent target did not halt".into());
    }
    let ran = outcome
        .reports
        .iter()
        .filter(|r| !matches!(r.verdict, crate::checks::Verdict::Skipped(_)))
        .count();
    Ok((secs, ran))
}

/// Relays one connection to `to` until `dead`; from then on holds both sockets open and
/// relays nothing.
async fn relay_one(client: TcpStream, to: std::net::SocketAddr, dead: Arc<AtomicBool>) {
    if dead.load(Ordering::SeqCst) {
        let _held = client;
        return std::future::pending::<()>().await;
    }
    let Ok(server) = TcpStream::connect(to).await else {
        return;
    };
    let (cr, cw) = client.into_split();
    let (sr, sw) = server.into_split();
    tokio::join!(pipe(cr, sw, dead.clone()), pipe(sr, cw, dead));
}

async fn pipe(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    dead: Arc<AtomicBool>,
) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        if dead.load(Ordering::SeqCst) {
            let _held = (from, to);
            std::future::pending::<()>().await;
            return;
        }
        if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}
