//! What the suite and the reference server both speak: conformance levels, media-type
//! and header vocabulary, credentials, citations of the docs, the endpoint descriptions
//! `derive` writes, and the value a response schema describes. Nothing here does I/O;
//! both sides depend on it and on nothing of each other.

pub mod citation;
pub mod credentials;
pub mod description;
pub mod example;
pub mod vocab;

/// The suite's name in reports and in the User-Agent it sends.
pub const SUITE_NAME: &str = "soconform";
