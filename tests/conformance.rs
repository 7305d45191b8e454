//! The conformance suite under `cargo test` / `cargo nextest run`: every trial of the
//! matrix is one libtest-mimic test (see `soconform::harness`).

use soconform::suite::SuitePaths;
use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    soconform::harness::main(SuitePaths::under(Path::new(env!("CARGO_MANIFEST_DIR"))))
}
