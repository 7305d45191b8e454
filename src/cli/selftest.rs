//! `soconform selftest`: the suite against the embedded reference server, once clean and
//! once per deliberate fault (see [`crate::selftest`]), then the table of which trials
//! caught which fault. Exit 0 when every must-level fault is caught at default settings,
//! every should-level fault with `--strict`, and the clean server fails nothing in either
//! mode; 1 otherwise; 2 on a suite or usage error.

use super::exit;
use crate::matrix;
use crate::selftest::{self, Options, ServerRun};
use crate::suite::{Suite, SuitePaths};
use soconform_reference::{Fault, Profile};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Debug, Clone, Default, clap::Args)]
pub struct SelftestArgs {
    /// Try only this fault (repeatable; see --list). The clean server always runs.
    #[arg(long = "fault", value_name = "ID")]
    pub faults: Vec<String>,
    /// List the faults (id, level, description, doc sentence) and exit.
    #[arg(long)]
    pub list: bool,
    /// Servers under test at once.
    #[arg(long, default_value_t = 2)]
    pub parallel: usize,
    /// Trials in flight at once against each server.
    #[arg(long, default_value_t = 32)]
    pub concurrency: usize,
    /// Run each fault against its own concern's trials only (faster; what `cargo test`
    /// does). The clean server still runs the whole suite.
    #[arg(long)]
    pub own_concern: bool,
    /// Also print, for each fault, the failure message of the first trial that caught it.
    #[arg(long)]
    pub verbose: bool,
    /// Directory holding cases/, schemas/ and spec/ (default: found automatically).
    #[arg(long)]
    pub suite_dir: Option<PathBuf>,
    /// Write the detection power (faults caught per level, clean profiles) to this file,
    /// for reports to carry (`docs/detection.json`); needs every fault (no --fault).
    #[arg(long, value_name = "FILE")]
    pub write_detection: Option<PathBuf>,
}

pub fn main(args: SelftestArgs) -> u8 {
    match run(&args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("soconform selftest: {e}");
            exit::ERROR
        }
    }
}

fn chosen_faults(ids: &[String]) -> Result<Vec<Fault>, String> {
    if ids.is_empty() {
        return Ok(Fault::ALL.to_vec());
    }
    ids.iter()
        .map(|id| {
            Fault::from_id(id).ok_or_else(|| {
                format!("no fault is named `{id}` (see `soconform selftest --list`)")
            })
        })
        .collect()
}

fn run(args: &SelftestArgs) -> Result<u8, String> {
    let faults = chosen_faults(&args.faults)?;
    if args.list {
        for f in &faults {
            let i = f.info();
            println!(
                "{}\t{}\t{}\t{} § {}: \"{}\"",
                i.id, i.level, i.description, i.spec.page, i.spec.section, i.spec.quote
            );
        }
        return Ok(exit::OK);
    }
    let paths = args
        .suite_dir
        .as_deref()
        .map(SuitePaths::under)
        .unwrap_or_else(SuitePaths::discover);
    if args.write_detection.is_some() && !args.faults.is_empty() {
        return Err("--write-detection measures every fault: leave out --fault".into());
    }
    let suite = Arc::new(Suite::load(paths).map_err(|e| e.to_string())?);
    let content_hash = suite.content_hash();
    let specs = matrix::expand_all(&suite).map_err(|e| e.to_string())?;
    let options = Options {
        faults,
        parallel: args.parallel.max(1),
        concurrency: args.concurrency.max(1),
        own_concern_only: args.own_concern,
    };
    eprintln!(
        "selftest: {} trials against {} clean profiles and {} faulty servers, {} at a time",
        specs.len(),
        Profile::ALL.len(),
        options.faults.len(),
        options.parallel
    );
    let progress = |r: &ServerRun| {
        let name = match (r.fault, r.profile) {
            (Some(f), _) => f.id().to_string(),
            (None, Profile::Reference) => "clean server".to_string(),
            (None, p) => format!("clean profile {}", p.id()),
        };
        eprintln!(
            "  {name}: {} fail, {} fail with --strict ({:.1} s)",
            r.failed.len(),
            r.failed_strict.len(),
            r.seconds
        );
    };
    let report = selftest::run(suite, specs, &options, &progress)?;
    if let Some(path) = &args.write_detection {
        std::fs::write(path, report.detection(&content_hash).to_file_text())
            .map_err(|e| format!("{}: {e}", path.display()))?;
        eprintln!("selftest: wrote {}", path.display());
    }
    println!("{}", report.table());
    print!("{}", report.score_lines());
    println!("({:.1} s)", report.seconds);
    if args.verbose {
        for run in &report.faults {
            if let (Some(f), Some(msg)) = (run.fault, &run.first_message) {
                println!("\n--- {} caught by:\n{msg}", f.id());
            }
        }
    }
    for clean in std::iter::once(&report.clean).chain(&report.profiles) {
        if !clean.holds() {
            println!(
                "\nThe clean profile `{}` fails trials: the suite or the server is wrong (a suite that fails a clean profile has encoded a choice the docs do not make).",
                clean.profile.id()
            );
            if let Some(msg) = &clean.first_message {
                println!("{msg}");
            }
        }
    }
    let missed: Vec<&str> = report
        .faults
        .iter()
        .filter(|r| !r.holds())
        .filter_map(|r| r.fault.map(Fault::id))
        .collect();
    if !missed.is_empty() {
        println!("\nMissed: {}", missed.join(", "));
    }
    Ok(if report.holds() {
        exit::OK
    } else {
        exit::FAILED
    })
}
