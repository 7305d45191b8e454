//! Case files: the data-driven requirements under `cases/`, and their loading.

mod load;
mod model;

pub use load::{
    line_of, load_dir, parse_toml, validate_file, CaseSet, LoadError, CHECKS_FILE, MATRIX_FILE,
    SAFETY_FILE, TRACEABILITY_FILE,
};
pub use model::*;
/// Citations are shared with the reference server's fault catalogue.
pub use soconform_core::citation::{normalize_ws, SpecRef};

/// The JSON Schema of a case file, published as `cases/case.schema.json`.
pub fn case_file_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(CaseFile)).unwrap_or_default()
}
