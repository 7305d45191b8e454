//! A run that always ends, and ends well (issue 14), against real sockets: a front server
//! passes requests to the embedded reference server until it is told to misbehave (stop
//! answering after N requests, answer 429 to every second request, answer only 429); a
//! port where nothing listens; and real SIGINTs sent to the `soconform` binary in the
//! middle of a run.

use soconform::checks::Verdict;
use soconform::engine::{failure_message, RunOutcome, RunVerdict};
use soconform::exchange::HaltKind;
use soconform::launch::execute;
use soconform::matrix::{self, TrialSpec};
use soconform::suite::{Suite, SuitePaths};
use soconform::target::{Limits, Target};
use soconform_reference::{self as reference, Config, RunningServer};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What the front server does with request number `n` (0-based, over all connections).
#[derive(Clone, Copy, Debug)]
enum Mode {
    /// Passes the first `n` requests on, then never answers again.
    HangAfter(u64),
    /// Answers every second request `429 Retry-After: 1`, passes the others on.
    EverySecond429,
    /// Answers every request `429 Retry-After: 0`.
    Only429,
}

struct FrontState {
    mode: Mode,
    backend: String,
    client: reqwest::Client,
    seen: AtomicU64,
    sent_429: AtomicU64,
}

/// The reference server and a front in front of it, on a runtime of their own (the
/// suite's `execute` builds another).
struct Front {
    rt: tokio::runtime::Runtime,
    addr: SocketAddr,
    state: Arc<FrontState>,
    backend: Option<RunningServer>,
}

impl Front {
    fn start(mode: Mode, latency: Duration) -> Front {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let mut config = Config::with_defaults();
        config.latency = latency;
        let backend = rt
            .block_on(reference::start(config, ([127, 0, 0, 1], 0).into()))
            .expect("reference server");
        let state = Arc::new(FrontState {
            mode,
            backend: format!("http://{}", backend.addr()),
            client: reqwest::Client::new(),
            seen: AtomicU64::new(0),
            sent_429: AtomicU64::new(0),
        });
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let app = axum::Router::new()
            .fallback(front)
            .with_state(state.clone());
        rt.spawn(async move { axum::serve(listener, app).await });
        Front {
            rt,
            addr,
            state,
            backend: Some(backend),
        }
    }

    fn url(&self) -> String {
        format!("http://{}/api", self.addr)
    }

    /// The groups the reference server behind the front holds now.
    fn groups(&self) -> Vec<reference::UserGroup> {
        self.backend
            .as_ref()
            .map(|b| b.store().snapshot())
            .unwrap_or_default()
    }

    /// The Ids of the groups a run created that are not marked Deleted.
    fn active_groups(&self) -> Vec<i32> {
        self.groups()
            .iter()
            .filter(|g| named(g) && !g.deleted)
            .map(|g| g.id)
            .collect()
    }
}

impl Drop for Front {
    fn drop(&mut self) {
        // Requests the front holds forever are simply abandoned.
        let rt = std::mem::replace(
            &mut self.rt,
            tokio::runtime::Builder::new_current_thread()
                .build()
                .expect("runtime"),
        );
        drop(self.backend.take());
        rt.shutdown_background();
    }
}

async fn front(
    axum::extract::State(st): axum::extract::State<Arc<FrontState>>,
    req: axum::extract::Request,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let n = st.seen.fetch_add(1, Ordering::SeqCst);
    let too_many = |retry_after: &'static str| {
        st.sent_429.fetch_add(1, Ordering::SeqCst);
        (
            axum::http::StatusCode::TOO_MANY_REQUESTS,
            [("Retry-After", retry_after)],
            "slow down",
        )
            .into_response()
    };
    match st.mode {
        Mode::HangAfter(k) if n >= k => std::future::pending().await,
        Mode::EverySecond429 if n % 2 == 1 => return too_many("1"),
        Mode::Only429 => return too_many("0"),
        _ => {}
    }
    let (parts, body) = req.into_parts();
    let Ok(body) = axum::body::to_bytes(body, 8 << 20).await else {
        return axum::http::StatusCode::BAD_REQUEST.into_response();
    };
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let mut out = st
        .client
        .request(parts.method.clone(), format!("{}{path}", st.backend))
        .body(body);
    for (name, value) in &parts.headers {
        if name != axum::http::header::HOST {
            out = out.header(name, value);
        }
    }
    let Ok(resp) = out.send().await else {
        return axum::http::StatusCode::BAD_GATEWAY.into_response();
    };
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = resp.bytes().await.unwrap_or_default();
    let mut answer = (status, bytes).into_response();
    for (name, value) in &headers {
        if name != axum::http::header::CONTENT_LENGTH
            && name != axum::http::header::TRANSFER_ENCODING
        {
            answer.headers_mut().insert(name, value.clone());
        }
    }
    answer
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn suite() -> Arc<Suite> {
    Arc::new(Suite::load(SuitePaths::under(&root())).unwrap_or_else(|e| panic!("{e}")))
}

