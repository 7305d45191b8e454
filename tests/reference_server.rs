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

// ---------------------------------------------------------------- authentication

#[tokio::test]
async fn every_auth_scheme_and_spelling_is_accepted() {
    let s = srv().await;
    let ticket = ticket();
    let bearer = bearer();
    let mut cases: Vec<Vec<(String, String)>> = vec![
        vec![("Authorization".into(), BASIC.into())],
        vec![("Authorization".into(), "basic dGplMDpUamUw".into())],
        vec![("Authorization".into(), "BASIC dGplMDpUamUw".into())],
        vec![("Authorization".into(), format!("Bearer {bearer}"))],
        vec![("Authorization".into(), format!("bearer {bearer}"))],
        vec![("X-XSRF-TOKEN".into(), xsrf()), ("Cookie".into(), cookie())],
    ];
    for spelling in ["SoTicket", "SOTICKET", "SOTicket", "soticket"] {
        cases.push(vec![(
            "Authorization".into(),
            format!("{spelling} {ticket}"),
        )]);
    }
    for headers in cases {
        let h: Vec<(&str, &str)> = headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let r = s.post("GetAllUserGroups", &h, "").await;
        assert_eq!(r.status, 200, "{headers:?}: {}", r.text);
        assert_eq!(r.json(), json!([]));
        let r = s.post("SaveUserGroup", &h, "").await;
        assert_eq!(r.status, 200, "{headers:?}: {}", r.text);
    }
}

#[tokio::test]
async fn missing_or_wrong_credentials_are_401_with_a_json_body() {
    let s = srv().await;
    let cookie = cookie();
    let xsrf = xsrf();
    let wrong_cookie = cookie.replace("SoSession=", "SoSession=x");
    let cases: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("no credentials", vec![]),
        (
            "wrong password",
            vec![("Authorization", "Basic dGplMDp3cm9uZw==")],
        ),
        ("not base64", vec![("Authorization", "Basic ***")]),
        ("empty basic", vec![("Authorization", "Basic")]),
        ("empty header", vec![("Authorization", "")]),
        (
            "unknown scheme",
            vec![("Authorization", "Negotiate dGplMDpUamUw")],
        ),
        (
            "digest",
            vec![("Authorization", "Digest username=\"tje0\"")],
        ),
        (
            "wrong ticket",
            vec![("Authorization", "SoTicket 7T:wrong==")],
        ),
        (
            "wrong bearer",
            vec![("Authorization", "Bearer 8A:Cust1.wrong")],
        ),
        (
            "ticket as bearer",
            vec![(
                "Authorization",
                "Bearer 7T:c29jb25mb3JtLXJlZmVyZW5jZS10aWNrZXQ=",
            )],
        ),
        ("xsrf without cookie", vec![("X-XSRF-TOKEN", &xsrf)]),
        ("cookie without xsrf", vec![("Cookie", &cookie)]),
        (
            "wrong xsrf",
            vec![("X-XSRF-TOKEN", "nope"), ("Cookie", &cookie)],
        ),
        (
            "wrong session cookie",
            vec![("X-XSRF-TOKEN", &xsrf), ("Cookie", &wrong_cookie)],
        ),
        (
            "failed Authorization with valid session",
            vec![
                ("Authorization", "Basic dGplMDp3cm9uZw=="),
                ("X-XSRF-TOKEN", &xsrf),
                ("Cookie", &cookie),
            ],
        ),
    ];
    for (name, headers) in cases {
        for path in [
            "SaveUserGroup",
            "GetUserGroup?userGroupId=1",
            "GetAllUserGroups",
        ] {
            let r = s.post(path, &headers, "").await;
            r.assert_error(401, &format!("{name} on {path}"));
            assert!(r.headers.get("www-authenticate").is_some(), "{name}");
        }
    }
    // Nothing was written by refused requests.
    assert!(s.server.store().is_empty());
    s.assert_alive().await;
}

