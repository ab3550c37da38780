//! Import and validation of incoming data: the checks of one record of counts ([`record`]),
//! shared by the CSV reader ([`csv`]) and the mutation `upsertCounts`.
pub mod csv;
pub mod record;
