//! The audit trail, readable by ADMIN only.
use async_graphql::{Context, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::audit_log;
use sea_orm::{EntityTrait, QueryOrder};

use super::ApiContext;
use super::mutation::caller;
use super::pagination::{Page, Paged, RawPage, connection, page_args};
use crate::auth::Role;
use crate::error::AppError;

/// One change: who, when, what, before and after. The log is append-only.
#[derive(SimpleObject, Clone)]
pub struct AuditEntry {
    /// Sequence number.
    pub id: i64,
    /// When the change was made.
    pub at: DateTime<Utc>,
    /// The API key that made it (null for the command line).
    pub key_id: Option<i32>,
    /// Who made it, as recorded.
    pub actor: String,
    /// What was done, e.g. `set_count`, `publish_release`, `create_source`.
    pub action: String,
    /// What kind of thing changed.
    pub entity: String,
    /// Which one.
    pub entity_key: String,
    /// Its state before (JSON), null for a creation.
    pub before: Option<String>,
    /// Its state after (JSON), null for a removal.
    pub after: Option<String>,
}

/// One page of the audit log, newest first.
#[derive(SimpleObject)]
pub struct AuditConnection {
    /// The entries of this page, each with its cursor.
    pub edges: Vec<AuditEdge>,
    /// Where this page lies in the list.
    pub page_info: super::pagination::PageInfo,
    /// Number of entries in the whole log.
    pub total_count: u64,
}

/// An audit entry with its cursor.
#[derive(SimpleObject)]
pub struct AuditEdge {
    /// Opaque cursor of this entry: pass it as `after` to start after it.
    pub cursor: String,
    /// The entry.
    pub node: AuditEntry,
}

impl From<RawPage<AuditEntry>> for AuditConnection {
    fn from(p: RawPage<AuditEntry>) -> Self {
        let edges = p
            .edges
            .into_iter()
            .map(|(cursor, node)| AuditEdge { cursor, node })
            .collect();
        AuditConnection {
            edges,
            page_info: p.page_info,
            total_count: p.total_count,
        }
    }
}

impl Paged for AuditEntry {
    type Connection = AuditConnection;
}

#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// The audit trail of every change, newest first (ADMIN only).
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size (at most the page size cap).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the edge to start after.")] after: Option<String>,
    ) -> Result<Page<AuditEntry>> {
        caller(ctx).require(Role::Admin)?;
        let api = ctx.data::<ApiContext>()?;
        let page = page_args(first, after, api.max_page_size)?;
        let select = audit_log::Entity::find().order_by_desc(audit_log::Column::Id);
        let (rows, total) = crate::store::page(&api.db, select, page.offset, page.limit)
            .await
            .map_err(AppError::from)?;
        let entries = rows
            .into_iter()
            .map(|m| AuditEntry {
                id: m.id,
                at: m.at,
                key_id: m.key_id,
                actor: m.actor,
                action: m.action,
                entity: m.entity,
                entity_key: m.entity_key,
                before: m.before,
                after: m.after,
            })
            .collect();
        Ok(connection(entries, page, total))
    }
}