#[tokio::test]
async fn unset_schemes_are_refused_and_user_credentials_replace_defaults() {
    let creds = Credentials {
        basic: Some(Credential::user("alice:s3cret")),
        ticket: None,
        bearer: None,
        cookie: None,
        xsrf_token: None,
        app_token: None,
    };
    let s = srv_with(Config {
        credentials: creds,
        ..Config::with_defaults()
    })
    .await;
    let bearer = format!("Bearer {}", bearer());
    let ticket = format!("SoTicket {}", ticket());
    let (cookie, xsrf) = (cookie(), xsrf());
    for headers in [
        vec![("Authorization", BASIC)],
        vec![("Authorization", bearer.as_str())],
        vec![("Authorization", ticket.as_str())],
        vec![("X-XSRF-TOKEN", xsrf.as_str()), ("Cookie", cookie.as_str())],
    ] {
        s.post("GetAllUserGroups", &headers, "")
            .await
            .assert_error(401, &format!("{headers:?}"));
    }
    let r = s
        .post(
            "GetAllUserGroups",
            &[("Authorization", "Basic YWxpY2U6czNjcmV0")],
            "",
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
}

#[tokio::test]
async fn credentials_from_the_suites_variables() {
    let creds = Credentials::from_lookup(|name| match name {
        "SOCONF_TICKET" => Some("7T:from-env==".into()),
        _ => None,
    })
    .or(default_credentials());
    let s = srv_with(Config {
        credentials: creds,
        ..Config::with_defaults()
    })
    .await;
    let ok = s
        .post(
            "GetAllUserGroups",
            &[("Authorization", "SOTicket 7T:from-env==")],
            "",
        )
        .await;
    assert_eq!(ok.status, 200);
    let old = format!("SOTicket {}", ticket());
    s.post("GetAllUserGroups", &[("Authorization", old.as_str())], "")
        .await
        .assert_error(401, "built-in ticket replaced");
    // The other schemes keep their built-in values.
    let ok = s
        .post("GetAllUserGroups", &[("Authorization", BASIC)], "")
        .await;
    assert_eq!(ok.status, 200);
}

// ---------------------------------------------------------------- save and read back

#[tokio::test]
async fn the_documented_sample_request() {
    let s = srv().await;
    let r = s
        .post(
            "SaveUserGroup",
            &[
                ("Authorization", BASIC),
                ("Accept", "application/json; charset=utf-8"),
                ("Accept-Language", "fr,de,ru,zh"),
                ("Content-Type", "application/json; charset=utf-8"),
            ],
            "{\n  \"UserGroup\": null\n}",
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.content_type(), "application/json; charset=utf-8");
    assert_eq!(r.json(), Value::Null);
    assert!(s.server.store().is_empty());
}

#[tokio::test]
async fn create_update_soft_delete_and_read_back() {
    let s = srv().await;
    let r = s
        .save(json!({"UserGroup": {"Value": "Sales", "Tooltip": "The sales team", "Id": 0}}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let created = r.json();
    let keys: Vec<&String> = created.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "Value",
            "Tooltip",
            "Id",
            "Rank",
            "Deleted",
            "TableRight",
            "FieldProperties"
        ]
    );
    let id = created["Id"].as_i64().unwrap() as i32;
    assert!(id > 0);
    assert_eq!(created["Rank"], 1, "absent Rank: highest + 1");
    assert_eq!(created["Deleted"], false);
    assert_eq!(created["TableRight"]["Mask"], "FULL");
    assert_eq!(
        created["FieldProperties"]["Value"]["FieldType"],
        "System.String"
    );
    assert_eq!(s.get(id).await, created);

    // A second create gets a new Id and the next rank; an explicit Rank is kept.
    let second = s
        .save(json!({"UserGroup": {"Value": "Support"}}))
        .await
        .json();
    assert_ne!(second["Id"], created["Id"]);
    assert_eq!(second["Rank"], 2);
    let ranked = s
        .save(json!({"UserGroup": {"Value": "Ranked", "Rank": 40, "Id": 0}}))
        .await
        .json();
    assert_eq!(ranked["Rank"], 40);

    // Update: same Id, sent properties change, others are kept.
    let updated = s
        .save(json!({"UserGroup": {"Id": id, "Value": "Sales EMEA", "Rank": 9}}))
        .await
        .json();
    assert_eq!(updated["Id"], id);
    assert_eq!(updated["Value"], "Sales EMEA");
    assert_eq!(updated["Tooltip"], "The sales team");
    assert_eq!(updated["Rank"], 9);
    assert_eq!(s.get(id).await, updated);

    // Tooltip set to null is saved as null.
    let cleared = s
        .save(json!({"UserGroup": {"Id": id, "Tooltip": null}}))
        .await
        .json();
    assert_eq!(cleared["Tooltip"], Value::Null);

    // Soft delete: still readable by Id, hidden from GetAll unless asked.
    let deleted = s
        .save(json!({"UserGroup": {"Id": id, "Deleted": true}}))
        .await
        .json();
    assert_eq!(deleted["Deleted"], true);
    assert_eq!(s.get(id).await["Deleted"], true);
    let visible = s.all(false).await;
    assert!(visible.iter().all(|g| g["Id"] != id));
    assert_eq!(visible.len(), 2);
    let everything = s.all(true).await;
    assert!(everything.iter().any(|g| g["Id"] == id));
    assert_eq!(everything.len(), 3);
    let by_query = s
        .post(
            "GetAllUserGroups?includeDeleted=true",
            &[("Authorization", BASIC)],
            "",
        )
        .await
        .json();
    assert_eq!(by_query.as_array().unwrap().len(), 3);

    // An Id that does not exist: 200 with a null body, nothing written.
    let r = s
        .save(json!({"UserGroup": {"Id": 9999, "Value": "ghost"}}))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), Value::Null);
    assert_eq!(s.server.store().len(), 3);
    // A missing group reads as null.
    assert_eq!(s.get(9999).await, Value::Null);
    // Store and HTTP agree.
    let snap = s.server.store().snapshot();
    assert_eq!(snap.len(), 3);
    assert!(snap.iter().any(|g| g.id == id && g.deleted));
}

#[tokio::test]
async fn bare_carrier_and_empty_bodies() {
    let s = srv().await;
    let r = s.save(json!({"Value": "Bare", "Id": 0})).await;
    assert_eq!(r.json()["Value"], "Bare");
    for body in ["", "{}", "null", "{\"Other\": 1}"] {
        let r = s
            .post(
                "SaveUserGroup",
                &[("Authorization", BASIC), ("Content-Type", JSON)],
                body,
            )
            .await;
        assert_eq!(r.status, 200, "{body}: {}", r.text);
        assert_eq!(r.json(), Value::Null, "{body}");
    }
    // An empty body without any Content-Type is a null UserGroup too.
    let r = s
        .post("SaveUserGroup", &[("Authorization", BASIC)], "")
        .await;
    assert_eq!((r.status.as_u16(), r.json()), (200, Value::Null));
    assert_eq!(s.server.store().len(), 1);
}

