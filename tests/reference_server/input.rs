//! Other request headers, and bad input answered with a clear 4xx.

use super::*;

// ---------------------------------------------------------------- other headers

#[tokio::test]
async fn language_culture_timezone_and_apptoken_headers_are_accepted() {
    let s = srv().await;
    let headers: [(&str, &[&str]); 5] = [
        (
            "Accept-Language",
            &["*", "en", "sv", "fr,de,ru,zh", "en-us; en-gb", "xx-unknown"],
        ),
        ("SO-Language", &["nb-no", "*", "x", "zz"]),
        ("SO-Culture", &["en", "nb-no", "bogus"]),
        (
            "SO-TimeZone",
            &["NO", "261", "NO, includeTZOffset", "Mars/Olympus"],
        ),
        ("SO-AppToken", &["f2398a3a7wer3759d4b220e9a9c94321", ""]),
    ];
    for (name, values) in headers {
        for value in values {
            let r = s
                .post(
                    "SaveUserGroup",
                    &[
                        ("Authorization", BASIC),
                        ("Content-Type", JSON),
                        (name, value),
                    ],
                    &json!({"UserGroup": {"Value": format!("{name}={value}")}}).to_string(),
                )
                .await;
            assert_eq!(r.status, 200, "{name}: {value}: {}", r.text);
            assert_eq!(r.json()["Value"], format!("{name}={value}"));
        }
    }
}

// ---------------------------------------------------------------- bad input

