//! Loads the reference data of `migration/data/`: sources, the region tree (country, 6 socio-economic
//! regions, 63 + 34 provinces, the 2025 mapping), populations, the statistics closure table, the
//! agencies and 2024 campaigns of the source article, and the officially published figures.
use std::collections::HashMap;

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, Value};

use crate::reference::{self as r, parse_csv};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261129_000002_reference_data"
    }
}

fn err(e: impl std::fmt::Display) -> DbErr {
    DbErr::Custom(e.to_string())
}

fn date(s: &str) -> Result<Value, DbErr> {
    let d = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|e| err(format!("bad date {s}: {e}")))?;
    Ok(Value::from(d))
}

fn opt_date(s: Option<&str>) -> Result<Value, DbErr> {
    match s {
        Some(s) => date(s),
        None => Ok(Value::from(None::<chrono::NaiveDate>)),
    }
}

fn opt_str(s: &str) -> Option<String> {
    (!s.trim().is_empty()).then(|| s.to_owned())
}

/// Inserts rows into one table, many rows per statement.
async fn insert(
    c: &SchemaManagerConnection<'_>,
    table: &str,
    cols: &[&str],
    rows: Vec<Vec<Value>>,
) -> Result<(), DbErr> {
    for chunk in rows.chunks(200) {
        let mut q = Query::insert();
        q.into_table(Alias::new(table))
            .columns(cols.iter().map(|c| Alias::new(*c)));
        for row in chunk {
            q.values(row.iter().cloned().map(Expr::val)).map_err(err)?;
        }
        c.execute(&q).await?;
    }
    Ok(())
}

/// code → id of every row of a table.
async fn ids(
    c: &SchemaManagerConnection<'_>,
    table: &str,
    key: &str,
) -> Result<HashMap<String, i32>, DbErr> {
    let q = Query::select()
        .columns([Alias::new("id"), Alias::new(key)])
        .from(Alias::new(table))
        .to_owned();
    let mut out = HashMap::new();
    for row in c.query_all(&q).await? {
        out.insert(
            row.try_get::<String>("", key)?,
            row.try_get::<i32>("", "id")?,
        );
    }
    Ok(out)
}

fn get(map: &HashMap<String, i32>, code: &str) -> Result<i32, DbErr> {
    map.get(code)
        .copied()
        .ok_or_else(|| err(format!("reference data names an unknown code {code}")))
}

fn opt_get(map: &HashMap<String, i32>, code: Option<&str>) -> Result<Value, DbErr> {
    Ok(Value::from(code.map(|c| get(map, c)).transpose()?))
}

const SOURCE_COLS: [&str; 9] = [
    "code",
    "kind",
    "publisher",
    "title",
    "url",
    "published_on",
    "licence",
    "synthetic",
    "notes",
];

#[expect(
    clippy::too_many_arguments,
    reason = "one argument per column keeps the rows of reference_sources readable"
)]
fn source_row(
    code: &str,
    kind: &str,
    publisher: &str,
    title: &str,
    url: Option<&str>,
    on: Option<&str>,
    licence: Option<&str>,
    notes: Option<&str>,
) -> Vec<Value> {
    vec![
        code.into(),
        kind.into(),
        publisher.into(),
        title.into(),
        url.map(str::to_owned).into(),
        on.map(str::to_owned).into(),
        licence.map(str::to_owned).into(),
        false.into(),
        notes.map(str::to_owned).into(),
    ]
}