#[tokio::test]
async fn seeded_groups_exist_at_start() {
    let seed = vec![UserGroup {
        id: 100,
        value: Some("Seeded".into()),
        tooltip: None,
        rank: 5,
        deleted: false,
    }];
    let s = srv_with(Config {
        seed,
        ..Config::with_defaults()
    })
    .await;
    assert_eq!(s.get(100).await["Value"], "Seeded");
    let next = s.save(json!({"UserGroup": {"Value": "Next"}})).await.json();
    assert_eq!(
        (next["Id"].as_i64(), next["Rank"].as_i64()),
        (Some(101), Some(6))
    );
}

// ---------------------------------------------------------------- content types

#[tokio::test]
async fn all_seven_content_types_create_a_group_that_reads_back() {
    let s = srv().await;
    let cases: Vec<(&str, String)> = vec![
        ("application/json", json!({"UserGroup": {"Value": "json", "Tooltip": "t", "Rank": 3, "Deleted": false}}).to_string()),
        ("text/json", json!({"UserGroup": {"Value": "text-json", "Tooltip": "t", "Rank": 3, "Deleted": false}}).to_string()),
        ("application/xml", "<?xml version=\"1.0\" encoding=\"utf-8\"?><request><UserGroup><Value>xml</Value><Tooltip>t</Tooltip><Id>0</Id><Rank>3</Rank><Deleted>false</Deleted></UserGroup></request>".into()),
        ("text/xml", "<UserGroup xmlns=\"http://www.superoffice.net/ws/crm/NetServer/Services88\"><Value>text-xml</Value><Tooltip>t</Tooltip><Rank>3</Rank><Deleted>0</Deleted></UserGroup>".into()),
        ("application/x-www-form-urlencoded", "UserGroup.Value=form&UserGroup.Tooltip=t&UserGroup.Id=0&UserGroup.Rank=3&UserGroup.Deleted=false".into()),
        ("application/json-patch+json", json!([{"op": "add", "path": "/UserGroup", "value": {"Value": "json-patch", "Tooltip": "t"}}, {"op": "replace", "path": "UserGroup/Rank", "value": 3}, {"op": "add", "path": "/UserGroup/Deleted", "value": false}]).to_string()),
        ("application/merge-patch+json", json!({"UserGroup": {"Value": "merge-patch", "Tooltip": "t", "Rank": 3, "Deleted": false, "Id": null}}).to_string()),
    ];
    for (ct, body) in cases {
        let ct_full = format!("{ct}; charset=utf-8");
        for content_type in [ct, ct_full.as_str()] {
            let r = s
                .post(
                    "SaveUserGroup",
                    &[("Authorization", BASIC), ("Content-Type", content_type)],
                    &body,
                )
                .await;
            assert_eq!(r.status, 200, "{content_type}: {}", r.text);
            let saved = r.json();
            let id = saved["Id"].as_i64().expect("an Id") as i32;
            assert!(id > 0, "{content_type}");
            assert_eq!(saved["Tooltip"], "t", "{content_type}");
            assert_eq!(saved["Rank"], 3, "{content_type}");
            assert_eq!(saved["Deleted"], false, "{content_type}");
            assert_eq!(s.get(id).await, saved, "{content_type}");
        }
    }
    let names: Vec<String> = s
        .server
        .store()
        .snapshot()
        .into_iter()
        .filter_map(|g| g.value)
        .collect();
    for expected in [
        "json",
        "text-json",
        "xml",
        "text-xml",
        "form",
        "json-patch",
        "merge-patch",
    ] {
        assert_eq!(
            names.iter().filter(|n| *n == expected).count(),
            2,
            "{expected}"
        );
    }
}

