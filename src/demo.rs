//! The seeded generator of the **synthetic** demo data set: monthly case counts per province of
//! plausible scale (hundreds of cases a year nationally, concentrated in the northern border
//! provinces), labelled synthetic through its Source and its release. The same seed gives the same
//! data. Bigger parameters give the scale data set used by the benchmarks.
use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use entity::{case_count, region, region_population, release, source};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, TransactionSession, TransactionTrait,
};

use crate::dimensions::{self, Category, MetricKind};
use crate::disclosure::{Cell, Secret, key_sum};

/// Code of the Source every synthetic count cites.
pub const SOURCE_CODE: &str = "synthetic-demo";
/// Rows per INSERT: 14 values each stays under SQLite's and PostgreSQL's parameter limits.
const BATCH_ROWS: usize = 2000;

/// Code of the release holding the demo data.
pub const RELEASE_CODE: &str = "demo-1";

#[derive(Debug, Clone)]
pub struct DemoParams {
    pub seed: u64,
    pub from_year: i32,
    pub to_year: i32,
    /// Multiplies every expected count (1.0: the plausible national scale).
    pub scale: f64,
}

impl Default for DemoParams {
    fn default() -> Self {
        DemoParams {
            seed: 2024,
            from_year: 2019,
            to_year: 2025,
            scale: 1.0,
        }
    }
}

/// Expected national units per year of each metric (the order of magnitude of published figures:
/// 2024 had 163 cases, 455 suspects and 500 victims).
fn national_per_year(m: MetricKind) -> f64 {
    match m {
        MetricKind::CasesDetected => 190.0,
        MetricKind::CasesProsecuted => 150.0,
        MetricKind::SuspectsArrested => 460.0,
        MetricKind::SuspectsProsecuted => 380.0,
        MetricKind::SuspectsConvicted => 300.0,
        MetricKind::VictimsIdentified => 520.0,
        MetricKind::VictimsRescued => 400.0,
        MetricKind::VictimsSupported => 350.0,
        MetricKind::HotlineReports => 900.0,
    }
}

/// Shares of the category values, in the order of `dimensions::values`.
fn weights(c: Category) -> &'static [f64] {
    match c {
        Category::Sex => &[0.74, 0.22, 0.04],
        Category::AgeGroup => &[0.18, 0.10, 0.64, 0.08],
        Category::ExploitationForm => &[0.30, 0.22, 0.14, 0.03, 0.01, 0.20, 0.04, 0.06],
        Category::Destination => &[0.10, 0.42, 0.24, 0.08, 0.05, 0.03, 0.02, 0.01, 0.02, 0.03],
    }
}

fn pick(rng: &mut ChaCha8Rng, w: &[f64]) -> usize {
    let total: f64 = w.iter().sum();
    let mut x = rng.random::<f64>() * total;
    for (i, wi) in w.iter().enumerate() {
        if x < *wi {
            return i;
        }
        x -= wi;
    }
    w.len() - 1
}

/// Poisson draw (Knuth for small means, normal approximation for large ones).
fn poisson(rng: &mut ChaCha8Rng, lambda: f64) -> u64 {
    if lambda <= 0.0 {
        return 0;
    }
    if lambda > 50.0 {
        let (u1, u2): (f64, f64) = (rng.random::<f64>().max(1e-12), rng.random());
        let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
        return (lambda + z * lambda.sqrt()).round().max(0.0) as u64;
    }
    let l = (-lambda).exp();
    let (mut k, mut p) = (0u64, 1.0f64);
    loop {
        p *= rng.random::<f64>();
        if p <= l {
            return k;
        }
        k += 1;
    }
}

/// Relative weight of a province: its population, times more where trafficking routes cross borders.
fn province_weight(r: &region::Model, population: i64) -> f64 {
    let border = if r.land_borders.contains("CN") {
        6.0
    } else if !r.land_borders.is_empty() {
        2.5
    } else {
        1.0
    };
    population as f64 * border
}

