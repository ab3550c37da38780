//! Published figures kept up to date (ADMIN): add or correct a figure, or a file of them; each
//! change audited (`crate::figures`).
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};

use super::ApiContext;
use super::ids::parse_global_id;
use super::mutation::{ImportProblem, caller};
use super::source::PublishedFigure;
use crate::auth::Role;
use crate::error::AppError;
use crate::figures::{self, FigureInput};
use crate::store::writes::Actor;

/// A figure an official source published, as published.
#[derive(InputObject)]
pub struct PublishedFigureInput {
    /// The year the figure refers to.
    pub year: i32,
    /// `national`, or the pre-2025 two-digit GSO code of the province it is about.
    pub scope: String,
    /// What was counted, as the source defines it, lower case (e.g. `victims_identified`).
    pub metric: String,
    /// The figure as published: a number (point for decimals), or text when `unit` is `text`.
    pub value: String,
    /// `count`, `percent` or `text`.
    pub unit: String,
    /// First month covered (`YYYY-MM`).
    pub period_start: Option<String>,
    /// Last month covered (`YYYY-MM`).
    pub period_end: Option<String>,
    /// The counting basis and other notes taken from the source.
    pub notes: Option<String>,
    /// `primary`, `secondary (official outlet)` or `secondary (news)`, with remarks.
    pub reliability: String,
    /// The code of the source that published it (create it first).
    pub source: String,
}

impl From<PublishedFigureInput> for FigureInput {
    fn from(i: PublishedFigureInput) -> Self {
        FigureInput {
            year: i.year,
            scope: i.scope,
            metric: i.metric,
            value: i.value,
            unit: i.unit,
            period_start: i.period_start,
            period_end: i.period_end,
            notes: i.notes,
            reliability: i.reliability,
            source: i.source,
        }
    }
}

/// The outcome of a file of published figures: all of it, or nothing and every problem.
#[derive(SimpleObject)]
pub struct PublishedFiguresImport {
    /// True when every line was valid (and written, unless a dry run).
    pub accepted: bool,
    /// Figures added (or that would be).
    pub added: u64,
    /// Figures corrected (or that would be).
    pub corrected: u64,
    /// Every problem, by line (the header is line 1).
    pub problems: Vec<ImportProblem>,
}

fn actor(ctx: &Context<'_>) -> Result<Actor, AppError> {
    let who = caller(ctx);
    who.require(Role::Admin)?;
    Ok(Actor {
        key_id: who.key_id,
        name: who.actor(),
    })
}

#[derive(Default)]
pub struct FiguresMutation;

#[Object]
impl FiguresMutation {
    /// Adds a figure an official source published, with its citation (ADMIN). Audited.
    async fn add_published_figure(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The figure.")] input: PublishedFigureInput,
    ) -> Result<PublishedFigure> {
        let actor = actor(ctx)?;
        let api = ctx.data::<ApiContext>()?;
        let made = figures::save(&api.db, None, &input.into(), &actor).await?;
        Ok(PublishedFigure(made))
    }

    /// Corrects a published figure: every field is replaced (ADMIN). Audited with the figure
    /// before and after.
    async fn correct_published_figure(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The figure's id.")] id: ID,
        #[graphql(desc = "The corrected figure.")] input: PublishedFigureInput,
    ) -> Result<PublishedFigure> {
        let actor = actor(ctx)?;
        let api = ctx.data::<ApiContext>()?;
        let key = match parse_global_id(&id) {
            Some((kind, key)) if kind == "PublishedFigure" => key,
            _ => id.to_string(),
        };
        let id = key.parse::<i32>().map_err(|_| {
            AppError::BadUserInput(format!(
                "\"{}\" is not a published figure's id",
                id.as_str()
            ))
        })?;
        let saved = figures::save(&api.db, Some(id), &input.into(), &actor).await?;
        Ok(PublishedFigure(saved))
    }

    /// Adds and corrects published figures from CSV text (ADMIN): the columns of
    /// `migration/data/published_figures_vietnam.csv` as `year,scope,metric,value,unit,
    /// period_start,period_end,notes,reliability,source` (the source's code), and `id` on a line
    /// that corrects a figure. All or nothing; every faulty line is named.
    async fn import_published_figures(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The CSV text, UTF-8.")] csv: String,
        #[graphql(desc = "Only check, and say what would change.")] dry_run: Option<bool>,
    ) -> Result<PublishedFiguresImport> {
        let actor = actor(ctx)?;
        let api = ctx.data::<ApiContext>()?;
        let dry_run = dry_run.unwrap_or(false);
        let o = figures::import(&api.db, csv.as_bytes(), &actor, dry_run).await?;
        Ok(PublishedFiguresImport {
            accepted: o.accepted,
            added: o.added,
            corrected: o.corrected,
            problems: o.problems.into_iter().map(ImportProblem::from).collect(),
        })
    }
}
