//! The embedded reference server: a faithful implementation of the documented endpoints
//! `POST /api/v1/Agents/User/SaveUserGroup`, `GetUserGroup` and `GetAllUserGroups`, plus
//! `GET` descriptions of each. The suite starts it in-process ([`start`]) and
//! `soconform serve` runs it on its own. Nothing in the suite's checking code depends on
//! this module: the suite talks to it over HTTP like to any other server.
//!
//! Where the docs are silent the decision is written next to the code that makes it
//! (module docs of [`auth`], [`negotiate`], [`body`], [`request`], [`form`], [`patch`],
//! [`xml`], [`select`], [`store`]) and summarised in the README's table.

pub mod agents;
pub mod auth;
pub mod body;
pub mod carrier;
pub mod config;
pub mod data_contract;
pub mod error;
pub mod faults;
pub mod form;
pub mod handlers;
pub mod latency;
pub mod lenient;
pub mod negotiate;
pub mod operation;
pub mod patch;
pub mod profile;
pub mod request;
pub mod select;
pub mod store;
pub mod xml;

use soconform_core::{credentials, vocab};

pub use agents::Catalogue;
pub use carrier::UserGroup;
pub use config::{default_credentials, Config};
pub use faults::Fault;
pub use profile::Profile;
pub use store::StoreHandle;

use handlers::AppState;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A server running on the current tokio runtime. Dropping it stops it too.
#[derive(Debug)]
pub struct RunningServer {
    base_url: String,
    addr: SocketAddr,
    store: StoreHandle,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl RunningServer {
    /// `http://<host>:<port>/api`: up to and including `/api`, like `SOCONF_TARGET`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The address actually bound (the real port when started on port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// A handle on the store, to read back what was saved.
    pub fn store(&self) -> StoreHandle {
        self.store.clone()
    }

    /// Stops accepting, lets requests in flight finish (at most 5 s), then returns.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let abort = task.abort_handle();
            if tokio::time::timeout(Duration::from_secs(5), task)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// The URL a client uses for a bound address: an unspecified address (`0.0.0.0`, `::`)
/// is reached through loopback.
fn base_url_for(addr: SocketAddr) -> String {
    let ip = match addr.ip() {
        IpAddr::V4(v4) if v4.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(v6) if v6.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    format!("http://{}/api", SocketAddr::new(ip, addr.port()))
}

/// Binds `addr` (port 0 picks a free port) and serves on the current tokio runtime.
pub async fn start(config: Config, addr: SocketAddr) -> std::io::Result<RunningServer> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let store = Arc::new(store::Store::new(config.seed.clone()));
    let state = Arc::new(AppState {
        config,
        store: store.clone(),
    });
    let app = axum::Router::new()
        .fallback(handlers::entry)
        .with_state(state);
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await
    });
    Ok(RunningServer {
        base_url: base_url_for(addr),
        addr,
        store: StoreHandle(store),
        stop: Some(stop),
        task: Some(task),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls() {
        assert_eq!(
            base_url_for("0.0.0.0:80".parse().unwrap()),
            "http://127.0.0.1:80/api"
        );
        assert_eq!(
            base_url_for("[::]:81".parse().unwrap()),
            "http://[::1]:81/api"
        );
        assert_eq!(
            base_url_for("127.0.0.1:8080".parse().unwrap()),
            "http://127.0.0.1:8080/api"
        );
    }
}
