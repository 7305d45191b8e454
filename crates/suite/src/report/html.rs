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
    format!(
        "<span class=\"cite\">{} &sect; {}</span><blockquote>{}</blockquote>",
        esc(&s.page),
        esc(&s.section),
        esc(&s.quote)
    )
}

/// Rank of a media token on the heat map axes: the documented types first, in the page's
/// order, then the rest in order of appearance, "not sent" last.
fn media_rank(token: &str) -> usize {
    const ORDER: [&str; 7] = [
        "json",
        "text-json",
        "xml",
        "text-xml",
        "form",
        "json-patch",
        "merge-patch",
    ];
    match token {
        "no-body" | "no-accept" => 100,
        t => ORDER.iter().position(|o| *o == t).unwrap_or(50),
    }
}

fn auth_rank(token: &str) -> usize {
    match token {
        "basic" => 0,
        t if t.starts_with("soticket") => 1,
        "bearer" => 2,
        "xsrf" => 3,
        "any" => 4,
        "none" => 5,
        t if t.starts_with("wrong-") => 6,
        _ => 7,
    }
}

/// Distinct values in order of appearance, then stably sorted by `rank`.
fn ordered<'a>(values: impl Iterator<Item = &'a str>, rank: fn(&str) -> usize) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for v in values {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out.sort_by_key(|v| rank(v));
    out
}

#[derive(Default)]
struct Cell {
    worst: Option<VerdictLabel>,
    counts: BTreeMap<VerdictLabel, usize>,
    /// Index of the first trial with the worst verdict (linked when it is not a pass).
    first_worst: usize,
}

impl Cell {
    fn add(&mut self, i: usize, verdict: VerdictLabel) {
        *self.counts.entry(verdict).or_default() += 1;
        if self.worst.is_none_or(|w| verdict > w) {
            self.worst = Some(verdict);
            self.first_worst = i;
        }
    }

    /// The cell's `<td>`: coloured by the worst verdict, its trial count linked to the
    /// first problem, `what` and the counts per verdict on hover.
    fn td(&self, what: &str, out: &mut String) {
        let worst = self.worst.unwrap_or(VerdictLabel::Skipped);
        let n: usize = self.counts.values().sum();
        let detail: Vec<String> = self
            .counts
            .iter()
            .rev()
            .map(|(v, k)| format!("{k} {}", v.as_str()))
            .collect();
        let title = format!("{what}: {n} trials: {}", detail.join(", "));
        let inner = if worst == VerdictLabel::Pass {
            n.to_string()
        } else {
            format!("<a href=\"#t{}\">{n}</a>", self.first_worst)
        };
        let _ = write!(
            out,
            "<td class=\"{}\" title=\"{}\">{inner}</td>",
            vclass(worst),
            esc(&title)
        );
    }
}

/// The endpoint slug a trial called: the first token of its name.
fn endpoint_of(t: &TrialEntry) -> &str {
    t.id.split("::").next().unwrap_or("")
}

