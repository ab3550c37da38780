//! Logs and trace export (global options: every command takes them).
use clap::{Args, ValueEnum};

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
    /// Base URL of an OpenTelemetry collector's OTLP/HTTP receiver, e.g. http://127.0.0.1:4318:
    /// each request's span is exported to its /v1/traces (protobuf), in batches. Unset or empty:
    /// no trace is exported. The SDK's own variables tune the export (OTEL_EXPORTER_OTLP_HEADERS,
    /// OTEL_EXPORTER_OTLP_TIMEOUT, OTEL_BSP_SCHEDULE_DELAY, OTEL_RESOURCE_ATTRIBUTES, …).
    #[arg(
        long,
        env = "OTEL_EXPORTER_OTLP_ENDPOINT",
        global = true,
        value_parser = otlp_endpoint
    )]
    pub otel_endpoint: Option<String>,
    /// Service name of the exported traces (the resource attribute service.name).
    #[arg(
        long,
        env = "OTEL_SERVICE_NAME",
        default_value = "ctip-api",
        global = true
    )]
    pub otel_service_name: String,
}

impl LogConfig {
    /// The OTLP endpoint, when trace export is on.
    pub fn otel_endpoint(&self) -> Option<&str> {
        self.otel_endpoint.as_deref().filter(|e| !e.is_empty())
    }
}

/// An OTLP/HTTP endpoint: an http or https URL, checked here so a typo fails at startup. Empty
/// is accepted and means off, as the OpenTelemetry specification reads an empty variable.
fn otlp_endpoint(s: &str) -> Result<String, String> {
    if s.trim().is_empty() {
        return Ok(String::new());
    }
    let uri: axum::http::Uri = s
        .parse()
        .map_err(|e| format!("not a URL ({e}); expected e.g. http://127.0.0.1:4318"))?;
    match (uri.scheme_str(), uri.host()) {
        (Some("http" | "https"), Some(_)) => Ok(s.to_owned()),
        _ => Err(
            "expected an http:// or https:// URL with a host, e.g. http://127.0.0.1:4318"
                .to_owned(),
        ),
    }
}
