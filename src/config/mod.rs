//! The one typed configuration: command-line options, each also read from an environment variable.
//! Nothing else in the crate reads the environment (the OpenTelemetry SDK reads its own OTEL_*
//! tuning variables when trace export is on).
//!
//! Each default is written once, where its option is declared: the `Default` of a group of
//! options, and [`ServeConfig::for_database`], parse an empty command line ([`defaults`]).
mod commands;
mod database;
mod http;
mod limits;
mod log;
mod serve;

pub use commands::*;
pub use database::*;
pub use http::*;
pub use limits::*;
pub use log::*;
pub use serve::*;

use clap::{Parser, Subcommand};

/// The embedded default database: a SQLite file in the working directory, created on first start.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://ctip.db?mode=rwc";

/// The disclosure key file, unless configured otherwise.
pub const DEFAULT_KEYS_FILE: &str = "ctip-keys.env";

/// Who runs a command, for the audit log, when `USER` is not set either.
pub const UNKNOWN_OPERATOR: &str = "unknown";

/// The largest count one cell may hold unless configured otherwise.
pub const DEFAULT_MAX_CELL_COUNT: i64 = 1_000_000;

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
#[allow(
    clippy::large_enum_variant,
    reason = "parsed once at startup; boxing would buy nothing (and variant sizes vary with options)"
)]
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
    /// Manage the sources counts cite (audited).
    Sources {
        #[command(subcommand)]
        command: SourcesCommand,
    },
    /// Add or correct published figures (the numbers official sources published) from a file.
    Figures {
        #[command(subcommand)]
        command: FiguresCommand,
    },
    /// Publish the draft release, or list the releases.
    Release {
        #[command(subcommand)]
        command: ReleaseCommand,
    },
}

/// A group of options as an empty command line gives it: the defaults declared with each option,
/// whatever the environment holds.
pub(crate) fn defaults<T: clap::Args + clap::FromArgMatches>() -> T {
    let command =
        T::augment_args(clap::Command::new("defaults")).mut_args(|a| a.env(None::<&'static str>));
    let matches = command
        .try_get_matches_from(["defaults"])
        .unwrap_or_else(|e| panic!("the options' defaults do not parse: {e}"));
    T::from_arg_matches(&matches)
        .unwrap_or_else(|e| panic!("the options' defaults do not parse: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limits_default_is_what_the_command_line_defaults_to() {
        let cli = Cli::try_parse_from(["ctip-api", "serve"]).expect("parse");
        let Some(Command::Serve(cfg)) = cli.command else {
            panic!("not serve");
        };
        assert_eq!(
            format!("{:?}", cfg.limits),
            format!("{:?}", LimitsConfig::default())
        );
    }

    #[test]
    fn the_test_configuration_is_the_command_lines_defaults_but_where_it_says_otherwise() {
        let cli = Cli::try_parse_from(["ctip-api", "serve"]).expect("parse");
        let Some(Command::Serve(mut parsed)) = cli.command else {
            panic!("not serve");
        };
        parsed.listen = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
        parsed.database.database_url = Some("sqlite::memory:".to_owned());
        parsed.keys.k1 = None;
        parsed.keys.k2 = None;
        parsed.shutdown_grace_seconds = 5;
        assert_eq!(
            format!("{parsed:?}"),
            format!("{:?}", ServeConfig::for_database("sqlite::memory:"))
        );
    }

    #[test]
    fn read_replicas_are_named_one_by_one_or_with_commas() {
        let cli = Cli::try_parse_from([
            "ctip-api",
            "serve",
            "--read-database-url",
            "postgres://a/ctip",
            "--read-database-url",
            "postgres://b/ctip,postgres://c/ctip",
            "--replica-fallback",
            "not-ready",
        ])
        .expect("parse");
        let Some(Command::Serve(cfg)) = cli.command else {
            panic!("not serve");
        };
        assert_eq!(
            cfg.replicas.read_database_urls,
            [
                "postgres://a/ctip",
                "postgres://b/ctip",
                "postgres://c/ctip"
            ]
        );
        assert_eq!(cfg.replicas.replica_fallback, ReplicaFallback::NotReady);
        let defaults = ServeConfig::for_database("sqlite::memory:").replicas;
        assert!(defaults.read_database_urls.is_empty());
        assert_eq!(defaults.replica_fallback, ReplicaFallback::Primary);
    }

    #[test]
    fn the_disclosure_keys_are_never_taken_from_the_command_line_nor_printed() {
        let hex = "ab".repeat(32);
        for flag in ["--k1", "--k2"] {
            assert!(
                Cli::try_parse_from(["ctip-api", "serve", flag, hex.as_str()]).is_err(),
                "{flag} accepted on the command line"
            );
        }
        let mut cfg = ServeConfig::for_database("sqlite::memory:");
        cfg.keys.k1 = Some(KeyText::from(hex.clone()));
        cfg.keys.k2 = Some(KeyText::from("cd".repeat(32)));
        let printed = format!("{cfg:?}");
        assert!(
            !printed.contains(&hex) && !printed.contains(&"cd".repeat(32)),
            "{printed}"
        );
        assert!(printed.contains("[redacted]"));
    }

    #[test]
    fn trace_export_is_off_unless_an_http_endpoint_is_given() {
        let cli = Cli::try_parse_from(["ctip-api", "serve"]).expect("parse");
        assert_eq!(cli.log.otel_endpoint(), None);
        assert_eq!(cli.log.otel_service_name, "ctip-api");
        let cli = Cli::try_parse_from(["ctip-api", "serve", "--otel-endpoint", ""]).expect("parse");
        assert_eq!(cli.log.otel_endpoint(), None, "empty is off");
        let cli = Cli::try_parse_from([
            "ctip-api",
            "serve",
            "--otel-endpoint",
            "https://otel.example:4318/",
        ])
        .expect("parse");
        assert_eq!(cli.log.otel_endpoint(), Some("https://otel.example:4318/"));
        for bad in [
            "127.0.0.1:4318",
            "grpc://collector:4317",
            "http://",
            "not a url",
        ] {
            assert!(
                Cli::try_parse_from(["ctip-api", "serve", "--otel-endpoint", bad]).is_err(),
                "{bad} accepted"
            );
        }
    }
}
