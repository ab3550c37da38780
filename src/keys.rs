//! The disclosure secrets K1 (ingest) and K2 (serving): from the environment, from a key file, or,
//! for the embedded default only, generated on first start into a file only its owner can read,
//! and only while its database holds no counts. They are never logged: [`Secret`]'s `Debug`
//! prints `[redacted]`. The keys are part of the data (every published value depends on them):
//! [`verify`] refuses keys other than those the stored counts were made with.
use std::io::Write;
use std::path::Path;

use rand::RngCore;

use sea_orm::ConnectionTrait;

use crate::config::KeyArgs;
use crate::disclosure::Secret;
use crate::store::fingerprints::{self, Check};

/// The secrets a process holds. A serving replica needs only K2; a writer only K1.
#[derive(Debug, Default)]
pub struct KeySet {
    pub k1: Option<Secret>,
    pub k2: Option<Secret>,
}

#[derive(Debug, thiserror::Error)]
pub enum KeyLoadError {
    #[error("the disclosure key {0} is not 64 hexadecimal digits")]
    Malformed(&'static str),
    #[error("cannot read or write the key file {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "the key file {0} exists already: it is left as it is (K1 and K2 must never change once \
         counts are written; move it away first only if no database uses it)"
    )]
    Exists(String),
    #[error(
        "the disclosure key {0} is not configured: set CTIP_{0} or name a key file with CTIP_KEYS_FILE"
    )]
    Missing(&'static str),
    #[error(
        "the database holds counts but the key file {0} is missing: restore it (or set CTIP_K1 and \
         CTIP_K2) from your backup. New keys would change every published value and break every \
         citation, so none are made; to start afresh instead, move the database away"
    )]
    LostFile(String),
    #[error(
        "the disclosure key {0} is not the one the counts in this database were made with (its \
         fingerprint differs): configure the key file or CTIP_{0} that belongs to this database. \
         Other keys would change every published value and break every citation"
    )]
    Mismatch(&'static str),
    #[error("database: {0}")]
    Database(#[from] sea_orm::DbErr),
}

fn parse(name: &'static str, hex: &str) -> Result<Secret, KeyLoadError> {
    Secret::from_hex(hex.trim()).map_err(|_| KeyLoadError::Malformed(name))
}

fn read_file(path: &Path) -> Result<KeySet, KeyLoadError> {
    let text = std::fs::read_to_string(path).map_err(|source| KeyLoadError::Io {
        path: path.display().to_string(),
        source,
    })?;
    let mut keys = KeySet::default();
    for line in text.lines().map(str::trim).filter(|l| !l.starts_with('#')) {
        if let Some(v) = line.strip_prefix("CTIP_K1=") {
            keys.k1 = Some(parse("K1", v)?);
        } else if let Some(v) = line.strip_prefix("CTIP_K2=") {
            keys.k2 = Some(parse("K2", v)?);
        }
    }
    Ok(keys)
}

fn random_secret() -> Secret {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    Secret::from_bytes(bytes)
}

/// Creates a new key file readable and writable by its owner only.
fn create_file(path: &Path) -> Result<KeySet, KeyLoadError> {
    let io = |source| KeyLoadError::Io {
        path: path.display().to_string(),
        source,
    };
    let (k1, k2) = (random_secret(), random_secret());
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts.open(path).map_err(io)?;
    write!(
        f,
        "# ctip-api disclosure secrets (disclosure.md §2). Keep this file private and never commit it:\n\
         # whoever holds K2 can undo the perturbation of published counts.\nCTIP_K1={}\nCTIP_K2={}\n",
        k1.to_hex(),
        k2.to_hex()
    )
    .map_err(io)?;
    tracing::info!(path = %path.display(), "created new disclosure keys");
    Ok(KeySet {
        k1: Some(k1),
        k2: Some(k2),
    })
}

/// Makes the key file of a new deployment (`ctip-api keys init`), readable by its owner only;
/// never over an existing file (a database written with one K1 cannot be served with another K2).
pub fn init_file(path: &Path) -> Result<(), KeyLoadError> {
    let exists = || KeyLoadError::Exists(path.display().to_string());
    if path.exists() {
        return Err(exists());
    }
    match create_file(path) {
        Err(KeyLoadError::Io { source, .. })
            if source.kind() == std::io::ErrorKind::AlreadyExists =>
        {
            Err(exists())
        }
        other => other.map(|_| ()),
    }
}

/// Loads the keys: environment values override the file. With `create`, a missing file is made.
pub fn load(args: &KeyArgs, create: bool) -> Result<KeySet, KeyLoadError> {
    let mut keys = if args.keys_file.exists() {
        read_file(&args.keys_file)?
    } else if create && args.k1.is_none() && args.k2.is_none() {
        create_file(&args.keys_file)?
    } else {
        KeySet::default()
    };
    if let Some(k1) = &args.k1 {
        keys.k1 = Some(parse("K1", k1.expose())?);
    }
    if let Some(k2) = &args.k2 {
        keys.k2 = Some(parse("K2", k2.expose())?);
    }
    Ok(keys)
}

/// Loads the keys for a process on `db`. The embedded default makes new keys only while the
/// database holds no counts: a lost key file is reported, never silently replaced.
pub async fn load_for(
    db: &impl ConnectionTrait,
    args: &KeyArgs,
    embedded_default: bool,
) -> Result<KeySet, KeyLoadError> {
    let configured = args.keys_file.exists() || args.k1.is_some() || args.k2.is_some();
    if embedded_default && !configured && fingerprints::holds_counts(db).await? {
        return Err(KeyLoadError::LostFile(args.keys_file.display().to_string()));
    }
    load(args, embedded_default)
}

/// Checks each key held against the fingerprint the database holds for it (recording it where
/// none is held yet). Refuses keys that do not match a database holding counts.
pub async fn verify(db: &impl ConnectionTrait, keys: &KeySet) -> Result<(), KeyLoadError> {
    for (name, key) in [("K1", &keys.k1), ("K2", &keys.k2)] {
        let Some(key) = key else { continue };
        match fingerprints::check(db, name, key).await? {
            Check::Matches => {}
            Check::Recorded => {
                tracing::info!(key = name, "recorded the fingerprint of the disclosure key");
            }
            Check::Mismatch => return Err(KeyLoadError::Mismatch(name)),
        }
    }
    Ok(())
}
