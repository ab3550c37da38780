//! Criterion micro-benchmarks of the disclosure module: the per-node cost of protecting a value
//! when serving, and of computing a cell's key sum when writing.
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use ctip_api::disclosure::{AgeUse, Cell, DisplayPolicy, Keys, Secret, UnitType, key_sum, protect};

fn bench(c: &mut Criterion) {
    // The fixed test keys (the library keeps its own for its unit tests only).
    let keys = Keys {
        k1: Secret::from_bytes([1u8; 32]),
        k2: Secret::from_bytes([2u8; 32]),
    };
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
