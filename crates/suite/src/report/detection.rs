//! The suite's detection power, as the self-test measured it for one suite version: how
//! many deliberate faults it catches per level, and which clean profiles it passes. The
//! self-test writes it (`soconform selftest --write-detection docs/detection.json`); a
//! report carries it only when it was measured for the very suite (content hash) that
//! judged the run, so a certification reader never sees another version's score.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Detection {
    /// The suite content hash (cases and schemas) the self-test ran with.
    pub content_hash: String,
    /// Must-level faults caught at default settings.
    pub must: Caught,
    /// Should-level faults caught with `--strict`.
    pub should: Caught,
    /// Correct servers that choose differently where the docs are silent: each must fail
    /// no trial.
    pub clean_profiles: Vec<CleanProfile>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Caught {
    pub caught: usize,
    pub total: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CleanProfile {
    pub id: String,
    pub description: String,
    pub trials: usize,
    /// Trials failed at default settings.
    pub failures: usize,
    /// Trials failed with `--strict`.
    pub failures_strict: usize,
}

impl Detection {
    /// Every fault caught and every clean profile without failures.
    pub fn holds(&self) -> bool {
        self.must.caught == self.must.total
            && self.should.caught == self.should.total
            && self
                .clean_profiles
                .iter()
                .all(|p| p.failures == 0 && p.failures_strict == 0)
    }

    /// One line for people.
    pub fn summary(&self) -> String {
        let passed = self
            .clean_profiles
            .iter()
            .filter(|p| p.failures == 0 && p.failures_strict == 0)
            .count();
        format!(
            "{}/{} must-level faults caught, {}/{} should-level (with --strict); {}/{} clean profiles pass",
            self.must.caught,
            self.must.total,
            self.should.caught,
            self.should.total,
            passed,
            self.clean_profiles.len()
        )
    }

    /// The JSON written to the detection file.
    pub fn to_file_text(&self) -> String {
        format!(
            "{}\n",
            serde_json::to_string_pretty(self).unwrap_or_default()
        )
    }

    /// The detection measured for the suite whose content hash is `content_hash`, from
    /// `path`; `None` when the file is missing, unreadable, or of another suite version.
    pub fn load_for(path: &Path, content_hash: &str) -> Option<Detection> {
        let text = std::fs::read_to_string(path).ok()?;
        let d: Detection = serde_json::from_str(&text).ok()?;
        (d.content_hash == content_hash).then_some(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_this_suite_versions_score_is_loaded() {
        let d = Detection {
            content_hash: "abc".into(),
            must: Caught {
                caught: 2,
                total: 2,
            },
            should: Caught {
                caught: 1,
                total: 1,
            },
            clean_profiles: vec![CleanProfile {
                id: "reference".into(),
                description: "x".into(),
                trials: 3,
                failures: 0,
                failures_strict: 0,
            }],
        };
        assert!(d.holds());
        assert_eq!(
            d.summary(),
            "2/2 must-level faults caught, 1/1 should-level (with --strict); 1/1 clean profiles pass"
        );
        let dir = std::env::temp_dir().join(format!("soconform-detection-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join("detection.json");
        std::fs::write(&path, d.to_file_text()).expect("write");
        assert_eq!(Detection::load_for(&path, "abc"), Some(d));
        assert_eq!(Detection::load_for(&path, "other"), None);
        assert_eq!(Detection::load_for(&dir.join("missing.json"), "abc"), None);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