fn reference_sources() -> Vec<Vec<Value>> {
    vec![
        source_row(
            "vietnam-provinces-2026.9.0",
            "DATASET",
            "Nguyễn Hồng Quân (PyPI package vietnam-provinces, from the NSO administrative-unit list)",
            "vietnam-provinces 2026.9.0: provinces before and after 2025, and the 2025 conversion table",
            Some("https://github.com/sunshine-tech/VietnamProvinces"),
            Some("2026-09-20"),
            Some(
                "GPL-3.0-or-later (package); underlying codes and names: National Statistics Office",
            ),
            Some(
                "Codes, names, kinds and the old→new mapping. One anomaly fixed (old 82 maps to 82 only): see migration/data/SOURCES.md.",
            ),
        ),
        source_row(
            "bando-merger-map",
            "DATASET",
            "sapnhap.bando.com.vn, via github.com/tranngocminhhieu/vietnamadminunits",
            "Province merger map 2025: area, population scale, former units, administrative centre",
            Some("https://github.com/tranngocminhhieu/vietnamadminunits"),
            None,
            Some("Package MIT; licence of the scraped site's data unknown"),
            Some(
                "Area and the population scale of the merger dossier, which is not a GSO statistic.",
            ),
        ),
        source_row(
            "gso-average-population-2020",
            "STATISTICS",
            "General Statistics Office of Viet Nam (via github.com/letung3105/coviddata)",
            "Average population by province, 2020 (rounded to 100)",
            Some("https://github.com/letung3105/coviddata"),
            Some("2020"),
            Some("Official GSO statistics; the redistributing repository states no licence"),
            Some("Provinces sum to 97,582,600."),
        ),
        source_row(
            "resolution-81-2023-qh15",
            "LEGAL_DOCUMENT",
            "National Assembly of Viet Nam",
            "Resolution 81/2023/QH15 on the National Master Plan 2021–2030 (the six socio-economic regions)",
            Some("https://senvanggroup.com/tong-hop-quy-hoach-vung-cua-viet-nam.html"),
            Some("2023"),
            None,
            None,
        ),
        source_row(
            "land-borders-compiled",
            "COMPILATION",
            "ctip-api compilation of press sources",
            "Provinces on the land borders with China, Laos and Cambodia",
            None,
            None,
            None,
            Some("Sources listed in migration/data/SOURCES.md (VNS, VietnamPlus and others)."),
        ),
        source_row(
            "resolution-202-2025-qh15",
            "LEGAL_DOCUMENT",
            "National Assembly of Viet Nam",
            "Resolution 202/2025/QH15 on the arrangement of province-level units (in force 2025-07-01)",
            None,
            Some("2025"),
            None,
            Some(
                "The mapping rests on NSO data (vietnam-provinces) cross-checked with the merger map.",
            ),
        ),
        source_row(
            "ctip-api-derived",
            "DERIVED",
            "ctip-api",
            "Figures derived by ctip-api from its other sources (sums over constituent provinces)",
            None,
            None,
            None,
            Some("Each derived figure says how it was derived in its measure text."),
        ),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let c = m.get_connection();
        let p2024: Vec<r::Province2024> = parse_csv(r::PROVINCES_2024_CSV).map_err(err)?;
        let p2025: Vec<r::Province2025> = parse_csv(r::PROVINCES_2025_CSV).map_err(err)?;
        let merger: Vec<r::Merger> = parse_csv(r::MERGER_2025_CSV).map_err(err)?;
        let figures: Vec<r::PublishedFigure> = parse_csv(r::PUBLISHED_FIGURES_CSV).map_err(err)?;
        let seed = r::campaign_data().map_err(err)?;

        // Sources: reference data, the campaign documents, and one per publication of the published figures.
        let mut sources = reference_sources();
        for s in &seed.sources {
            sources.push(source_row(
                &s.code,
                &s.kind,
                &s.publisher,
                &s.title,
                s.url.as_deref(),
                s.published_on.as_deref(),
                s.licence.as_deref(),
                s.notes.as_deref(),
            ));
        }
        let mut figure_source_code: HashMap<(String, String), String> = HashMap::new();
        for f in &figures {
            let key = (f.source_title.clone(), f.source_url.clone());
            if !figure_source_code.contains_key(&key) {
                let code = format!("published-{:03}", figure_source_code.len() + 1);
                let kind = if f.source_url.contains("state.gov") {
                    "GOVERNMENT_REPORT"
                } else {
                    "NEWS_ARTICLE"
                };
                sources.push(source_row(
                    &code,
                    kind,
                    &f.source_org,
                    &f.source_title,
                    opt_str(&f.source_url).as_deref(),
                    opt_str(&f.published_on).as_deref(),
                    Some("Facts only are recorded, with attribution; the text is the publisher's."),
                    None,
                ));
                figure_source_code.insert(key, code);
            }
        }
        insert(c, "source", &SOURCE_COLS, sources).await?;
        let src = ids(c, "source", "code").await?;
        let vp = get(&src, "vietnam-provinces-2026.9.0")?;

        let region_cols = [
            "code",
            "gso_code",
            "country_code",
            "level",
            "kind",
            "name_vi",
            "name_vi_full",
            "name_en",
            "parent_id",
            "successor_id",
            "valid_from",
            "valid_to",
            "land_borders",
            "coastal",
            "area_km2",
            "merger_dossier_population",
            "notes",
            "source_id",
        ];
        let none_i32 = || Value::from(None::<i32>);
        let none_s = || Value::from(None::<String>);
        let none_d = || Value::from(None::<chrono::NaiveDate>);
        let country = vec![
            "VN".into(),
            none_s(),
            "VN".into(),
            "COUNTRY".into(),
            "country".into(),
            "Việt Nam".into(),
            Some("Nước Cộng hòa xã hội chủ nghĩa Việt Nam".to_owned()).into(),
            "Viet Nam".into(),
            none_i32(),
            none_i32(),
            none_d(),
            none_d(),
            "CN;LA;KH".into(),
            Some(true).into(),
            Value::from(None::<f64>),
            Value::from(None::<i64>),
            none_s(),
            Some(vp).into(),
        ];
        insert(c, "region", &region_cols, vec![country]).await?;
        let reg = ids(c, "region", "code").await?;
        let vn = get(&reg, "VN")?;
        let r81 = get(&src, "resolution-81-2023-qh15")?;
        let sers = r::SOCIO_ECONOMIC_REGIONS
            .iter()
            .map(|(code, en, vi)| {
                vec![
                    (*code).into(),
                    none_s(),
                    "VN".into(),
                    "SOCIO_ECONOMIC_REGION".into(),
                    "socio-economic region".into(),
                    (*vi).into(),
                    none_s(),
                    (*en).into(),
                    Some(vn).into(),
                    none_i32(),
                    none_d(),
                    none_d(),
                    "".into(),
                    Value::from(None::<bool>),
                    Value::from(None::<f64>),
                    Value::from(None::<i64>),
                    none_s(),
                    Some(r81).into(),
                ]
            })
            .collect();
        insert(c, "region", &region_cols, sers).await?;
        let reg = ids(c, "region", "code").await?;

        // The 34 units of 2025 first, so that the 63 older ones can name their successor.
        let mut rows = Vec::new();
        for p in &p2025 {
            // A unit made of provinces from two socio-economic regions is its own node under the country.
            let parent = match r::region_code_for_name(&p.region) {
                Some(code) => get(&reg, code)?,
                None => vn,
            };
            let notes = p.region.is_empty().then(|| "Made of provinces from more than one socio-economic region: served as a node of its own, directly under the country.".to_owned());
            rows.push(vec![
                r::province_2025_code(&p.code).into(),
                Some(p.code.clone()).into(),
                "VN".into(),
                "PROVINCE".into(),
                p.kind.clone().into(),
                p.name_vi.clone().into(),
                Some(p.name_vi_full.clone()).into(),
                p.name_en.clone().into(),
                Some(parent).into(),
                none_i32(),
                date(r::SET_2025_VALID_FROM)?,
                none_d(),
                r::border_codes(&p.land_border_with).into(),
                Some(p.coastal).into(),
                Some(p.area_km2).into(),
                Some(p.population_merger_dossier).into(),
                notes.into(),
                Some(vp).into(),
            ]);
        }
        insert(c, "region", &region_cols, rows).await?;
        let reg = ids(c, "region", "code").await?;
        let successor: HashMap<&str, &str> = merger
            .iter()
            .map(|m| (m.old_gso_code.as_str(), m.new_code.as_str()))
            .collect();
        let mut rows = Vec::new();
        for p in &p2024 {
            let ser = r::region_code_for_name(&p.region)
                .ok_or_else(|| err(format!("unknown region {}", p.region)))?;
            let new_code = successor
                .get(p.gso_code.as_str())
                .ok_or_else(|| err(format!("no 2025 mapping for {}", p.gso_code)))?;
            rows.push(vec![
                r::province_2024_code(&p.gso_code).into(),
                Some(p.gso_code.clone()).into(),
                "VN".into(),
                "PROVINCE".into(),
                p.kind.clone().into(),
                p.name_vi.clone().into(),
                Some(p.name_vi_full.clone()).into(),
                p.name_en.clone().into(),
                Some(get(&reg, ser)?).into(),
                Some(get(&reg, &r::province_2025_code(new_code))?).into(),
                none_d(),
                date(r::SET_2024_VALID_TO)?,
                r::border_codes(&p.land_border_with).into(),
                Some(p.coastal).into(),
                Value::from(None::<f64>),
                Value::from(None::<i64>),
                opt_str(&p.notes).into(),
                Some(vp).into(),
            ]);
        }
        insert(c, "region", &region_cols, rows).await?;
        let reg = ids(c, "region", "code").await?;

        // Populations: GSO 2020 for the 63; sums of constituents for the 34, the regions and the country.
        let gso = get(&src, "gso-average-population-2020")?;
        let derived = get(&src, "ctip-api-derived")?;
        let mut sums: HashMap<String, i64> = HashMap::new();
        let mut rows = Vec::new();
        for p in &p2024 {
            rows.push(vec![
                get(&reg, &r::province_2024_code(&p.gso_code))?.into(),
                p.population_year.into(),
                p.population.into(),
                p.population_measure.clone().into(),
                gso.into(),
            ]);
            let ser = r::region_code_for_name(&p.region).unwrap_or("VN");
            *sums.entry(ser.to_owned()).or_default() += p.population;
            *sums.entry("VN".to_owned()).or_default() += p.population;
        }
        for p in &p2025 {
            rows.push(vec![
                get(&reg, &r::province_2025_code(&p.code))?.into(),
                2020.into(),
                p.population_gso2020_sum_of_constituents.into(),
                "Sum of the GSO 2020 average populations of the provinces merged into this unit"
                    .into(),
                derived.into(),
            ]);
        }
        for (code, pop) in &sums {
            rows.push(vec![
                get(&reg, code)?.into(),
                2020.into(),
                (*pop).into(),
                "Sum of the GSO 2020 average populations of its provinces".into(),
                derived.into(),
            ]);
        }
        insert(
            c,
            "region_population",
            &["region_id", "year", "population", "measure", "source_id"],
            rows,
        )
        .await?;

        // Closure for statistics: each province counts toward one node per level and boundary scheme.
        let mut rows = Vec::new();
        let node_of_2025 = |code: &str| -> Result<(i32, i32), DbErr> {
            let p = p2025
                .iter()
                .find(|p| p.code == code)
                .ok_or_else(|| err(format!("no 2025 unit {code}")))?;
            let id = get(&reg, &r::province_2025_code(code))?;
            let ser = match r::region_code_for_name(&p.region) {
                Some(s) => get(&reg, s)?,
                None => id,
            };
            Ok((id, ser))
        };
        for p in &p2024 {
            let id = get(&reg, &r::province_2024_code(&p.gso_code))?;
            let ser = get(&reg, r::region_code_for_name(&p.region).unwrap_or("VN"))?;
            let (new_id, new_ser) = node_of_2025(&p.new_code_2025)?;
            for (b, lvl, anc) in [
                ("AS_RECORDED", "PROVINCE", id),
                ("AS_RECORDED", "SOCIO_ECONOMIC_REGION", ser),
                ("AS_RECORDED", "COUNTRY", vn),
                ("V2025", "PROVINCE", new_id),
                ("V2025", "SOCIO_ECONOMIC_REGION", new_ser),
                ("V2025", "COUNTRY", vn),
            ] {
                rows.push(vec![id.into(), b.into(), lvl.into(), anc.into()]);
            }
        }
        for p in &p2025 {
            let (id, ser) = node_of_2025(&p.code)?;
            for b in ["AS_RECORDED", "V2025"] {
                for (lvl, anc) in [
                    ("PROVINCE", id),
                    ("SOCIO_ECONOMIC_REGION", ser),
                    ("COUNTRY", vn),
                ] {
                    rows.push(vec![id.into(), b.into(), lvl.into(), anc.into()]);
                }
            }
        }
        insert(
            c,
            "region_ancestor",
            &["province_id", "boundaries", "level", "ancestor_id"],
            rows,
        )
        .await?;

        // Agencies (parents first), campaigns (parents first), activities.
        for pass in [false, true] {
            let ag = ids(c, "agency", "code").await?;
            let rows = seed
                .agencies
                .iter()
                .filter(|a| a.parent.is_some() == pass)
                .map(|a| {
                    Ok(vec![
                        a.code.clone().into(),
                        a.name_vi.clone().into(),
                        a.name_en.clone().into(),
                        a.abbreviation.clone().into(),
                        a.kind.clone().into(),
                        opt_get(&ag, a.parent.as_deref())?,
                        opt_get(&reg, a.region.as_deref())?,
                    ])
                })
                .collect::<Result<Vec<_>, DbErr>>()?;
            insert(
                c,
                "agency",
                &[
                    "code",
                    "name_vi",
                    "name_en",
                    "abbreviation",
                    "kind",
                    "parent_id",
                    "region_id",
                ],
                rows,
            )
            .await?;
        }
        let ag = ids(c, "agency", "code").await?;
        for pass in [false, true] {
            let cp = ids(c, "campaign", "slug").await?;
            let rows = seed
                .campaigns
                .iter()
                .filter(|k| k.parent.is_some() == pass)
                .map(|k| {
                    Ok(vec![
                        k.slug.clone().into(),
                        k.name_vi.clone().into(),
                        k.name_en.clone().into(),
                        k.theme_vi.clone().into(),
                        k.theme_en.clone().into(),
                        k.description_vi.clone().into(),
                        k.description_en.clone().into(),
                        opt_date(k.start_date.as_deref())?,
                        opt_date(k.end_date.as_deref())?,
                        opt_get(&ag, k.lead_agency.as_deref())?,
                        k.directive_number.clone().into(),
                        opt_date(k.directive_date.as_deref())?,
                        opt_get(&ag, k.directive_issuer.as_deref())?,
                        opt_get(&cp, k.parent.as_deref())?,
                        opt_get(&src, k.source.as_deref())?,
                    ])
                })
                .collect::<Result<Vec<_>, DbErr>>()?;
            insert(
                c,
                "campaign",
                &[
                    "slug",
                    "name_vi",
                    "name_en",
                    "theme_vi",
                    "theme_en",
                    "description_vi",
                    "description_en",
                    "start_date",
                    "end_date",
                    "lead_agency_id",
                    "directive_number",
                    "directive_date",
                    "directive_issuer_id",
                    "parent_id",
                    "source_id",
                ],
                rows,
            )
            .await?;
        }
        let cp = ids(c, "campaign", "slug").await?;
        let rows = seed
            .activities
            .iter()
            .map(|a| {
                Ok(vec![
                    a.code.clone().into(),
                    get(&cp, &a.campaign)?.into(),
                    get(&ag, &a.lead)?.into(),
                    opt_get(&reg, a.region.as_deref())?,
                    a.kind.clone().into(),
                    "DIRECTED".into(),
                    opt_date(a.start_date.as_deref())?,
                    opt_date(a.end_date.as_deref())?,
                    a.title_vi.clone().into(),
                    a.title_en.clone().into(),
                    a.description_vi.clone().into(),
                    a.description_en.clone().into(),
                ])
            })
            .collect::<Result<Vec<_>, DbErr>>()?;
        insert(
            c,
            "activity",
            &[
                "code",
                "campaign_id",
                "lead_agency_id",
                "region_id",
                "kind",
                "status",
                "start_date",
                "end_date",
                "title_vi",
                "title_en",
                "description_vi",
                "description_en",
            ],
            rows,
        )
        .await?;
        let act = ids(c, "activity", "code").await?;
        let mut parts = Vec::new();
        let mut cites = Vec::new();
        for a in &seed.activities {
            let id = get(&act, &a.code)?;
            for p in &a.participants {
                parts.push(vec![id.into(), get(&ag, p)?.into()]);
            }
            for s in &seed.sources {
                cites.push(vec![id.into(), get(&src, &s.code)?.into()]);
            }
        }
        insert(c, "activity_agency", &["activity_id", "agency_id"], parts).await?;
        insert(c, "activity_source", &["activity_id", "source_id"], cites).await?;

        // Published figures, as published.
        let rows = figures
            .iter()
            .map(|f| {
                let region = if f.scope == "national" {
                    Some(vn)
                } else {
                    Some(get(&reg, &r::province_2024_code(&f.scope))?)
                };
                let number = f.value.parse::<f64>().ok();
                let text = number.is_none().then(|| f.value.clone());
                let source = get(
                    &src,
                    &figure_source_code[&(f.source_title.clone(), f.source_url.clone())],
                )?;
                Ok(vec![
                    f.year.into(),
                    f.scope.clone().into(),
                    region.into(),
                    f.metric.clone().into(),
                    number.into(),
                    text.into(),
                    f.unit.clone().into(),
                    opt_str(&f.period_start).into(),
                    opt_str(&f.period_end).into(),
                    opt_str(&f.notes).into(),
                    f.reliability.clone().into(),
                    source.into(),
                ])
            })
            .collect::<Result<Vec<_>, DbErr>>()?;
        insert(
            c,
            "published_figure",
            &[
                "year",
                "scope",
                "region_id",
                "metric",
                "value_number",
                "value_text",
                "unit",
                "period_start",
                "period_end",
                "notes",
                "reliability",
                "source_id",
            ],
            rows,
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "published_figure",
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
            m.get_connection()
                .execute(&Query::delete().from_table(Alias::new(t)).to_owned())
                .await?;
        }
        Ok(())
    }
}
