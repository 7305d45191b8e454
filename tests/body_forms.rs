//! The form rule (issue 22): a body form no page gives is a guess. Against a front that
//! binds only some XML forms and reads the others as nothing sent, the suite falls through
//! to the next form on an answer that shows the body was not read, records the form that
//! bound, and reports a trial whose forms all went unread as info, never as a failure.

use soconform::checks::Verdict;
use soconform::engine::{failure_message, RunOutcome, RunVerdict};
use soconform::launch::execute;
use soconform::matrix;
use soconform::suite::{Suite, SuitePaths};
use soconform::target::{Limits, Target};
use soconform_reference::{self as reference, Config, RunningServer};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

/// Which XML bodies the front lets through; any other XML body reaches the reference
/// server as nothing sent (a list call's keys as `[]`, a save's carrier as `null`).
#[derive(Clone, Copy)]
struct Binds(&'static [&'static str]);

struct Front {
    rt: tokio::runtime::Runtime,
    addr: SocketAddr,
    _backend: RunningServer,
}

impl Front {
    fn start(binds: Binds) -> Front {
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
        let state = Arc::new((format!("http://{}", backend.addr()), binds));
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let app = axum::Router::new().fallback(front).with_state(state);
        rt.spawn(async move { axum::serve(listener, app).await });
        Front {
            rt,
            addr,
            _backend: backend,
        }
    }

    fn run(&self, filter: &str) -> RunOutcome {
        let suite = Arc::new(
            Suite::load(SuitePaths::under(&PathBuf::from(env!(
                "CARGO_MANIFEST_DIR"
            ))))
            .unwrap_or_else(|e| panic!("{e}")),
        );
        let specs: Vec<_> = matrix::expand_all(&suite)
            .expect("trials")
            .into_iter()
            .filter(|t| t.name.contains(filter))
            .collect();
        assert!(!specs.is_empty(), "no trials match {filter}");
        let target = Target {
            base_url: Some(format!("http://{}/api", self.addr)),
            credentials: reference::default_credentials(),
            limits: Limits {
                rps: 0,
                ..Limits::remote()
            },
            keep_created: false,
            fresh_groups: false,
            endpoints: vec![],
            allow_writes: vec![],
        };
        execute(suite, target, specs, false).expect("the run ends")
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
    axum::extract::State(st): axum::extract::State<Arc<(String, Binds)>>,
    req: axum::extract::Request,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let (backend, Binds(binds)) = &*st;
    let (parts, body) = req.into_parts();
    let Ok(body) = axum::body::to_bytes(body, 8 << 20).await else {
        return axum::http::StatusCode::BAD_REQUEST.into_response();
    };
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let xml = parts
        .headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("xml"));
    let text = String::from_utf8_lossy(&body).to_string();
    let unread = xml && !binds.iter().any(|b| text.starts_with(b));
    let (body, content_type) = match (unread, path.contains("GetUserGroupList")) {
        (true, true) => (b"[]".to_vec(), Some("application/json")),
        (true, false) => (br#"{"UserGroup": null}"#.to_vec(), Some("application/json")),
        (false, _) => (body.to_vec(), None),
    };
    let mut out = reqwest::Client::new()
        .request(parts.method.clone(), format!("{backend}{path}"))
        .body(body);
    for (name, value) in &parts.headers {
        // The body may have been replaced: reqwest sets its length.
        if name == axum::http::header::HOST || name == axum::http::header::CONTENT_LENGTH {
            continue;
        }
        match (name == axum::http::header::CONTENT_TYPE, content_type) {
            (true, Some(ct)) => out = out.header(name, ct),
            _ => out = out.header(name, value),
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

fn notes(outcome: &RunOutcome) -> Vec<String> {
    outcome
        .reports
        .iter()
        .flat_map(|r| r.notes.iter().cloned())
        .collect()
}

#[test]
fn a_list_the_first_form_does_not_bind_falls_through_to_the_one_that_does() {
    let front = Front::start(Binds(&["<userGroupIds>"]));
    let outcome = front.run("get_user_group_list::family::list_by_ids::xml->");
    for r in &outcome.reports {
        assert_eq!(r.verdict, Verdict::Pass, "{}", failure_message(r));
        let note = r
            .notes
            .iter()
            .find(|n| n.contains("bound"))
            .unwrap_or_else(|| panic!("{}: no note of the form bound: {:?}", r.name, r.notes));
        assert!(
            note.starts_with("body form `xml:userGroupIds-root` bound")
                && note.contains("`xml:data-contract` (200: an empty list where keys of existing records were sent)"),
            "{note}"
        );
    }
}

#[test]
fn a_list_no_form_binds_is_reported_as_info_never_failed() {
    let front = Front::start(Binds(&[]));
    let outcome = front.run("get_user_group_list::family::list_by_ids::xml->");
    assert_eq!(outcome.verdict(true), RunVerdict::Conformant);
    for r in &outcome.reports {
        assert_eq!(r.verdict, Verdict::Info, "{}", failure_message(r));
        let binding = r
            .results
            .iter()
            .find(|c| c.check == "binding")
            .expect("a binding result");
        let msg = binding.message.as_deref().unwrap_or("");
        assert!(!binding.passed && binding.level == soconform::vocab::Level::Info);
        for form in [
            "xml:data-contract",
            "xml:userGroupIds-root",
            "xml:GetUserGroupList-root",
        ] {
            assert!(msg.contains(form), "{msg}");
        }
        assert!(
            msg.starts_with("the server bound none of these forms"),
            "{msg}"
        );
    }
}

#[test]
fn a_save_answered_null_falls_through_and_the_json_is_still_judged() {
    let front = Front::start(Binds(&["<request"]));
    let outcome = front.run("save_user_group::content_types::");
    let xml: Vec<_> = outcome
        .reports
        .iter()
        .filter(|r| r.name.contains("::xml->") || r.name.contains("::text-xml->"))
        .collect();
    assert!(!xml.is_empty());
    for r in &outcome.reports {
        assert!(
            matches!(r.verdict, Verdict::Pass | Verdict::Info),
            "{}",
            failure_message(r)
        );
    }
    let notes = notes(&outcome);
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("body form `xml:request-root` bound")
                && n.contains("`xml:data-contract` (200: the NULL result)")),
        "{notes:?}"
    );
}
