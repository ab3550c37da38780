//! The one typed configuration: command-line options, each also read from an environment variable.
//! Nothing else in the crate reads the environment.
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// The embedded default database: a SQLite file in the working directory, created on first start.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://ctip.db?mode=rwc";

#[derive(Debug, Parser)]
#[command(
    name = "ctip-api",
    version,
    about = "Public GraphQL API of anonymized counter-trafficking statistics for Vietnam"
)]
pub struct Cli {
    #[command(flatten)]
    pub log: LogConfig,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API (the default when no command is given).
    Serve(ServeConfig),
    /// Apply the database migrations (schema and reference data), then exit.
    Migrate(DatabaseArgs),
    /// Write the GraphQL schema (SDL) to a file, or check that the file matches the code.
    ExportSchema(ExportSchemaArgs),
    /// Fill an empty database with the synthetic demo data set (labelled synthetic), then exit.
    SeedDemo(SeedDemoArgs),
    /// Manage API keys (roles EDITOR and ADMIN; READER is the anonymous default).
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Import data from files.
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Create a key; the key itself is printed alone on the last line, once: it is stored hashed.
    Create {
        /// EDITOR (writes) or ADMIN (also publishes releases and reads the audit log).
        #[arg(long)]
        role: String,
        /// Who or what the key is for.
        #[arg(long)]
        name: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// List keys (never the keys themselves).
    List {
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Revoke a key by its id.
    Revoke {
        /// The key's id, from `keys list`.
        id: i32,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import counts from a CSV file into the draft release (see docs/import-format.md). Nothing is
    /// written when any line fails; every faulty line is reported.
    Counts {
        /// The CSV file.
        file: PathBuf,
        /// Code of the source the counts come from.
        #[arg(long)]
        source: String,
        /// Only report what would change.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        database: DatabaseArgs,
        #[command(flatten)]
        keys: KeyArgs,
        /// Who runs the import, as the audit log records it.
        #[arg(long, env = "USER", default_value = "unknown")]
        operator: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct LogConfig {
    /// Log format.
    #[arg(
        long,
        env = "CTIP_LOG_FORMAT",
        value_enum,
        default_value = "text",
        global = true
    )]
    pub log_format: LogFormat,
    /// Log filter (tracing EnvFilter syntax).
    #[arg(long, env = "RUST_LOG", default_value = "info", global = true)]
    pub log_filter: String,
}

#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// Database URL (sqlite://… or postgres://…). Default: the SQLite file ctip.db in the working directory.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,
}

impl DatabaseArgs {
    /// True when no database was named: the embedded default, which fills itself with demo data.
    pub fn is_embedded_default(&self) -> bool {
        self.database_url.is_none()
    }

    pub fn url(&self) -> &str {
        self.database_url.as_deref().unwrap_or(DEFAULT_DATABASE_URL)
    }
}

#[derive(Debug, Clone, Args)]
pub struct KeyArgs {
    /// File holding the disclosure secrets K1 and K2 (hex). The embedded default creates it,
    /// readable by its owner only, next to the database.
    #[arg(long, env = "CTIP_KEYS_FILE", default_value = "ctip-keys.env")]
    pub keys_file: PathBuf,
    /// K1 (64 hex digits), the ingest key; overrides the file. Needed where counts are written.
    #[arg(long, env = "CTIP_K1", hide_env_values = true)]
    pub k1: Option<String>,
    /// K2 (64 hex digits), the serving key; overrides the file. Needed where counts are served.
    #[arg(long, env = "CTIP_K2", hide_env_values = true)]
    pub k2: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct ServeConfig {
    /// Address to listen on.
    #[arg(long, env = "CTIP_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(flatten)]
    pub keys: KeyArgs,
    /// Values below this are shown as "<threshold" (5 by default; 10 is the strict setting).
    #[arg(long, env = "CTIP_DISCLOSURE_THRESHOLD", default_value_t = 5, value_parser = clap::value_parser!(i64).range(1..=100))]
    pub disclosure_threshold: i64,
    /// Largest page a list returns (`first` above it is refused).
    #[arg(long, env = "CTIP_MAX_PAGE_SIZE", default_value_t = 100)]
    pub max_page_size: u32,
    /// Seconds to wait for open requests on shutdown.
    #[arg(long, env = "CTIP_SHUTDOWN_GRACE_SECONDS", default_value_t = 20)]
    pub shutdown_grace_seconds: u64,
}

impl ServeConfig {
    /// A configuration for tests and tools: port 0 on loopback, the given database.
    pub fn for_database(url: &str) -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            database: DatabaseArgs {
                database_url: Some(url.to_owned()),
            },
            keys: KeyArgs {
                keys_file: PathBuf::from("ctip-keys.env"),
                k1: None,
                k2: None,
            },
            disclosure_threshold: 5,
            max_page_size: 100,
            shutdown_grace_seconds: 5,
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct ExportSchemaArgs {
    /// Where to write the SDL.
    #[arg(long, default_value = "schema.graphql")]
    pub output: PathBuf,
    /// Do not write: fail if the file differs from the schema the code builds.
    #[arg(long)]
    pub check: bool,
}

#[derive(Debug, Clone, Args)]
pub struct SeedDemoArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(flatten)]
    pub keys: KeyArgs,
    /// Seed of the generator (the same seed gives the same data).
    #[arg(long, env = "CTIP_DEMO_SEED", default_value_t = 2024)]
    pub seed: u64,
    /// First year generated.
    #[arg(long, default_value_t = 2019)]
    pub from_year: i32,
    /// Last year generated (months up to June 2025 use the 63 provinces, later ones the 34).
    #[arg(long, default_value_t = 2025)]
    pub to_year: i32,
    /// Multiplies every expected count: 1 is the plausible national scale; benchmarks use ~150
    /// over 20 years for a data set of more than 5 million finest cells.
    #[arg(long, default_value_t = 1.0)]
    pub scale: f64,
}
