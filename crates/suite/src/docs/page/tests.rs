use super::*;

/// A minimal reference page; `sections` replaces everything after the summary.
pub(crate) fn page_with(sections: &str) -> String {
    format!(
        "---\ntitle: POST Agents/Test/Do\nuid: v1TestAgent_Do\n---\n\n# POST Agents/Test/Do\n\n```http\nPOST /api/v1/Agents/Test/Do\n```\n\nDo it.\n\n{sections}"
    )
}

const RESPONSE: &str =
    "## Response:\n\nOK\n\n| Response | Description |\n|---|---|\n| 200 | OK |\n";

#[test]
fn heading_spellings_and_trailing_spaces() {
    let text = page_with(&format!(
        "## query string  parameters \n\n| Parameter name | type | Description |\n|---|---|---|\n| $select | string | x |\n\n## REQUEST HEADERS  \n\n| Parameter Name | Description |\n|---|---|\n| Accept | `application/json` |\n\n## Request body:  request  \n\n{RESPONSE}\n## Sample Request \n\n```http!\nPOST /api/v1/Agents/Test/Do\n```"
    ));
    let p = parse_page("t.md", &text).expect("parses");
    assert_eq!(p.query_parameters[0].name, "$select");
    assert_eq!(p.headers[0].name, "Accept");
    assert_eq!(
        p.request_body.as_ref().map(|r| r.name.as_str()),
        Some("request")
    );
    assert!(p.sample_request.is_some());
}

#[test]
fn response_body_plain_line_and_heading() {
    let plain = page_with(&format!(
        "{RESPONSE}\nResponse body: \n\n| Property Name | Type |  Description |\n|---|---|---|\n| Id | int32 | Primary key |\n| TableRight |  |  |\n"
    ));
    let p = parse_page("t.md", &plain).expect("parses");
    assert_eq!(p.response.body_type, None);
    assert_eq!(p.response.properties.len(), 2);
    assert_eq!(p.response.properties[1].type_cell, None);

    let heading = page_with(&format!(
        "{RESPONSE}\n### Response body: UserGroup\n\n| Property Name | Type |  Description |\n|---|---|---|\n| Id | int32 | Primary key |\n"
    ));
    let p = parse_page("t.md", &heading).expect("parses");
    assert_eq!(p.response.body_type.as_deref(), Some("UserGroup"));
    assert_eq!(p.response.properties[0].type_cell.as_deref(), Some("int32"));
}

#[test]
fn response_heading_types() {
    for (h, want) in [
        ("## Response:array", Some("array")),
        ("## Response: object", Some("object")),
        ("## Response:bool", Some("bool")),
        ("## Response: ", None),
    ] {
        let text = page_with(&format!(
            "{h}\n\nOK\n\n| Response | Description |\n|---|---|\n| 200 | OK |\n"
        ));
        let p = parse_page("t.md", &text).expect("parses");
        assert_eq!(p.response.heading_type.as_deref(), want, "{h}");
    }
}

#[test]
fn unknown_section_and_bad_rows_are_errors() {
    let e = parse_page(
        "t.md",
        &page_with(&format!("{RESPONSE}\n## Remarks\n\ntext\n")),
    )
    .unwrap_err();
    assert_eq!(e.file, "t.md");
    assert_eq!(e.line, 22);
    assert!(e.expected.contains("section heading"), "{e}");
    assert!(e.found.contains("## Remarks"), "{e}");

    let e = parse_page(
        "t.md",
        &page_with(&format!(
            "{RESPONSE}\n### Response body: X\n\n| Property Name | Type |  Description |\n|---|---|---|\n| Id | int32 |\n"
        )),
    )
    .unwrap_err();
    assert_eq!(e.line, 26);
    assert!(e.expected.contains("3 cells"), "{e}");

    let e = parse_page(
        "t.md",
        &page_with(&format!(
            "{RESPONSE}\n### Response body: X\n\n| Name | Type |\n|---|---|\n| Id | int32 |\n"
        )),
    )
    .unwrap_err();
    assert!(
        e.expected
            .contains("| Property Name | Type | Description |"),
        "{e}"
    );

    let e = parse_page(
        "t.md",
        &page_with(&format!(
            "{RESPONSE}\n### Response body: X\n\n| Property Name | Type |  Description |\n|---|---|---|\n|  | int32 | x |\n"
        )),
    )
    .unwrap_err();
    assert!(e.expected.contains("property name"), "{e}");
}

