//! The official TypeScript client, `@superoffice/webapi` (pinned in
//! `tests/official_client/package-lock.json`, installed with `npm ci`), runs the six
//! UserGroup calls of the User agent under Node against the embedded reference server
//! (`tests/official_client/family.js`); each trial judges one call by what the client
//! hands back: created, saved, read, listed, updated, deleted, marked Deleted.
//!
//! One run per clean profile (Basic), and the reference profile again with SoTicket and
//! Bearer, as the client sends them (`authenticateWithTicket`, `authenticateWithToken`);
//! a wrong password must come back to the client as a 401.
//!
//! Without Node and npm the trials are reported as ignored, with the reason, as the
//! browser tests are; `.ci/run` installs them and sets `SOCONF_REQUIRE_NODE=1`, under which
//! missing tools fail instead. `SOCONF_SKIP_NODE=1` ignores them on purpose.

use libtest_mimic::{Arguments, Failed, Trial};
use serde_json::Value;
use soconform_reference::{self as reference, Config, Fault, Profile};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

mod common;
use common::external;

/// Longest a client run (or `npm ci`) may take before it is killed and failed.
const RUN_TIMEOUT: Duration = Duration::from_secs(120);
const INSTALL_TIMEOUT: Duration = Duration::from_secs(600);

fn package_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/official_client")
}

/// Where the package is installed: under the target directory, so a clone stays clean.
fn install_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("official-client")
}

/// The tool missing from PATH, if any (`node --version` and `npm --version` must run).
fn missing_tool() -> Option<&'static str> {
    ["node", "npm"]
        .into_iter()
        .find(|tool| !external::runs(tool))
}

/// `npm ci` into an install directory named by a hash of the package files, once per
/// test binary run (see `common::external::install_once`).
fn installed() -> Result<&'static Path, Failed> {
    static INSTALLED: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    INSTALLED
        .get_or_init(|| {
            let files = external::read_files(
                &package_dir(),
                &["package.json", "package-lock.json", "family.js"],
            )?;
            external::install_once(&install_dir(), &files, |dir| {
                let mut npm = Command::new("npm");
                npm.args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
                    .current_dir(dir);
                external::run_bounded(npm, "npm ci", INSTALL_TIMEOUT).map(|_| ())
            })
        })
        .as_deref()
        .map_err(|e| Failed::from(e.clone()))
}

/// How the client authenticates in one run.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Auth {
    Basic,
    Ticket,
    Bearer,
    WrongPassword,
}

impl Auth {
    fn id(self) -> &'static str {
        match self {
            Auth::Basic => "basic",
            Auth::Ticket => "soticket",
            Auth::Bearer => "bearer",
            Auth::WrongPassword => "wrong_password",
        }
    }

    /// The client's mode and the secret it is given.
    fn client_mode(self, config: &Config) -> (&'static str, String) {
        let c = &config.credentials;
        let value = |cred: &Option<soconform_core::credentials::Credential>| {
            cred.as_ref()
                .map(|c| c.expose().to_string())
                .unwrap_or_default()
        };
        match self {
            Auth::Basic => ("basic", value(&c.basic)),
            Auth::Ticket => ("ticket", value(&c.ticket)),
            Auth::Bearer => ("bearer", value(&c.bearer)),
            Auth::WrongPassword => {
                let user = value(&c.basic);
                let user = user.split(':').next().unwrap_or_default().to_string();
                ("basic", format!("{user}:not-the-password"))
            }
        }
    }
}

/// The servers' runtime, shared by every run (each run has a server of its own).
fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("tokio runtime")
    })
}

type Steps = serde_json::Map<String, Value>;

/// The server a client run talks to: a clean profile, or the reference with one fault.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Server {
    Clean(Profile),
    Faulty(Fault),
}

/// One client run against a fresh `server`: the steps `family.js` printed.
fn client_run(server: Server, auth: Auth) -> Result<Arc<Steps>, Failed> {
    type Runs = Mutex<HashMap<(Server, Auth), Arc<OnceLock<Result<Arc<Steps>, String>>>>>;
    static RUNS: OnceLock<Runs> = OnceLock::new();
    let cell = RUNS
        .get_or_init(Default::default)
        .lock()
        .map_err(|_| Failed::from("a client run panicked"))?
        .entry((server, auth))
        .or_default()
        .clone();
    cell.get_or_init(|| run_family(server, auth))
        .clone()
        .map_err(Failed::from)
}

fn run_family(server: Server, auth: Auth) -> Result<Arc<Steps>, String> {
    let dir = installed().map_err(|e| e.message().unwrap_or("npm ci failed").to_string())?;
    let mut config = Config::with_defaults();
    match server {
        Server::Clean(profile) => config.profile = profile,
        Server::Faulty(fault) => config.fault = Some(fault),
    }
    let (mode, secret) = auth.client_mode(&config);
    let server = runtime()
        .block_on(reference::start(config, ([127, 0, 0, 1], 0).into()))
        .map_err(|e| format!("reference server: {e}"))?;
    let mut node = Command::new("node");
    node.arg(dir.join("family.js"))
        .arg(server.base_url())
        .env("SOCONF_CLIENT_AUTH", mode)
        .env("SOCONF_CLIENT_SECRET", secret)
        .current_dir(dir);
    let printed = external::run_bounded(node, "node family.js", RUN_TIMEOUT);
    runtime().block_on(server.shutdown());
    let printed = printed?;
    let doc: Value = serde_json::from_str(printed.trim())
        .map_err(|e| format!("family.js printed no JSON ({e}): {printed}"))?;
    match doc.get("steps") {
        Some(Value::Object(steps)) => Ok(Arc::new(steps.clone())),
        _ => Err(format!("family.js printed no steps: {printed}")),
    }
}

