//! The contract other tools read: `soconform openapi`'s export, run through Schemathesis
//! (pinned with every dependency in `tests/peer_tools/requirements.txt`, installed with pip
//! into a virtual environment under `target/`) against the embedded reference server, with
//! every default check but those in [`EXCLUDED_CHECKS`] and a fixed seed. It must report
//! no failure and no error, every operation tested; the same against the clean profile that
//! refuses what no page promises (a null body, a negative key), so the export promises no
//! more than the docs. Another trial runs it against a server whose answers break the
//! contract, and Schemathesis must find it.
//!
//! Without Python 3 (with `venv`) the trials are reported as ignored, with the reason, as
//! the browser tests are; `.ci/run` sets `SOCONF_REQUIRE_PYTHON=1`, under which a missing
//! Python fails instead. `SOCONF_SKIP_PEER_TOOLS=1` ignores them on purpose; `SOCONF_PYTHON`
//! names another interpreter.

use libtest_mimic::{Arguments, Failed, Trial};
use serde_json::Value;
use soconform_reference::{self as reference, Config, Fault, Profile};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::sync::OnceLock;
use std::time::Duration;

mod common;
use common::external;

/// Schemathesis checks left out, each with the README sentence saying which doc sentence
/// makes it wrong for this API (a test below holds the README to it).
const EXCLUDED_CHECKS: &[&str] = &["negative_data_rejection"];
const SEED: &str = "1";
/// The operations Schemathesis runs: the six UserGroup calls.
const FAMILY_PATHS: &str = "/Agents/User/(Save|Get|GetAll|Create|Delete)UserGroup(s|List)?$";
/// Test cases per operation and phase.
const EXAMPLES: &str = "100";
const INSTALL_TIMEOUT: Duration = Duration::from_secs(900);
const RUN_TIMEOUT: Duration = Duration::from_secs(600);

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn work_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("peer-tools")
}

fn python() -> String {
    std::env::var("SOCONF_PYTHON").unwrap_or_else(|_| "python3".into())
}

