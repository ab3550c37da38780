//! The commands other than `serve`, and their options.
use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::{DEFAULT_KEYS_FILE, DEFAULT_MAX_CELL_COUNT, DatabaseArgs, KeyArgs, UNKNOWN_OPERATOR};

/// Who runs a command that writes, as the audit log records it (`cli:<operator>`).
#[derive(Debug, Clone, Args)]
pub struct OperatorArgs {
    /// Who runs the command, as the audit log records it.
    #[arg(long, env = "USER", default_value = UNKNOWN_OPERATOR)]
    pub operator: String,
}

#[derive(Debug, Subcommand)]
pub enum SourcesCommand {
    /// Record a new source for counts to cite.
    Create {
        /// Stable code (letters, digits, dots and dashes), e.g. mps-report-2025.
        code: String,
        /// STATISTICS, GOVERNMENT_REPORT, DATASET, NEWS_ARTICLE, DIRECTIVE, LEGAL_DOCUMENT, …
        #[arg(long)]
        kind: String,
        /// Who published it.
        #[arg(long)]
        publisher: String,
        /// Its title.
        #[arg(long)]
        title: String,
        /// Where to find it.
        #[arg(long)]
        url: Option<String>,
        /// YYYY, YYYY-MM or YYYY-MM-DD.
        #[arg(long)]
        published_on: Option<String>,
        /// Licence or terms of use.
        #[arg(long)]
        licence: Option<String>,
        /// Notes.
        #[arg(long)]
        notes: Option<String>,
        /// The data citing it is made up (an example or a test): the API says so.
        #[arg(long)]
        synthetic: bool,
        #[command(flatten)]
        database: DatabaseArgs,
        #[command(flatten)]
        operator: OperatorArgs,
    },
    /// List the sources (retired ones too with --all).
    List {
        /// Include retired sources.
        #[arg(long)]
        all: bool,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Retire a source: it leaves the lists; what cites it keeps citing it.
    Retire {
        /// The source's code.
        code: String,
        #[command(flatten)]
        database: DatabaseArgs,
        #[command(flatten)]
        operator: OperatorArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum FiguresCommand {
    /// Add (and, on lines with an `id`, correct) published figures from a CSV file with the
    /// columns year,scope,metric,value,unit,period_start,period_end,notes,reliability,source.
    /// All or nothing; every faulty line is reported.
    Import {
        /// The CSV file (UTF-8).
        file: PathBuf,
        /// Only check, and report what would change.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        database: DatabaseArgs,
        #[command(flatten)]
        operator: OperatorArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum ReleaseCommand {
    /// Freeze the draft into a new release that public queries read from then on.
    Publish {
        /// What the release holds and what changed.
        #[arg(long)]
        notes: String,
        #[command(flatten)]
        database: DatabaseArgs,
        #[command(flatten)]
        operator: OperatorArgs,
    },
    /// List the published releases, newest first, and the draft if there is one.
    List {
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Make the disclosure key file (K1 and K2) of a new deployment, readable by its owner only;
    /// an existing file is never overwritten.
    Init {
        /// The file to create.
        #[arg(long, env = "CTIP_KEYS_FILE", default_value = DEFAULT_KEYS_FILE)]
        keys_file: PathBuf,
    },
    /// Create a key; the key itself is printed alone on the last line, once: it is stored hashed.
    Create {
        /// EDITOR (writes the sources named with --source) or ADMIN (writes any source, publishes
        /// releases and reads the audit log).
        #[arg(long)]
        role: String,
        /// Who or what the key is for.
        #[arg(long)]
        name: String,
        /// Code of a source the EDITOR key may write (repeat it for several). An EDITOR key
        /// reads and writes nothing of any other source.
        #[arg(long = "source", value_name = "CODE")]
        sources: Vec<String>,
        #[command(flatten)]
        operator: OperatorArgs,
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
        operator: OperatorArgs,
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
        /// Largest count one cell may hold (a count above it is refused with its line).
        #[arg(long, env = "CTIP_MAX_CELL_COUNT", default_value_t = DEFAULT_MAX_CELL_COUNT, value_parser = clap::value_parser!(i64).range(1..))]
        max_cell_count: i64,
        #[command(flatten)]
        operator: OperatorArgs,
    },
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