#[tokio::test]
async fn lenient_xml_and_form_forms() {
    let s = srv().await;
    let xml = |body: &'static str| {
        s.post(
            "SaveUserGroup",
            &[
                ("Authorization", BASIC),
                ("Content-Type", "application/xml"),
            ],
            body,
        )
    };
    let r = xml("<SaveUserGroup xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\"><UserGroup><Value>a &amp; b</Value><Tooltip i:nil=\"true\"/><Deleted>TRUE</Deleted></UserGroup></SaveUserGroup>").await;
    assert_eq!(r.status, 200, "{}", r.text);
    let saved = r.json();
    assert_eq!(saved["Value"], "a & b");
    assert_eq!(saved["Tooltip"], Value::Null);
    assert_eq!(saved["Deleted"], true);
    let r = xml("<request><UserGroup xsi:nil=\"true\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"/></request>").await;
    assert_eq!((r.status.as_u16(), r.json()), (200, Value::Null));
    let r = xml("<request><Value>bare</Value></request>").await;
    assert_eq!(r.json()["Value"], "bare");
    let r = xml("<UserGroup><Value></Value></UserGroup>").await;
    assert_eq!(r.json()["Value"], "");

    let form = |body: &'static str| {
        s.post(
            "SaveUserGroup",
            &[
                ("Authorization", BASIC),
                ("Content-Type", "application/x-www-form-urlencoded"),
            ],
            body,
        )
    };
    let r = form("UserGroup%5BValue%5D=brackets+here&UserGroup[Deleted]=1").await;
    assert_eq!(r.json()["Value"], "brackets here");
    assert_eq!(r.json()["Deleted"], true);
    let r = form("value=bare&rank=12").await;
    assert_eq!(
        (r.json()["Value"].clone(), r.json()["Rank"].clone()),
        (json!("bare"), json!(12))
    );
    let r = form("UserGroup=").await;
    assert_eq!((r.status.as_u16(), r.json()), (200, Value::Null));

    // GetAllUserGroups reads IncludeDeleted from every body type.
    for (ct, body) in [
        (
            "application/xml",
            "<request><IncludeDeleted>true</IncludeDeleted></request>",
        ),
        ("application/x-www-form-urlencoded", "IncludeDeleted=True"),
        ("application/merge-patch+json", "{\"IncludeDeleted\": true}"),
        (
            "application/json-patch+json",
            "[{\"op\":\"add\",\"path\":\"/IncludeDeleted\",\"value\":true}]",
        ),
    ] {
        let r = s
            .post(
                "GetAllUserGroups",
                &[("Authorization", BASIC), ("Content-Type", ct)],
                body,
            )
            .await;
        assert_eq!(r.status, 200, "{ct}: {}", r.text);
        let deleted = r
            .json()
            .as_array()
            .unwrap()
            .iter()
            .filter(|g| g["Deleted"] == true)
            .count();
        assert_eq!(deleted, 2, "{ct}");
    }
}

// ---------------------------------------------------------------- Accept

#[tokio::test]
async fn all_six_accept_types_and_q_values() {
    let s = srv().await;
    let id = s.save(json!({"UserGroup": {"Value": "Neg"}})).await.json()["Id"]
        .as_i64()
        .unwrap();
    let get = |accept: Option<String>| {
        let path = format!("GetUserGroup?userGroupId={id}");
        let s = &s;
        async move {
            let mut h = vec![("Authorization", BASIC.to_string())];
            if let Some(a) = accept {
                h.push(("Accept", a));
            }
            let h: Vec<(&str, &str)> = h.iter().map(|(k, v)| (*k, v.as_str())).collect();
            s.post(&path, &h, "").await
        }
    };
    for t in [
        "application/json",
        "text/json",
        "application/xml",
        "text/xml",
        "application/json-patch+json",
        "application/merge-patch+json",
    ] {
        let r = get(Some(t.to_string())).await;
        assert_eq!(r.status, 200);
        assert_eq!(r.content_type(), format!("{t}; charset=utf-8"));
        if t.ends_with("xml") {
            assert!(r.text.starts_with("<UserGroup"), "{t}: {}", r.text);
            assert!(r.text.contains("<Value>Neg</Value>"), "{t}");
            assert!(r.text.ends_with("</UserGroup>"), "{t}");
        } else {
            assert_eq!(r.json()["Value"], "Neg", "{t}");
        }
    }
    for (accept, expected) in [
        (None, "application/json"),
        (Some("*/*"), "application/json"),
        (Some("text/*"), "text/json"),
        (
            Some("application/json;q=0.5, application/xml"),
            "application/xml",
        ),
        (Some("application/xml;q=0.2, text/json;q=0.9"), "text/json"),
        (Some("text/xml;q=1, application/json;q=1"), "text/xml"),
        (Some("application/*;q=0.1, text/xml;q=0.3"), "text/xml"),
        (Some("application/json;q=0, */*"), "text/json"),
        (Some("image/png"), "application/json"),
        (Some("application/xml;q=0"), "application/json"),
    ] {
        let r = get(accept.map(str::to_string)).await;
        assert_eq!(
            r.content_type(),
            format!("{expected}; charset=utf-8"),
            "{accept:?}"
        );
    }
    // Arrays and null in XML.
    let r = s
        .post(
            "GetAllUserGroups",
            &[("Authorization", BASIC), ("Accept", "application/xml")],
            "",
        )
        .await;
    assert!(
        r.text.starts_with("<ArrayOfUserGroup")
            && r.text.contains("><UserGroup><Value>Neg</Value>"),
        "{}",
        r.text
    );
    let r = s
        .post(
            "GetUserGroup?userGroupId=424242",
            &[("Authorization", BASIC), ("Accept", "text/xml")],
            "",
        )
        .await;
    assert_eq!(
        r.text,
        "<UserGroup xsi:nil=\"true\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"/>"
    );
    // Errors are JSON whatever the Accept header says.
    s.post("GetAllUserGroups", &[("Accept", "application/xml")], "")
        .await
        .assert_error(401, "error with Accept xml");
}

// ---------------------------------------------------------------- $select

