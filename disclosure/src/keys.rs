//! Secrets and record keys: everything that touches K1 and K2.
//!
//! Owns the two HMAC secrets ([`Secret`], [`Keys`]), the per-unit record keys computed at
//! ingest ([`unit_key`], [`key_sum`], disclosure.md §1) and the cell key computed when
//! serving ([`ck_raw`], [`cell_key_u`], disclosure.md §2). Nothing here decides what a
//! person sees: that is [`mod@super::perturb`] and [`mod@super::serving`].

use std::fmt;

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Length in bytes of K1 and K2.
pub const SECRET_LEN: usize = 32;

/// A 32-byte HMAC secret (K1 or K2).
///
/// Deliberately has no `Display`, no `Serialize`, no `PartialEq` (a comparison would invite
/// timing side channels and logging of "which key is it"), and its `Debug` prints
/// `[redacted]` so a stray `{:?}` in a log line or an error can never leak the bytes.
/// The only way to read the bytes back is [`Secret::to_hex`], which exists for writing the
/// key file on first start.
#[derive(Clone)]
pub struct Secret([u8; SECRET_LEN]);

impl Secret {
    /// Wraps 32 raw bytes (for example from a CSPRNG when the key file is first generated).
    #[must_use]
    pub const fn from_bytes(bytes: [u8; SECRET_LEN]) -> Self {
        Self(bytes)
    }

    /// Parses 64 hexadecimal digits (either case). Leading and trailing whitespace is
    /// ignored, because a key file edited by hand usually ends with a newline.
    ///
    /// # Errors
    ///
    /// [`KeyError::WrongLength`] when the trimmed text is not 64 characters long,
    /// [`KeyError::NotHex`] when it contains a non-hexadecimal character. The error never
    /// repeats the input, so it is safe to log.
    pub fn from_hex(text: &str) -> Result<Self, KeyError> {
        let text = text.trim();
        if text.len() != 2 * SECRET_LEN {
            return Err(KeyError::WrongLength {
                expected: 2 * SECRET_LEN,
                found: text.len(),
            });
        }
        let mut bytes = [0u8; SECRET_LEN];
        hex::decode_to_slice(text, &mut bytes).map_err(|_| KeyError::NotHex)?;
        Ok(Self(bytes))
    }

    /// Lower-case hexadecimal form of the secret.
    ///
    /// Only for writing the key file (readable by its owner only). Never log it, never
    /// return it from the API.
    #[must_use]
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// A fingerprint of the secret: HMAC-SHA256 of a fixed label under it, in hexadecimal.
    ///
    /// Stored in the database beside the counts the key made (or serves), so a process started
    /// with other keys can tell and refuse. It reveals nothing of the key: finding a key from it
    /// is as hard as forging the MAC.
    #[must_use]
    pub fn fingerprint(&self) -> String {
        let mut mac = self.mac();
        mac.update(b"ctip-key-fingerprint|v1");
        hex::encode(mac.finalize().into_bytes())
    }

    /// An HMAC-SHA256 instance keyed with this secret.
    ///
    /// HMAC pads a key shorter than the hash block (64 bytes for SHA-256) with zeros, so
    /// keying with the 32 bytes followed by 32 zero bytes is, by definition (RFC 2104),
    /// the same MAC as keying with the 32 bytes. Doing the padding here lets us use the
    /// infallible fixed-size constructor instead of `new_from_slice`, whose `Result` can
    /// never be `Err` for HMAC but would still need an `unwrap`.
    fn mac(&self) -> HmacSha256 {
        let mut block = [0u8; 64];
        block[..SECRET_LEN].copy_from_slice(&self.0);
        <HmacSha256 as Mac>::new(&block.into())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Why a secret could not be read. Never contains the offending text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyError {
    /// The text does not have the length of a 32-byte key in hexadecimal.
    WrongLength {
        /// Number of hexadecimal characters a key has (64).
        expected: usize,
        /// Number of characters found after trimming whitespace.
        found: usize,
    },
    /// The text has the right length but a character outside `0-9a-fA-F`.
    NotHex,
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::WrongLength { expected, found } => write!(
                f,
                "a disclosure key must be {expected} hexadecimal characters, found {found}"
            ),
            Self::NotHex => f.write_str("a disclosure key must contain only hexadecimal digits"),
        }
    }
}

impl std::error::Error for KeyError {}

/// The two secrets of the cell-key method.
///
/// `k1` is used only at ingest (record keys, stored as `key_sum`), `k2` only when serving
/// (cell key of a node). Keeping them apart means a leak of the stored `key_sum` column
/// alone does not let anyone predict the noise: that also needs K2.
#[derive(Debug, Clone)]
pub struct Keys {
    /// K1, the ingest key.
    pub k1: Secret,
    /// K2, the serving key.
    pub k2: Secret,
}

impl Keys {
    /// Fixed, publicly known keys (`k1` = 32 bytes of `0x01`, `k2` = 32 bytes of `0x02`).
    ///
    /// **Test only** (compiled into unit tests alone: the integration tests and benchmarks
    /// spell the same bytes out themselves). With these keys anyone can recompute the noise and
    /// so the true counts; configuration can never fall back to them.
    #[cfg(test)]
    #[must_use]
    pub const fn test_keys() -> Self {
        Self {
            k1: Secret::from_bytes([1u8; SECRET_LEN]),
            k2: Secret::from_bytes([2u8; SECRET_LEN]),
        }
    }
}

