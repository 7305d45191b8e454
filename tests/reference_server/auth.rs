//! Authentication: every scheme and spelling, refusals, configured credentials.

use super::*;

// ---------------------------------------------------------------- authentication

#[tokio::test]
async fn every_auth_scheme_and_spelling_is_accepted() {
    let s = srv().await;
    let ticket = ticket();
    let bearer = bearer();
    let mut cases: Vec<Vec<(String, String)>> = vec![
        vec![("Authorization".into(), BASIC.into())],
        vec![("Authorization".into(), "basic dGplMDpUamUw".into())],
        vec![("Authorization".into(), "BASIC dGplMDpUamUw".into())],
        vec![("Authorization".into(), format!("Bearer {bearer}"))],
        vec![("Authorization".into(), format!("bearer {bearer}"))],
        vec![("X-XSRF-TOKEN".into(), xsrf()), ("Cookie".into(), cookie())],
    ];
    for spelling in ["SoTicket", "SOTICKET", "SOTicket", "soticket"] {
        cases.push(vec![(
            "Authorization".into(),
            format!("{spelling} {ticket}"),
        )]);
    }
    for headers in cases {
        let h: Vec<(&str, &str)> = headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let r = s.post("GetAllUserGroups", &h, "").await;
        assert_eq!(r.status, 200, "{headers:?}: {}", r.text);
        assert_eq!(r.json(), json!([]));
        let r = s.post("SaveUserGroup", &h, "").await;
        assert_eq!(r.status, 200, "{headers:?}: {}", r.text);
    }
}

#[tokio::test]
async fn missing_or_wrong_credentials_are_401_with_a_json_body() {
    let s = srv().await;
    let cookie = cookie();
    let xsrf = xsrf();
    let wrong_cookie = cookie.replace("SoSession=", "SoSession=x");
    let cases: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("no credentials", vec![]),
        (
            "wrong password",
            vec![("Authorization", "Basic dGplMDp3cm9uZw==")],
        ),
        ("not base64", vec![("Authorization", "Basic ***")]),
        ("empty basic", vec![("Authorization", "Basic")]),
        ("empty header", vec![("Authorization", "")]),
        (
            "unknown scheme",
            vec![("Authorization", "Negotiate dGplMDpUamUw")],
        ),
        (
            "digest",
            vec![("Authorization", "Digest username=\"tje0\"")],
        ),
        (
            "wrong ticket",
            vec![("Authorization", "SoTicket 7T:wrong==")],
        ),
        (
            "wrong bearer",
            vec![("Authorization", "Bearer 8A:Cust1.wrong")],
        ),
        (
            "ticket as bearer",
            vec![(
                "Authorization",
                "Bearer 7T:c29jb25mb3JtLXJlZmVyZW5jZS10aWNrZXQ=",
            )],
        ),
        ("xsrf without cookie", vec![("X-XSRF-TOKEN", &xsrf)]),
        ("cookie without xsrf", vec![("Cookie", &cookie)]),
        (
            "wrong xsrf",
            vec![("X-XSRF-TOKEN", "nope"), ("Cookie", &cookie)],
        ),
        (
            "wrong session cookie",
            vec![("X-XSRF-TOKEN", &xsrf), ("Cookie", &wrong_cookie)],
        ),
        (
            "failed Authorization with valid session",
            vec![
                ("Authorization", "Basic dGplMDp3cm9uZw=="),
                ("X-XSRF-TOKEN", &xsrf),
                ("Cookie", &cookie),
            ],
        ),
    ];
    for (name, headers) in cases {
        for path in [
            "SaveUserGroup",
            "GetUserGroup?userGroupId=1",
            "GetAllUserGroups",
        ] {
            let r = s.post(path, &headers, "").await;
            r.assert_error(401, &format!("{name} on {path}"));
            assert!(r.headers.get("www-authenticate").is_some(), "{name}");
        }
    }
    // Nothing was written by refused requests.
    assert!(s.server.store().is_empty());
    s.assert_alive().await;
}

#[tokio::test]
async fn unset_schemes_are_refused_and_user_credentials_replace_defaults() {
    let creds = Credentials {
        basic: Some(Credential::user("alice:s3cret")),
        ticket: None,
        bearer: None,
        cookie: None,
        xsrf_token: None,
        app_token: None,
    };
    let s = srv_with(Config {
        credentials: creds,
        ..Config::with_defaults()
    })
    .await;
    let bearer = format!("Bearer {}", bearer());
    let ticket = format!("SoTicket {}", ticket());
    let (cookie, xsrf) = (cookie(), xsrf());
    for headers in [
        vec![("Authorization", BASIC)],
        vec![("Authorization", bearer.as_str())],
        vec![("Authorization", ticket.as_str())],
        vec![("X-XSRF-TOKEN", xsrf.as_str()), ("Cookie", cookie.as_str())],
    ] {
        s.post("GetAllUserGroups", &headers, "")
            .await
            .assert_error(401, &format!("{headers:?}"));
    }
    let r = s
        .post(
            "GetAllUserGroups",
            &[("Authorization", "Basic YWxpY2U6czNjcmV0")],
            "",
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
}

#[tokio::test]
async fn credentials_from_the_suites_variables() {
    let creds = Credentials::from_lookup(|name| match name {
        "SOCONF_TICKET" => Some("7T:from-env==".into()),
        _ => None,
    })
    .or(default_credentials());
    let s = srv_with(Config {
        credentials: creds,
        ..Config::with_defaults()
    })
    .await;
    let ok = s
        .post(
            "GetAllUserGroups",
            &[("Authorization", "SOTicket 7T:from-env==")],
            "",
        )
        .await;
    assert_eq!(ok.status, 200);
    let old = format!("SOTicket {}", ticket());
    s.post("GetAllUserGroups", &[("Authorization", old.as_str())], "")
        .await
        .assert_error(401, "built-in ticket replaced");
    // The other schemes keep their built-in values.
    let ok = s
        .post("GetAllUserGroups", &[("Authorization", BASIC)], "")
        .await;
    assert_eq!(ok.status, 200);
}