/// Trials that send JSON and ask for JSON (the front passes exactly what it gets; a
/// request without Accept would gain one on the way), `max` of them, taking them in turn
/// from each of `concerns`.
fn specs(suite: &Suite, concerns: &[&str], max: usize) -> Vec<TrialSpec> {
    let all = matrix::expand_all(suite).expect("trials");
    let mut per: Vec<Vec<TrialSpec>> = concerns
        .iter()
        .map(|c| {
            all.iter()
                // The UserGroup family's trials: the generic ones of write endpoints are
                // skipped on a live target (no --allow-writes here), by design.
                .filter(|t| {
                    suite.own_cases.contains(&*t.endpoint)
                        && t.name.contains(&format!("::{c}::"))
                        && t.name.contains("::json->json::")
                })
                .cloned()
                .collect()
        })
        .collect();
    let mut out = Vec::new();
    while out.len() < max && per.iter().any(|p| !p.is_empty()) {
        for p in per.iter_mut() {
            if !p.is_empty() && out.len() < max {
                out.push(p.remove(0));
            }
        }
    }
    assert!(!out.is_empty(), "no trials for {concerns:?}");
    out
}

fn limits(concurrency: usize) -> Limits {
    Limits {
        concurrency,
        rps: 0,
        connect_timeout: Duration::from_secs(1),
        total_timeout: Duration::from_secs(2),
        ..Limits::remote()
    }
}

fn target(url: &str, limits: Limits) -> Target {
    Target {
        base_url: Some(url.to_string()),
        credentials: reference::default_credentials(),
        limits,
        keep_created: false,
        fresh_groups: false,
        endpoints: vec![],
        allow_writes: vec![],
    }
}

fn named(g: &reference::UserGroup) -> bool {
    g.value
        .as_deref()
        .is_some_and(|v| v.starts_with(soconform::engine::NAME_PREFIX))
}

// ---- a target that stops answering -------------------------------------------------

#[test]
fn a_target_that_stops_answering_mid_run_halts_and_still_tries_to_clean_up() {
    let front = Front::start(Mode::HangAfter(12), Duration::ZERO);
    let suite = suite();
    let specs = specs(&suite, &["persistence", "content_types", "headers"], 80);
    let n = specs.len();
    let t0 = Instant::now();
    let outcome: RunOutcome =
        execute(suite, target(&front.url(), limits(4)), specs, false).expect("the run ends");
    let elapsed = t0.elapsed();
    // The trials in flight wait one timeout; the sweep (listing and marking together)
    // one more. Not one timeout per trial.
    assert!(elapsed < Duration::from_secs(9), "the run took {elapsed:?}");
    let halt = outcome.halt.as_ref().expect("halted");
    assert_eq!(halt.kind, HaltKind::Unresponsive);
    assert!(
        halt.reason.contains("timed out after 2 s"),
        "{}",
        halt.reason
    );
    assert_eq!(outcome.verdict(false), RunVerdict::NotConformant);
    let count =
        |f: &dyn Fn(&Verdict) -> bool| outcome.reports.iter().filter(|r| f(&r.verdict)).count();
    let passed = count(&|v| *v == Verdict::Pass);
    let failed = count(&|v| *v == Verdict::Fail);
    let skipped = count(&|v| matches!(v, Verdict::Skipped(_)));
    assert!(passed > 0, "trials before the hang pass");
    assert!(failed > 0, "the trials in flight fail: no answer");
    assert!(skipped > n / 2, "{skipped} of {n} skipped");
    for r in &outcome.reports {
        match &r.verdict {
            Verdict::Fail => assert!(
                failure_message(&r).contains("no complete response within 2s"),
                "{}",
                failure_message(&r)
            ),
            Verdict::Skipped(why) => assert!(
                why.contains("the target stopped answering"),
                "{}: {why}",
                r.name
            ),
            _ => {}
        }
    }
    // The cleanup ran, and says what it could not do.
    let sweep = &outcome.sweep;
    assert!(
        sweep.lookup_error.is_some(),
        "the final listing was attempted: {sweep:?}"
    );
    let active = front.active_groups();
    for id in &active {
        assert!(
            sweep.failed.iter().any(|(f, _)| f == id),
            "group {id} is left active and the sweep does not say so: {sweep:?}"
        );
    }
}

