//! `soconform rejudge DIR`: every check again, on the exchanges a report recorded, with no
//! server contacted. The same suite reproduces the recorded verdicts exactly; a newer one
//! judges what the record allows and marks the trials that would need new exchanges as
//! not rejudgeable, with the reason. Prints the summary, verdict and exit code a live
//! run does, and how the verdicts compare with the recorded ones.

use super::exit;
use crate::checks::Verdict;
use crate::engine::RunOutcome;
use crate::exchange::TransportError;
use crate::report::json::{ReportDoc, VerdictLabel};
use crate::suite::{Suite, SuitePaths};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Debug, Clone, clap::Args)]
pub struct RejudgeArgs {
    /// The report directory (or its report.json) to judge again.
    pub dir: PathBuf,
    /// Count should-level failures as failures (default: as the recorded run did).
    #[arg(long)]
    pub strict: bool,
    /// Waivers to apply instead of the ones the recorded run had in force.
    #[arg(long, value_name = "FILE")]
    pub waivers: Option<PathBuf>,
    /// Write the rejudged reports into this directory.
    #[arg(long, value_name = "DIR")]
    pub report: Option<PathBuf>,
    /// Print every failure in full.
    #[arg(long)]
    pub verbose: bool,
    /// Directory holding cases/, schemas/ and spec/ (default: found automatically).
    #[arg(long)]
    pub suite_dir: Option<PathBuf>,
}

pub fn main(args: RejudgeArgs) -> u8 {
    match rejudge(&args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("soconform rejudge: {e}");
            exit::ERROR
        }
    }
}

fn rejudge(args: &RejudgeArgs) -> Result<u8, String> {
    let doc = crate::report::load_doc(&args.dir)?;
    let paths = args
        .suite_dir
        .as_deref()
        .map(SuitePaths::under)
        .unwrap_or_else(SuitePaths::discover);
    let suite = Arc::new(Suite::load(paths).map_err(|e| e.to_string())?);
    let waivers = match &args.waivers {
        Some(path) => crate::waivers::load(path)?,
        None => doc.waivers.iter().map(|w| w.waiver.clone()).collect(),
    };
    let strict = args.strict || doc.strict;
    let mut outcome = crate::rejudge::rejudge_doc(suite.clone(), &doc, &waivers)?;
    outcome.target_label = format!(
        "{} (rejudged from {})",
        doc.target.label,
        args.dir.display()
    );
    super::run::print_outcome(&outcome, strict, args.verbose);
    print_comparison(&doc, &outcome, &suite.content_hash());
    // Before the report takes the trials.
    let code = outcome.exit_code(strict);
    if let Some(dir) = &args.report {
        crate::report::write_all(dir, &suite, &mut outcome, strict, None, None)
            .map_err(|e| format!("writing the report to {}: {e}", dir.display()))?;
        println!("rejudged report: {}", dir.join("report.html").display());
    }
    Ok(code)
}

/// How the rejudged verdicts compare with the recorded ones.
fn print_comparison(doc: &ReportDoc, outcome: &RunOutcome, suite_hash: &str) {
    let recorded: HashMap<String, VerdictLabel> = doc
        .trials
        .iter()
        .map(|t| (t.id.clone(), t.verdict))
        .collect();
    let mut same = 0;
    let mut differ = Vec::new();
    let mut not_rejudgeable = 0;
    for r in &outcome.reports {
        let now = VerdictLabel::of_trial(&r);
        if matches!(&r.verdict, Verdict::Skipped(w) if w.starts_with(TransportError::NOT_REJUDGEABLE))
        {
            not_rejudgeable += 1;
        }
        match recorded.get(r.name.as_str()) {
            Some(was) if *was == now => same += 1,
            Some(was) => differ.push(format!(
                "  {}: recorded {}, rejudged {}",
                r.name,
                was.as_str(),
                now.as_str()
            )),
            None => {}
        }
    }
    let gone = doc.trials.len() - outcome.reports.len();
    let suite = if suite_hash == doc.suite.content_hash {
        "the suite that judged the run".to_string()
    } else {
        format!(
            "suite {suite_hash}, not the {} that judged the run",
            doc.suite.content_hash
        )
    };
    println!(
        "\nrejudged {} recorded trials offline with {suite}: {same} verdicts as recorded, {} differ, {not_rejudgeable} not rejudgeable{}",
        outcome.reports.len(),
        differ.len(),
        if gone > 0 {
            format!("; {gone} recorded trials are not in this suite")
        } else {
            String::new()
        }
    );
    for d in &differ {
        println!("{d}");
    }
}
