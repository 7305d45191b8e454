//! Format variations of reference pages and what they derive to.

use super::*;
use crate::docs::page::tests::page_with;

fn spec(name: &str) -> Source {
    let path = format!("{}/../../spec/{name}", env!("CARGO_MANIFEST_DIR"));
    Source {
        name: format!("spec/{name}"),
        text: std::fs::read_to_string(&path).expect("spec page"),
    }
}

/// Every carrier and enum page in `spec/`.
fn carrier_pages() -> Vec<Source> {
    [
        "Carrier",
        "UserGroup",
        "TableRight",
        "ETableRight",
        "FieldPropertyDictionary",
        "FieldProperty",
        "FieldRight",
        "EFieldRight",
    ]
    .iter()
    .map(|n| spec(&format!("SuperOffice.WebApi.Data.{n}.yml")))
    .collect()
}

fn md(text: String) -> Source {
    Source {
        name: "t.md".into(),
        text,
    }
}

fn one(sources: &[Source]) -> (DerivedEndpoint, Vec<Warning>) {
    let d = derive(sources).expect("derives");
    assert_eq!(d.endpoints.len(), 1);
    (d.endpoints[0].clone(), d.warnings)
}

fn valid(schema: &Value, instance: &Value) -> bool {
    jsonschema::draft202012::options()
        .build(schema)
        .expect("schema compiles")
        .is_valid(instance)
}

const HEADERS: &str = "## Request Headers\n\n| Parameter Name | Description |\n|----------------|-------------|\n| Authorization  | Supports 'Basic', 'SoTicket' and 'Bearer' schemes, depending on installation type. |\n| X-XSRF-TOKEN   | If not using Authorization header, you must provide XSRF value from cookie or hidden input field |\n| Accept         | Content-type(s) you would like the response in:  |\n\n";

const OK: &str =
    "OK\n\n| Response | Description |\n|----------------|-------------|\n| 200 | OK |\n";

const USERGROUP_ROWS: &str = "| Property Name | Type |  Description |\n|----------------|------|--------------|\n| Value | string | UserGroup name |\n| Tooltip | string | Tooltip or other description |\n| Id | int32 | Primary key |\n| Rank | int32 | Rank order |\n| Deleted | bool | Deleted |\n| TableRight | TableRight | The carrier's table right |\n| FieldProperties | object | Field property dictionary |\n";

fn usergroup() -> Value {
    json!({"Value": "v", "Tooltip": null, "Id": 1, "Rank": 2, "Deleted": false,
        "TableRight": {"Mask": "RI, RestrictedUpdate", "Reason": ""},
        "FieldProperties": {"Name": {"FieldRight": {"Mask": "Update UIHintMandatory", "Reason": null},
            "FieldType": "System.String", "FieldLength": 239}}})
}

#[test]
fn empty_accept_cell_and_missing_content_type_row() {
    let (e, _) = one(&[md(page_with(&format!("{HEADERS}## Response:\n\n{OK}")))]);
    let d = &e.description;
    assert!(d.accept_types.is_empty());
    assert!(d.request_content_types.is_empty());
    assert_eq!(d.auth_schemes, vec!["Basic", "SoTicket", "Bearer"]);
    assert_eq!(d.xsrf_header.as_deref(), Some("X-XSRF-TOKEN"));
    assert!(d.request_body.is_none());
    assert!(e.request_schema.is_none());
    assert_eq!(d.schemas.request, None);
}

