//! The whole-list shuffle of 1,000,000 indices with mainnet rounds (90), against its hash
//! floor: raw SHA-256 over the same number of 37-byte inputs the shuffle hashes.

mod common;

use consensus::preset::{Mainnet, Preset};
use consensus::primitives::Root;
use consensus::shuffle::shuffle_list;
use criterion::{black_box, criterion_group, Criterion, Throughput};
use sha2::{Digest, Sha256};
use std::time::Duration;

const N: usize = 1_000_000;

/// Source hashes per round: one per 256 positions of the upper half of each mirrored segment
/// (about N/512, plus the block edges), and one pivot hash.
fn hashes_per_run() -> usize {
    usize::from(Mainnet::SHUFFLE_ROUND_COUNT) * (N / 512 + 4)
}

fn shuffle(c: &mut Criterion) {
    let seed = Root::new([0x42; 32]);
    let input: Vec<u64> = (0..N as u64).collect();
    let mut g = c.benchmark_group("shuffle_1m_mainnet");
    g.sample_size(20).measurement_time(Duration::from_secs(5));
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("shardnode", |b| {
        b.iter_batched_ref(
            || input.clone(),
            |list| shuffle_list(list, &seed, Mainnet::SHUFFLE_ROUND_COUNT),
            criterion::BatchSize::LargeInput,
        )
    });
    let count = hashes_per_run();
    g.bench_function("raw_sha256_floor", |b| {
        b.iter(|| {
            let mut buf = [0u8; 37];
            buf[..32].copy_from_slice(&seed.0);
            let mut acc = 0u8;
            for i in 0..count {
                buf[33..].copy_from_slice(&(i as u32).to_le_bytes());
                acc ^= Sha256::digest(buf)[0];
            }
            black_box(acc)
        })
    });
    g.finish();
}

criterion_group!(benches, shuffle);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    common::print_against_limits(
        "Shuffle",
        &[("shuffle_1m_mainnet", "shardnode", "raw_sha256_floor")],
    );
}
