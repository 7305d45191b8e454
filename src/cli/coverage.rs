//! `soconform coverage`: the traceability table. Every normative sentence of the
//! SaveUserGroup page (and of the general pages listed in `cases/traceability.toml`) with
//! the cases that check it; exit 1 when a sentence is uncovered without a reason.

use super::exit;
use crate::suite::{Suite, SuitePaths};
use crate::traceability::{self, Coverage, Traceability};
use std::path::PathBuf;

#[derive(Debug, Clone, Default, clap::Args)]
pub struct CoverageArgs {
    /// Print the table as JSON (the `traceability` member of `report.json`).
    #[arg(long)]
    pub json: bool,
    /// Show only sentences no case covers (excused or not).
    #[arg(long)]
    pub uncovered: bool,
    /// Directory holding cases/, schemas/ and spec/ (default: found automatically).
    #[arg(long)]
    pub suite_dir: Option<PathBuf>,
}

pub fn main(args: CoverageArgs) -> u8 {
    let paths = args
        .suite_dir
        .as_deref()
        .map(SuitePaths::under)
        .unwrap_or_else(SuitePaths::discover);
    let t = match Suite::load(paths)
        .map_err(|e| e.to_string())
        .and_then(|suite| traceability::load(&suite))
    {
        Ok(t) => t,
        Err(e) => {
            eprintln!("soconform: {e}");
            return exit::ERROR;
        }
    };
    if args.json {
        match serde_json::to_string_pretty(&t) {
            Ok(s) => println!("{s}"),
            Err(e) => {
                eprintln!("soconform: {e}");
                return exit::ERROR;
            }
        }
    } else {
        print!("{}", render(&t, args.uncovered));
    }
    for p in &t.problems {
        eprintln!("warning: {p}");
    }
    if t.ok() {
        exit::OK
    } else {
        exit::FAILED
    }
}

const SENTENCE_WIDTH: usize = 72;

/// The table as text: one line per sentence, then the reason or the covering ids.
pub fn render(t: &Traceability, only_uncovered: bool) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Traceability: the sentences of {} and of the general pages listed in cases/traceability.toml\n",
        t.page
    );
    for r in &t.rows {
        if only_uncovered && r.coverage == Coverage::Covered {
            continue;
        }
        let status = match r.coverage {
            Coverage::Covered => "covered",
            Coverage::Excused => "excused",
            Coverage::Uncovered => "UNCOVERED",
        };
        let s = &r.sentence;
        let text: String = if s.text.chars().count() > SENTENCE_WIDTH {
            format!(
                "{}...",
                s.text.chars().take(SENTENCE_WIDTH - 3).collect::<String>()
            )
        } else {
            s.text.clone()
        };
        let _ = writeln!(out, "{status:<9} {}:{} ({})", s.page, s.line, s.kind);
        let _ = writeln!(out, "          \"{text}\"");
        match r.coverage {
            Coverage::Covered => {
                let _ = writeln!(out, "          checked by: {}", r.covered_by.join(", "));
            }
            Coverage::Excused => {
                let _ = writeln!(
                    out,
                    "          why not: {}",
                    r.reason.as_deref().unwrap_or("")
                );
            }
            Coverage::Uncovered => {
                let _ = writeln!(
                    out,
                    "          no case cites it: add a case, or a reason under [[uncovered]] in cases/traceability.toml"
                );
            }
        }
    }
    let _ = writeln!(
        out,
        "\n{} sentences: {} covered, {} not checked with a reason, {} uncovered without a reason",
        t.rows.len(),
        t.covered,
        t.excused,
        t.uncovered
    );
    out
}
