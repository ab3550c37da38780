//! An attacker in the tests (disclosure.md §3, §4 rule 8, §5): planted child counts of 1 to 4,
//! adults and other age groups beside them, and a Bayesian attacker who knows the public
//! perturbation table and how the data were generated, who asks every route the lattice allows
//! and combines what it sees by maximum posterior. Exact recovery must stay within 10
//! percentage points of guessing the most likely count, scenario by scenario.
//!
//! Scenarios, all on the 63 provinces as recorded, in two releases A and B:
//! - **complete year** (2016–2023, complete in A): every province holds c children in one month
//!   of the year; the attacker reads the province's child node, its splits by sex,
//!   exploitation form and destination, and all ages beside the other age groups (region and
//!   country nodes, asked as well, add up ten or more targets and single none out);
//! - **partial year** (2024: January in A, January and February in B): every province holds
//!   c children in January;
//! - **revision** (2015, complete in A with adults only): B adds c children and more adults to
//!   one month, so each part's change between the releases is there to read.
use std::collections::{BTreeMap, HashMap};

use ctip_api::dimensions::MetricKind;
use ctip_api::disclosure::{Cell, key_sum};
use entity::{case_count, region, release, source};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::helpers::TestApp;

const METRICS: [&str; 3] = ["VICTIMS_IDENTIFIED", "VICTIMS_RESCUED", "VICTIMS_SUPPORTED"];
const SEXES: [&str; 3] = ["FEMALE", "MALE", "UNKNOWN"];
const FORMS: [&str; 8] = [
    "SEXUAL",
    "FORCED_LABOUR",
    "FORCED_MARRIAGE",
    "CHILD_SALE",
    "ORGAN_REMOVAL",
    "FORCED_CRIMINALITY",
    "OTHER",
    "UNKNOWN",
];
const DESTINATIONS: [&str; 10] = [
    "DOMESTIC", "CN", "KH", "LA", "MM", "TH", "MY", "KR", "OTHER", "UNKNOWN",
];
/// The split dimensions: GraphQL name, values.
const SPLITS: [(&str, &[&str]); 3] = [
    ("SEX", &SEXES),
    ("EXPLOITATION_FORM", &FORMS),
    ("DESTINATION", &DESTINATIONS),
];
const LEVELS: [&str; 2] = ["PROVINCE", "SOCIO_ECONOMIC_REGION"];
const ADULTS: (i64, i64) = (5, 30);
const OTHER_AGES: (i64, i64) = (0, 3);
const ADDED_ADULTS: (i64, i64) = (1, 10);
/// How many children a planted target holds: 1 to 4, as small counts of a rare event fall
/// (a Poisson law of mean 1.5, cut to 1–4). The attacker knows it; guessing its mode (1) is the
/// baseline.
const CHILDREN: [f64; 4] = [1.5, 1.125, 0.5625, 0.2109375];

#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash, PartialOrd, Ord)]
enum Scenario {
    CompleteYear,
    PartialYear,
    Revision,
}

struct Target {
    scenario: Scenario,
    metric: &'static str,
    province: String,
    year: i32,
    children: i64,
}

/// A finest cell: metric, province code, year, month, sex, age, form, destination.
type CellKey = (
    &'static str,
    String,
    i32,
    u32,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

#[derive(Default)]
struct Plant {
    a: BTreeMap<CellKey, i64>,
    /// What B adds (on top of A's cells).
    b: BTreeMap<CellKey, i64>,
}

fn uniform(rng: &mut ChaCha8Rng, (lo, hi): (i64, i64)) -> i64 {
    rng.random_range(lo..=hi)
}

fn children(rng: &mut ChaCha8Rng) -> i64 {
    let total: f64 = CHILDREN.iter().sum();
    let mut x = rng.random::<f64>() * total;
    for (i, w) in CHILDREN.iter().enumerate() {
        if x < *w {
            return i as i64 + 1;
        }
        x -= w;
    }
    CHILDREN.len() as i64
}

fn any<'a>(rng: &mut ChaCha8Rng, values: &[&'a str]) -> &'a str {
    values[rng.random_range(0..values.len())]
}

