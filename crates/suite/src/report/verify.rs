//! `soconform verify DIR`: is this report directory what the run wrote? Every file
//! `report.json` lists has its digest, no other file is there, the suite that judged is
//! the suite here, and (with a public key) the signature of `report.json` holds.

use super::manifest::{self, SIGNATURE_FILE};
use std::path::Path;

/// One finding: whether it holds, and what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub ok: bool,
    pub text: String,
}

/// Checks `dir` against its own manifest, `suite_hash` (the suite here, when it should
/// match) and `public_key` (when the signature should be checked).
pub fn verify(
    dir: &Path,
    suite_hash: Option<&str>,
    public_key: Option<&str>,
) -> Result<Vec<Finding>, String> {
    let doc = super::load_doc(dir)?;
    let mut out = Vec::new();
    let mut say = |ok: bool, text: String| out.push(Finding { ok, text });
    if doc.files.is_empty() {
        say(
            false,
            "report.json lists no files: it was written by a version without a manifest, or edited"
                .into(),
        );
    }
    for f in &doc.files {
        match manifest::digest(&dir.join(&f.name)) {
            Err(e) => say(false, format!("{}: missing or unreadable ({e})", f.name)),
            Ok(d) if d.sha256 != f.sha256 => say(
                false,
                format!(
                    "{}: SHA-256 {} differs from the manifest's {} (the file changed)",
                    f.name, d.sha256, f.sha256
                ),
            ),
            Ok(_) => say(true, format!("{}: SHA-256 matches", f.name)),
        }
    }
    let listed = |n: &str| {
        n == "report.json" || n == SIGNATURE_FILE || doc.files.iter().any(|f| f.name == n)
    };
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if !listed(&name) {
            say(
                false,
                format!("{name}: not in the manifest (added after the run)"),
            );
        }
    }
    match suite_hash {
        Some(here) if here == doc.suite.content_hash => say(
            true,
            format!("suite: judged by this very suite (content hash {here})"),
        ),
        Some(here) => say(
            false,
            format!(
                "suite: judged by content hash {}, the suite here is {here}: check out that version to re-check (or --any-suite)",
                doc.suite.content_hash
            ),
        ),
        None => say(true, format!("suite: not compared (--any-suite); it was {}", doc.suite.content_hash)),
    }
    let sig = std::fs::read_to_string(dir.join(SIGNATURE_FILE)).ok();
    match (public_key, sig) {
        (Some(key), Some(sig)) => {
            let bytes =
                std::fs::read(dir.join("report.json")).map_err(|e| format!("report.json: {e}"))?;
            match manifest::check_signature(&bytes, &sig, key) {
                Ok(()) => say(true, format!("signature: report.json is signed by {key}")),
                Err(e) => say(false, format!("signature: {e}")),
            }
        }
        (Some(_), None) => say(
            false,
            format!("signature: {SIGNATURE_FILE} is missing, and a public key was given"),
        ),
        (None, Some(_)) => say(
            true,
            format!(
                "signature: present, by {} (not checked: pass --public-key)",
                doc.signed_by.as_deref().unwrap_or("an unnamed key")
            ),
        ),
        (None, None) => say(
            true,
            "signature: none (the run had no SOCONF_SIGNING_KEY)".into(),
        ),
    }
    Ok(out)
}
