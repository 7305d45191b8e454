//! soconform: a conformance test suite for the SuperOffice CRM WebAPI.
//!
//! Data flows one way: documentation pages ([`docs`]) -> endpoint descriptions and JSON
//! Schemas ([`schema`]) -> cases ([`cases`]) -> trials ([`matrix`]) -> HTTP exchanges
//! ([`exchange`]) -> decoding ([`decode`]) and checks ([`checks`]) -> verdicts -> reports.
//! Generated bodies ([`generate`]) join the case files as a second source of request
//! bodies. The embedded reference server ([`reference`]) sits apart: the suite only starts it.
//! [`selftest`] starts it with deliberate faults to show the suite catches each one.

pub mod auth;
pub mod cases;
pub mod checks;
pub mod cli;
pub mod credentials;
pub mod decode;
pub mod description;
pub mod docs;
pub mod engine;
pub mod exchange;
pub mod generate;
pub mod matrix;
pub mod reference;
pub mod report;
pub mod schema;
pub mod selftest;
pub mod suite;
pub mod target;
pub mod vocab;