fn soconform(args: &[&str], url: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_soconform"));
    c.args(args)
        .env("SOCONF_TARGET", url)
        .env("SOCONF_BASIC", "tje0:Tje0")
        .env("SOCONF_RPS", "0")
        .current_dir(root());
    for v in [
        "SOCONF_TICKET",
        "SOCONF_BEARER",
        "SOCONF_COOKIE",
        "SOCONF_XSRF_TOKEN",
        "SOCONF_TARGET_FILE",
    ] {
        c.env_remove(v);
    }
    c
}

fn temp_dir(what: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("soconform-{what}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("tmp");
    dir
}

fn report_json(dir: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join("report.json")).expect("report.json");
    serde_json::from_str(&text).expect("json")
}

#[test]
fn the_binary_against_a_target_that_stops_answering_exits_1_and_writes_its_reports() {
    let front = Front::start(Mode::HangAfter(20), Duration::ZERO);
    let dir = temp_dir("halted");
    let t0 = Instant::now();
    let out = soconform(
        &[
            "run",
            "--timeout",
            "2s",
            "--connect-timeout",
            "1s",
            "--concurrency",
            "4",
            "--filter",
            "::persistence::",
            "--report",
        ],
        &front.url(),
    )
    .arg(&dir)
    .output()
    .expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(t0.elapsed() < Duration::from_secs(15), "{:?}", t0.elapsed());
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stdout.contains("NOT CONFORMANT, INCOMPLETE (the target stopped answering)")
            && stdout.contains("stopped early"),
        "{stdout}"
    );
    let doc = report_json(&dir);
    assert_eq!(doc["halt"]["kind"], "unresponsive", "{}", doc["halt"]);
    assert_eq!(doc["outcome"]["exit_code"], 1);
    for f in ["report.html", "junit.xml", "exchanges.har"] {
        assert!(dir.join(f).is_file(), "{f} was not written");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn connection_refused_exits_2_with_one_line_naming_the_url() {
    // A port that was free a moment ago: nothing listens there now.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let url = format!("http://127.0.0.1:{port}/api");
    let t0 = Instant::now();
    let out = soconform(&["run"], &url).output().expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stdout}\n{stderr}");
    let said: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(said.len(), 1, "{stderr}");
    assert!(
        said[0].contains(&url)
            && said[0].to_ascii_lowercase().contains("refused")
            && said[0].contains("nothing was judged"),
        "{stderr}"
    );
    assert!(stdout.trim().is_empty(), "{stdout}");
    assert!(t0.elapsed() < Duration::from_secs(10), "{:?}", t0.elapsed());
}

// ---- rate limits -------------------------------------------------------------------

