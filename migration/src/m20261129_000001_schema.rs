//! The tables of domain.md. Codes are unique strings; surrogate integer ids join them.
use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261129_000001_schema"
    }
}

fn fk(from: (&'static str, &'static str), to: &'static str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(Alias::new(from.0), Alias::new(from.1))
        .to(Alias::new(to), Alias::new("id"))
        .to_owned()
}

fn index(
    table: &'static str,
    name: &'static str,
    cols: &[&'static str],
    unique: bool,
) -> IndexCreateStatement {
    let mut idx = Index::create();
    idx.name(name).table(Alias::new(table));
    for c in cols {
        idx.col(Alias::new(*c));
    }
    if unique {
        idx.unique();
    }
    idx.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let a = Alias::new;
        m.create_table(
            Table::create()
                .table(a("source"))
                .col(pk_auto(a("id")))
                .col(string_uniq(a("code")))
                .col(string(a("kind")))
                .col(text(a("publisher")))
                .col(text(a("title")))
                .col(text_null(a("url")))
                .col(string_null(a("published_on")))
                .col(text_null(a("licence")))
                .col(boolean(a("synthetic")).default(false))
                .col(text_null(a("notes")))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(a("region"))
                .col(pk_auto(a("id")))
                .col(string_uniq(a("code")))
                .col(string_null(a("gso_code")))
                .col(string(a("country_code")))
                .col(string(a("level")))
                .col(string(a("kind")))
                .col(string(a("name_vi")))
                .col(string_null(a("name_vi_full")))
                .col(string(a("name_en")))
                .col(integer_null(a("parent_id")))
                .col(integer_null(a("successor_id")))
                .col(date_null(a("valid_from")))
                .col(date_null(a("valid_to")))
                .col(string(a("land_borders")).default(""))
                .col(boolean_null(a("coastal")))
                .col(double_null(a("area_km2")))
                .col(big_integer_null(a("merger_dossier_population")))
                .col(text_null(a("notes")))
                .col(integer_null(a("source_id")))
                .foreign_key(&mut fk(("region", "parent_id"), "region"))
                .foreign_key(&mut fk(("region", "successor_id"), "region"))
                .foreign_key(&mut fk(("region", "source_id"), "source"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("region", "ix_region_parent", &["parent_id"], false))
            .await?;
        m.create_index(index(
            "region",
            "ix_region_level",
            &["level", "code"],
            false,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(a("region_population"))
                .col(pk_auto(a("id")))
                .col(integer(a("region_id")))
                .col(integer(a("year")))
                .col(big_integer(a("population")))
                .col(text(a("measure")))
                .col(integer(a("source_id")))
                .foreign_key(&mut fk(("region_population", "region_id"), "region"))
                .foreign_key(&mut fk(("region_population", "source_id"), "source"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "region_population",
            "ux_region_population",
            &["region_id", "year"],
            true,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(a("region_ancestor"))
                .col(integer(a("province_id")))
                .col(string(a("boundaries")))
                .col(string(a("level")))
                .col(integer(a("ancestor_id")))
                .primary_key(
                    Index::create()
                        .col(a("province_id"))
                        .col(a("boundaries"))
                        .col(a("level")),
                )
                .foreign_key(&mut fk(("region_ancestor", "province_id"), "region"))
                .foreign_key(&mut fk(("region_ancestor", "ancestor_id"), "region"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "region_ancestor",
            "ix_region_ancestor_node",
            &["boundaries", "level", "ancestor_id"],
            false,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(a("agency"))
                .col(pk_auto(a("id")))
                .col(string_uniq(a("code")))
                .col(text(a("name_vi")))
                .col(text(a("name_en")))
                .col(string_null(a("abbreviation")))
                .col(string(a("kind")))
                .col(integer_null(a("parent_id")))
                .col(integer_null(a("region_id")))
                .foreign_key(&mut fk(("agency", "parent_id"), "agency"))
                .foreign_key(&mut fk(("agency", "region_id"), "region"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(a("campaign"))
                .col(pk_auto(a("id")))
                .col(string_uniq(a("slug")))
                .col(text(a("name_vi")))
                .col(text(a("name_en")))
                .col(text_null(a("theme_vi")))
                .col(text_null(a("theme_en")))
                .col(text_null(a("description_vi")))
                .col(text_null(a("description_en")))
                .col(date_null(a("start_date")))
                .col(date_null(a("end_date")))
                .col(integer_null(a("lead_agency_id")))
                .col(string_null(a("directive_number")))
                .col(date_null(a("directive_date")))
                .col(integer_null(a("directive_issuer_id")))
                .col(integer_null(a("parent_id")))
                .col(integer_null(a("source_id")))
                .col(boolean(a("retired")).default(false))
                .foreign_key(&mut fk(("campaign", "lead_agency_id"), "agency"))
                .foreign_key(&mut fk(("campaign", "directive_issuer_id"), "agency"))
                .foreign_key(&mut fk(("campaign", "parent_id"), "campaign"))
                .foreign_key(&mut fk(("campaign", "source_id"), "source"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(a("activity"))
                .col(pk_auto(a("id")))
                .col(string_uniq(a("code")))
                .col(integer(a("campaign_id")))
                .col(integer(a("lead_agency_id")))
                .col(integer_null(a("region_id")))
                .col(string(a("kind")))
                .col(string(a("status")))
                .col(date_null(a("start_date")))
                .col(date_null(a("end_date")))
                .col(text(a("title_vi")))
                .col(text(a("title_en")))
                .col(text_null(a("description_vi")))
                .col(text_null(a("description_en")))
                .col(boolean(a("retired")).default(false))
                .foreign_key(&mut fk(("activity", "campaign_id"), "campaign"))
                .foreign_key(&mut fk(("activity", "lead_agency_id"), "agency"))
                .foreign_key(&mut fk(("activity", "region_id"), "region"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "activity",
            "ix_activity_campaign",
            &["campaign_id"],
            false,
        ))
        .await?;
        m.create_index(index(
            "activity",
            "ix_activity_lead",
            &["lead_agency_id"],
            false,
        ))
        .await?;
        for (table, other, other_col) in [
            ("activity_agency", "agency", "agency_id"),
            ("activity_source", "source", "source_id"),
        ] {
            m.create_table(
                Table::create()
                    .table(a(table))
                    .col(integer(a("activity_id")))
                    .col(integer(a(other_col)))
                    .primary_key(Index::create().col(a("activity_id")).col(a(other_col)))
                    .foreign_key(
                        ForeignKey::create()
                            .from(a(table), a("activity_id"))
                            .to(a("activity"), a("id")),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(a(table), a(other_col))
                            .to(a(other), a("id")),
                    )
                    .to_owned(),
            )
            .await?;
        }
        m.create_index(index(
            "activity_agency",
            "ix_activity_agency_agency",
            &["agency_id"],
            false,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(a("activity_output"))
                .col(pk_auto(a("id")))
                .col(integer(a("activity_id")))
                .col(string(a("indicator")))
                .col(big_integer(a("value")))
                .col(string(a("unit")))
                .col(integer(a("source_id")))
                .foreign_key(&mut fk(("activity_output", "activity_id"), "activity"))
                .foreign_key(&mut fk(("activity_output", "source_id"), "source"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(a("release"))
                .col(pk_auto(a("id")))
                .col(string_uniq(a("code")))
                .col(timestamp_with_time_zone_null(a("published_at")))
                .col(timestamp_with_time_zone(a("created_at")))
                .col(text(a("notes")))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(a("published_figure"))
                .col(pk_auto(a("id")))
                .col(integer(a("year")))
                .col(string(a("scope")))
                .col(integer_null(a("region_id")))
                .col(string(a("metric")))
                .col(double_null(a("value_number")))
                .col(text_null(a("value_text")))
                .col(string(a("unit")))
                .col(string_null(a("period_start")))
                .col(string_null(a("period_end")))
                .col(text_null(a("notes")))
                .col(text(a("reliability")))
                .col(integer(a("source_id")))
                .foreign_key(&mut fk(("published_figure", "region_id"), "region"))
                .foreign_key(&mut fk(("published_figure", "source_id"), "source"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "published_figure",
            "ix_published_figure_year",
            &["year", "metric"],
            false,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(a("case_count"))
                .col(big_pk_auto(a("id")))
                .col(string(a("metric")))
                .col(integer(a("region_id")))
                .col(integer(a("year")))
                .col(integer(a("month")))
                .col(string(a("sex")))
                .col(string(a("age_group")))
                .col(string(a("exploitation_form")))
                .col(string(a("destination")))
                .col(big_integer(a("n")))
                .col(big_integer(a("key_sum")))
                .col(integer(a("source_id")))
                .col(integer(a("release_from")))
                .col(integer_null(a("release_to")))
                .foreign_key(&mut fk(("case_count", "region_id"), "region"))
                .foreign_key(&mut fk(("case_count", "source_id"), "source"))
                .foreign_key(&mut fk(("case_count", "release_from"), "release"))
                .foreign_key(&mut fk(("case_count", "release_to"), "release"))
                .to_owned(),
        )
        .await?;
        // The statistics GROUP BY filters on metric and period first; the natural key finds a cell's current version.
        m.create_index(index(
            "case_count",
            "ix_case_count_metric_period",
            &["metric", "year", "month", "region_id"],
            false,
        ))
        .await?;
        m.create_index(index(
            "case_count",
            "ix_case_count_cell",
            &[
                "metric",
                "region_id",
                "year",
                "month",
                "sex",
                "age_group",
                "exploitation_form",
                "destination",
                "release_from",
            ],
            true,
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "case_count",
            "published_figure",
            "release",
            "activity_output",
            "activity_source",
            "activity_agency",
            "activity",
            "campaign",
            "agency",
            "region_ancestor",
            "region_population",
            "region",
            "source",
        ] {
            m.drop_table(Table::drop().table(Alias::new(t)).to_owned())
                .await?;
        }
        Ok(())
    }
}
