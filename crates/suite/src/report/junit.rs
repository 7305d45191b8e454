//! `junit.xml`: one `<testsuite>` per agent (`User`, `Contact`, ...), one `<testcase>` per
//! trial, its class `soconform.<endpoint>.<concern>` (`soconform.contact.get_contact_entity.auth`),
//! so CI tools show agent, endpoint, concern, trial.
//!
//! - fail: a `<failure>` whose message is the first line and whose text is the full failure
//!   message (checks, citations, curl, response);
//! - warn (a should-level failure): a passing testcase with the message in `<system-out>`,
//!   or a `<failure>` under `--strict`;
//! - info: a passing testcase with the observation in `<system-out>`;
//! - skipped: `<skipped>` with the reason.
//!
//! Also `merge`: several JUnit files (one per shard) into one.

use super::json::{ReportDoc, TrialEntry, VerdictLabel};
use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};
use std::collections::BTreeMap;
use std::time::Duration;

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

fn testcase(t: &TrialEntry, strict: bool) -> TestCase {
    let message = t.message.clone().unwrap_or_default();
    let status = match t.verdict {
        VerdictLabel::Pass | VerdictLabel::Info => TestCaseStatus::success(),
        VerdictLabel::Warn if !strict => TestCaseStatus::success(),
        VerdictLabel::Warn | VerdictLabel::Fail => {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
            s.set_message(first_line(&message))
                .set_type(format!("{}-level", t.level))
                .set_description(message.clone());
            s
        }
        VerdictLabel::Skipped => {
            let mut s = TestCaseStatus::skipped();
            s.set_message(t.skip_reason.clone().unwrap_or_default());
            s
        }
        // Not a pass and not a failure: JUnit's nearest is skipped, with the waiver.
        VerdictLabel::Waived => {
            let mut s = TestCaseStatus::skipped();
            s.set_message(format!(
                "waived failure: {}",
                t.waived.as_ref().map(|w| w.summary()).unwrap_or_default()
            ))
            .set_description(message.clone());
            s
        }
    };
    let mut tc = TestCase::new(t.id.clone(), status);
    let endpoint = crate::trial_name::TrialName::endpoint_of(&t.id);
    tc.set_classname(format!("soconform.{endpoint}.{}", t.concern))
        .set_time(Duration::from_secs_f64(t.duration_ms.max(0.0) / 1000.0));
    match t.verdict {
        VerdictLabel::Warn if !strict => {
            tc.set_system_out(format!(
                "should-level warning (fails with --strict):\n{message}"
            ));
        }
        VerdictLabel::Info => {
            tc.set_system_out(format!("informational (never fails):\n{message}"));
        }
        _ => {}
    }
    tc
}

/// Writes the JUnit document of a run: one `<testsuite>` per agent, in name order, each
/// with its trials' testcases in trial order. Streamed a suite at a time (a first pass
/// over the trials finds each one's agent), so a run of tens of thousands of trials is
/// never held as testcases; quick-junit writes each suite, so the XML is its.
pub fn write(doc: &ReportDoc, out: &mut impl std::io::Write) -> std::io::Result<()> {
    // Each agent's trials, by index, and the totals the outer element carries.
    let mut agents: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    let mut head = Report::new("soconform");
    for (i, t) in doc.trials.iter().enumerate() {
        let agent = crate::suite::agent_of(&t.endpoint);
        let i = u32::try_from(i).map_err(std::io::Error::other)?;
        match agents.get_mut(agent) {
            Some(v) => v.push(i),
            None => {
                agents.insert(agent.to_string(), vec![i]);
            }
        }
        head.tests += 1;
        match testcase(&t, doc.strict).status {
            TestCaseStatus::NonSuccess { kind, .. } => match kind {
                NonSuccessKind::Failure => head.failures += 1,
                NonSuccessKind::Error => head.errors += 1,
            },
            TestCaseStatus::Skipped { .. } => head.skipped += 1,
            TestCaseStatus::Success { .. } => {}
        }
    }
    head.set_time(Duration::from_secs_f64(doc.duration_ms.max(0.0) / 1000.0));
    set_timestamp(&mut head, &doc.started);
    let head = head.to_string().map_err(std::io::Error::other)?;
    // `<?xml ...?>` and the opening `<testsuites ...>` (quick-junit closes an empty one
    // in place: `/>`).
    let open = head
        .find("<testsuites")
        .and_then(|at| head[at..].find('>').map(|end| at + end))
        .ok_or_else(|| std::io::Error::other("quick-junit wrote no <testsuites>"))?;
    let opening = head[..open].trim_end_matches('/');
    out.write_all(opening.as_bytes())?;
    out.write_all(b">\n")?;
    for (agent, trials) in agents {
        let mut suite = TestSuite::new(agent);
        suite.add_property(Property::new("target", doc.target.url.clone()));
        for i in trials {
            if let Some(t) = doc.trials.get(i as usize) {
                suite.add_test_case(testcase(&t, doc.strict));
            }
        }
        suite.add_properties([
            Property::new("suite.version", doc.suite.version.clone()),
            Property::new("suite.content_hash", doc.suite.content_hash.clone()),
            Property::new("strict", doc.strict.to_string()),
        ]);
        let mut one = Report::new("soconform");
        one.add_test_suite(suite);
        let xml = one.to_string().map_err(std::io::Error::other)?;
        let (from, to) = xml
            .find("<testsuite ")
            .zip(xml.rfind("</testsuites>"))
            .ok_or_else(|| std::io::Error::other("quick-junit wrote no <testsuite>"))?;
        // The suite as quick-junit indents it, from the start of its line.
        let from = xml[..from].rfind('\n').map_or(from, |nl| nl + 1);
        out.write_all(&xml.as_bytes()[from..to])?;
    }
    out.write_all(b"</testsuites>\n")
}