#[test]
fn heading_and_plain_line_response_body_derive_the_same() {
    let mut pages = carrier_pages();
    pages.push(md(page_with(&format!(
        "## Response:\n\n{OK}\n### Response body: UserGroup\n\n{USERGROUP_ROWS}"
    ))));
    let (named, _) = one(&pages);
    let plain_rows = USERGROUP_ROWS
        .replace(
            "| TableRight | TableRight | The carrier's table right |",
            "| TableRight |  |  |",
        )
        .replace("| Field property dictionary |", "|  |");
    pages.pop();
    pages.push(md(page_with(&format!(
        "## Response: \n\n{OK}\nResponse body: \n\n{plain_rows}"
    ))));
    let (plain, _) = one(&pages);
    assert_eq!(
        plain.description.response_body.carrier.as_deref(),
        Some("UserGroup")
    );
    assert_eq!(
        plain.description.response_body.properties[5].type_name,
        None
    );
    assert_eq!(named.response_schema, plain.response_schema);
    assert_eq!(named.response_select_schema, plain.response_select_schema);
    assert!(valid(&plain.response_schema, &usergroup()));
}

#[test]
fn response_array_with_nested_carriers() {
    let mut pages = carrier_pages();
    pages.push(md(page_with(&format!(
        "## Response:array\n\n{OK}\n### Response body: array\n\n{USERGROUP_ROWS}"
    ))));
    let (e, warnings) = one(&pages);
    assert_eq!(e.description.response_body.shape, BodyShape::Array);
    assert_eq!(
        e.description.response_body.carrier.as_deref(),
        Some("UserGroup")
    );
    // The documented answer, or the agents' NULL result.
    assert!(valid(&e.response_schema, &Value::Null));
    assert_eq!(e.response_schema["anyOf"][0]["type"], "array");
    assert_eq!(
        e.response_schema["anyOf"][0]["items"]["$ref"],
        "#/$defs/UserGroup"
    );
    let s = &e.response_schema;
    for def in [
        "UserGroup",
        "TableRight",
        "ETableRight",
        "FieldPropertyDictionary",
        "FieldProperty",
        "FieldRight",
        "EFieldRight",
    ] {
        assert!(s["$defs"].get(def).is_some(), "missing $defs/{def}");
    }
    assert_eq!(s["$defs"]["ETableRight"]["x-flags"]["RI"], 5);
    assert_eq!(s["$defs"]["EFieldRight"]["x-flags"]["UIHintMandatory"], 64);
    assert!(valid(s, &json!([usergroup(), usergroup()])));
    assert!(valid(s, &json!([])));
    assert!(!valid(s, &json!(usergroup())));
    // Rank: int32 on the page, Int16 on the carrier page: the page wins, with a warning.
    assert!(warnings
        .iter()
        .any(|w| w.message.contains("`UserGroup.Rank` is Int16")));
    let mut big = usergroup();
    big["Rank"] = json!(40000);
    assert!(valid(s, &json!([big])));
}

#[test]
fn mask_wire_format() {
    let mut pages = carrier_pages();
    pages.push(md(page_with(&format!(
        "## Response:\n\n{OK}\n### Response body: UserGroup\n\n{USERGROUP_ROWS}"
    ))));
    let (e, _) = one(&pages);
    let s = &e.response_schema;
    let with_mask = |table: Value, field: Value| {
        let mut u = usergroup();
        u["TableRight"]["Mask"] = table;
        u["FieldProperties"]["Name"]["FieldRight"]["Mask"] = field;
        u
    };
    for (t, f) in [
        (
            json!("RI, RestrictedUpdate"),
            json!("Update, UIHintMandatory"),
        ),
        (json!("Delete"), json!("Read")),
        (json!("Select Update"), json!("Read Write")),
        (json!(""), json!("")),
        (json!("15"), json!("1, 64")),
        (json!(null), json!(null)),
        (json!("FULL"), json!("None")),
    ] {
        assert!(valid(s, &with_mask(t.clone(), f.clone())), "{t} / {f}");
    }
    for (t, f) in [
        (json!("Everything"), json!("Read")),
        (json!("Select"), json!("FULL")), // FULL is an ETableRight, not an EFieldRight
        (json!("SelectUpdate"), json!("Read")),
        (json!("Select,,Update"), json!("Read")),
        (json!(15), json!("Read")),
        (json!("select"), json!("Read")),
    ] {
        assert!(!valid(s, &with_mask(t.clone(), f.clone())), "{t} / {f}");
    }
}