/// The kind of unit a metric counts. Metrics of the same unit type share record keys
/// (disclosure.md §1): the metric itself is not part of the key, so "victims identified"
/// and "victims rescued" about the same people get consistent noise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnitType {
    /// A trafficking case.
    Case,
    /// A suspect (arrested, prosecuted, convicted).
    Suspect,
    /// A victim (identified, rescued, supported).
    Victim,
    /// A hotline report.
    Report,
}

impl UnitType {
    /// The word that goes into the record-key message: `case`, `suspect`, `victim`, `report`.
    ///
    /// Part of the key derivation: changing it changes every stored `key_sum`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Case => "case",
            Self::Suspect => "suspect",
            Self::Victim => "victim",
            Self::Report => "report",
        }
    }
}

/// One finest cell of the store: a province in a month, crossed with every category.
///
/// The strings are the stable codes the store uses (region code, `FEMALE`, `UNDER_16`,
/// `SEXUAL`, `CN` …). They go verbatim into the record-key message, joined by `|`, so they
/// must never contain `|` themselves (codes never do), and they must not be renamed once
/// keys are stored: a renamed code gives different keys, i.e. fresh noise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Cell<'a> {
    /// Region code of the province valid in that month.
    pub province: &'a str,
    /// Calendar year, written with four digits in the key message.
    pub year: i32,
    /// Calendar month, 1 to 12, written with two digits in the key message.
    pub month: u32,
    /// Sex code of the unit.
    pub sex: &'a str,
    /// Age-group code of the unit.
    pub age_group: &'a str,
    /// Exploitation-form code.
    pub exploitation_form: &'a str,
    /// Destination code (`DOMESTIC`, a country code, or `UNKNOWN`).
    pub destination: &'a str,
}

/// Writes the HMAC output's first four bytes as a `u32`.
///
/// Big-endian, i.e. the bytes read in the order they come out of the hash, which is the
/// natural reading of "first 4 bytes as u32" and what `openssl dgst -mac HMAC … | cut -c1-8`
/// shows. The choice is arbitrary but fixed: changing it changes every stored key.
fn first_u32(mac: HmacSha256) -> u32 {
    let tag = mac.finalize().into_bytes();
    u32::from_be_bytes([tag[0], tag[1], tag[2], tag[3]])
}

/// The record key `k32(t, c, i)` of the `i`-th unit of type `t` in cell `c` (disclosure.md §1).
///
/// It is the first 4 bytes, read big-endian, of
/// `HMAC-SHA256(K1, "rk1|" t "|" province "|" yyyy-mm "|" sex "|" age "|" exploitation "|" destination "|" i)`,
/// with `yyyy-mm` as four-digit year and two-digit month (`2024-07`) and `i` in decimal
/// without padding. Units are numbered from 1: a revision that raises `n` adds keys
/// `n+1 …`, one that lowers it drops the last ones, so the keys of the units that stay do
/// not change.
#[must_use]
pub fn unit_key(k1: &Secret, t: UnitType, c: &Cell<'_>, i: u64) -> u32 {
    let period = format!("{:04}-{:02}", c.year, c.month);
    let index = i.to_string();
    let mut mac = k1.mac();
    // Fed part by part rather than joined into one string: same bytes, one allocation less.
    for part in [
        "rk1|",
        t.as_str(),
        "|",
        c.province,
        "|",
        period.as_str(),
        "|",
        c.sex,
        "|",
        c.age_group,
        "|",
        c.exploitation_form,
        "|",
        c.destination,
        "|",
        index.as_str(),
    ] {
        mac.update(part.as_bytes());
    }
    first_u32(mac)
}

/// `key_sum(c) = Σ_{i=1..n} unit_key(i)`, the value stored beside `n` at ingest.
///
/// Each term is below 2^32, so the sum is exact for any `n` below 2^31 units in one cell
/// (far beyond any real count). Beyond that it wraps, which still leaves the value that
/// matters, the sum modulo 2^32 (see [`ck_raw`]), correct.
#[must_use]
pub fn key_sum(k1: &Secret, t: UnitType, c: &Cell<'_>, n: u64) -> i64 {
    (1..=n).fold(0i64, |acc, i| {
        acc.wrapping_add(i64::from(unit_key(k1, t, c, i)))
    })
}

/// `ck_raw = SUM(key_sum) mod 2^32` of a node, from the SQL `SUM` of its cells' `key_sum`.
///
/// Takes the sum as the `i64` the database returns and reduces it with `rem_euclid`, so a
/// negative value (a 64-bit sum that wrapped, or a driver that hands back a signed type)
/// still gives the mathematically correct residue in `0 .. 2^32`.
#[must_use]
pub fn ck_raw(sum_of_key_sums: i64) -> u32 {
    let residue = sum_of_key_sums.rem_euclid(1i64 << 32);
    // `residue` is in 0 .. 2^32 by construction, so the conversion cannot fail.
    u32::try_from(residue).unwrap_or(0)
}

/// The cell key `u` of a node (disclosure.md §2): the first 4 bytes, read big-endian, of
/// `HMAC-SHA256(K2, "ck1|" ck_raw "|" n)`, modulo 4096.
///
/// `ck_raw` and `n` are written in decimal. Including `n` means two nodes whose key sums
/// happen to collide modulo 2^32 still get independent noise unless their counts match too.
/// The result is always in `0 ..= 4095`.
#[must_use]
pub fn cell_key_u(k2: &Secret, ck_raw: u32, n: i64) -> u16 {
    let mut mac = k2.mac();
    mac.update(format!("ck1|{ck_raw}|{n}").as_bytes());
    let reduced = first_u32(mac) % 4096;
    // Below 4096 by construction, so the conversion cannot fail.
    u16::try_from(reduced).unwrap_or(0)
}
