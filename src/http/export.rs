//! `GET /export/case-statistics.csv`: the numbers of `caseStatistics`, with the same parameters,
//! from the same engine, as UTF-8 CSV with a BOM (so spreadsheet apps show Vietnamese right).
//! `GET /export/case-statistics.meta.json` is its sidecar: source, release, licence and method.
//! Both run as `/graphql` runs an operation: under the caller's rate limit (charged what the same
//! `caseStatistics` costs), within the execution timeout, refused past the row limit before the
//! `GROUP BY` runs, counted in the metrics under their own operation label, every refusal coded.
use async_graphql::resolver_utils::EnumType;
use std::time::{Duration, Instant};

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use entity::{case_count, source};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use serde::Deserialize;
use serde_json::json;

use super::AppState;
use super::execute::{RATE_LIMITED, rate_limited, rate_limited_message, timed_out};
use super::export_csv::{columns, csv_text};
use super::graphql::{MediaType, request_error};
use crate::error::AppError;
use crate::graphql::lang::Language;
use crate::graphql::region::RegionLevel;
use crate::graphql::statistics::{
    AgeGroup, Boundaries, Dimension, ExploitationForm, Granularity, Metric, Sex, StatisticsArgs,
    StatisticsFilter,
};
use crate::statistics::{self, StatsResult};

/// The query parameters: those of `caseStatistics`, flattened (`groupBy` comma-separated).
#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExportParams {
    metric: Option<String>,
    region: Option<String>,
    period: Option<String>,
    sex: Option<String>,
    age_group: Option<String>,
    exploitation_form: Option<String>,
    destination: Option<String>,
    group_by: Option<String>,
    region_level: Option<String>,
    period_granularity: Option<String>,
    boundaries: Option<String>,
    release: Option<String>,
    lang: Option<String>,
}

fn parse_enum<T: EnumType>(param: &str, value: Option<&str>) -> Result<Option<T>, AppError> {
    let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    T::items()
        .iter()
        .find(|i| i.name.eq_ignore_ascii_case(v))
        .map(|i| Some(i.value))
        .ok_or_else(|| {
            let names: Vec<&str> = T::items().iter().map(|i| i.name).collect();
            AppError::BadUserInput(format!(
                "`{param}={v}` is not allowed; use one of {}",
                names.join(", ")
            ))
        })
}

fn args(p: &ExportParams) -> Result<StatisticsArgs, AppError> {
    let metric = parse_enum::<Metric>("metric", p.metric.as_deref())?.ok_or_else(|| {
        AppError::BadUserInput("`metric` is required, e.g. metric=VICTIMS_IDENTIFIED".to_owned())
    })?;
    let mut group_by = Vec::new();
    for d in p
        .group_by
        .as_deref()
        .unwrap_or("")
        .split(',')
        .filter(|s| !s.trim().is_empty())
    {
        group_by.extend(parse_enum::<Dimension>("groupBy", Some(d))?);
    }
    Ok(StatisticsArgs {
        metric: Some(metric),
        filter: StatisticsFilter {
            region: p.region.clone(),
            period: p.period.clone(),
            sex: parse_enum::<Sex>("sex", p.sex.as_deref())?,
            age_group: parse_enum::<AgeGroup>("ageGroup", p.age_group.as_deref())?,
            exploitation_form: parse_enum::<ExploitationForm>(
                "exploitationForm",
                p.exploitation_form.as_deref(),
            )?,
            destination: p.destination.clone(),
        },
        group_by,
        region_level: parse_enum::<RegionLevel>("regionLevel", p.region_level.as_deref())?,
        period_granularity: parse_enum::<Granularity>(
            "periodGranularity",
            p.period_granularity.as_deref(),
        )?,
        boundaries: parse_enum::<Boundaries>("boundaries", p.boundaries.as_deref())?,
        release: p.release.clone(),
    })
}

