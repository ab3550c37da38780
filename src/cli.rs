//! The subcommands: serving, and the whole workflow of an operator (migrate, keys, sources,
//! import, publish), each write through the same services as the GraphQL mutations and audited
//! under the operator's name (`cli:<operator>`).
use std::io::Write;

use sea_orm::{EntityTrait, QueryOrder};

use crate::config::{
    Cli, Command, DatabaseArgs, ExportSchemaArgs, FiguresCommand, ImportCommand, KeysCommand,
    OperatorArgs, ReleaseCommand, ServeConfig, SourcesCommand,
};
use crate::metrics::Metrics;
use crate::startup::Application;
use crate::{db, demo, graphql, keys};

pub async fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    let command = cli.command.unwrap_or_else(|| {
        // `ctip-api` alone serves, with every option from the environment or its default.
        let parsed = <ServeOnly as clap::Parser>::parse_from(["ctip-api"]);
        Command::Serve(parsed.serve)
    });
    match command {
        Command::Serve(cfg) => Application::build(cfg).await?.run_until_stopped().await?,
        Command::Migrate(args) => {
            let db = db::connect(args.url(), &Metrics::new()).await?;
            db::migrate(&db).await?;
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
            let db = db::connect(database.url(), &Metrics::new()).await?;
            db::migrate(&db).await?;
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
                &actor(&operator),
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
            let o = crate::figures::import(&db, reader, &actor(&operator), dry_run)
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
            let db = db::connect(args.database.url(), &Metrics::new()).await?;
            db::migrate(&db).await?;
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
fn actor(operator: &OperatorArgs) -> crate::store::writes::Actor {
    crate::store::writes::Actor {
        key_id: None,
        name: format!("cli:{}", operator.operator),
    }
}

/// Connects and brings the schema up to date, as every command that touches the database does.
async fn database(args: &DatabaseArgs) -> Result<sea_orm::DatabaseConnection, sea_orm::DbErr> {
    let db = db::connect(args.url(), &Metrics::new()).await?;
    db::migrate(&db).await?;
    Ok(db)
}

async fn keys_command(command: KeysCommand) -> Result<(), Box<dyn std::error::Error>> {
    let mut out = std::io::stdout().lock();
    match command {
        KeysCommand::Init { keys_file } => {
            keys::init_file(&keys_file)?;
            writeln!(
                out,
                "wrote new disclosure keys K1 and K2 to {} (readable by you only). Keep a copy \
                 somewhere safe: counts written with this K1 can only be served with this K2. \
                 A writer needs CTIP_K1, a public replica only CTIP_K2.",
                keys_file.display()
            )?;
        }
        KeysCommand::Create {
            role,
            name,
            sources,
            operator,
            database,
        } => {
            use crate::auth::Role;
            let role = Role::parse(&role)
                .filter(|r| *r != Role::Reader)
                .ok_or("--role must be EDITOR or ADMIN (READER needs no key)")?;
            match (role, sources.is_empty()) {
                (Role::Editor, true) => {
                    return Err(
                        "an EDITOR key writes only the sources it is created for: name \
                                each with --source CODE (the `sources` query lists them)"
                            .into(),
                    );
                }
                (Role::Admin, false) => {
                    return Err("an ADMIN key writes every source: leave out --source".into());
                }
                _ => {}
            }
            let db = db::connect(database.url(), &Metrics::new()).await?;
            db::migrate(&db).await?;
            let mut bound = Vec::with_capacity(sources.len());
            for code in &sources {
                let found = crate::store::catalogue::source_by_code(&db, code)
                    .await?
                    .ok_or_else(|| format!("no source has the code \"{code}\""))?;
                bound.push(found);
            }
            let actor = crate::store::writes::Actor {
                key_id: None,
                name: format!("cli:{operator}"),
            };
            let (model, key) = crate::auth::create_key(&db, role, &name, &bound, &actor).await?;
            let scope = if sources.is_empty() {
                String::new()
            } else {
                format!(", writing {}", sources.join(", "))
            };
            writeln!(
                out,
                "created key {} ({}{scope}) for \"{}\"; it is shown once, keep it now:",
                model.id,
                role.as_str(),
                model.name
            )?;
            writeln!(out, "{key}")?;
        }
        KeysCommand::List { database } => {
            let db = db::connect(database.url(), &Metrics::new()).await?;
            db::migrate(&db).await?;
            writeln!(out, "id\trole\tsources\tprefix\tcreated\trevoked\tname")?;
            let bound = crate::auth::key_sources(&db).await?;
            for k in crate::auth::list_keys(&db).await? {
                let sources = bound
                    .get(&k.id)
                    .map(|codes| codes.join(","))
                    .unwrap_or_else(|| "-".to_owned());
                let revoked = k
                    .revoked_at
                    .map(|d| d.to_rfc3339())
                    .unwrap_or_else(|| "-".to_owned());
                writeln!(
                    out,
                    "{}\t{}\t{}\t{}…\t{}\t{}\t{}",
                    k.id,
                    k.role,
                    sources,
                    k.key_prefix,
                    k.created_at.to_rfc3339(),
                    revoked,
                    k.name
                )?;
            }
        }
        KeysCommand::Revoke {
            id,
            operator,
            database,
        } => {
            let db = db::connect(database.url(), &Metrics::new()).await?;
            db::migrate(&db).await?;
            let actor = crate::store::writes::Actor {
                key_id: None,
                name: format!("cli:{operator}"),
            };
            if !crate::auth::revoke_key(&db, id, &actor).await? {
                return Err(format!("no active key has the id {id}").into());
            }
            writeln!(out, "revoked key {id}")?;
        }
    }
    Ok(())
}

async fn sources_command(command: SourcesCommand) -> Result<(), Box<dyn std::error::Error>> {
    let mut out = std::io::stdout().lock();
    match command {
        SourcesCommand::Create {
            code,
            kind,
            publisher,
            title,
            url,
            published_on,
            licence,
            notes,
            synthetic,
            database: db_args,
            operator,
        } => {
            let db = database(&db_args).await?;
            let input = crate::sources::NewSource {
                code,
                kind,
                publisher,
                title,
                url,
                published_on,
                licence,
                notes,
                synthetic,
            };
            let made = crate::sources::create(&db, input, &actor(&operator), None)
                .await
                .map_err(|e| e.public_message())?;
            let label = if made.synthetic { " (synthetic)" } else { "" };
            writeln!(out, "created source {}{label}: {}", made.code, made.title)?;
        }
        SourcesCommand::List {
            all,
            database: db_args,
        } => {
            let db = database(&db_args).await?;
            let mut sources = entity::source::Entity::find()
                .order_by_asc(entity::source::Column::Id)
                .all(&db)
                .await?;
            sources.retain(|s| all || !s.retired);
            writeln!(out, "code\tkind\tpublisher\ttitle\tflags")?;
            for s in sources {
                let flags: Vec<&str> = [(s.synthetic, "synthetic"), (s.retired, "retired")]
                    .into_iter()
                    .filter_map(|(on, name)| on.then_some(name))
                    .collect();
                let flags = if flags.is_empty() {
                    "-".to_owned()
                } else {
                    flags.join(",")
                };
                writeln!(
                    out,
                    "{}\t{}\t{}\t{}\t{flags}",
                    s.code, s.kind, s.publisher, s.title
                )?;
            }
        }
        SourcesCommand::Retire {
            code,
            database: db_args,
            operator,
        } => {
            let db = database(&db_args).await?;
            crate::sources::retire(&db, &code, &actor(&operator), None)
                .await
                .map_err(|e| e.public_message())?;
            writeln!(out, "retired source {code}")?;
        }
    }
    Ok(())
}

async fn release_command(command: ReleaseCommand) -> Result<(), Box<dyn std::error::Error>> {
    let mut out = std::io::stdout().lock();
    match command {
        ReleaseCommand::Publish {
            notes,
            database: db_args,
            operator,
        } => {
            let db = database(&db_args).await?;
            let published = crate::write::publish(&db, &notes, &actor(&operator))
                .await
                .map_err(|e| e.public_message())?;
            writeln!(
                out,
                "published release {}: public queries read it now (replicas within their \
                 release check)",
                published.code
            )?;
        }
        ReleaseCommand::List { database: db_args } => {
            let db = database(&db_args).await?;
            let releases = entity::release::Entity::find()
                .order_by_desc(entity::release::Column::Id)
                .all(&db)
                .await?;
            writeln!(out, "code\tpublished\tnotes")?;
            for r in releases {
                let at = r
                    .published_at
                    .map(|d| d.to_rfc3339())
                    .unwrap_or_else(|| "draft (not public)".to_owned());
                writeln!(out, "{}\t{at}\t{}", r.code, r.notes)?;
            }
        }
    }
    Ok(())
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
