//! Sources, releases, agencies and published figures.
use entity::{agency, audit_log, published_figure, release, source};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

pub async fn sources(
    db: &impl ConnectionTrait,
    offset: u64,
    limit: u64,
) -> Result<(Vec<source::Model>, u64), DbErr> {
    super::page(
        db,
        source::Entity::find()
            .filter(source::Column::Retired.eq(false))
            .order_by_asc(source::Column::Id),
        offset,
        limit,
    )
    .await
}

pub async fn source_by_code(
    db: &impl ConnectionTrait,
    code: &str,
) -> Result<Option<source::Model>, DbErr> {
    source::Entity::find()
        .filter(source::Column::Code.eq(code))
        .one(db)
        .await
}

/// Published releases, newest first (drafts are never listed).
pub async fn published_releases(db: &impl ConnectionTrait) -> Result<Vec<release::Model>, DbErr> {
    release::Entity::find()
        .filter(release::Column::PublishedAt.is_not_null())
        .order_by_desc(release::Column::Id)
        .all(db)
        .await
}

pub async fn release_by_code(
    db: &impl ConnectionTrait,
    code: &str,
) -> Result<Option<release::Model>, DbErr> {
    release::Entity::find()
        .filter(release::Column::Code.eq(code))
        .filter(release::Column::PublishedAt.is_not_null())
        .one(db)
        .await
}

pub async fn current_release(db: &impl ConnectionTrait) -> Result<Option<release::Model>, DbErr> {
    release::Entity::find()
        .filter(release::Column::PublishedAt.is_not_null())
        .order_by_desc(release::Column::Id)
        .one(db)
        .await
}

/// The audited entities the public sees: an edit of one of them changes the data version. Draft
/// counts (`case_count`) and API keys are not public: writing them must not change what caches
/// and ETags are keyed by, or anyone could watch editors work (and every cache would empty during
/// an import). A new public entity belongs here.
pub const PUBLIC_ENTITIES: [&str; 6] = [
    "release",
    "source",
    "agency",
    "campaign",
    "activity",
    "published_figure",
];

/// What the public sees, as one string that changes with it: the current release and the last
/// edit of the public catalogue (every edit is audited, in the transaction that makes it).
/// `None` before any release.
pub async fn data_version(db: &impl ConnectionTrait) -> Result<Option<String>, DbErr> {
    let Some(release) = current_release(db).await? else {
        return Ok(None);
    };
    let last_edit: Option<i64> = audit_log::Entity::find()
        .select_only()
        .column_as(audit_log::Column::Id.max(), "last")
        .filter(audit_log::Column::Entity.is_in(PUBLIC_ENTITIES))
        .into_tuple()
        .one(db)
        .await?
        .flatten();
    Ok(Some(format!("{}:{}", release.code, last_edit.unwrap_or(0))))
}

pub async fn agency_by_code(
    db: &impl ConnectionTrait,
    code: &str,
) -> Result<Option<agency::Model>, DbErr> {
    agency::Entity::find()
        .filter(agency::Column::Code.eq(code))
        .one(db)
        .await
}

pub async fn agencies(
    db: &impl ConnectionTrait,
    kind: Option<&str>,
    offset: u64,
    limit: u64,
) -> Result<(Vec<agency::Model>, u64), DbErr> {
    let mut q = agency::Entity::find()
        .filter(agency::Column::Retired.eq(false))
        .order_by_asc(agency::Column::Code);
    if let Some(kind) = kind {
        q = q.filter(agency::Column::Kind.eq(kind));
    }
    super::page(db, q, offset, limit).await
}

#[derive(Debug, Default)]
pub struct FigureFilter {
    pub year: Option<i32>,
    pub metric: Option<String>,
    pub scope: Option<String>,
}

pub async fn published_figures(
    db: &impl ConnectionTrait,
    f: &FigureFilter,
    offset: u64,
    limit: u64,
) -> Result<(Vec<published_figure::Model>, u64), DbErr> {
    let mut q = published_figure::Entity::find()
        .order_by_asc(published_figure::Column::Year)
        .order_by_asc(published_figure::Column::Id);
    if let Some(y) = f.year {
        q = q.filter(published_figure::Column::Year.eq(y));
    }
    if let Some(m) = &f.metric {
        q = q.filter(published_figure::Column::Metric.eq(m.as_str()));
    }
    if let Some(s) = &f.scope {
        q = q.filter(published_figure::Column::Scope.eq(s.as_str()));
    }
    super::page(db, q, offset, limit).await
}

pub async fn published_figure_by_id(
    db: &impl ConnectionTrait,
    id: i32,
) -> Result<Option<published_figure::Model>, DbErr> {
    published_figure::Entity::find_by_id(id).one(db).await
}