/// `save_user_group` -> `SaveUserGroup`.
fn method_name(slug: &str) -> String {
    slug.split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// One grid of endpoints (rows) by auth mode (columns): every endpoint on the map, each
/// cell the worst verdict of that endpoint's trials under that mode.
fn endpoint_grid(trials: &[TrialEntry], auths: &[&str], out: &mut String) {
    let mut endpoints: Vec<&str> = Vec::new();
    let mut cells: BTreeMap<(&str, &str), Cell> = BTreeMap::new();
    for (i, t) in trials.iter().enumerate() {
        let e = endpoint_of(t);
        if !endpoints.contains(&e) {
            endpoints.push(e);
        }
        cells
            .entry((e, t.axes.auth.as_str()))
            .or_default()
            .add(i, t.verdict);
    }
    let _ = write!(
        out,
        "<figure class=\"grid\" id=\"heatmap-endpoints\"><figcaption><b>endpoint</b> &times; auth ({} endpoints)</figcaption><table class=\"heat\"><tr><th class=\"corner\">endpoint \\ auth</th>",
        endpoints.len()
    );
    for a in auths {
        let _ = write!(out, "<th class=\"col\"><span>{}</span></th>", esc(a));
    }
    let _ = writeln!(out, "</tr>");
    for e in &endpoints {
        let _ = write!(
            out,
            "<tr><th class=\"row\" title=\"POST /api/v1/Agents/User/{0}\">{0}</th>",
            esc(&method_name(e))
        );
        for a in auths {
            match cells.get(&(*e, *a)) {
                Some(c) => c.td(&format!("{}, {a}", method_name(e)), out),
                None => out.push_str("<td class=\"empty\"></td>"),
            }
        }
        let _ = writeln!(out, "</tr>");
    }
    let _ = writeln!(out, "</table></figure>");
}

fn heat_map(doc: &ReportDoc, out: &mut String) {
    let trials = &doc.trials;
    let auths = ordered(trials.iter().map(|t| t.axes.auth.as_str()), auth_rank);
    let _ = writeln!(
        out,
        "<section id=\"heatmap\"><h2>Heat map: endpoint &times; auth, then Content-Type &times; Accept &times; auth</h2>"
    );
    let _ = writeln!(
        out,
        "<p class=\"note\">First every endpoint by auth mode, then one grid per auth mode (all endpoints): rows are request Content-Types, columns Accept headers. \
         A cell is coloured by the worst verdict of its trials (number shown); hover for counts, click a coloured cell for its first problem.</p>"
    );
    let _ = writeln!(
        out,
        "<p class=\"legend\">{} {} {} {} {}</p>",
        badge(VerdictLabel::Pass),
        badge(VerdictLabel::Info),
        badge(VerdictLabel::Warn),
        badge(VerdictLabel::Fail),
        badge(VerdictLabel::Skipped)
    );
    let _ = writeln!(out, "<div id=\"heatmap-grids\" class=\"grids\">");
    endpoint_grid(trials, &auths, out);
    for auth in auths {
        let mine: Vec<(usize, &TrialEntry)> = trials
            .iter()
            .enumerate()
            .filter(|(_, t)| t.axes.auth == auth)
            .collect();
        let cts = ordered(
            mine.iter().map(|(_, t)| t.axes.content_type_token.as_str()),
            media_rank,
        );
        let accs = ordered(
            mine.iter().map(|(_, t)| t.axes.accept_token.as_str()),
            media_rank,
        );
        let mut cells: BTreeMap<(&str, &str), Cell> = BTreeMap::new();
        for (i, t) in &mine {
            cells
                .entry((
                    t.axes.content_type_token.as_str(),
                    t.axes.accept_token.as_str(),
                ))
                .or_default()
                .add(*i, t.verdict);
        }
        let _ = writeln!(
            out,
            "<figure class=\"grid\"><figcaption>auth: <b>{}</b> ({} trials)</figcaption><table class=\"heat\"><tr><th class=\"corner\">CT \\ Accept</th>",
            esc(auth),
            mine.len()
        );
        for a in &accs {
            // The header value itself when its token says nothing (`*/*` -> `---`).
            let value = mine
                .iter()
                .find(|(_, t)| t.axes.accept_token == *a)
                .and_then(|(_, t)| t.axes.accept.as_deref());
            let label = match value {
                Some(v) if !a.chars().any(|c| c.is_ascii_alphanumeric()) => v,
                _ => a,
            };
            let _ = write!(
                out,
                "<th class=\"col\" title=\"{}\"><span>{}</span></th>",
                esc(value.unwrap_or("no Accept header")),
                esc(label)
            );
        }
        let _ = writeln!(out, "</tr>");
        for ct in &cts {
            let value = mine
                .iter()
                .find(|(_, t)| t.axes.content_type_token == *ct)
                .and_then(|(_, t)| t.axes.content_type.as_deref());
            let label = match value {
                Some(v) if !ct.chars().any(|c| c.is_ascii_alphanumeric()) => v,
                _ => ct,
            };
            let _ = write!(
                out,
                "<tr><th class=\"row\" title=\"{}\">{}</th>",
                esc(value.unwrap_or("no body")),
                esc(label)
            );
            for a in &accs {
                match cells.get(&(*ct, *a)) {
                    Some(c) => c.td(&format!("{ct} -> {a}, {auth}"), out),
                    None => {
                        let _ = write!(out, "<td class=\"empty\"></td>");
                    }
                }
            }
            let _ = writeln!(out, "</tr>");
        }
        let _ = writeln!(out, "</table></figure>");
    }
    let _ = writeln!(out, "</div></section>");
}

fn summary_table(doc: &ReportDoc, out: &mut String) {
    let _ = writeln!(out, "<section id=\"summary\"><h2>Summary per endpoint and concern</h2><table class=\"data\"><tr><th>endpoint</th><th>concern</th><th>trials</th><th>pass</th><th>fail (must)</th><th>warn (should)</th><th>info</th><th>skipped</th><th>waived</th><th>must-level passed</th><th>should-level passed</th><th>info-level</th></tr>");
    for c in &doc.concerns {
        let n = &c.counts;
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"{}\">{}</td><td class=\"{}\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}/{}</td><td>{}/{}</td><td>{}</td></tr>",
            esc(&c.endpoint),
            esc(&c.concern),
            n.trials,
            n.pass,
            if n.fail > 0 { "v-fail" } else { "" },
            n.fail,
            if n.warn > 0 { "v-warn" } else { "" },
            n.warn,
            n.info,
            n.skipped,
            n.waived,
            c.must.passed,
            c.must.trials,
            c.should.passed,
            c.should.trials,
            c.info.trials
        );
    }
    let t = &doc.totals;
    let _ = writeln!(
        out,
        "<tr class=\"total\"><td colspan=\"2\">total</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td colspan=\"3\"></td></tr></table></section>",
        t.trials, t.pass, t.fail, t.warn, t.info, t.skipped, t.waived
    );
}

