//! Tests of the CSV import: format, every kind of bad value, cross-record rules, limits,
//! a round-trip property and streaming.
use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::io;
use std::rc::Rc;
use std::time::Instant;

use proptest::prelude::*;

use chrono::NaiveDate;

use super::*;
use crate::dimensions::{self, MetricKind};
use crate::ingest::record::MONTH;

const HEADER: &str = "metric,region,month,sex,age_group,exploitation_form,destination,count";
const GOOD: &str = "VICTIMS_IDENTIFIED,VN-P63-10,2024-07,FEMALE,UNDER_16,SEXUAL,CN,3";

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// The bounds of one test read: the record checks' and how many errors to keep.
#[derive(Debug, Clone, Copy)]
struct ImportLimits {
    today: NaiveDate,
    max_errors: usize,
    max_count: i64,
}

/// Everything wrong with a file, as returned by [`read_all`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct ImportErrors {
    /// The errors in file order, at most `max_errors` of them (a header error comes alone).
    errors: Vec<RowError>,
    /// Data records with at least one error (0 when the header is wrong: nothing was read).
    faulty_records: u64,
    /// Whether errors were left out because of `max_errors`.
    truncated: bool,
}

/// Reads everything: the rows, or every error (up to `max_errors`) plus the number of faulty
/// records. Once a record is faulty the rows are dropped (as `import::read_counts` does).
fn read_all<R: io::Read, C: RegionCheck>(
    reader: R,
    regions: C,
    limits: ImportLimits,
) -> Result<Vec<CountRow>, ImportErrors> {
    let mut failed = ImportErrors::default();
    let reader = CountReader::new(reader, regions, limits.record()).map_err(|e| ImportErrors {
        errors: vec![e],
        ..ImportErrors::default()
    })?;
    let mut rows = Vec::new();
    for item in reader {
        match item {
            Ok(row) if failed.faulty_records == 0 => rows.push(row),
            Ok(_) => {}
            Err(errors) => {
                rows = Vec::new();
                failed.faulty_records += 1;
                let room = limits.max_errors.saturating_sub(failed.errors.len());
                failed.truncated |= errors.len() > room;
                failed.errors.extend(errors.into_iter().take(room));
            }
        }
    }
    match failed.faulty_records {
        0 => Ok(rows),
        _ => Err(failed),
    }
}

impl ImportLimits {
    fn record(self) -> Limits {
        Limits {
            today: self.today,
            max_count: self.max_count,
        }
    }
}

fn limits() -> ImportLimits {
    ImportLimits {
        today: date(2025, 7, 14),
        max_errors: 100,
        max_count: 1_000_000,
    }
}

/// Like the reference data: the 63 provinces until 2025-06, the 34 from 2025-07.
struct Provinces;

/// The id `Provinces` gives a code: 6310 for VN-P63-10, 3415 for VN-P34-15.
fn province_id(code: &str) -> i32 {
    code[4..6].parse::<i32>().unwrap() * 100 + code[7..].parse::<i32>().unwrap()
}

impl RegionCheck for Provinces {
    fn check(&self, code: &str, year: i32, month: u32) -> Result<i32, String> {
        let number = |prefix: &str, max: u32| {
            let n = code.strip_prefix(prefix)?;
            (n.len() == 2 && n.parse::<u32>().is_ok_and(|n| (1..=max).contains(&n)))
                .then(|| province_id(code))
        };
        let before_merger = (year, month) < (2025, 7);
        if let Some(id) = number("VN-P63-", 96) {
            if before_merger {
                return Ok(id);
            }
            return Err(format!(
                "{code} ended on 2025-06-30: use a 34-province code (VN-P34-..)"
            ));
        }
        if let Some(id) = number("VN-P34-", 96) {
            if !before_merger {
                return Ok(id);
            }
            return Err(format!(
                "{code} starts on 2025-07-01: use a 63-province code"
            ));
        }
        Err(format!("{code} is not a province code"))
    }
}

fn file(rows: &[&str]) -> String {
    let mut text = format!("{HEADER}\n");
    for row in rows {
        text.push_str(row);
        text.push('\n');
    }
    text
}

fn read(text: &str) -> Result<Vec<CountRow>, ImportErrors> {
    read_all(text.as_bytes(), Provinces, limits())
}

fn errors(text: &str) -> Vec<RowError> {
    read(text).unwrap_err().errors
}

/// `GOOD` with one column replaced.
fn good_with(column: &str, value: &str) -> String {
    let at = COLUMNS.iter().position(|c| *c == column).unwrap();
    let mut fields: Vec<&str> = GOOD.split(',').collect();
    fields[at] = value;
    fields.join(",")
}

