//! The shape of a GraphQL request over HTTP, checked before it is read as one: the GET
//! parameters, and the JSON object (or batch of them) a POST carries.
use async_graphql::Request;
use axum::extract::Query;
use axum::http::Uri;
use serde_json::{Value, json};

/// The GraphQL request in GET parameters (`query`, `operationName`, and `variables` and
/// `extensions` as JSON), as GraphQL over HTTP names them.
pub(super) fn get_request(uri: &Uri) -> Result<Request, String> {
    #[derive(serde::Deserialize)]
    struct Params {
        #[serde(default)]
        query: String,
        #[serde(rename = "operationName")]
        operation_name: Option<String>,
        variables: Option<String>,
        extensions: Option<String>,
    }
    let Query(p) = Query::<Params>::try_from_uri(uri).map_err(|e| e.body_text())?;
    let json = |what: &str, text: Option<String>| match text.filter(|t| !t.is_empty()) {
        None => Ok(serde_json::Value::Null),
        Some(t) => serde_json::from_str::<serde_json::Value>(&t)
            .map_err(|e| format!("`{what}` is not JSON ({e})")),
    };
    let variables = json("variables", p.variables)?;
    let extensions = json("extensions", p.extensions)?;
    let mut body = json!({ "query": p.query, "operationName": p.operation_name });
    if !variables.is_null() {
        body["variables"] = variables;
    }
    if !extensions.is_null() {
        body["extensions"] = extensions;
    }
    check_shape(&body)?;
    serde_json::from_value(body).map_err(|e| e.to_string())
}

/// A request must be an object with a string `query` (or a non-empty array of such objects).
pub(super) fn check_shape(v: &Value) -> Result<(), String> {
    let one = |o: &Value| -> Result<(), String> {
        let obj = o
            .as_object()
            .ok_or("Each GraphQL request must be a JSON object {\"query\": \"...\"}.")?;
        let persisted = obj
            .get("extensions")
            .and_then(|e| e.get("persistedQuery"))
            .is_some();
        match obj.get("query") {
            Some(Value::String(_)) => {}
            // An APQ request may name its document by hash alone.
            None | Some(Value::Null) if persisted => {}
            None => {
                return Err("Missing `query`: the body must be {\"query\": \"...\"}.".to_owned());
            }
            Some(_) => {
                return Err("`query` must be a string holding a GraphQL document.".to_owned());
            }
        }
        match obj.get("variables") {
            None | Some(Value::Null) | Some(Value::Object(_)) => {}
            Some(_) => return Err("`variables` must be a JSON object.".to_owned()),
        }
        match obj.get("operationName") {
            None | Some(Value::Null) | Some(Value::String(_)) => Ok(()),
            Some(_) => Err("`operationName` must be a string.".to_owned()),
        }
    };
    match v {
        Value::Array(items) if items.is_empty() => {
            Err("An empty batch holds no request.".to_owned())
        }
        Value::Array(items) => items.iter().try_for_each(one),
        other => one(other),
    }
}
