//! Servers that misbehave in every way: each test starts a tiny raw TCP server, points
//! the suite at it with short limits (connect 1 s, total 2 s, body 1 MiB), runs a small
//! subset of trials and asserts that every trial fails with a clear message (or, for a
//! server that stopped answering, that the run halts and skips what it could not run),
//! the run finishes well within a bound, nothing panics, and the client never reads more
//! than its body limit. Two tests run the `soconform` binary for its exit code (1 when
//! judged, 2 when the target is not HTTP at all).

use soconform::checks::Verdict;
use soconform::engine::failure_message;
use soconform::engine::{RunOutcome, RunVerdict};
use soconform::exchange::HaltKind;
use soconform::launch::execute;
use soconform::matrix;
use soconform::suite::{Suite, SuitePaths};
use soconform::target::{Limits, Target};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The trials every hostile server gets: a create answered in JSON and in XML, a negative
/// case that expects a 4xx, a case whose setup needs the server, and a generated body.
const TRIALS: [&str; 5] = [
    "save_user_group::body::success_is_200::json->json::any",
    "save_user_group::body::success_is_200::json->xml::any",
    "save_user_group::negative::malformed_json_truncated::json->json::any",
    "save_user_group::persistence::update_same_id::json->json::any",
    "save_user_group::generated::valid::seed_1::json->json::any",
];

/// Generous: each trial is bounded by the 2 s total timeout per request, and trials run
/// in parallel; the final sweep adds one more request.
const RUN_BOUND: Duration = Duration::from_secs(20);
const MAX_BODY: usize = 1 << 20;

fn limits() -> Limits {
    Limits {
        concurrency: 8,
        rps: 0,
        max_requests: None,
        connect_timeout: Duration::from_secs(1),
        total_timeout: Duration::from_secs(2),
        max_body_bytes: MAX_BODY,
        ..Limits::remote()
    }
}

fn suite() -> Arc<Suite> {
    let suite = Suite::load(SuitePaths::under(Path::new(env!("CARGO_MANIFEST_DIR"))))
        .unwrap_or_else(|e| panic!("{e}"));
    Arc::new(suite)
}

fn target(addr: SocketAddr) -> Target {
    Target {
        base_url: Some(format!("http://{addr}/api")),
        credentials: soconform_reference::default_credentials(),
        limits: limits(),
        keep_created: false,
        fresh_groups: false,
        endpoints: vec![],
        allow_writes: vec![],
    }
}

fn run_against(addr: SocketAddr) -> (RunOutcome, Duration) {
    let (outcome, elapsed) = try_run_against(addr);
    (outcome.expect("the run finishes"), elapsed)
}

fn try_run_against(addr: SocketAddr) -> (Result<RunOutcome, String>, Duration) {
    let suite = suite();
    let specs: Vec<_> = TRIALS
        .iter()
        .map(|n| {
            matrix::find_exact(&suite, n)
                .unwrap_or_else(|e| panic!("{e}"))
                .unwrap_or_else(|| panic!("no trial {n}"))
        })
        .collect();
    let t0 = Instant::now();
    let outcome = execute(suite, target(addr), specs, false);
    (outcome, t0.elapsed())
}

/// The target stopped answering: the run halted within about two total timeouts, not
/// one per trial; no trial passed, the ones that could not run are skipped with the
/// halt's reason, and the run is not conformant.
fn assert_halted(outcome: &RunOutcome, elapsed: Duration) {
    assert!(elapsed < Duration::from_secs(7), "the run took {elapsed:?}");
    let halt = outcome.halt.as_ref().expect("the run halted");
    assert_eq!(halt.kind, HaltKind::Unresponsive, "{halt:?}");
    assert!(
        halt.reason.contains("the target stopped answering")
            && halt.reason.contains("timed out after 2 s"),
        "{}",
        halt.reason
    );
    assert_eq!(outcome.verdict(false), RunVerdict::NotConformant);
    assert_eq!(outcome.reports.len(), TRIALS.len());
    for r in &outcome.reports {
        match &r.verdict {
            Verdict::Skipped(reason) => assert!(
                reason.contains("the target stopped answering"),
                "{}: {reason}",
                r.name
            ),
            Verdict::Fail => assert!(
                failure_message(&r).contains("no complete response within 2s"),
                "{}",
                failure_message(&r)
            ),
            other => panic!("{}: {other:?}", r.name),
        }
    }
}

