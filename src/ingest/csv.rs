//! The CSV import of case counts (`docs/import-format.md`): a streaming parser and validator.
//!
//! Owns the file format (columns, allowed values, line numbers) and every check that needs only
//! the file and today's date, with the messages the data owners read. It leaves to the caller
//! what a pure parser cannot know, whether a province code exists in a month ([`RegionCheck`]),
//! and writing to the store; [`read_all`] applies the all-or-nothing rule for callers that want
//! it. Counts read here are raw: they reach the public only through the disclosure policy.
//!
//! Memory: [`CountReader`] holds one record at a time, plus for the duplicate check one compact
//! key per valid record (24 bytes with its line number, in a hash table: a million rows take
//! about 50 MB) and one copy of each distinct region code. [`read_all`] also holds the rows it
//! returns. A record is as long as the input makes it: bound the upload's size.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::fmt;
use std::io::{self, Read};

use ::csv::{ByteRecord, ReaderBuilder, Terminator};
use chrono::{Datelike, NaiveDate};

use crate::dimensions::{self, Category, MetricKind};

/// The columns of the file, in the order of the template (any order is accepted).
pub const COLUMNS: [&str; 8] = [
    "metric",
    "region",
    "month",
    "sex",
    "age_group",
    "exploitation_form",
    "destination",
    "count",
];

/// The first year that can be imported.
pub const FIRST_YEAR: i32 = 1990;

// Indices into `COLUMNS`; the four category columns follow `MONTH` in `Category::ALL` order.
const METRIC: usize = 0;
const REGION: usize = 1;
const MONTH: usize = 2;
const COUNT: usize = 7;

/// One valid data record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountRow {
    /// The physical line of the record in the file (the header is line 1).
    pub line: u64,
    pub metric: MetricKind,
    /// The region code as written (trimmed), accepted by the caller's [`RegionCheck`].
    pub region: String,
    pub year: i32,
    /// 1 to 12.
    pub month: u32,
    /// One of [`dimensions::SEXES`].
    pub sex: &'static str,
    /// One of [`dimensions::AGE_GROUPS`].
    pub age_group: &'static str,
    /// One of [`dimensions::EXPLOITATION_FORMS`].
    pub exploitation_form: &'static str,
    /// One of [`dimensions::DESTINATIONS`].
    pub destination: &'static str,
    /// Zero or more.
    pub count: i64,
}

/// One problem in the file, in words a data owner understands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// The physical line (the header's for a header error).
    pub line: u64,
    /// The column at fault; `None` when the whole line is (field count, duplicate, header).
    pub column: Option<&'static str>,
    pub message: String,
}

impl RowError {
    fn new(line: u64, column: Option<&'static str>, message: String) -> Self {
        Self {
            line,
            column,
            message,
        }
    }
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.column {
            Some(column) => write!(f, "line {}, column {column}: {}", self.line, self.message),
            None => write!(f, "line {}: {}", self.line, self.message),
        }
    }
}

impl std::error::Error for RowError {}

/// What the caller knows that a pure parser cannot: whether a province code exists and is
/// valid in a month.
pub trait RegionCheck {
    /// `Ok` when `code` names a province valid in `month` of `year`; otherwise the message to
    /// show, used as is (e.g. "VN-P63-02 (Hà Giang) ended on 2025-06-30: use VN-P34-08").
    fn check(&self, code: &str, year: i32, month: u32) -> Result<(), String>;
}

impl<T: RegionCheck + ?Sized> RegionCheck for &T {
    fn check(&self, code: &str, year: i32, month: u32) -> Result<(), String> {
        (**self).check(code, year, month)
    }
}

/// The bounds of one import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportLimits {
    /// Months must be strictly before the month of `today` ("a past month"): the current
    /// month is still being counted.
    pub today: NaiveDate,
    /// [`read_all`] stops collecting errors after this many, but keeps counting faulty records.
    pub max_errors: usize,
    /// The largest count one cell may hold: a larger one is refused with its line, before any
    /// key is computed for it.
    pub max_count: i64,
}