/// Sets the report's timestamp from an RFC 3339 string. quick-junit takes a chrono
/// `DateTime`; its own deserializer parses one, so chrono need not be a dependency.
fn set_timestamp(report: &mut Report, rfc3339: &str) -> bool {
    let xml = format!(
        r#"<testsuites tests="0" failures="0" errors="0" timestamp="{rfc3339}"></testsuites>"#
    );
    report.timestamp = Report::deserialize_from_str(&xml)
        .ok()
        .and_then(|r| r.timestamp);
    report.timestamp.is_some()
}

/// Merges JUnit files (e.g. one per nextest shard) into one report: suites with the same
/// name are joined, counts summed.
pub fn merge(name: &str, reports: Vec<Report>) -> Report {
    let mut suites: Vec<TestSuite> = Vec::new();
    let mut time = Duration::ZERO;
    let mut timestamp = None;
    for r in reports {
        time += r.time.unwrap_or_default();
        if timestamp.is_none() {
            timestamp = r.timestamp;
        }
        for s in r.test_suites {
            match suites.iter_mut().find(|x| x.name == s.name) {
                Some(existing) => {
                    existing.add_test_cases(s.test_cases);
                    if let (Some(a), Some(b)) = (existing.time, s.time) {
                        existing.time = Some(a + b);
                    }
                }
                None => {
                    // Recount through add_test_cases so the totals are ours, not the file's.
                    let mut fresh = TestSuite::new(s.name.clone());
                    fresh.add_properties(s.properties.clone());
                    fresh.time = s.time;
                    fresh.timestamp = s.timestamp;
                    fresh.add_test_cases(s.test_cases);
                    suites.push(fresh);
                }
            }
        }
    }
    let mut out = Report::new(name);
    out.set_time(time);
    if let Some(ts) = timestamp {
        out.set_timestamp(ts);
    }
    out.add_test_suites(suites);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn suite(name: &str, cases: &[(&str, bool)]) -> TestSuite {
        let mut s = TestSuite::new(name);
        for (n, ok) in cases {
            let status = if *ok {
                TestCaseStatus::success()
            } else {
                TestCaseStatus::non_success(NonSuccessKind::Failure)
            };
            s.add_test_case(TestCase::new(*n, status));
        }
        s
    }

    #[test]
    fn merge_joins_suites_and_sums_counts() {
        let mut a = Report::new("a");
        a.add_test_suite(suite("conformance", &[("x", true), ("y", false)]));
        let mut b = Report::new("b");
        b.add_test_suite(suite("conformance", &[("z", true)]));
        b.add_test_suite(suite("other", &[("w", true)]));
        let m = merge("all", vec![a, b]);
        assert_eq!((m.tests, m.failures), (4, 1));
        assert_eq!(m.test_suites.len(), 2);
        assert_eq!(m.test_suites[0].tests, 3);
        let xml = m.to_string().unwrap_or_default();
        let back = Report::deserialize_from_str(&xml).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back.tests, 4);
    }

    fn entry(verdict: VerdictLabel) -> TrialEntry {
        use super::super::json::TrialAxes;
        use crate::cases::SpecRef;
        TrialEntry {
            id: "save_user_group::auth::schemes::json->json::basic".into(),
            endpoint: "v1UserAgent_SaveUserGroup".into(),
            case_id: "auth.schemes".into(),
            concern: "auth".into(),
            title: "t".into(),
            level: crate::vocab::Level::Should,
            spec: SpecRef {
                page: "p.md".into(),
                section: "s".into(),
                quote: "q".into(),
            },
            verdict,
            skip_reason: (verdict == VerdictLabel::Skipped).then(|| "no credentials".into()),
            duration_ms: 1.0,
            axes: TrialAxes {
                content_type: None,
                content_type_token: "json".into(),
                accept: None,
                accept_token: "json".into(),
                auth: "basic".into(),
                select: None,
            },
            checks: vec![],
            exchanges: vec![],
            curl: None,
            rerun: String::new(),
            message: (verdict != VerdictLabel::Pass)
                .then(|| "WARN [should] case\n  docs: ...".into()),
            notes: vec![],
            waived: None,
            replay: None,
        }
    }

    #[test]
    fn verdicts_map_to_junit_statuses() {
        let warn = testcase(&entry(VerdictLabel::Warn), false);
        assert!(matches!(warn.status, TestCaseStatus::Success { .. }));
        assert!(warn
            .system_out
            .as_ref()
            .is_some_and(|o| o.as_str().contains("fails with --strict")));
        let strict = testcase(&entry(VerdictLabel::Warn), true);
        match &strict.status {
            TestCaseStatus::NonSuccess {
                message,
                description,
                ..
            } => {
                assert_eq!(
                    message.as_ref().map(|m| m.as_str()),
                    Some("WARN [should] case")
                );
                assert!(description
                    .as_ref()
                    .is_some_and(|d| d.as_str().contains("docs:")));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            testcase(&entry(VerdictLabel::Fail), false).status,
            TestCaseStatus::NonSuccess { .. }
        ));
        let info = testcase(&entry(VerdictLabel::Info), true);
        assert!(matches!(info.status, TestCaseStatus::Success { .. }) && info.system_out.is_some());
        match testcase(&entry(VerdictLabel::Skipped), false).status {
            TestCaseStatus::Skipped { message, .. } => {
                assert_eq!(message.as_ref().map(|m| m.as_str()), Some("no credentials"))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn timestamps_parse() {
        let mut r = Report::new("r");
        assert!(set_timestamp(&mut r, "2025-01-02T03:04:05.678Z"));
        assert!(!set_timestamp(&mut r, "yesterday"));
    }
}