fn header_error(text: &str) -> RowError {
    match CountReader::new(text.as_bytes(), Provinces, limits().record()) {
        Ok(_) => panic!("the header should be refused"),
        Err(e) => e,
    }
}

fn row(line: u64, metric: MetricKind, region: &str, year: i32, month: u32) -> CountRow {
    CountRow {
        line,
        count: Count {
            metric,
            region_id: province_id(region),
            region_code: region.to_owned(),
            year,
            month,
            sex: "UNKNOWN",
            age_group: "UNKNOWN",
            exploitation_form: "UNKNOWN",
            destination: "UNKNOWN",
            count: 0,
        },
    }
}

#[test]
fn a_valid_file_is_read_with_physical_line_numbers() {
    let text = format!(
        "{HEADER}\r\n{GOOD}\r\n\r\n,,,,,,,\r\n   \r\n\
         CASES_DETECTED,VN-P63-08,2025-06,UNKNOWN,UNKNOWN,FORCED_LABOUR,KH,0\r\n\
         HOTLINE_REPORTS, VN-P63-02 ,1990-01,MALE,ADULT,UNKNOWN,UNKNOWN,12 \r\n"
    );
    let rows = read(&text).unwrap();
    let mut first = row(2, MetricKind::VictimsIdentified, "VN-P63-10", 2024, 7);
    first.count = Count {
        sex: "FEMALE",
        age_group: "UNDER_16",
        exploitation_form: "SEXUAL",
        destination: "CN",
        count: 3,
        ..first.count
    };
    let mut second = row(6, MetricKind::CasesDetected, "VN-P63-08", 2025, 6);
    second.count = Count {
        exploitation_form: "FORCED_LABOUR",
        destination: "KH",
        ..second.count
    };
    let mut third = row(7, MetricKind::HotlineReports, "VN-P63-02", 1990, 1);
    third.count = Count {
        sex: "MALE",
        age_group: "ADULT",
        count: 12,
        ..third.count
    };
    assert_eq!(rows, vec![first, second, third]);
}

#[test]
fn a_byte_order_mark_is_dropped() {
    let plain = file(&[GOOD]);
    let with_bom = format!("\u{feff}{plain}");
    assert!(with_bom.as_bytes().starts_with(&[0xEF, 0xBB, 0xBF]));
    let rows = read(&with_bom).unwrap();
    assert_eq!(rows, read(&plain).unwrap());
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].line, 2);
    assert_eq!(rows[0].count.metric, MetricKind::VictimsIdentified);
}

#[test]
fn columns_may_come_in_any_order_and_names_are_trimmed() {
    let text = "count , destination,exploitation_form,age_group,sex,month,region,metric\n\
                5,LA,FORCED_MARRIAGE,AGE_16_17,FEMALE,2023-02,VN-P63-11,VICTIMS_RESCUED\n";
    let rows = read(text).unwrap();
    assert_eq!(rows.len(), 1);
    let r = &rows[0].count;
    assert_eq!(
        (r.metric, r.region_code.as_str()),
        (MetricKind::VictimsRescued, "VN-P63-11")
    );
    assert_eq!((r.year, r.month, r.count), (2023, 2, 5));
    assert_eq!((r.sex, r.age_group), ("FEMALE", "AGE_16_17"));
    assert_eq!(
        (r.exploitation_form, r.destination),
        ("FORCED_MARRIAGE", "LA")
    );
}

#[test]
fn a_header_missing_columns_names_them() {
    let e = header_error("metric,region,month,age_group,exploitation_form,destination\n");
    assert_eq!(e.line, 1);
    assert_eq!(e.column, None);
    assert!(
        e.message.starts_with("wrong header (missing: sex, count)"),
        "{e}"
    );
    assert!(e.message.contains(&COLUMNS.join(",")), "{e}");
}

#[test]
fn an_unknown_column_is_named_with_its_position() {
    let e =
        header_error("Metric,region,month,gender,age_group,exploitation_form,destination,count,\n");
    assert_eq!(e.line, 1);
    assert_eq!(
        e.message,
        "wrong header (missing: metric, sex; unknown: \"Metric\" (column 1: write metric), \
         \"gender\" (column 4), an empty name (column 9)): the first line must name the 8 \
         columns metric,region,month,sex,age_group,exploitation_form,destination,count \
         (in any order)"
    );
}

#[test]
fn a_repeated_column_is_refused() {
    let e = header_error(&format!("{HEADER},month\n"));
    assert_eq!(e.line, 1);
    assert!(
        e.message
            .starts_with("wrong header (repeated: month (columns 3 and 9))"),
        "{e}"
    );
}

