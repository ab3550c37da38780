//! Relay global ids as GraphQL `ID`s (the scheme is [`crate::ids`]).
use async_graphql::ID;

pub use crate::ids::parse_global_id;

pub fn global_id(type_name: &str, key: &str) -> ID {
    ID(crate::ids::encode(type_name, key))
}