#[test]
fn without_carrier_pages_types_stay_open_with_warnings() {
    let (e, warnings) = one(&[md(page_with(&format!(
        "## Response:\n\n{OK}\n### Response body: UserGroup\n\n{USERGROUP_ROWS}"
    )))]);
    assert_eq!(e.description.unresolved_types, vec!["TableRight"]);
    let s = &e.response_schema;
    assert_eq!(s["$defs"]["TableRight"]["type"], json!(["object", "null"]));
    assert_eq!(
        s["$defs"]["UserGroup"]["properties"]["FieldProperties"]["type"],
        json!(["object", "null"])
    );
    let messages: Vec<&str> = warnings.iter().map(|w| w.message.as_str()).collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("`TableRight` has no page")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("`UserGroup.FieldProperties`: the page says only `object`")),
        "{messages:?}"
    );
    let mut u = usergroup();
    u["TableRight"] = json!({"anything": 1});
    assert!(valid(s, &u));
    u["Rank"] = json!("2");
    assert!(!valid(s, &u));
}

#[test]
fn blank_type_cell_without_carrier_pages() {
    let (e, warnings) = one(&[md(page_with(&format!(
        "## Response: \n\n{OK}\nResponse body: \n\n| Property Name | Type |  Description |\n|---|---|---|\n| Id | int32 | Primary key |\n| Thing |  |  |\n"
    )))]);
    let s = &e.response_schema["anyOf"][0];
    assert_eq!(e.description.response_body.carrier, None);
    assert_eq!(s["type"], "object");
    assert_eq!(s["properties"]["Thing"], json!({}));
    assert_eq!(s["required"], json!(["Id", "Thing"]));
    assert!(
        warnings
            .iter()
            .any(|w| w.line == 27 && w.message.contains("blank")),
        "{warnings:?}"
    );
    // The select variant nulls out an inline root object too.
    assert!(valid(
        &e.response_select_schema,
        &json!({"Id": null, "Thing": null})
    ));
    assert!(!valid(s, &json!({"Id": null, "Thing": null})));
}

#[test]
fn blank_request_cell_resolved_from_its_description() {
    let mut pages = carrier_pages();
    pages.push(md(page_with(&format!(
        "## Request Body: request  \n\nUserGroup \n\n| Property Name | Type |  Description |\n|---|---|---|\n| UserGroup |  | The main user group <para /> Carrier object for UserGroup. Services ... |\n\n## Response:\n\n{OK}"
    ))));
    let (e, _) = one(&pages);
    let r = e.request_schema.expect("request schema");
    assert_eq!(
        r["properties"]["UserGroup"]["anyOf"][0]["$ref"],
        "#/$defs/UserGroup"
    );
    assert!(r["$defs"]["UserGroup"].get("required").is_none());
    assert!(valid(&r, &json!({"UserGroup": null})));
    assert!(valid(&r, &json!({"UserGroup": {"Value": "x"}})));
    assert!(!valid(&r, &json!({"UserGroup": {"Id": "1"}})));
}

#[test]
fn primitive_response() {
    let (e, _) = one(&[md(page_with(&format!(
        "## Request Body: request \n\nNewsFeedItemId \n\n| Property Name | Type |  Description |\n|---|---|---|\n| NewsFeedItemId | Integer |  |\n\n## Response:bool\n\n{OK}\n### Response body: bool\n"
    )))]);
    let d = &e.description;
    assert_eq!(d.response_body.shape, BodyShape::Primitive);
    assert_eq!(d.response_body.primitive.as_deref(), Some("bool"));
    assert!(valid(&e.response_schema, &json!(true)));
    assert!(!valid(&e.response_schema, &json!("true")));
    let r = e.request_schema.expect("request");
    assert!(valid(&r, &json!({"NewsFeedItemId": 5})));
    assert!(!valid(&r, &json!({"NewsFeedItemId": 2147483648_i64})));
}

