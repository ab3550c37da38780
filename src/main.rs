//! The `ctip-api` command: parse the configuration, start telemetry, run the chosen command, then
//! flush the traces still queued before exiting.
use clap::Parser;
use ctip_api::config::Cli;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let telemetry = ctip_api::telemetry::init(&cli.log);
    let code = match ctip_api::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "ctip-api failed");
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    };
    // `serve` returns once SIGTERM or Ctrl-C has let the open requests finish: their spans are
    // queued, and go out now.
    telemetry.shutdown().await;
    code
}
