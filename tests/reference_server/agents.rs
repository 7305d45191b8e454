//! Every agent call derived in spec/ is served (issue 23): each answers, under every Accept
//! type its page lists, what its own derived schema describes (carriers, arrays, primitives,
//! a byte stream as a base64 string, 204 with no body), honours `$select`, answers `null`
//! for a key that names nothing and 400 for one that is not a number, refuses a request
//! without credentials, and describes itself on GET. No code per endpoint: the server reads
//! the same descriptions and schemas as the suite.

use super::BASIC;
use soconform::checks::validators::{self, Validators};
use soconform::decode;
use soconform::description::BodyShape;
use soconform::suite::{Endpoint, Suite, SuitePaths};
use soconform::vocab::{self, MediaFamily};
use soconform_reference::{self as reference, Config};
use std::path::Path;
use std::sync::Arc;

/// The UserGroup family: served by the stateful layer, tested in `family`.
fn family(uid: &str) -> bool {
    uid.starts_with("v1UserAgent_") && uid.contains("UserGroup")
}

struct Fixture {
    suite: Arc<Suite>,
    validators: Validators,
    server: reference::RunningServer,
    client: reqwest::Client,
}

async fn fixture() -> Fixture {
    let suite = Arc::new(
        Suite::load(SuitePaths::under(Path::new(env!("CARGO_MANIFEST_DIR"))))
            .expect("the suite loads"),
    );
    let validators = Validators::new(suite.clone()).expect("validators");
    // Every derived schema compiles.
    validators.compile_all().expect("every schema compiles");
    let mut config = Config::with_defaults();
    config.catalogue = Arc::new(soconform::launch::catalogue_of(&suite));
    let server = reference::start(config, "127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("server starts");
    Fixture {
        suite,
        validators,
        server,
        client: reqwest::Client::new(),
    }
}

/// The query a call needs: its integer parameters (keys) set to `key`, others to a word.
fn query(e: &Endpoint, key: &str) -> String {
    let parts: Vec<String> = e
        .description
        .query_parameters
        .iter()
        .filter(|q| q.name != "$select" && q.required)
        .map(|q| {
            let int = matches!(
                q.type_name.as_str(),
                "int32" | "int64" | "int16" | "Integer"
            );
            format!("{}={}", q.name, if int { key } else { "soconform" })
        })
        .collect();
    parts.join("&")
}

impl Fixture {
    async fn post(
        &self,
        e: &Endpoint,
        query: &str,
        accept: Option<&str>,
        auth: bool,
    ) -> (u16, Option<String>, Vec<u8>) {
        let mut url = format!(
            "{}{}",
            self.server.base_url().trim_end_matches("/api"),
            e.description.path
        );
        if !query.is_empty() {
            url = format!("{url}?{query}");
        }
        let mut req = self.client.post(&url);
        if auth {
            req = req.header("Authorization", BASIC);
        }
        if let Some(a) = accept {
            req = req.header("Accept", a);
        }
        if let Some(schema) = &e.request_schema {
            req = req
                .header("Content-Type", "application/json")
                .body(soconform::example::value_of(schema).to_string());
        }
        let res = req.send().await.expect("answered");
        let status = res.status().as_u16();
        let ct = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(String::from);
        (status, ct, res.bytes().await.expect("body").to_vec())
    }
}

#[tokio::test]
async fn every_derived_endpoint_answers_its_own_schema_under_every_accept_type() {
    let f = fixture().await;
    let mut checked = 0;
    let mut shapes = std::collections::BTreeSet::new();
    for (uid, e) in &f.suite.endpoints {
        if family(uid) {
            continue;
        }
        let d = &e.description;
        let accepts: Vec<&str> = if d.accept_types.is_empty() {
            vec!["application/json"]
        } else {
            d.accept_types.iter().map(String::as_str).collect()
        };
        for accept in accepts {
            let (status, ct, body) = f.post(e, &query(e, "5"), Some(accept), true).await;
            let context = format!("{uid} (Accept {accept})");
            if d.response_body.shape == BodyShape::None {
                assert_eq!(status, 204, "{context}");
                assert!(body.is_empty(), "{context}: a 204 has no body");
                shapes.insert("none");
                continue;
            }
            assert_eq!(status, 200, "{context}: {}", String::from_utf8_lossy(&body));
            if vocab::family_of(accept).is_none() {
                // A byte stream in a type of its own (image/png, application/pdf, ...).
                assert_eq!(
                    d.response_body.primitive.as_deref(),
                    Some("byte"),
                    "{context}"
                );
                assert_eq!(
                    ct.as_deref().map(vocab::essence).as_deref(),
                    Some(accept),
                    "{context}"
                );
                assert!(!body.is_empty(), "{context}: the bytes");
                shapes.insert("stream");
                continue;
            }
            let family = ct
                .as_deref()
                .and_then(vocab::family_of)
                .unwrap_or(MediaFamily::Json);
            assert_eq!(
                Some(family),
                vocab::family_of(accept),
                "{context}: answered {ct:?}"
            );
            let decoded = decode::decode(family, &body, &e.response_schema)
                .unwrap_or_else(|err| panic!("{context}: {err}"));
            let v = f.validators.get(uid).expect("validators");
            validators::validate(&v.response, &decoded.value)
                .unwrap_or_else(|err| panic!("{context}: {err}"));
            assert!(!decoded.value.is_null(), "{context}: a record was named");
            shapes.insert(
                match (&d.response_body.shape, d.response_body.primitive.as_deref()) {
                    (BodyShape::Primitive, Some("byte")) => "stream",
                    (BodyShape::Primitive, _) => "primitive",
                    (BodyShape::Array, _) => "array",
                    _ => "object",
                },
            );
            checked += 1;
        }
    }
    assert!(checked > 800, "only {checked} answers checked");
    assert_eq!(
        shapes.into_iter().collect::<Vec<_>>(),
        ["array", "none", "object", "primitive", "stream"]
    );
}

#[tokio::test]
async fn keys_select_auth_and_get_on_every_derived_endpoint() {
    let f = fixture().await;
    for (uid, e) in &f.suite.endpoints {
        if family(uid) {
            continue;
        }
        let d = &e.description;
        // Without credentials: refused.
        let (status, _, _) = f.post(e, &query(e, "5"), None, false).await;
        assert_eq!(status, 401, "{uid} without credentials");
        // GET describes the call, and does not invoke it.
        let url = format!("{}{}", f.server.base_url().trim_end_matches("/api"), d.path);
        let res = f.client.get(&url).send().await.expect("answered");
        assert_eq!(res.status().as_u16(), 200, "{uid} GET");
        assert!(
            res.text().await.expect("text").contains(&d.title),
            "{uid} GET"
        );
        let keyed = d
            .query_parameters
            .iter()
            .any(|q| q.required && q.type_name == "int32");
        if keyed && d.response_body.shape != BodyShape::None {
            // The agents page's examples: a key that names nothing, a key that is none.
            let (status, _, body) = f.post(e, &query(e, "9999"), None, true).await;
            assert_eq!((status, body.as_slice()), (200, &b"null"[..]), "{uid} 9999");
            let (status, _, _) = f.post(e, &query(e, "glops"), None, true).await;
            assert_eq!(status, 400, "{uid} glops");
        }
        // `$select` of one documented property nulls the others.
        let carrier = d.response_body.shape == BodyShape::Object
            && d.response_body.carrier.is_some()
            && d.select_parameter().is_some();
        if let (true, Some(first)) = (carrier, d.response_body.properties.first()) {
            let q = [query(e, "5"), format!("$select={}", first.name)]
                .into_iter()
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
                .join("&");
            let (status, _, body) = f.post(e, &q, Some("application/json"), true).await;
            assert_eq!(status, 200, "{uid} $select");
            let v: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
            validators::validate(&f.validators.get(uid).expect("v").select, &v)
                .unwrap_or_else(|err| panic!("{uid} $select: {err}"));
            let others_null = v
                .as_object()
                .expect("an object")
                .iter()
                .all(|(k, x)| k == &first.name || x.is_null());
            assert!(others_null, "{uid} $select={}: {v}", first.name);
        }
    }
}

#[tokio::test]
async fn a_key_is_echoed_and_a_stream_is_base64() {
    let f = fixture().await;
    let e = f
        .suite
        .endpoint("v1ContactAgent_GetContactEntity")
        .expect("GetContactEntity");
    let (status, _, body) = f
        .post(e, "contactEntityId=123", Some("application/json"), true)
        .await;
    assert_eq!(status, 200);
    let v: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
    assert_eq!(v["ContactId"], 123, "the key in the primary key: {v}");
    let image = f
        .suite
        .endpoint("v1PersonAgent_GetPersonImage")
        .expect("GetPersonImage");
    let (status, _, body) = f.post(image, "", Some("application/json"), true).await;
    assert_eq!(status, 200);
    let v: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
    use base64::Engine as _;
    let text = v.as_str().expect("a string");
    assert!(base64::engine::general_purpose::STANDARD
        .decode(text)
        .is_ok());
}
