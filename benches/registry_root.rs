//! `hash_tree_root` of a validator registry (`List[Validator, 2^40]`) of 16,384 and 131,072
//! validators: our fast path and `ssz_rs`, against the hash floor — raw SHA-256 (the bare
//! compression function, two calls per 64-byte message) over exactly the number of 64-byte
//! messages the tree needs, each independent of the others.

mod common;

use consensus::containers::{registry_root, Validator};
use consensus::primitives::{BlsPublicKeyBytes, Root};
use criterion::{black_box, criterion_group, BenchmarkId, Criterion, Throughput};
use ssz_rs::{List, Merkleized};
use std::time::Duration;

const LIMIT: u64 = 1 << 40;

fn registry(n: usize) -> Vec<Validator> {
    (0..n as u64)
        .map(|i| {
            let mut pubkey = [0u8; 48];
            pubkey[..8].copy_from_slice(&i.to_le_bytes());
            pubkey[40..].copy_from_slice(&(!i).to_le_bytes());
            Validator {
                pubkey: BlsPublicKeyBytes::new(pubkey),
                withdrawal_credentials: Root::new([(i % 256) as u8; 32]),
                effective_balance: 32_000_000_000,
                slashed: false,
                activation_eligibility_epoch: 0,
                activation_epoch: 0,
                exit_epoch: u64::MAX,
                withdrawable_epoch: u64::MAX,
            }
        })
        .collect()
}

/// 64-byte hashes the registry root needs: per validator 1 (pubkey) + 7 (its 8-leaf tree);
/// then n - 1 for the full subtree, 40 - log2(n) for the zero padding, 1 for the length.
fn hash_count(n: usize) -> usize {
    8 * n + (n - 1) + (40 - n.trailing_zeros() as usize) + 1
}

fn roots(c: &mut Criterion) {
    let mut g = c.benchmark_group("registry_root");
    g.sample_size(10).measurement_time(Duration::from_secs(5));
    for n in [16_384usize, 131_072] {
        let validators = registry(n);
        let list: List<Validator, { 1usize << 40 }> = validators.clone().try_into().expect("fits");
        let mut check = list.clone();
        assert_eq!(
            registry_root(&validators, LIMIT),
            Root::from(check.hash_tree_root().expect("root"))
        );
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::new("shardnode", n), &n, |b, _| {
            b.iter(|| black_box(registry_root(&validators, LIMIT)))
        });
        let count = hash_count(n);
        g.bench_with_input(BenchmarkId::new("raw_sha256_floor", n), &n, |b, _| {
            b.iter(|| black_box(common::sha256_floor(count as u64)))
        });
        g.bench_with_input(BenchmarkId::new("ssz_rs", n), &n, |b, _| {
            b.iter_batched_ref(
                || list.clone(),
                |l| black_box(l.hash_tree_root()),
                criterion::BatchSize::LargeInput,
            )
        });
    }
    g.finish();
}

criterion_group!(benches, roots);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    common::print_against_limits(
        "Registry root",
        &[
            ("registry_root", "shardnode/16384", "raw_sha256_floor/16384"),
            (
                "registry_root",
                "shardnode/131072",
                "raw_sha256_floor/131072",
            ),
            ("registry_root", "ssz_rs/16384", "raw_sha256_floor/16384"),
            ("registry_root", "ssz_rs/131072", "raw_sha256_floor/131072"),
        ],
    );
}