/// Fills the database with the demo data set unless case counts already exist. Returns the number
/// of finest cells written. All or nothing: one transaction.
pub async fn seed<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    k1: &Secret,
    params: &DemoParams,
) -> Result<u64, DbErr> {
    if case_count::Entity::find().count(db).await? > 0 {
        return Ok(0);
    }
    let txn = db.begin().await?;
    let src = source::Entity::insert(source::ActiveModel {
        code: Set(SOURCE_CODE.to_owned()),
        kind: Set("SYNTHETIC".to_owned()),
        publisher: Set("ctip-api demo generator".to_owned()),
        title: Set("SYNTHETIC demo case counts: made up by a seeded generator, not real data".to_owned()),
        url: Set(None),
        published_on: Set(None),
        licence: Set(Some("CC0: synthetic data, free to use, never to be quoted as fact".to_owned())),
        synthetic: Set(true),
        retired: Set(false),
        notes: Set(Some(format!(
            "Generated with seed {} for {}–{}; plausible in scale only. No number in it describes real people.",
            params.seed, params.from_year, params.to_year
        ))),
        ..Default::default()
    })
    .exec(&txn)
    .await?
    .last_insert_id;
    let rel = release::Entity::insert(release::ActiveModel {
        code: Set(RELEASE_CODE.to_owned()),
        published_at: Set(Some(Utc::now())),
        created_at: Set(Utc::now()),
        notes: Set(
            "SYNTHETIC demo release: generated case counts for trying the API. Not real data."
                .to_owned(),
        ),
        ..Default::default()
    })
    .exec(&txn)
    .await?
    .last_insert_id;

    let provinces = region::Entity::find()
        .filter(region::Column::Level.eq("PROVINCE"))
        .all(&txn)
        .await?;
    let pops: HashMap<i32, i64> = region_population::Entity::find()
        .all(&txn)
        .await?
        .into_iter()
        .map(|p| (p.region_id, p.population))
        .collect();
    let mut rng = ChaCha8Rng::seed_from_u64(params.seed);
    let mut rows: Vec<case_count::ActiveModel> = Vec::new();
    let mut written = 0u64;
    for year in params.from_year..=params.to_year {
        for month in 1..=12u32 {
            let Some(first_day) = NaiveDate::from_ymd_opt(year, month, 1) else {
                continue;
            };
            let valid: Vec<&region::Model> = provinces
                .iter()
                .filter(|p| crate::regions::is_valid_on(p, first_day))
                .collect();
            let total_weight: f64 = valid
                .iter()
                .map(|p| province_weight(p, pops.get(&p.id).copied().unwrap_or(0)))
                .sum();
            for province in &valid {
                let share = province_weight(province, pops.get(&province.id).copied().unwrap_or(0))
                    / total_weight;
                for metric in MetricKind::ALL {
                    let units = poisson(
                        &mut rng,
                        national_per_year(metric) / 12.0 * share * params.scale,
                    );
                    // Distribute the units over the finest cells of this metric.
                    let mut cells: HashMap<[&'static str; 4], u64> = HashMap::new();
                    for _ in 0..units {
                        let mut key = ["UNKNOWN"; 4];
                        for (slot, cat) in [
                            Category::Sex,
                            Category::AgeGroup,
                            Category::ExploitationForm,
                            Category::Destination,
                        ]
                        .into_iter()
                        .enumerate()
                        {
                            if metric.supports(cat) {
                                key[slot] = dimensions::values(cat)[pick(&mut rng, weights(cat))];
                            }
                        }
                        *cells.entry(key).or_default() += 1;
                    }
                    let mut sorted: Vec<_> = cells.into_iter().collect();
                    sorted.sort();
                    for ([sex, age, form, dest], n) in sorted {
                        let code = province.code.as_str();
                        let cell = Cell {
                            province: code,
                            year,
                            month,
                            sex,
                            age_group: age,
                            exploitation_form: form,
                            destination: dest,
                        };
                        rows.push(case_count::ActiveModel {
                            metric: Set(metric.as_str().to_owned()),
                            region_id: Set(province.id),
                            year: Set(year),
                            month: Set(month as i32),
                            sex: Set(sex.to_owned()),
                            age_group: Set(age.to_owned()),
                            exploitation_form: Set(form.to_owned()),
                            destination: Set(dest.to_owned()),
                            n: Set(n as i64),
                            key_sum: Set(key_sum(k1, metric.unit_type(), &cell, n)),
                            source_id: Set(src),
                            release_from: Set(rel),
                            release_to: Set(None),
                            ..Default::default()
                        });
                    }
                    if rows.len() >= BATCH_ROWS {
                        written += rows.len() as u64;
                        case_count::Entity::insert_many(std::mem::take(&mut rows))
                            .exec(&txn)
                            .await?;
                    }
                }
            }
        }
    }
    if !rows.is_empty() {
        written += rows.len() as u64;
        case_count::Entity::insert_many(rows).exec(&txn).await?;
    }
    // Published releases carry their rollups (see store::statistics::build_rollups).
    crate::store::statistics::build_rollups(&txn, rel).await?;
    txn.commit().await?;
    crate::store::analyze(db, &crate::store::STATISTICS_TABLES).await?;
    Ok(written)
}