/// Every trial failed (not skipped, not passed) with a message naming what went wrong.
fn assert_all_fail(outcome: &RunOutcome, elapsed: Duration, what: &[&str]) {
    assert!(elapsed < RUN_BOUND, "the run took {elapsed:?}");
    assert_eq!(outcome.reports.len(), TRIALS.len());
    for r in &outcome.reports {
        let msg = failure_message(&r);
        assert_eq!(r.verdict, Verdict::Fail, "{}:\n{msg}", r.name);
        assert!(
            what.iter().any(|w| msg.contains(w)),
            "{}: expected one of {what:?} in:\n{msg}",
            r.name
        );
    }
}

/// What a trial says about a complete `200` whose body cannot be read: the body does not
/// decode, or (for a case expecting a refusal) the status is wrong.
const UNREADABLE: [&str; 4] = [
    "body is not valid JSON",
    "body is not acceptable XML",
    "expected status 4xx, got 200",
    "setup: could not create",
];

/// A server on its own runtime (the suite's `execute` builds another), handling each
/// connection with `handler`.
struct Hostile {
    rt: tokio::runtime::Runtime,
    addr: SocketAddr,
    /// Response bytes the server managed to write, over all connections.
    written: Arc<AtomicU64>,
}

impl Hostile {
    fn start<F, Fut>(handler: F) -> Hostile
    where
        F: Fn(TcpStream, Arc<AtomicU64>) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let listener = rt.block_on(TcpListener::bind("127.0.0.1:0")).expect("bind");
        let addr = listener.local_addr().expect("addr");
        let written = Arc::new(AtomicU64::new(0));
        let w = written.clone();
        let handler = Arc::new(handler);
        rt.spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (h, w) = (handler.clone(), w.clone());
                tokio::spawn(async move { h(stream, w).await });
            }
        });
        Hostile { rt, addr, written }
    }
}

impl Drop for Hostile {
    fn drop(&mut self) {
        // Connections still sleeping (never-answering servers) are simply abandoned.
        let rt = std::mem::replace(
            &mut self.rt,
            tokio::runtime::Builder::new_current_thread()
                .build()
                .expect("runtime"),
        );
        rt.shutdown_background();
    }
}

/// Reads one request (head and a Content-Length body, bounded) so the client is not
/// refused before it has sent everything.
async fn read_request(stream: &mut TcpStream) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let read = async {
        loop {
            let n = match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            buf.extend_from_slice(&chunk[..n]);
            if let Some(end) = find(&buf, b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
                let len = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse::<usize>().ok())
                    .unwrap_or(0);
                if buf.len() >= end + 4 + len || buf.len() > 4 << 20 {
                    return;
                }
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(5), read).await;
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

async fn write_counted(stream: &mut TcpStream, bytes: &[u8], written: &AtomicU64) -> bool {
    let ok = stream.write_all(bytes).await.is_ok();
    if ok {
        written.fetch_add(bytes.len() as u64, Ordering::Relaxed);
    }
    ok
}

/// A complete `200` response with `content_type` and `body`.
async fn answer(mut stream: TcpStream, written: Arc<AtomicU64>, content_type: &str, body: Vec<u8>) {
    read_request(&mut stream).await;
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    if write_counted(&mut stream, head.as_bytes(), &written).await {
        write_counted(&mut stream, &body, &written).await;
    }
    let _ = stream.shutdown().await;
}

/// Deterministic noise that is not HTTP.
fn noise() -> Vec<u8> {
    let mut x: u32 = 0x1234_5678;
    (0..4096)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x & 0xff) as u8 | 0x80
        })
        .collect()
}

#[test]
fn a_target_that_is_not_http_is_refused_before_any_trial() {
    let server = Hostile::start(|mut s, w| async move {
        read_request(&mut s).await;
        write_counted(&mut s, &noise(), &w).await;
        let _ = s.shutdown().await;
    });
    let (outcome, elapsed) = try_run_against(server.addr);
    let Err(e) = outcome else {
        panic!("the run went on against a target that is not HTTP")
    };
    assert!(
        e.contains(&format!(
            "cannot reach the target http://{}/api",
            server.addr
        )) && e.contains("not valid HTTP/1.1")
            && e.contains("nothing was judged"),
        "{e}"
    );
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
}

