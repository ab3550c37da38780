//! Relay global object identification: `node(id)` fetches any object by its global id.
use async_graphql::{Context, ID, Interface, Object, Result};

use super::ApiContext;
use super::agency::Agency;
use super::campaign::{Activity, Campaign};
use super::ids::parse_global_id;
use super::region::Region;
use super::source::{PublishedFigure, Release, Source};
use crate::error::AppError;
use crate::store;

/// An object with a global id that `node(id:)` can fetch again.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "Relay global id."))]
pub enum Node {
    Region(Region),
    Agency(Agency),
    Campaign(Campaign),
    Activity(Activity),
    Source(Source),
    Release(Release),
    PublishedFigure(PublishedFigure),
}

#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Any object by its global `id`; null when nothing has that id.
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A global id from an object's `id` field.")] id: ID,
    ) -> Result<Option<Node>> {
        let api = ctx.data::<ApiContext>()?;
        let db = &api.db;
        let Some((kind, key)) = parse_global_id(&id) else {
            return Err(AppError::BadUserInput(
                "`id` is not a global id this API issued; take it from an object's `id` field."
                    .to_owned(),
            )
            .into());
        };
        let node = match kind.as_str() {
            "Region" => store::region::by_code(db, &key)
                .await
                .map_err(AppError::from)?
                .map(|m| Node::Region(Region(m))),
            "Agency" => store::catalogue::agency_by_code(db, &key)
                .await
                .map_err(AppError::from)?
                .map(|m| Node::Agency(Agency(m))),
            "Campaign" => store::campaign::by_slug(db, &key)
                .await
                .map_err(AppError::from)?
                .map(|m| Node::Campaign(Campaign(m))),
            "Activity" => store::activity::by_code(db, &key)
                .await
                .map_err(AppError::from)?
                .map(|m| Node::Activity(Activity(m))),
            "Source" => store::catalogue::source_by_code(db, &key)
                .await
                .map_err(AppError::from)?
                .map(|m| Node::Source(Source(m))),
            "Release" => store::catalogue::release_by_code(db, &key)
                .await
                .map_err(AppError::from)?
                .map(|m| Node::Release(Release(m))),
            "PublishedFigure" => match key.parse::<i32>() {
                Ok(n) => store::catalogue::published_figure_by_id(db, n)
                    .await
                    .map_err(AppError::from)?
                    .map(|m| Node::PublishedFigure(PublishedFigure(m))),
                Err(_) => None,
            },
            _ => None,
        };
        Ok(node)
    }
}
