//! Safety on a live target (issue 24): an endpoint of safety class `write`
//! (cases/safety.toml; deny by default) gets no request at all, POST or GET, from a run
//! against a server that is not the embedded one, unless the run opts in with
//! `--allow-writes`: its trials are skipped with the reason. A front before the reference
//! server counts what each path receives.

use soconform::checks::Verdict;
use soconform::launch::execute;
use soconform::matrix;
use soconform::suite::{Suite, SuitePaths};
use soconform_reference::{self as reference, Config, RunningServer};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

mod common;

type Counts = Arc<Mutex<HashMap<String, usize>>>;

struct Front {
    rt: tokio::runtime::Runtime,
    addr: SocketAddr,
    counts: Counts,
    _backend: RunningServer,
}

impl Front {
    fn start() -> Front {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let backend = rt
            .block_on(reference::start(
                Config::with_defaults(),
                ([127, 0, 0, 1], 0).into(),
            ))
            .expect("reference server");
        let counts: Counts = Arc::default();
        let state = (format!("http://{}", backend.addr()), counts.clone());
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let app = axum::Router::new()
            .fallback(front)
            .with_state(Arc::new(state));
        rt.spawn(async move { axum::serve(listener, app).await });
        Front {
            rt,
            addr,
            counts,
            _backend: backend,
        }
    }

    fn received(&self, path_end: &str) -> usize {
        let counts = self.counts.lock().expect("counts");
        counts
            .iter()
            .filter(|(p, _)| p.ends_with(path_end))
            .map(|(_, n)| n)
            .sum()
    }
}

impl Drop for Front {
    fn drop(&mut self) {
        let rt = std::mem::replace(
            &mut self.rt,
            tokio::runtime::Builder::new_current_thread()
                .build()
                .expect("runtime"),
        );
        rt.shutdown_background();
    }
}

async fn front(
    axum::extract::State(st): axum::extract::State<Arc<(String, Counts)>>,
    req: axum::extract::Request,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let (backend, counts) = &*st;
    let (parts, body) = req.into_parts();
    *counts
        .lock()
        .expect("counts")
        .entry(parts.uri.path().to_string())
        .or_default() += 1;
    let Ok(body) = axum::body::to_bytes(body, 8 << 20).await else {
        return axum::http::StatusCode::BAD_REQUEST.into_response();
    };
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let mut out = reqwest::Client::new()
        .request(parts.method.clone(), format!("{backend}{path}"))
        .body(body);
    for (name, value) in &parts.headers {
        if name != axum::http::header::HOST && name != axum::http::header::CONTENT_LENGTH {
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

fn suite() -> Arc<Suite> {
    Arc::new(
        Suite::load(SuitePaths::under(&PathBuf::from(env!(
            "CARGO_MANIFEST_DIR"
        ))))
        .unwrap_or_else(|e| panic!("{e}")),
    )
}

/// CreateUserGroup: `write` in cases/safety.toml, outside the family's save/delete recipe.
const WRITE: &str = "v1UserAgent_CreateUserGroup";

#[test]
fn a_live_target_gets_nothing_at_a_write_endpoint_without_allow_writes() {
    let suite = suite();
    let specs = matrix::for_endpoints(
        &suite,
        matrix::expand_all(&suite).expect("trials"),
        &[WRITE.to_string()],
    )
    .expect("selected");
    assert!(!specs.is_empty());

    let front = Front::start();
    let url = format!("http://{}/api", front.addr);
    // A live target's default: no write endpoint allowed.
    let live = || {
        let mut t = common::target(&url);
        t.allow_writes.clear();
        t
    };
    let outcome = execute(suite.clone(), live(), specs.clone(), false).expect("the run ends");
    assert_eq!(front.received("/CreateUserGroup"), 0, "no request at all");
    for r in &outcome.reports {
        match &r.verdict {
            Verdict::Skipped(why) => assert!(
                why.contains("may change data") && why.contains("--allow-writes"),
                "{}: {why}",
                r.name
            ),
            other => panic!("{}: {other:?}", r.name),
        }
    }

    // Opted in: the same trials go out.
    let mut target = live();
    target.allow_writes = vec!["v1UserAgent_Create*".into()];
    let outcome = execute(suite.clone(), target, specs.clone(), false).expect("the run ends");
    assert!(front.received("/CreateUserGroup") > 0);
    assert!(outcome.reports.iter().any(|r| r.verdict == Verdict::Pass));

    // A read endpoint needs no opt-in.
    let reads = matrix::for_endpoints(
        &suite,
        matrix::expand_all(&suite).expect("trials"),
        &["v1UserAgent_GetUserGroup".to_string()],
    )
    .expect("selected");
    let outcome = execute(suite, live(), reads, false).expect("the run ends");
    assert!(front.received("/GetUserGroup") > 0);
    assert!(outcome
        .reports
        .iter()
        .all(|r| !matches!(&r.verdict, Verdict::Skipped(w) if w.contains("may change data"))));
}

#[test]
fn every_endpoint_has_a_reviewed_row_and_no_get_name_grants_a_read() {
    let suite = suite();
    for uid in suite.endpoints.keys() {
        let (_, reason) = suite.safety_of(uid);
        assert!(
            !reason.starts_with("no row"),
            "{uid}: no row in cases/safety.toml"
        );
    }
    // Named like reads, documented as changing data.
    for uid in [
        "v1UserAgent_GetOrRegisterAccessGatewayInfo",
        "v1PersonAgent_ResolvePersonFromInfo",
        "v1UserAgent_ResolveUserFromInfo",
    ] {
        assert_eq!(
            suite.safety_of(uid).0,
            soconform::cases::SafetyClass::Write,
            "{uid}"
        );
    }
}