#[test]
fn not_a_reference_page() {
    let e = parse_page(
        "general.md",
        "---\nuid: x\ntitle: Agents WebAPI\n---\n\n# Agents WebAPI\n\nText.",
    )
    .unwrap_err();
    assert_eq!((e.file.as_str(), e.line), ("general.md", 6));
    assert!(e.expected.contains("# <METHOD> <route>"), "{e}");
    let e = parse_page("plain.md", "# Title\n").unwrap_err();
    assert_eq!(e.line, 1);
    let e = parse_page("t.md", &page_with("")).unwrap_err();
    assert!(e.expected.contains("## Response:"), "{e}");
}

#[test]
fn required_query_parameter_and_samples() {
    let text = page_with(&format!(
        "## Query String Parameters\n\n| Parameter Name | Type |  Description |\n|---|---|---|\n| id | int32 | **Required** The key. |\n\n```http\nPOST /api/v1/Agents/Test/Do?id=1\n```\n\n{RESPONSE}\n## Sample response\n\n```http_\nHTTP/1.1 204 No Content\nContent-Type: application/json; charset=utf-8\n\nnull\n```"
    ));
    let p = parse_page("t.md", &text).expect("parses");
    let q = &p.query_parameters[0];
    assert!(q.required);
    assert_eq!(q.description, "The key.");
    assert_eq!(p.query_examples, vec!["POST /api/v1/Agents/Test/Do?id=1"]);
    let s = p.sample_response.expect("sample");
    assert_eq!(s.start_line, "HTTP/1.1 204 No Content");
    assert_eq!(s.headers[0].0, "Content-Type");
    assert_eq!(s.body.as_deref(), Some("null"));
}

#[test]
fn include_line_samples_are_absent() {
    let text = page_with(&format!(
        "{RESPONSE}\n## Sample request\n\n[!include[sample request](../x.md)]\n"
    ));
    let p = parse_page("t.md", &text).expect("parses");
    assert!(p.sample_request.is_none());
}

#[test]
fn summary_remnants_read_as_text() {
    use super::summary_text;
    assert_eq!(
        summary_text("Checks the password. <para /> Returns &lt;bool&gt; &amp; more."),
        "Checks the password.  Returns <bool> & more."
    );
    assert_eq!(
        summary_text("Gets a <see cref=\"T:SuperOffice.CRM.ContactEntity\"/> by key."),
        "Gets a ContactEntity by key."
    );
    assert_eq!(summary_text("<para />"), "");
    assert_eq!(summary_text("A List<int> stays."), "A List<int> stays.");
}

#[test]
fn experimental_banner_and_code_in_the_summary() {
    let text = format!(
        "---\ntitle: POST Agents/Test/Do\nuid: v1TestAgent_Do\n---\n\n# POST Agents/Test/Do\n\n```http\nPOST /api/v1/Agents/Test/Do\n```\n\nDo it, as in:\n\n```csharp\nvar x = agent.Do();\n```\n\nThen more.\n\n## Experimental: ## Not yet final.\n\n## Online Restricted: ## Not in Online.\n\n{RESPONSE}"
    );
    let p = parse_page("t.md", &text).expect("parses");
    assert_eq!(p.experimental.as_deref(), Some("Not yet final."));
    assert_eq!(p.restriction.as_deref(), Some("Not in Online."));
    assert_eq!(p.summary.first().map(String::as_str), Some("Do it, as in:"));
    assert!(
        p.summary.iter().any(|s| s.contains("var x = agent.Do();")),
        "{:?}",
        p.summary
    );
    assert!(
        p.summary.iter().any(|s| s == "Then more."),
        "{:?}",
        p.summary
    );
}