#[test]
fn a_429_to_every_second_request_is_waited_out_and_the_run_is_conformant() {
    let front = Front::start(Mode::EverySecond429, Duration::ZERO);
    let suite = suite();
    // One at a time, so that every retry is an odd request and goes through.
    let specs = specs(&suite, &["persistence", "headers"], 5);
    let n = specs.len();
    let outcome = execute(suite, target(&front.url(), limits(1)), specs, false).expect("run");
    for r in &outcome.reports {
        assert_eq!(r.verdict, Verdict::Pass, "{}", failure_message(&r));
    }
    assert_eq!(outcome.reports.len(), n);
    assert_eq!(outcome.verdict(false), RunVerdict::Conformant);
    assert!(outcome.halt.is_none());
    let sent = front.state.sent_429.load(Ordering::SeqCst);
    assert!(sent >= 3, "the front answered 429 {sent} times");
    assert_eq!(
        outcome.transport.rate_limited, sent,
        "every 429 is counted and waited out"
    );
    assert!(outcome.transport.rate_limit_wait_s >= sent as f64 - 0.01);
    assert!(
        outcome.reports.iter().any(|r| r
            .exchanges
            .iter()
            .any(|e| e.rate_limited > 0 && e.rate_limit_wait_ms >= 1000.0)),
        "the record says which exchanges were sent again"
    );
    assert!(outcome.sweep.clean(), "{:?}", outcome.sweep);
}

#[test]
fn a_target_that_only_answers_429_gets_its_trials_skipped_not_failed() {
    let front = Front::start(Mode::Only429, Duration::ZERO);
    let suite = suite();
    let specs = specs(&suite, &["persistence", "headers", "content_types"], 12);
    let mut l = limits(2);
    l.rate_limit_tries = 3;
    let outcome = execute(suite, target(&front.url(), l), specs, false).expect("run");
    for r in &outcome.reports {
        let Verdict::Skipped(why) = &r.verdict else {
            panic!("{}: {:?}\n{}", r.name, r.verdict, failure_message(&r))
        };
        assert!(
            why.contains("rate-limited") || why.contains("nothing but rate limits"),
            "{}: {why}",
            r.name
        );
    }
    assert_ne!(outcome.verdict(false), RunVerdict::NotConformant);
    let halt = outcome.halt.as_ref().expect("the run stops sending");
    assert_eq!(halt.kind, HaltKind::RateLimited, "{halt:?}");
    assert!(outcome.transport.rate_limited > 0);
}

// ---- interrupts ----------------------------------------------------------------------

