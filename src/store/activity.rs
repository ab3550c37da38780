//! Activity queries.
use chrono::NaiveDate;
use entity::{activity, activity_agency};
use sea_orm::sea_query::Query;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
};

#[derive(Debug, Default)]
pub struct ActivityFilter {
    /// The campaign and its sub-campaigns.
    pub campaign_ids: Option<Vec<i32>>,
    /// Led by, or with the participation of, this agency.
    pub agency_id: Option<i32>,
    pub kind: Option<&'static str>,
    pub status: Option<&'static str>,
    pub region_id: Option<i32>,
    pub active_on: Option<NaiveDate>,
}

pub async fn by_code(
    db: &impl ConnectionTrait,
    code: &str,
) -> Result<Option<activity::Model>, DbErr> {
    activity::Entity::find()
        .filter(activity::Column::Code.eq(code))
        .one(db)
        .await
}

pub async fn list(
    db: &impl ConnectionTrait,
    f: &ActivityFilter,
    offset: u64,
    limit: u64,
) -> Result<(Vec<activity::Model>, u64), DbErr> {
    let mut q = activity::Entity::find()
        .filter(activity::Column::Retired.eq(false))
        .order_by_asc(activity::Column::Id);
    if let Some(ids) = &f.campaign_ids {
        q = q.filter(activity::Column::CampaignId.is_in(ids.clone()));
    }
    if let Some(a) = f.agency_id {
        let participating = Query::select()
            .column(activity_agency::Column::ActivityId)
            .from(activity_agency::Entity)
            .and_where(activity_agency::Column::AgencyId.eq(a))
            .to_owned();
        q = q.filter(
            Condition::any()
                .add(activity::Column::LeadAgencyId.eq(a))
                .add(activity::Column::Id.in_subquery(participating)),
        );
    }
    if let Some(k) = f.kind {
        q = q.filter(activity::Column::Kind.eq(k));
    }
    if let Some(s) = f.status {
        q = q.filter(activity::Column::Status.eq(s));
    }
    if let Some(r) = f.region_id {
        q = q.filter(activity::Column::RegionId.eq(r));
    }
    if let Some(d) = f.active_on {
        q = q
            .filter(
                Condition::any()
                    .add(activity::Column::StartDate.is_null())
                    .add(activity::Column::StartDate.lte(d)),
            )
            .filter(
                Condition::any()
                    .add(activity::Column::EndDate.is_null())
                    .add(activity::Column::EndDate.gte(d)),
            );
    }
    super::page(db, q, offset, limit).await
}
