//! The statistics queries: one `GROUP BY` over the finest cells computing `SUM(n)` and
//! `SUM(key_sum)` per node (disclosure.md §2), and the reference lists that make every
//! category appear in a result. Raw sums never leave the crate: `statistics` protects them.
use entity::{case_count, region_ancestor};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, JoinType, Query, SelectStatement};
use sea_orm::{ConnectionTrait, DbErr, QueryResult};

use crate::dimensions::{Boundaries, Category, RegionLevel};

/// Period grouping of the SQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodGroup {
    Year,
    Quarter,
    Month,
}

/// One `GROUP BY` request, already checked against the lattice.
#[derive(Debug, Clone)]
pub struct GroupQuery {
    pub metric: &'static str,
    pub release_id: i32,
    pub boundaries: Boundaries,
    /// Only cells of provinces counting toward this node (level, region id).
    pub region_filter: Option<(RegionLevel, i32)>,
    /// Only cells of these months: (first, last) as `year * 12 + month - 1`.
    pub months: Option<(i32, i32)>,
    /// Equality filters on category dimensions.
    pub category_filters: Vec<(Category, &'static str)>,
    /// Group by the node of this level.
    pub group_region_level: Option<RegionLevel>,
    /// Only these nodes of the grouping level (a batch of `Region.caseTotal`).
    pub group_region_only: Option<Vec<i32>>,
    pub group_period: Option<PeriodGroup>,
    pub group_categories: Vec<Category>,
    /// Read the per-release rollups where they hold the same sums (see [`source_for`]).
    pub use_rollups: bool,
}

/// Where a `GROUP BY` reads its sums from. Every source gives the same `SUM(n)` and
/// `SUM(key_sum)` per node, so the same protected values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellSource {
    /// The finest cells.
    Cells,
    /// Per release, province and month, summed over every category.
    MonthRollup,
    /// Per release, year and category, summed over every region.
    YearRollup,
}

/// The smallest source that holds every cell of the request, summed the same way.
pub fn source_for(g: &GroupQuery) -> CellSource {
    if !g.use_rollups {
        return CellSource::Cells;
    }
    if g.category_filters.is_empty() && g.group_categories.is_empty() {
        return CellSource::MonthRollup;
    }
    let whole_years = g
        .months
        .is_none_or(|(from, to)| from.rem_euclid(12) == 0 && to.rem_euclid(12) == 11);
    let national = g.region_filter.is_none() && g.group_region_level.is_none();
    let yearly = matches!(g.group_period, None | Some(PeriodGroup::Year));
    if whole_years && national && yearly {
        CellSource::YearRollup
    } else {
        CellSource::Cells
    }
}

/// The sums of one node: only ever handed to the disclosure module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeSums {
    pub region_id: Option<i32>,
    pub year: Option<i32>,
    /// Quarter (1–4) or month (1–12), by the period grouping.
    pub sub_period: Option<i32>,
    pub categories: Vec<String>,
    pub n: i64,
    pub key_sum: i64,
}

pub fn column(c: Category) -> case_count::Column {
    match c {
        Category::Sex => case_count::Column::Sex,
        Category::AgeGroup => case_count::Column::AgeGroup,
        Category::ExploitationForm => case_count::Column::ExploitationForm,
        Category::Destination => case_count::Column::Destination,
    }
}

/// Cells in the release: first published in it or before, not replaced by it.
fn in_release(q: &mut SelectStatement, table: &str, release_id: i32) {
    let col = |c: &str| Expr::col((Alias::new(table), Alias::new(c)));
    q.and_where(col("release_from").lte(release_id)).and_where(
        col("release_to")
            .is_null()
            .or(col("release_to").gt(release_id)),
    );
}

