//! Server configuration: the credentials it accepts, simulated latency, the body limit
//! and the groups that exist before the first request.

use super::agents::Catalogue;
use super::carrier::UserGroup;
use super::faults::Fault;
use super::profile::Profile;
use crate::credentials::{Credential, Credentials};
use std::sync::Arc;
use std::time::Duration;

/// The default request body limit: 1 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

/// Everything the reference server needs to run. Build it with [`Config::with_defaults`]
/// or [`Config::from_env`] and adjust fields; new fields get defaults there.
#[derive(Debug, Clone)]
pub struct Config {
    /// The credentials accepted; a scheme whose credential is `None` is refused.
    pub credentials: Credentials,
    /// Sleep this long before answering each request (simulates a remote server).
    pub latency: Duration,
    /// Request bodies larger than this are refused with 413, enforced while reading.
    pub max_body_bytes: usize,
    /// Groups that exist when the server starts (ids kept as given).
    pub seed: Vec<UserGroup>,
    /// A deliberate fault (`soconform selftest`); `None`, the default, is the correct server.
    pub fault: Option<Fault>,
    /// Which clean server: the reference's own choices where the docs are silent, or another.
    pub profile: Profile,
    /// The other agent calls, served from their derived schemas ([`Catalogue::load`] of a
    /// suite directory's `schemas/`); empty: only the UserGroup family.
    pub catalogue: Arc<Catalogue>,
}

impl Config {
    /// Built-in credentials, no latency, a 1 MiB body limit, no pre-existing groups.
    pub fn with_defaults() -> Self {
        Config {
            credentials: default_credentials(),
            latency: Duration::ZERO,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            seed: Vec::new(),
            fault: None,
            profile: Profile::Reference,
            catalogue: Arc::default(),
        }
    }

    /// Like [`Config::with_defaults`], with every `SOCONF_*` credential variable that is
    /// set (non-empty) taking the place of the built-in value, exactly as the suite reads them.
    pub fn from_env() -> Self {
        Config {
            credentials: Credentials::from_env().or(default_credentials()),
            ..Config::with_defaults()
        }
    }
}

/// The built-in XSRF token (also the value of the `XSRF-TOKEN` cookie in the default cookie).
pub const DEFAULT_XSRF_TOKEN: &str = "c29jb25mb3JtLXhzcmYtdG9rZW4";

/// The credentials the server accepts when nothing is configured. Basic is the
/// documentation sample's (`Authorization: Basic dGplMDpUamUw` = `tje0:Tje0`); the
/// ticket and token follow the documented shapes (`7T:...`, `8A:CustNNNNN....`).
pub fn default_credentials() -> Credentials {
    Credentials {
        basic: Some(Credential::built_in("tje0:Tje0")),
        ticket: Some(Credential::built_in(
            "7T:c29jb25mb3JtLXJlZmVyZW5jZS10aWNrZXQ=",
        )),
        bearer: Some(Credential::built_in(
            "8A:Cust12345.c29jb25mb3JtLXJlZmVyZW5jZS1iZWFyZXI=",
        )),
        cookie: Some(Credential::built_in(format!(
            "XSRF-TOKEN={DEFAULT_XSRF_TOKEN}; SoSession=c29jb25mb3JtLXNlc3Npb24"
        ))),
        xsrf_token: Some(Credential::built_in(DEFAULT_XSRF_TOKEN)),
        app_token: None,
    }
}
