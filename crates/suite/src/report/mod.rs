//! What a run produced, for people and machines: the console summary and, with
//! `--report DIR`, the files a vendor hands over:
//!
//! - `report.json` ([`json`]): the whole run; schema in `docs/report.schema.json`;
//! - `junit.xml` ([`junit`]): one testcase per trial, for CI systems;
//! - `report.html` ([`html`]): one self-contained page for people;
//! - `exchanges.har` ([`har`]): every request and response, as HAR 1.2 evidence.
//!
//! Every file is rendered from one [`json::ReportDoc`], which holds only redacted data.
//! `report.json` is written last: it lists the other files' SHA-256 ([`manifest`]), and
//! with a signing key `report.json.sig` signs it ([`verify`] checks both).

pub mod detection;
pub mod diff;
pub mod har;
pub mod html;
pub mod json;
pub mod junit;
pub mod manifest;
pub mod spool;
pub mod summary;
pub mod verify;

use crate::engine::RunOutcome;
use crate::suite::Suite;
use crate::traceability;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// The files [`write_all`] writes, in the order it lists them.
pub const FILES: [&str; 4] = ["report.html", "report.json", "junit.xml", "exchanges.har"];

/// Builds the report document of a finished run (the traceability table included); the
/// trials move into it (`outcome.reports` is empty afterwards).
pub fn document(
    suite: &Suite,
    outcome: &mut RunOutcome,
    strict: bool,
) -> Result<json::ReportDoc, String> {
    let trace = traceability::load(suite)?;
    Ok(json::build(suite, outcome, strict, trace))
}

/// Writes every report file into `dir` (created if needed), signed when `signer` is
/// given; returns their paths. The trials move into the report: `outcome.reports` is
/// empty afterwards (a large run is never held twice).
pub fn write_all(
    dir: &Path,
    suite: &Suite,
    outcome: &mut RunOutcome,
    strict: bool,
    signer: Option<&manifest::ReportSigner>,
    spool: Option<&spool::Spool>,
) -> Result<Vec<PathBuf>, String> {
    let doc = document(suite, outcome, strict)?;
    write_doc(dir, doc, signer, spool)
}

/// Writes the files of an already-built document: the others first, then `report.json`
/// with their digests, then its signature.
pub fn write_doc(
    dir: &Path,
    mut doc: json::ReportDoc,
    signer: Option<&manifest::ReportSigner>,
    spool: Option<&spool::Spool>,
) -> Result<Vec<PathBuf>, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    // Passing trials' details are in the spool, not in `doc` (see `spool`).
    let reader = || spool.map(spool::Spool::reader).transpose();
    doc.signed_by = signer.map(manifest::ReportSigner::public_key);
    let mut written = vec![
        write_file(dir, "report.html", &|out| {
            out.write_all(html::render(&doc).as_bytes())
        })?,
        write_file(dir, "junit.xml", &|out| junit::write(&doc, out))?,
        write_file(dir, "exchanges.har", &|out| {
            let mut r = reader().map_err(std::io::Error::other)?;
            har::write(&doc, r.as_mut(), out)
        })?,
    ];
    doc.files = written
        .iter()
        .map(|p| manifest::digest(p))
        .collect::<Result<_, _>>()?;
    let trials = std::mem::take(&mut doc.trials);
    written.push(write_file(dir, "report.json", &|out| {
        let mut r = reader().map_err(std::io::Error::other)?;
        json::write_streamed(&doc, &trials, r.as_mut(), out)
    })?);
    // A stale signature from an earlier run in the same directory would not match.
    let sig_path = dir.join(manifest::SIGNATURE_FILE);
    let _ = std::fs::remove_file(&sig_path);
    if let Some(signer) = signer {
        let signature = signer.sign_file(&dir.join("report.json"))?;
        std::fs::write(&sig_path, format!("{signature}\n"))
            .map_err(|e| format!("{}: {e}", sig_path.display()))?;
        written.push(sig_path);
    }
    Ok(written)
}

/// Streams one file to disk: a run of thousands of trials never holds a second copy of
/// itself as text.
fn write_file(
    dir: &Path,
    name: &str,
    write: &dyn Fn(&mut BufWriter<File>) -> std::io::Result<()>,
) -> Result<PathBuf, String> {
    let path = dir.join(name);
    let mut out = File::create(&path)
        .map(BufWriter::new)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    write(&mut out)
        .and_then(|()| out.flush())
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(path)
}

/// The report document in `path`: a report directory or a `report.json` file.
pub fn load_doc(path: &Path) -> Result<json::ReportDoc, String> {
    let file = if path.is_dir() {
        path.join("report.json")
    } else {
        path.to_path_buf()
    };
    let text = std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
    let mut doc: json::ReportDoc = serde_json::from_str(&text)
        .map_err(|e| format!("{}: not a soconform report: {e}", file.display()))?;
    doc.inflate();
    Ok(doc)
}
