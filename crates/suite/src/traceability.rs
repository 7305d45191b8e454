//! Traceability: every normative sentence of the SaveUserGroup page, and the sentences of
//! the general pages it relies on, mapped to the cases (and intrinsic checks) that cite it.
//!
//! The sentences come from the docs, never from the cases:
//! - the reference page's are extracted by [`extract`] (pure, through [`crate::docs::page`]):
//!   the route, the summary sentences, the Online Restricted banner, the query-string
//!   description (sentence by sentence) and its example, each request-header row, each
//!   request-body row, each response status row, each response-body property row, and the
//!   sample request and response;
//! - the general pages' are listed in `cases/traceability.toml` (`[[sentence]]`).
//!
//! A citation covers a sentence when both are on the same page and, whitespace normalised,
//! the quote contains the sentence or the sentence contains the quote (a quote of at least
//! [`MIN_QUOTE_CHARS`] characters). A sentence no citation covers needs a reason
//! (`[[uncovered]]` in the same file); `soconform coverage` fails on one that has none.

use crate::cases::{normalize_ws, CaseSet, SpecRef, TRACEABILITY_FILE};
use crate::docs::{self, DocError};
use crate::suite::Suite;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A quote shorter than this covers a sentence only if it contains the whole sentence,
/// so a fragment such as `UserGroup` cannot cover everything that mentions it.
pub const MIN_QUOTE_CHARS: usize = 12;

/// `cases/traceability.toml`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TraceabilityFile {
    /// The reference page whose sentences are extracted (a file name in `spec/`).
    pub page: String,
    /// Sentences of the general pages the endpoint relies on, verbatim up to whitespace.
    #[serde(rename = "sentence", default)]
    pub sentences: Vec<SpecRef>,
    /// Why a sentence is checked by no case.
    #[serde(rename = "uncovered", default)]
    pub uncovered: Vec<Excuse>,
}

/// The reason a documented sentence has no case.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Excuse {
    pub page: String,
    /// The sentence (or enough of it to match it, at least [`MIN_QUOTE_CHARS`] characters).
    pub quote: String,
    pub reason: String,
}

/// One documentation sentence that some case should check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Sentence {
    /// File name in `spec/`.
    pub page: String,
    /// The heading it is under.
    pub section: String,
    /// Where on the page it comes from: `route`, `summary`, `restriction`, `query`,
    /// `query-example`, `request-header`, `request-body`, `response-status`, `response-body`,
    /// `sample-request`, `sample-response`, or `listed` (from `cases/traceability.toml`).
    pub kind: String,
    /// The sentence, whitespace normalised.
    pub text: String,
    /// 1-based line where it starts on the page (0 when not found).
    pub line: usize,
}

/// Something that cites documentation: a case (`spec` and `also`), an intrinsic check
/// (`check:<id>`) or a SoTicket spelling of the auth matrix (`matrix:<spelling>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Citation {
    pub id: String,
    pub page: String,
    pub quote: String,
}

/// Whether a sentence is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Coverage {
    /// At least one case or check cites it.
    Covered,
    /// No case cites it, and `cases/traceability.toml` says why.
    Excused,
    /// No case cites it and no reason is given: `soconform coverage` fails.
    Uncovered,
}

/// One row of the traceability table.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct TraceRow {
    #[serde(flatten)]
    pub sentence: Sentence,
    pub coverage: Coverage,
    /// Case ids (and `check:`/`matrix:` ids) whose citations cover the sentence.
    pub covered_by: Vec<String>,
    /// Why no case checks it (excused sentences only).
    pub reason: Option<String>,
}

/// The whole table.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Traceability {
    /// The reference page whose sentences were extracted.
    pub page: String,
    pub rows: Vec<TraceRow>,
    pub covered: usize,
    pub excused: usize,
    pub uncovered: usize,
    /// Data problems: reasons that match no sentence or a covered one.
    pub problems: Vec<String>,
}

