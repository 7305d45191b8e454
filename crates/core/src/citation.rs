//! A citation: the page, section and sentence of the docs that a check, a case or a
//! fault rests on. Both the suite and the reference server quote the docs this way.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A quoted sentence of a page in `spec/`. The loader checks that the quote really is on
/// the page, so a citation cannot drift from the docs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SpecRef {
    /// File name in `spec/`, e.g. `v1UserAgent_SaveUserGroup.current.md`.
    pub page: String,
    /// The heading the sentence is under.
    pub section: String,
    /// The sentence (or the part of it that matters), verbatim up to whitespace.
    pub quote: String,
}

/// The page of a case that expands over endpoints: each trial cites its own endpoint's
/// page (`<uid>.md`), whose description must hold the sentence.
pub const ENDPOINT_PAGE: &str = "{endpoint}";

impl SpecRef {
    /// This citation for endpoint `uid`: its own page in place of [`ENDPOINT_PAGE`].
    pub fn for_endpoint(&self, uid: &str) -> SpecRef {
        if self.page == ENDPOINT_PAGE {
            SpecRef {
                page: format!("{uid}.md"),
                ..self.clone()
            }
        } else {
            self.clone()
        }
    }

    /// No citation at all (a report's check whose citation is given once elsewhere).
    pub fn is_empty(&self) -> bool {
        self.page.is_empty() && self.section.is_empty() && self.quote.is_empty()
    }
}

/// Collapses runs of whitespace so a quote may wrap differently from the page.
pub fn normalize_ws(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
