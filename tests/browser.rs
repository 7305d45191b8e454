//! `report.html` in a real headless browser (Chromium from the system packages):
//! - it renders without a console error and fetches nothing (any fetch would break its
//!   Content-Security-Policy and be logged as a console error), and its script ran;
//! - a 1400x3200 screenshot holds the whole heat map (its bounding box, measured by the
//!   page itself, lies inside the window). `SOCONF_BLESS=1` saves the screenshot as
//!   `docs/report-screenshot.png`, the picture in the README.
//!
//! Without Chromium these tests are reported as ignored, with the reason, so a fresh clone's
//! `cargo test` passes without system packages; `.ci/run` installs Chromium and sets
//! `SOCONF_REQUIRE_BROWSER=1`, under which a missing browser fails instead.
//! `SOCONF_SKIP_BROWSER=1` ignores them on purpose; `SOCONF_CHROMIUM` names another binary.

use libtest_mimic::{Arguments, Failed, Trial};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const WIDTH: u32 = 1400;
// Tall enough for the endpoint grid and one grid per auth mode (the near-miss modes added
// ten small ones).
const HEIGHT: u32 = 3200;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn find_chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("SOCONF_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in [
            "chromium",
            "chromium-browser",
            "google-chrome",
            "google-chrome-stable",
        ] {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

fn work_dir() -> PathBuf {
    std::env::temp_dir().join(format!("soconform-browser-{}", std::process::id()))
}

/// A full run against the embedded server with its report, once for both tests.
fn report_html() -> Result<&'static Path, Failed> {
    static REPORT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    REPORT
        .get_or_init(|| {
            let dir = work_dir().join("report");
            let _ = std::fs::remove_dir_all(&dir);
            // A waiver in force (stale against the clean server) puts the waivers table
            // and the statement's waiver line on the page.
            let waivers = work_dir().join("waivers.toml");
            std::fs::create_dir_all(work_dir())
                .map_err(|e| format!("cannot create {}: {e}", work_dir().display()))?;
            std::fs::write(
                &waivers,
                "[[waiver]]\npattern = \"auth.near_miss_401\"\nreason = \"browser test\"\nlink = \"https://tracker.example/1\"\nowner = \"qa@example.com\"\nexpires = \"2999-12-31\"\n",
            )
            .map_err(|e| format!("cannot write {}: {e}", waivers.display()))?;
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_soconform"));
            cmd.args(["run", "--report"])
                .arg(&dir)
                .arg("--waivers")
                .arg(&waivers)
                .current_dir(root());
            for (k, _) in std::env::vars() {
                if k.starts_with("SOCONF_") {
                    cmd.env_remove(k);
                }
            }
            let out = cmd
                .output()
                .map_err(|e| format!("cannot run soconform: {e}"))?;
            if out.status.code() != Some(0) {
                return Err(format!(
                    "soconform run failed:\n{}{}",
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                ));
            }
            Ok(dir.join("report.html"))
        })
        .as_ref()
        .map(PathBuf::as_path)
        .map_err(|e| Failed::from(e.as_str()))
}

/// Runs headless Chromium on `page` with `extra` flags; returns (stdout, stderr).
fn chromium(
    chrome: &Path,
    page: &Path,
    profile: &str,
    extra: &[String],
) -> Result<(String, String), Failed> {
    let profile_dir = work_dir().join(profile);
    let _ = std::fs::remove_dir_all(&profile_dir);
    let url = format!("file://{}", page.display());
    let mut cmd = Command::new(chrome);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--enable-logging=stderr",
        "--v=0",
        &format!("--window-size={WIDTH},{HEIGHT}"),
    ])
    .arg(format!("--user-data-dir={}", profile_dir.display()))
    .args(extra)
    .arg(&url)
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", chrome.display()))?;
    let (mut so, mut se) = (child.stdout.take(), child.stderr.take());
    let out_t = std::thread::spawn(move || {
        let mut s = String::new();
        if let Some(o) = so.as_mut() {
            let _ = std::io::Read::read_to_string(o, &mut s);
        }
        s
    });
    let err_t = std::thread::spawn(move || {
        let mut s = String::new();
        if let Some(e) = se.as_mut() {
            let _ = std::io::Read::read_to_string(e, &mut s);
        }
        s
    });
    let deadline = Instant::now() + Duration::from_secs(90);
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if Instant::now() > deadline => {
                let _ = child.kill();
                return Err("chromium did not finish within 90 s".into());
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(100)),
            Err(e) => return Err(format!("waiting for chromium: {e}").into()),
        }
    };
    let stdout = out_t.join().unwrap_or_default();
    let stderr = err_t.join().unwrap_or_default();
    if !status.success() {
        return Err(format!("chromium exited with {status}:\n{stderr}").into());
    }
    Ok((stdout, stderr))
}

