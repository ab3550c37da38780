//! One count at the finest grain, checked: the one shape a count has from the CSV reader and the
//! GraphQL input (both checked by `ingest::record`) down to the store (`store::writes`).
use crate::dimensions::MetricKind;
use crate::disclosure::{Cell, Secret, key_sum};

/// One count of one finest cell, every field checked against the reference data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Count {
    pub metric: MetricKind,
    /// The province's id, from the reference data that accepted its code.
    pub region_id: i32,
    /// The province code as written (trimmed).
    pub region_code: String,
    pub year: i32,
    /// 1 to 12.
    pub month: u32,
    /// One of [`crate::dimensions::SEXES`].
    pub sex: &'static str,
    /// One of [`crate::dimensions::AGE_GROUPS`].
    pub age_group: &'static str,
    /// One of [`crate::dimensions::EXPLOITATION_FORMS`].
    pub exploitation_form: &'static str,
    /// One of [`crate::dimensions::DESTINATIONS`].
    pub destination: &'static str,
    /// Zero or more (zero removes the cell from the draft).
    pub count: i64,
}

impl Count {
    /// The cell, as messages and the audit log name it (and the key the PostgreSQL import
    /// compares by): `METRIC|REGION|YYYY-MM|SEX|AGE|FORM|DESTINATION`.
    pub fn cell_label(&self) -> String {
        format!(
            "{}|{}|{}-{:02}|{}|{}|{}|{}",
            self.metric.as_str(),
            self.region_code,
            self.year,
            self.month,
            self.sex,
            self.age_group,
            self.exploitation_form,
            self.destination
        )
    }

    /// The cell the disclosure keys are computed for.
    pub fn cell(&self) -> Cell<'_> {
        Cell {
            province: &self.region_code,
            year: self.year,
            month: self.month,
            sex: self.sex,
            age_group: self.age_group,
            exploitation_form: self.exploitation_form,
            destination: self.destination,
        }
    }

    /// The key sum stored beside the count (disclosure.md §1; 0 for a count of 0). One HMAC
    /// per unit: compute it off the async workers.
    pub fn key_sum(&self, k1: &Secret) -> i64 {
        let units = u64::try_from(self.count).unwrap_or(0);
        key_sum(k1, self.metric.unit_type(), &self.cell(), units)
    }
}