fn requirements(doc: &ReportDoc, out: &mut String) {
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

fn excerpt(s: &str) -> String {
    if s.chars().count() > BODY_SHOWN {
        format!(
            "{}\n... ({} characters more in report.json and exchanges.har)",
            s.chars().take(BODY_SHOWN).collect::<String>(),
            s.chars().count() - BODY_SHOWN
        )
    } else {
        s.to_string()
    }
}

fn exchange(ex: &RecordedExchange, out: &mut String) {
    let mut req = format!("{} {}\n", ex.request.method, ex.request.url);
    for (n, v) in &ex.request.headers {
        let _ = writeln!(req, "{n}: {v}");
    }
    if let Some(b) = &ex.request.body {
        let _ = write!(req, "\n{}", excerpt(b));
    }
    let resp = match (&ex.response, &ex.error) {
        (Some(r), _) => {
            let mut s = format!("HTTP {}\n", r.status);
            for (n, v) in &r.headers {
                let _ = writeln!(s, "{n}: {v}");
            }
            let _ = write!(s, "\n{}", excerpt(&r.body));
            if r.body_truncated {
                let _ = write!(
                    s,
                    "\n... (the record keeps the first part of {} bytes)",
                    r.body_bytes
                );
            }
            s
        }
        (None, Some(e)) => format!("no response: {e}"),
        _ => String::new(),
    };
    let _ = writeln!(
        out,
        "<div class=\"exchange\"><div class=\"purpose\">{} &middot; {:.1} ms</div><div class=\"pair\"><pre class=\"req\">{}</pre><pre class=\"resp\">{}</pre></div></div>",
        esc(&ex.purpose),
        ex.duration_ms,
        esc(&req),
        esc(&resp)
    );
}

fn trial_details(i: usize, t: &TrialEntry, open: bool, out: &mut String) {
    let _ = writeln!(
        out,
        "<details id=\"t{i}\" class=\"trial\"{}><summary>{} <code>{}</code></summary>",
        if open { " open" } else { "" },
        badge(t.verdict),
        esc(&t.id)
    );
    let _ = writeln!(
        out,
        "<p>{} &middot; level <b>{}</b> &middot; <a href=\"#r-{}\">requirement {}</a></p>{}",
        esc(&t.title),
        t.level,
        esc(&t.case_id),
        esc(&t.case_id),
        cite(&t.spec)
    );
    if let Some(m) = &t.message {
        let _ = writeln!(out, "<pre class=\"message\">{}</pre>", esc(m));
    }
    if let Some(c) = &t.curl {
        let _ = writeln!(out, "<p class=\"label\">Reproduce the request (credentials from the SOCONF_* variables):</p><pre class=\"cmd\">{}</pre>", esc(c));
    }
    let _ = writeln!(
        out,
        "<p class=\"label\">Rerun this trial:</p><pre class=\"cmd\">{}</pre>",
        esc(&t.rerun)
    );
    for ex in &t.exchanges {
        exchange(ex, out);
    }
    let _ = writeln!(out, "</details>");
}

fn failures(doc: &ReportDoc, out: &mut String) {
    let pick = |v: VerdictLabel| {
        doc.trials
            .iter()
            .enumerate()
            .filter(move |(_, t)| t.verdict == v)
    };
    let fails: Vec<_> = pick(VerdictLabel::Fail).collect();
    let warns: Vec<_> = pick(VerdictLabel::Warn).collect();
    let infos: Vec<_> = pick(VerdictLabel::Info).collect();
    let skipped: Vec<_> = pick(VerdictLabel::Skipped).collect();
    let _ = writeln!(
        out,
        "<section id=\"failures\"><h2>Failures ({} must-level, {} should-level)</h2>",
        fails.len(),
        warns.len()
    );
    if fails.is_empty() && warns.is_empty() {
        let _ = writeln!(out, "<p class=\"none\">No check failed.</p>");
    }
    for (i, t) in fails.iter().chain(warns.iter()) {
        trial_details(
            *i,
            t,
            t.verdict == VerdictLabel::Fail && fails.len() <= 20,
            out,
        );
    }
    let _ = writeln!(out, "</section>");
    waived(doc, &pick(VerdictLabel::Waived).collect::<Vec<_>>(), out);
    let _ = writeln!(out, "<section id=\"observations\"><h2>Informational observations ({})</h2><p class=\"note\">Where the docs are silent the suite reports what the server does; these never fail a run.</p>", infos.len());
    for (i, t) in &infos {
        trial_details(*i, t, false, out);
    }
    let _ = writeln!(
        out,
        "</section><section id=\"skipped\"><h2>Skipped ({})</h2>",
        skipped.len()
    );
    if !skipped.is_empty() {
        let _ = writeln!(
            out,
            "<table class=\"data\"><tr><th>trial</th><th>reason</th></tr>"
        );
        for (i, t) in &skipped {
            let _ = writeln!(
                out,
                "<tr id=\"t{i}\"><td><code>{}</code></td><td>{}</td></tr>",
                esc(&t.id),
                esc(t.skip_reason.as_deref().unwrap_or(""))
            );
        }
        let _ = writeln!(out, "</table>");
    }
    let _ = writeln!(out, "</section>");
}

/// The endpoints the trials called, from the first token of their names
/// (`get_user_group` -> `POST /api/v1/Agents/User/GetUserGroup`).
fn endpoints(doc: &ReportDoc) -> String {
    let mut seen: Vec<String> = Vec::new();
    for t in &doc.trials {
        let method = method_name(endpoint_of(t));
        if !method.is_empty() && !seen.contains(&method) {
            seen.push(method);
        }
    }
    format!("POST /api/v1/Agents/User/{}", seen.join(", "))
}

/// The statement a certification reader starts from: which suite judged which target,
/// when, with what, what it could not test, what was set aside, and how much the suite's
/// own verdicts are worth.
fn certificate(doc: &ReportDoc, out: &mut String) {
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

/// The waivers in force (`--waivers`) and the failures they set aside.
fn waived(doc: &ReportDoc, trials: &[(usize, &TrialEntry)], out: &mut String) {
    if doc.waivers.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "<section id=\"waived\"><h2>Waived failures ({})</h2><p class=\"note\">Failures set aside by a waiver: not passes; they do not fail the run while the waiver is in force. A stale waiver matched no failure; an expired one waived nothing and fails the run.</p>",
        trials.len()
    );
    let _ = writeln!(out, "<table class=\"data\" id=\"waivers\"><tr><th>pattern</th><th>state</th><th>reason</th><th>link</th><th>owner</th><th>until</th><th>waived</th></tr>");
    for w in &doc.waivers {
        let state = w.state.as_str();
        let _ = writeln!(
            out,
            "<tr class=\"waiver-{state}\"><td><code>{}</code></td><td>{state}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&w.waiver.pattern),
            esc(&w.waiver.reason),
            esc(&w.waiver.link),
            esc(&w.waiver.owner),
            esc(&w.waiver.expires),
            w.waived.len()
        );
    }
    let _ = writeln!(out, "</table>");
    for (i, t) in trials {
        trial_details(*i, t, false, out);
    }
    let _ = writeln!(out, "</section>");
}

fn traceability(doc: &ReportDoc, out: &mut String) {
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

const CSS: &str = r#"
:root{--pass:#2e9d57;--info:#3b7dd8;--warn:#e0a100;--fail:#d23b3b;--skip:#9aa0a6;--ink:#1d232b;--mute:#5b6570;--line:#d9dee3;--bg:#f6f8fa}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:var(--ink);background:#fff}
main{padding:0 28px 40px}
header.verdict{padding:20px 28px;color:#fff}
header.verdict h1{margin:0 0 4px;font-size:30px;letter-spacing:.5px}
header.verdict p{margin:0 0 10px;font-size:15px}
header.verdict dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:0;font-size:13px}
header.verdict dt{opacity:.85}
header.verdict dd{margin:0;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;word-break:break-all}
header.v-pass{background:var(--pass)} header.v-warn{background:#b98500} header.v-fail{background:var(--fail)}
nav{position:sticky;top:0;background:#fff;border-bottom:1px solid var(--line);padding:8px 28px;z-index:2}
nav a{margin-right:16px;color:var(--info);text-decoration:none}
h2{margin:28px 0 8px;font-size:20px;border-bottom:1px solid var(--line);padding-bottom:4px}
.note{color:var(--mute);margin:4px 0 10px}
.badge{display:inline-block;min-width:64px;text-align:center;padding:1px 6px;border-radius:4px;color:#fff;font-size:11px;font-weight:600}
.badge.v-pass,td.v-pass{background:var(--pass)} .badge.v-info,td.v-info{background:var(--info)}
.badge.v-warn,td.v-warn{background:var(--warn)} .badge.v-fail,td.v-fail{background:var(--fail)}
.badge.v-skipped,td.v-skipped{background:var(--skip)} .badge.v-waived,td.v-waived{background:#7a5c99}
table.data{border-collapse:collapse;width:100%}
table.data th,table.data td{border-bottom:1px solid var(--line);padding:5px 8px;text-align:left;vertical-align:top}
table.data th{background:var(--bg);font-weight:600}
table.data td.v-fail,table.data td.v-warn{color:#fff;font-weight:600}
tr.total td{font-weight:700}
.grids{display:flex;flex-wrap:wrap;gap:12px 16px;align-items:flex-start}
figure.grid{margin:0;padding:8px 10px;border:1px solid var(--line);border-radius:6px;background:var(--bg)}
figcaption{font-size:12px;color:var(--mute);margin-bottom:4px}
table.heat{border-collapse:separate;border-spacing:2px}
table.heat td{width:24px;height:19px;text-align:center;color:#fff;font-size:10px;font-weight:600;border-radius:3px}
table.heat td a{color:#fff}
table.heat td.empty{background:#eceff2}
table.heat th{font-size:10px;font-weight:500;color:var(--mute)}
table.heat th.row{text-align:right;padding-right:4px;white-space:nowrap}
table.heat th.col{height:66px;vertical-align:bottom;white-space:nowrap}
table.heat th.col span{display:inline-block;writing-mode:vertical-rl;transform:rotate(180deg)}
table.heat th.corner{font-size:9px;vertical-align:bottom}
.cite{font-size:12px;color:var(--mute)}
blockquote{margin:2px 0 6px;padding:2px 8px;border-left:3px solid var(--line);font-style:italic}
body.only-problems table.req tr.ok{display:none}
details.trial{border:1px solid var(--line);border-radius:6px;margin:8px 0;padding:6px 10px}
details.trial summary{cursor:pointer}
pre{white-space:pre-wrap;word-break:break-word;background:var(--bg);border:1px solid var(--line);border-radius:4px;padding:6px 8px;font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;margin:4px 0}
pre.message{border-left:3px solid var(--fail)}
.label{margin:8px 0 0;font-weight:600;font-size:12px}
.exchange .purpose{font-size:12px;color:var(--mute);margin-top:6px}
.exchange .pair{display:grid;grid-template-columns:1fr 1fr;gap:8px}
.none{color:var(--pass);font-weight:600}
footer{color:var(--mute);font-size:12px;padding:16px 28px;border-top:1px solid var(--line)}
"#;

const SCRIPT: &str = r##"
(function () {
  var box = document.getElementById('only-problems');
  if (box) {
    box.addEventListener('change', function () {
      document.body.classList.toggle('only-problems', box.checked);
    });
  }
  if (location.hash) {
    var target = document.getElementById(location.hash.slice(1));
    if (target && target.tagName === 'DETAILS') { target.open = true; }
  }
  document.addEventListener('click', function (e) {
    var a = e.target.closest && e.target.closest('a[href^="#t"]');
    if (!a) { return; }
    var d = document.getElementById(a.getAttribute('href').slice(1));
    if (d && d.tagName === 'DETAILS') { d.open = true; }
  });
  var grids = document.getElementById('heatmap-grids');
  if (grids) {
    var r = grids.getBoundingClientRect();
    document.body.setAttribute('data-heatmap-rect',
      [r.left, r.top, r.width, r.height].map(Math.round).join(','));
    document.body.setAttribute('data-heatmap-cells', String(grids.querySelectorAll('td:not(.empty)').length));
  }
  document.body.setAttribute('data-ready', '1');
})();
"##;

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
    let _ = writeln!(out, "<nav><a href=\"#summary\">Summary</a><a href=\"#heatmap\">Heat map</a><a href=\"#requirements\">Requirements</a><a href=\"#failures\">Failures</a><a href=\"#observations\">Observations</a><a href=\"#skipped\">Skipped</a><a href=\"#traceability\">Traceability</a></nav><main>");
    certificate(doc, &mut out);
    summary_table(doc, &mut out);
    heat_map(doc, &mut out);
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

    #[test]
    fn axis_order() {
        let got = ordered(
            ["xml", "no-body", "text/plain", "json"].into_iter(),
            media_rank,
        );
        assert_eq!(got, vec!["json", "xml", "text/plain", "no-body"]);
        let got = ordered(
            ["wrong-basic", "xsrf", "soticket-SoTicket", "basic"].into_iter(),
            auth_rank,
        );
        assert_eq!(
            got,
            vec!["basic", "soticket-SoTicket", "xsrf", "wrong-basic"]
        );
    }
}