#[tokio::test]
async fn bad_input_is_a_clear_4xx_and_the_server_keeps_serving() {
    let s = Arc::new(
        srv_with(Config {
            max_body_bytes: 64 * 1024,
            ..Config::with_defaults()
        })
        .await,
    );
    let billion_laughs = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><request><UserGroup><Value>&lol2;</Value></UserGroup></request>"#;
    let external = r#"<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><request><UserGroup><Value>&xxe;</Value></UserGroup></request>"#;
    let big_json = format!(
        "{{\"UserGroup\": {{\"Value\": \"{}\"}}}}",
        "x".repeat(70 * 1024)
    );
    let cases: Vec<(&str, &str, String, u16)> = vec![
        // malformed JSON
        (
            "malformed JSON",
            "application/json",
            "{\"UserGroup\": {".into(),
            400,
        ),
        ("trailing garbage", "application/json", "{} x".into(), 400),
        (
            "single quotes",
            "text/json",
            "{'UserGroup': null}".into(),
            400,
        ),
        (
            "deep nesting",
            "application/json",
            "[".repeat(300) + &"]".repeat(300),
            400,
        ),
        ("array body", "application/json", "[1,2]".into(), 400),
        (
            "string body",
            "application/json",
            "\"UserGroup\"".into(),
            400,
        ),
        // wrong types
        (
            "Id as string",
            "application/json",
            json!({"UserGroup": {"Id": "5"}}).to_string(),
            400,
        ),
        (
            "Id as float",
            "application/json",
            json!({"UserGroup": {"Id": 1.5}}).to_string(),
            400,
        ),
        (
            "Id null",
            "application/json",
            json!({"UserGroup": {"Id": null}}).to_string(),
            400,
        ),
        (
            "Rank as bool",
            "application/json",
            json!({"UserGroup": {"Rank": true}}).to_string(),
            400,
        ),
        (
            "Deleted as string",
            "application/json",
            json!({"UserGroup": {"Deleted": "true"}}).to_string(),
            400,
        ),
        (
            "Deleted as number",
            "application/json",
            json!({"UserGroup": {"Deleted": 1}}).to_string(),
            400,
        ),
        (
            "Value as number",
            "application/json",
            json!({"UserGroup": {"Value": 12}}).to_string(),
            400,
        ),
        (
            "Value as object",
            "application/json",
            json!({"UserGroup": {"Value": {}}}).to_string(),
            400,
        ),
        (
            "UserGroup as array",
            "application/json",
            json!({"UserGroup": []}).to_string(),
            400,
        ),
        (
            "UserGroup as string",
            "application/json",
            json!({"UserGroup": "x"}).to_string(),
            400,
        ),
        (
            "control character",
            "application/json",
            json!({"UserGroup": {"Value": "a\u{0}b"}}).to_string(),
            400,
        ),
        // out of range
        (
            "Id > int32",
            "application/json",
            "{\"UserGroup\": {\"Id\": 2147483648}}".into(),
            400,
        ),
        (
            "Id < int32",
            "application/json",
            "{\"UserGroup\": {\"Id\": -2147483649}}".into(),
            400,
        ),
        (
            "Rank > int32",
            "application/json",
            "{\"UserGroup\": {\"Rank\": 99999999999999999999}}".into(),
            400,
        ),
        (
            "Rank 1e400",
            "application/json",
            "{\"UserGroup\": {\"Rank\": 1e400}}".into(),
            400,
        ),
        (
            "XML Rank > int32",
            "application/xml",
            "<UserGroup><Rank>2147483648</Rank></UserGroup>".into(),
            400,
        ),
        (
            "form Id > int32",
            "application/x-www-form-urlencoded",
            "UserGroup.Id=99999999999".into(),
            400,
        ),
        // malformed XML
        (
            "unclosed XML",
            "application/xml",
            "<request><UserGroup>".into(),
            400,
        ),
        (
            "mismatched XML",
            "text/xml",
            "<request></UserGroup>".into(),
            400,
        ),
        ("two roots", "text/xml", "<a/><b/>".into(), 400),
        (
            "XML bad bool",
            "text/xml",
            "<UserGroup><Deleted>maybe</Deleted></UserGroup>".into(),
            400,
        ),
        (
            "XML bad int",
            "text/xml",
            "<UserGroup><Id>five</Id></UserGroup>".into(),
            400,
        ),
        (
            "XML DOCTYPE",
            "application/xml",
            "<!DOCTYPE request><request/>".into(),
            400,
        ),
        (
            "billion laughs",
            "application/xml",
            billion_laughs.into(),
            400,
        ),
        ("external entity", "text/xml", external.into(), 400),
        (
            "undefined entity",
            "text/xml",
            "<UserGroup><Value>&nbsp;</Value></UserGroup>".into(),
            400,
        ),
        (
            "UTF-16 declared",
            "text/xml",
            "<?xml version=\"1.0\" encoding=\"utf-16\"?><UserGroup/>".into(),
            415,
        ),
        // malformed form
        (
            "bad percent escape",
            "application/x-www-form-urlencoded",
            "UserGroup.Value=%zz".into(),
            400,
        ),
        (
            "form not UTF-8",
            "application/x-www-form-urlencoded",
            "UserGroup.Value=%ff%fe".into(),
            400,
        ),
        (
            "form bad bool",
            "application/x-www-form-urlencoded",
            "UserGroup.Deleted=maybe".into(),
            400,
        ),
        (
            "form bad int",
            "application/x-www-form-urlencoded",
            "UserGroup.Rank=abc".into(),
            400,
        ),
        (
            "form empty int",
            "application/x-www-form-urlencoded",
            "UserGroup.Rank=".into(),
            400,
        ),
        (
            "form object value",
            "application/x-www-form-urlencoded",
            "UserGroup=x".into(),
            400,
        ),
        // patches
        (
            "bad JSON Patch op",
            "application/json-patch+json",
            "[{\"op\":\"frob\",\"path\":\"/x\"}]".into(),
            400,
        ),
        (
            "JSON Patch not ops",
            "application/json-patch+json",
            "[1]".into(),
            400,
        ),
        (
            "JSON Patch failed test",
            "application/json-patch+json",
            "[{\"op\":\"test\",\"path\":\"/x\",\"value\":1}]".into(),
            409,
        ),
        (
            "merge patch array",
            "application/merge-patch+json",
            "[1]".into(),
            400,
        ),
        // unsupported Content-Type
        ("text/plain", "text/plain", "{}".into(), 415),
        (
            "multipart",
            "multipart/form-data; boundary=x",
            "--x--".into(),
            415,
        ),
        ("problem+json", "application/problem+json", "{}".into(), 415),
        (
            "latin1 charset",
            "application/json; charset=iso-8859-1",
            "{}".into(),
            415,
        ),
        (
            "utf-16 charset",
            "text/xml; charset=utf-16",
            "<a/>".into(),
            415,
        ),
        // too large
        ("oversized", "application/json", big_json, 413),
    ];
    for (name, ct, body, status) in &cases {
        let r = s
            .post(
                "SaveUserGroup",
                &[("Authorization", BASIC), ("Content-Type", ct)],
                body,
            )
            .await;
        r.assert_error(*status, name);
    }
    // Raw non-UTF-8 bytes are 400.
    let r = s
        .send(
            reqwest::Method::POST,
            "SaveUserGroup",
            &[("Authorization", BASIC), ("Content-Type", JSON)],
            Some(b"{\"UserGroup\": {\"Value\": \"\xff\"}}".to_vec()),
        )
        .await;
    r.assert_error(400, "invalid UTF-8 bytes");
    // A body without a Content-Type, and a compressed body.
    let r = s
        .send(
            reqwest::Method::POST,
            "SaveUserGroup",
            &[("Authorization", BASIC)],
            Some(b"{}".to_vec()),
        )
        .await;
    r.assert_error(415, "no Content-Type");
    let r = s
        .post(
            "SaveUserGroup",
            &[
                ("Authorization", BASIC),
                ("Content-Type", JSON),
                ("Content-Encoding", "gzip"),
            ],
            "{}",
        )
        .await;
    r.assert_error(415, "gzip");
    // GetUserGroup's parameter.
    for (path, name) in [
        ("GetUserGroup?userGroupId=glops", "documented glops"),
        ("GetUserGroup", "missing userGroupId"),
        ("GetUserGroup?userGroupId=", "empty userGroupId"),
        ("GetUserGroup?userGroupId=2147483648", "userGroupId > int32"),
        ("GetUserGroup?userGroupId=1.0", "userGroupId float"),
    ] {
        s.post(path, &[("Authorization", BASIC)], "")
            .await
            .assert_error(400, name);
    }
    // GetAllUserGroups' parameter.
    for (body, path) in [
        ("{\"IncludeDeleted\": \"yes\"}", "GetAllUserGroups"),
        ("{\"IncludeDeleted\": 1}", "GetAllUserGroups"),
        ("[true]", "GetAllUserGroups"),
        ("", "GetAllUserGroups?includeDeleted=maybe"),
    ] {
        s.post(
            path,
            &[("Authorization", BASIC), ("Content-Type", JSON)],
            body,
        )
        .await
        .assert_error(400, body);
    }
    // Routing and methods.
    s.post("NoSuchMethod", &[("Authorization", BASIC)], "")
        .await
        .assert_error(404, "unknown method");
    for m in [
        reqwest::Method::PUT,
        reqwest::Method::DELETE,
        reqwest::Method::PATCH,
    ] {
        let r = s
            .send(
                m.clone(),
                "SaveUserGroup",
                &[("Authorization", BASIC)],
                None,
            )
            .await;
        r.assert_error(405, m.as_str());
        assert!(r.headers.get("allow").is_some());
    }
    // Nothing above wrote a group, and the server still works.
    assert!(
        s.server.store().is_empty(),
        "a refused request wrote a group"
    );
    s.assert_alive().await;
}

