//! Certification evidence (issue 17), through the binary as a certifier runs it: waivers
//! (matching, stale, expired, a bad file), `diff` between two runs, and `verify` of a
//! report directory with its digests and Ed25519 signature. The target is the reference
//! server in this process, clean or with one deliberate fault.

use serde_json::Value;
use soconform_reference::{self as reference, Fault};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The fault these tests waive: it accepts the configured Basic user with any password,
/// so the `near-basic-user`, `near-basic-longer` and `near-basic-password-case` trials
/// fail (must, and the should-level 401 ones): six trials.
const FAULT: &str = "auth_basic_user_only";
const FILTER: &str = "::auth::near_miss_";

mod common;
use common::Server;

fn server(fault: Option<&str>) -> Server {
    Server::start(fault.map(|f| Fault::from_id(f).expect("a fault")))
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("soconform-cert-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("tmp");
    dir
}

fn soconform(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_soconform"));
    c.args(args).current_dir(root());
    for (k, _) in std::env::vars() {
        if k.starts_with("SOCONF_") {
            c.env_remove(k);
        }
    }
    c
}

/// `soconform run` against `s`, the near-miss trials only, reports in `dir`.
fn run(s: &Server, dir: &Path, extra: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = soconform(&["run", "--filter", FILTER, "--report"]);
    c.arg(dir).args(extra);
    c.env("SOCONF_TARGET", s.server.base_url());
    // Every scheme the reference server accepts, so every near miss runs.
    let creds = reference::default_credentials();
    for (var, v) in [
        ("SOCONF_BASIC", &creds.basic),
        ("SOCONF_TICKET", &creds.ticket),
        ("SOCONF_BEARER", &creds.bearer),
        ("SOCONF_COOKIE", &creds.cookie),
        ("SOCONF_XSRF_TOKEN", &creds.xsrf_token),
    ] {
        if let Some(v) = v {
            c.env(var, v.expose());
        }
    }
    c.env("SOCONF_RPS", "0");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn report(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).expect("report.json"))
        .expect("json")
}

fn waiver_file(dir: &Path, pattern: &str, expires: &str) -> PathBuf {
    let path = dir.join("waivers.toml");
    std::fs::write(
        &path,
        format!(
            "[[waiver]]\npattern = \"{pattern}\"\nreason = \"half-checked Basic under dispute\"\nlink = \"https://tracker.example/CRM-1\"\nowner = \"qa@example.com\"\nexpires = \"{expires}\"\n"
        ),
    )
    .expect("write");
    path
}

#[test]
fn a_waiver_sets_the_failures_aside_in_every_report_and_the_run_passes() {
    let s = server(Some(FAULT));
    let work = temp("waived");
    let dir = work.join("report");
    let waivers = waiver_file(&work, "*near-basic-*", "2999-12-31");
    let out = run(&s, &dir, &["--waivers", &waivers.to_string_lossy()], &[]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(0), "{said}");
    assert!(said.contains("with 6 waived failures"), "{said}");
    let doc = report(&dir);
    let waived: Vec<&Value> = doc["trials"]
        .as_array()
        .expect("trials")
        .iter()
        .filter(|t| t["verdict"] == "waived")
        .collect();
    assert_eq!(
        waived.len(),
        6,
        "the must and should near-basic-user, -longer and -password-case trials"
    );
    assert!(waived
        .iter()
        .all(|t| t["waived"]["owner"] == "qa@example.com"));
    assert_eq!(doc["waivers"][0]["state"], "applied");
    assert_eq!(doc["totals"]["waived"], 6);
    let junit = std::fs::read_to_string(dir.join("junit.xml")).expect("junit");
    assert!(
        junit.contains("waived failure: half-checked Basic under dispute"),
        "never a pass in JUnit"
    );
    let html = std::fs::read_to_string(dir.join("report.html")).expect("html");
    assert!(html.contains("id=\"waived\"") && html.contains("badge v-waived"));
    // Without the waiver the same server fails the run.
    let bare = run(&s, &work.join("bare"), &[], &[]);
    assert_eq!(bare.status.code(), Some(1), "{}", text(&bare));
    let _ = std::fs::remove_dir_all(&work);
}