/// (Re)computes the rollups of a release from its finest cells: two `INSERT … SELECT … GROUP BY`.
/// Run when a release is published; a published release never changes afterwards.
pub async fn build_rollups(db: &impl ConnectionTrait, release_id: i32) -> Result<(), DbErr> {
    for table in ["case_rollup_month", "case_rollup_year"] {
        let del = Query::delete()
            .from_table(Alias::new(table))
            .and_where(Expr::col(Alias::new("release_id")).eq(release_id))
            .to_owned();
        db.execute(&del).await?;
    }
    let targets: [(&str, &[&str]); 2] = [
        (
            "case_rollup_month",
            &["metric", "region_id", "year", "month"],
        ),
        (
            "case_rollup_year",
            &[
                "metric",
                "year",
                "sex",
                "age_group",
                "exploitation_form",
                "destination",
            ],
        ),
    ];
    let c = |name: &str| Expr::col((Alias::new("c"), Alias::new(name)));
    for (table, keys) in targets {
        let mut select = Query::select();
        select
            .from_as(case_count::Entity, Alias::new("c"))
            .expr(Expr::val(release_id));
        for col in keys {
            select.expr(c(col));
            select.add_group_by([c(col)]);
        }
        select.expr(Func::cast_as(Func::sum(c("n")), Alias::new("BIGINT")));
        select.expr(Func::cast_as(Func::sum(c("key_sum")), Alias::new("BIGINT")));
        in_release(&mut select, "c", release_id);
        let columns = std::iter::once("release_id")
            .chain(keys.iter().copied())
            .chain(["n", "key_sum"]);
        let insert = Query::insert()
            .into_table(Alias::new(table))
            .columns(columns.map(Alias::new))
            .select_from(select)
            .map_err(|e| DbErr::Custom(e.to_string()))?
            .to_owned();
        db.execute(&insert).await?;
    }
    Ok(())
}

/// The table a source reads, aliased `c`, limited to the release.
fn from_source(q: &mut SelectStatement, source: CellSource, release_id: i32) {
    let table = match source {
        CellSource::Cells => {
            q.from_as(case_count::Entity, Alias::new("c"));
            in_release(q, "c", release_id);
            return;
        }
        CellSource::MonthRollup => "case_rollup_month",
        CellSource::YearRollup => "case_rollup_year",
    };
    q.from_as(Alias::new(table), Alias::new("c"));
    q.and_where(Expr::col((Alias::new("c"), Alias::new("release_id"))).eq(release_id));
}

