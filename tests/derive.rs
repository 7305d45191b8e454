//! The docs compiler against the vendored documentation pages in `spec/`: samples validate
//! (and broken copies do not), the checked-in `schemas/` are what `derive` produces today,
//! both generations of the SaveUserGroup page agree, and pages that are not in the
//! reference format are clear errors.

use serde_json::{json, Value};
use soconform::cli::derive::{default_pages, load};
use soconform::description::{BodyShape, EndpointDescription};
use soconform::schema::{self, openapi, Derivation, DerivedEndpoint, Source};
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn spec_dir() -> PathBuf {
    root().join("spec")
}

fn spec_file(name: &str) -> PathBuf {
    spec_dir().join(name)
}

/// The UserGroup family, whose pages every derivation of spec/ holds.
const FAMILY: [&str; 6] = [
    "v1UserAgent_CreateUserGroup",
    "v1UserAgent_DeleteUserGroup",
    "v1UserAgent_GetAllUserGroups",
    "v1UserAgent_GetUserGroup",
    "v1UserAgent_GetUserGroupList",
    "v1UserAgent_SaveUserGroup",
];

fn all_pages() -> Vec<PathBuf> {
    default_pages(&spec_dir()).expect("spec pages")
}

fn reference_pages() -> Vec<PathBuf> {
    all_pages()
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect()
}

fn carrier_pages() -> Vec<PathBuf> {
    all_pages()
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "yml"))
        .collect()
}

fn derive(paths: &[PathBuf]) -> Derivation {
    let sources = load(paths).expect("pages load");
    schema::derive(&sources).unwrap_or_else(|e| panic!("derive failed: {e}"))
}

/// One reference page with every carrier page: exactly one endpoint.
fn derive_one(page: &Path) -> DerivedEndpoint {
    let mut paths = carrier_pages();
    paths.push(page.to_path_buf());
    let d = derive(&paths);
    assert_eq!(d.endpoints.len(), 1, "{}", page.display());
    d.endpoints[0].clone()
}

fn validator(schema: &Value) -> jsonschema::Validator {
    jsonschema::draft202012::options()
        .build(schema)
        .expect("derived schema compiles")
}

