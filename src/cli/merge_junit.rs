//! `soconform merge-junit`: several JUnit files (one per shard, from nextest or from
//! `soconform run --report`) into one, for CI systems that want a single file.

use super::exit;
use crate::report::junit;
use std::path::PathBuf;

#[derive(Debug, Clone, clap::Args)]
pub struct MergeJunitArgs {
    /// The JUnit files to merge.
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// Where to write the merged file (default: standard output).
    #[arg(long, short)]
    pub out: Option<PathBuf>,
    /// The name of the merged report.
    #[arg(long, default_value = "soconform")]
    pub name: String,
}

pub fn main(args: MergeJunitArgs) -> u8 {
    let mut reports = Vec::new();
    for path in &args.inputs {
        let parsed = std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|xml| {
                quick_junit::Report::deserialize_from_str(&xml).map_err(|e| e.to_string())
            });
        match parsed {
            Ok(r) => reports.push(r),
            Err(e) => {
                eprintln!("soconform: {}: {e}", path.display());
                return exit::ERROR;
            }
        }
    }
    let merged = junit::merge(&args.name, reports);
    let xml = match merged.to_string() {
        Ok(x) => x,
        Err(e) => {
            eprintln!("soconform: {e}");
            return exit::ERROR;
        }
    };
    match &args.out {
        Some(p) => {
            if let Err(e) = std::fs::write(p, xml) {
                eprintln!("soconform: {}: {e}", p.display());
                return exit::ERROR;
            }
            eprintln!(
                "merged {} files: {} tests, {} failures, {} skipped -> {}",
                args.inputs.len(),
                merged.tests,
                merged.failures,
                merged.skipped,
                p.display()
            );
        }
        None => print!("{xml}"),
    }
    exit::OK
}
