//! Structured logs with tracing: human-readable text by default, JSON lines as an option; and,
//! when an OTLP endpoint is configured, the same spans exported as OpenTelemetry traces.
//!
//! The export is OTLP over HTTP (protobuf) from a batch processor on the tokio runtime: a span
//! ending only queues it, so a slow or unreachable collector never slows a request. Failed exports
//! are retried for a while, then logged by the SDK and dropped; a full queue drops spans too.
use std::time::Duration;

use axum::http::HeaderMap;
use opentelemetry::KeyValue;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{Protocol, WithExportConfig, WithHttpConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use opentelemetry_sdk::trace::span_processor_with_async_runtime::BatchSpanProcessor;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::{EnvFilter, fmt, prelude::*};

use crate::config::{LogConfig, LogFormat};

/// How long the exit waits for the last spans to reach the collector: a collector that is down
/// must not hold the process past its orchestrator's grace period.
const SHUTDOWN_FLUSH_TIMEOUT: Duration = Duration::from_secs(5);

/// What `init` set up that needs an orderly end: the tracer provider, whose queue of finished
/// spans is exported once more when it shuts down. Call [`Telemetry::shutdown`] before exiting.
#[must_use = "shut it down before exiting, or the last spans are lost"]
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

/// Installs the global subscriber: the log filter, the log format, and the OpenTelemetry layer
/// when an endpoint is configured. Must run inside the tokio runtime (the batch processor spawns
/// its task there).
pub fn init(cfg: &LogConfig) -> Telemetry {
    let filter = EnvFilter::try_new(&cfg.log_filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let (provider, setup_error) = match cfg.otel_endpoint() {
        None => (None, None),
        Some(endpoint) => match tracer_provider(endpoint, &cfg.otel_service_name) {
            Ok(p) => (Some(p), None),
            Err(e) => (None, Some(e)),
        },
    };
    let otel = provider.as_ref().map(|p| {
        // Incoming `traceparent` headers continue the caller's trace (see `continue_trace`).
        opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
        tracing_opentelemetry::layer()
            .with_tracer(p.tracer("ctip-api"))
            // Source locations and thread names are noise on a request span.
            .with_location(false)
            .with_threads(false)
            // The crate's own spans (and the events within them, as span events) whatever the
            // log filter says: quieter logs must not turn traces off, and the libraries' debug
            // spans are not wanted in them.
            .with_filter(Targets::new().with_target("ctip_api", LevelFilter::INFO))
    });
    let registry = tracing_subscriber::registry().with(otel);
    // A second init (tests start many apps in one process) is harmless: the first subscriber stays.
    let _ = match cfg.log_format {
        LogFormat::Json => registry
            .with(
                fmt::layer()
                    .json()
                    .with_current_span(true)
                    .with_filter(filter),
            )
            .try_init(),
        LogFormat::Text => registry.with(fmt::layer().with_filter(filter)).try_init(),
    };
    match (&provider, setup_error) {
        (Some(_), _) => tracing::info!(
            endpoint = %shown_endpoint(cfg.otel_endpoint().unwrap_or_default()),
            service_name = %cfg.otel_service_name,
            "exporting traces with OTLP over HTTP"
        ),
        // The configuration is checked when it is parsed: this is the SDK failing, and the API
        // serves on without traces rather than not at all.
        (None, Some(e)) => {
            tracing::error!(error = %e, "cannot set up the OpenTelemetry exporter; traces are off");
        }
        (None, None) => {}
    }
    Telemetry { provider }
}

/// The tracer provider: spans batched on the tokio runtime and posted to `{endpoint}/v1/traces`,
/// under a resource naming the service and its version.
fn tracer_provider(endpoint: &str, service_name: &str) -> Result<SdkTracerProvider, SetupError> {
    // The endpoint is the base URL, as OTEL_EXPORTER_OTLP_ENDPOINT is by the specification; an
    // endpoint given to the builder is taken as the full URL of the signal.
    let url = format!("{}/v1/traces", endpoint.trim_end_matches('/'));
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_endpoint(url)
        .with_protocol(Protocol::HttpBinary)
        .with_http_client(http_client()?)
        .build()?;
    // The SDK's default batch processor exports from a thread of its own, where an async client
    // finds no runtime; this one runs on tokio. Its queue, batch size and delay follow the
    // standard OTEL_BSP_* variables.
    let processor =
        BatchSpanProcessor::builder(exporter, opentelemetry_sdk::runtime::Tokio).build();
    let resource = Resource::builder()
        .with_service_name(service_name.to_owned())
        .with_attribute(KeyValue::new("service.version", env!("CARGO_PKG_VERSION")))
        .build();
    Ok(SdkTracerProvider::builder()
        .with_span_processor(processor)
        .with_resource(resource)
        .build())
}

/// The exporter's HTTP client: hyper, which the server already uses, with rustls and the Mozilla
/// roots for an https collector (a local one is usually plain http).
fn http_client() -> Result<impl opentelemetry_http::HttpClient + 'static, rustls::Error> {
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_provider_and_webpki_roots(rustls::crypto::ring::default_provider())?
        .https_or_http()
        .enable_http1()
        .build();
    // Each attempt is bounded by the OTLP default timeout; the exporter's retries stop at
    // OTEL_EXPORTER_OTLP_TIMEOUT overall.
    Ok(opentelemetry_http::hyper::HyperClient::new(
        connector,
        opentelemetry_otlp::OTEL_EXPORTER_OTLP_TIMEOUT_DEFAULT,
        None,
    ))
}

/// The endpoint as the log shows it: scheme, host and port, never a user or password put in
/// the URL, nor a token in its query.
fn shown_endpoint(endpoint: &str) -> String {
    let Ok(uri) = endpoint.parse::<axum::http::Uri>() else {
        return "(unparsable)".to_owned();
    };
    let port = uri.port_u16().map(|p| format!(":{p}")).unwrap_or_default();
    format!(
        "{}://{}{port}{}",
        uri.scheme_str().unwrap_or("?"),
        uri.host().unwrap_or("?"),
        uri.path()
    )
}

/// Why the exporter could not be set up.
#[derive(Debug, thiserror::Error)]
enum SetupError {
    #[error("TLS configuration: {0}")]
    Tls(#[from] rustls::Error),
    #[error(transparent)]
    Exporter(#[from] opentelemetry_otlp::ExporterBuildError),
}

/// Makes `span` continue the trace of a caller that sent a W3C `traceparent` header. Without the
/// header, or with trace export off (no propagator installed), the span starts its own trace.
/// Call it before the span is first entered.
pub fn continue_trace(span: &tracing::Span, headers: &HeaderMap) {
    if !headers.contains_key("traceparent") {
        return;
    }
    let parent = opentelemetry::global::get_text_map_propagator(|p| {
        p.extract(&opentelemetry_http::HeaderExtractor(headers))
    });
    // Fails only when there is no OpenTelemetry layer: nothing to continue then.
    let _ = span.set_parent(parent);
}

impl Telemetry {
    /// Exports the spans still queued and stops the exporter, waiting at most
    /// `SHUTDOWN_FLUSH_TIMEOUT`. Call it once serving is over.
    pub async fn shutdown(self) {
        let Some(provider) = self.provider else {
            return;
        };
        // The provider's shutdown blocks until the batch task on this runtime has exported, so
        // it runs on a thread of its own while the runtime goes on. A plain thread rather than
        // `spawn_blocking`: the runtime would wait for a blocking task that hangs, this thread
        // is simply left behind at exit.
        let (done, finished) = tokio::sync::oneshot::channel();
        let spawned = std::thread::Builder::new()
            .name("otel-shutdown".to_owned())
            .spawn(move || {
                let _ = done.send(provider.shutdown());
            });
        if let Err(e) = spawned {
            tracing::warn!(error = %e, "cannot flush the last traces");
            return;
        }
        match tokio::time::timeout(SHUTDOWN_FLUSH_TIMEOUT, finished).await {
            Ok(Ok(Ok(()))) => {}
            Ok(Ok(Err(e))) => tracing::warn!(error = %e, "the last traces were not all exported"),
            Ok(Err(_)) => tracing::warn!("the trace exporter stopped without an answer"),
            Err(_) => tracing::warn!(
                timeout_seconds = SHUTDOWN_FLUSH_TIMEOUT.as_secs(),
                "the collector did not take the last traces in time; exiting without them"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_logged_endpoint_carries_no_credentials() {
        assert_eq!(
            super::shown_endpoint("https://user:secret@otel.example.org:4318/base?token=x"),
            "https://otel.example.org:4318/base"
        );
        assert_eq!(
            super::shown_endpoint("http://127.0.0.1:4318"),
            "http://127.0.0.1:4318/"
        );
    }
}
