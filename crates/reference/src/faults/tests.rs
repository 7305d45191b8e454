use super::*;
use soconform_core::citation::normalize_ws;
use std::collections::BTreeSet;

#[test]
fn ids_are_unique_snake_case_and_round_trip() {
    let mut seen = BTreeSet::new();
    for f in Fault::ALL {
        let id = f.id();
        assert!(
            !id.is_empty()
                && id
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
            "{id}"
        );
        assert!(seen.insert(id), "duplicate fault id {id}");
        assert_eq!(Fault::from_id(id), Some(f));
        assert_ne!(
            f.level(),
            Level::Info,
            "{id}: a fault breaks a must or should"
        );
    }
    assert!(Fault::ALL.len() >= 30);
}

/// Every citation is verbatim on its page (up to whitespace), under a heading that is
/// on the page too, like the case files' citations.
#[test]
fn citations_are_on_their_pages() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../spec");
    for f in Fault::ALL {
        let info = f.info();
        let page = std::fs::read_to_string(dir.join(&info.spec.page))
            .unwrap_or_else(|e| panic!("{}: {}: {e}", info.id, info.spec.page));
        let page = normalize_ws(&page);
        assert!(
            page.contains(&normalize_ws(&info.spec.quote)),
            "{}: quote not on {}: {:?}",
            info.id,
            info.spec.page,
            info.spec.quote
        );
        assert!(
            page.contains(&normalize_ws(&info.spec.section)),
            "{}: section not on {}: {:?}",
            info.id,
            info.spec.page,
            info.spec.section
        );
    }
}

#[test]
fn select_bends() {
    let s = |x: &str| Some(x.to_string());
    assert_eq!(Fault::SelectIgnored.bend_select(s("Value")), None);
    assert_eq!(
        Fault::SelectCaseSensitive.bend_select(s("Value,tooltip,TableRight/Mask")),
        s("Value,soconform-fault-selects-nothing,TableRight/Mask")
    );
    assert_eq!(Fault::SelectNullsEverything.bend_select(None), None);
    assert_eq!(Fault::IdAsString.bend_select(s("Id")), s("Id"));
}

#[test]
fn xml_value_bends() {
    let v = serde_json::json!({"Value": "a & b", "Tooltip": null, "Id": 1});
    assert_eq!(
        camel_case_keys(&v),
        serde_json::json!({"value": "a & b", "tooltip": null, "id": 1})
    );
    assert_eq!(nulls_as_text(&v)["Tooltip"], "null");
    assert_eq!(pre_escaped(&v)["Value"], "a &amp; b");
}
