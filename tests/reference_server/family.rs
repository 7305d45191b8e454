//! The rest of the family: CreateUserGroup, DeleteUserGroup and GetUserGroupList.

use super::*;

fn json_headers() -> [(&'static str, &'static str); 3] {
    [
        ("Authorization", BASIC),
        ("Accept", "application/json"),
        ("Content-Type", "application/json"),
    ]
}

#[tokio::test]
async fn create_answers_a_default_carrier_and_stores_nothing() {
    let s = srv().await;
    s.save(json!({"UserGroup": {"Value": "a", "Id": 0, "Rank": 7}}))
        .await;
    let r = s.post("CreateUserGroup", &json_headers(), "").await;
    assert_eq!(r.status, 200, "{}", r.text);
    let g = r.json();
    assert_eq!(g["Id"], 0);
    assert_eq!(g["Rank"], 8, "after the highest rank");
    assert_eq!(g["Deleted"], false);
    assert_eq!(s.server.store().len(), 1, "not stored");
    // Whatever body came is not read.
    let r = s.post("CreateUserGroup", &json_headers(), "{glops").await;
    assert_eq!(r.status, 200, "{}", r.text);
}

#[tokio::test]
async fn delete_removes_the_group_and_answers_204() {
    let s = srv().await;
    let a = s
        .save(json!({"UserGroup": {"Value": "a", "Id": 0}}))
        .await
        .json();
    let b = s
        .save(json!({"UserGroup": {"Value": "b", "Id": 0}}))
        .await
        .json();
    let body = json!({"UserGroupToDelete": a["Id"], "UserGroupToMoveTo": b["Id"]}).to_string();
    let r = s.post("DeleteUserGroup", &json_headers(), &body).await;
    assert_eq!(r.status, 204, "{}", r.text);
    assert!(r.text.is_empty());
    assert_eq!(s.get(a["Id"].as_i64().unwrap() as i32).await, Value::Null);
    assert!(s.get(b["Id"].as_i64().unwrap() as i32).await.is_object());
    // Into itself: its members need another group. Well-formed, the data invalid: the
    // agents page's 200 OK with an internal error object; nothing is deleted.
    let same = json!({"UserGroupToDelete": b["Id"], "UserGroupToMoveTo": b["Id"]}).to_string();
    s.post("DeleteUserGroup", &json_headers(), &same)
        .await
        .assert_error(200, "delete into itself");
    assert!(s.get(b["Id"].as_i64().unwrap() as i32).await.is_object());
    // Malformed, as the agents page's glops example.
    s.post(
        "DeleteUserGroup",
        &json_headers(),
        "{\"UserGroupToDelete\": \"glops\"}",
    )
    .await
    .assert_error(400, "glops");
}

#[tokio::test]
async fn list_answers_the_known_ids_in_the_order_asked() {
    let s = srv().await;
    for v in ["a", "b", "c"] {
        s.save(json!({"UserGroup": {"Value": v, "Id": 0}})).await;
    }
    let ids = |r: &Res| -> Vec<i64> {
        r.json()
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["Id"].as_i64().unwrap())
            .collect()
    };
    let r = s
        .post("GetUserGroupList", &json_headers(), "[3, 1, 99]")
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(ids(&r), [3, 1], "unknown Ids are left out");
    let r = s
        .post(
            "GetUserGroupList",
            &json_headers(),
            "{\"userGroupIds\": [2]}",
        )
        .await;
    assert_eq!(ids(&r), [2]);
    let xml = [
        ("Authorization", BASIC),
        ("Accept", "application/json"),
        ("Content-Type", "application/xml"),
    ];
    let r = s
        .post(
            "GetUserGroupList",
            &xml,
            "<request><userGroupIds><int>1</int><int>2</int></userGroupIds></request>",
        )
        .await;
    assert_eq!(ids(&r), [1, 2], "{}", r.text);
    // Under json-patch+json a bare array of keys is the keys, not a patch document.
    let patch_type = [
        ("Authorization", BASIC),
        ("Accept", "application/json"),
        ("Content-Type", "application/json-patch+json"),
    ];
    let r = s.post("GetUserGroupList", &patch_type, "[2, 3]").await;
    assert_eq!(ids(&r), [2, 3], "{}", r.text);
    let r = s.post("GetUserGroupList", &json_headers(), "").await;
    assert_eq!(ids(&r), Vec::<i64>::new());
    s.post("GetUserGroupList", &json_headers(), "[\"glops\"]")
        .await
        .assert_error(400, "glops");
}
