//! The source service shared by the GraphQL mutations and the command line: the checks a new
//! source passes, and each change written with its audit entry in one transaction.
use entity::source;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, DatabaseConnection, TransactionTrait};

use crate::error::AppError;
use crate::store::writes::{self, Actor};

/// A source as a writer describes it.
#[derive(Debug, Clone, Default)]
pub struct NewSource {
    pub code: String,
    pub kind: String,
    pub publisher: String,
    pub title: String,
    pub url: Option<String>,
    pub published_on: Option<String>,
    pub licence: Option<String>,
    pub notes: Option<String>,
    /// Made-up data (an example, a test): the API labels what cites it synthetic.
    pub synthetic: bool,
}

/// A code is letters, digits, dots and dashes: it appears in URLs, file names and commands.
pub fn check_code(code: &str) -> Result<(), AppError> {
    let ok = !code.is_empty()
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
    if ok {
        Ok(())
    } else {
        Err(AppError::BadUserInput(
            "`code` must be letters, digits, dots and dashes".to_owned(),
        ))
    }
}

/// Records a new source (audited). `bind_key`: the EDITOR key that records it, which may then
/// write it (nobody else's data is in it).
pub async fn create(
    db: &DatabaseConnection,
    input: NewSource,
    actor: &Actor,
    bind_key: Option<i32>,
) -> Result<source::Model, AppError> {
    check_code(&input.code)?;
    for (field, value) in [
        ("kind", &input.kind),
        ("publisher", &input.publisher),
        ("title", &input.title),
    ] {
        if value.trim().is_empty() {
            return Err(AppError::BadUserInput(format!(
                "`{field}` is empty: a source must say what it is, who published it and its title"
            )));
        }
    }
    let txn = db.begin().await?;
    if crate::store::catalogue::source_by_code(&txn, &input.code)
        .await?
        .is_some()
    {
        return Err(AppError::BadUserInput(format!(
            "a source with the code \"{}\" exists already",
            input.code
        )));
    }
    let model = source::ActiveModel {
        code: Set(input.code),
        kind: Set(input.kind),
        publisher: Set(input.publisher),
        title: Set(input.title),
        url: Set(input.url),
        published_on: Set(input.published_on),
        licence: Set(input.licence),
        synthetic: Set(input.synthetic),
        retired: Set(false),
        notes: Set(input.notes),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    if let Some(key_id) = bind_key {
        entity::api_key_source::ActiveModel {
            key_id: Set(key_id),
            source_id: Set(model.id),
        }
        .insert(&txn)
        .await?;
    }
    let after = serde_json::json!({
        "code": model.code, "title": model.title, "publisher": model.publisher,
        "synthetic": model.synthetic,
    })
    .to_string();
    writes::record(
        &txn,
        actor,
        "create_source",
        "source",
        model.code.clone(),
        None,
        Some(after),
    )
    .await?;
    txn.commit().await?;
    Ok(model)
}

/// Retires a source (audited): it leaves the list of sources; what cites it keeps citing it.
/// With `caller`, only if that key may write it.
pub async fn retire(
    db: &DatabaseConnection,
    code: &str,
    actor: &Actor,
    caller: Option<&crate::auth::Caller>,
) -> Result<source::Model, AppError> {
    let txn = db.begin().await?;
    let found = crate::store::catalogue::source_by_code(&txn, code).await?;
    let found =
        found.ok_or_else(|| AppError::NotFound(format!("no source has the code \"{code}\"")))?;
    if let Some(caller) = caller {
        caller.may_write(&found)?;
    }
    let mut m: source::ActiveModel = found.clone().into();
    m.retired = Set(true);
    let saved = m.update(&txn).await?;
    let (before, after) = (
        serde_json::to_string(&found).ok(),
        serde_json::to_string(&saved).ok(),
    );
    writes::record(
        &txn,
        actor,
        "retire_source",
        "source",
        code.to_owned(),
        before,
        after,
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// Replaces the fields of a source found by its code (audited), if `caller` may write it; the
/// synthetic demo source is written by the generator only. What cites it keeps citing it.
pub async fn update(
    db: &DatabaseConnection,
    input: NewSource,
    actor: &Actor,
    caller: &crate::auth::Caller,
) -> Result<source::Model, AppError> {
    let txn = db.begin().await?;
    let found = crate::store::catalogue::source_by_code(&txn, &input.code).await?;
    let found = found
        .ok_or_else(|| AppError::NotFound(format!("no source has the code \"{}\"", input.code)))?;
    caller.may_write(&found)?;
    if found.synthetic {
        return Err(AppError::Forbidden(
            "the synthetic demo source is written by the generator only".to_owned(),
        ));
    }
    let mut m: source::ActiveModel = found.clone().into();
    m.kind = Set(input.kind);
    m.publisher = Set(input.publisher);
    m.title = Set(input.title);
    m.url = Set(input.url);
    m.published_on = Set(input.published_on);
    m.licence = Set(input.licence);
    m.notes = Set(input.notes);
    let saved = m.update(&txn).await?;
    let (before, after) = (
        serde_json::to_string(&found).ok(),
        serde_json::to_string(&saved).ok(),
    );
    let key = saved.code.clone();
    writes::record(&txn, actor, "update_source", "source", key, before, after).await?;
    txn.commit().await?;
    Ok(saved)
}
