//! Saving and reading back: the sample request, create/update/soft delete, seeds.

use super::*;

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
