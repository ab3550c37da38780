//! Rules of the administrative units that every layer shares.
use chrono::NaiveDate;
use entity::region;

/// Whether the unit existed on that day (its validity is inclusive at both ends; a unit without
/// dates always existed).
pub fn is_valid_on(r: &region::Model, d: NaiveDate) -> bool {
    r.valid_from.is_none_or(|f| f <= d) && r.valid_to.is_none_or(|t| d <= t)
}
