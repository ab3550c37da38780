//! Relay cursor connections with a page-size cap. Cursors are opaque offsets: the lists they page
//! (reference data, campaigns, activities) change only with migrations or releases.
use async_graphql::SimpleObject;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::AppError;

/// Page size when `first` is not given.
pub const DEFAULT_PAGE_SIZE: u64 = 50;

use super::agency::Agency;
use super::campaign::{Activity, Campaign};
use super::region::Region;
use super::source::{PublishedFigure, Source};

/// Where a page lies in its list.
#[derive(SimpleObject, Debug, Clone)]
pub struct PageInfo {
    /// True when items come before this page.
    pub has_previous_page: bool,
    /// True when items come after this page: ask for them with `after: endCursor`.
    pub has_next_page: bool,
    /// Cursor of the first item of the page.
    pub start_cursor: Option<String>,
    /// Cursor of the last item of the page: pass it as `after` for the next page.
    pub end_cursor: Option<String>,
}

/// One page before it takes its GraphQL type.
pub struct RawPage<T> {
    pub edges: Vec<(String, T)>,
    pub page_info: PageInfo,
    pub total_count: u64,
}

/// An object type that lists come in pages of.
pub trait Paged: Sized {
    /// Its connection type (`RegionConnection` …).
    type Connection: From<RawPage<Self>>;
}

/// The connection type of `T`.
pub type Page<T> = <T as Paged>::Connection;

/// `$max_age`: the cache-control hint of the connection, its node type's, so that a query of
/// the page alone (`totalCount`, `pageInfo`) is as cacheable as one of its items.
macro_rules! page_types {
    ($($node:ty => $conn:ident, $edge:ident, $max_age:tt;)*) => {$(
        /// One page of a list (a Relay cursor connection): its items with their cursors, where
        /// the page lies, and how many items the whole list holds.
        #[derive(SimpleObject)]
        #[graphql(cache_control(max_age = $max_age))]
        pub struct $conn {
            /// The items of this page, each with its cursor.
            pub edges: Vec<$edge>,
            /// Where this page lies in the list.
            pub page_info: PageInfo,
            /// Number of items in the whole list (all pages), after the filters.
            pub total_count: u64,
        }

        /// An item of a page, with its cursor.
        #[derive(SimpleObject)]
        pub struct $edge {
            /// Opaque cursor of this item: pass it as `after` to start after it.
            pub cursor: String,
            /// The item.
            pub node: $node,
        }

        impl From<RawPage<$node>> for $conn {
            fn from(p: RawPage<$node>) -> Self {
                let edges = p.edges.into_iter().map(|(cursor, node)| $edge { cursor, node }).collect();
                $conn { edges, page_info: p.page_info, total_count: p.total_count }
            }
        }

        impl Paged for $node {
            type Connection = $conn;
        }
    )*};
}

page_types! {
    Region => RegionConnection, RegionEdge, 86400;
    Agency => AgencyConnection, AgencyEdge, 86400;
    Campaign => CampaignConnection, CampaignEdge, 86400;
    Activity => ActivityConnection, ActivityEdge, 86400;
    Source => SourceConnection, SourceEdge, 86400;
    PublishedFigure => PublishedFigureConnection, PublishedFigureEdge, 86400;
}

/// Where a page starts and how long it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageArgs {
    pub offset: u64,
    pub limit: u64,
}

fn encode_cursor(offset: u64) -> String {
    URL_SAFE_NO_PAD.encode(format!("o:{offset}"))
}

fn decode_cursor(cursor: &str) -> Option<u64> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    std::str::from_utf8(&bytes)
        .ok()?
        .strip_prefix("o:")?
        .parse()
        .ok()
}

/// Validates `first` and `after`: a page larger than `max` or a cursor this API did not issue
/// is a `BAD_USER_INPUT` error that says what is allowed.
pub fn page_args(
    first: Option<i32>,
    after: Option<String>,
    max: u32,
) -> Result<PageArgs, AppError> {
    let limit = match first {
        None => DEFAULT_PAGE_SIZE.min(u64::from(max)),
        Some(n) if n < 0 => {
            return Err(AppError::BadUserInput(format!(
                "`first` must be between 0 and {max}; it was {n}."
            )));
        }
        Some(n) if n as u64 > u64::from(max) => {
            return Err(AppError::BadUserInput(format!(
                "`first` may be at most {max} (the page size cap); it was {n}. Ask for the next page with `after: pageInfo.endCursor`."
            )));
        }
        Some(n) => n as u64,
    };
    let offset = match after {
        None => 0,
        Some(c) => {
            let last = decode_cursor(&c).ok_or_else(|| AppError::BadUserInput("`after` is not a cursor this API issued; use `pageInfo.endCursor` or an edge's `cursor`.".to_owned()))?;
            // The page must end within what a database offset can say (a signed 64-bit number).
            last.checked_add(1)
                .filter(|o| o.checked_add(limit).is_some_and(|end| i64::try_from(end).is_ok()))
                .ok_or_else(|| AppError::BadUserInput("`after` points beyond the end of any list; use `pageInfo.endCursor` or an edge's `cursor`.".to_owned()))?
        }
    };
    Ok(PageArgs { offset, limit })
}

/// Builds a connection from one page of items starting at `page.offset`.
pub fn connection<T: Paged>(items: Vec<T>, page: PageArgs, total: u64) -> Page<T> {
    let end = page.offset + items.len() as u64;
    let edges: Vec<(String, T)> = items
        .into_iter()
        .enumerate()
        .map(|(i, node)| (encode_cursor(page.offset + i as u64), node))
        .collect();
    let page_info = PageInfo {
        has_previous_page: page.offset > 0,
        has_next_page: end < total,
        start_cursor: edges.first().map(|e| e.0.clone()),
        end_cursor: edges.last().map(|e| e.0.clone()),
    };
    RawPage {
        edges,
        page_info,
        total_count: total,
    }
    .into()
}

/// Pages a list already in memory (nested lists loaded in one batch for a whole parent list).
pub fn slice<T: Paged>(all: Vec<T>, page: PageArgs) -> Page<T> {
    let total = all.len() as u64;
    let items = all
        .into_iter()
        .skip(page.offset as usize)
        .take(page.limit as usize)
        .collect();
    connection(items, page, total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_foreign_cursors_are_refused() {
        assert_eq!(decode_cursor(&encode_cursor(41)), Some(41));
        assert_eq!(
            page_args(Some(10), Some(encode_cursor(9)), 100).ok(),
            Some(PageArgs {
                offset: 10,
                limit: 10
            })
        );
        assert!(page_args(Some(10), Some("bogus".into()), 100).is_err());
        assert!(page_args(Some(101), None, 100).is_err());
        assert!(page_args(Some(-1), None, 100).is_err());
        assert_eq!(
            page_args(None, None, 20).ok(),
            Some(PageArgs {
                offset: 0,
                limit: 20
            })
        );
    }
}