/// Console messages Chromium logged (`INFO:CONSOLE(...)` lines): errors, CSP violations,
/// blocked fetches. The page logs nothing on its own.
fn console_lines(stderr: &str) -> Vec<&str> {
    stderr.lines().filter(|l| l.contains(":CONSOLE")).collect()
}

fn body_attr<'a>(dom: &'a str, name: &str) -> Option<&'a str> {
    let body = &dom[dom.find("<body")?..];
    let body = &body[..body.find('>')?];
    let key = format!("{name}=\"");
    let at = body.find(&key)? + key.len();
    let rest = &body[at..];
    Some(&rest[..rest.find('"')?])
}

fn dump_dom(chrome: &Path, page: &Path, profile: &str) -> Result<(String, String), Failed> {
    chromium(chrome, page, profile, &["--dump-dom".to_string()])
}

fn renders_without_errors(chrome: &Path) -> Result<(), Failed> {
    let page = report_html()?;
    let (dom, stderr) = dump_dom(chrome, page, "render")?;
    let console = console_lines(&stderr);
    if !console.is_empty() {
        return Err(format!(
            "the page logged console messages (errors or blocked fetches):\n{}",
            console.join("\n")
        )
        .into());
    }
    if body_attr(&dom, "data-ready") != Some("1") {
        return Err(format!(
            "the page's script did not run to its end (no data-ready on <body>):\n{}",
            &dom[..dom.len().min(2000)]
        )
        .into());
    }
    for needle in [
        "id=\"heatmap-grids\"",
        "id=\"requirements\"",
        "id=\"traceability\"",
        "CONFORMANT",
        // The certificate statement: suite, target, credentials, limits, untestable
        // sentences, waivers, detection power, and how to verify the package.
        "id=\"certificate\"",
        "judged <b>embedded reference server",
        "could not be tested",
        "Waivers in force: <code>auth.near_miss_401</code> (stale",
        "soconform verify DIR",
        "id=\"waivers\"",
    ] {
        if !dom.contains(needle) {
            return Err(format!("the rendered page lacks {needle}").into());
        }
    }
    // The certification reader's line: the self-test's detection power, measured for
    // this very suite (docs/detection.json is kept current by tests/selftest.rs).
    let detection = dom
        .split("<dt>detection power</dt><dd>")
        .nth(1)
        .and_then(|rest| rest.split("</dd>").next())
        .ok_or("the header has no detection power line")?;
    if !(detection.contains("must-level faults caught")
        && detection.contains("clean profiles pass"))
    {
        return Err(
            format!("the detection power line does not give the score: {detection}").into(),
        );
    }
    let cells: usize = body_attr(&dom, "data-heatmap-cells")
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    if cells < 50 {
        return Err(format!("the heat map shows {cells} cells; expected the full matrix").into());
    }
    // The control: a page that does fetch is caught by the same check.
    let bad = work_dir().join("fetching.html");
    let html = std::fs::read_to_string(page).map_err(|e| e.to_string())?;
    std::fs::write(
        &bad,
        html.replace("<main>", "<main><img src=\"http://192.0.2.1/x.png\">"),
    )
    .map_err(|e| e.to_string())?;
    let (_, stderr) = dump_dom(chrome, &bad, "control")?;
    if console_lines(&stderr).is_empty() {
        return Err("control: a page with an external image logged nothing, so the check above proves nothing".into());
    }
    Ok(())
}

