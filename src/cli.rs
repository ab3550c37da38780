//! The subcommands.
use crate::config::{Cli, Command, ExportSchemaArgs, ImportCommand, KeysCommand, ServeConfig};
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
            let reader = std::fs::File::open(&file)
                .map_err(|e| format!("cannot open {}: {e}", file.display()))?;
            let actor = crate::store::writes::Actor {
                key_id: None,
                name: format!("cli:{operator}"),
            };
            let outcome = crate::import::import_counts(
                &db,
                &k1,
                src.id,
                std::io::BufReader::new(reader),
                &actor,
                dry_run,
                max_cell_count,
            )
            .await
            .map_err(|e| e.public_message())?;
            report_import(&outcome)?;
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

async fn keys_command(command: KeysCommand) -> Result<(), Box<dyn std::error::Error>> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match command {
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

fn report_import(o: &crate::import::ImportOutcome) -> Result<(), Box<dyn std::error::Error>> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if !o.accepted {
        for p in &o.problems {
            writeln!(out, "{p}")?;
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
    writeln!(
        out,
        "{} lines {verb}: {} inserted, {} updated, {} removed, {} unchanged",
        o.rows, c.inserted, c.updated, c.removed, c.unchanged
    )?;
    Ok(())
}