/// Everything wrong with a file, as returned by [`read_all`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportErrors {
    /// The errors in file order, at most `max_errors` of them (a header error comes alone).
    pub errors: Vec<RowError>,
    /// Data records with at least one error (0 when the header is wrong: nothing was read).
    pub faulty_records: u64,
    /// Whether errors were left out because of `max_errors`.
    pub truncated: bool,
}

/// Streaming: yields one item per data record, never holding the file in memory.
///
/// Each item is the valid row or every error of that record (several columns can be wrong at
/// once). Empty lines, and lines of only commas and spaces (spreadsheets write them), are
/// skipped but counted, so line numbers are the physical lines of the file.
pub struct CountReader<R: Read, C: RegionCheck> {
    csv: ::csv::Reader<Terminated<io::Chain<io::Cursor<Vec<u8>>, R>>>,
    record: ByteRecord,
    checker: Checker<C>,
    done: bool,
}

impl<R: Read, C: RegionCheck> CountReader<R, C> {
    /// Reads and checks the header (line 1; a UTF-8 byte order mark is dropped).
    ///
    /// Files saved by spreadsheet apps work as they are: a byte order mark, CRLF line ends, and
    /// a semicolon as the separator (what Excel writes where the comma is the decimal mark) when
    /// the header is separated by semicolons. A file in UTF-16 is refused at once, with what to
    /// do.
    pub fn new(mut reader: R, regions: C, limits: ImportLimits) -> Result<Self, RowError> {
        let head = first_line(&mut reader)
            .map_err(|e| RowError::new(1, None, format!("the file could not be read: {e}")))?;
        check_encoding(&head).map_err(|m| RowError::new(1, None, m))?;
        // Flexible: a record with the wrong number of fields is our error, with our message.
        // Only `\n` ends a record: a `\r` before it stays in the last field, which is trimmed.
        let csv = ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter(&head))
            .terminator(Terminator::Any(b'\n'))
            .from_reader(Terminated {
                inner: io::Cursor::new(head).chain(reader),
                last: b'\n',
            });
        let (seen, region_ids) = (HashMap::new(), HashMap::new());
        let mut this = Self {
            csv,
            record: ByteRecord::new(),
            checker: Checker {
                regions,
                limits,
                order: [0; 8],
                seen,
                region_ids,
            },
            done: false,
        };
        let Some(line) = this.advance()? else {
            let header = COLUMNS.join(",");
            let message = format!("the file is empty: line 1 must be the header {header}");
            return Err(RowError::new(1, None, message));
        };
        let order = header_order(&this.record).map_err(|m| RowError::new(line, None, m))?;
        this.checker.order = order;
        Ok(this)
    }

    /// Reads the next record that is not blank: its line, or `None` at the end of the file.
    ///
    /// Not `Position::line()` of the record: csv sets it where the read began, before any
    /// blank lines it skipped. Every record ends with a `\n` (see [`Terminated`]), so the
    /// reader's line count after it, less one, is its last line; less its inner line breaks
    /// (in quoted values), its first.
    fn advance(&mut self) -> Result<Option<u64>, RowError> {
        loop {
            let read = self.csv.read_byte_record(&mut self.record);
            let more = read.map_err(|e| {
                let line = self.csv.position().line();
                RowError::new(line, None, format!("the file could not be read: {e}"))
            })?;
            if !more {
                return Ok(None);
            }
            let record = self.record.as_slice();
            if !record.iter().all(u8::is_ascii_whitespace) {
                let inner = record.iter().filter(|&&b| b == b'\n').count() as u64;
                return Ok(Some(self.csv.position().line().saturating_sub(1 + inner)));
            }
        }
    }
}

/// The longest first line looked at to choose the separator and check the encoding.
const HEAD_BYTES: usize = 64 * 1024;