/// Adds `count` units of one age group, each in a random category (and a random month of
/// `months`), to a province's cells.
#[expect(clippy::too_many_arguments, reason = "one cell's every coordinate")]
fn scatter(
    rng: &mut ChaCha8Rng,
    into: &mut BTreeMap<CellKey, i64>,
    metric: &'static str,
    province: &str,
    year: i32,
    months: (u32, u32),
    age: &'static str,
    count: i64,
) {
    for _ in 0..count {
        let month = rng.random_range(months.0..=months.1);
        let key = (
            metric,
            province.to_owned(),
            year,
            month,
            any(rng, &SEXES),
            age,
            any(rng, &FORMS),
            any(rng, &DESTINATIONS),
        );
        *into.entry(key).or_insert(0) += 1;
    }
}

/// Adults and the other age groups beside the children, as the generator makes them.
fn others(
    rng: &mut ChaCha8Rng,
    into: &mut BTreeMap<CellKey, i64>,
    metric: &'static str,
    province: &str,
    year: i32,
    months: (u32, u32),
) {
    let adults = uniform(rng, ADULTS);
    scatter(rng, into, metric, province, year, months, "ADULT", adults);
    for age in ["AGE_16_17", "UNKNOWN"] {
        let n = uniform(rng, OTHER_AGES);
        scatter(rng, into, metric, province, year, months, age, n);
    }
}

fn plan_data(provinces: &[(String, String)]) -> (Plant, Vec<Target>) {
    let mut rng = ChaCha8Rng::seed_from_u64(15);
    let mut plant = Plant::default();
    let mut targets = Vec::new();
    for metric in METRICS {
        // Complete years: every province holds children in one month of each year.
        for year in 2016..=2023 {
            for (province, _) in provinces {
                let c = children(&mut rng);
                let month = rng.random_range(1..=12);
                scatter(
                    &mut rng,
                    &mut plant.a,
                    metric,
                    province,
                    year,
                    (month, month),
                    "UNDER_16",
                    c,
                );
                others(&mut rng, &mut plant.a, metric, province, year, (1, 12));
                targets.push(Target {
                    scenario: Scenario::CompleteYear,
                    metric,
                    province: province.clone(),
                    year,
                    children: c,
                });
            }
        }
        // Partial year: January in A; B adds February (adults and other ages only).
        for (province, _) in provinces {
            let c = children(&mut rng);
            scatter(
                &mut rng,
                &mut plant.a,
                metric,
                province,
                2024,
                (1, 1),
                "UNDER_16",
                c,
            );
            others(&mut rng, &mut plant.a, metric, province, 2024, (1, 1));
            others(&mut rng, &mut plant.b, metric, province, 2024, (2, 2));
            targets.push(Target {
                scenario: Scenario::PartialYear,
                metric,
                province: province.clone(),
                year: 2024,
                children: c,
            });
        }
        // Revision: 2015 holds adults in A; B adds children and adults to June.
        let mut order: Vec<usize> = (0..provinces.len()).collect();
        for i in (1..order.len()).rev() {
            order.swap(i, rng.random_range(0..=i));
        }
        for &i in order.iter().take(30) {
            let (province, _) = &provinces[i];
            others(&mut rng, &mut plant.a, metric, province, 2015, (1, 12));
            let c = children(&mut rng);
            scatter(
                &mut rng,
                &mut plant.b,
                metric,
                province,
                2015,
                (6, 6),
                "UNDER_16",
                c,
            );
            let added = uniform(&mut rng, ADDED_ADULTS);
            scatter(
                &mut rng,
                &mut plant.b,
                metric,
                province,
                2015,
                (6, 6),
                "ADULT",
                added,
            );
            targets.push(Target {
                scenario: Scenario::Revision,
                metric,
                province: province.clone(),
                year: 2015,
                children: c,
            });
        }
    }
    // Both releases cover whole 2015 (January and December hold units).
    let (p0, _) = &provinces[0];
    for month in [1, 12] {
        let key = (
            METRICS[0],
            p0.clone(),
            2015,
            month,
            "FEMALE",
            "ADULT",
            "SEXUAL",
            "CN",
        );
        *plant.a.entry(key).or_insert(0) += 1;
    }
    (plant, targets)
}

