//! Writes: counts into the draft release, and publishing. Every write needs an API key
//! with role EDITOR (publishing: ADMIN), is all-or-nothing, idempotent, and audited.
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject, Upload};

use super::ApiContext;
use super::source::Release;
use super::statistics::{AgeGroup, ExploitationForm, Metric, Sex};
use crate::auth::{Caller, Role};
use crate::dimensions::MetricKind;
use crate::error::AppError;
use crate::ingest::record::Limits;
use crate::store::writes::{Actor, Changes};
use crate::write::{self, RegionIndex};

/// One count at the finest grain.
#[derive(InputObject, Clone)]
pub struct CountInput {
    /// What is counted.
    pub metric: Metric,
    /// A province code valid in that month (`VN-P63-10` until June 2025, `VN-P34-15` from July 2025).
    pub region: String,
    /// The month, `YYYY-MM`; it must have ended.
    pub month: String,
    /// Sex of the victims (UNKNOWN where the metric has no sex).
    #[graphql(default_with = "Sex::Unknown")]
    pub sex: Sex,
    /// Age group of the victims (UNKNOWN where the metric has no age).
    #[graphql(default_with = "AgeGroup::Unknown")]
    pub age_group: AgeGroup,
    /// Form of exploitation.
    #[graphql(default_with = "ExploitationForm::Unknown")]
    pub exploitation_form: ExploitationForm,
    /// Destination: DOMESTIC, a country code (CN, KH, LA, MM, TH, MY, KR), OTHER or UNKNOWN.
    #[graphql(default = "UNKNOWN")]
    pub destination: String,
    /// The count, 0 or more (0 removes the cell from the draft).
    pub count: i64,
}

/// What a write changed in the draft release.
#[derive(SimpleObject, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WriteResult {
    /// Cells that did not exist and now do.
    pub inserted: u64,
    /// Cells whose count changed.
    pub updated: u64,
    /// Cells set to 0.
    pub removed: u64,
    /// Cells that already held that count (writing the same batch twice changes nothing).
    pub unchanged: u64,
    /// True when nothing was written because it was a dry run.
    pub dry_run: bool,
}

impl WriteResult {
    fn from(c: Changes, dry_run: bool) -> Self {
        WriteResult {
            inserted: c.inserted,
            updated: c.updated,
            removed: c.removed,
            unchanged: c.unchanged,
            dry_run,
        }
    }
}

/// A problem in an imported file.
#[derive(SimpleObject, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportProblem {
    /// The line of the file (the header is line 1).
    pub line: u64,
    /// The column, when one is at fault.
    pub column: Option<String>,
    /// What is wrong and what to write instead.
    pub message: String,
}

impl From<crate::ingest::csv::RowError> for ImportProblem {
    fn from(p: crate::ingest::csv::RowError) -> Self {
        ImportProblem {
            line: p.line,
            column: p.column.map(str::to_owned),
            message: p.message,
        }
    }
}

/// The outcome of an import: either every line was accepted (and written, unless a dry run), or
/// nothing was written and every faulty line is named.
#[derive(SimpleObject, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportResult {
    /// True when the file was valid.
    pub accepted: bool,
    /// Data lines read.
    pub rows: u64,
    /// What changed (or would change, in a dry run); null when the file was refused.
    pub changes: Option<WriteResult>,
    /// Every problem found (up to 1,000).
    pub problems: Vec<ImportProblem>,
    /// Number of faulty lines (may exceed the problems listed).
    pub faulty_lines: u64,
}

pub fn caller<'a>(ctx: &'a Context<'_>) -> &'a Caller {
    static ANONYMOUS: std::sync::OnceLock<Caller> = std::sync::OnceLock::new();
    ctx.data_opt::<Caller>()
        .unwrap_or_else(|| ANONYMOUS.get_or_init(Caller::anonymous))
}

pub fn actor(c: &Caller) -> Actor {
    Actor {
        key_id: c.key_id,
        name: c.actor(),
    }
}

fn ingest_key(api: &ApiContext) -> Result<&crate::disclosure::Secret, AppError> {
    api.k1.as_deref().ok_or_else(|| {
        AppError::Forbidden("this server holds no ingest key (K1), so it cannot write counts: write through a server or command configured with CTIP_K1".to_owned())
    })
}

pub fn metric_kind(m: Metric) -> Result<MetricKind, AppError> {
    MetricKind::parse(m.as_db()).ok_or_else(|| AppError::Internal("metric mapping".to_owned()))
}

#[derive(Default)]
pub struct MutationRoot;