#[test]
fn no_content_response() {
    let (e, warnings) = one(&[md(page_with(
        "## Response:\n\nNo Content\n\n| Response | Description |\n|---|---|\n| 204 | No Content |\n\n### Response body: TimeZoneData\n\n",
    ))]);
    assert_eq!(e.description.response_body.shape, BodyShape::None);
    assert_eq!(
        e.description.response_body.carrier.as_deref(),
        Some("TimeZoneData")
    );
    assert_eq!(e.description.unresolved_types, vec!["TimeZoneData"]);
    assert!(valid(&e.response_schema, &Value::Null));
    assert_eq!(warnings.len(), 1);
}

#[test]
fn primary_keys_request_body() {
    let (e, warnings) = one(&[md(page_with(&format!(
        "## Request Body: userGroupIds \n\nThe primary keys. \n\n\n## Response:array\n\n{OK}\n### Response body: array\n\n| Property Name | Type |  Description |\n|---|---|---|\n| Id | int32 | Primary key |\n"
    )))]);
    let r = e.request_schema.expect("request");
    assert!(valid(&r, &json!([1, 2, 3])));
    assert!(!valid(&r, &json!([1, null])));
    assert!(!valid(&r, &json!({"userGroupIds": [1]})));
    assert!(!valid(&r, &json!([2147483648i64])));
    assert!(r["description"]
        .as_str()
        .unwrap_or("")
        .contains("The primary keys."));
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(
        e.description.request_body.as_ref().map(|b| b.name.as_str()),
        Some("userGroupIds")
    );
}

#[test]
fn open_request_body_without_table() {
    let (e, warnings) = one(&[md(page_with(&format!(
        "## Request Body: things \n\nWhatever you like. \n\n\n## Response:array\n\n{OK}\n### Response body: array\n\n| Property Name | Type |  Description |\n|---|---|---|\n| Id | int32 | Primary key |\n"
    )))]);
    let r = e.request_schema.expect("request");
    assert!(valid(&r, &json!([1, 2, 3])) && valid(&r, &json!({"a": null})));
    assert!(r["description"]
        .as_str()
        .unwrap_or("")
        .contains("Whatever you like."));
    assert!(warnings
        .iter()
        .any(|w| w.message.contains("`things` has no property table")));
}

#[test]
fn carrier_page_property_missing_from_the_table() {
    let mut pages = carrier_pages();
    let rows = USERGROUP_ROWS.replace("| Tooltip | string | Tooltip or other description |\n", "");
    pages.push(md(page_with(&format!(
        "## Response:\n\n{OK}\n### Response body: UserGroup\n\n{rows}"
    ))));
    let (e, warnings) = one(&pages);
    let ug = &e.response_schema["$defs"]["UserGroup"];
    assert!(ug["properties"].get("Tooltip").is_some());
    assert!(!ug["required"]
        .as_array()
        .is_some_and(|r| r.contains(&json!("Tooltip"))));
    assert!(warnings.iter().any(|w| w
        .message
        .contains("`UserGroup.Tooltip` is on the carrier page but not")));
}

#[test]
fn unknown_type_cell_is_an_error_naming_the_line() {
    let e = derive(&[md(page_with(&format!(
        "## Response:\n\n{OK}\n### Response body: X\n\n| Property Name | Type |  Description |\n|---|---|---|\n| Id | list of int | x |\n"
    )))])
    .unwrap_err();
    let DeriveError::Doc(e) = e else {
        panic!("doc error expected")
    };
    assert_eq!((e.file.as_str(), e.line), ("t.md", 26));
    assert!(e.expected.contains("a type name"), "{e}");
    let e = derive(&[md(page_with(&format!(
        "## Query String Parameters\n\n| Parameter Name | Type |  Description |\n|---|---|---|\n| id | UserGroup | x |\n\n## Response:\n\n{OK}"
    )))])
    .unwrap_err();
    assert!(
        e.to_string().contains("t.md:18: expected a primitive type"),
        "{e}"
    );
}

