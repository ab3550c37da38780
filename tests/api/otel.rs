//! OpenTelemetry trace export, end to end. The tracing subscriber is global to a process, so each
//! test runs the real binary as a child, exporting to a fake OTLP/HTTP collector it starts, and
//! decodes what arrives.
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::IntoResponse;
use axum::routing::post;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use opentelemetry_proto::tonic::trace::v1::span::SpanKind;
use opentelemetry_proto::tonic::trace::v1::{Span, status::StatusCode};
use prost::Message;
use serde_json::json;

use crate::child::{ChildServer, Data};

const SERVICE_NAME: &str = "ctip-api-otel-test";
/// A caller's W3C trace context, which the request's span must continue.
const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_SPAN_ID: &str = "00f067aa0ba902b7";

#[tokio::test]
async fn otel_exports_each_request_as_a_span_of_the_callers_trace() {
    let collector = Collector::start().await;
    // Quiet logs (all but the line giving the address) must not quiet the traces.
    let mut server = start_server(&collector.endpoint(), "100", "warn,ctip_api::startup=info");
    let request_id = "otel-test-request-1";
    // A probe first: it is not traced.
    let probe = reqwest::Client::new()
        .get(server.url("/health"))
        .header("x-request-id", "otel-test-probe")
        .send()
        .await
        .unwrap();
    assert_eq!(probe.status(), 200);
    let resp = province_map(&server, request_id).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["x-request-id"], request_id);

    let (resource, span) = collector
        .wait_for_span(request_id, Duration::from_secs(15))
        .await
        .unwrap_or_else(|| {
            panic!(
                "no span exported for {request_id}; {} export(s) arrived. Server output:\n{}",
                collector.exports().len(),
                server.output()
            )
        });
    assert_eq!(string_attr(&resource, "service.name"), Some(SERVICE_NAME));
    assert_eq!(span.name, "request");
    assert_eq!(span.kind, SpanKind::Server as i32);
    assert_eq!(
        string_attr(&span.attributes, "operation"),
        Some("ProvinceMap")
    );
    assert_eq!(string_attr(&span.attributes, "method"), Some("POST"));
    assert_eq!(string_attr(&span.attributes, "path"), Some("/graphql"));
    assert_eq!(
        int_attr(&span.attributes, "http.response.status_code"),
        Some(200)
    );
    assert_ne!(
        span.status.as_ref().map(|s| s.code),
        Some(StatusCode::Error as i32)
    );
    assert_eq!(hex::encode(&span.trace_id), TRACE_ID, "the caller's trace");
    assert_eq!(hex::encode(&span.parent_span_id), PARENT_SPAN_ID);
    assert!(
        collector
            .content_types()
            .iter()
            .all(|c| c == "application/x-protobuf"),
        "{:?}",
        collector.content_types()
    );

    let status = server.terminate(Duration::from_secs(20)).await;
    assert!(
        status.success(),
        "exit on SIGTERM: {status}\n{}",
        server.output()
    );
    assert!(
        collector
            .wait_for_span("otel-test-probe", Duration::from_millis(500))
            .await
            .is_none(),
        "a health probe was exported"
    );
}

#[tokio::test]
async fn otel_flushes_the_last_spans_when_the_server_stops() {
    let collector = Collector::start().await;
    // A batch delay of ten minutes: only the shutdown can export within the test.
    let mut server = start_server(&collector.endpoint(), "600000", "info");
    let request_id = "otel-test-request-at-exit";
    assert_eq!(province_map(&server, request_id).await.status(), 200);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        collector.exports().is_empty(),
        "exported before the delay, so the test proves nothing about the flush"
    );

    let status = server.terminate(Duration::from_secs(20)).await;
    assert!(
        status.success(),
        "exit on SIGTERM: {status}\n{}",
        server.output()
    );
    let (_, span) = collector
        .wait_for_span(request_id, Duration::from_secs(1))
        .await
        .unwrap_or_else(|| panic!("the span was not flushed at exit:\n{}", server.output()));
    assert_eq!(
        string_attr(&span.attributes, "operation"),
        Some("ProvinceMap")
    );
}

