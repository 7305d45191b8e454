//! Failures, observations and skipped trials, each with its exchanges; and the waivers.

use super::*;

pub(super) fn excerpt(s: &str) -> String {
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

pub(super) fn exchange(ex: &RecordedExchange, out: &mut String) {
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

pub(super) fn trial_details(i: usize, t: &TrialEntry, open: bool, out: &mut String) {
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

pub(super) fn failures(doc: &ReportDoc, out: &mut String) {
    // Every trial that did not pass, by verdict, in trial order (passes are not built).
    let mut by: BTreeMap<VerdictLabel, Vec<(usize, std::borrow::Cow<TrialEntry>)>> =
        BTreeMap::new();
    for (i, t) in doc.trials.problems() {
        by.entry(t.verdict).or_default().push((i, t));
    }
    let mut pick = |v: VerdictLabel| by.remove(&v).unwrap_or_default();
    let fails = pick(VerdictLabel::Fail);
    let warns = pick(VerdictLabel::Warn);
    let infos = pick(VerdictLabel::Info);
    let skipped = pick(VerdictLabel::Skipped);
    let waived_trials = pick(VerdictLabel::Waived);
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
    waived(doc, &waived_trials, out);
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

/// The waivers in force (`--waivers`) and the failures they set aside.
fn waived(doc: &ReportDoc, trials: &[(usize, std::borrow::Cow<TrialEntry>)], out: &mut String) {
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