#[tokio::test]
async fn oversized_bodies_are_refused_while_reading() {
    let s = srv_with(Config {
        max_body_bytes: 1024,
        ..Config::with_defaults()
    })
    .await;
    // Announced by Content-Length.
    let body = format!(
        "{{\"UserGroup\": {{\"Value\": \"{}\"}}}}",
        "y".repeat(4 * 1024 * 1024)
    );
    let r = s
        .post(
            "SaveUserGroup",
            &[("Authorization", BASIC), ("Content-Type", JSON)],
            &body,
        )
        .await;
    r.assert_error(413, "Content-Length over the limit");
    // Chunked, no Content-Length: found while reading.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut sock = tokio::net::TcpStream::connect(s.server.addr())
        .await
        .unwrap();
    let head = format!(
        "POST /api/v1/Agents/User/SaveUserGroup HTTP/1.1\r\nHost: x\r\nAuthorization: {BASIC}\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    sock.write_all(head.as_bytes()).await.unwrap();
    let chunk = "z".repeat(800);
    for _ in 0..4 {
        let _ = sock
            .write_all(format!("{:x}\r\n{chunk}\r\n", chunk.len()).as_bytes())
            .await;
    }
    let _ = sock.write_all(b"0\r\n\r\n").await;
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), sock.read_to_end(&mut out)).await;
    let out = String::from_utf8_lossy(&out);
    assert!(out.starts_with("HTTP/1.1 413"), "{out}");
    assert!(out.contains("\"Message\""), "{out}");
    // A body just under the limit is fine.
    let ok = format!("{{\"UserGroup\": {{\"Value\": \"{}\"}}}}", "k".repeat(900));
    let r = s
        .post(
            "SaveUserGroup",
            &[("Authorization", BASIC), ("Content-Type", JSON)],
            &ok,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
}