/// Whether the interpreter runs and has `venv`.
fn python_ready() -> bool {
    Command::new(python())
        .args(["-m", "venv", "--help"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The venv with the pinned Schemathesis, made once per requirements file.
fn venv() -> Result<&'static Path, Failed> {
    static VENV: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    VENV.get_or_init(|| {
        let files = external::read_files(&root().join("tests/peer_tools"), &["requirements.txt"])?;
        external::install_once(&work_dir().join("venv"), &files, |dir| {
            let mut make = Command::new(python());
            make.args(["-m", "venv", "env"]).current_dir(dir);
            external::run_bounded(make, "python3 -m venv", INSTALL_TIMEOUT)?;
            let mut pip = Command::new(dir.join("env/bin/pip"));
            pip.args([
                "install",
                "--disable-pip-version-check",
                "--no-input",
                "--quiet",
                "-r",
                "requirements.txt",
            ])
            .current_dir(dir);
            external::run_bounded(pip, "pip install -r requirements.txt", INSTALL_TIMEOUT)
                .map(|_| ())
        })
    })
    .as_deref()
    .map_err(|e| Failed::from(e.clone()))
}

/// The export, written by the binary users run.
fn export(dir: &Path) -> Result<PathBuf, Failed> {
    let out = dir.join("openapi.json");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_soconform"));
    cmd.arg("openapi")
        .arg("--out")
        .arg(&out)
        .current_dir(root());
    external::run_bounded(cmd, "soconform openapi", RUN_TIMEOUT)?;
    Ok(out)
}

/// `st run` on the export against a fresh reference server (with `fault`, if any): the
/// JSON run report Schemathesis wrote.
fn schemathesis(name: &str, fault: Option<Fault>, profile: Profile) -> Result<Value, Failed> {
    let env = venv()?;
    let dir = work_dir().join(format!("{name}.{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let spec = export(&dir)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|e| format!("tokio runtime: {e}"))?;
    let mut config = Config::with_defaults();
    config.fault = fault;
    config.profile = profile;
    let basic = config
        .credentials
        .basic
        .as_ref()
        .map(|c| c.expose().to_string())
        .unwrap_or_default();
    let server = rt
        .block_on(reference::start(config, ([127, 0, 0, 1], 0).into()))
        .map_err(|e| format!("reference server: {e}"))?;
    // The export's paths start at /api; the server's base URL ends there.
    let origin = server.base_url().trim_end_matches("/api").to_string();
    let report = dir.join("st-report.json");
    // The venv was made elsewhere and renamed into place: its `bin/st` script names the
    // old path, its interpreter finds the venv wherever it is.
    let mut st = Command::new(env.join("env/bin/python"));
    st.args(["-m", "schemathesis.cli", "run"])
        .arg(&spec)
        .args(["--url", &origin, "--auth", &basic])
        .args(["--seed", SEED, "-n", EXAMPLES])
        // The UserGroup family: the calls the reference server keeps state for. The other
        // agent calls' answers are built from their schemas and tested in
        // tests/reference_server; 100 cases each for ~190 more calls would take minutes.
        .args(["--include-path-regex", FAMILY_PATHS])
        .arg("--continue-on-failure")
        .args(["--exclude-checks", &EXCLUDED_CHECKS.join(",")])
        .args(["--report", "json", "--report-json-path"])
        .arg(&report)
        .arg("--no-color")
        .current_dir(&dir)
        .env("HYPOTHESIS_STORAGE_DIRECTORY", dir.join(".hypothesis"));
    // Schemathesis exits 1 when it finds failures: its report says what they were.
    let printed = external::run_bounded(st, "st run", RUN_TIMEOUT);
    rt.block_on(server.shutdown());
    let text = std::fs::read_to_string(&report).map_err(|e| {
        format!(
            "Schemathesis wrote no report ({e}); it printed:\n{}",
            printed.as_ref().map_or_else(|e| e.clone(), |o| o.clone())
        )
    })?;
    let doc: Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", report.display()))?;
    // What it printed (the failures in full) stays beside the report for a look.
    let _ = std::fs::write(dir.join("st-output.txt"), printed.unwrap_or_else(|e| e));
    Ok(doc)
}

fn count(doc: &Value, pointer: &str) -> u64 {
    doc.pointer(pointer).and_then(Value::as_u64).unwrap_or(0)
}

/// The failures a report lists, one line each.
fn failure_lines(doc: &Value) -> Vec<String> {
    doc["failures"]
        .as_array()
        .into_iter()
        .flatten()
        .chain(doc["errors"].as_array().into_iter().flatten())
        .map(|f| {
            let f = f.to_string();
            f.chars().take(400).collect()
        })
        .collect()
}

fn export_passes_schemathesis() -> Result<(), Failed> {
    passes_schemathesis(Profile::Reference)
}

fn export_promises_no_more_than_the_docs() -> Result<(), Failed> {
    passes_schemathesis(Profile::StrictInput)
}

fn passes_schemathesis(profile: Profile) -> Result<(), Failed> {
    let doc = schemathesis(profile.id(), None, profile)?;
    let failures = failure_lines(&doc);
    if !failures.is_empty() || doc["exit_code"] != 0 {
        return Err(format!(
            "Schemathesis found {} failure(s) or error(s) in the export against the `{}` profile (exit code {}):\n{}",
            failures.len(),
            profile.id(),
            doc["exit_code"],
            failures.join("\n")
        )
        .into());
    }
    let (selected, tested) = (
        count(&doc, "/operations/selected"),
        count(&doc, "/operations/tested"),
    );
    // Six POSTs and their six GET descriptions.
    if selected < 12 || tested != selected {
        return Err(format!(
            "Schemathesis tested {tested} of {selected} operations; expected all of at least 12"
        )
        .into());
    }
    let generated = count(&doc, "/test_cases/generated");
    if generated < 500 {
        return Err(format!("Schemathesis generated only {generated} test cases").into());
    }
    for phase in ["examples", "coverage", "fuzzing"] {
        let status = &doc["phases"][phase]["status"];
        if status != "success" {
            return Err(format!("Schemathesis's {phase} phase: {status}").into());
        }
    }
    Ok(())
}

/// The same run against a server that answers `Id` as a JSON string: the contract says
/// int32, so Schemathesis must report SaveUserGroup's response as violating the schema
/// (ST108).
fn a_broken_server_is_caught() -> Result<(), Failed> {
    let fault = Fault::from_id("id_as_string").ok_or("no fault `id_as_string`")?;
    let doc = schemathesis("faulty", Some(fault), Profile::Reference)?;
    let caught = doc["failures"].as_array().into_iter().flatten().any(|f| {
        f["code"] == "ST108"
            && f["operations"].as_array().is_some_and(|ops| {
                ops.iter()
                    .any(|o| o.as_str().is_some_and(|o| o.ends_with("/SaveUserGroup")))
            })
    });
    let text = doc["failures"].to_string();
    if doc["exit_code"] == 0 || !caught {
        return Err(format!(
            "Schemathesis did not flag `Id` answered as a string (exit code {}): {}",
            doc["exit_code"],
            text.chars().take(600).collect::<String>()
        )
        .into());
    }
    Ok(())
}

/// Each excluded check has its README paragraph quoting the doc sentence against it.
fn readme_explains_exclusions() -> Result<(), Failed> {
    let readme =
        std::fs::read_to_string(root().join("README.md")).map_err(|e| format!("README.md: {e}"))?;
    for check in EXCLUDED_CHECKS {
        let explained = readme
            .split("\n\n")
            .any(|p| p.contains(&format!("`{check}`")) && p.contains("agents-webapi.md says"));
        if !explained {
            return Err(format!(
                "README.md has no paragraph naming `{check}` with the doc sentence (\"agents-webapi.md says ...\") that rules it out"
            )
            .into());
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let args = Arguments::from_args();
    let ready = python_ready();
    let required = external::flag("SOCONF_REQUIRE_PYTHON");
    let skip = external::flag("SOCONF_SKIP_PEER_TOOLS") || (!ready && !required);
    let reason = (!ready).then(|| {
        format!(
            "`{} -m venv` does not run: install Python 3 with venv (Debian/Ubuntu: `apt-get install python3 python3-venv`) \
             or set SOCONF_PYTHON; SOCONF_SKIP_PEER_TOOLS=1 skips these tests on purpose",
            python()
        )
    });
    let needs_python = |name: &str, f: fn() -> Result<(), Failed>| {
        let reason = reason.clone();
        Trial::test(name, move || match &reason {
            Some(r) => Err(r.as_str().into()),
            None => f(),
        })
        .with_ignored_flag(skip)
    };
    let trials = vec![
        needs_python(
            "schemathesis::export_against_the_reference_server_has_no_failures",
            export_passes_schemathesis,
        ),
        needs_python(
            "schemathesis::export_against_a_server_refusing_null_bodies_and_negative_keys_has_no_failures",
            export_promises_no_more_than_the_docs,
        ),
        needs_python(
            "schemathesis::a_server_breaking_the_contract_is_caught",
            a_broken_server_is_caught,
        ),
        Trial::test(
            "readme::every_excluded_check_is_explained",
            readme_explains_exclusions,
        ),
    ];
    if skip && !args.list {
        if ready {
            eprintln!(
                "soconform: SOCONF_SKIP_PEER_TOOLS is set: the Schemathesis tests are ignored"
            );
        } else {
            eprintln!(
                "soconform: `{} -m venv` does not run: the Schemathesis tests are ignored; .ci/run requires them",
                python()
            );
        }
    }
    libtest_mimic::run(&args, trials).exit_code()
}