/// Writes of counts, sources and releases. Each needs an API key (`Authorization: Bearer <key>`):
/// EDITOR for data, ADMIN to publish.
#[Object]
impl MutationRoot {
    /// Writes counts into the draft release (an EDITOR key bound to the source, or ADMIN). All or
    /// nothing; writing the same batch twice changes nothing the second time. The answer says
    /// what changed among the source's own cells: other sources' counts are never compared.
    async fn upsert_counts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The source the counts come from (its code or id).")] source: ID,
        #[graphql(desc = "The counts, at the finest grain.")] counts: Vec<CountInput>,
        #[graphql(desc = "Only report what would change (default false).")] dry_run: Option<bool>,
    ) -> Result<WriteResult> {
        let dry_run = dry_run.unwrap_or(false);
        let who = caller(ctx);
        who.require(Role::Editor)?;
        let api = ctx.data::<ApiContext>()?;
        let k1 = ingest_key(api)?;
        let src = write::source(&api.db, &source).await?;
        who.may_write(&src)?;
        let regions = RegionIndex::load(&api.db).await?;
        let limits = Limits {
            today: write::today(),
            max_count: api.max_cell_count,
        };
        let mut rows = Vec::with_capacity(counts.len());
        let mut problems = Vec::new();
        for (i, c) in counts.iter().enumerate() {
            let count = c.count.to_string();
            let fields = [
                metric_kind(c.metric)?.as_str(),
                &c.region,
                &c.month,
                c.sex.as_db(),
                c.age_group.as_db(),
                c.exploitation_form.as_db(),
                &c.destination,
                &count,
            ];
            match write::validate(fields, &regions, limits) {
                Ok(w) => rows.push(w),
                Err(errs) => problems.extend(errs.into_iter().map(|e| format!("counts[{i}] {e}"))),
            }
        }
        if !problems.is_empty() {
            return Err(AppError::BadUserInput(format!(
                "nothing was written: {}",
                problems.join("; ")
            ))
            .into());
        }
        write::refuse_repeated_cells(&rows)?;
        let changes = write::write_counts(&api.db, k1, src.id, &rows, &actor(who), dry_run).await?;
        Ok(WriteResult::from(changes, dry_run))
    }

    /// Imports counts from a CSV file (EDITOR): columns
    /// `metric,region,month,sex,age_group,exploitation_form,destination,count` (see
    /// docs/import-format.md), sent either as text (`csv`, within the request size limits) or as
    /// a file (`file`, a GraphQL multipart request, up to the server's upload limit; large files
    /// are best sent to `POST /import/counts`). Nothing is written when any line fails; every
    /// faulty line is named.
    async fn import_counts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The CSV text, UTF-8, with or without a byte order mark.")] csv: Option<
            String,
        >,
        #[graphql(desc = "The CSV file, sent as a multipart request (instead of `csv`).")]
        file: Option<Upload>,
        #[graphql(desc = "The source the counts come from (its code or id).")] source: ID,
        #[graphql(desc = "Only report what would change.")] dry_run: Option<bool>,
    ) -> Result<ImportResult> {
        let who = caller(ctx);
        let api = ctx.data::<ApiContext>()?;
        let (k1, src) = crate::import::authorize(&api.db, api.k1.as_deref(), who, &source).await?;
        let reader: Box<dyn std::io::Read + Send> = match (csv, file) {
            (Some(csv), None) => Box::new(std::io::Cursor::new(csv.into_bytes())),
            (None, Some(file)) => {
                let upload = file.value(ctx).map_err(|e| {
                    AppError::Internal(format!("the uploaded file cannot be read: {e}"))
                })?;
                Box::new(upload.content)
            }
            _ => {
                return Err(AppError::BadUserInput(
                    "send the counts either as `csv` (text) or as `file` (a multipart upload), \
                     exactly one of them"
                        .to_owned(),
                )
                .into());
            }
        };
        let dry_run = dry_run.unwrap_or(false);
        let outcome = crate::import::import_counts(
            &api.db,
            k1,
            src.id,
            reader,
            &actor(who),
            dry_run,
            api.max_cell_count,
        )
        .await?;
        Ok(outcome.into())
    }

    /// Freezes the draft into a new release that public queries read from now on (ADMIN).
    /// Earlier releases stay queryable with exactly the numbers they had.
    async fn publish_release(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the release holds and what changed.")] notes: String,
    ) -> Result<Release> {
        let who = caller(ctx);
        who.require(Role::Admin)?;
        let api = ctx.data::<ApiContext>()?;
        let published = write::publish(&api.db, &notes, &actor(who)).await?;
        // This process's cache forgets the old release first: subscribers refresh at once, and
        // must get the new one (other processes hear of it through the database).
        api.events.release_published(published.clone()).await;
        Ok(Release(published))
    }
}

impl From<crate::import::ImportOutcome> for ImportResult {
    fn from(o: crate::import::ImportOutcome) -> Self {
        ImportResult {
            accepted: o.accepted,
            rows: o.rows,
            changes: o.changes.map(|c| WriteResult::from(c, o.dry_run)),
            problems: o.problems.into_iter().map(ImportProblem::from).collect(),
            faulty_lines: o.faulty_lines,
        }
    }
}