#[test]
fn an_empty_file_is_refused_and_a_header_alone_has_no_rows() {
    for text in ["", "\u{feff}", "\n\n"] {
        let e = header_error(text);
        assert_eq!(e.line, 1);
        assert!(e.message.starts_with("the file is empty"), "{e}");
    }
    assert_eq!(read(&file(&[])).unwrap(), vec![]);
    let refused = read_all("".as_bytes(), Provinces, limits()).unwrap_err();
    assert_eq!((refused.errors.len(), refused.faulty_records), (1, 0));
}

#[test]
fn each_bad_value_is_reported_on_its_line_and_column() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "metric",
            "VICTIMS",
            "\"VICTIMS\" is not a known metric: write one of CASES_DETECTED,",
        ),
        (
            "metric",
            "victims_identified",
            "\"victims_identified\" must be written exactly VICTIMS_IDENTIFIED",
        ),
        (
            "metric",
            "",
            "metric is empty: write one of CASES_DETECTED,",
        ),
        (
            "region",
            "",
            "region is empty: write a province code, e.g. VN-P63-10",
        ),
        (
            "month",
            "2024-13",
            "\"2024-13\" is not a month: write YYYY-MM, e.g. 2024-07",
        ),
        ("month", "2024-00", "\"2024-00\" is not a month"),
        ("month", "2024-7", "\"2024-7\" is not a month"),
        ("month", "2024-07-01", "\"2024-07-01\" is not a month"),
        ("month", "07/2024", "\"07/2024\" is not a month"),
        ("month", "+024-07", "\"+024-07\" is not a month"),
        ("month", "2024-+7", "\"2024-+7\" is not a month"),
        ("month", "", "month is empty: write YYYY-MM"),
        (
            "month",
            "1989-12",
            "\"1989-12\" is before 1990-01, the first month that can be imported",
        ),
        (
            "sex",
            "F",
            "\"F\" is not a known sex: write one of FEMALE, MALE, UNKNOWN",
        ),
        ("sex", "female", "\"female\" must be written exactly FEMALE"),
        (
            "sex",
            "",
            "sex is empty: write one of FEMALE, MALE, UNKNOWN",
        ),
        (
            "age_group",
            "AGE 16-17",
            "\"AGE 16-17\" must be written exactly AGE_16_17",
        ),
        (
            "age_group",
            "CHILD",
            "\"CHILD\" is not a known age group: write one of UNDER_16,",
        ),
        (
            "exploitation_form",
            "LABOUR",
            "\"LABOUR\" is not a known exploitation form: write one of SEXUAL,",
        ),
        (
            "destination",
            "VN",
            "\"VN\" is not a known destination: write one of DOMESTIC, CN,",
        ),
        (
            "destination",
            "VN",
            "(DOMESTIC: within Vietnam; OTHER: a country not listed)",
        ),
        ("count", "-3", "\"-3\" is negative: a count is 0 or more"),
        (
            "count",
            "",
            "count is empty: write the number, or 0 if there were none",
        ),
        (
            "count",
            "9223372036854775808",
            "is too large for a count (at most 9223372036854775807)",
        ),
    ];
    for &(column, value, expected) in cases {
        let text = file(&[GOOD, "", &good_with(column, value)]);
        let e = errors(&text);
        assert_eq!(e.len(), 1, "{column}={value:?}: {e:?}");
        assert_eq!(
            (e[0].line, e[0].column),
            (4, Some(column)),
            "{column}={value:?}"
        );
        assert!(
            e[0].message.contains(expected),
            "{column}={value:?}: {}",
            e[0]
        );
    }
}

#[test]
fn a_count_must_be_plain_digits() {
    for value in [
        "+3", "1.0", "1.5", "1e3", "\"1,0\"", "1 0000", "12abc", "0x1F", "٣", "--1", "three",
    ] {
        let e = errors(&file(&[&good_with("count", value)]));
        assert_eq!(e.len(), 1, "{value}: {e:?}");
        assert_eq!((e[0].line, e[0].column), (2, Some("count")), "{value}");
        assert!(
            e[0].message
                .contains("is not a count: write a whole number"),
            "{}",
            e[0]
        );
    }
    let rows = read(&file(&[
        &good_with("count", "007"),
        &good_with("month", "2024-08"),
    ]));
    assert_eq!(rows.unwrap()[0].count.count, 7);
    let largest = read(&file(&[&good_with("count", "1000000")])).unwrap();
    assert_eq!(
        largest[0].count.count, 1_000_000,
        "the ceiling itself is a count"
    );
}

#[test]
fn a_count_above_the_ceiling_is_refused_with_its_line() {
    for value in ["1000001", "1000000000", "9223372036854775807"] {
        let e = errors(&file(&[GOOD, &good_with("count", value)]));
        assert_eq!(e.len(), 1, "{value}: {e:?}");
        assert_eq!((e[0].line, e[0].column), (3, Some("count")), "{value}");
        assert!(
            e[0].message.contains(value) && e[0].message.contains("1000000 at most"),
            "{}",
            e[0]
        );
    }
}