/// Width and height from a PNG's IHDR chunk.
fn png_size(bytes: &[u8]) -> Option<(u32, u32)> {
    if bytes.len() < 24 || &bytes[..8] != b"\x89PNG\r\n\x1a\n" || &bytes[12..16] != b"IHDR" {
        return None;
    }
    let w = u32::from_be_bytes(bytes[16..20].try_into().ok()?);
    let h = u32::from_be_bytes(bytes[20..24].try_into().ok()?);
    Some((w, h))
}

fn screenshot_shows_heat_map(chrome: &Path) -> Result<(), Failed> {
    let page = report_html()?;
    let png = work_dir().join("report-screenshot.png");
    let _ = std::fs::remove_file(&png);
    chromium(
        chrome,
        page,
        "shot",
        &[format!("--screenshot={}", png.display())],
    )?;
    let bytes =
        std::fs::read(&png).map_err(|e| format!("no screenshot at {}: {e}", png.display()))?;
    match png_size(&bytes) {
        Some((w, h)) if (w, h) == (WIDTH, HEIGHT) => {}
        other => return Err(format!("screenshot is not a {WIDTH}x{HEIGHT} PNG: {other:?}").into()),
    }
    if bytes.len() < 20_000 {
        return Err(format!("the screenshot is {} bytes: a blank page?", bytes.len()).into());
    }
    // Where the heat map is, as the page measured it in the same window size.
    let (dom, _) = dump_dom(chrome, page, "measure")?;
    let rect: Vec<i64> = body_attr(&dom, "data-heatmap-rect")
        .unwrap_or("")
        .split(',')
        .filter_map(|v| v.trim().parse().ok())
        .collect();
    let [x, y, w, h] = rect[..] else {
        return Err(format!("the page did not report the heat map's position: {rect:?}").into());
    };
    if w <= 0 || h <= 0 || x < 0 || y < 0 || x + w > i64::from(WIDTH) || y + h > i64::from(HEIGHT) {
        return Err(format!(
            "the heat map ({x},{y} {w}x{h}) is not wholly inside the {WIDTH}x{HEIGHT} screenshot"
        )
        .into());
    }
    if std::env::var_os("SOCONF_BLESS").is_some() {
        let dest = root().join("docs/report-screenshot.png");
        std::fs::copy(&png, &dest).map_err(|e| format!("{}: {e}", dest.display()))?;
    }
    // The README's picture is a real screenshot of the same size.
    let committed = std::fs::read(root().join("docs/report-screenshot.png")).unwrap_or_default();
    if png_size(&committed) != Some((WIDTH, HEIGHT)) {
        return Err("docs/report-screenshot.png is missing or not a screenshot: run `SOCONF_BLESS=1 cargo test --test browser`".into());
    }
    Ok(())
}

fn main() -> ExitCode {
    let args = Arguments::from_args();
    let flag = |name: &str| std::env::var(name).is_ok_and(|v| !v.is_empty() && v != "0");
    let chrome = find_chromium();
    let required = flag("SOCONF_REQUIRE_BROWSER");
    let skip = flag("SOCONF_SKIP_BROWSER") || (chrome.is_none() && !required);
    let make = |name: &str, f: fn(&Path) -> Result<(), Failed>| {
        let chrome = chrome.clone();
        Trial::test(name, move || match &chrome {
            Some(c) => f(c),
            None => Err("Chromium is not installed: install it (Debian/Ubuntu: `apt-get install chromium`) or run `.ci/run`, \
                         which installs it; set SOCONF_CHROMIUM to use another binary, or SOCONF_SKIP_BROWSER=1 to skip these tests on purpose"
                .into()),
        })
        .with_ignored_flag(skip)
    };
    let trials = vec![
        make("report_html_renders_without_errors", renders_without_errors),
        make("screenshot_shows_the_heat_map", screenshot_shows_heat_map),
    ];
    if skip && !args.list {
        if chrome.is_none() {
            eprintln!("soconform: Chromium is not installed (apt-get install chromium): the browser tests are ignored; .ci/run requires them");
        } else {
            eprintln!("soconform: SOCONF_SKIP_BROWSER is set: the browser tests are ignored");
        }
    }
    let conclusion = libtest_mimic::run(&args, trials);
    let _ = std::fs::remove_dir_all(work_dir());
    conclusion.exit_code()
}