fn error_response(e: AppError) -> Response {
    let status = match &e {
        AppError::BadUserInput(_) | AppError::GrainNotAllowed(_) => StatusCode::BAD_REQUEST,
        AppError::NotFound(_) => StatusCode::NOT_FOUND,
        AppError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
        AppError::Forbidden(_) => StatusCode::FORBIDDEN,
        AppError::Database(_) | AppError::Internal(_) => {
            tracing::error!(error = ?e, "export failed");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    };
    request_error(status, MediaType::Json, e.code(), &e.public_message())
}

type Params = Result<Query<ExportParams>, axum::extract::rejection::QueryRejection>;

/// The operation labels of the exports in the metrics (no GraphQL operation name has a colon).
const CSV_LABEL: &str = "export:case-statistics.csv";
const META_LABEL: &str = "export:case-statistics.meta.json";

/// Reads the parameters as `caseStatistics` arguments.
fn parse(params: Params) -> Result<(ExportParams, StatisticsArgs), AppError> {
    let Query(p) = params
        .map_err(|e| AppError::BadUserInput(format!("bad query parameters: {}", e.body_text())))?;
    let a = args(&p)?;
    Ok((p, a))
}

/// Runs the request, as `caseStatistics` would.
async fn compute(state: &AppState, a: &StatisticsArgs) -> Result<StatsResult, AppError> {
    // A public read: from a replica, when configured.
    let api = &state.api.for_reads();
    let snapshot = api.reference.current(&api.db).await?;
    let req = statistics::resolve(&snapshot, &a.engine())?;
    statistics::run(&api.db, &api.disclosure, &snapshot, &req).await
}

/// What an export costs: what `caseStatistics` with the same arguments, selecting one field
/// per column of the CSV, costs over GraphQL.
fn cost(a: &StatisticsArgs) -> usize {
    crate::graphql::cost::statistics_cost(
        &Some(a.group_by.clone()),
        a.region_level,
        a.period_granularity,
        &Some(a.filter.clone()),
        columns(a).len(),
    )
}

/// Runs an export the way `/graphql` runs an operation (see the module documentation): `work`
/// gets the parsed parameters and answers, or fails with a coded error.
async fn guarded<F, Fut>(
    state: &AppState,
    headers: &HeaderMap,
    label: &str,
    params: Params,
    work: F,
) -> Response
where
    F: FnOnce(ExportParams, StatisticsArgs) -> Fut,
    Fut: std::future::Future<Output = Result<Response, AppError>>,
{
    let started = Instant::now();
    let mut code: Option<&'static str> = None;
    let failed = &mut code;
    let resp = rate_limited(state, headers, MediaType::Json, |ticket| async move {
        let (p, a) = match parse(params) {
            Ok(x) => x,
            Err(e) => {
                *failed = Some(e.code());
                return error_response(e);
            }
        };
        if let Some(t) = &ticket {
            let paid = t.pay(crate::ratelimit::points(cost(&a))).await;
            if !paid.allowed {
                *failed = Some(RATE_LIMITED);
                return request_error(
                    StatusCode::TOO_MANY_REQUESTS,
                    MediaType::Json,
                    RATE_LIMITED,
                    &rate_limited_message(&paid),
                );
            }
        }
        let ms = state.limits.execution_timeout_ms;
        match tokio::time::timeout(Duration::from_millis(ms), work(p, a)).await {
            Ok(Ok(resp)) => resp,
            Ok(Err(e)) => {
                *failed = Some(e.code());
                error_response(e)
            }
            Err(_) => {
                *failed = Some(super::execute::TIMEOUT);
                timed_out(MediaType::Json, ms)
            }
        }
    })
    .await;
    // Refused before `work` ran: the budget was already spent.
    let code = code.or((resp.status() == StatusCode::TOO_MANY_REQUESTS).then_some(RATE_LIMITED));
    tracing::Span::current().record("operation", label);
    state
        .metrics
        .observe_operation(label, code, started.elapsed().as_secs_f64());
    resp
}

fn lang_of(p: &ExportParams) -> Language {
    match p.lang.as_deref() {
        Some(l) if l.eq_ignore_ascii_case("en") => Language::En,
        _ => Language::Vi,
    }
}

pub async fn case_statistics_csv(
    State(state): State<AppState>,
    headers: HeaderMap,
    raw: axum::extract::RawQuery,
    params: Params,
) -> Response {
    let state = &state;
    guarded(state, &headers, CSV_LABEL, params, |p, a| async move {
        let result = compute(state, &a).await?;
        let body = csv_text(&result, &a, lang_of(&p))?;
        Ok(csv_response(&result, &a, raw.0.unwrap_or_default(), body))
    })
    .await
}

fn csv_response(
    result: &StatsResult,
    a: &StatisticsArgs,
    query: String,
    body: Vec<u8>,
) -> Response {
    let metric = a
        .metric
        .map(|m| m.as_db())
        .unwrap_or("statistics")
        .to_ascii_lowercase();
    let filename = format!(
        "ctip-{}-{}.csv",
        metric.replace('_', "-"),
        result.release.code
    );
    let mut resp = (StatusCode::OK, body).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8; header=present"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!(
        "</export/case-statistics.meta.json?{query}>; rel=\"describedby\""
    )) {
        h.insert(header::LINK, v);
    }
    resp
}

