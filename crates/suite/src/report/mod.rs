//! What a run produced, for people and machines: the console summary and, with
//! `--report DIR`, the files a vendor hands over:
//!
//! - `report.json` ([`json`]): the whole run; schema in `docs/report.schema.json`;
//! - `junit.xml` ([`junit`]): one testcase per trial, for CI systems;
//! - `report.html` ([`html`]): one self-contained page for people;
//! - `exchanges.har` ([`har`]): every request and response, as HAR 1.2 evidence.
//!
//! Every file is rendered from one [`json::ReportDoc`], which holds only redacted data.

pub mod detection;
pub mod har;
pub mod html;
pub mod json;
pub mod junit;
pub mod summary;

use crate::engine::RunOutcome;
use crate::suite::Suite;
use crate::traceability;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// The files [`write_all`] writes, in the order it lists them.
pub const FILES: [&str; 4] = ["report.html", "report.json", "junit.xml", "exchanges.har"];

/// Builds the report document of a finished run (the traceability table included).
pub fn document(
    suite: &Suite,
    outcome: &RunOutcome,
    strict: bool,
) -> Result<json::ReportDoc, String> {
    let trace = traceability::load(suite)?;
    Ok(json::build(suite, outcome, strict, trace))
}

/// Writes every report file into `dir` (created if needed); returns their paths.
pub fn write_all(
    dir: &Path,
    suite: &Suite,
    outcome: &RunOutcome,
    strict: bool,
) -> Result<Vec<PathBuf>, String> {
    let doc = document(suite, outcome, strict)?;
    write_doc(dir, &doc)
}

/// Writes the files of an already-built document.
pub fn write_doc(dir: &Path, doc: &json::ReportDoc) -> Result<Vec<PathBuf>, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut written = Vec::new();
    // Each file is streamed to disk: a run of thousands of trials never holds a second
    // copy of itself as text.
    let mut file = |name: &str, write: &dyn Fn(&mut BufWriter<File>) -> std::io::Result<()>| {
        let path = dir.join(name);
        let mut out = File::create(&path)
            .map(BufWriter::new)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        write(&mut out)
            .and_then(|()| out.flush())
            .map_err(|e| format!("{}: {e}", path.display()))?;
        written.push(path);
        Ok::<(), String>(())
    };
    file("report.html", &|out| {
        out.write_all(html::render(doc).as_bytes())
    })?;
    file("report.json", &|out| {
        serde_json::to_writer_pretty(&mut *out, doc).map_err(std::io::Error::other)
    })?;
    file("junit.xml", &|out| {
        let xml = junit::build(doc)
            .to_string()
            .map_err(std::io::Error::other)?;
        out.write_all(xml.as_bytes())
    })?;
    file("exchanges.har", &|out| har::write(doc, out))?;
    Ok(written)
}