fn errors(schema: &Value, instance: &Value) -> Vec<String> {
    validator(schema)
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

fn body_json(d: &EndpointDescription, request: bool) -> Option<Value> {
    let sample = if request {
        d.sample_request.as_ref()
    } else {
        d.sample_response.as_ref()
    }?;
    let body = sample.body.as_ref()?;
    Some(serde_json::from_str(body).unwrap_or_else(|e| {
        panic!("{}: sample body is not JSON: {e}", d.uid);
    }))
}

#[test]
fn every_sample_validates_against_its_own_page() {
    let mut checked = 0;
    for page in reference_pages() {
        let e = derive_one(&page);
        let d = &e.description;
        if let Some(body) = body_json(d, true) {
            let schema = e.request_schema.as_ref().unwrap_or_else(|| {
                panic!(
                    "{}: sample request body but no request schema",
                    page.display()
                )
            });
            let errs = errors(schema, &body);
            assert!(
                errs.is_empty(),
                "{}: sample request: {errs:?}",
                page.display()
            );
            checked += 1;
        }
        let Some(body) = body_json(d, false) else {
            // A 204 has no body; the newest pages' samples are `[!include]`s of files
            // that are not copied (spec/SOURCES.md names those five).
            assert!(
                d.response_body.shape == BodyShape::None || includes_its_samples(&page),
                "{}: no sample response body",
                page.display()
            );
            continue;
        };
        let errs = errors(&e.response_schema, &body);
        assert!(
            errs.is_empty(),
            "{}: sample response: {errs:?}",
            page.display()
        );
        let errs = errors(&e.response_select_schema, &body);
        assert!(
            errs.is_empty(),
            "{}: sample response ($select): {errs:?}",
            page.display()
        );
        checked += 1;
    }
    // Every sample response of the 194 agent pages (and the older SaveUserGroup page), and
    // every sample request body.
    assert!(checked > 300, "only {checked} samples checked");
}

/// A page whose samples are `[!include]` directives (the newest generation).
fn includes_its_samples(page: &Path) -> bool {
    std::fs::read_to_string(page).is_ok_and(|t| t.contains("[!include["))
}

/// A UserGroup object inside a response body: the body itself or the first array item.
fn usergroup_mut(body: &mut Value) -> &mut Value {
    if body.is_array() {
        &mut body[0]
    } else {
        body
    }
}

#[test]
fn broken_copies_of_the_samples_do_not_validate() {
    type Break = (&'static str, fn(&mut Value));
    let breaks: &[Break] = &[
        ("Id as a string", |u| u["Id"] = json!("244")),
        ("Id as a fraction", |u| u["Id"] = json!(1.5)),
        ("Id beyond int32", |u| u["Id"] = json!(2147483648_i64)),
        ("Deleted as 0", |u| u["Deleted"] = json!(0)),
        ("Deleted as \"false\"", |u| u["Deleted"] = json!("false")),
        ("Rank removed", |u| {
            u.as_object_mut().map(|o| o.remove("Rank"));
        }),
        ("Rank as null", |u| u["Rank"] = Value::Null),
        ("Value as a number", |u| u["Value"] = json!(7)),
        ("FieldProperties as an array", |u| {
            u["FieldProperties"] = json!([])
        }),
        ("FieldProperty as a string", |u| {
            u["FieldProperties"]["fieldName"] = json!("System.Int32")
        }),
        ("FieldLength as a string", |u| {
            u["FieldProperties"]["fieldName"]["FieldLength"] = json!("10")
        }),
        ("TableRight.Mask a non-flag word", |u| {
            u["TableRight"] = json!({"Mask": "Everything", "Reason": ""})
        }),
        ("TableRight without Reason", |u| {
            u["TableRight"] = json!({"Mask": "Select"})
        }),
        ("FieldRight.Mask FULL (not an EFieldRight)", |u| {
            u["FieldProperties"]["fieldName"]["FieldRight"] = json!({"Mask": "FULL", "Reason": ""})
        }),
    ];
    for page in reference_pages() {
        let e = derive_one(&page);
        if e.description.response_body.carrier.as_deref() != Some("UserGroup") {
            continue;
        }
        let body = body_json(&e.description, false).expect("sample response");
        for (what, f) in breaks {
            let mut broken = body.clone();
            f(usergroup_mut(&mut broken));
            assert!(
                !errors(&e.response_schema, &broken).is_empty(),
                "{}: {what} validates",
                page.display()
            );
        }
        // Under $select any carrier property may be null, but not of the wrong type.
        let mut nulled = body.clone();
        usergroup_mut(&mut nulled)["Rank"] = Value::Null;
        assert!(errors(&e.response_select_schema, &nulled).is_empty());
        let mut wrong = body.clone();
        usergroup_mut(&mut wrong)["Id"] = json!("244");
        assert!(!errors(&e.response_select_schema, &wrong).is_empty());
        // The flag strings the docs show elsewhere do validate.
        let mut rights = body.clone();
        let u = usergroup_mut(&mut rights);
        u["TableRight"] = json!({"Mask": "RI, RestrictedUpdate", "Reason": ""});
        u["FieldProperties"]["fieldName"]["FieldRight"] =
            json!({"Mask": "Update, UIHintMandatory", "Reason": "[SR_MANDATORY_FIELD_1281]"});
        let errs = errors(&e.response_schema, &rights);
        assert!(errs.is_empty(), "{}: {errs:?}", page.display());
    }

    let request_breaks: &[(&str, Value)] = &[
        (
            "v1UserAgent_SaveUserGroup.current.md",
            json!({"UserGroup": 5}),
        ),
        (
            "v1UserAgent_SaveUserGroup.current.md",
            json!({"UserGroup": {"Id": "1"}}),
        ),
        (
            "v1UserAgent_SaveUserGroup.current.md",
            json!({"UserGroup": {"Deleted": 1}}),
        ),
        (
            "v1UserAgent_SaveUserGroup.md",
            json!({"UserGroup": {"Rank": "1"}}),
        ),
        (
            "v1UserAgent_DeleteUserGroup.md",
            json!({"UserGroupToDelete": "358"}),
        ),
        (
            "v1UserAgent_GetAllUserGroups.md",
            json!({"IncludeDeleted": 0}),
        ),
        ("v1UserAgent_SaveUserGroup.current.md", json!([])),
    ];
    for (page, body) in request_breaks {
        let e = derive_one(&spec_file(page));
        let schema = e.request_schema.expect("request schema");
        assert!(
            !errors(&schema, body).is_empty(),
            "{page}: {body} validates"
        );
    }
    // Requests need not carry every property.
    let e = derive_one(&spec_file("v1UserAgent_SaveUserGroup.current.md"));
    let schema = e.request_schema.expect("request schema");
    let partial = json!({"UserGroup": {"Value": "Sales", "Tooltip": null, "Id": 0, "Rank": 3, "Deleted": false}});
    assert!(errors(&schema, &partial).is_empty());
}

#[test]
fn checked_in_schemas_are_what_derive_produces_today() {
    let derivation = derive(&all_pages());
    let dir = root().join("schemas");
    let mut problems = Vec::new();
    let mut expected = Vec::new();
    for (name, content) in derivation.files() {
        match std::fs::read_to_string(dir.join(&name)) {
            Ok(existing) if existing == content => {}
            Ok(_) => problems.push(format!("differs: schemas/{name}")),
            Err(_) => problems.push(format!("missing: schemas/{name}")),
        }
        expected.push(name);
    }
    let entries = std::fs::read_dir(&dir).expect("schemas/ exists");
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !expected.contains(&name) {
            problems.push(format!("not produced by derive: schemas/{name}"));
        }
    }
    assert!(
        problems.is_empty(),
        "schemas/ is out of date with spec/:\n  {}\nRun `cargo run -- derive` and commit schemas/.",
        problems.join("\n  ")
    );
    // One endpoint per agent page: the whole User, Contact and Person agents.
    let uids: Vec<&str> = derivation
        .endpoints
        .iter()
        .map(|e| e.description.uid.as_str())
        .collect();
    assert_eq!(uids.len(), 194, "96 User, 36 Contact and 62 Person pages");
    for family in FAMILY {
        assert!(uids.contains(&family), "{family}");
    }
    // The files parse back into the contract types.
    for e in &derivation.endpoints {
        let text =
            std::fs::read_to_string(dir.join(format!("{}.endpoint.json", e.description.uid)))
                .expect("endpoint file");
        let back: EndpointDescription = serde_json::from_str(&text).expect("EndpointDescription");
        assert_eq!(back, e.description);
    }
}

#[test]
fn both_generations_of_save_user_group_derive_the_same() {
    let older = derive_one(&spec_file("v1UserAgent_SaveUserGroup.md"));
    let current = derive_one(&spec_file("v1UserAgent_SaveUserGroup.current.md"));
    assert_eq!(older.request_schema, current.request_schema);
    assert_eq!(older.response_schema, current.response_schema);
    assert_eq!(older.response_select_schema, current.response_select_schema);
    assert_eq!(
        schema::render(&older.response_schema),
        schema::render(&current.response_schema)
    );

    // The descriptions agree except where the older generation leaves cells blank, and in
    // the random sample values.
    let (mut o, mut c) = (older.description, current.description);
    assert_eq!(o.response_body.carrier.as_deref(), Some("UserGroup"));
    let o_rows: Vec<(String, Option<String>, String)> = o
        .request_body
        .iter()
        .flat_map(|r| &r.properties)
        .chain(&o.response_body.properties)
        .map(|p| (p.name.clone(), p.type_name.clone(), p.description.clone()))
        .collect();
    let blanks: Vec<(&str, bool, bool)> = o_rows
        .iter()
        .filter(|(_, t, d)| t.is_none() || d.is_empty())
        .map(|(n, t, d)| (n.as_str(), t.is_none(), d.is_empty()))
        .collect();
    assert_eq!(
        blanks,
        vec![
            ("UserGroup", true, false),
            ("TableRight", true, true),
            ("FieldProperties", false, true),
        ]
    );
    for d in [&mut o, &mut c] {
        for p in d
            .request_body
            .iter_mut()
            .flat_map(|r| r.properties.iter_mut())
            .chain(d.response_body.properties.iter_mut())
        {
            p.type_name = None;
            p.description.clear();
        }
        for s in [d.sample_request.as_mut(), d.sample_response.as_mut()]
            .into_iter()
            .flatten()
        {
            s.body = None;
            s.headers.retain(|(n, _)| n != "Accept-Language");
        }
    }
    assert_eq!(o, c);

    // Derived together, they are one endpoint, written once, from the fuller page.
    let together = derive(&all_pages());
    let save = together
        .endpoints
        .iter()
        .find(|e| e.description.uid == "v1UserAgent_SaveUserGroup")
        .expect("SaveUserGroup");
    assert_eq!(save.sources.len(), 2);
    assert_eq!(
        save.description,
        derive_one(&spec_file("v1UserAgent_SaveUserGroup.current.md")).description
    );
}

#[test]
fn every_reference_page_derives_on_its_own() {
    for page in reference_pages() {
        let sources = load(std::slice::from_ref(&page)).expect("loads");
        let d =
            schema::derive(&sources).unwrap_or_else(|e| panic!("{} alone: {e}", page.display()));
        assert_eq!(d.endpoints.len(), 1);
        let e = &d.endpoints[0];
        // Without carrier pages, TableRight (where named) is an open object and a warning.
        if e.description.response_body.carrier.as_deref() == Some("UserGroup") {
            assert!(e
                .description
                .unresolved_types
                .contains(&"TableRight".to_string()));
            assert!(d
                .warnings
                .iter()
                .any(|w| w.message.contains("`TableRight`")));
        }
        let Some(body) = body_json(&e.description, false) else {
            continue;
        };
        let errs = errors(&e.response_schema, &body);
        assert!(errs.is_empty(), "{} alone: {errs:?}", page.display());
    }
}

#[test]
fn pages_not_in_the_reference_format_are_errors_naming_file_and_line() {
    let cases = [
        ("agents-webapi.md", 15),
        ("http-headers.md", 12),
        ("rest-webapi.md", 13),
        ("use-x-xsrf-token.md", 12),
        ("web-services-index.md", 13),
        ("README.md", 1),
        ("SOURCES.md", 1),
    ];
    for (name, line) in cases {
        let path = spec_file(name);
        let sources: Vec<Source> = load(std::slice::from_ref(&path)).expect("loads");
        let e = schema::derive(&sources).expect_err(name);
        let msg = e.to_string();
        let prefix = format!("{}:{line}: expected ", path.display());
        assert!(msg.starts_with(&prefix), "{name}: {msg}");
    }
}

#[test]
fn the_command_writes_checks_and_fails_as_documented() {
    let bin = env!("CARGO_BIN_EXE_soconform");
    let tmp = std::env::temp_dir().join(format!("soconform-derive-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);

    // --check against the checked-in schemas: up to date.
    let out = Command::new(bin)
        .current_dir(root())
        .args(["derive", "--check"])
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    // --check against an empty directory: every file is listed, exit 1, nothing written.
    let out = Command::new(bin)
        .current_dir(root())
        .args(["derive", "--check", "--out"])
        .arg(&tmp)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("missing: ")
            && stdout.contains("v1UserAgent_SaveUserGroup.response.schema.json")
    );
    assert!(!tmp.exists());

    // Writing, with warnings on stderr and exit 0; then --check passes.
    let out = Command::new(bin)
        .current_dir(root())
        .args(["derive", "--out"])
        .arg(&tmp)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("warning: spec/v1UserAgent_DeleteUserGroup.md:61: type `TimeZoneData`"),
        "{stderr}"
    );
    let out = Command::new(bin)
        .current_dir(root())
        .args(["derive", "--check", "--out"])
        .arg(&tmp)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let _ = std::fs::remove_dir_all(&tmp);

    // A general page given explicitly: exit 2 naming file and line.
    let out = Command::new(bin)
        .current_dir(root())
        .args(["derive", "--check", "spec/agents-webapi.md"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("spec/agents-webapi.md:15: expected the title heading"),
        "{stderr}"
    );

    // openapi: stdout by default, --out FILE otherwise; the same document either way.
    let out = Command::new(bin)
        .current_dir(root())
        .arg("openapi")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let printed: Value = serde_json::from_slice(&out.stdout).expect("openapi prints JSON");
    let file = std::env::temp_dir().join(format!("soconform-openapi-{}.json", std::process::id()));
    let out = Command::new(bin)
        .current_dir(root())
        .args(["openapi", "--out"])
        .arg(&file)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(&file).expect("written")).expect("JSON");
    let _ = std::fs::remove_file(&file);
    assert_eq!(printed, written);
    assert_eq!(printed["openapi"], "3.1.0");
}

/// Resolves a local `#/a/b` pointer in `doc`.
fn resolve<'a>(doc: &'a Value, reference: &str) -> Option<&'a Value> {
    doc.pointer(reference.strip_prefix('#')?)
}