fn build(g: &GroupQuery) -> SelectStatement {
    let c = |name: &str| Expr::col((Alias::new("c"), Alias::new(name)));
    let mut q = Query::select();
    let source = source_for(g);
    from_source(&mut q, source, g.release_id);
    if let Some(level) = g.group_region_level {
        q.join_as(
            JoinType::InnerJoin,
            region_ancestor::Entity,
            Alias::new("g"),
            Expr::col((Alias::new("g"), Alias::new("province_id")))
                .equals((Alias::new("c"), Alias::new("region_id")))
                .and(
                    Expr::col((Alias::new("g"), Alias::new("boundaries"))).eq(g.boundaries.as_db()),
                )
                .and(Expr::col((Alias::new("g"), Alias::new("level"))).eq(level.as_db())),
        );
        if let Some(only) = &g.group_region_only {
            q.and_where(
                Expr::col((Alias::new("g"), Alias::new("ancestor_id"))).is_in(only.iter().copied()),
            );
        }
        q.expr_as(
            Expr::col((Alias::new("g"), Alias::new("ancestor_id"))),
            Alias::new("node_region"),
        );
        q.add_group_by([Expr::col((Alias::new("g"), Alias::new("ancestor_id")))]);
    }
    if let Some((level, id)) = g.region_filter {
        q.join_as(
            JoinType::InnerJoin,
            region_ancestor::Entity,
            Alias::new("f"),
            Expr::col((Alias::new("f"), Alias::new("province_id")))
                .equals((Alias::new("c"), Alias::new("region_id")))
                .and(
                    Expr::col((Alias::new("f"), Alias::new("boundaries"))).eq(g.boundaries.as_db()),
                )
                .and(Expr::col((Alias::new("f"), Alias::new("level"))).eq(level.as_db()))
                .and(Expr::col((Alias::new("f"), Alias::new("ancestor_id"))).eq(id)),
        );
    }
    q.and_where(c("metric").eq(g.metric));
    if let Some((from, to)) = g.months {
        let (fy, ty) = (from.div_euclid(12), to.div_euclid(12));
        // Periods are aligned (a month, a quarter or a year), so they never cross a year boundary.
        q.and_where(c("year").gte(fy)).and_where(c("year").lte(ty));
        if fy == ty && source != CellSource::YearRollup {
            q.and_where(c("month").gte(from.rem_euclid(12) + 1))
                .and_where(c("month").lte(to.rem_euclid(12) + 1));
        }
    }
    for (cat, value) in &g.category_filters {
        q.and_where(Expr::col((Alias::new("c"), column(*cat))).eq(*value));
    }
    if let Some(p) = g.group_period {
        q.expr_as(c("year"), Alias::new("node_year"));
        q.add_group_by([c("year")]);
        match p {
            PeriodGroup::Year => {}
            PeriodGroup::Quarter => {
                // Integer division on both SQLite and PostgreSQL; written literally (no bound
                // parameters) so that PostgreSQL sees the same expression in SELECT and GROUP BY.
                let quarter = Expr::cust(r#"(("c"."month" + 2) / 3)"#);
                q.expr_as(quarter.clone(), Alias::new("node_sub"));
                q.add_group_by([quarter]);
            }
            PeriodGroup::Month => {
                q.expr_as(c("month"), Alias::new("node_sub"));
                q.add_group_by([c("month")]);
            }
        }
    }
    for (i, cat) in g.group_categories.iter().enumerate() {
        let col = Expr::col((Alias::new("c"), column(*cat)));
        q.expr_as(col.clone(), Alias::new(format!("node_cat{i}")));
        q.add_group_by([col]);
    }
    // PostgreSQL sums BIGINT into NUMERIC: cast back so both databases answer a 64-bit integer.
    q.expr_as(
        Func::cast_as(Func::sum(c("n")), Alias::new("BIGINT")),
        Alias::new("sum_n"),
    );
    q.expr_as(
        Func::cast_as(Func::sum(c("key_sum")), Alias::new("BIGINT")),
        Alias::new("sum_key_sum"),
    );
    q.to_owned()
}

fn read(row: &QueryResult, g: &GroupQuery) -> Result<NodeSums, DbErr> {
    let opt = |on: bool, col: &str| -> Result<Option<i32>, DbErr> {
        if on {
            row.try_get::<i32>("", col).map(Some)
        } else {
            Ok(None)
        }
    };
    let categories = (0..g.group_categories.len())
        .map(|i| row.try_get::<String>("", &format!("node_cat{i}")))
        .collect::<Result<_, _>>()?;
    Ok(NodeSums {
        region_id: opt(g.group_region_level.is_some(), "node_region")?,
        year: opt(g.group_period.is_some(), "node_year")?,
        sub_period: opt(
            matches!(
                g.group_period,
                Some(PeriodGroup::Quarter | PeriodGroup::Month)
            ),
            "node_sub",
        )?,
        categories,
        n: row.try_get::<Option<i64>>("", "sum_n")?.unwrap_or(0),
        key_sum: row.try_get::<Option<i64>>("", "sum_key_sum")?.unwrap_or(0),
    })
}

/// The one `GROUP BY` of a statistics request: a row per non-empty node.
pub async fn group_sums(db: &impl ConnectionTrait, g: &GroupQuery) -> Result<Vec<NodeSums>, DbErr> {
    let rows = db.query_all(&build(g)).await?;
    rows.iter().map(|r| read(r, g)).collect()
}

/// The first and last month (as `year * 12 + month - 1`) a published release holds, across every
/// metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReleaseMonths {
    pub release_id: i32,
    pub first: i32,
    pub last: i32,
}

/// The months of every published release up to `up_to` that holds counts, oldest first: one
/// statement over the month rollups (built when a release is published).
pub async fn release_months(
    db: &impl ConnectionTrait,
    up_to: i32,
) -> Result<Vec<ReleaseMonths>, DbErr> {
    let c = |name: &str| Expr::col((Alias::new("c"), Alias::new(name)));
    let ym = c("year").mul(12).add(c("month")).sub(1);
    let mut q = Query::select();
    q.from_as(Alias::new("case_rollup_month"), Alias::new("c"))
        .join_as(
            JoinType::InnerJoin,
            entity::release::Entity,
            Alias::new("r"),
            Expr::col((Alias::new("r"), Alias::new("id")))
                .equals((Alias::new("c"), Alias::new("release_id"))),
        )
        .and_where(Expr::col((Alias::new("r"), Alias::new("published_at"))).is_not_null())
        .and_where(c("release_id").lte(up_to))
        .expr_as(c("release_id"), Alias::new("release_id"))
        .expr_as(Func::min(ym.clone()), Alias::new("first"))
        .expr_as(Func::max(ym), Alias::new("last"))
        .add_group_by([c("release_id")])
        .order_by(
            (Alias::new("c"), Alias::new("release_id")),
            sea_orm::Order::Asc,
        );
    let mut out = Vec::new();
    for row in db.query_all(&q).await? {
        out.push(ReleaseMonths {
            release_id: row.try_get("", "release_id")?,
            first: row.try_get("", "first")?,
            last: row.try_get("", "last")?,
        });
    }
    Ok(out)
}
