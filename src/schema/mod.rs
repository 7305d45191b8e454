//! Endpoint description and JSON Schemas derived from parsed pages (no I/O).
