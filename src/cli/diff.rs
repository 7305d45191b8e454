//! `soconform diff OLD NEW`: what changed between two runs (report directories or
//! `report.json` files); exit 1 when anything got worse, so CI can gate on "no new
//! failures" against a baseline.

use super::exit;
use crate::report::{diff, load_doc};
use std::path::PathBuf;

#[derive(Debug, Clone, clap::Args)]
pub struct DiffArgs {
    /// The earlier run: a report directory or its report.json.
    pub old: PathBuf,
    /// The later run.
    pub new: PathBuf,
}

pub fn main(args: DiffArgs) -> u8 {
    let docs = load_doc(&args.old).and_then(|o| Ok((o, load_doc(&args.new)?)));
    let (old, new) = match docs {
        Ok(d) => d,
        Err(e) => {
            eprintln!("soconform diff: {e}");
            return exit::ERROR;
        }
    };
    let d = diff::compare(&old, &new);
    print!("{}", d.render());
    if d.worse() {
        exit::FAILED
    } else {
        exit::OK
    }
}
