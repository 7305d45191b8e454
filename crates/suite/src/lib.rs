//! The conformance suite proper, from documentation pages to reports.
//!
//! Data flows one way: documentation pages ([`docs`]) -> endpoint descriptions and JSON
//! Schemas ([`schema`]) -> cases ([`cases`]) -> trials ([`matrix`]) -> HTTP exchanges
//! ([`exchange`]) -> decoding ([`decode`]) and checks ([`checks`]) -> verdicts
//! ([`engine`]) -> reports ([`report`]); [`traceability`] says which documented sentences
//! the cases cover. Generated bodies ([`generate`]) join the case
//! files as a second source of request bodies. This crate does not depend on the
//! reference server: it works the same against any server.

pub mod auth;
pub mod cases;
pub mod checks;
pub mod decode;
pub mod docs;
pub mod endpoint_facts;
pub mod engine;
pub mod exchange;
pub mod generate;
pub mod glob;
pub mod matrix;
pub mod report;
pub mod schema;
pub mod suite;
pub mod target;
pub mod traceability;
pub mod trial_name;
pub mod waivers;

pub use soconform_core::{credentials, description, example, vocab};
