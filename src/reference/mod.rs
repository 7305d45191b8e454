//! The embedded reference server: a faithful implementation of the documented endpoints.
