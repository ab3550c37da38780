//! API keys and roles. A key is `ctip_` and 43 characters of randomness; only its SHA-256 is
//! stored (keys are random, so a fast hash is enough: there is nothing to guess). READER is the
//! anonymous default; every write needs EDITOR or ADMIN. An EDITOR key is bound to the sources
//! it may write (the agency or NGO that owns them); an ADMIN key is bound to none and writes any.
//! Creating and revoking a key is audited.
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Utc;
use entity::{api_key, api_key_source, source};
use rand::RngCore;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, QueryFilter, QueryOrder, TransactionTrait,
};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::error::AppError;
use crate::store::writes::{self, Actor};

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
    /// The sources an EDITOR key may write (by id); empty for other roles.
    pub sources: Vec<i32>,
}

impl Caller {
    pub fn anonymous() -> Self {
        Caller {
            key_id: None,
            name: "anonymous".to_owned(),
            role: Role::Reader,
            sources: Vec::new(),
        }
    }

    /// Refuses a caller who may not write `source`'s data: an EDITOR key writes only the
    /// sources it is bound to, an ADMIN key any. The refusal names the caller's own sources only.
    pub fn may_write(&self, source: &source::Model) -> Result<(), AppError> {
        self.require(Role::Editor)?;
        if self.role >= Role::Admin || self.sources.contains(&source.id) {
            return Ok(());
        }
        Err(AppError::Forbidden(format!(
            "the key \"{}\" may not write the source \"{}\": an EDITOR key writes only the sources \
             it was created for (`keys create --role EDITOR --source CODE`){}",
            self.name,
            source.code,
            if self.sources.is_empty() {
                ", and this one was created for none"
            } else {
                ""
            }
        )))
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

/// Creates a key bound to `sources` (EDITOR keys; an ADMIN key writes any source and takes
/// none), and audits it; returns the stored row and the key itself (shown once, never stored).
pub async fn create_key(
    db: &DatabaseConnection,
    role: Role,
    name: &str,
    sources: &[source::Model],
    actor: &Actor,
) -> Result<(api_key::Model, String), DbErr> {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let key = format!("ctip_{}", URL_SAFE_NO_PAD.encode(bytes));
    let txn = db.begin().await?;
    let model = api_key::ActiveModel {
        name: Set(name.to_owned()),
        role: Set(role.as_str().to_owned()),
        key_hash: Set(hash(&key)),
        key_prefix: Set(key[..12].to_owned()),
        created_at: Set(Utc::now()),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    for s in sources {
        api_key_source::ActiveModel {
            key_id: Set(model.id),
            source_id: Set(s.id),
        }
        .insert(&txn)
        .await?;
    }
    let codes: Vec<&str> = sources.iter().map(|s| s.code.as_str()).collect();
    let after = json!({ "name": model.name, "role": model.role, "prefix": model.key_prefix, "sources": codes });
    writes::record(
        &txn,
        actor,
        "create_key",
        "api_key",
        model.id.to_string(),
        None,
        Some(after.to_string()),
    )
    .await?;
    txn.commit().await?;
    Ok((model, key))
}

pub async fn list_keys(db: &impl ConnectionTrait) -> Result<Vec<api_key::Model>, DbErr> {
    api_key::Entity::find()
        .order_by_asc(api_key::Column::Id)
        .all(db)
        .await
}

/// The codes of the sources each key is bound to, by key id.
pub async fn key_sources(
    db: &impl ConnectionTrait,
) -> Result<std::collections::HashMap<i32, Vec<String>>, DbErr> {
    let codes: std::collections::HashMap<i32, String> = source::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s.code))
        .collect();
    let mut out: std::collections::HashMap<i32, Vec<String>> = std::collections::HashMap::new();
    for b in api_key_source::Entity::find().all(db).await? {
        if let Some(code) = codes.get(&b.source_id) {
            out.entry(b.key_id).or_default().push(code.clone());
        }
    }
    Ok(out)
}

/// Revokes a key, and audits it; false when no active key has that id.
pub async fn revoke_key(db: &DatabaseConnection, id: i32, actor: &Actor) -> Result<bool, DbErr> {
    let txn = db.begin().await?;
    let Some(k) = api_key::Entity::find_by_id(id).one(&txn).await? else {
        return Ok(false);
    };
    if k.revoked_at.is_some() {
        return Ok(false);
    }
    let before = json!({ "name": k.name, "role": k.role, "prefix": k.key_prefix });
    let mut active: api_key::ActiveModel = k.into();
    let now = Utc::now();
    active.revoked_at = Set(Some(now));
    active.update(&txn).await?;
    writes::record(
        &txn,
        actor,
        "revoke_key",
        "api_key",
        id.to_string(),
        Some(before.to_string()),
        Some(json!({ "revoked_at": now.to_rfc3339() }).to_string()),
    )
    .await?;
    txn.commit().await?;
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
        Some(k) => {
            let role = Role::parse(&k.role).unwrap_or(Role::Reader);
            let sources = if role == Role::Editor {
                api_key_source::Entity::find()
                    .filter(api_key_source::Column::KeyId.eq(k.id))
                    .all(db)
                    .await?
                    .into_iter()
                    .map(|b| b.source_id)
                    .collect()
            } else {
                Vec::new()
            };
            Ok(Caller {
                key_id: Some(k.id),
                role,
                name: k.name,
                sources,
            })
        }
        None => Err(AppError::Unauthenticated(
            "this API key is not valid or has been revoked".to_owned(),
        )),
    }
}
