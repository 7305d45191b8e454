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

/// One grid of rows by concern (columns), each cell the worst verdict of the row's trials
/// of that concern, gathered one trial at a time ([`ConcernGrid::add`]).
#[derive(Default)]
struct ConcernGrid {
    /// Row, then concern (both in name order).
    rows: BTreeMap<String, BTreeMap<String, Cell>>,
}

impl ConcernGrid {
    fn add(&mut self, row: &str, concern: &str, i: usize, verdict: VerdictLabel) {
        self.rows
            .entry(row.to_string())
            .or_default()
            .entry(concern.to_string())
            .or_default()
            .add(i, verdict);
    }

    fn render(&self, id: Option<&str>, caption: &str, corner: &str, out: &mut String) {
        let mut concerns: Vec<&str> = self
            .rows
            .values()
            .flat_map(|cells| cells.keys().map(String::as_str))
            .collect();
        concerns.sort_unstable();
        concerns.dedup();
        let id = id.map(|i| format!(" id=\"{i}\"")).unwrap_or_default();
        let _ = write!(
            out,
            "<figure class=\"grid\"{id}><figcaption>{caption}</figcaption><table class=\"heat\"><tr><th class=\"corner\">{corner} \\ concern</th>"
        );
        for c in &concerns {
            let _ = write!(out, "<th class=\"col\"><span>{}</span></th>", esc(c));
        }
        let _ = writeln!(out, "</tr>");
        for (r, cells) in &self.rows {
            let _ = write!(out, "<tr><th class=\"row\">{}</th>", esc(r));
            for c in &concerns {
                match cells.get(*c) {
                    Some(cell) => cell.td(&format!("{r}, {c}"), out),
                    None => out.push_str("<td class=\"empty\"></td>"),
                }
            }
            let _ = writeln!(out, "</tr>");
        }
        let _ = writeln!(out, "</table></figure>");
    }
}

/// One agent's endpoints by concern, and whether any of its trials did not pass.
#[derive(Default)]
struct AgentGrid {
    grid: ConcernGrid,
    endpoints: std::collections::BTreeSet<String>,
    open: bool,
}

/// One auth mode's Content-Type x Accept grid: the tokens in order of appearance, the
/// header value each stands for (its first trial's), and the cells.
#[derive(Default)]
struct AuthGrid {
    trials: usize,
    cts: Vec<(String, Option<String>)>,
    accepts: Vec<(String, Option<String>)>,
    cells: BTreeMap<(String, String), Cell>,
}

impl AuthGrid {
    fn add(&mut self, i: usize, t: &TrialEntry) {
        self.trials += 1;
        let a = &t.axes;
        if !self.cts.iter().any(|(tok, _)| *tok == a.content_type_token) {
            self.cts
                .push((a.content_type_token.clone(), a.content_type.clone()));
        }
        if !self.accepts.iter().any(|(tok, _)| *tok == a.accept_token) {
            self.accepts
                .push((a.accept_token.clone(), a.accept.clone()));
        }
        let key = (a.content_type_token.clone(), a.accept_token.clone());
        self.cells.entry(key).or_default().add(i, t.verdict);
    }
}

/// Agent x concern, then each agent's endpoints x concern in a section that opens on
/// demand (open where something did not pass): readable with hundreds of endpoints.
fn agent_grids(all: &ConcernGrid, agents: &BTreeMap<String, AgentGrid>, out: &mut String) {
    all.render(
        Some("heatmap-agents"),
        "<b>agent</b> &times; concern",
        "agent",
        out,
    );
    for (a, g) in agents {
        let _ = writeln!(
            out,
            "<details class=\"agent\" id=\"agent-{}\"{}><summary>{} agent: {} endpoints</summary>",
            esc(a),
            if g.open { " open" } else { "" },
            esc(a),
            g.endpoints.len()
        );
        g.grid.render(
            None,
            &format!("<b>{}</b> endpoints &times; concern", esc(a)),
            "endpoint",
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

/// A media axis header's label: its token, or the header value itself when the token
/// says nothing (`*/*` -> `---`).
fn axis_label<'a>(token: &'a str, value: &'a Option<String>) -> &'a str {
    match value {
        Some(v) if !token.chars().any(|c| c.is_ascii_alphanumeric()) => v,
        _ => token,
    }
}

/// `v1ContactAgent_GetContactEntity` -> `GetContactEntity`.
fn method_of(uid: &str) -> &str {
    uid.rsplit_once('_').map_or(uid, |(_, m)| m)
}

pub(super) fn heat_map(doc: &ReportDoc, out: &mut String) {
    // One pass over the trials (a run's are built one at a time): every grid's cells.
    let mut all = ConcernGrid::default();
    let mut agents: BTreeMap<String, AgentGrid> = BTreeMap::new();
    let mut auths: Vec<(String, AuthGrid)> = Vec::new();
    for (i, t) in doc.trials.iter().enumerate() {
        let agent = crate::suite::agent_of(&t.endpoint);
        all.add(agent, &t.concern, i, t.verdict);
        let g = agents.entry(agent.to_string()).or_default();
        g.grid.add(method_of(&t.endpoint), &t.concern, i, t.verdict);
        g.endpoints.insert(t.endpoint.clone());
        g.open |= !matches!(t.verdict, VerdictLabel::Pass | VerdictLabel::Info);
        match auths.iter_mut().find(|(a, _)| *a == t.axes.auth) {
            Some((_, g)) => g.add(i, &t),
            None => {
                let mut g = AuthGrid::default();
                g.add(i, &t);
                auths.push((t.axes.auth.clone(), g));
            }
        }
    }
    auths.sort_by_key(|(a, _)| auth_rank(a));
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
    agent_grids(&all, &agents, out);
    for (auth, g) in &mut auths {
        g.cts.sort_by_key(|(tok, _)| media_rank(tok));
        g.accepts.sort_by_key(|(tok, _)| media_rank(tok));
        let _ = writeln!(
            out,
            "<figure class=\"grid\"><figcaption>auth: <b>{}</b> ({} trials)</figcaption><table class=\"heat\"><tr><th class=\"corner\">CT \\ Accept</th>",
            esc(auth),
            g.trials
        );
        for (a, value) in &g.accepts {
            let label = axis_label(a, value);
            let _ = write!(
                out,
                "<th class=\"col\" title=\"{}\"><span>{}</span></th>",
                esc(value.as_deref().unwrap_or("no Accept header")),
                esc(&short(label))
            );
        }
        let _ = writeln!(out, "</tr>");
        for (ct, value) in &g.cts {
            let label = axis_label(ct, value);
            let _ = write!(
                out,
                "<tr><th class=\"row\" title=\"{}\">{}</th>",
                esc(value.as_deref().unwrap_or("no body")),
                esc(label)
            );
            for (a, _) in &g.accepts {
                match g.cells.get(&(ct.clone(), a.clone())) {
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
        let mut got = vec!["xml", "no-body", "text/plain", "json"];
        got.sort_by_key(|t| media_rank(t));
        assert_eq!(got, vec!["json", "xml", "text/plain", "no-body"]);
        let mut got = vec!["wrong-basic", "xsrf", "soticket-SoTicket", "basic"];
        got.sort_by_key(|t| auth_rank(t));
        assert_eq!(
            got,
            vec!["basic", "soticket-SoTicket", "xsrf", "wrong-basic"]
        );
    }
}
