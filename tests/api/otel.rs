//! OpenTelemetry trace export, end to end. The tracing subscriber is global to a process, so each
//! test runs the real binary as a child, exporting to a fake OTLP/HTTP collector it starts, and
//! decodes what arrives.
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, ExitStatus, Stdio};
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

const SERVICE_NAME: &str = "ctip-api-otel-test";
/// A caller's W3C trace context, which the request's span must continue.
const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_SPAN_ID: &str = "00f067aa0ba902b7";

#[tokio::test]
async fn otel_exports_each_request_as_a_span_of_the_callers_trace() {
    let collector = Collector::start().await;
    // Quiet logs (all but the line giving the address) must not quiet the traces.
    let mut server = Server::start(&collector.endpoint(), "100", "warn,ctip_api::startup=info");
    let request_id = "otel-test-request-1";
    let resp = server.province_map(request_id).await;
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
}

#[tokio::test]
async fn otel_flushes_the_last_spans_when_the_server_stops() {
    let collector = Collector::start().await;
    // A batch delay of ten minutes: only the shutdown can export within the test.
    let mut server = Server::start(&collector.endpoint(), "600000", "info");
    let request_id = "otel-test-request-at-exit";
    assert_eq!(server.province_map(request_id).await.status(), 200);
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
    let mut server = Server::start(&format!("http://{closed}"), "50", "info");
    for i in 0..3 {
        let resp = server.province_map(&format!("otel-test-down-{i}")).await;
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

/// `ctip-api serve` as a child process on a fresh SQLite file, exporting to `endpoint` every
/// `batch_delay_ms`, logging JSON lines through `log_filter` (which must let the `listening`
/// line through). Killed when dropped, whatever the test did.
struct Server {
    child: Child,
    addr: SocketAddr,
    output: Arc<Mutex<Vec<String>>>,
    _dir: tempfile::TempDir,
}

impl Server {
    fn start(endpoint: &str, batch_delay_ms: &str, log_filter: &str) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("ctip.db").display());
        let keys = ctip_api::disclosure::Keys::test_keys();
        let mut child = Command::new(env!("CARGO_BIN_EXE_ctip-api"))
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--database-url",
                &url,
                "--log-format",
                "json",
            ])
            // Nothing of the test's own environment (a database URL, an OTLP endpoint) leaks in.
            .env_clear()
            .env("RUST_LOG", log_filter)
            .env("CTIP_K2", keys.k2.to_hex())
            .env("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint)
            .env("OTEL_SERVICE_NAME", SERVICE_NAME)
            .env("OTEL_BSP_SCHEDULE_DELAY", batch_delay_ms)
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let output = Arc::new(Mutex::new(Vec::new()));
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        // Both pipes are read to their end, so the child never blocks on a full one.
        let stdout = child.stdout.take().unwrap();
        let out = output.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(addr) = listening_address(&line) {
                    let _ = addr_tx.send(addr);
                }
                out.lock().unwrap().push(line);
            }
        });
        let stderr = child.stderr.take().unwrap();
        let out = output.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                out.lock().unwrap().push(line);
            }
        });
        let mut server = Server {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            output,
            _dir: dir,
        };
        match addr_rx.recv_timeout(Duration::from_secs(60)) {
            Ok(addr) => server.addr = addr,
            Err(_) => panic!("the server did not start:\n{}", server.output()),
        }
        server
    }

    /// Sends a named GraphQL operation with a request id and a caller's `traceparent`.
    async fn province_map(&self, request_id: &str) -> reqwest::Response {
        // A fresh client, so no keep-alive connection outlives the request.
        reqwest::Client::new()
            .post(format!("http://{}/graphql", self.addr))
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

    /// Sends SIGTERM and waits (at most `within`) for the process to exit.
    async fn terminate(&mut self, within: Duration) -> ExitStatus {
        let pid = self.child.id();
        let sent = Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .unwrap();
        assert!(sent.success(), "kill -TERM {pid} failed");
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "pid {pid} still running {within:?} after SIGTERM:\n{}",
                self.output()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn output(&self) -> String {
        self.output.lock().unwrap().join("\n")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The address in the JSON log line `ctip-api listening: …`.
fn listening_address(line: &str) -> Option<SocketAddr> {
    let v: serde_json::Value = serde_json::from_str(line).ok()?;
    let fields = &v["fields"];
    if !fields["message"]
        .as_str()?
        .starts_with("ctip-api listening")
    {
        return None;
    }
    fields["addr"].as_str()?.parse().ok()
}
