//! Criterion micro-benchmarks of the disclosure module: the per-node cost of protecting a value
//! when serving, and of computing a cell's key sum when writing.
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use ctip_api::disclosure::{AgeUse, Cell, DisplayPolicy, Keys, UnitType, key_sum, protect};

fn bench(c: &mut Criterion) {
    let keys = Keys::test_keys();
    let cell = Cell {
        province: "VN-P63-10",
        year: 2024,
        month: 7,
        sex: "FEMALE",
        age_group: "UNDER_16",
        exploitation_form: "SEXUAL",
        destination: "CN",
    };
    c.bench_function("protect one node", |b| {
        b.iter(|| {
            protect(
                &keys.k2,
                black_box(12),
                black_box(20_790_723_770),
                &DisplayPolicy::DEFAULT,
                AgeUse::NotUsed,
            )
        })
    });
    c.bench_function("key_sum of a cell of 10 units", |b| {
        b.iter(|| key_sum(&keys.k1, UnitType::Victim, black_box(&cell), black_box(10)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
