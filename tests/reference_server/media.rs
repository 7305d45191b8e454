//! Request Content-Types, Accept negotiation and `$select`.

use super::*;

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