#[tokio::test]
async fn select_in_json_and_xml() {
    let s = srv().await;
    let id = s
        .save(json!({"UserGroup": {"Value": "Sel", "Tooltip": "tip", "Rank": 4}}))
        .await
        .json()["Id"]
        .as_i64()
        .unwrap();
    let post = |path: String, accept: &'static str| {
        let s = &s;
        async move {
            s.post(
                &path,
                &[
                    ("Authorization", BASIC),
                    ("Accept", accept),
                    ("Content-Type", JSON),
                ],
                &json!({"UserGroup": {"Id": id}}).to_string(),
            )
            .await
        }
    };
    // Case-insensitive names, unknown names ignored, others nulled, on Save and Get.
    for path in [
        "SaveUserGroup?$select=value,ID,nonsense".to_string(),
        format!("GetUserGroup?userGroupId={id}&%24select=VALUE,id"),
    ] {
        let v = post(path.clone(), "application/json").await.json();
        assert_eq!(v["Value"], "Sel", "{path}");
        assert_eq!(v["Id"], id, "{path}");
        for k in [
            "Tooltip",
            "Rank",
            "Deleted",
            "TableRight",
            "FieldProperties",
        ] {
            assert_eq!(v[k], Value::Null, "{path} {k}");
        }
    }
    // a/b paths into an object and the dictionary.
    let v = post(
        format!("GetUserGroup?userGroupId={id}&$select=TableRight/Mask,FieldProperties/Tooltip"),
        "application/json",
    )
    .await
    .json();
    assert_eq!(v["TableRight"], json!({"Mask": "FULL", "Reason": null}));
    assert_eq!(
        v["FieldProperties"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["Tooltip"]
    );
    assert_eq!(v["Value"], Value::Null);
    // GetAll applies per element.
    let r = s
        .post(
            "GetAllUserGroups?$select=Rank",
            &[("Authorization", BASIC)],
            "",
        )
        .await
        .json();
    for g in r.as_array().unwrap() {
        assert_eq!(g["Rank"], 4);
        assert_eq!(g["Value"], Value::Null);
    }
    // Empty $select shows everything.
    let v = post(
        format!("GetUserGroup?userGroupId={id}&$select="),
        "application/json",
    )
    .await
    .json();
    assert_eq!(v["Tooltip"], "tip");
    // XML: nulled properties are xsi:nil.
    let r = post(
        format!("GetUserGroup?userGroupId={id}&$select=rank,fieldproperties/rank"),
        "application/xml",
    )
    .await;
    assert!(r.text.starts_with("<UserGroup xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><Value xsi:nil=\"true\"/>"), "{}", r.text);
    assert!(r.text.contains("<Rank>4</Rank>"));
    assert!(r.text.contains("<Key>Rank</Key>"));
    assert!(!r.text.contains("<Key>Value</Key>"));
}

// ---------------------------------------------------------------- other headers

#[tokio::test]
async fn language_culture_timezone_and_apptoken_headers_are_accepted() {
    let s = srv().await;
    let headers: [(&str, &[&str]); 5] = [
        (
            "Accept-Language",
            &["*", "en", "sv", "fr,de,ru,zh", "en-us; en-gb", "xx-unknown"],
        ),
        ("SO-Language", &["nb-no", "*", "x", "zz"]),
        ("SO-Culture", &["en", "nb-no", "bogus"]),
        (
            "SO-TimeZone",
            &["NO", "261", "NO, includeTZOffset", "Mars/Olympus"],
        ),
        ("SO-AppToken", &["f2398a3a7wer3759d4b220e9a9c94321", ""]),
    ];
    for (name, values) in headers {
        for value in values {
            let r = s
                .post(
                    "SaveUserGroup",
                    &[
                        ("Authorization", BASIC),
                        ("Content-Type", JSON),
                        (name, value),
                    ],
                    &json!({"UserGroup": {"Value": format!("{name}={value}")}}).to_string(),
                )
                .await;
            assert_eq!(r.status, 200, "{name}: {value}: {}", r.text);
            assert_eq!(r.json()["Value"], format!("{name}={value}"));
        }
    }
}

// ---------------------------------------------------------------- bad input