/// Writes the cells of A and B as publishing would: a cell B changes is closed in A's version
/// and written anew from B; the rollups of each release are built.
async fn write_releases(app: &TestApp, plant: &Plant) -> (String, String) {
    let ids: HashMap<String, i32> = region::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.code, r.id))
        .collect();
    let src = source::Entity::find()
        .filter(source::Column::Code.eq(ctip_api::demo::SOURCE_CODE))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let mut codes = Vec::new();
    let mut release_ids = Vec::new();
    for (i, code) in ["attack-a", "attack-b"].into_iter().enumerate() {
        let now = chrono::Utc::now();
        let rel = release::Entity::insert(release::ActiveModel {
            code: Set(code.to_owned()),
            published_at: Set(Some(now)),
            created_at: Set(now),
            notes: Set(format!("SYNTHETIC release {} of the attacker test", i + 1)),
            ..Default::default()
        })
        .exec(&app.db)
        .await
        .unwrap()
        .last_insert_id;
        codes.push(code.to_owned());
        release_ids.push(rel);
    }
    let (a, b) = (release_ids[0], release_ids[1]);
    let k1 = crate::helpers::test_keys().k1;
    let mut rows = Vec::new();
    let mut push = |key: &CellKey, n: i64, from: i32, to: Option<i32>| {
        let metric = MetricKind::parse(key.0).unwrap();
        let cell = Cell {
            province: &key.1,
            year: key.2,
            month: key.3,
            sex: key.4,
            age_group: key.5,
            exploitation_form: key.6,
            destination: key.7,
        };
        rows.push(case_count::ActiveModel {
            metric: Set(key.0.to_owned()),
            region_id: Set(ids[&key.1]),
            year: Set(key.2),
            month: Set(key.3 as i32),
            sex: Set(key.4.to_owned()),
            age_group: Set(key.5.to_owned()),
            exploitation_form: Set(key.6.to_owned()),
            destination: Set(key.7.to_owned()),
            n: Set(n),
            key_sum: Set(key_sum(&k1, metric.unit_type(), &cell, n as u64)),
            source_id: Set(src.id),
            release_from: Set(from),
            release_to: Set(to),
            ..Default::default()
        });
    };
    for (key, n) in &plant.a {
        match plant.b.get(key) {
            Some(added) => {
                push(key, *n, a, Some(b));
                push(key, n + added, b, None);
            }
            None => push(key, *n, a, None),
        }
    }
    for (key, n) in &plant.b {
        if !plant.a.contains_key(key) {
            push(key, *n, b, None);
        }
    }
    for chunk in rows.chunks(500) {
        case_count::Entity::insert_many(chunk.to_vec())
            .exec(&app.db)
            .await
            .unwrap();
    }
    for id in [a, b] {
        ctip_api::store::statistics::build_rollups(&app.db, id)
            .await
            .unwrap();
    }
    (codes[0].clone(), codes[1].clone())
}

/// One served node: (release, metric, year, level, region code, age filter or group, split
/// dimension and value).
type NodeId = (
    String,
    &'static str,
    i32,
    &'static str,
    String,
    String,
    String,
    String,
);

