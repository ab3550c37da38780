//! The disclosure secrets K1 (ingest) and K2 (serving): from the environment, from a key file, or,
//! for the embedded default only, generated on first start into a file only its owner can read.
//! They are never logged: [`Secret`]'s `Debug` prints `[redacted]`.
use std::io::Write;
use std::path::Path;

use rand::RngCore;

use crate::config::KeyArgs;
use crate::disclosure::Secret;

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
        keys.k1 = Some(parse("K1", k1)?);
    }
    if let Some(k2) = &args.k2 {
        keys.k2 = Some(parse("K2", k2)?);
    }
    Ok(keys)
}