/// A step's value, or why the step has none (its error or the step it needed).
fn value<'a>(steps: &'a Steps, step: &str) -> Result<&'a Value, Failed> {
    let s = steps
        .get(step)
        .ok_or_else(|| format!("step `{step}` did not run"))?;
    if let Some(v) = s.get("value") {
        return Ok(v);
    }
    Err(format!("step `{step}` gave no value: {s}").into())
}

fn field<'a>(carrier: &'a Value, name: &str) -> &'a Value {
    carrier.get(name).unwrap_or(&Value::Null)
}

fn expect(ok: bool, what: impl FnOnce() -> String) -> Result<(), Failed> {
    if ok {
        Ok(())
    } else {
        Err(what().into())
    }
}

/// The ids of the groups in an array answer.
fn ids(list: &Value) -> Result<Vec<i64>, Failed> {
    let Value::Array(items) = list else {
        return Err(format!("expected an array of UserGroup, got {list}").into());
    };
    Ok(items
        .iter()
        .filter_map(|g| field(g, "id").as_i64())
        .collect())
}

fn id_of(steps: &Steps, step: &str) -> Result<i64, Failed> {
    let v = value(steps, step)?;
    field(v, "id")
        .as_i64()
        .ok_or_else(|| format!("step `{step}`: no numeric id in {v}").into())
}

/// One call's verdict over a run's steps.
type Check = fn(&Steps) -> Result<(), Failed>;

const CHECKS: &[(&str, Check)] = &[
    ("create_user_group", |s| {
        // "Create UserGroup (Rank is assigned to the highest rank)": a carrier, not null.
        let c = value(s, "create")?;
        expect(c.is_object(), || {
            format!("expected a UserGroup carrier, got {c}")
        })?;
        expect(field(c, "rank").is_i64(), || {
            format!("expected a numeric rank, got {c}")
        })?;
        expect(field(c, "deleted") == &Value::Bool(false), || {
            format!("a new group is not Deleted: {c}")
        })
    }),
    ("save_user_group", |s| {
        let (a, b) = (id_of(s, "save_a")?, id_of(s, "save_b")?);
        expect(a > 0 && b > 0 && a != b, || {
            format!("two new groups need two positive ids, got {a} and {b}")
        })?;
        let saved = value(s, "save_a")?;
        expect(
            field(saved, "value")
                .as_str()
                .is_some_and(|v| v.ends_with("-a")),
            || format!("the saved name is not read back: {saved}"),
        )
    }),
    ("get_user_group", |s| {
        let got = value(s, "get_a")?;
        let saved = value(s, "save_a")?;
        expect(
            field(got, "id") == field(saved, "id") && field(got, "value") == field(saved, "value"),
            || format!("GetUserGroup answered {got}, the save {saved}"),
        )
    }),
    ("get_all_user_groups", |s| {
        let all = ids(value(s, "get_all")?)?;
        let (a, b) = (id_of(s, "save_a")?, id_of(s, "save_b")?);
        expect(all.contains(&a) && all.contains(&b), || {
            format!("GetAllUserGroups lists {all:?}, not both new groups {a} and {b}")
        })
    }),
    ("get_user_group_list", |s| {
        let mut listed = ids(value(s, "list")?)?;
        listed.sort_unstable();
        let mut want = vec![id_of(s, "save_a")?, id_of(s, "save_b")?];
        want.sort_unstable();
        expect(listed == want, || {
            format!("GetUserGroupList of {want:?} answered the ids {listed:?}")
        })
    }),
    ("save_user_group_update", |s| {
        let updated = value(s, "update_a")?;
        let a = id_of(s, "save_a")?;
        expect(
            field(updated, "id").as_i64() == Some(a)
                && field(updated, "tooltip").as_str() == Some("soconform official client, updated"),
            || format!("the update of group {a} answered {updated}"),
        )
    }),
    ("delete_user_group", |s| {
        // "Delete a usergroup and move its members to another usergroup": afterwards the
        // group is gone or marked Deleted, as the pages allow.
        value(s, "delete_a")?;
        let a = id_of(s, "save_a")?;
        let after = value(s, "list_after_delete")?;
        let Value::Array(items) = after else {
            return Err(format!("GetUserGroupList after the delete answered {after}").into());
        };
        let still_active = items.iter().any(|g| {
            field(g, "id").as_i64() == Some(a) && field(g, "deleted") != &Value::Bool(true)
        });
        expect(!still_active, || {
            format!("group {a} is listed, not Deleted, after DeleteUserGroup: {after}")
        })?;
        let got = value(s, "get_deleted")?;
        expect(
            got.is_null() || field(got, "deleted") == &Value::Bool(true),
            || format!("GetUserGroup of the deleted group {a} answered {got}"),
        )
    }),
    ("save_user_group_marked_deleted", |s| {
        let marked = value(s, "mark_b_deleted")?;
        let read = value(s, "get_b")?;
        expect(
            field(marked, "deleted") == &Value::Bool(true)
                && field(read, "deleted") == &Value::Bool(true),
            || format!("marked Deleted, the save answered {marked} and GetUserGroup {read}"),
        )
    }),
];