#[tokio::test]
async fn otel_with_the_collector_down_serving_goes_on_and_the_exit_is_not_held() {
    // A port nothing listens on: every export is refused.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let mut server = start_server(&format!("http://{closed}"), "50", "info");
    for i in 0..3 {
        let resp = province_map(&server, &format!("otel-test-down-{i}")).await;
        assert_eq!(resp.status(), 200);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let started = Instant::now();
    // The flush is given up after 5 s; the rest is the process's own shutdown.
    let status = server.terminate(Duration::from_secs(15)).await;
    assert!(
        status.success(),
        "exit on SIGTERM: {status}\n{}",
        server.output()
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "the exit took {:?}",
        started.elapsed()
    );
    // The failures were logged, as warnings or errors (by the SDK, or by the final flush).
    let output = server.output();
    let logged = output.lines().any(|line| {
        let v: serde_json::Value = serde_json::from_str(line).unwrap_or_default();
        let level = v["level"].as_str().unwrap_or_default();
        let target = v["target"].as_str().unwrap_or_default();
        matches!(level, "WARN" | "ERROR")
            && (target.starts_with("opentelemetry") || target == "ctip_api::telemetry")
    });
    assert!(logged, "no export failure logged:\n{output}");
}

/// A fake OTLP/HTTP collector: keeps every body posted to /v1/traces.
#[derive(Clone)]
struct Collector {
    addr: SocketAddr,
    received: Arc<Mutex<Vec<(String, Bytes)>>>,
}

impl Collector {
    async fn start() -> Collector {
        let received = Arc::new(Mutex::new(Vec::new()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let collector = Collector {
            addr: listener.local_addr().unwrap(),
            received,
        };
        let app = Router::new()
            .route("/v1/traces", post(receive))
            .with_state(collector.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        collector
    }

    fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn content_types(&self) -> Vec<String> {
        let received = self.received.lock().unwrap();
        received.iter().map(|(c, _)| c.clone()).collect()
    }

    fn exports(&self) -> Vec<ExportTraceServiceRequest> {
        let received = self.received.lock().unwrap();
        received
            .iter()
            .map(|(_, body)| {
                ExportTraceServiceRequest::decode(body.clone()).expect("an OTLP protobuf body")
            })
            .collect()
    }

    /// The first exported span whose `request_id` is `id`, with its resource's attributes.
    async fn wait_for_span(&self, id: &str, within: Duration) -> Option<(Vec<KeyValue>, Span)> {
        let deadline = Instant::now() + within;
        loop {
            let found = self.exports().into_iter().find_map(|export| {
                export.resource_spans.into_iter().find_map(|rs| {
                    let resource = rs.resource.map(|r| r.attributes).unwrap_or_default();
                    rs.scope_spans
                        .into_iter()
                        .flat_map(|ss| ss.spans)
                        .find(|s| string_attr(&s.attributes, "request_id") == Some(id))
                        .map(|s| (resource, s))
                })
            });
            if found.is_some() || Instant::now() > deadline {
                return found;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

async fn receive(
    State(collector): State<Collector>,
    headers: HeaderMap,
    body: Bytes,
) -> impl IntoResponse {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    collector
        .received
        .lock()
        .unwrap()
        .push((content_type, body));
    // An empty ExportTraceServiceResponse: everything accepted.
    (
        [(header::CONTENT_TYPE, "application/x-protobuf")],
        Bytes::new(),
    )
}

fn attr<'a>(attributes: &'a [KeyValue], key: &str) -> Option<&'a any_value::Value> {
    attributes
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.as_ref())
        .and_then(|v: &AnyValue| v.value.as_ref())
}

fn string_attr<'a>(attributes: &'a [KeyValue], key: &str) -> Option<&'a str> {
    match attr(attributes, key)? {
        any_value::Value::StringValue(s) => Some(s),
        _ => None,
    }
}

fn int_attr(attributes: &[KeyValue], key: &str) -> Option<i64> {
    match attr(attributes, key)? {
        any_value::Value::IntValue(i) => Some(*i),
        _ => None,
    }
}

/// `ctip-api serve` on a fresh SQLite file, exporting to `endpoint` every `batch_delay_ms`,
/// logging through `log_filter`.
fn start_server(endpoint: &str, batch_delay_ms: &str, log_filter: &str) -> ChildServer {
    ChildServer::start(
        Data::Empty,
        &[
            ("RUST_LOG", log_filter),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint),
            ("OTEL_SERVICE_NAME", SERVICE_NAME),
            ("OTEL_BSP_SCHEDULE_DELAY", batch_delay_ms),
        ],
    )
}

/// Sends a named GraphQL operation with a request id and a caller's `traceparent`.
async fn province_map(server: &ChildServer, request_id: &str) -> reqwest::Response {
    // A fresh client, so no keep-alive connection outlives the request.
    reqwest::Client::new()
        .post(server.url("/graphql"))
        .header("x-request-id", request_id)
        .header("traceparent", format!("00-{TRACE_ID}-{PARENT_SPAN_ID}-01"))
        .json(&json!({
            "query": "query ProvinceMap { __typename }",
            "operationName": "ProvinceMap",
        }))
        .send()
        .await
        .unwrap()
}
