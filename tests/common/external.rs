//! Running tools from outside cargo (Node, Python) for the tests that need them: a bounded
//! child process, and an install directory made once per set of pinned package files.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Whether `tool --version` runs.
pub fn runs(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A `SOCONF_*` flag: set, not empty and not `0`.
pub fn flag(name: &str) -> bool {
    std::env::var(name).is_ok_and(|v| !v.is_empty() && v != "0")
}

/// Runs `cmd` to its end, killed after `timeout`: its stdout, or what went wrong (with
/// its stderr).
pub fn run_bounded(mut cmd: Command, what: &str, timeout: Duration) -> Result<String, String> {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{what}: cannot start: {e}"))?;
    // The pipes are drained on threads so a chatty child cannot block on a full pipe.
    let mut stdout = child.stdout.take();
    let mut stderr = child.stderr.take();
    let out = std::thread::spawn(move || read_all(stdout.as_mut()));
    let err = std::thread::spawn(move || read_all(stderr.as_mut()));
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("{what}: no end after {timeout:?}; killed"));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(format!("{what}: {e}")),
        }
    };
    let out = out.join().unwrap_or_default();
    let err = err.join().unwrap_or_default();
    if status.success() {
        Ok(out)
    } else {
        Err(format!("{what}: {status}\n{out}\n{err}"))
    }
}

fn read_all(pipe: Option<&mut impl Read>) -> String {
    let mut s = String::new();
    if let Some(p) = pipe {
        let _ = p.read_to_string(&mut s);
    }
    s
}

/// An install directory under `root` named by a hash of `files` (name, bytes): made once
/// (`files` written into it, then `install` run there) and reused while the files stay the
/// same. nextest runs each trial in a process of its own: each installs into a directory
/// of its own and renames it into place, and a process that finds the place taken uses
/// the one already there.
pub fn install_once(
    root: &Path,
    files: &[(&str, Vec<u8>)],
    install: impl FnOnce(&Path) -> Result<(), String>,
) -> Result<PathBuf, String> {
    use sha2::Digest as _;
    let mut hash = sha2::Sha256::new();
    for (name, bytes) in files {
        hash.update(name.as_bytes());
        hash.update(bytes);
    }
    let digest: String = hash.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let dir = root.join(&digest);
    let done = |d: &Path| d.join(".installed").is_file();
    if done(&dir) {
        return Ok(dir);
    }
    let work = root.join(format!("{digest}.{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;
    for (name, bytes) in files {
        std::fs::write(work.join(name), bytes)
            .map_err(|e| format!("{}: {e}", work.join(name).display()))?;
    }
    let installed = install(&work).and_then(|()| {
        std::fs::write(work.join(".installed"), b"").map_err(|e| format!("{}: {e}", work.display()))
    });
    if let Err(e) = installed {
        let _ = std::fs::remove_dir_all(&work);
        return Err(e);
    }
    if std::fs::rename(&work, &dir).is_err() {
        // Another process got there first (or a half-made directory is in the way).
        let _ = std::fs::remove_dir_all(&work);
        if !done(&dir) {
            return Err(format!("{}: could not install there", dir.display()));
        }
    }
    Ok(dir)
}

/// The bytes of `names` under `dir`, for [`install_once`].
pub fn read_files(
    dir: &Path,
    names: &[&'static str],
) -> Result<Vec<(&'static str, Vec<u8>)>, String> {
    names
        .iter()
        .map(|n| {
            std::fs::read(dir.join(n))
                .map(|b| (*n, b))
                .map_err(|e| format!("{}: {e}", dir.join(n).display()))
        })
        .collect()
}
