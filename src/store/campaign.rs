//! Campaign queries.
use chrono::NaiveDate;
use entity::campaign;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
};

pub async fn by_slug(
    db: &impl ConnectionTrait,
    slug: &str,
) -> Result<Option<campaign::Model>, DbErr> {
    campaign::Entity::find()
        .filter(campaign::Column::Slug.eq(slug))
        .one(db)
        .await
}

/// Campaigns active on a day, or overlapping a year, oldest first.
pub async fn list(
    db: &impl ConnectionTrait,
    active_on: Option<NaiveDate>,
    year: Option<i32>,
    offset: u64,
    limit: u64,
) -> Result<(Vec<campaign::Model>, u64), DbErr> {
    let mut q = campaign::Entity::find()
        .filter(campaign::Column::Retired.eq(false))
        .order_by_asc(campaign::Column::StartDate)
        .order_by_asc(campaign::Column::Id);
    let overlap = |q: sea_orm::Select<campaign::Entity>, from: NaiveDate, to: NaiveDate| {
        q.filter(
            Condition::any()
                .add(campaign::Column::StartDate.is_null())
                .add(campaign::Column::StartDate.lte(to)),
        )
        .filter(
            Condition::any()
                .add(campaign::Column::EndDate.is_null())
                .add(campaign::Column::EndDate.gte(from)),
        )
    };
    if let Some(d) = active_on {
        q = overlap(q, d, d);
    }
    if let Some(y) = year
        && let (Some(from), Some(to)) = (
            NaiveDate::from_ymd_opt(y, 1, 1),
            NaiveDate::from_ymd_opt(y, 12, 31),
        )
    {
        q = overlap(q, from, to);
    }
    super::page(db, q, offset, limit).await
}

/// Ids of a campaign and every campaign below it (campaign trees are shallow and small).
pub async fn with_descendants(db: &impl ConnectionTrait, root: i32) -> Result<Vec<i32>, DbErr> {
    let links: Vec<(i32, Option<i32>)> = campaign::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.parent_id))
        .collect();
    Ok(descendants(&links, root))
}

/// `root` and every id below it in the `(id, parent)` links (a cycle cannot loop forever).
pub fn descendants(links: &[(i32, Option<i32>)], root: i32) -> Vec<i32> {
    let mut out = vec![root];
    let mut i = 0;
    while i < out.len() {
        let cur = out[i];
        for (id, _) in links.iter().filter(|(_, p)| *p == Some(cur)) {
            if !out.contains(id) {
                out.push(*id);
            }
        }
        i += 1;
    }
    out
}
