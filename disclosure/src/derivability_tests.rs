//! Derivability check (disclosure.md §4.7 and §6): on a small synthetic geography, no
//! combination of nodes that [`check_grain`] allows isolates a node it refuses, in
//! particular the child count of a province in a month or a quarter.
//!
//! Every node the API can serve is an equality filter on one node per dimension (region,
//! period, each category, or "all"). Its indicator vector over the finest cells (place in a
//! month × sex × age × exploitation form) is what any published value is a noisy version
//! of. A refused node is derivable by differencing exactly when its vector lies in the row
//! space, over Q, of the allowed nodes' vectors, i.e. when adding it does not raise the rank.
//! Ranks are computed exactly ([`super::exact_rank`]).
//!
//! Destination is left out: with a single value a filter on it selects the same cells as
//! "all", so it adds no vector, only grain restrictions, which the lattice tests cover.
//! Negative controls loosen the rule, or the geography, and show the check then fails.

use std::ops::RangeInclusive;

use super::exact_rank::{EchelonBasis, SparseRow, indicator};
use super::*;

const SEXES: usize = 2;
const FORMS: usize = 2;
const AGES: usize = 2;
const CHILD: usize = 0;
const ADULT: usize = 1;

/// A finest region unit and the months it is valid in; `ser` is the socio-economic region it
/// rolls up into, `None` for one that rolls up into none (see the geography controls).
struct Place {
    name: &'static str,
    ser: Option<&'static str>,
    months: RangeInclusive<u32>,
}

/// A region node the API serves: a set of place-months, and the months the unit exists in
/// (rule 8: an age node is served only for a period inside them).
struct RegionNode {
    name: String,
    grain: RegionGrain,
    place_months: Vec<usize>,
    life: Vec<u32>,
}

struct PeriodNode {
    label: String,
    grain: PeriodGrain,
    months: Vec<u32>,
}

struct World {
    place_months: Vec<(&'static str, u32)>,
    regions: Vec<RegionNode>,
    periods: Vec<PeriodNode>,
    /// The months the release holds: the public knows every later month is empty.
    held: RangeInclusive<u32>,
}

/// One candidate node: an index into regions and periods, and a value or "all" (`None`)
/// for each category dimension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Node {
    region: usize,
    period: usize,
    sex: Option<usize>,
    age: Option<usize>,
    form: Option<usize>,
}

impl World {
    /// `extra` are region nodes made of other places' months, served at province grain
    /// (a 2025 province re-expressed on its predecessors: `boundaries: V2025`).
    fn new(places: &[Place], extra: &[(&str, RegionGrain, &[&str])]) -> Self {
        Self::holding(places, extra, 1..=12, &[])
    }

