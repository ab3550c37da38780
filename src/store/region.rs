//! Region queries.
use chrono::NaiveDate;
use entity::region;
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
};

#[derive(Debug, Default)]
pub struct RegionFilter {
    pub level: Option<&'static str>,
    pub parent_code: Option<String>,
    pub valid_on: Option<NaiveDate>,
    pub search: Option<String>,
}

pub async fn by_code(
    db: &impl ConnectionTrait,
    code: &str,
) -> Result<Option<region::Model>, DbErr> {
    region::Entity::find()
        .filter(region::Column::Code.eq(code))
        .one(db)
        .await
}

pub async fn list(
    db: &impl ConnectionTrait,
    f: &RegionFilter,
    offset: u64,
    limit: u64,
) -> Result<(Vec<region::Model>, u64), DbErr> {
    let mut q = region::Entity::find().order_by_asc(region::Column::Code);
    if let Some(level) = f.level {
        q = q.filter(region::Column::Level.eq(level));
    }
    if let Some(parent) = &f.parent_code {
        // A sub-select keeps an unknown parent code an empty list, in the same statement.
        let parent_ids = sea_orm::sea_query::Query::select()
            .column(region::Column::Id)
            .from(region::Entity)
            .and_where(region::Column::Code.eq(parent.as_str()))
            .to_owned();
        q = q.filter(region::Column::ParentId.in_subquery(parent_ids));
    }
    if let Some(d) = f.valid_on {
        q = q
            .filter(
                Condition::any()
                    .add(region::Column::ValidFrom.is_null())
                    .add(region::Column::ValidFrom.lte(d)),
            )
            .filter(
                Condition::any()
                    .add(region::Column::ValidTo.is_null())
                    .add(region::Column::ValidTo.gte(d)),
            );
    }
    if let Some(s) = f.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let pattern = format!("%{}%", s.to_lowercase().replace(['\\', '%', '_'], ""));
        q = q.filter(
            Condition::any()
                .add(
                    Expr::expr(Func::lower(Expr::col(region::Column::NameEn)))
                        .like(pattern.clone()),
                )
                .add(Expr::expr(Func::lower(Expr::col(region::Column::NameVi))).like(pattern)),
        );
    }
    super::page(db, q, offset, limit).await
}
