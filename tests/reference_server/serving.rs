//! GET descriptions, simulated latency, concurrency and `soconform serve`.

use super::*;

// ---------------------------------------------------------------- GET describes

#[tokio::test]
async fn get_describes_the_call() {
    let s = srv().await;
    for m in [
        "SaveUserGroup",
        "GetUserGroup",
        "GetAllUserGroups",
        "saveusergroup",
    ] {
        let r = s.send(reqwest::Method::GET, m, &[], None).await;
        assert_eq!(r.status, 200, "{m}");
        assert!(r.content_type().starts_with("text/plain"), "{m}");
        assert!(
            r.text
                .to_lowercase()
                .contains(&format!("post /api/v1/agents/user/{}", m.to_lowercase())),
            "{m}: {}",
            r.text
        );
    }
    // GET does not invoke the method.
    assert!(s.server.store().is_empty());
    s.send(reqwest::Method::GET, "Nope", &[], None)
        .await
        .assert_error(404, "GET unknown");
}

#[tokio::test]
async fn latency_delays_each_answer() {
    let s = srv_with(Config {
        latency: Duration::from_millis(150),
        ..Config::with_defaults()
    })
    .await;
    let t = Instant::now();
    let r = s
        .post("GetAllUserGroups", &[("Authorization", BASIC)], "")
        .await;
    assert_eq!(r.status, 200);
    assert!(t.elapsed() >= Duration::from_millis(150));
}

// ---------------------------------------------------------------- concurrency

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thousands_of_concurrent_saves_all_read_back() {
    const N: usize = 3000;
    let s = Arc::new(srv().await);
    let gate = Arc::new(tokio::sync::Semaphore::new(64));
    let mut tasks = Vec::with_capacity(N);
    for i in 0..N {
        let s = s.clone();
        let gate = gate.clone();
        tasks.push(tokio::spawn(async move {
            let _permit = gate.acquire_owned().await.unwrap();
            let r = s
                .save(json!({"UserGroup": {"Id": 0, "Value": format!("group-{i}"), "Tooltip": format!("t{i}"), "Rank": i}}))
                .await;
            assert_eq!(r.status, 200, "{}", r.text);
            let v = r.json();
            assert_eq!(v["Value"], format!("group-{i}"));
            (i, v["Id"].as_i64().unwrap() as i32)
        }));
    }
    let mut created = Vec::with_capacity(N);
    for t in tasks {
        created.push(t.await.unwrap());
    }
    let mut ids: Vec<i32> = created.iter().map(|(_, id)| *id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), N, "every create got a unique Id");

    // Each reads back by Id, concurrently.
    let mut reads = Vec::with_capacity(N);
    for (i, id) in created.clone() {
        let s = s.clone();
        let gate = gate.clone();
        reads.push(tokio::spawn(async move {
            let _permit = gate.acquire_owned().await.unwrap();
            let v = s.get(id).await;
            assert_eq!(v["Id"], id);
            assert_eq!(v["Value"], format!("group-{i}"));
            assert_eq!(v["Tooltip"], format!("t{i}"));
            assert_eq!(v["Rank"], i as i64);
        }));
    }
    for r in reads {
        r.await.unwrap();
    }
    // And all of them are in GetAllUserGroups and the store.
    assert_eq!(s.all(false).await.len(), N);
    assert_eq!(s.server.store().len(), N);
}

// ---------------------------------------------------------------- `serve`

#[cfg(unix)]
#[test]
fn serve_prints_its_url_serves_and_stops_on_sigterm() {
    use std::io::{BufRead, BufReader, Read};
    use std::process::{Command, Stdio};

    let secret_bearer = "8A:Cust99999.user-set-secret-bearer";
    let secret_basic = "carol:user-set-password";
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_soconform"));
    for var in [
        "SOCONF_BASIC",
        "SOCONF_TICKET",
        "SOCONF_BEARER",
        "SOCONF_COOKIE",
        "SOCONF_XSRF_TOKEN",
    ] {
        cmd.env_remove(var);
    }
    let mut child = cmd
        .args(["serve", "--port", "0", "--basic", secret_basic])
        .env("SOCONF_BEARER", secret_bearer)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary starts");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    let url = first
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in {first:?}"))
        .to_string();
    assert!(url.ends_with("/api"), "{url}");
    assert!(!url.ends_with(":0/api"), "the real port is printed: {url}");

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let status = rt.block_on(async {
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let r = client
            .post(format!("{url}/v1/Agents/User/SaveUserGroup"))
            .header("Authorization", format!("Bearer {secret_bearer}"))
            .header("Content-Type", "application/json")
            .body("{\"UserGroup\": {\"Value\": \"from serve\"}}")
            .send()
            .await
            .unwrap();
        let status = r.status();
        let v: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
        assert_eq!(v["Value"], "from serve");
        // The built-in Basic was replaced by the user's.
        let refused = client
            .post(format!("{url}/v1/Agents/User/GetAllUserGroups"))
            .header("Authorization", BASIC)
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 401);
        status
    });
    assert_eq!(status, 200);

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(15);
    let exit = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        assert!(Instant::now() < deadline, "serve did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "clean exit: {exit:?}");

    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let all = format!("{first}{rest}{err}");
    for secret in [
        secret_bearer,
        secret_basic,
        "user-set-password",
        "Y2Fyb2w6dXNlci1zZXQtcGFzc3dvcmQ=",
    ] {
        assert!(
            !all.contains(secret),
            "a user-set secret was printed: {all}"
        );
    }
    assert!(all.contains("(set by you, not shown)"), "{all}");
    // Built-in values are shown (here the ticket).
    assert!(all.contains("7T:"), "{all}");
}
