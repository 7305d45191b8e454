//! HTTP-level tests of the embedded reference server: started on an ephemeral loopback
//! port, driven with reqwest like any client would.

use reqwest::header::{HeaderMap, CONTENT_TYPE};
use reqwest::StatusCode;
use serde_json::{json, Value};
use soconform::credentials::{Credential, Credentials};
use soconform_reference::{
    self as reference, default_credentials, Config, RunningServer, UserGroup,
};
use std::sync::Arc;
use std::time::{Duration, Instant};

const BASIC: &str = "Basic dGplMDpUamUw";
const JSON: &str = "application/json; charset=utf-8";

struct Srv {
    server: RunningServer,
    client: reqwest::Client,
}

struct Res {
    status: StatusCode,
    headers: HeaderMap,
    text: String,
}

impl Res {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.text))
    }
    fn content_type(&self) -> &str {
        self.headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
    /// A refusal: the expected status and a JSON error object with a Message.
    fn assert_error(&self, status: u16, context: &str) {
        assert_eq!(self.status.as_u16(), status, "{context}: {}", self.text);
        assert!(
            self.content_type().starts_with("application/json"),
            "{context}: content type {}",
            self.content_type()
        );
        let body = self.json();
        assert!(body["Message"].is_string(), "{context}: {body}");
        assert!(body["MessageDetail"].is_string(), "{context}: {body}");
    }
}

async fn srv_with(config: Config) -> Srv {
    let server = reference::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .expect("server starts");
    let client = reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(64)
        .build()
        .unwrap();
    Srv { server, client }
}

async fn srv() -> Srv {
    srv_with(Config::with_defaults()).await
}

fn ticket() -> String {
    default_credentials().ticket.unwrap().expose().to_string()
}
fn bearer() -> String {
    default_credentials().bearer.unwrap().expose().to_string()
}
fn cookie() -> String {
    default_credentials().cookie.unwrap().expose().to_string()
}
fn xsrf() -> String {
    default_credentials()
        .xsrf_token
        .unwrap()
        .expose()
        .to_string()
}

impl Srv {
    fn url(&self, path: &str) -> String {
        format!("{}/v1/Agents/User/{path}", self.server.base_url())
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> Res {
        let mut req = self.client.request(method, self.url(path));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req.body(b);
        }
        let res = req.send().await.expect("request completes");
        let status = res.status();
        let headers = res.headers().clone();
        let text = res.text().await.expect("body reads");
        Res {
            status,
            headers,
            text,
        }
    }

    async fn post(&self, path: &str, headers: &[(&str, &str)], body: &str) -> Res {
        let body = (!body.is_empty()).then(|| body.as_bytes().to_vec());
        self.send(reqwest::Method::POST, path, headers, body).await
    }

    /// SaveUserGroup with Basic auth and a JSON body.
    async fn save(&self, body: Value) -> Res {
        self.post(
            "SaveUserGroup",
            &[("Authorization", BASIC), ("Content-Type", JSON)],
            &body.to_string(),
        )
        .await
    }

    async fn get(&self, id: i32) -> Value {
        let r = self
            .post(
                &format!("GetUserGroup?userGroupId={id}"),
                &[("Authorization", BASIC)],
                "",
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        r.json()
    }

    async fn all(&self, include_deleted: bool) -> Vec<Value> {
        let r = self
            .post(
                "GetAllUserGroups",
                &[("Authorization", BASIC), ("Content-Type", JSON)],
                &json!({ "IncludeDeleted": include_deleted }).to_string(),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        r.json().as_array().cloned().unwrap_or_default()
    }

    /// Checks the server still answers normally.
    async fn assert_alive(&self) {
        let r = self
            .save(json!({"UserGroup": {"Value": "alive", "Id": 0}}))
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.json()["Value"], "alive");
    }
}

mod agents;
mod auth;
mod family;
mod input;
mod media;
mod save;
mod serving;