#[test]
fn a_long_bad_value_is_shortened_in_the_message() {
    let value = "x".repeat(500);
    let e = errors(&file(&[
        &good_with("region", "VN-P63-10"),
        &good_with("metric", &value),
    ]));
    assert!(
        e[0].message
            .starts_with(&format!("\"{}…\" is not", "x".repeat(40))),
        "{}",
        e[0]
    );
    assert!(e[0].message.len() < 300);
}

#[test]
fn several_errors_in_one_record_are_all_reported_in_file_order() {
    let text = "count,metric,region,month,sex,age_group,exploitation_form,destination\n\
                -1,VICTIMS_IDENTIFIED,VN-P63-10,2024-13,W,UNDER_16,SEXUAL,XX\n";
    let e = errors(text);
    let where_: Vec<_> = e.iter().map(|e| (e.line, e.column)).collect();
    assert_eq!(
        where_,
        vec![
            (2, Some("count")),
            (2, Some("month")),
            (2, Some("sex")),
            (2, Some("destination"))
        ]
    );
}

#[test]
fn a_record_with_the_wrong_number_of_fields_names_its_line() {
    let text = file(&[
        GOOD,
        "VICTIMS_IDENTIFIED,VN-P63-10,2024-08,FEMALE,UNDER_16,SEXUAL,3",
        &format!("{GOOD},4"),
    ]);
    let e = errors(&text);
    assert_eq!(e.len(), 2);
    assert_eq!((e[0].line, e[0].column), (3, None));
    assert!(
        e[0].message
            .starts_with("this line has 7 values, the header has 8"),
        "{}",
        e[0]
    );
    assert_eq!((e[1].line, e[1].column), (4, None));
    assert!(
        e[1].message.starts_with("this line has 9 values"),
        "{}",
        e[1]
    );
    assert_eq!(e[0].to_string(), format!("line 3: {}", e[0].message));
}

#[test]
fn a_repeated_natural_key_is_refused_on_the_second_line_naming_the_first() {
    let other_sex = good_with("sex", "MALE");
    let same_again = GOOD.replace(",3", ",9").replace("VN-P63-10", " VN-P63-10 ");
    let text = file(&[GOOD, &other_sex, "", &same_again, &other_sex]);
    let e = errors(&text);
    assert_eq!(e.len(), 2, "{e:?}");
    assert_eq!((e[0].line, e[0].column), (5, None));
    assert!(
        e[0].message
            .contains("as line 2: each combination may appear only once"),
        "{}",
        e[0]
    );
    assert_eq!(e[1].line, 6);
    assert!(e[1].message.contains("as line 3"), "{}", e[1]);
    // The same values under another metric, region or month are other counts.
    let different = [
        GOOD.to_owned(),
        GOOD.replace("VICTIMS_IDENTIFIED", "VICTIMS_RESCUED"),
        GOOD.replace("VN-P63-10", "VN-P63-11"),
        GOOD.replace("2024-07", "2023-07"),
    ];
    let different: Vec<&str> = different.iter().map(String::as_str).collect();
    assert_eq!(read(&file(&different)).unwrap().len(), 4);
}

#[test]
fn only_past_months_are_accepted() {
    let text = file(&[
        &good_with("month", "2025-06"),
        &good_with("month", "2025-07"),
        &good_with("month", "2025-08"),
        &good_with("month", "2031-01"),
    ]);
    let e = errors(&text);
    let lines: Vec<_> = e.iter().map(|e| (e.line, e.column)).collect();
    assert_eq!(
        lines,
        vec![(3, Some("month")), (4, Some("month")), (5, Some("month"))]
    );
    assert_eq!(
        e[0].message,
        "\"2025-07\" is the current month, still being counted: only months up to 2025-06 can be imported"
    );
    assert_eq!(
        e[1].message,
        "\"2025-08\" is in the future: only months up to 2025-06 can be imported"
    );
    let june = read(&file(&[&good_with("month", "2025-06")])).unwrap();
    assert_eq!((june[0].count.year, june[0].count.month), (2025, 6));

    // Across a year boundary: on 1 January the previous December is the last month.
    let new_year = ImportLimits {
        today: date(2025, 1, 1),
        max_errors: 10,
        ..limits()
    };
    let december = file(&[&good_with("month", "2024-12")]);
    assert!(read_all(december.as_bytes(), Provinces, new_year).is_ok());
    let january = file(&[&good_with("month", "2025-01")]);
    let e = read_all(january.as_bytes(), Provinces, new_year)
        .unwrap_err()
        .errors;
    assert!(
        e[0].message
            .ends_with("only months up to 2024-12 can be imported"),
        "{}",
        e[0]
    );
}