#[test]
fn garbage_after_a_valid_first_answer_fails_each_trial_cleanly() {
    let connections = Arc::new(AtomicU64::new(0));
    let server = Hostile::start(move |mut s, w| {
        let first = connections.fetch_add(1, Ordering::Relaxed) == 0;
        async move {
            if first {
                // The reachability probe: a valid answer (`null`, nothing to return).
                answer(s, w, "application/json", b"null".to_vec()).await;
                return;
            }
            read_request(&mut s).await;
            write_counted(&mut s, &noise(), &w).await;
            let _ = s.shutdown().await;
        }
    });
    let (outcome, elapsed) = run_against(server.addr);
    assert_all_fail(
        &outcome,
        elapsed,
        &["got no answer: the answer is not valid HTTP/1.1"],
    );
}

#[test]
fn a_server_that_never_answers_halts_the_run() {
    let server = Hostile::start(|mut s, _| async move {
        read_request(&mut s).await;
        tokio::time::sleep(Duration::from_secs(3600)).await;
        drop(s);
    });
    let (outcome, elapsed) = run_against(server.addr);
    // The reachability probe waits one timeout: nothing at all came back, so no trial
    // is started and no save was ever sent (the sweep has nothing to look for).
    assert_halted(&outcome, elapsed);
    assert!(outcome
        .reports
        .iter()
        .all(|r| matches!(r.verdict, Verdict::Skipped(_))));
    assert!(
        outcome.sweep.created.is_empty() && outcome.sweep.clean(),
        "{:?}",
        outcome.sweep
    );
}

