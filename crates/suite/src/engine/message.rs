//! The text a failing trial prints: what was checked and where the docs say so, every
//! failed check, the request as a `curl` command, the response, and how to rerun it.

use super::TrialReport;
use crate::checks::Verdict;
use std::fmt::Write as _;

const BODY_EXCERPT: usize = 2000;

pub fn failure_message(r: &TrialReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} [{}] case `{}`: {}",
        r.verdict.label().to_uppercase(),
        r.level,
        r.case_id,
        r.title
    );
    let _ = writeln!(
        out,
        "  docs: {} § {}: \"{}\"",
        r.spec.page, r.spec.section, r.spec.quote
    );
    if let Verdict::Skipped(reason) = &r.verdict {
        let _ = writeln!(out, "  skipped: {reason}");
    }
    for res in r.results.iter().filter(|x| !x.passed) {
        let msg = res.message.as_deref().unwrap_or("failed");
        let _ = writeln!(
            out,
            "  [{}] {}: {}",
            res.level,
            res.check,
            msg.replace('\n', "\n      ")
        );
        if res.spec != r.spec {
            let _ = writeln!(
                out,
                "      docs: {} § {}: \"{}\"",
                res.spec.page, res.spec.section, res.spec.quote
            );
        }
    }
    for note in &r.notes {
        let _ = writeln!(out, "  note: {note}");
    }
    if let Some(curl) = &r.curl {
        let _ = writeln!(out, "  request: {curl}");
    }
    if let Some(main) = r.exchanges.iter().rev().find(|e| e.purpose == "main") {
        match (&main.response, &main.error) {
            (Some(resp), _) => {
                let _ = writeln!(out, "  response: {}", resp.status);
                for (n, v) in &resp.headers {
                    let _ = writeln!(out, "    {n}: {v}");
                }
                let body: String = resp.body.chars().take(BODY_EXCERPT).collect();
                let more = if resp.body.chars().count() > BODY_EXCERPT || resp.body_truncated {
                    " ..."
                } else {
                    ""
                };
                let _ = writeln!(out, "    {body}{more}");
            }
            (None, Some(e)) => {
                let _ = writeln!(out, "  response: none ({e})");
            }
            _ => {}
        }
        if let Some(label) = &main.request.body_label {
            let _ = writeln!(out, "  body form: {label}");
        }
    }
    let _ = writeln!(
        out,
        "  rerun: cargo test --test conformance -- --exact '{}'",
        r.name
    );
    out
}