#[test]
fn a_dimension_the_metric_does_not_break_down_must_be_unknown() {
    let text = file(&["CASES_DETECTED,VN-P63-10,2024-07,FEMALE,UNKNOWN,SEXUAL,CN,3"]);
    let e = errors(&text);
    assert_eq!(e.len(), 1);
    assert_eq!((e[0].line, e[0].column), (2, Some("sex")));
    assert_eq!(
        e[0].message,
        "CASES_DETECTED is not broken down by sex: write UNKNOWN (CASES_DETECTED is broken down \
         by exploitation form and destination only)"
    );
    let text = file(&["HOTLINE_REPORTS,VN-P63-10,2024-07,FEMALE,ADULT,SEXUAL,CN,3"]);
    let e = errors(&text);
    let columns: Vec<_> = e.iter().map(|e| e.column).collect();
    assert_eq!(
        columns,
        vec![Some("exploitation_form"), Some("destination")]
    );
    assert!(
        e[1].message
            .ends_with("(HOTLINE_REPORTS is broken down by sex and age group only)")
    );

    // Every metric and every dimension: a known value other than UNKNOWN is refused exactly
    // where the metric does not break down by it.
    for metric in MetricKind::ALL {
        for (i, category) in Category::ALL.into_iter().enumerate() {
            let mut fields = [
                metric.as_str(),
                "VN-P63-10",
                "2024-07",
                "UNKNOWN",
                "UNKNOWN",
                "UNKNOWN",
                "UNKNOWN",
                "3",
            ];
            fields[MONTH + 1 + i] = dimensions::values(category)[0];
            let result = read(&file(&[&fields.join(",")]));
            if metric.supports(category) {
                assert!(result.is_ok(), "{metric:?} {category:?}: {result:?}");
            } else {
                let e = result.unwrap_err().errors;
                assert_eq!(e.len(), 1, "{metric:?} {category:?}");
                assert_eq!(e[0].column, Some(COLUMNS[MONTH + 1 + i]));
            }
        }
    }
}

#[test]
fn category_columns_follow_category_all() {
    for (i, category) in Category::ALL.into_iter().enumerate() {
        assert_eq!(COLUMNS[MONTH + 1 + i], category.phrase().replace(' ', "_"));
    }
}

#[test]
fn region_errors_come_from_the_region_check_as_written() {
    let text = file(&[
        &good_with("region", "VN-P63-02"),
        &good_with("month", "2025-06").replace("VN-P63-10", "VN-P34-08"),
        &good_with("region", "Lào Cai"),
    ]);
    let e = errors(&text);
    assert_eq!(e.len(), 2);
    assert_eq!((e[0].line, e[0].column), (3, Some("region")));
    assert_eq!(
        e[0].message,
        "VN-P34-08 starts on 2025-07-01: use a 63-province code"
    );
    assert_eq!((e[1].line, e[1].column), (4, Some("region")));
    assert_eq!(e[1].message, "Lào Cai is not a province code");
}

#[test]
fn the_region_is_checked_with_the_month_of_its_record_only_when_that_month_is_valid() {
    struct Recording(RefCell<Vec<(String, i32, u32)>>);
    impl RegionCheck for Recording {
        fn check(&self, code: &str, year: i32, month: u32) -> Result<i32, String> {
            self.0.borrow_mut().push((code.to_owned(), year, month));
            Ok(1)
        }
    }
    let calls = Recording(RefCell::new(Vec::new()));
    let text = file(&[
        GOOD,
        &good_with("month", "2024-13"),
        &good_with("month", "2025-02"),
    ]);
    // By reference: the caller keeps its lookup.
    let result = read_all(text.as_bytes(), &calls, limits());
    assert_eq!(result.unwrap_err().faulty_records, 1);
    assert_eq!(
        calls.0.into_inner(),
        vec![
            ("VN-P63-10".to_owned(), 2024, 7),
            ("VN-P63-10".to_owned(), 2025, 2)
        ]
    );
}

