//! `process_epoch` on mainnet-preset states of 16,384 and 131,072 active validators with full
//! participation in both epochs, against the raw SHA-256 floor of the hashing it cannot avoid:
//! three whole-list shuffles (previous, current and next epoch), the next epoch's compact
//! committees root, and the new active index root. Target: at most 0.5 us per validator.

mod common;

use beacon::epoch::process_epoch;
use common::beacon_fixtures::{full_participation, merkleize_cost, synthetic_state};
use consensus::committees::committee_count_for;
use consensus::sszx::SszList;
use consensus::{ChainConfig, Mainnet, Preset};
use criterion::{black_box, criterion_group, BatchSize, BenchmarkId, Criterion, Throughput};
use sha2::{Digest, Sha256};
use std::time::Duration;

type P = Mainnet;

/// (37-byte shuffle hashes, 64-byte Merkle hashes) that epoch processing must compute.
fn floor_counts(n: u64) -> (u64, u64) {
    let rounds = u64::from(P::SHUFFLE_ROUND_COUNT);
    let shuffle = 3 * rounds * (n / 512 + 4);
    let committees = committee_count_for::<P>(n, P::SHARD_COUNT);
    let members = n / committees;
    let per_committee = members // pubkey roots
        + merkleize_cost(members, 12) + 1 // List[BLSPubkey, 4096]
        + merkleize_cost(members.div_ceil(4), 10) + 1 // List[uint64, 4096]
        + 1; // the container
    let compact = committees * per_committee + merkleize_cost(P::SHARD_COUNT, 10);
    let active_index_root = merkleize_cost(n.div_ceil(4), 38) + 1;
    (shuffle, compact + active_index_root)
}

fn epoch(c: &mut Criterion) {
    let config = ChainConfig::reference::<P>();
    let mut g = c.benchmark_group("process_epoch");
    g.sample_size(10).measurement_time(Duration::from_secs(8));
    for n in [16_384u64, 131_072] {
        let mut state = synthetic_state::<P>(n, 4 * P::SLOTS_PER_EPOCH - 1);
        for a in full_participation(&state, 2, &config) {
            state.previous_epoch_attestations.try_push(a).expect("fits");
        }
        for a in full_participation(&state, 3, &config) {
            state.current_epoch_attestations.try_push(a).expect("fits");
        }
        g.throughput(Throughput::Elements(n));
        g.bench_with_input(BenchmarkId::new("shardnode", n), &n, |b, _| {
            b.iter_batched_ref(
                || state.clone(),
                |s| process_epoch(s, &config).expect("valid epoch"),
                BatchSize::LargeInput,
            )
        });
        let (short, long) = floor_counts(n);
        g.bench_with_input(BenchmarkId::new("raw_sha256_floor", n), &n, |b, _| {
            b.iter(|| {
                let mut buf = [0u8; 37];
                let mut acc = 0u8;
                for i in 0..short {
                    buf[33..].copy_from_slice(&(i as u32).to_le_bytes());
                    acc ^= Sha256::digest(black_box(buf))[0];
                }
                acc ^ common::sha256_floor(long)
            })
        });
    }
    g.finish();
}

criterion_group!(benches, epoch);

fn main() {
    benches();
    criterion::Criterion::default()
        .configure_from_args()
        .final_summary();
    common::print_against_limits(
        "Epoch processing",
        &[
            ("process_epoch", "shardnode/16384", "raw_sha256_floor/16384"),
            (
                "process_epoch",
                "shardnode/131072",
                "raw_sha256_floor/131072",
            ),
        ],
    );
    for n in [16_384u64, 131_072] {
        if let Some(ns) = common::mean_ns("process_epoch", &format!("shardnode/{n}")) {
            println!(
                "  process_epoch at {n}: {:.3} us per validator (target 0.5)",
                ns / 1e3 / n as f64
            );
        }
    }
}