/// The sidecar of an export: what the numbers are, where they come from, how they were protected.
pub async fn case_statistics_meta(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Params,
) -> Response {
    let state = &state;
    guarded(state, &headers, META_LABEL, params, |_, a| async move {
        let result = compute(state, &a).await?;
        meta(state, &a, &result).await
    })
    .await
}

async fn meta(
    state: &AppState,
    a: &StatisticsArgs,
    result: &StatsResult,
) -> Result<Response, AppError> {
    let api = &state.api.for_reads();
    let source_ids: Vec<i32> = case_count::Entity::find()
        .select_only()
        .column(case_count::Column::SourceId)
        .distinct()
        .filter(case_count::Column::Metric.eq(result.metric.as_str()))
        .filter(case_count::Column::ReleaseFrom.lte(result.release.id))
        .into_tuple()
        .all(&api.db)
        .await?;
    let sources = source::Entity::find()
        .filter(source::Column::Id.is_in(source_ids))
        .all(&api.db)
        .await?;
    let policy = &api.disclosure.policy;
    let body = json!({
        "metric": result.metric.as_str(),
        "filter": { "region": a.filter.region, "period": a.filter.period, "sex": a.filter.sex.map(|x| x.as_db()), "ageGroup": a.filter.age_group.map(|x| x.as_db()), "exploitationForm": a.filter.exploitation_form.map(|x| x.as_db()), "destination": a.filter.destination },
        "groupBy": a.group_by.iter().map(|d| format!("{d:?}")).collect::<Vec<_>>(),
        "release": { "code": result.release.code, "publishedAt": result.release.published_at, "notes": result.release.notes },
        "sources": sources.iter().map(|s| json!({ "code": s.code, "title": s.title, "publisher": s.publisher, "synthetic": s.synthetic, "licence": s.licence, "notes": s.notes })).collect::<Vec<_>>(),
        "licence": crate::graphql::source::LICENCE,
        "method": format!("Cell-key perturbation (changes of -2 to +2, mean 0, variance 1; zeros unchanged) with a display threshold of {}: adjusted values from 1 to {} are shown as \"{}\". Every value is adjusted; parts need not add up to the total; \"{}\" can hide a true count up to {}, and 0 can hide 1 or 2. Rates per 100,000 use the adjusted value and the population of population_year.", policy.threshold, policy.threshold - 1, policy.suppressed_display(), policy.suppressed_display(), policy.threshold + 1),
        "columns": {
            "row": "group: one row per group, every category listed (zeros too); total: the whole filtered set, adjusted on its own",
            "value": "the adjusted count; empty when suppressed",
            "status": "PUBLISHED, SUPPRESSED or ZERO",
            "display": "what to print",
            "rate_per_100k": "per 100,000 inhabitants, from the adjusted value",
            "population_year": "year of the population used for the rate (the nearest known year)"
        }
    });
    Ok((
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        )],
        body.to_string(),
    )
        .into_response())
}