#[test]
fn max_errors_truncates_the_list_but_counts_every_faulty_record() {
    let bad = "VICTIMS_IDENTIFIED,VN-P63-10,2024-13,W,UNDER_16,SEXUAL,CN,3";
    let mut rows = vec![GOOD];
    rows.extend([bad; 10]);
    let text = file(&rows);
    let five = ImportLimits {
        max_errors: 5,
        ..limits()
    };
    let failed = read_all(text.as_bytes(), Provinces, five).unwrap_err();
    assert_eq!(failed.faulty_records, 10);
    assert!(failed.truncated);
    let lines: Vec<_> = failed.errors.iter().map(|e| (e.line, e.column)).collect();
    assert_eq!(
        lines,
        vec![
            (3, Some("month")),
            (3, Some("sex")),
            (4, Some("month")),
            (4, Some("sex")),
            (5, Some("month"))
        ]
    );
    // Exactly as many errors as the limit: nothing left out.
    let twenty = ImportLimits {
        max_errors: 20,
        ..limits()
    };
    let failed = read_all(text.as_bytes(), Provinces, twenty).unwrap_err();
    assert_eq!(
        (failed.errors.len(), failed.faulty_records, failed.truncated),
        (20, 10, false)
    );
}

#[test]
fn the_iterator_yields_every_record_valid_or_not() {
    let text = file(&[
        GOOD,
        &good_with("count", "x"),
        &good_with("month", "2024-01"),
    ]);
    let reader = CountReader::new(text.as_bytes(), Provinces, limits().record()).unwrap();
    let items: Vec<_> = reader.collect();
    assert_eq!(items.len(), 3);
    assert!(items[0].is_ok() && items[2].is_ok());
    assert_eq!(items[1].as_ref().unwrap_err()[0].line, 3);
}

#[test]
fn a_message_names_line_and_column() {
    let e = errors(&file(&[
        GOOD,
        GOOD,
        GOOD,
        GOOD,
        GOOD,
        &good_with("month", "2024-13"),
    ]));
    assert_eq!(
        e.last().unwrap().to_string(),
        "line 7, column month: \"2024-13\" is not a month: write YYYY-MM, e.g. 2024-07"
    );
}

#[test]
fn a_value_that_is_not_utf8_is_reported_in_its_column() {
    let mut bytes = file(&[]).into_bytes();
    bytes
        .extend_from_slice(b"VICTIMS_IDENTIFIED,VN-P63-\xff,2024-07,FEMALE,UNDER_16,SEXUAL,CN,3\n");
    let e = read_all(bytes.as_slice(), Provinces, limits())
        .unwrap_err()
        .errors;
    assert_eq!((e[0].line, e[0].column), (2, Some("region")));
    assert!(e[0].message.contains("not UTF-8"), "{}", e[0]);
}

#[test]
fn a_quoted_value_over_two_lines_keeps_the_following_line_numbers() {
    let text = file(&[
        &good_with("count", "\"1\n2\""),
        &good_with("month", "2024-13"),
    ]);
    let e = errors(&text);
    assert_eq!((e[0].line, e[0].column), (2, Some("count")));
    assert_eq!((e[1].line, e[1].column), (4, Some("month")));
}

#[test]
fn a_blank_line_before_the_header_is_skipped_and_counted() {
    let text = format!("\n{HEADER}\n{GOOD}\n");
    assert_eq!(read(&text).unwrap()[0].line, 3);
}

#[test]
fn a_read_failure_is_reported_once_and_ends_the_iteration() {
    struct Failing(io::Cursor<Vec<u8>>);
    impl io::Read for Failing {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            match self.0.read(buf)? {
                0 => Err(io::Error::other("connection reset")),
                n => Ok(n),
            }
        }
    }
    let source = Failing(io::Cursor::new(file(&[GOOD]).into_bytes()));
    let mut reader = CountReader::new(source, Provinces, limits().record()).unwrap();
    assert!(reader.next().unwrap().is_ok());
    let e = reader.next().unwrap().unwrap_err();
    assert_eq!(e.len(), 1);
    assert!(
        e[0].message.contains("could not be read: connection reset"),
        "{}",
        e[0]
    );
    assert!(reader.next().is_none());
}

/// A valid row: dimensions the metric does not break down are UNKNOWN; months before the
/// merger so every `VN-P63-` code is valid.
fn valid_row() -> impl Strategy<Value = CountRow> {
    let dims = (0..3usize, 0..4usize, 0..8usize, 0..10usize);
    (
        0..9usize,
        1..=63u32,
        (1990..=2025i32, 1..=12u32),
        dims,
        0..=1_000_000i64,
    )
        .prop_map(|(m, province, (year, month), (s, a, f, d), count)| {
            let metric = MetricKind::ALL[m];
            let (year, month) = if (year, month) > (2025, 6) {
                (2025, 6)
            } else {
                (year, month)
            };
            let pick = |category: Category, i: usize| {
                let values = dimensions::values(category);
                if metric.supports(category) {
                    values[i % values.len()]
                } else {
                    "UNKNOWN"
                }
            };
            let region = format!("VN-P63-{province:02}");
            let count = Count {
                metric,
                region_id: province_id(&region),
                region_code: region,
                year,
                month,
                sex: pick(Category::Sex, s),
                age_group: pick(Category::AgeGroup, a),
                exploitation_form: pick(Category::ExploitationForm, f),
                destination: pick(Category::Destination, d),
                count,
            };
            CountRow { line: 0, count }
        })
}