fn refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                match (k.as_str(), v) {
                    ("$ref", Value::String(r)) => out.push(r.clone()),
                    _ => refs(v, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

#[test]
fn openapi_document_has_the_paths_and_every_ref_resolves() {
    let derivation = derive(&all_pages());
    let doc = openapi::document(&derivation).expect("openapi");
    let text = schema::render(&doc);
    let doc: Value = serde_json::from_str(&text).expect("valid JSON");
    assert_eq!(doc["openapi"], "3.1.0");
    let paths: Vec<&String> = doc["paths"].as_object().expect("paths").keys().collect();
    assert_eq!(paths.len(), derivation.endpoints.len());
    assert_eq!(
        FAMILY
            .iter()
            .filter(|f| paths
                .iter()
                .any(|p| p.ends_with(&f.replace("v1UserAgent_", "User/"))))
            .count(),
        FAMILY.len()
    );
    let save = &doc["paths"]["/api/v1/Agents/User/SaveUserGroup"]["post"];
    let request_types: Vec<&String> = save["requestBody"]["content"]
        .as_object()
        .expect("request content")
        .keys()
        .collect();
    assert_eq!(request_types.len(), 7);
    assert!(request_types
        .iter()
        .any(|t| *t == "application/x-www-form-urlencoded"));
    let response_types = save["responses"]["200"]["content"]
        .as_object()
        .expect("content");
    assert_eq!(response_types.len(), 6);
    assert!(!response_types.contains_key("application/x-www-form-urlencoded"));
    assert_eq!(save["parameters"][0]["name"], "$select");
    assert_eq!(
        save["security"],
        json!([{"basic": []}, {"SoTicket": []}, {"bearer": []}, {"XSRF": []}])
    );
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(
        schemes["SoTicket"],
        json!({"type": "http", "scheme": "SoTicket", "description": schemes["SoTicket"]["description"], "x-soconform-source": schemes["SoTicket"]["x-soconform-source"]})
    );
    for (name, scheme) in schemes.as_object().expect("schemes") {
        assert!(
            scheme["x-soconform-source"]["quote"].is_string(),
            "security scheme {name} names its sentence"
        );
    }
    assert_eq!(schemes["XSRF"]["in"], "header");
    // Every sentence the export cites from a page of spec/ is on that page, in its section.
    let mut cited = Vec::new();
    sources(&doc, &mut cited);
    assert!(cited.len() > 30, "{} citations", cited.len());
    for (page, section, quote) in &cited {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("spec")
            .join(page);
        let Ok(text) = std::fs::read_to_string(&path) else {
            assert!(
                page.starts_with("RFC "),
                "x-soconform-source names {page}, not in spec/"
            );
            continue;
        };
        if let Some(q) = quote {
            assert!(text.contains(q.as_str()), "{page} does not say {q:?}");
        }
        let plain = section.trim_end_matches(':');
        assert!(
            text.contains(plain) || page.ends_with(".yml"),
            "{page} has no section {section:?}"
        );
    }
    assert_eq!(schemes["XSRF"]["name"], "X-XSRF-TOKEN");
    let get = &doc["paths"]["/api/v1/Agents/User/GetUserGroup"]["post"];
    assert_eq!(get["parameters"][0]["name"], "userGroupId");
    assert_eq!(get["parameters"][0]["required"], true);
    assert_eq!(get["parameters"][0]["schema"]["type"], "integer");
    assert!(
        doc["paths"]["/api/v1/Agents/User/DeleteUserGroup"]["post"]["responses"]["204"]
            .get("content")
            .is_none()
    );

    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(all.len() > 20);
    for r in &all {
        assert!(r.starts_with("#/components/schemas/"), "{r}");
        assert!(resolve(&doc, r).is_some(), "unresolved $ref {r}");
    }
    // The component schemas still validate the samples.
    let component = |name: &str| -> Value {
        let mut s = doc["components"]["schemas"][name].clone();
        s["components"] = doc["components"].clone();
        s
    };
    let sample: Value = serde_json::from_str(
        derivation
            .endpoints
            .iter()
            .find(|e| e.description.uid == "v1UserAgent_SaveUserGroup")
            .expect("SaveUserGroup")
            .description
            .sample_response
            .as_ref()
            .and_then(|s| s.body.as_deref())
            .expect("sample"),
    )
    .expect("json");
    let s = component("v1UserAgent_SaveUserGroup.response");
    assert!(errors(&s, &sample).is_empty());
    assert!(errors(&s, &Value::Null).is_empty(), "the NULL result");

    // The whole documented surface (issue 16).
    let save_path = &doc["paths"]["/api/v1/Agents/User/SaveUserGroup"];
    assert_eq!(
        save_path["get"]["responses"]["200"]["content"]["text/plain"]["schema"]["type"], "string",
        "GET describes the call"
    );
    assert_eq!(
        save_path["get"]["x-soconform-source"]["page"],
        "agents-webapi.md"
    );
    for status in ["200", "400", "401"] {
        assert!(save["responses"].get(status).is_some(), "status {status}");
    }
    let ok = &save["responses"]["200"]["content"]["application/json"];
    let alternatives = ok["schema"]["anyOf"].to_string();
    for part in [".response\"", ".response-select\""] {
        assert!(
            alternatives.contains(part),
            "200 admits {part}: {alternatives}"
        );
    }
    // The response schema itself admits the NULL result and the internal error object,
    // and still no carrier with a wrong type.
    let error_object = json!({"Message": "The request is invalid.", "MessageDetail": "x"});
    assert!(errors(&s, &error_object).is_empty());
    assert!(!errors(&s, &json!({"Message": "x", "Id": "5"})).is_empty());
    assert_eq!(
        ok["example"]["Tooltip"], "quia",
        "the page's sample response"
    );
    let body = &save["requestBody"]["content"];
    assert_eq!(
        body["application/json"]["example"],
        json!({"UserGroup": null})
    );
    let form = component(
        body["application/x-www-form-urlencoded"]["schema"]["$ref"]
            .as_str()
            .expect("form ref")
            .trim_start_matches("#/components/schemas/"),
    );
    assert!(form["properties"]["UserGroup.Value"].is_object(), "{form}");
    assert!(errors(&form, &json!({"UserGroup.Value": "x", "UserGroup.Id": 5})).is_empty());
    assert!(!errors(&form, &json!({"UserGroup.Id": "five"})).is_empty());
    assert!(
        !errors(&form, &json!({"UserGroup.Value": "a\u{1}b"})).is_empty(),
        "XML chars"
    );
    let xml = resolve(
        &doc,
        body["application/xml"]["schema"]["$ref"]
            .as_str()
            .expect("xml ref"),
    )
    .expect("xml component");
    // The data-contract root the suite sends first.
    assert_eq!(xml["xml"]["name"], "SaveUserGroup");
    assert_eq!(
        xml["xml"]["namespace"],
        "http://www.superoffice.net/ws/crm/NetServer/Services88"
    );
    let merge = component(
        body["application/merge-patch+json"]["schema"]["allOf"][0]["$ref"]
            .as_str()
            .expect("merge ref")
            .trim_start_matches("#/components/schemas/"),
    );
    let json_body = component("v1UserAgent_SaveUserGroup.request");
    let nulled = json!({"UserGroup": {"Id": null, "Deleted": null}});
    assert!(errors(&merge, &nulled).is_empty(), "RFC 7396: null removes");
    assert!(!errors(&json_body, &nulled).is_empty());
    let rights = doc["components"]["schemas"].to_string();
    assert!(rights.contains("\"readOnly\":true"));
    let list = component("v1UserAgent_GetUserGroupList.request");
    assert!(errors(&list, &json!([1, 2])).is_empty());
    assert!(!errors(&list, &json!([1, null])).is_empty());
    // No more than the docs promise: no negative primary key, no null body.
    assert!(!errors(&list, &json!([-1])).is_empty(), "a negative key");
    let inline = |v: &Value| -> Value {
        let mut s = v.clone();
        s["components"] = doc["components"].clone();
        s
    };
    let json_schema = inline(&body["application/json"]["schema"]);
    assert!(
        !errors(&json_schema, &Value::Null).is_empty(),
        "a null body"
    );
    assert!(!errors(&json_body, &json!({"UserGroup": {"Id": -2147483647}})).is_empty());
    assert!(errors(&json_body, &json!({"UserGroup": {"Id": 0}})).is_empty());
    // The page's own sample request sends a null carrier: that stays.
    assert!(errors(&json_schema, &json!({"UserGroup": null})).is_empty());
    let delete = inline(
        &doc["paths"]["/api/v1/Agents/User/DeleteUserGroup"]["post"]["requestBody"]["content"]
            ["application/merge-patch+json"]["schema"],
    );
    assert!(
        !errors(&delete, &Value::Null).is_empty(),
        "a null merge patch"
    );
    assert!(
        doc["paths"]["/api/v1/Agents/User/DeleteUserGroup"]["post"]["responses"]["200"]
            .get("content")
            .is_some(),
        "DeleteUserGroup's 200 with the internal error object"
    );
}

/// Every `x-soconform-source` in `v`: page, section and quote.
fn sources(v: &Value, out: &mut Vec<(String, String, Option<String>)>) {
    match v {
        Value::Object(m) => {
            if let Some(s) = m.get("x-soconform-source") {
                out.push((
                    s["page"].as_str().unwrap_or_default().to_string(),
                    s["section"].as_str().unwrap_or_default().to_string(),
                    s["quote"].as_str().map(str::to_string),
                ));
            }
            m.values().for_each(|v| sources(v, out));
        }
        Value::Array(a) => a.iter().for_each(|v| sources(v, out)),
        _ => {}
    }
}

#[test]
fn derived_schemas_are_valid_json_schema_2020_12() {
    for e in derive(&all_pages()).endpoints {
        for s in [
            e.request_schema.as_ref(),
            Some(&e.response_schema),
            Some(&e.response_select_schema),
        ]
        .into_iter()
        .flatten()
        {
            if let Err(err) = jsonschema::draft202012::meta::validate(s) {
                panic!("{}: {err}", e.description.uid);
            }
        }
    }
}

#[test]
fn one_unreadable_page_never_stops_the_others() {
    let dir = std::env::temp_dir().join(format!("soconform-derive-bad-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("mkdir");
    let bad = dir.join("v1XAgent_Broken.md");
    std::fs::write(
        &bad,
        "---\ntitle: POST Agents/X/Broken\nuid: v1XAgent_Broken\n---\n\n# POST Agents/X/Broken\n\nno route block here\n",
    )
    .expect("write");
    let out_dir = dir.join("out");
    let out = Command::new(env!("CARGO_BIN_EXE_soconform"))
        .arg("derive")
        .arg("--out")
        .arg(&out_dir)
        .arg(&bad)
        .arg(spec_dir().join("v1ContactAgent_GetContact.md"))
        .arg(spec_dir().join("v1PersonAgent_GetPerson.md"))
        .output()
        .expect("derive runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    // The page, its line and what was expected.
    assert!(
        stderr.contains("v1XAgent_Broken.md:8: expected the route block"),
        "{stderr}"
    );
    for uid in ["v1ContactAgent_GetContact", "v1PersonAgent_GetPerson"] {
        assert!(
            out_dir.join(format!("{uid}.endpoint.json")).is_file(),
            "{uid} derived all the same"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
