//! The operator's commands on keys, sources and releases: each writes through the same services
//! as the GraphQL mutations, audited under the operator's name.
use std::io::Write;

use sea_orm::{EntityTrait, QueryOrder};

use super::{actor, database as connect};
use crate::config::{KeysCommand, ReleaseCommand, SourcesCommand};
use crate::keys;

pub(super) async fn keys_command(command: KeysCommand) -> Result<(), Box<dyn std::error::Error>> {
    let mut out = std::io::stdout().lock();
    match command {
        KeysCommand::Init { keys_file } => {
            keys::init_file(&keys_file)?;
            writeln!(
                out,
                "wrote new disclosure keys K1 and K2 to {} (readable by you only). Keep a copy \
                 somewhere safe: counts written with this K1 can only be served with this K2. \
                 A writer needs CTIP_K1, a public replica only CTIP_K2.",
                keys_file.display()
            )?;
        }
        KeysCommand::Create {
            role,
            name,
            sources,
            operator,
            database,
        } => {
            use crate::auth::Role;
            let role = Role::parse(&role)
                .filter(|r| *r != Role::Reader)
                .ok_or("--role must be EDITOR or ADMIN (READER needs no key)")?;
            match (role, sources.is_empty()) {
                (Role::Editor, true) => {
                    return Err(
                        "an EDITOR key writes only the sources it is created for: name \
                                each with --source CODE (the `sources` query lists them)"
                            .into(),
                    );
                }
                (Role::Admin, false) => {
                    return Err("an ADMIN key writes every source: leave out --source".into());
                }
                _ => {}
            }
            let db = connect(&database).await?;
            let mut bound = Vec::with_capacity(sources.len());
            for code in &sources {
                let found = crate::store::catalogue::source_by_code(&db, code)
                    .await?
                    .ok_or_else(|| format!("no source has the code \"{code}\""))?;
                bound.push(found);
            }
            let actor = actor(&operator.operator);
            let (model, key) = crate::auth::create_key(&db, role, &name, &bound, &actor).await?;
            let scope = if sources.is_empty() {
                String::new()
            } else {
                format!(", writing {}", sources.join(", "))
            };
            writeln!(
                out,
                "created key {} ({}{scope}) for \"{}\"; it is shown once, keep it now:",
                model.id,
                role.as_str(),
                model.name
            )?;
            writeln!(out, "{key}")?;
        }
        KeysCommand::List { database } => {
            let db = connect(&database).await?;
            writeln!(out, "id\trole\tsources\tprefix\tcreated\trevoked\tname")?;
            let bound = crate::auth::key_sources(&db).await?;
            for k in crate::auth::list_keys(&db).await? {
                let sources = bound
                    .get(&k.id)
                    .map(|codes| codes.join(","))
                    .unwrap_or_else(|| "-".to_owned());
                let revoked = k
                    .revoked_at
                    .map(|d| d.to_rfc3339())
                    .unwrap_or_else(|| "-".to_owned());
                writeln!(
                    out,
                    "{}\t{}\t{}\t{}…\t{}\t{}\t{}",
                    k.id,
                    k.role,
                    sources,
                    k.key_prefix,
                    k.created_at.to_rfc3339(),
                    revoked,
                    k.name
                )?;
            }
        }
        KeysCommand::Revoke {
            id,
            operator,
            database,
        } => {
            let db = connect(&database).await?;
            let actor = actor(&operator.operator);
            if !crate::auth::revoke_key(&db, id, &actor).await? {
                return Err(format!("no active key has the id {id}").into());
            }
            writeln!(out, "revoked key {id}")?;
        }
    }
    Ok(())
}

pub(super) async fn sources_command(
    command: SourcesCommand,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut out = std::io::stdout().lock();
    match command {
        SourcesCommand::Create {
            code,
            kind,
            publisher,
            title,
            url,
            published_on,
            licence,
            notes,
            synthetic,
            database: db_args,
            operator,
        } => {
            let db = connect(&db_args).await?;
            let input = crate::sources::NewSource {
                code,
                kind,
                publisher,
                title,
                url,
                published_on,
                licence,
                notes,
                synthetic,
            };
            let made = crate::sources::create(&db, input, &actor(&operator.operator), None)
                .await
                .map_err(|e| e.public_message())?;
            let label = if made.synthetic { " (synthetic)" } else { "" };
            writeln!(out, "created source {}{label}: {}", made.code, made.title)?;
        }
        SourcesCommand::List {
            all,
            database: db_args,
        } => {
            let db = connect(&db_args).await?;
            let mut sources = entity::source::Entity::find()
                .order_by_asc(entity::source::Column::Id)
                .all(&db)
                .await?;
            sources.retain(|s| all || !s.retired);
            writeln!(out, "code\tkind\tpublisher\ttitle\tflags")?;
            for s in sources {
                let flags: Vec<&str> = [(s.synthetic, "synthetic"), (s.retired, "retired")]
                    .into_iter()
                    .filter_map(|(on, name)| on.then_some(name))
                    .collect();
                let flags = if flags.is_empty() {
                    "-".to_owned()
                } else {
                    flags.join(",")
                };
                writeln!(
                    out,
                    "{}\t{}\t{}\t{}\t{flags}",
                    s.code, s.kind, s.publisher, s.title
                )?;
            }
        }
        SourcesCommand::Retire {
            code,
            database: db_args,
            operator,
        } => {
            let db = connect(&db_args).await?;
            crate::sources::retire(&db, &code, &actor(&operator.operator), None)
                .await
                .map_err(|e| e.public_message())?;
            writeln!(out, "retired source {code}")?;
        }
    }
    Ok(())
}

pub(super) async fn release_command(
    command: ReleaseCommand,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut out = std::io::stdout().lock();
    match command {
        ReleaseCommand::Publish {
            notes,
            database: db_args,
            operator,
        } => {
            let db = connect(&db_args).await?;
            let published = crate::write::publish(&db, &notes, &actor(&operator.operator))
                .await
                .map_err(|e| e.public_message())?;
            writeln!(
                out,
                "published release {}: public queries read it now (replicas within their \
                 release check)",
                published.code
            )?;
        }
        ReleaseCommand::List { database: db_args } => {
            let db = connect(&db_args).await?;
            let releases = entity::release::Entity::find()
                .order_by_desc(entity::release::Column::Id)
                .all(&db)
                .await?;
            writeln!(out, "code\tpublished\tnotes")?;
            for r in releases {
                let at = r
                    .published_at
                    .map(|d| d.to_rfc3339())
                    .unwrap_or_else(|| "draft (not public)".to_owned());
                writeln!(out, "{}\t{at}\t{}", r.code, r.notes)?;
            }
        }
    }
    Ok(())
}
