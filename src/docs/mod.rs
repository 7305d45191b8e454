//! Reference-page parser: documentation text in, structured data out (no I/O).
