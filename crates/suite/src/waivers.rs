//! Waivers: failures set aside, each with a reason, a link, an owner and an end (Jakarta's
//! accepted challenges, Schemathesis' `--baseline`). A waived failure is shown as waived
//! in every report, never as a pass, and does not fail the run; a waiver that matches no
//! failure is stale; an expired one no longer applies and fails the run.
//!
//! ```toml
//! [[waiver]]
//! pattern = "save_user_group::auth::near_miss_401::*"   # a trial name or case id; * = anything
//! reason = "401 vs 403 under dispute"
//! link = "https://tracker.example/CRM-123"
//! owner = "vendor-qa@example.com"
//! expires = "2027-01-31"                                 # the last day it applies
//! ```

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::time::SystemTime;

/// One waiver, as written in the file and as reports carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Waiver {
    /// A trial name or a case id; `*` matches any run of characters.
    pub pattern: String,
    pub reason: String,
    /// Where the dispute or decision is recorded.
    pub link: String,
    /// Who answers for it.
    pub owner: String,
    /// The last day it applies (`YYYY-MM-DD`, UTC).
    pub expires: String,
}

impl Waiver {
    /// Whether it is past its last day on `today` (`YYYY-MM-DD`).
    pub fn expired(&self, today: &str) -> bool {
        self.expires.as_str() < today
    }

    /// `reason (link; owner ...; until ...)`, as reports show a waived failure.
    pub fn summary(&self) -> String {
        format!(
            "{} ({}; owner {}; until {})",
            self.reason, self.link, self.owner, self.expires
        )
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WaiverFile {
    #[serde(default)]
    waiver: Vec<toml::Spanned<Waiver>>,
}

/// What became of a waiver in a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum WaiverState {
    /// It waived at least one failure.
    Applied,
    /// In force, but no failure matched it: the trial passes now, or the pattern is off.
    Stale,
    /// Past its date: it waived nothing, and it fails the run until renewed or removed.
    Expired,
}

impl WaiverState {
    pub fn as_str(self) -> &'static str {
        match self {
            WaiverState::Applied => "applied",
            WaiverState::Stale => "stale",
            WaiverState::Expired => "expired",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WaiverStatus {
    #[serde(flatten)]
    pub waiver: Waiver,
    pub state: WaiverState,
    /// The failing trials it waived.
    pub waived: Vec<String>,
}

/// Reads a waiver file; every error names the file and, where it can, the line.
pub fn load(path: &Path) -> Result<Vec<Waiver>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read the waiver file: {e}", path.display()))?;
    parse(&text).map_err(|e| format!("{}:{e}", path.display()))
}

/// Parses waiver TOML; an error starts with the line (`12: ...`).
pub fn parse(text: &str) -> Result<Vec<Waiver>, String> {
    let line_of = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
    let file: WaiverFile = toml::from_str(text).map_err(|e| {
        let line = e.span().map_or(1, |s| line_of(s.start));
        format!("{line}: {}", e.message())
    })?;
    let mut out = Vec::new();
    for spanned in file.waiver {
        let line = line_of(spanned.span().start);
        let w = spanned.into_inner();
        for (name, value) in [
            ("pattern", &w.pattern),
            ("reason", &w.reason),
            ("link", &w.link),
            ("owner", &w.owner),
        ] {
            if value.trim().is_empty() {
                return Err(format!("{line}: waiver `{}`: `{name}` is empty; every waiver needs a pattern, a reason, a link and an owner", w.pattern));
            }
        }
        if !is_date(&w.expires) {
            return Err(format!(
                "{line}: waiver `{}`: expires = `{}`: expected a date as YYYY-MM-DD",
                w.pattern, w.expires
            ));
        }
        out.push(w);
    }
    Ok(out)
}

fn is_date(s: &str) -> bool {
    s.len() == 10 && humantime::parse_rfc3339(&format!("{s}T00:00:00Z")).is_ok()
}

/// Today's date (UTC) as `YYYY-MM-DD`.
pub fn today() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now()).to_string()[..10].to_string()
}

pub use crate::glob::matches;

/// Waives every failing trial (a must- or should-level failure) that a waiver in force
/// matches by trial name or case id; the first matching waiver wins. Returns what became
/// of each waiver, in file order.
pub fn apply<'r, T: Waivable + 'r>(
    waivers: &[Waiver],
    reports: impl IntoIterator<Item = &'r mut T>,
    today: &str,
) -> Vec<WaiverStatus> {
    let mut status: Vec<WaiverStatus> = waivers
        .iter()
        .map(|w| WaiverStatus {
            waiver: w.clone(),
            state: if w.expired(today) {
                WaiverState::Expired
            } else {
                WaiverState::Stale
            },
            waived: vec![],
        })
        .collect();
    for r in reports {
        if !r.fails() {
            continue;
        }
        let found = status.iter_mut().find(|s| {
            s.state != WaiverState::Expired
                && (matches(&s.waiver.pattern, r.name()) || matches(&s.waiver.pattern, r.case_id()))
        });
        if let Some(s) = found {
            s.state = WaiverState::Applied;
            s.waived.push(r.name().to_string());
            r.waive(s.waiver.clone());
        }
    }
    status
}

/// What a waiver needs of a trial's report (the engine's `TrialReport`), so that this
/// module does not depend on the engine.
pub trait Waivable {
    /// The trial's name.
    fn name(&self) -> &str;
    fn case_id(&self) -> &str;
    /// A must- or should-level failure (what `--strict` fails on).
    fn fails(&self) -> bool;
    /// Sets the failure aside.
    fn waive(&mut self, waiver: Waiver);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn star_matches_any_run() {
        assert!(matches("a::*::c", "a::b::x::c"));
        assert!(matches(
            "*near_miss*",
            "save::auth::near_miss_401::json->json::x"
        ));
        assert!(matches("auth.near_miss_401", "auth.near_miss_401"));
        assert!(!matches("auth.near_miss", "auth.near_miss_401"));
        assert!(!matches("a*b*c", "acb"));
        assert!(matches("*", ""));
    }

    #[test]
    fn errors_name_the_line_and_what_was_expected() {
        let e = parse("[[waiver]]\npattern = \"x\"\nreason = \"r\"\nlink = \"l\"\nowner = \"o\"\nexpires = \"31.01.2027\"\n")
            .expect_err("bad date");
        assert!(e.starts_with("1: ") && e.contains("YYYY-MM-DD"), "{e}");
        let e = parse("[[waiver]]\npattern = \"x\"\nreason = \"\"\nlink = \"l\"\nowner = \"o\"\nexpires = \"2027-01-31\"\n")
            .expect_err("empty reason");
        assert!(e.contains("`reason` is empty"), "{e}");
        let e = parse("\n\n[[waiver]]\npattern = \"x\"\nreasn = \"r\"\n").expect_err("typo");
        assert!(e.starts_with("3: ") || e.starts_with("5: "), "{e}");
        assert!(parse("").expect("empty file").is_empty());
    }
}