/// Every route the lattice allows, asked of both releases; refused requests observe nothing.
async fn observe(app: &TestApp, releases: &[String]) -> (HashMap<NodeId, String>, usize, usize) {
    const Q: &str =
        "query($m: Metric!, $f: StatisticsFilter, $g: [Dimension!], $l: RegionLevel, $r: ID) {
      caseStatistics(metric: $m, filter: $f, groupBy: $g, regionLevel: $l, release: $r) {
        rows { region { code } ageGroup sex exploitationForm destination value { value display } }
      } }";
    let mut seen = HashMap::new();
    let (mut asked, mut refused) = (0, 0);
    for rel in releases {
        for metric in METRICS {
            for year in 2015..=2024 {
                for level in LEVELS {
                    let period = year.to_string();
                    let mut asks: Vec<(Value, Vec<&str>, &str)> = vec![
                        (
                            json!({ "period": period, "ageGroup": "UNDER_16" }),
                            vec!["REGION"],
                            "UNDER_16",
                        ),
                        (
                            json!({ "period": period }),
                            vec!["REGION", "AGE_GROUP"],
                            "BY_AGE",
                        ),
                        (json!({ "period": period }), vec!["REGION"], "ALL"),
                    ];
                    for (dim, _) in SPLITS {
                        asks.push((
                            json!({ "period": period, "ageGroup": "UNDER_16" }),
                            vec!["REGION", dim],
                            "UNDER_16",
                        ));
                    }
                    for (filter, group_by, age) in asks {
                        asked += 1;
                        let body = app
                            .query_with(
                                Q,
                                json!({ "m": metric, "f": filter, "g": group_by, "l": level, "r": rel }),
                            )
                            .await;
                        if let Some(errors) = body.get("errors") {
                            assert_eq!(
                                errors[0]["extensions"]["code"], "GRAIN_NOT_ALLOWED",
                                "only the lattice refuses: {body}"
                            );
                            refused += 1;
                            continue;
                        }
                        for row in body["data"]["caseStatistics"]["rows"].as_array().unwrap() {
                            let display = row["value"]["display"].as_str().unwrap().to_owned();
                            if let Some(v) = row["value"]["value"].as_i64() {
                                assert!(
                                    v == 0 || v >= 5,
                                    "a value from 1 to 4 was published: {row}"
                                );
                            }
                            let age = match row["ageGroup"].as_str() {
                                Some(a) => a.to_owned(),
                                None => age.to_owned(),
                            };
                            let (dim, value) = ["sex", "exploitationForm", "destination"]
                                .iter()
                                .find_map(|d| {
                                    row[*d].as_str().map(|v| ((*d).to_owned(), v.to_owned()))
                                })
                                .unwrap_or_default();
                            seen.insert(
                                (
                                    rel.clone(),
                                    metric,
                                    year,
                                    level,
                                    row["region"]["code"].as_str().unwrap().to_owned(),
                                    age,
                                    dim,
                                    value,
                                ),
                                display,
                            );
                        }
                    }
                }
            }
        }
    }
    (seen, asked, refused)
}

/// The public perturbation table as the API publishes it, and the display threshold.
struct Table {
    /// P(v | class) for class 0, 1, ≥2 and v in -2..=2.
    p: [[f64; 5]; 3],
    threshold: i64,
    /// Whether "<5" stands for zero too (where the age group is used): the attacker reads it
    /// off the answers, since any "0" shown for such a node proves zeros are exact there.
    zero_is_suppressed: bool,
}

impl Table {
    async fn fetch(app: &TestApp) -> Table {
        let body = app
            .query("{ dataset { methodology { threshold perturbationTable { trueCount change probability } } } }")
            .await;
        let m = &body["data"]["dataset"]["methodology"];
        let mut p = [[0.0; 5]; 3];
        for row in m["perturbationTable"].as_array().unwrap() {
            let class = match row["trueCount"].as_str().unwrap() {
                "0" => 0,
                "1" => 1,
                _ => 2,
            };
            let v = row["change"].as_i64().unwrap();
            p[class][(v + 2) as usize] += row["probability"].as_f64().unwrap();
        }
        Table {
            p,
            threshold: m["threshold"].as_i64().unwrap(),
            zero_is_suppressed: true,
        }
    }

    /// P(y | n) of the adjusted value.
    fn adjusted(&self, n: i64, y: i64) -> f64 {
        let v = y - n;
        if !(-2..=2).contains(&v) {
            return 0.0;
        }
        self.p[n.clamp(0, 2) as usize][(v + 2) as usize]
    }

    /// P(display | n): "0" and "<5" are censored observations of y.
    fn likelihood(&self, n: i64, display: &str) -> f64 {
        if let Ok(y) = display.parse::<i64>() {
            return self.adjusted(n, y);
        }
        if display == "0" {
            return self.adjusted(n, 0);
        }
        // "<5": y from 1 to the threshold − 1, and 0 too where zeros are suppressed.
        let from = if self.zero_is_suppressed { 0 } else { 1 };
        (from..self.threshold).map(|y| self.adjusted(n, y)).sum()
    }
}