/// Every client call under a wrong password comes back as a 401 error.
fn wrong_password_refused(s: &Steps) -> Result<(), Failed> {
    let create = s.get("create").ok_or("step `create` did not run")?;
    let status = create.pointer("/error/status");
    expect(status == Some(&Value::from(401)), || {
        format!("CreateUserGroup with a wrong password: expected an error with status 401, got {create}")
    })
}

/// Faults a client run must notice, and the call whose check notices each: proof that
/// the checks above can fail, on servers that go wrong the way real ones do.
const CAUGHT: &[(&str, &str)] = &[
    ("camel_case_request_ignored", "save_user_group"),
    ("update_creates_new", "save_user_group_update"),
    ("get_all_not_array", "get_all_user_groups"),
    ("list_ignores_ids", "get_user_group_list"),
    ("delete_ignored", "delete_user_group"),
    ("delete_wrong_group", "delete_user_group"),
    ("deleted_not_saved", "save_user_group_marked_deleted"),
];

fn main() -> ExitCode {
    let args = Arguments::from_args();
    let missing = missing_tool();
    let required = external::flag("SOCONF_REQUIRE_NODE");
    let skip = external::flag("SOCONF_SKIP_NODE") || (missing.is_some() && !required);
    let reason = missing.map(|tool| {
        format!(
            "`{tool}` is not installed: install Node.js and npm (Debian/Ubuntu: `apt-get install nodejs npm`) \
             or run `.ci/run`, which installs them; SOCONF_SKIP_NODE=1 skips these tests on purpose"
        )
    });
    let trial = |name: String, server: Server, auth: Auth, check: Check| {
        let reason = reason.clone();
        Trial::test(name, move || match &reason {
            Some(r) => Err(r.as_str().into()),
            None => check(&*client_run(server, auth)?),
        })
        .with_ignored_flag(skip)
    };
    // A faulty server's trial passes when its check fails (and says why).
    let caught = |name: String, fault: Fault, auth: Auth, check: Check| {
        let reason = reason.clone();
        Trial::test(name, move || match &reason {
            Some(r) => Err(r.as_str().into()),
            None => match check(&*client_run(Server::Faulty(fault), auth)?) {
                Err(_) => Ok(()),
                Ok(()) => {
                    Err(format!("the client's checks pass against fault `{}`", fault.id()).into())
                }
            },
        })
        .with_ignored_flag(skip)
    };
    let mut trials = Vec::new();
    for profile in Profile::ALL {
        let auths: &[Auth] = if profile == Profile::Reference {
            &[Auth::Basic, Auth::Ticket, Auth::Bearer]
        } else {
            &[Auth::Basic]
        };
        for &auth in auths {
            for (call, check) in CHECKS {
                let name = format!("{}::{}::{call}", profile.id(), auth.id());
                trials.push(trial(name, Server::Clean(profile), auth, *check));
            }
        }
    }
    trials.push(trial(
        format!(
            "{}::{}::refused",
            Profile::Reference.id(),
            Auth::WrongPassword.id()
        ),
        Server::Clean(Profile::Reference),
        Auth::WrongPassword,
        wrong_password_refused,
    ));
    let check_named = |call: &str| CHECKS.iter().find(|(c, _)| *c == call).map(|(_, f)| *f);
    for (id, call) in CAUGHT {
        let (Some(fault), Some(check)) = (Fault::from_id(id), check_named(call)) else {
            panic!("CAUGHT names an unknown fault `{id}` or call `{call}`");
        };
        trials.push(caught(
            format!("faulty::{id}::{call}_caught"),
            fault,
            Auth::Basic,
            check,
        ));
    }
    // Half-checked credentials: only the user name compared lets a wrong password in.
    let Some(fault) = Fault::from_id("auth_basic_user_only") else {
        panic!("no fault is named `auth_basic_user_only`");
    };
    trials.push(caught(
        "faulty::auth_basic_user_only::refused_caught".to_string(),
        fault,
        Auth::WrongPassword,
        wrong_password_refused,
    ));
    if skip && !args.list {
        match missing {
            Some(tool) => eprintln!(
                "soconform: `{tool}` is not installed (apt-get install nodejs npm): the official-client tests are ignored; .ci/run requires them"
            ),
            None => eprintln!("soconform: SOCONF_SKIP_NODE is set: the official-client tests are ignored"),
        }
    }
    libtest_mimic::run(&args, trials).exit_code()
}
