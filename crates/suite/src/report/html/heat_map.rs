//! The heat map: agent x concern, each agent's endpoints x concern on demand, then
//! Content-Type x Accept per auth mode.

use super::*;

/// Rank of a media token on the heat map axes: the documented types first, in the page's
/// order, then the rest in order of appearance, "not sent" last.
pub(super) fn media_rank(token: &str) -> usize {
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

pub(super) fn auth_rank(token: &str) -> usize {
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
pub(super) fn ordered<'a>(
    values: impl Iterator<Item = &'a str>,
    rank: fn(&str) -> usize,
) -> Vec<&'a str> {
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

/// One grid of `rows` by concern (columns), each cell the worst verdict of the row's
/// trials of that concern. `row_of` gives a trial's row; trials it gives none are left out.
fn concern_grid<'a>(
    trials: &'a [TrialEntry],
    id: Option<&str>,
    caption: &str,
    corner: &str,
    row_of: &dyn Fn(&'a TrialEntry) -> Option<&'a str>,
    out: &mut String,
) {
    let mut rows: Vec<&str> = Vec::new();
    let mut concerns: Vec<&str> = Vec::new();
    let mut cells: BTreeMap<(&str, &str), Cell> = BTreeMap::new();
    for (i, t) in trials.iter().enumerate() {
        let Some(r) = row_of(t) else { continue };
        if !rows.contains(&r) {
            rows.push(r);
        }
        if !concerns.contains(&t.concern.as_str()) {
            concerns.push(&t.concern);
        }
        cells
            .entry((r, t.concern.as_str()))
            .or_default()
            .add(i, t.verdict);
    }
    rows.sort_unstable();
    concerns.sort_unstable();
    let id = id.map(|i| format!(" id=\"{i}\"")).unwrap_or_default();
    let _ = write!(
        out,
        "<figure class=\"grid\"{id}><figcaption>{caption}</figcaption><table class=\"heat\"><tr><th class=\"corner\">{corner} \\ concern</th>"
    );
    for c in &concerns {
        let _ = write!(out, "<th class=\"col\"><span>{}</span></th>", esc(c));
    }
    let _ = writeln!(out, "</tr>");
    for r in &rows {
        let _ = write!(out, "<tr><th class=\"row\">{}</th>", esc(r));
        for c in &concerns {
            match cells.get(&(*r, *c)) {
                Some(cell) => cell.td(&format!("{r}, {c}"), out),
                None => out.push_str("<td class=\"empty\"></td>"),
            }
        }
        let _ = writeln!(out, "</tr>");
    }
    let _ = writeln!(out, "</table></figure>");
}

/// Agent x concern, then each agent's endpoints x concern in a section that opens on
/// demand (open where something did not pass): readable with hundreds of endpoints.
fn agent_grids(trials: &[TrialEntry], out: &mut String) {
    fn agent(t: &TrialEntry) -> &str {
        crate::suite::agent_of(&t.endpoint)
    }
    concern_grid(
        trials,
        Some("heatmap-agents"),
        "<b>agent</b> &times; concern",
        "agent",
        &|t| Some(agent(t)),
        out,
    );
    let mut agents: Vec<&str> = trials.iter().map(agent).collect();
    agents.sort_unstable();
    agents.dedup();
    for a in agents {
        let mine = || trials.iter().filter(move |t| agent(t) == a);
        let endpoints: std::collections::BTreeSet<&str> =
            mine().map(|t| t.endpoint.as_str()).collect();
        let open = mine().any(|t| !matches!(t.verdict, VerdictLabel::Pass | VerdictLabel::Info));
        let _ = writeln!(
            out,
            "<details class=\"agent\" id=\"agent-{}\"{}><summary>{} agent: {} endpoints</summary>",
            esc(a),
            if open { " open" } else { "" },
            esc(a),
            endpoints.len()
        );
        concern_grid(
            trials,
            None,
            &format!("<b>{}</b> endpoints &times; concern", esc(a)),
            "endpoint",
            &|t: &TrialEntry| (agent(t) == a).then(|| method_of(&t.endpoint)),
            out,
        );
        let _ = writeln!(out, "</details>");
    }
}

/// A header label cut to fit a rotated column (the whole value is its `title`): the
/// long document types a byte stream lists (`application/vnd.openxmlformats-...`).
fn short(label: &str) -> String {
    const MAX: usize = 16;
    if label.chars().count() <= MAX {
        label.to_string()
    } else {
        let head: String = label.chars().take(MAX - 1).collect();
        format!("{head}\u{2026}")
    }
}

/// `v1ContactAgent_GetContactEntity` -> `GetContactEntity`.
fn method_of(uid: &str) -> &str {
    uid.rsplit_once('_').map_or(uid, |(_, m)| m)
}

pub(super) fn heat_map(doc: &ReportDoc, out: &mut String) {
    let trials = &doc.trials;
    let auths = ordered(trials.iter().map(|t| t.axes.auth.as_str()), auth_rank);
    let _ = writeln!(
        out,
        "<section id=\"heatmap\"><h2>Heat map: agent &times; concern, each agent's endpoints, then Content-Type &times; Accept &times; auth</h2>"
    );
    let _ = writeln!(
        out,
        "<p class=\"note\">First every agent by concern, then each agent's endpoints by concern (open the agent), then one grid per auth mode (all endpoints): rows are request Content-Types, columns Accept headers. \
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
    agent_grids(trials, out);
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
                esc(&short(label))
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

#[cfg(test)]
mod tests {
    use super::*;

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