    /// A world whose release holds only the months `held`, and in which the public also knows
    /// the place-months `empty` hold nothing (a zero it trusts): neither is a column, so every
    /// node is only what it can really hold.
    fn holding(
        places: &[Place],
        extra: &[(&str, RegionGrain, &[&str])],
        held: RangeInclusive<u32>,
        empty: &[(&str, u32)],
    ) -> Self {
        let mut place_months = Vec::new();
        for p in places {
            place_months.extend(
                p.months
                    .clone()
                    .filter(|m| held.contains(m) && !empty.contains(&(p.name, *m)))
                    .map(|m| (p.name, m)),
            );
        }
        let life_of = |names: &[&str]| -> Vec<u32> {
            let mut months: Vec<u32> = places
                .iter()
                .filter(|p| names.contains(&p.name))
                .flat_map(|p| p.months.clone())
                .collect();
            months.sort_unstable();
            months.dedup();
            months
        };
        let members = |keep: &dyn Fn(&Place) -> bool| -> Vec<usize> {
            let names: Vec<&str> = places.iter().filter(|p| keep(p)).map(|p| p.name).collect();
            (0..place_months.len())
                .filter(|i| names.contains(&place_months[*i].0))
                .collect()
        };
        let mut regions = vec![RegionNode {
            name: "country".into(),
            grain: RegionGrain::Country,
            place_months: members(&|_| true),
            life: (1..=12).collect(),
        }];
        let mut sers: Vec<&str> = places.iter().filter_map(|p| p.ser).collect();
        sers.dedup();
        for ser in sers {
            regions.push(RegionNode {
                name: ser.into(),
                grain: RegionGrain::SocioEconomicRegion,
                place_months: members(&|p| p.ser == Some(ser)),
                life: (1..=12).collect(),
            });
        }
        for place in places {
            regions.push(RegionNode {
                name: place.name.into(),
                grain: RegionGrain::Province,
                place_months: members(&|p| p.name == place.name),
                life: place.months.clone().collect(),
            });
        }
        for (name, grain, parts) in extra {
            regions.push(RegionNode {
                name: (*name).into(),
                grain: *grain,
                place_months: members(&|p| parts.contains(&p.name)),
                life: life_of(parts),
            });
        }
        let mut periods: Vec<PeriodNode> = (1..=12)
            .map(|m| PeriodNode {
                label: format!("2025-{m:02}"),
                grain: PeriodGrain::Month,
                months: vec![m],
            })
            .collect();
        periods.extend((0..4).map(|q| PeriodNode {
            label: format!("2025-Q{}", q + 1),
            grain: PeriodGrain::Quarter,
            months: (3 * q + 1..=3 * q + 3).collect(),
        }));
        periods.push(PeriodNode {
            label: "2025".into(),
            grain: PeriodGrain::Year,
            months: (1..=12).collect(),
        });
        // "All periods" is a node of its own (same cells as the year here), at year grain.
        periods.push(PeriodNode {
            label: "all".into(),
            grain: PeriodGrain::Year,
            months: (1..=12).collect(),
        });
        Self {
            place_months,
            regions,
            periods,
            held,
        }
    }

    /// Rules 2 and 8 on top of the lattice: a node that uses age is served only for a named
    /// period that the release holds whole and that lies inside the unit's life.
    fn complete(&self, n: &Node) -> bool {
        let period = &self.periods[n.period];
        n.age.is_none()
            || (period.label != "all"
                && period
                    .months
                    .iter()
                    .all(|m| self.held.contains(m) && self.regions[n.region].life.contains(m)))
    }

    fn region(&self, name: &str) -> usize {
        self.regions
            .iter()
            .position(|r| r.name == name)
            .unwrap_or(usize::MAX)
    }

    fn period(&self, label: &str) -> usize {
        self.periods
            .iter()
            .position(|p| p.label == label)
            .unwrap_or(usize::MAX)
    }

    fn grain(&self, n: &Node) -> Grain {
        let dims = [
            (n.sex, CategoryDim::Sex),
            (n.age, CategoryDim::AgeGroup),
            (n.form, CategoryDim::ExploitationForm),
        ];
        Grain::new(
            self.regions[n.region].grain,
            self.periods[n.period].grain,
            dims.iter().filter(|(v, _)| v.is_some()).map(|(_, d)| *d),
        )
    }

    /// The node's indicator vector over the finest cells.
    fn vector(&self, n: &Node) -> SparseRow {
        let months = &self.periods[n.period].months;
        let matches = |filter: Option<usize>, value: usize| filter.is_none_or(|f| f == value);
        let mut columns = Vec::new();
        for &pm in &self.regions[n.region].place_months {
            if !months.contains(&self.place_months[pm].1) {
                continue;
            }
            for sex in (0..SEXES).filter(|v| matches(n.sex, *v)) {
                for form in (0..FORMS).filter(|v| matches(n.form, *v)) {
                    for age in (0..AGES).filter(|v| matches(n.age, *v)) {
                        let column = ((pm * SEXES + sex) * FORMS + form) * AGES + age;
                        columns.push(u32::try_from(column).unwrap_or(u32::MAX));
                    }
                }
            }
        }
        indicator(columns)
    }