/// P(counts per value | c units spread uniformly over `k` values), for every split of c.
fn splits(c: i64, k: usize) -> Vec<(Vec<i64>, f64)> {
    let mut out = vec![(vec![0; k], 1.0)];
    for _ in 0..c {
        let mut next: HashMap<Vec<i64>, f64> = HashMap::new();
        for (parts, p) in &out {
            for i in 0..k {
                let mut q = parts.clone();
                q[i] += 1;
                *next.entry(q).or_insert(0.0) += p / k as f64;
            }
        }
        out = next.into_iter().collect();
    }
    out
}

/// The attacker's posterior over c = 1..4 for one target, from every observation that holds it.
fn posterior(
    t: &Target,
    seen: &HashMap<NodeId, String>,
    table: &Table,
    releases: &[String],
) -> [f64; 4] {
    // Region nodes add up the children of every province in them (ten or so targets): the
    // province nodes are the ones that single a target out.
    let levels: Vec<(&'static str, &str)> = vec![("PROVINCE", &t.province)];
    let node = |rel: &str, level: &'static str, code: &str, age: &str, dim: &str, value: &str| {
        seen.get(&(
            rel.to_owned(),
            t.metric,
            t.year,
            level,
            code.to_owned(),
            age.to_owned(),
            dim.to_owned(),
            value.to_owned(),
        ))
    };
    // The release whose child nodes hold the target: B for a revision; for the others the
    // first release that shows them (the same contributors give the same value in both).
    let child_releases: Vec<&String> = match t.scenario {
        Scenario::Revision => vec![&releases[1]],
        _ => releases.iter().collect(),
    };
    let total: f64 = CHILDREN.iter().sum();
    let mut post = CHILDREN.map(|w| w / total);
    for (i, c) in (1..=4).enumerate() {
        let mut l = 1.0;
        for (level, code) in &levels {
            // One look per distinct node: a node seen twice with the same value is one observation.
            let first_seen = |age: &str, dim: &str, value: &str| {
                child_releases
                    .iter()
                    .find_map(|r| node(r, level, code, age, dim, value))
            };
            if let Some(d) = first_seen("UNDER_16", "", "") {
                l *= table.likelihood(c, d);
            }
            for (dim, values) in SPLITS {
                let field = match dim {
                    "SEX" => "sex",
                    "EXPLOITATION_FORM" => "exploitationForm",
                    _ => "destination",
                };
                let parts: Vec<Option<&String>> = values
                    .iter()
                    .map(|v| first_seen("UNDER_16", field, v))
                    .collect();
                if parts.iter().all(Option::is_none) {
                    continue;
                }
                l *= splits(c, values.len())
                    .iter()
                    .map(|(alloc, p)| {
                        p * alloc
                            .iter()
                            .zip(&parts)
                            .map(|(n, d)| d.map_or(1.0, |d| table.likelihood(*n, d)))
                            .product::<f64>()
                    })
                    .sum::<f64>();
            }
        }
        // All ages beside the other age groups: Σ over the unknown adults and other ages.
        let everything = |rel: &String, level: &'static str, code: &str| {
            (
                node(rel, level, code, "ALL", "", ""),
                node(rel, level, code, "ADULT", "", ""),
                node(rel, level, code, "AGE_16_17", "", ""),
                node(rel, level, code, "UNKNOWN", "", ""),
            )
        };
        match t.scenario {
            Scenario::Revision => {
                // What B added to the whole province: c children and some adults.
                let (a, b) = (&releases[0], &releases[1]);
                if let (Some(ya), Some(yb)) = (
                    everything(a, "PROVINCE", &t.province).0,
                    everything(b, "PROVINCE", &t.province).0,
                ) && let (Ok(ya), Ok(yb)) = (ya.parse::<i64>(), yb.parse::<i64>())
                {
                    let mut s = 0.0;
                    for added in ADDED_ADULTS.0..=ADDED_ADULTS.1 {
                        let p_added = 1.0 / (ADDED_ADULTS.1 - ADDED_ADULTS.0 + 1) as f64;
                        // Both ≥ 5: the difference of two independent changes.
                        for va in -2..=2 {
                            for vb in -2..=2 {
                                if yb - vb - (ya - va) == c + added {
                                    s += p_added
                                        * table.p[2][(va + 2) as usize]
                                        * table.p[2][(vb + 2) as usize];
                                }
                            }
                        }
                    }
                    l *= s;
                }
            }
            _ => {
                let rel = &releases[0];
                let looks: Vec<_> = levels
                    .iter()
                    .map(|(level, code)| everything(rel, level, code))
                    .filter(|(all, ..)| all.is_some())
                    .collect();
                if !looks.is_empty() {
                    let mut s = 0.0;
                    let n_adults = (ADULTS.1 - ADULTS.0 + 1) as f64;
                    let n_other = (OTHER_AGES.1 - OTHER_AGES.0 + 1) as f64;
                    for adults in ADULTS.0..=ADULTS.1 {
                        for o1 in OTHER_AGES.0..=OTHER_AGES.1 {
                            for o2 in OTHER_AGES.0..=OTHER_AGES.1 {
                                let mut p = 1.0 / (n_adults * n_other * n_other);
                                for (all, adult, y1617, unknown) in &looks {
                                    let n_all = c + adults + o1 + o2;
                                    p *= all.map_or(1.0, |d| table.likelihood(n_all, d));
                                    p *= adult.map_or(1.0, |d| table.likelihood(adults, d));
                                    p *= y1617.map_or(1.0, |d| table.likelihood(o1, d));
                                    p *= unknown.map_or(1.0, |d| table.likelihood(o2, d));
                                }
                                s += p;
                            }
                        }
                    }
                    l *= s;
                }
            }
        }
        post[i] *= l;
    }
    post
}

