//! soconform: a conformance test suite for the SuperOffice CRM WebAPI.
//!
//! This crate is the front door: the CLI ([`cli`]), turning a target into a ready
//! engine ([`launch`], the one place that starts the embedded reference server), the
//! self-test against deliberately faulty servers ([`selftest`]) and the libtest-mimic
//! adapter behind `cargo test` ([`harness`]). The suite itself is `soconform-suite`,
//! re-exported here module by module; the reference server is `soconform-reference`.

pub mod cli;
pub mod harness;
pub mod interrupt;
pub mod launch;
pub mod progress;
pub mod rejudge;
pub mod selftest;

pub use soconform_suite::{
    auth, cases, checks, credentials, decode, description, docs, engine, example, exchange,
    generate, matrix, report, schema, suite, target, traceability, trial_name, vocab, waivers,
};
