//! The CSV import of case counts (`docs/import-format.md`): a streaming parser and validator.
//!
//! Owns the file format (columns, allowed values, line numbers) and every check that needs only
//! the file and today's date, with the messages the data owners read. It leaves to the caller
//! what a pure parser cannot know, whether a province code exists in a month ([`RegionCheck`]),
//! and writing to the store. The checks of one record are `ingest::record`'s, shared with the
//! mutation `upsertCounts`. Counts read here are raw: they reach the public only through the
//! disclosure policy.
//!
//! Memory: [`CountReader`] holds one record at a time, plus for the duplicate check one compact
//! key per valid record (24 bytes with its line number, in a hash table: a million rows take
//! about 50 MB). A record is as long as the input makes it: bound the upload's size.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::fmt;
use std::io::{self, Read};

use ::csv::{ByteRecord, ReaderBuilder, Terminator};

use crate::count::Count;
use crate::dimensions::{self, Category, MetricKind};
use crate::ingest::record::{self, shown};
pub use crate::ingest::record::{COLUMNS, FIRST_YEAR, Limits, RegionCheck};

/// One valid data record: its count and the physical line of the record in the file (the
/// header is line 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountRow {
    pub line: u64,
    pub count: Count,
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
    pub fn new(mut reader: R, regions: C, limits: Limits) -> Result<Self, RowError> {
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
        let mut this = Self {
            csv,
            record: ByteRecord::new(),
            checker: Checker {
                regions,
                limits,
                order: [0; 8],
                seen: HashMap::new(),
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

/// The duplicate-check key: the natural key with the region's id and the categories as
/// indices into their value lists, so a million keys fit in tens of megabytes.
#[derive(PartialEq, Eq, Hash)]
struct NaturalKey {
    region: i32,
    month: u32,
    metric: MetricKind,
    categories: [u8; 4],
}

/// The per-record checks and the state they share across records.
struct Checker<C> {
    regions: C,
    limits: Limits,
    /// For each column of `COLUMNS`, its index in the file's records.
    order: [usize; 8],
    /// Natural key → the line where it first appeared.
    seen: HashMap<NaturalKey, u64>,
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
        let text = |column: usize| {
            let raw = record.get(self.order[column]).unwrap_or_default();
            std::str::from_utf8(raw).map(str::trim).map_err(|_| {
                "this value is not UTF-8 text: the file was saved in another encoding \
                     (Windows-1258, TCVN3, …); save it again as \"CSV UTF-8\" and import that"
                    .to_owned()
            })
        };
        let count = record::check(text, &self.regions, self.limits).map_err(|mut errors| {
            errors.sort_by_key(|&(column, _)| self.order[column]);
            let errors = errors.into_iter();
            let errors = errors.map(|(c, m)| RowError::new(line, Some(COLUMNS[c]), m));
            errors.collect::<Vec<_>>()
        })?;
        let key = NaturalKey {
            region: count.region_id,
            // Years from FIRST_YEAR on: never negative.
            month: u32::try_from(count.year - FIRST_YEAR).unwrap_or(0) * 12 + count.month,
            metric: count.metric,
            categories: Category::ALL.map(|c| index_of(c, category_value(&count, c))),
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
                Ok(CountRow { line, count })
            }
        }
    }
}

/// The count's value of a category.
fn category_value(count: &Count, c: Category) -> &'static str {
    match c {
        Category::Sex => count.sex,
        Category::AgeGroup => count.age_group,
        Category::ExploitationForm => count.exploitation_form,
        Category::Destination => count.destination,
    }
}

/// The index of a value in its category's list (the lists have at most 10 entries).
fn index_of(c: Category, value: &str) -> u8 {
    let i = dimensions::values(c).iter().position(|v| *v == value);
    i.and_then(|i| u8::try_from(i).ok()).unwrap_or(u8::MAX)
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

#[cfg(test)]
#[path = "csv_tests.rs"]
mod tests;