    /// Every non-empty node, split by `allowed`.
    fn nodes(&self, allowed: &dyn Fn(&Grain, &Node) -> bool) -> (Vec<SparseRow>, Vec<Node>) {
        let values = |k: usize| std::iter::once(None).chain((0..k).map(Some));
        let mut served = Vec::new();
        let mut refused = Vec::new();
        for region in 0..self.regions.len() {
            for period in 0..self.periods.len() {
                for sex in values(SEXES) {
                    for age in values(AGES) {
                        for form in values(FORMS) {
                            let node = Node {
                                region,
                                period,
                                sex,
                                age,
                                form,
                            };
                            let vector = self.vector(&node);
                            if vector.is_empty() {
                                continue;
                            } else if allowed(&self.grain(&node), &node) {
                                served.push(vector);
                            } else {
                                refused.push(node);
                            }
                        }
                    }
                }
            }
        }
        (served, refused)
    }

    /// The span of the served nodes. Finest nodes first keeps the echelon rows sparse.
    fn basis(&self, allowed: &dyn Fn(&Grain, &Node) -> bool) -> (EchelonBasis, Vec<Node>) {
        let (mut served, refused) = self.nodes(allowed);
        served.sort_by_key(Vec::len);
        let mut basis = EchelonBasis::default();
        for row in served {
            basis.insert(row);
        }
        (basis, refused)
    }

    /// Age value `age`, all sexes and forms, in `region` during `period`.
    fn age_node(&self, region: &str, period: &str, age: usize) -> Node {
        Node {
            region: self.region(region),
            period: self.period(period),
            sex: None,
            age: Some(age),
            form: None,
        }
    }
}

fn lattice(g: &Grain, _: &Node) -> bool {
    check_grain(g).is_ok()
}

/// Every node of the world, its vector, and whether `allowed` serves it.
fn served_vectors(world: &World, allowed: &dyn Fn(&Grain, &Node) -> bool) -> Vec<SparseRow> {
    world.nodes(allowed).0
}

fn place(name: &'static str, ser: &'static str) -> Place {
    Place {
        name,
        ser: Some(ser),
        months: 1..=12,
    }
}

/// One country, two socio-economic regions (three and two provinces), one year.
fn static_world() -> World {
    World::new(&static_places(), &[])
}

/// A mid-year merger: P3 (region A) and P4 (region B) end in June; from July they are one
/// province N spanning both regions, which rolls up into `n_ser`. N is also served
/// re-expressed on its predecessors (`N-v2025`, what `boundaries: V2025` gives), and with
/// `v2025_regions` the socio-economic regions are served re-expressed as well.
fn merger_places(n_ser: Option<&'static str>) -> Vec<Place> {
    let until_june = |name, ser| Place {
        name,
        ser: Some(ser),
        months: 1..=6,
    };
    vec![
        place("P1", "A"),
        place("P2", "A"),
        until_june("P3", "A"),
        until_june("P4", "B"),
        place("P5", "B"),
        place("P6", "B"),
        Place {
            name: "N",
            ser: n_ser,
            months: 7..=12,
        },
    ]
}

fn merger_world(n_ser: Option<&'static str>, v2025_regions: bool) -> World {
    World::new(
        &merger_places(n_ser),
        if v2025_regions {
            &[
                ("N-v2025", RegionGrain::Province, &["P3", "P4", "N"]),
                (
                    "A-v2025",
                    RegionGrain::SocioEconomicRegion,
                    &["P1", "P2", "P3", "P4", "N"],
                ),
                ("B-v2025", RegionGrain::SocioEconomicRegion, &["P5", "P6"]),
            ]
        } else {
            &[("N-v2025", RegionGrain::Province, &["P3", "P4", "N"])]
        },
    )
}

/// `(province, period)` pairs of every refused child/adult target of the world.
fn province_targets(world: &World) -> Vec<(String, String)> {
    let mut targets = Vec::new();
    for r in world
        .regions
        .iter()
        .filter(|r| r.grain == RegionGrain::Province)
    {
        for p in world
            .periods
            .iter()
            .filter(|p| p.grain != PeriodGrain::Year)
        {
            targets.push((r.name.clone(), p.label.clone()));
        }
    }
    targets
}