/// Starts `soconform run` against `front` (every group it creates is in the front's
/// reference server), writing its report to `dir`.
fn spawn_run(front: &Front, dir: &Path) -> Child {
    soconform(&["run", "--concurrency", "4", "--report"], &front.url())
        .arg(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawns")
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
}

/// Waits for `child` at most `bound`, reading its output meanwhile (a full pipe would
/// block it); kills it and panics past that.
fn wait_bounded(child: Child, bound: Duration) -> std::process::Output {
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(bound) {
        Ok(out) => out.expect("output"),
        Err(_) => {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
            let out = rx.recv().ok().and_then(Result::ok);
            panic!(
                "still running after {bound:?}:\n{}",
                out.map(|o| String::from_utf8_lossy(&o.stderr).into_owned())
                    .unwrap_or_default()
            );
        }
    }
}

/// Waits until the reference server holds at least one group the run created.
fn until_groups_exist(front: &Front) {
    let t0 = Instant::now();
    while !front.groups().iter().any(named) {
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "the run created no group"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn sigint_mid_run_marks_every_created_group_deleted_writes_an_interrupted_report_and_exits_130() {
    // Slow enough that the whole matrix would take minutes.
    let front = Front::start(Mode::HangAfter(u64::MAX), Duration::from_millis(40));
    let dir = temp_dir("sigint");
    let child = spawn_run(&front, &dir);
    until_groups_exist(&front);
    std::thread::sleep(Duration::from_millis(500));
    signal(&child, "INT");
    let out = wait_bounded(child, Duration::from_secs(60));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stdout}\n{stderr}");
    assert!(stderr.contains("SIGINT: stopping"), "{stderr}");
    assert!(stdout.contains("INCOMPLETE (interrupted)"), "{stdout}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let created: Vec<reference::UserGroup> = front.groups().into_iter().filter(named).collect();
    assert!(!created.is_empty());
    let active: Vec<i32> = created
        .iter()
        .filter(|g| !g.deleted)
        .map(|g| g.id)
        .collect();
    assert!(
        active.is_empty(),
        "left active after an interrupt: {active:?}"
    );
    let doc = report_json(&dir);
    assert_eq!(doc["halt"]["kind"], "interrupted", "{}", doc["halt"]);
    assert_eq!(doc["outcome"]["exit_code"], 130);
    let skipped = doc["totals"]["skipped"].as_u64().unwrap_or(0);
    assert!(skipped > 100, "most trials were not run: {skipped}");
    // The trials that passed before the interrupt were spooled as they finished: read
    // back whole, and the spool removed.
    let passed: Vec<&serde_json::Value> = doc["trials"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|t| t["verdict"] == "pass")
        .collect();
    assert!(
        !passed.is_empty(),
        "some trials passed before the interrupt"
    );
    for t in passed {
        assert!(
            t["exchanges"].as_array().is_some_and(|e| !e.is_empty())
                && t["checks"].as_array().is_some_and(|c| !c.is_empty()),
            "a passing trial lost its details: {}",
            t["id"]
        );
    }
    assert!(!dir.join(soconform::report::spool::SPOOL_FILE).exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_second_sigint_stops_at_once_and_names_the_groups_left_active() {
    // Slow enough that the trials in flight are still waiting at the second signal.
    let front = Front::start(Mode::HangAfter(u64::MAX), Duration::from_millis(1500));
    let dir = temp_dir("sigint2");
    let child = spawn_run(&front, &dir);
    until_groups_exist(&front);
    signal(&child, "INT");
    std::thread::sleep(Duration::from_millis(100));
    signal(&child, "INT");
    let out = wait_bounded(child, Duration::from_secs(10));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("SIGINT again: stopped at once"), "{stderr}");
    // The ids it names are groups this run created (a create still in flight when the
    // process ended may land after the list was printed, so the list is not compared the
    // other way round).
    let ours: Vec<i32> = front
        .groups()
        .iter()
        .filter(|g| named(g))
        .map(|g| g.id)
        .collect();
    match stderr.split_once("(Id): [") {
        Some((_, rest)) => {
            let list = rest.split(']').next().unwrap_or_default();
            let ids: Vec<i32> = list
                .split(',')
                .filter_map(|v| v.trim().parse().ok())
                .collect();
            assert!(!ids.is_empty(), "{stderr}");
            for id in ids {
                assert!(ours.contains(&id), "{id} is not this run's: {stderr}");
            }
        }
        None => assert!(
            stderr.contains("no group this run created is left active"),
            "{stderr}"
        ),
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The `conformance` harness binary cargo built beside this test (the newest, when an
/// older build is still there).
fn conformance_binary() -> Option<PathBuf> {
    let deps = std::env::current_exe().ok()?.parent()?.to_path_buf();
    std::fs::read_dir(deps)
        .ok()?
        .filter_map(Result::ok)
        .filter(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.starts_with("conformance-") && !name.contains('.')
        })
        .max_by_key(|e| e.metadata().and_then(|m| m.modified()).ok())
        .map(|e| e.path())
}

#[test]
fn sigint_under_the_cargo_test_harness_sweeps_and_exits_130() {
    let Some(harness) = conformance_binary() else {
        panic!("no conformance harness binary beside this test (cargo builds it with the tests)")
    };
    let front = Front::start(Mode::HangAfter(u64::MAX), Duration::from_millis(40));
    let mut cmd = Command::new(&harness);
    cmd.args(["--test-threads", "4"])
        .env("SOCONF_TARGET", front.url())
        .env("SOCONF_BASIC", "tje0:Tje0")
        .env("SOCONF_RPS", "0")
        .env("SOCONF_CONCURRENCY", "4")
        .env_remove("SOCONF_TARGET_FILE")
        .current_dir(root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = cmd.spawn().expect("the harness starts");
    until_groups_exist(&front);
    std::thread::sleep(Duration::from_millis(300));
    signal(&child, "INT");
    let out = wait_bounded(child, Duration::from_secs(60));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("SIGINT: stopping"), "{stderr}");
    assert!(
        stdout.contains("not run: interrupted by SIGINT"),
        "the trials not run are ignored with the reason"
    );
    let active = front.active_groups();
    assert!(active.is_empty(), "left active: {active:?}\n{stderr}");
}