/// The bytes up to and including the first `\n` (at most [`HEAD_BYTES`]): what a stream has
/// sent of them is read now, the rest of the file stays unread.
fn first_line<R: Read>(reader: &mut R) -> io::Result<Vec<u8>> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    // One byte at a time, so as not to read past the line; only the header is read this way.
    while head.len() < HEAD_BYTES {
        match reader.read(&mut byte) {
            Ok(0) => break,
            Ok(_) => {
                head.push(byte[0]);
                if byte[0] == b'\n' {
                    break;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(head)
}

/// A file in UTF-16 (what "Unicode text" means in Excel) is refused as a whole: every line would
/// be wrong. Other encodings (Windows-1258, TCVN3) are found in the values that are not UTF-8.
fn check_encoding(head: &[u8]) -> Result<(), String> {
    let utf16 = head.starts_with(&[0xFF, 0xFE])
        || head.starts_with(&[0xFE, 0xFF])
        || head.iter().filter(|&&b| b == 0).count() > head.len() / 4;
    if utf16 {
        return Err(
            "the file is in UTF-16, not UTF-8: save it again as \"CSV UTF-8 (Comma delimited)\" \
             (in Excel: File → Save As; in LibreOffice: Save As → Text CSV, character set \
             Unicode (UTF-8)), then import that file"
                .to_owned(),
        );
    }
    Ok(())
}

/// A semicolon when the header is separated by semicolons and holds no comma; else a comma.
fn delimiter(head: &[u8]) -> u8 {
    let count = |d: u8| head.iter().filter(|&&b| b == d).count();
    if count(b';') > 0 && count(b',') == 0 {
        b';'
    } else {
        b','
    }
}

/// The input with a final `\n` added when it lacks one.
struct Terminated<R> {
    inner: R,
    /// The last byte read so far (`\n` before the first read, so an empty input stays empty).
    last: u8,
}

impl<R: Read> Read for Terminated<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        match buf.get(..n).and_then(<[u8]>::last) {
            Some(&last) => self.last = last,
            None if self.last != b'\n' && !buf.is_empty() => {
                (buf[0], self.last) = (b'\n', b'\n');
                return Ok(1);
            }
            None => {}
        }
        Ok(n)
    }
}

impl<R: Read, C: RegionCheck> Iterator for CountReader<R, C> {
    type Item = Result<CountRow, Vec<RowError>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let next = self.advance();
        // After an I/O error what follows cannot be trusted.
        self.done = !matches!(next, Ok(Some(_)));
        match next {
            Ok(Some(line)) => Some(self.checker.check(&self.record, line)),
            Ok(None) => None,
            Err(e) => Some(Err(vec![e])),
        }
    }
}

impl<R: Read, C: RegionCheck> std::iter::FusedIterator for CountReader<R, C> {}

