//! The subcommands.
use crate::config::{Cli, Command, ExportSchemaArgs, ServeConfig};
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
        Command::SeedDemo(args) => {
            let db = db::connect(args.database.url(), &Metrics::new()).await?;
            db::migrate(&db).await?;
            let keys = keys::load(&args.keys, args.database.is_embedded_default())?;
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