impl Traceability {
    /// Fails when a sentence is uncovered without a reason.
    pub fn ok(&self) -> bool {
        self.uncovered == 0
    }
}

/// Splits prose into sentences: after `.`, `!` or `?` followed by whitespace and an
/// upper-case letter. `UserGroup.Deleted` and `(iso2) code. Overrides` behave as expected.
pub fn split_sentences(text: &str) -> Vec<String> {
    let text = normalize_ws(text);
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut start = 0;
    for i in 0..chars.len() {
        let end = matches!(chars[i], '.' | '!' | '?')
            && chars.get(i + 1) == Some(&' ')
            && chars.get(i + 2).is_some_and(|c| c.is_uppercase());
        if end {
            out.push(chars[start..=i].iter().collect::<String>());
            start = i + 2;
        }
    }
    if start < chars.len() {
        out.push(chars[start..].iter().collect::<String>());
    }
    out.into_iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// The 1-based line where `quote` (whitespace normalised) starts in `text`, if it is there.
pub fn locate(text: &str, quote: &str) -> Option<usize> {
    let quote = normalize_ws(quote);
    if quote.is_empty() {
        return None;
    }
    // The page as single-spaced words, remembering each word's line.
    let mut joined = String::new();
    let mut starts: Vec<(usize, usize)> = Vec::new(); // (byte offset in joined, line)
    for (i, line) in text.lines().enumerate() {
        for word in line.split_whitespace() {
            if !joined.is_empty() {
                joined.push(' ');
            }
            starts.push((joined.len(), i + 1));
            joined.push_str(word);
        }
    }
    let at = joined.find(&quote)?;
    let idx = starts.partition_point(|(off, _)| *off <= at);
    starts.get(idx.saturating_sub(1)).map(|(_, line)| *line)
}

/// The sentences of a reference page that cases should check. Pure: `file` names the page
/// in errors and in the result.
pub fn extract(file: &str, text: &str) -> Result<Vec<Sentence>, DocError> {
    let page = docs::parse_page(file, text)?;
    let lines: Vec<&str> = text.lines().collect();
    let raw_line = |n: usize| normalize_ws(lines.get(n.wrapping_sub(1)).copied().unwrap_or(""));
    let mut out = Vec::new();
    let mut push = |section: &str, kind: &str, text: String, line: usize| {
        if !text.is_empty() {
            out.push(Sentence {
                page: file.to_string(),
                section: section.to_string(),
                kind: kind.to_string(),
                line: if line > 0 {
                    line
                } else {
                    locate(&lines.join("\n"), &text).unwrap_or(0)
                },
                text,
            });
        }
    };
    let title = page.title.clone();
    push(
        &title,
        "route",
        format!("{} {}", page.method, page.path),
        page.route_line,
    );
    for para in &page.summary {
        for s in split_sentences(para) {
            push(&title, "summary", s, 0);
        }
    }
    if let Some(banner) = &page.restriction {
        for s in split_sentences(banner) {
            push("Online Restricted", "restriction", s, 0);
        }
    }
    for q in &page.query_parameters {
        for s in split_sentences(&q.description) {
            push("Query String Parameters", "query", s, 0);
        }
    }
    for ex in &page.query_examples {
        push(
            "Query String Parameters",
            "query-example",
            normalize_ws(ex),
            0,
        );
    }
    for h in &page.headers {
        push(
            "Request Headers",
            "request-header",
            raw_line(h.line),
            h.line,
        );
    }
    if let Some(rb) = &page.request_body {
        let section = format!("Request Body: {}", rb.name);
        for p in &rb.properties {
            push(&section, "request-body", raw_line(p.line), p.line);
        }
    }
    for s in &page.response.statuses {
        push("Response", "response-status", raw_line(s.line), s.line);
    }
    let body_section = format!(
        "Response body: {}",
        page.response.body_type.as_deref().unwrap_or("")
    )
    .trim()
    .to_string();
    for p in &page.response.properties {
        push(&body_section, "response-body", raw_line(p.line), p.line);
    }
    for (sample, section, kind) in [
        (&page.sample_request, "Sample request", "sample-request"),
        (&page.sample_response, "Sample response", "sample-response"),
    ] {
        if let Some(b) = sample {
            // The fence's contents, as on the page.
            let body: Vec<&str> = lines
                .iter()
                .skip(b.line)
                .take_while(|l| !l.trim_start().starts_with("```"))
                .copied()
                .collect();
            push(section, kind, normalize_ws(&body.join("\n")), b.line + 1);
        }
    }
    Ok(out)
}

/// Whether a citation (`quote`, normalised) covers a sentence (`sentence`, normalised).
pub fn covers(quote: &str, sentence: &str) -> bool {
    !quote.is_empty()
        && (quote.contains(sentence)
            || (quote.chars().count() >= MIN_QUOTE_CHARS && sentence.contains(quote)))
}

/// Every citation of the suite: each case's `spec` and `also`, each intrinsic check's, and
/// each SoTicket spelling of the auth matrix.
pub fn citations(cases: &CaseSet) -> Vec<Citation> {
    let mut out = Vec::new();
    let mut cite = |id: String, s: &SpecRef| {
        out.push(Citation {
            id,
            page: s.page.clone(),
            quote: normalize_ws(&s.quote),
        })
    };
    for (_, case) in cases.cases() {
        cite(case.id.clone(), &case.spec);
        for a in &case.also {
            cite(case.id.clone(), a);
        }
    }
    for c in &cases.checks.checks {
        cite(format!("check:{}", c.id), &c.spec);
        for a in &c.also {
            cite(format!("check:{}", c.id), a);
        }
    }
    for s in &cases.matrix.auth.soticket_spellings {
        cite(format!("matrix:{}", s.spelling), &s.spec);
    }
    out
}

/// Maps sentences to citations and reasons. Pure.
pub fn trace(
    page: &str,
    sentences: Vec<Sentence>,
    citations: &[Citation],
    excuses: &[Excuse],
) -> Traceability {
    let mut rows = Vec::new();
    let mut used = vec![false; excuses.len()];
    let mut problems = Vec::new();
    for s in sentences {
        let mut covered_by: Vec<String> = Vec::new();
        for c in citations.iter().filter(|c| c.page == s.page) {
            if covers(&c.quote, &s.text) && !covered_by.contains(&c.id) {
                covered_by.push(c.id.clone());
            }
        }
        let excuse = excuses
            .iter()
            .enumerate()
            .find(|(_, e)| e.page == s.page && covers(&normalize_ws(&e.quote), &s.text));
        if let Some((i, _)) = excuse {
            used[i] = true;
        }
        let (coverage, reason) = match (covered_by.is_empty(), excuse) {
            (false, Some((_, e))) => {
                problems.push(format!(
                    "{}: a reason is given for a covered sentence (covered by {}): {:?}; remove it from cases/{TRACEABILITY_FILE}",
                    s.page,
                    covered_by.join(", "),
                    e.quote
                ));
                (Coverage::Covered, None)
            }
            (false, None) => (Coverage::Covered, None),
            (true, Some((_, e))) => (Coverage::Excused, Some(e.reason.clone())),
            (true, None) => (Coverage::Uncovered, None),
        };
        rows.push(TraceRow {
            sentence: s,
            coverage,
            covered_by,
            reason,
        });
    }
    for (e, used) in excuses.iter().zip(used) {
        if !used {
            problems.push(format!(
                "{}: the reason for {:?} matches no sentence; fix or remove it in cases/{TRACEABILITY_FILE}",
                e.page, e.quote
            ));
        }
    }
    let count = |c: Coverage| rows.iter().filter(|r| r.coverage == c).count();
    Traceability {
        page: page.to_string(),
        covered: count(Coverage::Covered),
        excused: count(Coverage::Excused),
        uncovered: count(Coverage::Uncovered),
        rows,
        problems,
    }
}

/// Reads `cases/traceability.toml` and the pages it names, extracts, and traces against
/// the suite's citations.
pub fn load(suite: &Suite) -> Result<Traceability, String> {
    let path = suite.paths.cases.join(TRACEABILITY_FILE);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    let file: TraceabilityFile =
        toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut pages: BTreeMap<String, String> = BTreeMap::new();
    let mut page_text = |name: &str| -> Result<String, String> {
        if name.contains('/') || name.contains("..") {
            return Err(format!(
                "{}: page `{name}` must be a file name in spec/",
                path.display()
            ));
        }
        if let Some(t) = pages.get(name) {
            return Ok(t.clone());
        }
        let p = suite.paths.spec.join(name);
        let t = std::fs::read_to_string(&p)
            .map_err(|e| format!("{}: cannot read: {e}", p.display()))?;
        pages.insert(name.to_string(), t.clone());
        Ok(t)
    };
    let main = page_text(&file.page)?;
    let mut sentences = extract(&file.page, &main).map_err(|e| e.to_string())?;
    for s in &file.sentences {
        let t = page_text(&s.page)?;
        let line = locate(&t, &s.quote).ok_or_else(|| {
            format!(
                "{}: the sentence is not on page {}: {:?}",
                path.display(),
                s.page,
                s.quote
            )
        })?;
        if locate(&t, &s.section).is_none() {
            return Err(format!(
                "{}: section {:?} is not on page {}",
                path.display(),
                s.section,
                s.page
            ));
        }
        sentences.push(Sentence {
            page: s.page.clone(),
            section: s.section.clone(),
            kind: "listed".into(),
            text: normalize_ws(&s.quote),
            line,
        });
    }
    Ok(trace(
        &file.page,
        sentences,
        &citations(&suite.cases),
        &file.uncovered,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "---\ntitle: POST Agents/User/SaveUserGroup\nuid: v1UserAgent_SaveUserGroup\n---\n\n# POST Agents/User/SaveUserGroup\n\n```http\nPOST /api/v1/Agents/User/SaveUserGroup\n```\n\nSave a user group.\n\n\nSet UserGroup.Deleted to mark a user group as deleted and invisible in the user interface.\n\n\n## Online Restricted: ## The User agent is not available in Online by default. User management is not allowed for partner apps.\n\n## Query String Parameters\n\n| Parameter Name | Type |  Description |\n|----------------|------|--------------|\n| $select | string |  Optional comma separated list of properties to include in the result. Other fields are then nulled out to reduce payload size: \"Name,department,category\". Default = show all fields. |\n\n```http\nPOST /api/v1/Agents/User/SaveUserGroup?$select=name,department,category/id\n```\n\n## Request Headers\n\n| Parameter Name | Description |\n|----------------|-------------|\n| Authorization  | Supports 'Basic', 'SoTicket' and 'Bearer' schemes, depending on installation type. |\n| SO-Language | Convert string references. Overrides Accept-Language value. |\n\n## Response:\n\nOK\n\n| Response | Description |\n|----------------|-------------|\n| 200 | OK |\n\n### Response body: UserGroup\n\n| Property Name | Type |  Description |\n|----------------|------|--------------|\n| Value | string | UserGroup name |\n\n## Sample request\n\n```http!\nPOST /api/v1/Agents/User/SaveUserGroup\nContent-Type: application/json\n\n{\n  \"UserGroup\": null\n}\n```\n";

    #[test]
    fn sentences_split_where_prose_does() {
        assert_eq!(
            split_sentences("Optional list. Other fields are nulled out: \"A,b\". Default = all."),
            vec![
                "Optional list.",
                "Other fields are nulled out: \"A,b\".",
                "Default = all."
            ]
        );
        assert_eq!(
            split_sentences("Set UserGroup.Deleted to mark it.\nNext one"),
            vec!["Set UserGroup.Deleted to mark it.", "Next one"]
        );
        assert_eq!(
            split_sentences("(iso2) code. Overrides X."),
            vec!["(iso2) code.", "Overrides X."]
        );
    }

    #[test]
    fn locate_finds_wrapped_quotes() {
        let text = "a b\nc   d\ne";
        assert_eq!(locate(text, "c d e"), Some(2));
        assert_eq!(locate(text, "b c"), Some(1));
        assert_eq!(locate(text, "x"), None);
    }

    #[test]
    fn extracts_every_kind_verbatim() {
        let got = extract("p.md", PAGE).unwrap_or_else(|e| panic!("{e}"));
        let kinds: Vec<(&str, &str)> = got
            .iter()
            .map(|s| (s.kind.as_str(), s.text.as_str()))
            .collect();
        let want = [
            ("route", "POST /api/v1/Agents/User/SaveUserGroup"),
            ("summary", "Save a user group."),
            ("summary", "Set UserGroup.Deleted to mark a user group as deleted and invisible in the user interface."),
            ("restriction", "The User agent is not available in Online by default."),
            ("restriction", "User management is not allowed for partner apps."),
            ("query", "Optional comma separated list of properties to include in the result."),
            ("query", "Other fields are then nulled out to reduce payload size: \"Name,department,category\"."),
            ("query", "Default = show all fields."),
            ("query-example", "POST /api/v1/Agents/User/SaveUserGroup?$select=name,department,category/id"),
            ("request-header", "| Authorization | Supports 'Basic', 'SoTicket' and 'Bearer' schemes, depending on installation type. |"),
            ("request-header", "| SO-Language | Convert string references. Overrides Accept-Language value. |"),
            ("response-status", "| 200 | OK |"),
            ("response-body", "| Value | string | UserGroup name |"),
            ("sample-request", "POST /api/v1/Agents/User/SaveUserGroup Content-Type: application/json { \"UserGroup\": null }"),
        ];
        assert_eq!(kinds, want);
        for s in &got {
            assert!(s.line > 0, "{s:?}");
            assert!(normalize_ws(PAGE).contains(&s.text), "not verbatim: {s:?}");
        }
        assert_eq!(got[1].line, 12);
        assert_eq!(got[9].line, 34);
    }

    #[test]
    fn coverage_rule() {
        let row = "| SO-Language | Convert string references. Overrides Accept-Language value. |";
        assert!(covers(row, row));
        assert!(covers("Overrides Accept-Language value.", row));
        assert!(!covers("Overrides", row), "a short fragment does not cover");
        assert!(covers("| 200 | OK | and more", "| 200 | OK |"));
        assert!(!covers("", row));
    }

    #[test]
    fn trace_marks_covered_excused_and_uncovered() {
        let s = |text: &str| Sentence {
            page: "p.md".into(),
            section: "s".into(),
            kind: "summary".into(),
            text: text.into(),
            line: 1,
        };
        let cites = vec![
            Citation {
                id: "a.one".into(),
                page: "p.md".into(),
                quote: "Save a user group.".into(),
            },
            Citation {
                id: "a.two".into(),
                page: "other.md".into(),
                quote: "Online by default.".into(),
            },
        ];
        let excuses = vec![
            Excuse {
                page: "p.md".into(),
                quote: "not available in Online".into(),
                reason: "onsite".into(),
            },
            Excuse {
                page: "p.md".into(),
                quote: "nothing matches this".into(),
                reason: "stale".into(),
            },
        ];
        let t = trace(
            "p.md",
            vec![
                s("Save a user group."),
                s("The User agent is not available in Online by default."),
                s("Default = show all fields."),
            ],
            &cites,
            &excuses,
        );
        assert_eq!((t.covered, t.excused, t.uncovered), (1, 1, 1));
        assert_eq!(t.rows[0].covered_by, vec!["a.one"]);
        assert_eq!(t.rows[1].reason.as_deref(), Some("onsite"));
        assert_eq!(t.rows[2].coverage, Coverage::Uncovered);
        assert!(!t.ok());
        assert_eq!(t.problems.len(), 1, "{:?}", t.problems);
        assert!(t.problems[0].contains("matches no sentence"));
    }
}