#[tokio::test]
async fn bad_input_is_a_clear_4xx_and_the_server_keeps_serving() {
    let s = Arc::new(
        srv_with(Config {
            max_body_bytes: 64 * 1024,
            ..Config::with_defaults()
        })
        .await,
    );
    let billion_laughs = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><request><UserGroup><Value>&lol2;</Value></UserGroup></request>"#;
    let external = r#"<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><request><UserGroup><Value>&xxe;</Value></UserGroup></request>"#;
    let big_json = format!(
        "{{\"UserGroup\": {{\"Value\": \"{}\"}}}}",
        "x".repeat(70 * 1024)
    );
    let cases: Vec<(&str, &str, String, u16)> = vec![
        // malformed JSON
        (
            "malformed JSON",
            "application/json",
            "{\"UserGroup\": {".into(),
            400,
        ),
        ("trailing garbage", "application/json", "{} x".into(), 400),
        (
            "single quotes",
            "text/json",
            "{'UserGroup': null}".into(),
            400,
        ),
        (
            "deep nesting",
            "application/json",
            "[".repeat(300) + &"]".repeat(300),
            400,
        ),
        ("array body", "application/json", "[1,2]".into(), 400),
        (
            "string body",
            "application/json",
            "\"UserGroup\"".into(),
            400,
        ),
        // wrong types
        (
            "Id as string",
            "application/json",
            json!({"UserGroup": {"Id": "5"}}).to_string(),
            400,
        ),
        (
            "Id as float",
            "application/json",
            json!({"UserGroup": {"Id": 1.5}}).to_string(),
            400,
        ),
        (
            "Id null",
            "application/json",
            json!({"UserGroup": {"Id": null}}).to_string(),
            400,
        ),
        (
            "Rank as bool",
            "application/json",
            json!({"UserGroup": {"Rank": true}}).to_string(),
            400,
        ),
        (
            "Deleted as string",
            "application/json",
            json!({"UserGroup": {"Deleted": "true"}}).to_string(),
            400,
        ),
        (
            "Deleted as number",
            "application/json",
            json!({"UserGroup": {"Deleted": 1}}).to_string(),
            400,
        ),
        (
            "Value as number",
            "application/json",
            json!({"UserGroup": {"Value": 12}}).to_string(),
            400,
        ),
        (
            "Value as object",
            "application/json",
            json!({"UserGroup": {"Value": {}}}).to_string(),
            400,
        ),
        (
            "UserGroup as array",
            "application/json",
            json!({"UserGroup": []}).to_string(),
            400,
        ),
        (
            "UserGroup as string",
            "application/json",
            json!({"UserGroup": "x"}).to_string(),
            400,
        ),
        (
            "control character",
            "application/json",
            json!({"UserGroup": {"Value": "a\u{0}b"}}).to_string(),
            400,
        ),
        // out of range
        (
            "Id > int32",
            "application/json",
            "{\"UserGroup\": {\"Id\": 2147483648}}".into(),
            400,
        ),
        (
            "Id < int32",
            "application/json",
            "{\"UserGroup\": {\"Id\": -2147483649}}".into(),
            400,
        ),
        (
            "Rank > int32",
            "application/json",
            "{\"UserGroup\": {\"Rank\": 99999999999999999999}}".into(),
            400,
        ),
        (
            "Rank 1e400",
            "application/json",
            "{\"UserGroup\": {\"Rank\": 1e400}}".into(),
            400,
        ),
        (
            "XML Rank > int32",
            "application/xml",
            "<UserGroup><Rank>2147483648</Rank></UserGroup>".into(),
            400,
        ),
        (
            "form Id > int32",
            "application/x-www-form-urlencoded",
            "UserGroup.Id=99999999999".into(),
            400,
        ),
        // malformed XML
        (
            "unclosed XML",
            "application/xml",
            "<request><UserGroup>".into(),
            400,
        ),
        (
            "mismatched XML",
            "text/xml",
            "<request></UserGroup>".into(),
            400,
        ),
        ("two roots", "text/xml", "<a/><b/>".into(), 400),
        (
            "XML bad bool",
            "text/xml",
            "<UserGroup><Deleted>maybe</Deleted></UserGroup>".into(),
            400,
        ),
        (
            "XML bad int",
            "text/xml",
            "<UserGroup><Id>five</Id></UserGroup>".into(),
            400,
        ),
        (
            "XML DOCTYPE",
            "application/xml",
            "<!DOCTYPE request><request/>".into(),
            400,
        ),
        (
            "billion laughs",
            "application/xml",
            billion_laughs.into(),
            400,
        ),
        ("external entity", "text/xml", external.into(), 400),
        (
            "undefined entity",
            "text/xml",
            "<UserGroup><Value>&nbsp;</Value></UserGroup>".into(),
            400,
        ),
        (
            "UTF-16 declared",
            "text/xml",
            "<?xml version=\"1.0\" encoding=\"utf-16\"?><UserGroup/>".into(),
            415,
        ),
        // malformed form
        (
            "bad percent escape",
            "application/x-www-form-urlencoded",
            "UserGroup.Value=%zz".into(),
            400,
        ),
        (
            "form not UTF-8",
            "application/x-www-form-urlencoded",
            "UserGroup.Value=%ff%fe".into(),
            400,
        ),
        (
            "form bad bool",
            "application/x-www-form-urlencoded",
            "UserGroup.Deleted=maybe".into(),
            400,
        ),
        (
            "form bad int",
            "application/x-www-form-urlencoded",
            "UserGroup.Rank=abc".into(),
            400,
        ),
        (
            "form bracket",
            "application/x-www-form-urlencoded",
            "UserGroup[Value=1".into(),
            400,
        ),
        (
            "form object value",
            "application/x-www-form-urlencoded",
            "UserGroup=x".into(),
            400,
        ),
        // patches
        (
            "bad JSON Patch op",
            "application/json-patch+json",
            "[{\"op\":\"frob\",\"path\":\"/x\"}]".into(),
            400,
        ),
        (
            "JSON Patch not ops",
            "application/json-patch+json",
            "[1]".into(),
            400,
        ),
        (
            "JSON Patch failed test",
            "application/json-patch+json",
            "[{\"op\":\"test\",\"path\":\"/x\",\"value\":1}]".into(),
            409,
        ),
        (
            "merge patch array",
            "application/merge-patch+json",
            "[1]".into(),
            400,
        ),
        // unsupported Content-Type
        ("text/plain", "text/plain", "{}".into(), 415),
        (
            "multipart",
            "multipart/form-data; boundary=x",
            "--x--".into(),
            415,
        ),
        ("problem+json", "application/problem+json", "{}".into(), 415),
        (
            "latin1 charset",
            "application/json; charset=iso-8859-1",
            "{}".into(),
            415,
        ),
        (
            "utf-16 charset",
            "text/xml; charset=utf-16",
            "<a/>".into(),
            415,
        ),
        // too large
        ("oversized", "application/json", big_json, 413),
    ];
    for (name, ct, body, status) in &cases {
        let r = s
            .post(
                "SaveUserGroup",
                &[("Authorization", BASIC), ("Content-Type", ct)],
                body,
            )
            .await;
        r.assert_error(*status, name);
    }
    // Raw non-UTF-8 bytes are 400.
    let r = s
        .send(
            reqwest::Method::POST,
            "SaveUserGroup",
            &[("Authorization", BASIC), ("Content-Type", JSON)],
            Some(b"{\"UserGroup\": {\"Value\": \"\xff\"}}".to_vec()),
        )
        .await;
    r.assert_error(400, "invalid UTF-8 bytes");
    // A body without a Content-Type, and a compressed body.
    let r = s
        .send(
            reqwest::Method::POST,
            "SaveUserGroup",
            &[("Authorization", BASIC)],
            Some(b"{}".to_vec()),
        )
        .await;
    r.assert_error(415, "no Content-Type");
    let r = s
        .post(
            "SaveUserGroup",
            &[
                ("Authorization", BASIC),
                ("Content-Type", JSON),
                ("Content-Encoding", "gzip"),
            ],
            "{}",
        )
        .await;
    r.assert_error(415, "gzip");
    // GetUserGroup's parameter.
    for (path, name) in [
        ("GetUserGroup?userGroupId=glops", "documented glops"),
        ("GetUserGroup", "missing userGroupId"),
        ("GetUserGroup?userGroupId=", "empty userGroupId"),
        ("GetUserGroup?userGroupId=2147483648", "userGroupId > int32"),
        ("GetUserGroup?userGroupId=1.0", "userGroupId float"),
    ] {
        s.post(path, &[("Authorization", BASIC)], "")
            .await
            .assert_error(400, name);
    }
    // GetAllUserGroups' parameter.
    for (body, path) in [
        ("{\"IncludeDeleted\": \"yes\"}", "GetAllUserGroups"),
        ("{\"IncludeDeleted\": 1}", "GetAllUserGroups"),
        ("[true]", "GetAllUserGroups"),
        ("", "GetAllUserGroups?includeDeleted=maybe"),
    ] {
        s.post(
            path,
            &[("Authorization", BASIC), ("Content-Type", JSON)],
            body,
        )
        .await
        .assert_error(400, body);
    }
    // Routing and methods.
    s.post("NoSuchMethod", &[("Authorization", BASIC)], "")
        .await
        .assert_error(404, "unknown method");
    for m in [
        reqwest::Method::PUT,
        reqwest::Method::DELETE,
        reqwest::Method::PATCH,
    ] {
        let r = s
            .send(
                m.clone(),
                "SaveUserGroup",
                &[("Authorization", BASIC)],
                None,
            )
            .await;
        r.assert_error(405, m.as_str());
        assert!(r.headers.get("allow").is_some());
    }
    // Nothing above wrote a group, and the server still works.
    assert!(
        s.server.store().is_empty(),
        "a refused request wrote a group"
    );
    s.assert_alive().await;
}