#[test]
fn a_one_byte_per_second_drip_halts_the_run() {
    let server = Hostile::start(|mut s, w| async move {
        read_request(&mut s).await;
        let response = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 64\r\n\r\n{\"Value\": \"soconform\", \"Id\": 1}";
        for b in response.iter() {
            if !write_counted(&mut s, &[*b], &w).await {
                return;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
    let (outcome, elapsed) = run_against(server.addr);
    assert_halted(&outcome, elapsed);
}

#[test]
fn a_dripped_body_after_a_prompt_head_halts_the_run() {
    let server = Hostile::start(|mut s, w| async move {
        read_request(&mut s).await;
        let head =
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n";
        if !write_counted(&mut s, head, &w).await {
            return;
        }
        loop {
            if !write_counted(&mut s, b" ", &w).await {
                return;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
    let (outcome, elapsed) = run_against(server.addr);
    assert_halted(&outcome, elapsed);
}

fn endless(chunked: bool) -> Hostile {
    Hostile::start(move |mut s, w| async move {
        read_request(&mut s).await;
        let head: &[u8] = if chunked {
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        } else {
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"
        };
        if !write_counted(&mut s, head, &w).await {
            return;
        }
        let data = vec![b'['; 64 * 1024];
        let mut chunk = Vec::new();
        if chunked {
            chunk.extend_from_slice(format!("{:x}\r\n", data.len()).as_bytes());
            chunk.extend_from_slice(&data);
            chunk.extend_from_slice(b"\r\n");
        } else {
            chunk = data;
        }
        // Until the client hangs up (at most 10 GiB).
        for _ in 0..160_000 {
            if !write_counted(&mut s, &chunk, &w).await {
                return;
            }
        }
    })
}

#[test]
fn an_endless_chunked_body_stops_at_the_body_limit() {
    let server = endless(true);
    let (outcome, elapsed) = run_against(server.addr);
    assert_all_fail(
        &outcome,
        elapsed,
        &["got no answer: response body exceeds the 1048576-byte limit"],
    );
    // Memory stays bounded: the client stopped reading soon after 1 MiB per exchange
    // (what the server got out is that plus socket buffers), not after gigabytes.
    let written = server.written.load(Ordering::Relaxed);
    assert!(written < 64 << 20, "the server wrote {written} bytes");
}

#[test]
fn an_endless_close_delimited_body_stops_at_the_body_limit() {
    let server = endless(false);
    let (outcome, elapsed) = run_against(server.addr);
    assert_all_fail(
        &outcome,
        elapsed,
        &["got no answer: response body exceeds the 1048576-byte limit"],
    );
    let written = server.written.load(Ordering::Relaxed);
    assert!(written < 64 << 20, "the server wrote {written} bytes");
}

#[test]
fn an_announced_huge_body_is_refused_before_reading() {
    let server = Hostile::start(|mut s, w| async move {
        read_request(&mut s).await;
        let head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 10737418240\r\n\r\n[[[[";
        write_counted(&mut s, head, &w).await;
        tokio::time::sleep(Duration::from_secs(3600)).await;
    });
    let t0 = Instant::now();
    let (outcome, elapsed) = run_against(server.addr);
    assert_all_fail(
        &outcome,
        elapsed,
        &["got no answer: response body exceeds the 1048576-byte limit"],
    );
    // Refused on the announcement, not after waiting for the total timeout.
    assert!(
        outcome.reports.iter().all(|r| r.duration_ms < 1500.0),
        "{:?}",
        t0.elapsed()
    );
}

#[test]
fn a_connection_reset_fails_cleanly() {
    let server = Hostile::start(|mut s, _| async move {
        read_request(&mut s).await;
        // SO_LINGER 0: closing sends RST instead of FIN.
        let _ = s.set_zero_linger();
        drop(s);
    });
    let (outcome, elapsed) = run_against(server.addr);
    assert_all_fail(
        &outcome,
        elapsed,
        &[
            "got no answer: the connection was reset",
            "got no answer: the connection closed before a complete answer",
        ],
    );
}

const ENTITY_BOMB: &str = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<UserGroup><Value>&lol9;</Value><Tooltip/><Id>1</Id><Rank>1</Rank><Deleted>false</Deleted></UserGroup>"#;

#[test]
fn an_xml_entity_bomb_is_refused_not_expanded() {
    let server = Hostile::start(|s, w| answer(s, w, "application/xml", ENTITY_BOMB.into()));
    let (outcome, elapsed) = run_against(server.addr);
    assert_all_fail(&outcome, elapsed, &UNREADABLE);
    let xml = &outcome.reports.get(1).expect("the trial ran");
    assert!(
        failure_message(xml).contains("DOCTYPE (DTD) is not accepted"),
        "{}",
        failure_message(xml)
    );
}

#[test]
fn a_million_nested_json_arrays_fail_to_decode_without_overflowing() {
    let body = "[".repeat(1_000_000).into_bytes();
    let server = Hostile::start(move |s, w| answer(s, w, "application/json", body.clone()));
    let (outcome, elapsed) = run_against(server.addr);
    assert_all_fail(&outcome, elapsed, &UNREADABLE);
    let json = &outcome.reports.get(0).expect("the trial ran");
    assert!(
        failure_message(json).contains("recursion limit exceeded"),
        "{}",
        failure_message(json)
    );
}

#[test]
fn deeply_nested_xml_fails_to_decode() {
    let body = "<UserGroup>".repeat(50_000).into_bytes();
    let server = Hostile::start(move |s, w| answer(s, w, "application/xml", body.clone()));
    let (outcome, elapsed) = run_against(server.addr);
    assert_all_fail(&outcome, elapsed, &UNREADABLE);
    let xml = &outcome.reports.get(1).expect("the trial ran");
    assert!(
        failure_message(xml).contains("more than 64 levels"),
        "{}",
        failure_message(xml)
    );
}

#[test]
fn invalid_utf8_fails_to_decode() {
    let mut body = br#"{"Value": "soconform-"#.to_vec();
    body.extend_from_slice(b"\xff\xfe\xc3\x28");
    body.extend_from_slice(br#"", "Tooltip": null, "Id": 5, "Rank": 1, "Deleted": false, "TableRight": null, "FieldProperties": null}"#);
    let server =
        Hostile::start(move |s, w| answer(s, w, "application/json; charset=utf-8", body.clone()));
    let (outcome, elapsed) = run_against(server.addr);
    assert_all_fail(&outcome, elapsed, &UNREADABLE);
    assert!(
        failure_message(&outcome.reports.get(0).expect("the trial ran"))
            .contains("invalid unicode")
            || failure_message(&outcome.reports.get(0).expect("the trial ran")).contains("UTF-8"),
        "{}",
        failure_message(&outcome.reports.get(0).expect("the trial ran"))
    );
    // Id 5 came back from a body the suite could not read: nothing is written to it.
    assert!(outcome.sweep.created.is_empty(), "{:?}", outcome.sweep);
}

#[test]
fn a_body_shorter_than_its_content_length_fails_cleanly() {
    let server = Hostile::start(|mut s, w| async move {
        read_request(&mut s).await;
        let response = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"Value\": \"so";
        write_counted(&mut s, response, &w).await;
        let _ = s.shutdown().await;
    });
    let (outcome, elapsed) = run_against(server.addr);
    assert_all_fail(
        &outcome,
        elapsed,
        &["got no answer: the body ended before the length its Content-Length announced"],
    );
}

/// A listener whose accept queue is full and that never accepts: the kernel drops new
/// SYNs, so connecting hangs until the connect timeout (Linux loopback semantics).
#[cfg(target_os = "linux")]
#[test]
fn a_server_that_never_accepts_hits_the_connect_timeout() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (listener, addr) = rt.block_on(async {
        let socket = tokio::net::TcpSocket::new_v4().expect("socket");
        socket
            .bind("127.0.0.1:0".parse().expect("addr"))
            .expect("bind");
        let listener = socket.listen(1).expect("listen");
        let addr = listener.local_addr().expect("addr");
        (listener, addr)
    });
    // Fill the accept queue (backlog 1 holds two) and keep those connections open.
    let mut fillers = Vec::new();
    for _ in 0..4 {
        if let Ok(s) = std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(300)) {
            fillers.push(s);
        }
    }
    let (outcome, elapsed) = run_against(addr);
    assert_all_fail(
        &outcome,
        elapsed,
        &["got no answer: could not connect within 1s (the connect timeout)"],
    );
    drop((fillers, listener));
}

// ---- the binary: exit code 1, not a crash ------------------------------------------

fn run_binary(addr: SocketAddr) -> std::process::Output {
    let dir = std::env::temp_dir().join(format!(
        "soconform-hostile-{}-{}",
        std::process::id(),
        addr.port()
    ));
    std::fs::create_dir_all(&dir).expect("tmp");
    let file = dir.join("target.toml");
    std::fs::write(
        &file,
        "connect_timeout_ms = 1000\ntimeout_ms = 2000\nmax_body_bytes = 1048576\nrps = 0\n",
    )
    .expect("write");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_soconform"))
        .args(["run", "--target-file"])
        .arg(&file)
        .args([
            "--filter",
            "body::success_is_200::json->json",
            "--filter",
            "negative::malformed_json_truncated::json->",
        ])
        .env("SOCONF_TARGET", format!("http://{addr}/api"))
        .env("SOCONF_BASIC", "tje0:Tje0")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("runs");
    let _ = std::fs::remove_dir_all(&dir);
    out
}

#[test]
fn the_binary_exits_2_with_one_line_against_a_target_that_is_not_http() {
    let server = Hostile::start(|mut s, w| async move {
        read_request(&mut s).await;
        write_counted(
            &mut s,
            b"\x00\x01garbage\xff\xfe not http at all\r\n\r\n",
            &w,
        )
        .await;
        let _ = s.shutdown().await;
    });
    let t0 = Instant::now();
    let out = run_binary(server.addr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(2),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    let said: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(said.len(), 1, "{stderr}");
    assert!(
        said[0].contains(&format!("http://{}/api", server.addr))
            && said[0].contains("not valid HTTP/1.1"),
        "{stderr}"
    );
    assert!(!stdout.contains("FAIL"), "nothing was judged: {stdout}");
    assert!(t0.elapsed() < RUN_BOUND);
}

#[test]
fn the_binary_exits_1_against_an_endless_body() {
    let server = endless(true);
    let out = run_binary(server.addr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(
        stdout.contains("exceeds the 1048576-byte limit"),
        "{stdout}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}
