//! Subscriptions (graphql-transport-ws on `/graphql`): dashboards learn that a release was
//! published, through whichever replica (see `crate::events`), and refresh.
use async_graphql::{Context, Result, Subscription};
use futures_util::Stream;
use futures_util::StreamExt;
use tokio_stream::wrappers::BroadcastStream;

use super::ApiContext;
use super::source::Release;

#[derive(Default)]
pub struct SubscriptionRoot;

/// Events over WebSocket (graphql-transport-ws on `/graphql`).
#[Subscription(name = "Subscription")]
impl SubscriptionRoot {
    /// Each newly published release, as it is published: refresh what you show.
    async fn release_published(&self, ctx: &Context<'_>) -> Result<impl Stream<Item = Release>> {
        let api = ctx.data::<ApiContext>()?;
        // A subscriber too slow to keep up skips releases rather than stopping the stream.
        Ok(BroadcastStream::new(api.events.subscribe())
            .filter_map(|r| async move { r.ok().map(Release) }))
    }
}