#[tokio::test]
async fn oversized_bodies_are_refused_while_reading() {
    let s = srv_with(Config {
        max_body_bytes: 1024,
        ..Config::with_defaults()
    })
    .await;
    // Announced by Content-Length.
    let body = format!(
        "{{\"UserGroup\": {{\"Value\": \"{}\"}}}}",
        "y".repeat(4 * 1024 * 1024)
    );
    let r = s
        .post(
            "SaveUserGroup",
            &[("Authorization", BASIC), ("Content-Type", JSON)],
            &body,
        )
        .await;
    r.assert_error(413, "Content-Length over the limit");
    // Chunked, no Content-Length: found while reading.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut sock = tokio::net::TcpStream::connect(s.server.addr())
        .await
        .unwrap();
    let head = format!(
        "POST /api/v1/Agents/User/SaveUserGroup HTTP/1.1\r\nHost: x\r\nAuthorization: {BASIC}\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    sock.write_all(head.as_bytes()).await.unwrap();
    let chunk = "z".repeat(800);
    for _ in 0..4 {
        let _ = sock
            .write_all(format!("{:x}\r\n{chunk}\r\n", chunk.len()).as_bytes())
            .await;
    }
    let _ = sock.write_all(b"0\r\n\r\n").await;
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), sock.read_to_end(&mut out)).await;
    let out = String::from_utf8_lossy(&out);
    assert!(out.starts_with("HTTP/1.1 413"), "{out}");
    assert!(out.contains("\"Message\""), "{out}");
    // A body just under the limit is fine.
    let ok = format!("{{\"UserGroup\": {{\"Value\": \"{}\"}}}}", "k".repeat(900));
    let r = s
        .post(
            "SaveUserGroup",
            &[("Authorization", BASIC), ("Content-Type", JSON)],
            &ok,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
}

// ---------------------------------------------------------------- GET describes

