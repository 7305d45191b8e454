//! A front before a reference server of its own: every request passes through `look`,
//! which may count it or rewrite its body (and then its Content-Type), and is forwarded.

use soconform_reference::{self as reference, Config, RunningServer};
use std::net::SocketAddr;
use std::sync::Arc;

/// What the front does with a request: its method, path and query, and body in; the body
/// to forward and, when it was rewritten, the Content-Type to forward with it.
pub type Look = Arc<
    dyn Fn(&axum::http::request::Parts, Vec<u8>) -> (Vec<u8>, Option<&'static str>) + Send + Sync,
>;

pub struct Front {
    rt: tokio::runtime::Runtime,
    pub addr: SocketAddr,
    _backend: RunningServer,
}

impl Front {
    pub fn start(look: Look) -> Front {
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
        let state = Arc::new((format!("http://{}", backend.addr()), look));
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let app = axum::Router::new().fallback(forward).with_state(state);
        rt.spawn(async move { axum::serve(listener, app).await });
        Front {
            rt,
            addr,
            _backend: backend,
        }
    }

    /// `http://<addr>/api`, as `SOCONF_TARGET` takes it.
    pub fn url(&self) -> String {
        format!("http://{}/api", self.addr)
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

async fn forward(
    axum::extract::State(st): axum::extract::State<Arc<(String, Look)>>,
    req: axum::extract::Request,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let (backend, look) = &*st;
    let (parts, body) = req.into_parts();
    let Ok(body) = axum::body::to_bytes(body, 8 << 20).await else {
        return axum::http::StatusCode::BAD_REQUEST.into_response();
    };
    let (body, content_type) = look(&parts, body.to_vec());
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
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
