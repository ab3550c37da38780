//! What is checked of a GraphQL request before it runs, and how its operations are named and
//! its errors coded: the variables' size and the document's shape, a batch part's cost measured
//! by a dry run, the metrics label of an operation, a stable `extensions.code` on every error.
use async_graphql::Request;
use async_graphql::parser::types::ExecutableDocument;

use super::AppState;
use super::limits::{self, PAYLOAD_TOO_LARGE, ParseOutcome, Refusal};
use crate::config::LimitsConfig;
use crate::graphql::cost::CostProbe;

pub(super) fn error_code(e: &async_graphql::ServerError) -> &str {
    e.extensions
        .as_ref()
        .and_then(|x| x.get("code"))
        .and_then(|v| match v {
            async_graphql::Value::String(s) => Some(s.as_str()),
            _ => None,
        })
        .unwrap_or("UNKNOWN")
}

/// The metrics label of an operation: its name when the document holds it.
pub(super) fn operation_label(
    state: &AppState,
    r: &Request,
    doc: Option<&ExecutableDocument>,
) -> String {
    let m = &state.metrics;
    match (r.operation_name.as_deref(), doc) {
        (Some(name), Some(doc))
            if !doc
                .operations
                .iter()
                .any(|(n, _)| n.is_some_and(|n| n.as_str() == name)) =>
        {
            crate::metrics::UNKNOWN.to_owned()
        }
        (Some(name), _) => m.operation_label(Some(name)),
        (None, Some(doc)) => {
            let mut ops = doc.operations.iter();
            match (ops.next(), ops.next()) {
                (Some((name, _)), None) => m.operation_label(name.map(|n| n.as_str())),
                _ => m.operation_label(None),
            }
        }
        // Not parsed (refused or broken): the name of a document that starts with it.
        (None, None) => m.operation_label(leading_operation_name(&r.query)),
    }
}

/// `Name` in a document starting `query Name`, `mutation Name` or `subscription Name`.
fn leading_operation_name(query: &str) -> Option<&str> {
    let rest = query.trim_start();
    let rest = ["query", "mutation", "subscription"]
        .iter()
        .find_map(|k| rest.strip_prefix(k))?;
    let rest = rest.strip_prefix(|c: char| c.is_whitespace())?.trim_start();
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    (end > 0).then(|| &rest[..end])
}

/// The variables size and the document's shape; `None` when it does not parse.
pub(super) fn check_one(
    r: &Request,
    l: &LimitsConfig,
) -> Result<Option<ExecutableDocument>, Refusal> {
    let vars = serde_json::to_string(&r.variables).map_or(0, |v| v.len());
    if vars > l.max_variables_bytes {
        return Err(Refusal {
            code: PAYLOAD_TOO_LARGE,
            message: format!(
                "The variables are {vars} bytes of JSON; at most {} are accepted.",
                l.max_variables_bytes
            ),
        });
    }
    match limits::parse_and_check(&r.query, l) {
        Ok(doc) => Ok(Some(doc)),
        Err(ParseOutcome::Refused(refusal)) => Err(refusal),
        Err(ParseOutcome::Unparsable) => Ok(None),
    }
}

/// Parses and validates a batch part without running it: its answer when it failed, its cost.
pub(super) async fn dry_run(
    state: &AppState,
    r: &mut Request,
) -> (Option<async_graphql::Response>, usize) {
    let probe = CostProbe::default();
    let mut check = Request::new(r.query.clone()).variables(r.variables.clone());
    if let Some(name) = &r.operation_name {
        check = check.operation_name(name.clone());
    }
    if let Ok(doc) = r.parsed_query() {
        check.set_parsed_query(doc.clone());
    }
    let answer = state.schema.execute(check.data(probe.clone())).await;
    let failed = !answer.errors.is_empty();
    (failed.then_some(answer), probe.cost())
}

/// Gives every error a stable `extensions.code`: async-graphql's own errors (parse, validation,
/// input coercion) carry none.
pub(super) fn with_codes(mut r: async_graphql::Response) -> async_graphql::Response {
    let request_error =
        r.data == async_graphql::Value::Null && r.errors.iter().all(|e| e.path.is_empty());
    for e in &mut r.errors {
        let ext = e.extensions.get_or_insert_with(Default::default);
        if ext.get("code").is_none() {
            let code = if e.message.starts_with("The recursion depth of the query")
                || e.message.starts_with("Query is nested too deep")
            {
                limits::QUERY_TOO_DEEP
            } else if e.message.starts_with("Query is too complex") {
                limits::QUERY_TOO_COMPLEX
            } else if !e.path.is_empty() {
                "BAD_USER_INPUT"
            } else if request_error && e.message.contains("Parse error")
                || e.message.starts_with(" -->")
            {
                "GRAPHQL_PARSE_FAILED"
            } else {
                "GRAPHQL_VALIDATION_FAILED"
            };
            ext.set("code", code);
        }
    }
    r
}