#[test]
fn conflicting_response_types_are_errors() {
    let e = derive(&[md(page_with(&format!(
        "## Response:bool\n\n{OK}\n### Response body: UserGroup\n"
    )))])
    .unwrap_err();
    assert!(
        e.to_string().contains("agrees with `## Response:bool`"),
        "{e}"
    );
}

#[test]
fn same_uid_must_derive_the_same() {
    let a = md(page_with(&format!(
        "## Response:\n\n{OK}\n### Response body: bool\n"
    )));
    let mut b = md(page_with(&format!(
        "## Response:\n\n{OK}\n### Response body: string\n"
    )));
    b.name = "u.md".into();
    let e = derive(&[a.clone(), b]).unwrap_err();
    match e {
        DeriveError::Conflict {
            uid,
            files,
            differences,
        } => {
            assert_eq!(uid, "v1TestAgent_Do");
            assert_eq!(files, vec!["t.md", "u.md"]);
            assert!(
                differences.iter().any(|d| d.contains("response schemas")),
                "{differences:?}"
            );
        }
        other => panic!("{other}"),
    }
    // Identical pages: one endpoint, both sources.
    let mut c = a.clone();
    c.name = "v.md".into();
    let d = derive(&[c, a]).expect("derives");
    assert_eq!(d.endpoints.len(), 1);
    assert_eq!(d.endpoints[0].sources, vec!["t.md", "v.md"]);
}

#[test]
fn other_extensions_are_errors() {
    let e = derive(&[Source {
        name: "notes.txt".into(),
        text: String::new(),
    }])
    .unwrap_err();
    assert!(
        e.to_string()
            .starts_with("notes.txt:1: expected a `.md` reference page"),
        "{e}"
    );
}

#[test]
fn derived_schemas_are_valid_draft_2020_12() {
    let mut pages = carrier_pages();
    pages.push(spec("v1UserAgent_SaveUserGroup.current.md"));
    let (e, _) = one(&pages);
    for s in [
        e.request_schema.as_ref().expect("request"),
        &e.response_schema,
        &e.response_select_schema,
    ] {
        jsonschema::draft202012::meta::validate(s).expect("valid 2020-12 schema");
    }
}

#[test]
fn typed_array_cells() {
    let mut pages = carrier_pages();
    pages.push(md(page_with(&format!(
        "## Request Body: request \n\nIds, Groups \n\n| Property Name | Type |  Description |\n|---|---|---|\n| Ids | int32[] |  |\n| Groups | UserGroup[] |  |\n\n## Response:\n\n{OK}"
    ))));
    let (e, _) = one(&pages);
    let r = e.request_schema.expect("request");
    assert!(valid(
        &r,
        &json!({"Ids": [1, 2], "Groups": [{"Id": 1}, null]})
    ));
    assert!(valid(&r, &json!({"Ids": null})));
    assert!(!valid(&r, &json!({"Ids": ["1"]})));
    assert!(!valid(&r, &json!({"Groups": [{"Id": "1"}]})));
}

#[test]
fn response_object_carrier_named_in_its_description() {
    let mut pages = carrier_pages();
    pages.push(md(page_with(&format!(
        "## Response: object\n\nThe main user group.\n\nCarrier object for UserGroup.\nServices for the UserGroup Carrier is available from the User Agent.\n\n{OK}\nResponse body: object\n\n{USERGROUP_ROWS}"
    ))));
    let (e, _) = one(&pages);
    assert_eq!(e.description.response_body.shape, BodyShape::Object);
    assert_eq!(
        e.description.response_body.carrier.as_deref(),
        Some("UserGroup")
    );
    assert_eq!(e.response_schema["anyOf"][0]["$ref"], "#/$defs/UserGroup");
    assert_eq!(e.response_schema["anyOf"][1], json!({"type": "null"}));
    assert!(valid(&e.response_schema, &usergroup()));
    assert!(valid(&e.response_schema, &Value::Null));
    assert!(!valid(&e.response_schema, &json!({"Id": 1})));
}
