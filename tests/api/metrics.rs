//! Prometheus metrics by operation name: requests, errors by code, latency; bounded labels.
use serde_json::json;

use crate::helpers::TestApp;

async fn metrics(app: &TestApp) -> String {
    app.metrics_text().await
}

fn has_line(text: &str, prefix: &str) -> bool {
    text.lines().any(|l| l.starts_with(prefix))
}

#[tokio::test]
async fn metrics_count_operations_errors_by_code_and_latency_by_operation_name() {
    let app = TestApp::spawn().await;
    app.post(&json!({ "query": "query Provinces { regions(first: 2) { totalCount } }" }))
        .await;
    app.post(&json!({ "query": "query TooBig { regions(first: 1000) { totalCount } }" }))
        .await;
    app.post(&json!({ "query": "{ dataset { title } }" })).await;
    app.post(&json!({ "query": "query A { dataset { title } }", "operationName": "B" }))
        .await;
    let text = metrics(&app).await;
    for line in [
        r#"ctip_graphql_operations_total{operation="Provinces"} 1"#,
        r#"ctip_graphql_operations_total{operation="TooBig"} 1"#,
        r#"ctip_graphql_operations_total{operation="anonymous"} 1"#,
        r#"ctip_graphql_operations_total{operation="unknown"} 1"#,
        r#"ctip_graphql_errors_total{operation="TooBig",code="BAD_USER_INPUT"} 1"#,
        r#"ctip_graphql_errors_total{operation="unknown",code="GRAPHQL_VALIDATION_FAILED"} 1"#,
        r#"ctip_graphql_operation_duration_seconds_count{operation="Provinces"} 1"#,
        r#"ctip_graphql_operation_duration_seconds_bucket{le="#,
    ] {
        assert!(has_line(&text, line), "no {line} in\n{text}");
    }
    assert!(!text.contains(r#"operation="B""#));
}

#[tokio::test]
async fn refused_requests_are_counted_with_their_code() {
    let app = TestApp::spawn_with(|c| c.limits.max_depth = 2).await;
    app.post(
        &json!({ "query": "query Deep { region(code: \"VN\") { parent { parent { code } } } }" }),
    )
    .await;
    let text = metrics(&app).await;
    assert!(
        has_line(
            &text,
            r#"ctip_graphql_errors_total{operation="Deep",code="QUERY_TOO_DEEP"} 1"#
        ),
        "{text}"
    );
}

#[tokio::test]
async fn operation_name_labels_are_bounded() {
    let app = TestApp::spawn_with(|c| c.metrics_max_operation_names = 2).await;
    let long = "L".repeat(65);
    for name in ["One", "Two", "Three", "Four", long.as_str()] {
        app.post(&json!({ "query": format!("query {name} {{ dataset {{ title }} }}") }))
            .await;
    }
    let text = metrics(&app).await;
    assert!(has_line(
        &text,
        r#"ctip_graphql_operations_total{operation="One"} 1"#
    ));
    assert!(has_line(
        &text,
        r#"ctip_graphql_operations_total{operation="Two"} 1"#
    ));
    assert!(
        has_line(
            &text,
            r#"ctip_graphql_operations_total{operation="other"} 3"#
        ),
        "{text}"
    );
    assert!(!text.contains("Three") && !text.contains(&long));
}