fn value_of(row: &CountRow, column: &str) -> String {
    let row = &row.count;
    match column {
        "metric" => row.metric.as_str().to_owned(),
        "region" => row.region_code.clone(),
        "month" => format!("{:04}-{:02}", row.year, row.month),
        "sex" => row.sex.to_owned(),
        "age_group" => row.age_group.to_owned(),
        "exploitation_form" => row.exploitation_form.to_owned(),
        "destination" => row.destination.to_owned(),
        "count" => row.count.to_string(),
        _ => unreachable!("{column}"),
    }
}

proptest! {
    #[test]
    fn any_row_written_from_valid_values_parses_back_identically(
        rows in prop::collection::vec(valid_row(), 1..30),
        columns in Just(COLUMNS.to_vec()).prop_shuffle(),
        (bom, crlf, quote_all, padded) in (any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>()),
    ) {
        let mut keys = HashSet::new();
        let mut expected: Vec<CountRow> = rows
            .into_iter()
            .filter(|r| { let r = &r.count; keys.insert((r.metric, r.region_id, r.year, r.month, r.sex, r.age_group, r.exploitation_form, r.destination)) })
            .collect();
        let mut writer = ::csv::WriterBuilder::new()
            .terminator(if crlf { ::csv::Terminator::CRLF } else { ::csv::Terminator::Any(b'\n') })
            .quote_style(if quote_all { ::csv::QuoteStyle::Always } else { ::csv::QuoteStyle::Necessary })
            .from_writer(if bom { "\u{feff}".as_bytes().to_vec() } else { Vec::new() });
        writer.write_record(&columns).unwrap();
        for (i, row) in expected.iter_mut().enumerate() {
            row.line = i as u64 + 2;
            let fields = columns.iter().map(|c| {
                let v = value_of(row, c);
                if padded { format!(" {v}\t") } else { v }
            });
            writer.write_record(fields.collect::<Vec<_>>()).unwrap();
        }
        let bytes = writer.into_inner().unwrap();
        let parsed = read_all(bytes.as_slice(), Provinces, limits());
        prop_assert_eq!(parsed, Ok(expected));
    }
}

/// Generates a valid file of `total` rows on demand and records how many lines it has handed
/// out, so the test can see that the reader does not read ahead.
struct Generated {
    total: u64,
    produced: Rc<Cell<u64>>,
    pending: Vec<u8>,
    at: usize,
}

impl Generated {
    /// Line `i + 1` of the file (0: the header). 420 months × 63 provinces × 3 sexes × 4 age
    /// groups: every key is distinct.
    fn line(i: u64, out: &mut Vec<u8>) {
        if i == 0 {
            out.extend_from_slice(HEADER.as_bytes());
        } else {
            let n = i - 1;
            let (months, rest) = (n % 420, n / 420);
            let (province, rest) = (rest % 63 + 1, rest / 63);
            let sex = dimensions::SEXES[(rest % 3) as usize];
            let age = dimensions::AGE_GROUPS[(rest / 3 % 4) as usize];
            let (year, month) = (1990 + months / 12, months % 12 + 1);
            let line = format!(
                "VICTIMS_IDENTIFIED,VN-P63-{province:02},{year}-{month:02},{sex},{age},FORCED_LABOUR,KH,{}",
                n % 97
            );
            out.extend_from_slice(line.as_bytes());
        }
        out.push(b'\n');
    }
}

impl io::Read for Generated {
    /// Fills `buf` as a file would, generating lines as they are needed.
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut written = 0;
        while written < buf.len() {
            if self.at == self.pending.len() {
                let i = self.produced.get();
                if i > self.total {
                    break;
                }
                self.pending.clear();
                self.at = 0;
                Self::line(i, &mut self.pending);
                self.produced.set(i + 1);
            }
            let n = (buf.len() - written).min(self.pending.len() - self.at);
            buf[written..written + n].copy_from_slice(&self.pending[self.at..self.at + n]);
            (written, self.at) = (written + n, self.at + n);
        }
        Ok(written)
    }
}