/// Convenience for callers: reads everything, returns the rows or every error (up to
/// `max_errors`) plus the total number of faulty records. All or nothing: once a record is
/// faulty the rows are dropped, and reading goes on only to find the other errors.
pub fn read_all<R: Read, C: RegionCheck>(
    reader: R,
    regions: C,
    limits: ImportLimits,
) -> Result<Vec<CountRow>, ImportErrors> {
    let mut failed = ImportErrors::default();
    let reader = CountReader::new(reader, regions, limits).map_err(|e| ImportErrors {
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

/// The duplicate-check key: the natural key with the region interned and the categories as
/// indices into their value lists, so a million keys fit in tens of megabytes.
#[derive(PartialEq, Eq, Hash)]
struct NaturalKey {
    region: u32,
    month: u32,
    metric: MetricKind,
    categories: [u8; 4],
}

/// The per-record checks and the state they share across records.
struct Checker<C> {
    regions: C,
    limits: ImportLimits,
    /// For each column of `COLUMNS`, its index in the file's records.
    order: [usize; 8],
    /// Natural key → the line where it first appeared.
    seen: HashMap<NaturalKey, u64>,
    region_ids: HashMap<String, u32>,
}

impl<C: RegionCheck> Checker<C> {
    fn check(&mut self, record: &ByteRecord, line: u64) -> Result<CountRow, Vec<RowError>> {
        if record.len() != COLUMNS.len() {
            let message = format!(
                "this line has {} values, the header has {}: check for a missing or extra comma \
                 (a value that contains a comma must be in double quotes)",
                record.len(),
                COLUMNS.len()
            );
            return Err(vec![RowError::new(line, None, message)]);
        }
        let mut errors: Vec<(usize, String)> = Vec::new();
        let text = |column: usize| {
            let raw = record.get(self.order[column]).unwrap_or_default();
            std::str::from_utf8(raw).map(str::trim).map_err(|_| {
                "this value is not UTF-8 text: the file was saved in another encoding \
                     (Windows-1258, TCVN3, …); save it again as \"CSV UTF-8\" and import that"
                    .to_owned()
            })
        };
        let metric = keep(&mut errors, METRIC, text(METRIC).and_then(parse_metric));
        let region = keep(&mut errors, REGION, text(REGION).and_then(parse_region));
        let today = self.limits.today;
        let month = text(MONTH).and_then(|s| parse_month(s, today));
        let month = keep(&mut errors, MONTH, month);
        let mut categories = [None; 4];
        for (i, category) in Category::ALL.into_iter().enumerate() {
            let column = MONTH + 1 + i;
            let value = text(column).and_then(|s| parse_category(category, s));
            categories[i] = keep(&mut errors, column, value);
            if let (Some(metric), Some((_, value))) = (metric, categories[i])
                && !metric.supports(category)
                && value != "UNKNOWN"
            {
                errors.push((column, not_broken_down(metric, category)));
            }
        }
        let max_count = self.limits.max_count;
        let count = text(COUNT)
            .and_then(parse_count)
            .and_then(|n| within_ceiling(n, max_count));
        let count = keep(&mut errors, COUNT, count);
        // The region can only be checked against a valid month.
        if let (Some(region), Some((year, month))) = (region, month) {
            keep(&mut errors, REGION, self.regions.check(region, year, month));
        }
        let (metric, region, (year, month), [sex, age, form, destination], count) =
            match (metric, region, month, categories, count) {
                (Some(m), Some(r), Some(ym), [Some(s), Some(a), Some(f), Some(d)], Some(n))
                    if errors.is_empty() =>
                {
                    (m, r, ym, [s, a, f, d], n)
                }
                _ => {
                    errors.sort_by_key(|&(column, _)| self.order[column]);
                    let errors = errors.into_iter();
                    let errors = errors.map(|(c, m)| RowError::new(line, Some(COLUMNS[c]), m));
                    return Err(errors.collect());
                }
            };

        let next_id = u32::try_from(self.region_ids.len()).unwrap_or(u32::MAX);
        let region_id = match self.region_ids.get(region) {
            Some(&id) => id,
            None => *self.region_ids.entry(region.to_owned()).or_insert(next_id),
        };
        let key = NaturalKey {
            region: region_id,
            // Years from FIRST_YEAR on: never negative.
            month: u32::try_from(year - FIRST_YEAR).unwrap_or(0) * 12 + month,
            metric,
            categories: [sex.0, age.0, form.0, destination.0],
        };
        match self.seen.entry(key) {
            Entry::Occupied(first) => {
                let message = format!(
                    "the same metric, region, month, sex, age group, exploitation form and \
                     destination as line {}: each combination may appear only once (add the \
                     counts up, or remove one of the lines)",
                    first.get()
                );
                Err(vec![RowError::new(line, None, message)])
            }
            Entry::Vacant(slot) => {
                slot.insert(line);
                Ok(CountRow {
                    line,
                    metric,
                    region: region.to_owned(),
                    year,
                    month,
                    sex: sex.1,
                    age_group: age.1,
                    exploitation_form: form.1,
                    destination: destination.1,
                    count,
                })
            }
        }
    }
}

/// The value, or `None` with its message noted against `column`.
fn keep<T>(
    errors: &mut Vec<(usize, String)>,
    column: usize,
    value: Result<T, String>,
) -> Option<T> {
    value.map_err(|m| errors.push((column, m))).ok()
}

/// For each column of `COLUMNS`, its index in the header; or what is wrong with the header.
fn header_order(header: &ByteRecord) -> Result<[usize; 8], String> {
    let mut at: [Option<usize>; 8] = [None; 8];
    let (mut unknown, mut repeated) = (Vec::new(), Vec::new());
    for (i, raw) in header.iter().enumerate() {
        let name = String::from_utf8_lossy(raw);
        // csv already drops a byte order mark at the start; this catches one it keeps.
        let name = name.trim_start_matches('\u{feff}').trim();
        let n = i + 1;
        match COLUMNS.iter().position(|c| *c == name) {
            Some(c) if at[c].is_none() => at[c] = Some(i),
            Some(c) => repeated.push(format!(
                "{name} (columns {} and {n})",
                at[c].unwrap_or(0) + 1
            )),
            None if name.is_empty() => unknown.push(format!("an empty name (column {n})")),
            None => match COLUMNS.iter().find(|c| c.eq_ignore_ascii_case(name)) {
                Some(c) => unknown.push(format!("{} (column {n}: write {c})", shown(name))),
                None => unknown.push(format!("{} (column {n})", shown(name))),
            },
        }
    }
    let missing = COLUMNS.iter().zip(at).filter(|(_, at)| at.is_none());
    let missing: Vec<String> = missing.map(|(c, _)| (*c).to_owned()).collect();
    let problems: Vec<String> = [
        ("missing", missing),
        ("unknown", unknown),
        ("repeated", repeated),
    ]
    .into_iter()
    .filter(|(_, list)| !list.is_empty())
    .map(|(what, list)| format!("{what}: {}", list.join(", ")))
    .collect();
    if problems.is_empty() {
        return Ok(at.map(Option::unwrap_or_default));
    }
    Err(format!(
        "wrong header ({}): the first line must name the {} columns {} (in any order)",
        problems.join("; "),
        COLUMNS.len(),
        COLUMNS.join(",")
    ))
}

fn parse_metric(s: &str) -> Result<MetricKind, String> {
    let names = MetricKind::ALL.map(MetricKind::as_str);
    Ok(MetricKind::ALL[choose("metric", s, &names, "")?])
}

fn parse_region(s: &str) -> Result<&str, String> {
    match s {
        "" => Err("region is empty: write a province code, e.g. VN-P63-10".to_owned()),
        _ => Ok(s),
    }
}

/// `YYYY-MM`, from [`FIRST_YEAR`] to the month before `today`'s.
fn parse_month(s: &str, today: NaiveDate) -> Result<(i32, u32), String> {
    if s.is_empty() {
        return Err("month is empty: write YYYY-MM, e.g. 2024-07".to_owned());
    }
    let digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    let parsed = match s.split_once('-') {
        Some((y, m)) if y.len() == 4 && m.len() == 2 && digits(y) && digits(m) => {
            (y.parse::<i32>().ok(), m.parse::<u32>().ok())
        }
        _ => (None, None),
    };
    let v = shown(s);
    let (Some(year), Some(month @ 1..=12)) = parsed else {
        return Err(format!("{v} is not a month: write YYYY-MM, e.g. 2024-07"));
    };
    if year < FIRST_YEAR {
        let first = format!("{FIRST_YEAR}-01");
        return Err(format!(
            "{v} is before {first}, the first month that can be imported"
        ));
    }
    // The last day of the previous month: today's month is the first one refused.
    let last = today
        .with_day(1)
        .and_then(|d| d.pred_opt())
        .unwrap_or(today);
    let until = format!("only months up to {} can be imported", last.format("%Y-%m"));
    match (year, month).cmp(&(today.year(), today.month())) {
        Ordering::Less => Ok((year, month)),
        Ordering::Equal => Err(format!(
            "{v} is the current month, still being counted: {until}"
        )),
        Ordering::Greater => Err(format!("{v} is in the future: {until}")),
    }
}

/// The index of the value in its list (for the key) and the value as a constant.
fn parse_category(category: Category, s: &str) -> Result<(u8, &'static str), String> {
    let values = dimensions::values(category);
    let note = match category {
        Category::Destination => " (DOMESTIC: within Vietnam; OTHER: a country not listed)",
        _ => "",
    };
    let i = choose(category.phrase(), s, values, note)?;
    // The value lists have at most 10 entries.
    Ok((u8::try_from(i).unwrap_or(u8::MAX), values[i]))
}

/// A whole number of 0 or more, in ASCII digits only.
fn parse_count(s: &str) -> Result<i64, String> {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let v = shown(s);
    if s.is_empty() {
        Err("count is empty: write the number, or 0 if there were none".to_owned())
    } else if digits(s) {
        let max = i64::MAX;
        s.parse()
            .map_err(|_| format!("{v} is too large for a count (at most {max})"))
    } else if thousands_separated(s) {
        Err(format!(
            "{v} has a thousands separator: write the digits alone, e.g. {} (in the \
             spreadsheet, format the column as a number without the 1000 separator)",
            s.replace(|c: char| !c.is_ascii_digit(), "")
        ))
    } else if s.strip_prefix('-').is_some_and(digits) {
        Err(format!("{v} is negative: a count is 0 or more"))
    } else {
        Err(format!(
            "{v} is not a count: write a whole number of 0 or more in digits only, without \
             sign, decimals, exponent, spaces or thousands separators, e.g. 12"
        ))
    }
}

/// A count no larger than the ceiling a cell may hold.
pub fn within_ceiling(n: i64, max: i64) -> Result<i64, String> {
    if n > max {
        Err(format!(
            "{n} is more than a cell may hold ({max} at most): check the number for a typo \
             (the ceiling is the setting CTIP_MAX_CELL_COUNT)"
        ))
    } else {
        Ok(n)
    }
}

/// `1,200`, `1.200`, `1 200` or `1 200` (a no-break space): groups of three digits after the
/// first, with one separator throughout.
fn thousands_separated(s: &str) -> bool {
    let Some(sep) = s.chars().find(|c| !c.is_ascii_digit()) else {
        return false;
    };
    if !matches!(sep, ',' | '.' | ' ' | '\u{a0}' | '\u{202f}' | '\'') {
        return false;
    }
    let mut groups = s.split(sep);
    let first = groups.next().unwrap_or_default();
    let rest: Vec<&str> = groups.collect();
    (1..=3).contains(&first.len())
        && first.bytes().all(|b| b.is_ascii_digit())
        && !rest.is_empty()
        && rest
            .iter()
            .all(|g| g.len() == 3 && g.bytes().all(|b| b.is_ascii_digit()))
}

/// The index of `s` in `names`, or a message listing them (with the likely intended one).
fn choose(what: &str, s: &str, names: &[&str], note: &str) -> Result<usize, String> {
    if let Some(i) = names.iter().position(|n| *n == s) {
        return Ok(i);
    }
    let list = names.join(", ");
    let normalized = s.to_ascii_uppercase().replace([' ', '-'], "_");
    match names.iter().find(|n| **n == normalized) {
        _ if s.is_empty() => Err(format!("{what} is empty: write one of {list}{note}")),
        Some(n) => Err(format!("{} must be written exactly {n}", shown(s))),
        None => Err(format!(
            "{} is not a known {what}: write one of {list}{note}",
            shown(s)
        )),
    }
}

fn not_broken_down(metric: MetricKind, category: Category) -> String {
    let phrases: Vec<&str> = metric.categories().iter().map(|c| c.phrase()).collect();
    let supported = match phrases.split_last() {
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => "nothing".to_owned(),
    };
    let (m, c) = (metric.as_str(), category.phrase());
    format!("{m} is not broken down by {c}: write UNKNOWN ({m} is broken down by {supported} only)")
}

/// A value quoted for a message, shortened so a stray paragraph does not flood the report.
fn shown(s: &str) -> String {
    match s.char_indices().nth(40) {
        Some((end, _)) => format!("\"{}…\"", &s[..end]),
        None => format!("\"{s}\""),
    }
}

#[cfg(test)]
#[path = "csv_tests.rs"]
mod tests;
