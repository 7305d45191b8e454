//! The certificate: the statement a certification reader starts from.

use super::*;

/// The statement a certification reader starts from: which suite judged which target,
/// when, with what, what it could not test, what was set aside, and how much the suite's
/// own verdicts are worth.
pub(super) fn certificate(doc: &ReportDoc, out: &mut String) {
    let s = &doc.setup;
    let all = ["Basic", "SoTicket", "Bearer", "session"];
    let missing: Vec<&str> = all
        .into_iter()
        .filter(|a| !s.schemes.iter().any(|x| x == a))
        .collect();
    let schemes = if s.schemes.is_empty() {
        "no credentials".to_string()
    } else {
        format!("credentials for {}", s.schemes.join(", "))
    };
    let unconfigured = if missing.is_empty() {
        String::new()
    } else {
        format!(
            " ({} not configured: their trials were skipped)",
            missing.join(", ")
        )
    };
    let rps = if s.rps == 0 {
        "no request-rate limit".to_string()
    } else {
        format!("at most {} requests per second", s.rps)
    };
    let _ = writeln!(out, "<section id=\"certificate\"><h2>Statement</h2><p>");
    let _ = writeln!(
        out,
        "{} {} (cases and schemas <code>{}</code>) judged <b>{}</b> from {} to {}, with {}{}, {} exchanges in flight, {}, {} s per exchange ({} s to connect).",
        esc(&doc.suite.name),
        esc(&doc.suite.version),
        esc(&doc.suite.content_hash),
        esc(&doc.target.label),
        esc(&doc.started),
        esc(&doc.finished),
        esc(&schemes),
        esc(&unconfigured),
        s.concurrency,
        esc(&rps),
        s.timeout_s,
        s.connect_timeout_s
    );
    let _ = writeln!(out, "Verdict: <b>{}</b>.</p>", esc(&doc.outcome.summary));
    let excused: Vec<_> = doc
        .traceability
        .rows
        .iter()
        .filter(|r| r.coverage != crate::traceability::Coverage::Covered)
        .collect();
    let _ = writeln!(
        out,
        "<details class=\"untestable\"><summary>{} documented sentences are checked by the trials; {} could not be tested (why, for each)</summary><ul>",
        doc.traceability.covered,
        excused.len()
    );
    for r in &excused {
        let _ = writeln!(
            out,
            "<li>{} &sect; {}: &ldquo;{}&rdquo; &mdash; {}</li>",
            esc(&r.sentence.page),
            esc(&r.sentence.section),
            esc(&r.sentence.text),
            esc(r.reason.as_deref().unwrap_or("no reason given"))
        );
    }
    let _ = writeln!(out, "</ul></details>");
    if doc.waivers.is_empty() {
        let _ = writeln!(out, "<p>No waivers were in force.</p>");
    } else {
        let _ = write!(out, "<p>Waivers in force: ");
        let items: Vec<String> = doc
            .waivers
            .iter()
            .map(|w| {
                format!(
                    "<code>{}</code> ({}, {} trials, owner {}, until {}: {})",
                    esc(&w.waiver.pattern),
                    w.state.as_str(),
                    w.waived.len(),
                    esc(&w.waiver.owner),
                    esc(&w.waiver.expires),
                    esc(&w.waiver.reason)
                )
            })
            .collect();
        let _ = writeln!(out, "{}.</p>", items.join("; "));
    }
    let _ = writeln!(
        out,
        "<p>Detection power of this suite version: {}.</p>",
        esc(&doc.detection.as_ref().map_or_else(
            || "not measured (soconform selftest --write-detection docs/detection.json)"
                .to_string(),
            |d| d.summary()
        ))
    );
    let _ = writeln!(
        out,
        "<p>Every file of this report is listed with its SHA-256 in <code>report.json</code>{}; <code>soconform verify DIR</code> checks them.</p></section>",
        match &doc.signed_by {
            Some(k) => format!(", which is signed (<code>report.json.sig</code>) by <code>{}</code>", esc(k)),
            None => ", which is not signed".to_string(),
        }
    );
}