#[test]
fn a_stale_waiver_is_reported_and_an_expired_one_fails_the_run() {
    let clean = server(None);
    let work = temp("stale");
    let waivers = waiver_file(&work, "*near-basic-user", "2999-12-31");
    let out = run(
        &clean,
        &work.join("r1"),
        &["--waivers", &waivers.to_string_lossy()],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains("stale: it matched no failure"),
        "{}",
        text(&out)
    );
    assert_eq!(report(&work.join("r1"))["waivers"][0]["state"], "stale");

    let faulty = server(Some(FAULT));
    let expired = waiver_file(&work, "*near-basic-user", "2001-01-01");
    let out = run(
        &faulty,
        &work.join("r2"),
        &["--waivers", &expired.to_string_lossy()],
        &[],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("EXPIRED on 2001-01-01"),
        "{}",
        text(&out)
    );
    let doc = report(&work.join("r2"));
    assert_eq!(doc["waivers"][0]["state"], "expired");
    assert_eq!(
        doc["totals"]["waived"], 0,
        "an expired waiver waives nothing"
    );
    // Even with nothing failing, an expired waiver fails the run.
    let out = run(
        &clean,
        &work.join("r3"),
        &["--waivers", &expired.to_string_lossy()],
        &[],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let _ = std::fs::remove_dir_all(&work);
}

#[test]
fn a_bad_waiver_file_is_exit_2_with_its_line() {
    let work = temp("badwaiver");
    let file = work.join("w.toml");
    std::fs::write(
        &file,
        "# waivers\n[[waiver]]\npattern = \"x\"\nreason = \"r\"\nlink = \"l\"\nowner = \"o\"\nexpires = \"soon\"\n",
    )
    .expect("write");
    let out = soconform(&["run", "--list", "--waivers"])
        .arg(&file)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let said = text(&out);
    assert!(
        said.contains(&format!("{}:2: waiver `x`", file.display())) && said.contains("YYYY-MM-DD"),
        "{said}"
    );
    let _ = std::fs::remove_dir_all(&work);
}

#[test]
fn diff_exits_1_on_regressions_and_0_on_fixes() {
    let work = temp("diff");
    let (good, bad) = (work.join("good"), work.join("bad"));
    let clean = server(None);
    assert_eq!(run(&clean, &good, &[], &[]).status.code(), Some(0));
    let faulty = server(Some(FAULT));
    assert_eq!(run(&faulty, &bad, &[], &[]).status.code(), Some(1));

    let worse = soconform(&["diff"])
        .arg(&good)
        .arg(&bad)
        .output()
        .expect("runs");
    let said = text(&worse);
    assert_eq!(worse.status.code(), Some(1), "{said}");
    assert!(
        said.contains("newly failing (6):")
            && said.contains("near_miss_refused::json->json::near-basic-user: pass -> fail")
            && said.contains("target changed")
            && said.contains("WORSE"),
        "{said}"
    );
    let better = soconform(&["diff"])
        .arg(bad.join("report.json"))
        .arg(&good)
        .output()
        .expect("runs");
    let said = text(&better);
    assert_eq!(better.status.code(), Some(0), "{said}");
    assert!(
        said.contains("fixed (6):") && said.contains("not worse"),
        "{said}"
    );
    let same = soconform(&["diff"])
        .arg(&good)
        .arg(&good)
        .output()
        .expect("runs");
    assert_eq!(same.status.code(), Some(0));
    assert!(text(&same).contains("no change"), "{}", text(&same));
    let missing = soconform(&["diff"])
        .arg(work.join("nope"))
        .arg(&good)
        .output()
        .expect("runs");
    assert_eq!(missing.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&work);
}

#[test]
fn verify_checks_digests_the_suite_and_the_signature() {
    let work = temp("verify");
    let key_file = work.join("signing.key");
    let keygen = soconform(&["keygen", "--out"])
        .arg(&key_file)
        .output()
        .expect("runs");
    assert_eq!(keygen.status.code(), Some(0), "{}", text(&keygen));
    let public = String::from_utf8_lossy(&keygen.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("public key: "))
        .expect("a public key")
        .to_string();
    let private = std::fs::read_to_string(&key_file)
        .expect("key")
        .trim()
        .to_string();
    let dir = work.join("report");
    let s = server(None);
    let out = run(&s, &dir, &[], &[("SOCONF_SIGNING_KEY", &private)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // The private key is in no output and no report file.
    assert!(!text(&out).contains(&private));
    for f in std::fs::read_dir(&dir).expect("dir").flatten() {
        let bytes = std::fs::read(f.path()).expect("read");
        assert!(
            !String::from_utf8_lossy(&bytes).contains(&private),
            "{} holds the private key",
            f.path().display()
        );
    }
    assert_eq!(report(&dir)["signed_by"], Value::String(public.clone()));

    let verify = |extra: &[&str]| {
        let out = soconform(&["verify"])
            .arg(&dir)
            .args(extra)
            .output()
            .expect("runs");
        (out.status.code(), text(&out))
    };
    let (code, said) = verify(&["--public-key", &public]);
    assert_eq!(code, Some(0), "{said}");
    assert!(
        said.contains("report.json is signed by") && said.contains("this very suite"),
        "{said}"
    );

    let (_, other) = {
        let k = work.join("other.key");
        let o = soconform(&["keygen", "--out"])
            .arg(&k)
            .output()
            .expect("runs");
        (
            (),
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .find_map(|l| l.strip_prefix("public key: ").map(str::to_string))
                .expect("key"),
        )
    };
    let (code, said) = verify(&["--public-key", &other]);
    assert_eq!(code, Some(1), "another key's signature: {said}");

    // One changed byte in any file fails.
    let junit = dir.join("junit.xml");
    let mut bytes = std::fs::read(&junit).expect("junit");
    let at = bytes.len() / 2;
    bytes[at] ^= 0x20;
    std::fs::write(&junit, &bytes).expect("write");
    let (code, said) = verify(&["--public-key", &public]);
    assert_eq!(code, Some(1), "{said}");
    assert!(
        said.contains("junit.xml: SHA-256") && said.contains("NOT VERIFIED"),
        "{said}"
    );
    bytes[at] ^= 0x20;
    std::fs::write(&junit, &bytes).expect("write");
    assert_eq!(verify(&["--public-key", &public]).0, Some(0));

    // A changed report.json breaks the signature, even with its manifest intact.
    let json_path = dir.join("report.json");
    let json = std::fs::read_to_string(&json_path).expect("json");
    let changed = json.replacen("\"strict\":false", "\"strict\":true", 1);
    assert_ne!(changed, json, "report.json holds \"strict\":false");
    std::fs::write(&json_path, changed).expect("write");
    let (code, said) = verify(&["--public-key", &public]);
    assert_eq!(code, Some(1), "{said}");
    assert!(
        said.contains("signature: the signature does not match"),
        "{said}"
    );
    std::fs::write(&json_path, json).expect("write");

    // A file added after the run is not covered by the manifest.
    std::fs::write(dir.join("extra.txt"), "added").expect("write");
    let (code, said) = verify(&[]);
    assert_eq!(code, Some(1), "{said}");
    assert!(said.contains("extra.txt: not in the manifest"), "{said}");
    let _ = std::fs::remove_dir_all(&work);
}
