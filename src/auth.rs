//! API keys and roles. A key is `ctip_` and 43 characters of randomness; only its SHA-256 is
//! stored (keys are random, so a fast hash is enough: there is nothing to guess). READER is the
//! anonymous default; every write needs EDITOR or ADMIN.
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Utc;
use entity::api_key;
use rand::RngCore;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter, QueryOrder,
};
use sha2::{Digest, Sha256};

use crate::error::AppError;

/// What a caller may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    Reader,
    Editor,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Reader => "READER",
            Role::Editor => "EDITOR",
            Role::Admin => "ADMIN",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        [Role::Reader, Role::Editor, Role::Admin]
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(s))
    }
}

/// Who is asking (request data).
#[derive(Debug, Clone)]
pub struct Caller {
    pub key_id: Option<i32>,
    pub name: String,
    pub role: Role,
}

impl Caller {
    pub fn anonymous() -> Self {
        Caller {
            key_id: None,
            name: "anonymous".to_owned(),
            role: Role::Reader,
        }
    }

    /// How the audit log names this caller.
    pub fn actor(&self) -> String {
        match self.key_id {
            Some(id) => format!("key:{id} ({})", self.name),
            None => self.name.clone(),
        }
    }

    /// Refuses a caller below `needed`: without a key `UNAUTHENTICATED`, with one `FORBIDDEN`.
    pub fn require(&self, needed: Role) -> Result<(), AppError> {
        if self.role >= needed {
            return Ok(());
        }
        if self.key_id.is_none() {
            Err(AppError::Unauthenticated(format!(
                "this operation needs an API key with role {} or higher: send it as `Authorization: Bearer <key>`",
                needed.as_str()
            )))
        } else {
            Err(AppError::Forbidden(format!(
                "this operation needs role {}; the key \"{}\" has role {}",
                needed.as_str(),
                self.name,
                self.role.as_str()
            )))
        }
    }
}

fn hash(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// Creates a key; returns the stored row and the key itself (shown once, never stored).
pub async fn create_key(
    db: &impl ConnectionTrait,
    role: Role,
    name: &str,
) -> Result<(api_key::Model, String), DbErr> {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let key = format!("ctip_{}", URL_SAFE_NO_PAD.encode(bytes));
    let model = api_key::ActiveModel {
        name: Set(name.to_owned()),
        role: Set(role.as_str().to_owned()),
        key_hash: Set(hash(&key)),
        key_prefix: Set(key[..12].to_owned()),
        created_at: Set(Utc::now()),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok((model, key))
}

pub async fn list_keys(db: &impl ConnectionTrait) -> Result<Vec<api_key::Model>, DbErr> {
    api_key::Entity::find()
        .order_by_asc(api_key::Column::Id)
        .all(db)
        .await
}

/// Revokes a key; false when no active key has that id.
pub async fn revoke_key(db: &impl ConnectionTrait, id: i32) -> Result<bool, DbErr> {
    let Some(k) = api_key::Entity::find_by_id(id).one(db).await? else {
        return Ok(false);
    };
    if k.revoked_at.is_some() {
        return Ok(false);
    }
    let mut active: api_key::ActiveModel = k.into();
    active.revoked_at = Set(Some(Utc::now()));
    active.update(db).await?;
    Ok(true)
}

/// The key of an `Authorization: Bearer <key>` header value; the scheme is case-insensitive
/// (RFC 9110 §11.1), so `bearer` and `BEARER` name the same key.
pub fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, key) = value.trim_start().split_once([' ', '\t'])?;
    let key = key.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !key.is_empty()).then_some(key)
}

/// The caller an `Authorization` header names: anonymous without one; an unknown or revoked key
/// is refused (a client that sends a key means to write, and must learn that it cannot).
pub async fn authenticate(
    db: &impl ConnectionTrait,
    authorization: Option<&str>,
) -> Result<Caller, AppError> {
    let Some(value) = authorization else {
        return Ok(Caller::anonymous());
    };
    let key = bearer_token(value).ok_or_else(|| {
        AppError::Unauthenticated("the Authorization header must be `Bearer <key>`".to_owned())
    })?;
    let found = api_key::Entity::find()
        .filter(api_key::Column::KeyHash.eq(hash(key)))
        .filter(api_key::Column::RevokedAt.is_null())
        .one(db)
        .await?;
    match found {
        Some(k) => Ok(Caller {
            key_id: Some(k.id),
            role: Role::parse(&k.role).unwrap_or(Role::Reader),
            name: k.name,
        }),
        None => Err(AppError::Unauthenticated(
            "this API key is not valid or has been revoked".to_owned(),
        )),
    }
}
