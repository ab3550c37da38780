//! The subcommands: serving, and the whole workflow of an operator (migrate, keys, sources,
//! import, publish), each write through the same services as the GraphQL mutations and audited
//! under the operator's name (`cli:<operator>`).
use std::io::Write;

use crate::config::{
    Cli, Command, DatabaseArgs, ExportSchemaArgs, FiguresCommand, ImportCommand, ServeConfig,
};
use crate::metrics::Metrics;
use crate::startup::Application;
use crate::{db, demo, graphql, keys};

mod operator;
use operator::{keys_command, release_command, sources_command};

pub async fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    let command = cli.command.unwrap_or_else(|| {
        // `ctip-api` alone serves, with every option from the environment or its default.
        let parsed = <ServeOnly as clap::Parser>::parse_from(["ctip-api"]);
        Command::Serve(parsed.serve)
    });
    match command {
        Command::Serve(cfg) => Application::build(cfg).await?.run_until_stopped().await?,
        Command::Migrate(args) => {
            database(&args).await?;
            tracing::info!("migrations applied");
        }
        Command::ExportSchema(args) => export_schema(&args)?,
        Command::Keys { command } => keys_command(command).await?,
        Command::Import {
            command:
                ImportCommand::Counts {
                    file,
                    source,
                    dry_run,
                    database,
                    keys: key_args,
                    max_cell_count,
                    operator,
                },
        } => {
            let db = self::database(&database).await?;
            let keys = keys::load_for(&db, &key_args, database.is_embedded_default()).await?;
            keys::verify(&db, &keys).await?;
            let k1 = keys.k1.ok_or(keys::KeyLoadError::Missing("K1"))?;
            let src = crate::write::source(&db, &source)
                .await
                .map_err(|e| e.public_message())?;
            let opened = std::fs::File::open(&file)
                .and_then(|f| f.metadata().map(|m| (f, m.len())))
                .map_err(|e| format!("cannot open {}: {e}", file.display()))?;
            let started = std::time::Instant::now();
            let reader = crate::progress::ProgressReader::new(opened.0, opened.1);
            let shown = reader.shown();
            let outcome = crate::import::import_counts(
                &db,
                &k1,
                src.id,
                reader,
                &actor(&operator.operator),
                dry_run,
                max_cell_count,
            )
            .await;
            shown.clear();
            let outcome = outcome.map_err(|e| e.public_message())?;
            report_import(&outcome, started.elapsed())?;
        }
        Command::Sources { command } => sources_command(command).await?,
        Command::Release { command } => release_command(command).await?,
        Command::Figures {
            command:
                FiguresCommand::Import {
                    file,
                    dry_run,
                    database: db_args,
                    operator,
                },
        } => {
            let db = database(&db_args).await?;
            let reader = std::fs::File::open(&file)
                .map_err(|e| format!("cannot open {}: {e}", file.display()))?;
            let o = crate::figures::import(&db, reader, &actor(&operator.operator), dry_run)
                .await
                .map_err(|e| e.public_message())?;
            let mut out = std::io::stdout().lock();
            if !o.accepted {
                for p in &o.problems {
                    writeln!(out, "{p}")?;
                }
                return Err("the file has faults: nothing was written".into());
            }
            let verb = if dry_run { "would be" } else { "were" };
            writeln!(
                out,
                "{} figures {verb} added, {} corrected",
                o.added, o.corrected
            )?;
        }
        Command::SeedDemo(args) => {
            let db = database(&args.database).await?;
            let keys = keys::load_for(&db, &args.keys, args.database.is_embedded_default()).await?;
            keys::verify(&db, &keys).await?;
            let k1 = keys.k1.ok_or(keys::KeyLoadError::Missing("K1"))?;
            let params = demo::DemoParams {
                seed: args.seed,
                from_year: args.from_year,
                to_year: args.to_year,
                scale: args.scale,
            };
            let n = demo::seed(&db, &k1, &params).await?;
            if n == 0 {
                tracing::info!("the database already holds case counts: nothing generated");
            } else {
                tracing::info!(cells = n, "SYNTHETIC demo data written");
            }
        }
    }
    Ok(())
}

#[derive(clap::Parser)]
struct ServeOnly {
    #[command(flatten)]
    serve: ServeConfig,
}

fn export_schema(args: &ExportSchemaArgs) -> Result<(), Box<dyn std::error::Error>> {
    let sdl = graphql::sdl();
    if args.check {
        let current = std::fs::read_to_string(&args.output).unwrap_or_default();
        if current != sdl {
            return Err(format!(
                "{} is out of date: run `cargo run -- export-schema`",
                args.output.display()
            )
            .into());
        }
        tracing::info!("schema is up to date");
    } else {
        std::fs::write(&args.output, sdl)?;
        tracing::info!(path = %args.output.display(), "schema written");
    }
    Ok(())
}

/// The audit log's name for an operator of the command line.
pub(crate) fn actor(operator: &str) -> crate::store::writes::Actor {
    crate::store::writes::Actor {
        key_id: None,
        name: format!("cli:{operator}"),
    }
}

/// Connects and brings the schema up to date, as every command that touches the database does.
pub(crate) async fn database(
    args: &DatabaseArgs,
) -> Result<sea_orm::DatabaseConnection, sea_orm::DbErr> {
    let db = db::connect(args.url(), &Metrics::new()).await?;
    db::migrate(&db).await?;
    Ok(db)
}

fn report_import(
    o: &crate::import::ImportOutcome,
    took: std::time::Duration,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut out = std::io::stdout().lock();
    if !o.accepted {
        for p in &o.problems {
            writeln!(out, "{p}")?;
        }
        if o.problems.len() >= crate::import::MAX_PROBLEMS {
            writeln!(
                out,
                "(only the first {} problems are listed)",
                o.problems.len()
            )?;
        }
        return Err(format!(
            "{} of {} lines are faulty: nothing was written",
            o.faulty_lines, o.rows
        )
        .into());
    }
    let c = o.changes.unwrap_or_default();
    let verb = if o.dry_run {
        "would change (dry run, nothing written)"
    } else {
        "written to the draft release"
    };
    let secs = took.as_secs_f64();
    let rate = if secs > 0.0 {
        o.rows as f64 / secs
    } else {
        0.0
    };
    writeln!(
        out,
        "{} lines {verb}: {} inserted, {} updated, {} removed, {} unchanged ({secs:.1} s, \
         {rate:.0} lines/s)",
        o.rows, c.inserted, c.updated, c.removed, c.unchanged
    )?;
    Ok(())
}
