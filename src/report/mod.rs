//! What a run produced, for people and machines: the console summary (and, with
//! `--report DIR`, the files a vendor hands over).

pub mod summary;
pub mod traceability;

use crate::cli::run::RunOutcome;
use crate::suite::Suite;
use std::path::Path;

/// Writes every report file into `dir` (created if needed).
pub fn write_all(dir: &Path, _suite: &Suite, outcome: &RunOutcome) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let json = serde_json::to_string_pretty(&outcome.reports).map_err(std::io::Error::other)?;
    std::fs::write(dir.join("trials.json"), json)
}
