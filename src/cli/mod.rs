//! Command-line entry points. Each subcommand lives in its own module and returns the
//! process exit code: 0 success, 1 non-conformant (or a failed check), 2 usage,
//! configuration or suite error.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

pub mod bench;
mod bench_unresponsive;
pub mod coverage;
pub mod derive;
pub mod diff;
pub mod keygen;
pub mod merge_junit;
pub mod openapi;
pub mod partition;
pub mod rejudge;
pub mod run;
pub mod selftest;
pub mod serve;
pub mod verify;

#[derive(Debug, Parser)]
#[command(
    name = "soconform",
    version,
    about = "Conformance suite for the SuperOffice CRM WebAPI"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the suite (the default: against the embedded reference server).
    Run(run::RunArgs),
    /// Run the embedded reference server until Ctrl-C or SIGTERM.
    Serve(serve::ServeArgs),
    /// Derive endpoint descriptions and JSON Schemas from documentation pages.
    Derive(derive::DeriveArgs),
    /// Print (or write) the derived endpoints as an OpenAPI 3.1 document.
    Openapi(openapi::OpenapiArgs),
    /// Measure the suite's overhead, latency hiding, memory and harness costs.
    Bench(bench::BenchArgs),
    /// Check the suite catches faults: the reference server clean and with each fault.
    Selftest(selftest::SelftestArgs),
    /// The traceability table: each documented sentence and the cases that check it.
    Coverage(coverage::CoverageArgs),
    /// Merge JUnit files (one per shard) into one.
    MergeJunit(merge_junit::MergeJunitArgs),
    /// What changed between two runs' reports; exit 1 when anything got worse.
    Diff(diff::DiffArgs),
    /// Judge a report's recorded exchanges again, offline: the same summary, verdict and
    /// exit code as the run (or what a newer suite makes of them).
    Rejudge(rejudge::RejudgeArgs),
    /// Check a report directory: file digests, the suite that judged, the signature.
    Verify(verify::VerifyArgs),
    /// Make an Ed25519 key for signing reports (SOCONF_SIGNING_KEY).
    Keygen(keygen::KeygenArgs),
}

/// Exit codes shared by every subcommand.
pub use crate::engine::exit;

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Some(Command::Serve(args)) => serve::main(args),
        Some(Command::Derive(args)) => derive::main(args),
        Some(Command::Openapi(args)) => openapi::main(args),
        Some(Command::Coverage(args)) => coverage::main(args),
        Some(Command::MergeJunit(args)) => merge_junit::main(args),
        Some(Command::Run(args)) => run::main(args),
        Some(Command::Bench(args)) => bench::main(args),
        Some(Command::Selftest(args)) => selftest::main(args),
        Some(Command::Diff(args)) => diff::main(args),
        Some(Command::Rejudge(args)) => rejudge::main(args),
        Some(Command::Verify(args)) => verify::main(args),
        Some(Command::Keygen(args)) => keygen::main(args),
        // The main job: the whole suite against the embedded server, with its report.
        None => run::main(run::RunArgs {
            report: Some("report".into()),
            ..Default::default()
        }),
    };
    ExitCode::from(code)
}