#[test]
fn a_200_000_row_file_is_streamed_not_collected() {
    const ROWS: u64 = 200_000;
    let produced = Rc::new(Cell::new(0));
    let source = Generated {
        total: ROWS,
        produced: Rc::clone(&produced),
        pending: Vec::new(),
        at: 0,
    };
    let started = Instant::now();
    let reader = CountReader::new(source, Provinces, limits().record()).unwrap();
    let (mut valid, mut furthest_ahead) = (0u64, 0u64);
    for item in reader {
        let row = item.unwrap_or_else(|e| panic!("{e:?}"));
        valid += 1;
        assert_eq!(row.line, valid + 1);
        // Lines handed out by the source beyond the one just yielded: the reader's buffer.
        furthest_ahead = furthest_ahead.max(produced.get() - row.line);
    }
    let elapsed = started.elapsed();
    assert_eq!(valid, ROWS);
    assert!(
        furthest_ahead < 1_000,
        "the reader ran {furthest_ahead} lines ahead"
    );
    assert!(elapsed.as_secs() < 60, "{elapsed:?}");
    eprintln!(
        "{ROWS} rows in {elapsed:?} ({:.0} rows/s), at most {furthest_ahead} lines read ahead",
        ROWS as f64 / elapsed.as_secs_f64()
    );
}

#[test]
fn a_last_line_without_a_line_break_is_read_with_its_line() {
    let text = format!("{HEADER}\r\n{GOOD}\r\n{}", good_with("month", "2024-13"));
    let e = errors(&text);
    assert_eq!((e[0].line, e[0].column), (3, Some("month")));
    assert_eq!(
        e[0].message,
        "\"2024-13\" is not a month: write YYYY-MM, e.g. 2024-07"
    );
    let rows = read(&format!("{HEADER}\n\n{GOOD}")).unwrap();
    assert_eq!((rows.len(), rows[0].line, rows[0].count.count), (1, 3, 3));
}

#[test]
fn the_duplicate_check_key_stays_small() {
    // The memory figure in the module documentation rests on this.
    assert_eq!(std::mem::size_of::<(NaturalKey, u64)>(), 24);
}

#[test]
fn a_spreadsheet_file_with_a_bom_crlf_and_semicolons_reads_like_the_plain_file() {
    let plain = file(&[GOOD, &good_with("month", "2024-08")]);
    let excel = format!("\u{feff}{}", plain.replace(',', ";").replace('\n', "\r\n"));
    assert_eq!(read(&excel).unwrap(), read(&plain).unwrap());
    // A value holding a comma is not a separator in a semicolon file: it is a value to check.
    let e = errors(
        &file(&[&good_with("count", "3")])
            .replace(',', ";")
            .replace(";3\n", ";1,5\n"),
    );
    assert_eq!((e[0].line, e[0].column), (2, Some("count")));
}

#[test]
fn a_utf16_file_is_refused_whole_with_what_to_do() {
    let text = file(&[GOOD]);
    let mut le = vec![0xFF, 0xFE];
    le.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let mut be_no_bom = Vec::new();
    be_no_bom.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
    for bytes in [le, be_no_bom] {
        let e = match CountReader::new(bytes.as_slice(), Provinces, limits().record()) {
            Ok(_) => panic!("a UTF-16 file should be refused"),
            Err(e) => e,
        };
        assert_eq!(e.line, 1);
        assert!(e.message.contains("UTF-16"), "{e}");
        assert!(e.message.contains("CSV UTF-8"), "{e}");
    }
}

#[test]
fn a_windows_1258_value_says_to_save_as_utf8() {
    let mut bytes = file(&[]).into_bytes();
    // "Hà Giang" in Windows-1258 where a count belongs: 0xE0 is "à" there, not UTF-8.
    bytes.extend_from_slice(
        b"VICTIMS_IDENTIFIED,VN-P63-10,2024-07,FEMALE,UNDER_16,SEXUAL,CN,H\xe0\n",
    );
    let e = read_all(bytes.as_slice(), Provinces, limits())
        .unwrap_err()
        .errors;
    assert_eq!((e[0].line, e[0].column), (2, Some("count")));
    assert!(e[0].message.contains("Windows-1258"), "{}", e[0]);
    assert!(e[0].message.contains("CSV UTF-8"), "{}", e[0]);
}

#[test]
fn a_count_with_thousands_separators_is_refused_with_the_digits_to_write() {
    for written in ["\"1,200\"", "1.200", "1 200", "1\u{a0}200", "12.345.678"] {
        let e = errors(&file(&[&good_with("count", written)]));
        assert_eq!(e[0].column, Some("count"), "{written}");
        assert!(
            e[0].message.contains("has a thousands separator"),
            "{written}: {}",
            e[0]
        );
    }
    let e = errors(&file(&[&good_with("count", "1.5")]));
    assert!(
        !e[0].message.contains("has a thousands separator"),
        "{}",
        e[0]
    );
    let e = errors(&file(&[&good_with("count", "\"1,200\"")]));
    assert!(e[0].message.contains("e.g. 1200"), "{}", e[0]);
}