#[tokio::test]
async fn get_describes_the_call() {
    let s = srv().await;
    for m in [
        "SaveUserGroup",
        "GetUserGroup",
        "GetAllUserGroups",
        "saveusergroup",
    ] {
        let r = s.send(reqwest::Method::GET, m, &[], None).await;
        assert_eq!(r.status, 200, "{m}");
        assert!(r.content_type().starts_with("text/plain"), "{m}");
        assert!(
            r.text
                .to_lowercase()
                .contains(&format!("post /api/v1/agents/user/{}", m.to_lowercase())),
            "{m}: {}",
            r.text
        );
    }
    // GET does not invoke the method.
    assert!(s.server.store().is_empty());
    s.send(reqwest::Method::GET, "Nope", &[], None)
        .await
        .assert_error(404, "GET unknown");
}

#[tokio::test]
async fn latency_delays_each_answer() {
    let s = srv_with(Config {
        latency: Duration::from_millis(150),
        ..Config::with_defaults()
    })
    .await;
    let t = Instant::now();
    let r = s
        .post("GetAllUserGroups", &[("Authorization", BASIC)], "")
        .await;
    assert_eq!(r.status, 200);
    assert!(t.elapsed() >= Duration::from_millis(150));
}

// ---------------------------------------------------------------- concurrency

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thousands_of_concurrent_saves_all_read_back() {
    const N: usize = 3000;
    let s = Arc::new(srv().await);
    let gate = Arc::new(tokio::sync::Semaphore::new(64));
    let mut tasks = Vec::with_capacity(N);
    for i in 0..N {
        let s = s.clone();
        let gate = gate.clone();
        tasks.push(tokio::spawn(async move {
            let _permit = gate.acquire_owned().await.unwrap();
            let r = s
                .save(json!({"UserGroup": {"Id": 0, "Value": format!("group-{i}"), "Tooltip": format!("t{i}"), "Rank": i}}))
                .await;
            assert_eq!(r.status, 200, "{}", r.text);
            let v = r.json();
            assert_eq!(v["Value"], format!("group-{i}"));
            (i, v["Id"].as_i64().unwrap() as i32)
        }));
    }
    let mut created = Vec::with_capacity(N);
    for t in tasks {
        created.push(t.await.unwrap());
    }
    let mut ids: Vec<i32> = created.iter().map(|(_, id)| *id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), N, "every create got a unique Id");

    // Each reads back by Id, concurrently.
    let mut reads = Vec::with_capacity(N);
    for (i, id) in created.clone() {
        let s = s.clone();
        let gate = gate.clone();
        reads.push(tokio::spawn(async move {
            let _permit = gate.acquire_owned().await.unwrap();
            let v = s.get(id).await;
            assert_eq!(v["Id"], id);
            assert_eq!(v["Value"], format!("group-{i}"));
            assert_eq!(v["Tooltip"], format!("t{i}"));
            assert_eq!(v["Rank"], i as i64);
        }));
    }
    for r in reads {
        r.await.unwrap();
    }
    // And all of them are in GetAllUserGroups and the store.
    assert_eq!(s.all(false).await.len(), N);
    assert_eq!(s.server.store().len(), N);
}

// ---------------------------------------------------------------- `serve`

#[cfg(unix)]
#[test]
fn serve_prints_its_url_serves_and_stops_on_sigterm() {
    use std::io::{BufRead, BufReader, Read};
    use std::process::{Command, Stdio};

    let secret_bearer = "8A:Cust99999.user-set-secret-bearer";
    let secret_basic = "carol:user-set-password";
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_soconform"));
    for var in [
        "SOCONF_BASIC",
        "SOCONF_TICKET",
        "SOCONF_BEARER",
        "SOCONF_COOKIE",
        "SOCONF_XSRF_TOKEN",
    ] {
        cmd.env_remove(var);
    }
    let mut child = cmd
        .args(["serve", "--port", "0", "--basic", secret_basic])
        .env("SOCONF_BEARER", secret_bearer)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary starts");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    let url = first
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in {first:?}"))
        .to_string();
    assert!(url.ends_with("/api"), "{url}");
    assert!(!url.ends_with(":0/api"), "the real port is printed: {url}");

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let status = rt.block_on(async {
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let r = client
            .post(format!("{url}/v1/Agents/User/SaveUserGroup"))
            .header("Authorization", format!("Bearer {secret_bearer}"))
            .header("Content-Type", "application/json")
            .body("{\"UserGroup\": {\"Value\": \"from serve\"}}")
            .send()
            .await
            .unwrap();
        let status = r.status();
        let v: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
        assert_eq!(v["Value"], "from serve");
        // The built-in Basic was replaced by the user's.
        let refused = client
            .post(format!("{url}/v1/Agents/User/GetAllUserGroups"))
            .header("Authorization", BASIC)
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 401);
        status
    });
    assert_eq!(status, 200);

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(15);
    let exit = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        assert!(Instant::now() < deadline, "serve did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "clean exit: {exit:?}");

    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let all = format!("{first}{rest}{err}");
    for secret in [
        secret_bearer,
        secret_basic,
        "user-set-password",
        "Y2Fyb2w6dXNlci1zZXQtcGFzc3dvcmQ=",
    ] {
        assert!(
            !all.contains(secret),
            "a user-set secret was printed: {all}"
        );
    }
    assert!(all.contains("(set by you, not shown)"), "{all}");
    // Built-in values are shown (here the ticket).
    assert!(all.contains("7T:"), "{all}");
}
