//! Per-release rollups of the case counts (releases are immutable, so they are computed once,
//! when a release is published): the sums of `n` and `key_sum` per province and month over all
//! categories, and per year over all regions with every category. The cell key of a node depends
//! only on these sums, so a node served from a rollup is identical to the same node summed from
//! the finest cells; they only make the dashboard queries fast.
use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261129_000003_rollups"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let a = Alias::new;
        m.create_table(
            Table::create()
                .table(a("case_rollup_month"))
                .col(integer(a("release_id")))
                .col(string(a("metric")))
                .col(integer(a("region_id")))
                .col(integer(a("year")))
                .col(integer(a("month")))
                .col(big_integer(a("n")))
                .col(big_integer(a("key_sum")))
                .primary_key(
                    Index::create()
                        .col(a("release_id"))
                        .col(a("metric"))
                        .col(a("year"))
                        .col(a("month"))
                        .col(a("region_id")),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(a("case_rollup_month"), a("release_id"))
                        .to(a("release"), a("id")),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(a("case_rollup_month"), a("region_id"))
                        .to(a("region"), a("id")),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(a("case_rollup_year"))
                .col(integer(a("release_id")))
                .col(string(a("metric")))
                .col(integer(a("year")))
                .col(string(a("sex")))
                .col(string(a("age_group")))
                .col(string(a("exploitation_form")))
                .col(string(a("destination")))
                .col(big_integer(a("n")))
                .col(big_integer(a("key_sum")))
                .primary_key(
                    Index::create()
                        .col(a("release_id"))
                        .col(a("metric"))
                        .col(a("year"))
                        .col(a("sex"))
                        .col(a("age_group"))
                        .col(a("exploitation_form"))
                        .col(a("destination")),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(a("case_rollup_year"), a("release_id"))
                        .to(a("release"), a("id")),
                )
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["case_rollup_year", "case_rollup_month"] {
            m.drop_table(Table::drop().table(Alias::new(t)).to_owned())
                .await?;
        }
        Ok(())
    }
}
