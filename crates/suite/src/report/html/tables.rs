//! The summary, requirements and traceability tables.

use super::*;
use crate::report::summary::{Counts, LevelTally};

/// Per agent and concern (the endpoints of each are in the heat map and `report.json`).
pub(super) fn summary_table(doc: &ReportDoc, out: &mut String) {
    let _ = writeln!(out, "<section id=\"summary\"><h2>Summary per agent and concern</h2><table class=\"data\"><tr><th>agent</th><th>concern</th><th>endpoints</th><th>trials</th><th>pass</th><th>fail (must)</th><th>warn (should)</th><th>info</th><th>skipped</th><th>waived</th><th>must-level passed</th><th>should-level passed</th><th>info-level</th></tr>");
    let mut rows: BTreeMap<(&str, &str), (usize, Counts, [LevelTally; 3])> = BTreeMap::new();
    for c in &doc.concerns {
        let r = rows
            .entry((c.agent.as_str(), c.concern.as_str()))
            .or_default();
        r.0 += 1;
        r.1.merge(&c.counts);
        for (sum, add) in r.2.iter_mut().zip([c.must, c.should, c.info]) {
            sum.trials += add.trials;
            sum.passed += add.passed;
        }
    }
    for ((agent, concern), (endpoints, n, [must, should, info])) in &rows {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{endpoints}</td><td>{}</td><td>{}</td><td class=\"{}\">{}</td><td class=\"{}\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}/{}</td><td>{}/{}</td><td>{}</td></tr>",
            esc(agent),
            esc(concern),
            n.trials,
            n.pass,
            if n.fail > 0 { "v-fail" } else { "" },
            n.fail,
            if n.warn > 0 { "v-warn" } else { "" },
            n.warn,
            n.info,
            n.skipped,
            n.waived,
            must.passed,
            must.trials,
            should.passed,
            should.trials,
            info.trials
        );
    }
    let t = &doc.totals;
    let _ = writeln!(
        out,
        "<tr class=\"total\"><td colspan=\"3\">total</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td colspan=\"3\"></td></tr></table></section>",
        t.trials, t.pass, t.fail, t.warn, t.info, t.skipped, t.waived
    );
}

pub(super) fn requirements(doc: &ReportDoc, out: &mut String) {
    let _ = writeln!(out, "<section id=\"requirements\"><h2>Requirements</h2><p class=\"note\">Each case is one requirement of the docs, with the sentence it enforces; its verdict is the worst of its trials. <label><input type=\"checkbox\" id=\"only-problems\"> show only requirements that did not pass</label></p><table class=\"data req\"><tr><th>verdict</th><th>requirement</th><th>level</th><th>documentation</th><th>trials</th></tr>");
    for r in &doc.requirements {
        let c = &r.counts;
        let mut counts = format!("{} trials: {} pass", c.trials, c.pass);
        for (n, label) in [
            (c.fail, "fail"),
            (c.warn, "warn"),
            (c.info, "info"),
            (c.skipped, "skipped"),
        ] {
            if n > 0 {
                let _ = write!(counts, ", {n} {label}");
            }
        }
        let also = if r.also.is_empty() {
            String::new()
        } else {
            let items: Vec<String> = r.also.iter().map(cite).collect();
            format!(
                "<details><summary>also relies on {} more</summary>{}</details>",
                r.also.len(),
                items.join("")
            )
        };
        let _ = writeln!(
            out,
            "<tr id=\"r-{}\" class=\"{}\"><td>{}</td><td><code>{}</code><br>{}</td><td>{}</td><td>{}{}</td><td>{}</td></tr>",
            esc(&r.id),
            if r.verdict == VerdictLabel::Pass { "ok" } else { "problem" },
            badge(r.verdict),
            esc(&r.id),
            esc(&r.title),
            r.level,
            cite(&r.spec),
            also,
            esc(&counts)
        );
    }
    let _ = writeln!(out, "</table></section>");
}

pub(super) fn traceability(doc: &ReportDoc, out: &mut String) {
    let t = &doc.traceability;
    let case_ids: Vec<&str> = doc.requirements.iter().map(|r| r.id.as_str()).collect();
    let _ = writeln!(
        out,
        "<section id=\"traceability\"><h2>Traceability</h2><p class=\"note\">Every normative sentence of <code>{}</code> and of the general pages it relies on, with the cases that check it: {} covered, {} not checked (with the reason), {} uncovered.</p><table class=\"data trace\"><tr><th>status</th><th>where</th><th>sentence</th><th>checked by / why not</th></tr>",
        esc(&t.page),
        t.covered,
        t.excused,
        t.uncovered
    );
    for r in &t.rows {
        let (cls, label) = match r.coverage {
            Coverage::Covered => ("v-pass", "covered"),
            Coverage::Excused => ("v-info", "not checked"),
            Coverage::Uncovered => ("v-fail", "UNCOVERED"),
        };
        let by = match r.coverage {
            Coverage::Covered => r
                .covered_by
                .iter()
                .map(|id| {
                    if case_ids.contains(&id.as_str()) {
                        format!("<a href=\"#r-{0}\"><code>{0}</code></a>", esc(id))
                    } else {
                        format!("<code>{}</code>", esc(id))
                    }
                })
                .collect::<Vec<_>>()
                .join(" "),
            _ => esc(r.reason.as_deref().unwrap_or("no reason given")),
        };
        let s = &r.sentence;
        let _ = writeln!(
            out,
            "<tr><td><span class=\"badge {cls}\">{label}</span></td><td>{}:{}<br><small>{} &middot; {}</small></td><td>{}</td><td>{by}</td></tr>",
            esc(&s.page),
            s.line,
            esc(&s.section),
            esc(&s.kind),
            esc(&s.text)
        );
    }
    let _ = writeln!(out, "</table></section>");
}
