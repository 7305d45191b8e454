use super::*;

fn spec(name: &str) -> String {
    let path = format!("{}/../../spec/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).expect("spec page")
}

#[test]
fn parses_clr_types() {
    assert_eq!(ClrType::parse("System.Int16"), Some(ClrType::Int16));
    assert_eq!(
        ClrType::parse("System.Nullable{SuperOffice.WebApi.Data.ETableRight}"),
        Some(ClrType::Nullable(Box::new(ClrType::Named(
            "SuperOffice.WebApi.Data.ETableRight".into()
        ))))
    );
    assert_eq!(
        ClrType::parse(
            "System.Collections.Generic.Dictionary{System.String,SuperOffice.WebApi.Data.FieldProperty}"
        ),
        Some(ClrType::Dictionary(
            Box::new(ClrType::String),
            Box::new(ClrType::Named("SuperOffice.WebApi.Data.FieldProperty".into()))
        ))
    );
    assert_eq!(
        ClrType::parse("SuperOffice.WebApi.Data.UserGroup[]"),
        Some(ClrType::Array(Box::new(ClrType::Named(
            "SuperOffice.WebApi.Data.UserGroup".into()
        ))))
    );
    assert_eq!(ClrType::parse("System.IntPtr"), None);
}

#[test]
fn table_right_mask_string_is_the_wire_form() {
    let t = parse_type_page(
        "TableRight.yml",
        &spec("SuperOffice.WebApi.Data.TableRight.yml"),
    )
    .expect("parses");
    let TypeKind::Class(c) = t.kind else {
        panic!("class expected")
    };
    let wire: Vec<(&str, bool, Option<&str>)> = c
        .properties
        .iter()
        .map(|p| (p.json_name.as_str(), p.json_ignore, p.wire_enum.as_deref()))
        .collect();
    assert_eq!(
        wire,
        vec![
            ("Mask", false, Some("SuperOffice.WebApi.Data.ETableRight")),
            ("Mask", true, None),
            ("Reason", false, None),
        ]
    );
}

#[test]
fn both_enum_generations() {
    let t = parse_type_page(
        "ETableRight.yml",
        &spec("SuperOffice.WebApi.Data.ETableRight.yml"),
    )
    .expect("parses");
    let TypeKind::Enum(e) = t.kind else {
        panic!("enum expected")
    };
    assert!(e.flags);
    let v = |n: &str| e.members.iter().find(|m| m.name == n).map(|m| m.value);
    assert_eq!(v("None"), Some(0));
    assert_eq!(v("RI"), Some(5));
    assert_eq!(v("FULL"), Some(15));
    assert_eq!(v("F"), Some(16));
    assert_eq!(e.members.len(), 18);

    let t = parse_type_page(
        "EFieldRight.yml",
        &spec("SuperOffice.WebApi.Data.EFieldRight.yml"),
    )
    .expect("parses");
    let TypeKind::Enum(e) = t.kind else {
        panic!("enum expected")
    };
    assert!(e.flags);
    let v = |n: &str| e.members.iter().find(|m| m.name == n).map(|m| m.value);
    assert_eq!(v("Update"), Some(3));
    assert_eq!(v("UIHints"), Some(192));
    assert_eq!(v("Nullable"), Some(32));
    assert_eq!(v("FULL"), None);
}

#[test]
fn carrier_inheritance_and_dictionary() {
    let t = parse_type_page(
        "UserGroup.yml",
        &spec("SuperOffice.WebApi.Data.UserGroup.yml"),
    )
    .expect("parses");
    let TypeKind::Class(c) = t.kind else {
        panic!("class expected")
    };
    assert_eq!(c.base.as_deref(), Some("SuperOffice.WebApi.Data.Carrier"));
    assert_eq!(
        c.inherited,
        vec![
            "SuperOffice.WebApi.Data.Carrier.TableRight",
            "SuperOffice.WebApi.Data.Carrier.FieldProperties"
        ]
    );
    let rank = c
        .properties
        .iter()
        .find(|p| p.name == "Rank")
        .expect("Rank");
    assert_eq!(rank.ty, ClrType::Int16);
    assert!(rank.line > 0);

    let t = parse_type_page(
        "FieldPropertyDictionary.yml",
        &spec("SuperOffice.WebApi.Data.FieldPropertyDictionary.yml"),
    )
    .expect("parses");
    let TypeKind::Class(c) = t.kind else {
        panic!("class expected")
    };
    assert_eq!(
        c.dictionary,
        Some((
            ClrType::String,
            ClrType::Named("SuperOffice.WebApi.Data.FieldProperty".into())
        ))
    );
    let carrier = parse_type_page("Carrier.yml", &spec("SuperOffice.WebApi.Data.Carrier.yml"))
        .expect("parses");
    let TypeKind::Class(c) = carrier.kind else {
        panic!("class expected")
    };
    assert_eq!(c.properties[0].summary, "The carrier's table right");
}

#[test]
fn errors_name_file_and_line() {
    let e = parse_type_page("x.yml", "items: []\n").unwrap_err();
    assert_eq!((e.file.as_str(), e.line), ("x.yml", 1));
    let bad = "### YamlMime:ManagedReference\nitems:\n- uid: A.B\n  type: Class\n  name: B\n- uid: A.B.P\n  parent: A.B\n  type: Property\n  name: P\n  syntax:\n    content: public IntPtr P { get; }\n    return:\n      type: System.IntPtr\n";
    let e = parse_type_page("b.yml", bad).unwrap_err();
    assert_eq!(e.line, 6);
    assert!(e.expected.contains("supported .NET type"), "{e}");
    let e = parse_type_page("c.yml", "### YamlMime:ManagedReference\nitems: [oops\n").unwrap_err();
    assert_eq!(e.file, "c.yml");
}
