//! `report.html`: one self-contained page (inline CSS and a few lines of inline script, no
//! URL is ever fetched; a Content-Security-Policy of `default-src 'none'` makes sure) that
//! shows the verdict, the target, a heat map of Content-Type x Accept per auth scheme, the
//! verdict of every requirement with its quoted documentation sentence, every failure with
//! its exchanges and how to reproduce it, and the traceability table.
//!
//! Everything from the run is escaped ([`esc`]): response bodies are the server's words.

use super::json::{ReportDoc, RunVerdict, TrialEntry, VerdictLabel};
use crate::cases::SpecRef;
use crate::exchange::RecordedExchange;
use crate::traceability::Coverage;
use std::collections::BTreeMap;
use std::fmt::Write as _;

mod certificate;
mod failures;
mod heat_map;
mod tables;

use certificate::certificate;
use failures::failures;
use heat_map::heat_map;
use tables::{requirements, summary_table, traceability};

/// Longest body shown per exchange; the full text is in `report.json` and the HAR file.
const BODY_SHOWN: usize = 4000;

/// HTML-escapes text for element content and quoted attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn vclass(v: VerdictLabel) -> &'static str {
    match v {
        VerdictLabel::Pass => "v-pass",
        VerdictLabel::Fail => "v-fail",
        VerdictLabel::Warn => "v-warn",
        VerdictLabel::Info => "v-info",
        VerdictLabel::Waived => "v-waived",
        VerdictLabel::Skipped => "v-skipped",
    }
}

fn badge(v: VerdictLabel) -> String {
    format!(
        "<span class=\"badge {}\">{}</span>",
        vclass(v),
        v.as_str().to_uppercase()
    )
}

fn cite(s: &SpecRef) -> String {
    // A case over endpoints may cite each one's own page: its trials name the page.
    let page = if s.page == soconform_core::citation::ENDPOINT_PAGE {
        "each endpoint's own page".to_string()
    } else {
        esc(&s.page)
    };
    format!(
        "<span class=\"cite\">{} &sect; {}</span><blockquote>{}</blockquote>",
        page,
        esc(&s.section),
        esc(&s.quote)
    )
}

/// The endpoints the trials called, per agent (`User: 96, Contact: 36`), from the
/// per-endpoint summary rows (no pass over the trials).
fn endpoints(doc: &ReportDoc) -> String {
    let mut per: BTreeMap<&str, std::collections::BTreeSet<&str>> = BTreeMap::new();
    for c in &doc.concerns {
        per.entry(c.agent.as_str())
            .or_default()
            .insert(c.endpoint.as_str());
    }
    let n: usize = per.values().map(|s| s.len()).sum();
    let agents: Vec<String> = per
        .iter()
        .map(|(a, s)| format!("{a} agent: {}", s.len()))
        .collect();
    format!("{n} endpoints ({})", agents.join(", "))
}

/// The page's style and script, inline (the page fetches nothing); kept as files so
/// they read as CSS and JavaScript.
const CSS: &str = include_str!("style.css");
const SCRIPT: &str = include_str!("script.js");

/// The page.
pub fn render(doc: &ReportDoc) -> String {
    let (cls, title) = match doc.outcome.verdict {
        RunVerdict::Conformant => ("v-pass", "CONFORMANT"),
        RunVerdict::ConformantWithWarnings => ("v-warn", "CONFORMANT WITH WARNINGS"),
        RunVerdict::NotConformant => ("v-fail", "NOT CONFORMANT"),
    };
    let mut out = String::with_capacity(256 * 1024);
    let _ = writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
    );
    let _ = writeln!(out, "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">");
    let _ = writeln!(
        out,
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    );
    let _ = writeln!(
        out,
        "<title>{} &mdash; soconform report for {}</title>",
        title,
        esc(&doc.target.url)
    );
    let _ = writeln!(out, "<style>{CSS}</style></head><body>");
    let _ = writeln!(
        out,
        "<header class=\"verdict {cls}\"><h1 id=\"verdict\">{title}</h1><p>{}</p><dl>",
        esc(&doc.outcome.summary)
    );
    let rows = [
        ("target", doc.target.label.clone()),
        ("endpoints", endpoints(doc)),
        ("suite", format!("{} {}", doc.suite.name, doc.suite.version)),
        ("cases + schemas hash", doc.suite.content_hash.clone()),
        ("started", doc.started.clone()),
        (
            "finished",
            format!(
                "{} ({:.1} s, {} requests)",
                doc.finished,
                doc.duration_ms / 1000.0,
                doc.requests
            ),
        ),
        (
            "mode",
            if doc.strict {
                "--strict: should-level failures fail the run".into()
            } else {
                "default: must-level failures fail the run, should-level ones warn".to_string()
            },
        ),
        ("exit code", doc.outcome.exit_code.to_string()),
        (
            "detection power",
            doc.detection.as_ref().map_or_else(
                || "not measured for this suite version (soconform selftest --write-detection docs/detection.json)".to_string(),
                |d| format!("{} (soconform selftest of this suite version)", d.summary()),
            ),
        ),
    ];
    let mut rows = rows.to_vec();
    if let Some(h) = &doc.halt {
        rows.push(("stopped early", format!("{} ({})", h.reason, h.at)));
    }
    let t = &doc.transport;
    if t.rate_limited > 0 || t.unanswered > 0 {
        rows.push((
            "transport",
            format!(
                "{} rate-limit answers waited out ({:.1} s in all); {} exchanges got no answer",
                t.rate_limited, t.rate_limit_wait_s, t.unanswered
            ),
        ));
    }
    for (k, v) in rows {
        let _ = writeln!(out, "<dt>{k}</dt><dd>{}</dd>", esc(&v));
    }
    let _ = writeln!(out, "</dl></header>");
    let _ = writeln!(out, "<nav><a href=\"#heatmap\">Heat map</a><a href=\"#summary\">Summary</a><a href=\"#requirements\">Requirements</a><a href=\"#failures\">Failures</a><a href=\"#observations\">Observations</a><a href=\"#skipped\">Skipped</a><a href=\"#traceability\">Traceability</a></nav><main>");
    certificate(doc, &mut out);
    heat_map(doc, &mut out);
    summary_table(doc, &mut out);
    requirements(doc, &mut out);
    failures(doc, &mut out);
    traceability(doc, &mut out);
    let _ = writeln!(out, "</main><footer>Generated by soconform {}. The same run, machine-readable: <code>report.json</code> (schema: <code>docs/report.schema.json</code> in the suite), <code>junit.xml</code>, and every exchange as HAR 1.2 in <code>exchanges.har</code>. Secrets are shown as <code>***</code>.</footer>", esc(&doc.suite.version));
    let _ = writeln!(out, "<script>{SCRIPT}</script></body></html>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            esc("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}
