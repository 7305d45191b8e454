//! `soconform verify DIR`: re-checks a report directory as handed over: every file's
//! SHA-256 against the manifest in report.json, the suite content hash against the suite
//! here, and with `--public-key` the signature in report.json.sig.

use super::exit;
use crate::suite::{Suite, SuitePaths};
use std::path::PathBuf;

#[derive(Debug, Clone, clap::Args)]
pub struct VerifyArgs {
    /// The report directory.
    pub dir: PathBuf,
    /// The signer's public key (`ed25519:<base64>`, as report.json's `signed_by` and
    /// `soconform keygen` print it), obtained from the signer, not from the report.
    #[arg(long, value_name = "KEY")]
    pub public_key: Option<String>,
    /// Do not require the suite here to be the one that judged.
    #[arg(long)]
    pub any_suite: bool,
    /// Directory holding cases/, schemas/ and spec/ (default: found automatically).
    #[arg(long)]
    pub suite_dir: Option<PathBuf>,
}

pub fn main(args: VerifyArgs) -> u8 {
    let hash = if args.any_suite {
        None
    } else {
        let paths = args
            .suite_dir
            .as_deref()
            .map(SuitePaths::under)
            .unwrap_or_else(SuitePaths::discover);
        match Suite::load(paths) {
            Ok(s) => Some(s.content_hash()),
            Err(e) => {
                eprintln!("soconform verify: cannot load the suite here: {e}");
                return exit::ERROR;
            }
        }
    };
    let findings =
        match crate::report::verify::verify(&args.dir, hash.as_deref(), args.public_key.as_deref())
        {
            Ok(f) => f,
            Err(e) => {
                eprintln!("soconform verify: {e}");
                return exit::ERROR;
            }
        };
    for f in &findings {
        println!("{} {}", if f.ok { "ok  " } else { "FAIL" }, f.text);
    }
    if findings.iter().all(|f| f.ok) {
        println!("verified: {}", args.dir.display());
        exit::OK
    } else {
        println!("NOT VERIFIED: {}", args.dir.display());
        exit::FAILED
    }
}