#[tokio::test]
async fn an_attacker_over_every_allowed_route_recovers_planted_child_counts_no_better_than_guessing()
 {
    let app = TestApp::spawn_seeded(None, |c| {
        c.rate_limit.rate_limit_points = 0;
        c.cache.response_cache_bytes = 0;
    })
    .await;
    let mut provinces: Vec<(String, String)> = Vec::new();
    let all = region::Entity::find().all(&app.db).await.unwrap();
    let code_of: HashMap<i32, &str> = all.iter().map(|r| (r.id, r.code.as_str())).collect();
    for r in &all {
        if r.level == "PROVINCE" && r.successor_id.is_some() {
            provinces.push((r.code.clone(), code_of[&r.parent_id.unwrap()].to_owned()));
        }
    }
    provinces.sort();
    assert_eq!(provinces.len(), 63);
    let (plant, targets) = plan_data(&provinces);
    let (a, b) = write_releases(&app, &plant).await;
    let releases = vec![a, b];
    let mut table = Table::fetch(&app).await;
    let (seen, asked, refused) = observe(&app, &releases).await;
    table.zero_is_suppressed = !seen
        .iter()
        .any(|(node, display)| node.5 != "ALL" && display == "0");

    let mut report = String::new();
    let mut failures = Vec::new();
    for scenario in [
        Scenario::CompleteYear,
        Scenario::PartialYear,
        Scenario::Revision,
    ] {
        let of: Vec<&Target> = targets.iter().filter(|t| t.scenario == scenario).collect();
        // Guessing the mode of the law of planted counts, 1, without looking at anything.
        let baseline = of.iter().filter(|t| t.children == 1).count() as f64 / of.len() as f64;
        let recovered = of
            .iter()
            .filter(|t| {
                let post = posterior(t, &seen, &table, &releases);
                let best = (0..4)
                    .max_by(|i, j| post[*i].total_cmp(&post[*j]).then(j.cmp(i)))
                    .unwrap();
                best as i64 + 1 == t.children
            })
            .count();
        let rate = recovered as f64 / of.len() as f64;
        report.push_str(&format!(
            "{scenario:?}: {recovered} of {} recovered ({:.1} %), guessing the mode {:.1} %, excess {:+.1} pp\n",
            of.len(),
            rate * 100.0,
            baseline * 100.0,
            (rate - baseline) * 100.0
        ));
        if rate > baseline + 0.10 {
            failures.push(scenario);
        }
    }
    println!("{asked} requests, {refused} refused\n{report}");
    assert!(
        failures.is_empty(),
        "exact recovery exceeds guessing by more than 10 points in {failures:?}:\n{report}"
    );
}
