//! Criterion micro-benchmarks of the suite's hot paths: what every trial pays on top of
//! its HTTP exchange. `cargo bench --bench hot_paths`.

use criterion::{criterion_group, criterion_main, Criterion};
use serde_json::json;
use soconform::checks::{select, validators};
use soconform::decode;
use soconform::matrix;
use soconform::suite::{Suite, SuitePaths};
use soconform::vocab::MediaFamily;
use std::hint::black_box;
use std::path::Path;

const SAVE: &str = "v1UserAgent_SaveUserGroup";

fn suite() -> Suite {
    Suite::load(SuitePaths::under(Path::new(env!("CARGO_MANIFEST_DIR"))))
        .unwrap_or_else(|e| panic!("the suite loads: {e}"))
}

/// A response as a server writes it: every property, a TableRight and four FieldProperties.
fn response() -> serde_json::Value {
    let fp = |t: &str, l: i32| json!({"FieldRight": {"Mask": "Update", "Reason": ""}, "FieldType": t, "FieldLength": l});
    json!({"Value": "soconform-bench-1 Grüße", "Tooltip": "tip", "Id": 1234, "Rank": 3, "Deleted": false,
        "TableRight": {"Mask": "FULL", "Reason": ""},
        "FieldProperties": {"Value": fp("System.String", 239), "Tooltip": fp("System.String", 254),
            "Rank": fp("System.Int32", 0), "Deleted": fp("System.Boolean", 0)}})
}

const XML: &str = r#"<UserGroup xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><Value>soconform-bench-1 Grüße</Value><Tooltip>tip</Tooltip><Id>1234</Id><Rank>3</Rank><Deleted>false</Deleted><TableRight><Mask>FULL</Mask><Reason></Reason></TableRight><FieldProperties><FieldPropertyDictionaryKeyValuePair><Key>Value</Key><Value><FieldRight><Mask>Update</Mask><Reason></Reason></FieldRight><FieldType>System.String</FieldType><FieldLength>239</FieldLength></Value></FieldPropertyDictionaryKeyValuePair><FieldPropertyDictionaryKeyValuePair><Key>Tooltip</Key><Value><FieldRight xsi:nil="true"/><FieldType>System.String</FieldType><FieldLength>254</FieldLength></Value></FieldPropertyDictionaryKeyValuePair></FieldProperties></UserGroup>"#;

fn benches(c: &mut Criterion) {
    let loaded = suite();
    let ep = loaded
        .endpoint(SAVE)
        .unwrap_or_else(|| panic!("{SAVE} is described"));
    let vals = validators::Validators::new(std::sync::Arc::new(loaded.clone()))
        .unwrap_or_else(|e| panic!("{e}"));
    let v = vals.get(SAVE).unwrap_or_else(|e| panic!("{e}"));
    let body = response();
    let json_bytes = body.to_string().into_bytes();

    c.bench_function("decode_json_response", |b| {
        b.iter(|| {
            decode::decode(
                MediaFamily::Json,
                black_box(&json_bytes),
                &ep.response_schema,
            )
        })
    });
    c.bench_function("decode_xml_response", |b| {
        b.iter(|| {
            decode::decode(
                MediaFamily::Xml,
                black_box(XML.as_bytes()),
                &ep.response_schema,
            )
        })
    });
    c.bench_function("schema_validate_response", |b| {
        b.iter(|| validators::validate(&v.response, black_box(&body)))
    });
    let carrier = select::carrier_schema(&ep.response_schema).unwrap_or_else(|| panic!("carrier"));
    let mut selected = body.clone();
    for p in ["Tooltip", "TableRight", "FieldProperties"] {
        selected[p] = serde_json::Value::Null;
    }
    c.bench_function("select_check", |b| {
        b.iter(|| {
            let sel = select::parse(black_box("value,Id,Rank,Deleted"), carrier);
            select::check_nulled(&sel, &selected, &ep.response_schema)
        })
    });
    c.bench_function("expand_full_matrix", |b| {
        b.iter(|| matrix::expand_all(black_box(&loaded)))
    });
    c.bench_function("load_suite", |b| b.iter(suite));
}

criterion_group!(hot_paths, benches);
criterion_main!(hot_paths);
