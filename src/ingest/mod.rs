//! Import and validation of incoming data.
pub mod csv;
