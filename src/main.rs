//! The `ctip-api` command: parse the configuration, start telemetry, run the chosen command.
use clap::Parser;
use ctip_api::config::Cli;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    ctip_api::telemetry::init(&cli.log);
    match ctip_api::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "ctip-api failed");
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