#[test]
fn child_count_of_a_province_per_month_or_quarter_is_not_derivable() {
    let world = static_world();
    let (basis, refused) = world.basis(&lattice);
    // Predicted by hand from the tensor structure: 240 dimensions from nodes without age
    // (place-month × sex × form) plus 58 from the allowed uses of age.
    assert_eq!(basis.rank(), 298, "rank of the allowed nodes");
    for (period, what) in [("2025-07", "month"), ("2025-Q3", "quarter")] {
        let target = world.vector(&world.age_node("P1", period, CHILD));
        let rank_with_target = basis.rank() + usize::from(!basis.spans(&target));
        eprintln!(
            "static world ({what}): {} columns, {} refused nodes; rank(A) = {}, \
             rank(A + child∧P1∧{period}) = {rank_with_target}",
            world.place_months.len() * SEXES * FORMS * AGES,
            refused.len(),
            basis.rank(),
        );
        assert_eq!(rank_with_target, basis.rank() + 1, "{period}");
    }
    let mut checked = 0;
    for (province, period) in province_targets(&world) {
        for age in [CHILD, ADULT] {
            let node = world.age_node(&province, &period, age);
            assert!(
                check_grain(&world.grain(&node)).is_err(),
                "{province} {period}"
            );
            assert!(
                !basis.spans(&world.vector(&node)),
                "{province} {period} age {age}"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 5 * 16 * 2);
}

#[test]
fn no_refused_node_is_derivable_from_allowed_nodes() {
    let worlds = [
        ("static", static_world()),
        ("merger", merger_world(Some("A"), false)),
    ];
    for (name, world) in worlds {
        let (basis, refused) = world.basis(&lattice);
        assert!(refused.len() > 2000, "{name}: {} refused", refused.len());
        for node in &refused {
            assert!(
                !basis.spans(&world.vector(node)),
                "{name}: {node:?} is derivable"
            );
        }
        eprintln!(
            "{name} world: {} columns, rank(A) = {}, {} refused nodes, none derivable",
            world.place_months.len() * SEXES * FORMS * AGES,
            basis.rank(),
            refused.len()
        );
    }
}

#[test]
fn merged_province_months_and_quarters_stay_protected() {
    let world = merger_world(Some("A"), false);
    let (basis, _) = world.basis(&lattice);
    let targets = [
        ("P3", "2025-02"),
        ("P3", "2025-Q2"),
        ("P4", "2025-Q1"),
        ("N", "2025-08"),
        ("N", "2025-Q3"),
        ("N-v2025", "2025-Q1"),
        ("N-v2025", "2025-Q4"),
    ];
    for (province, period) in targets {
        let target = world.vector(&world.age_node(province, period, CHILD));
        assert!(!target.is_empty(), "{province} {period}");
        assert!(!basis.spans(&target), "{province} {period}");
    }
}

#[test]
fn control_allowing_age_by_province_and_month_makes_the_target_derivable() {
    let world = static_world();
    let loosened = |g: &Grain, n: &Node| {
        let others = usize::from(n.sex.is_some()) + usize::from(n.form.is_some());
        lattice(g, n)
            || (g.region == RegionGrain::Province && g.period == PeriodGrain::Month && others <= 1)
    };
    let (basis, _) = world.basis(&loosened);
    let target = world.vector(&world.age_node("P1", "2025-07", CHILD));
    let rank_with_target = basis.rank() + usize::from(!basis.spans(&target));
    eprintln!(
        "loosened rule: rank(A) = {}, rank(A + target) = {rank_with_target}",
        basis.rank()
    );
    assert_eq!(
        rank_with_target,
        basis.rank(),
        "the check must be able to fail"
    );
    // The quarter target is now a sum of three served months.
    assert!(basis.spans(&world.vector(&world.age_node("P1", "2025-Q3", CHILD))));
}

#[test]
fn control_exempting_adults_gives_the_child_count_by_differencing() {
    // Why the rule covers every age value: if "adult" were served at every grain, the child
    // count would be the all-ages count minus the adult count.
    let world = static_world();
    let adults_exempt = |g: &Grain, n: &Node| lattice(g, n) || n.age == Some(ADULT);
    let (basis, _) = world.basis(&adults_exempt);
    let target = world.vector(&world.age_node("P2", "2025-05", CHILD));
    assert!(basis.spans(&target));
}

#[test]
fn control_a_region_with_a_single_province_serves_that_province_per_quarter() {
    // A geography hazard, not a rule hazard: a socio-economic region made of one province is
    // that province, so its quarterly age counts are the province's. The region tree must
    // give each socio-economic region at least two provinces in every period it serves.
    let world = World::new(
        &[
            place("P1", "A"),
            place("P2", "A"),
            place("P3", "B"),
            place("P4", "B"),
            place("P5", "C"),
        ],
        &[],
    );
    let (basis, _) = world.basis(&lattice);
    assert!(basis.spans(&world.vector(&world.age_node("P5", "2025-Q2", CHILD))));
    assert!(!basis.spans(&world.vector(&world.age_node("P5", "2025-05", CHILD))));
    assert!(!basis.spans(&world.vector(&world.age_node("P1", "2025-Q2", CHILD))));
}

#[test]
fn control_a_province_outside_every_region_is_the_country_minus_the_regions() {
    // Geography hazard: if the cross-region province N rolls up into no socio-economic
    // region, "country − region A − region B" is N, per quarter, age included. The region
    // tree must roll every province into a region (or leave out at least two at a time).
    let world = merger_world(None, false);
    let (basis, _) = world.basis(&lattice);
    assert!(basis.spans(&world.vector(&world.age_node("N", "2025-Q3", CHILD))));
    assert!(!basis.spans(&world.vector(&world.age_node("N", "2025-08", CHILD))));
}

#[test]
fn control_regions_served_on_both_boundaries_isolate_the_province_that_moved() {
    // Geography hazard: P4 was in region B until June, and its successor N is in region A.
    // Serving region A both as recorded and re-expressed on 2025 boundaries makes their
    // difference P4, per quarter, age included. Regions must be served on one set of
    // boundaries, or a re-expressed region treated as province grain for age.
    let world = merger_world(Some("A"), true);
    let (basis, _) = world.basis(&lattice);
    assert!(basis.spans(&world.vector(&world.age_node("P4", "2025-Q1", CHILD))));
    assert!(!basis.spans(&world.vector(&world.age_node("P3", "2025-Q1", CHILD))));
}

/// The places of the static world.
fn static_places() -> Vec<Place> {
    vec![
        place("P1", "A"),
        place("P2", "A"),
        place("P3", "A"),
        place("P4", "B"),
        place("P5", "B"),
    ]
}

#[test]
fn control_grading_a_partial_year_by_its_label_makes_it_a_month_in_disguise() {
    // A release holding only January: graded by its label, the year of a province is its
    // January, so the refused child count of a province in a month is served as a "year".
    let world = World::holding(&static_places(), &[], 1..=1, &[]);
    let (basis, _) = world.basis(&lattice);
    assert!(basis.spans(&world.vector(&world.age_node("P1", "2025-01", CHILD))));
    // With rule 8 the partial year (and "all periods", the same month here) is refused.
    let complete = |g: &Grain, n: &Node| lattice(g, n) && world.complete(n);
    let (basis, _) = world.basis(&complete);
    assert!(!basis.spans(&world.vector(&world.age_node("P1", "2025-01", CHILD))));
}

impl World {
    /// The grain a node really has: its period graded by the months it can hold (inside the
    /// release and the unit's life), so a "year" holding one month is a month.
    fn effective_grain(&self, n: &Node) -> Grain {
        let months: Vec<u32> = self.periods[n.period]
            .months
            .iter()
            .copied()
            .filter(|m| self.held.contains(m) && self.regions[n.region].life.contains(m))
            .collect();
        let quarter = |m: &u32| (m - 1) / 3;
        let period = match (months.first(), months.last()) {
            (Some(a), Some(b)) if a == b => PeriodGrain::Month,
            (Some(a), Some(b)) if quarter(a) == quarter(b) => PeriodGrain::Quarter,
            _ => PeriodGrain::Year,
        };
        Grain {
            period,
            ..self.grain(n)
        }
    }
}

/// Checks that no target of `world` (a refused node whose real grain the lattice refuses: a
/// province's children in a month, or in a "year" that holds one month) is derivable from the
/// nodes `allowed` serves, unless it holds exactly the cells of a served node (then it is that
/// node, published once with its noise: differencing finds nothing new). Returns how many
/// targets it checked.
fn assert_nothing_new(world: &World, allowed: &dyn Fn(&Grain, &Node) -> bool, what: &str) -> usize {
    let served = served_vectors(world, allowed);
    let (basis, refused) = world.basis(allowed);
    let mut targets = 0;
    for node in refused
        .iter()
        .filter(|n| check_grain(&world.effective_grain(n)).is_err())
    {
        let v = world.vector(node);
        assert!(
            !basis.spans(&v) || served.contains(&v),
            "{what}: {node:?} is derivable and is no served node"
        );
        targets += 1;
    }
    targets
}

#[test]
fn with_months_known_empty_no_refused_node_is_derivable_under_rule_8() {
    // Releases holding one month, four months (a partial quarter), seven or the whole year, on
    // the static world and on the mid-year merger (units that live half the year). A partial
    // quarter of the country holds exactly the cells of its served months: a copy, nothing new.
    let mut checked = 0;
    for held in [1..=1, 1..=4, 1..=7, 1..=12] {
        for (name, places, extra) in [
            ("static", static_places(), Vec::new()),
            (
                "merger",
                merger_places(Some("A")),
                vec![("N-v2025", RegionGrain::Province, &["P3", "P4", "N"][..])],
            ),
        ] {
            let world = World::holding(&places, &extra, held.clone(), &[]);
            let allowed = |g: &Grain, n: &Node| lattice(g, n) && world.complete(n);
            checked += assert_nothing_new(&world, &allowed, &format!("{name} holding {held:?}"));
        }
    }
    assert!(checked > 5000, "{checked}");
}

#[test]
fn with_zeros_the_public_knows_no_refused_node_is_derivable_while_regions_keep_two_provinces() {
    // Zeros the public trusts (exact zeros are shown only where age is not used, so they empty
    // whole place-months) take cells away. As long as every region keeps two non-empty
    // provinces in every quarter, nothing refused becomes derivable.
    let empty = [
        ("P1", 3),
        ("P4", 11),
        ("P2", 7),
        ("P2", 8),
        ("P2", 9),
        ("P5", 2),
        ("P5", 3),
    ];
    for held in [1..=12, 1..=8] {
        let world = World::holding(&static_places(), &[], held.clone(), &empty);
        let allowed = |g: &Grain, n: &Node| lattice(g, n) && world.complete(n);
        let checked = assert_nothing_new(&world, &allowed, &format!("holding {held:?}"));
        assert!(checked > 1000, "{checked}");
    }
}

#[test]
fn control_a_region_whose_other_province_is_known_empty_serves_the_first_per_quarter() {
    // The geography hazard of a single-province region, reached through zeros: if P5 is known
    // empty from February on, its year is its January, and region B's first quarter minus P5's
    // year is P4's first quarter. The check sees it.
    let empty: Vec<(&str, u32)> = (2..=12).map(|m| ("P5", m)).collect();
    let world = World::holding(&static_places(), &[], 1..=12, &empty);
    let allowed = |g: &Grain, n: &Node| lattice(g, n) && world.complete(n);
    let (basis, _) = world.basis(&allowed);
    assert!(basis.spans(&world.vector(&world.age_node("P4", "2025-Q1", CHILD))));
}
