//! The beacon state root at 131,072 validators (mainnet preset, full participation pending):
//! from scratch, against the raw SHA-256 floor of the state's whole tree; and after one block
//! (16 attestations, the previous slot's committees), with the cache kept from the parent
//! state. Targets: full root within 1.3x of the floor; root after one block at most 5 ms.

mod common;

use beacon::block::process_block;
use beacon::slots::process_slots;
use beacon::state_root_cache::StateRootCache;
use common::beacon_fixtures::{
    block_attestations, full_participation, state_root_hash_count, synthetic_state,
};
use consensus::bls::Crypto;
use consensus::committees::get_beacon_proposer_index;
use consensus::sszx::{hash_tree_root, SigningRoot, SszList};
use consensus::{BeaconBlock, ChainConfig, Mainnet, Preset};
use criterion::{black_box, criterion_group, BatchSize, Criterion, Throughput};
use std::time::Duration;

type P = Mainnet;
const N: u64 = 131_072;

fn roots(c: &mut Criterion) {
    let config = ChainConfig::reference::<P>();
    // Slot 10 of epoch 3, with the whole of epochs 2 and 3 attested (a busy state).
    let mut pre = synthetic_state::<P>(N, 3 * P::SLOTS_PER_EPOCH + 9);
    for a in full_participation(&pre, 2, &config) {
        pre.previous_epoch_attestations.try_push(a).expect("fits");
    }
    for a in full_participation(&pre, 3, &config)
        .into_iter()
        .take(9 * 16)
    {
        pre.current_epoch_attestations.try_push(a).expect("fits");
    }
    let mut cache = StateRootCache::new();
    let pre_root = cache.root(&pre);
    assert_eq!(pre_root, hash_tree_root(&pre), "cached root equals ssz_rs");

    // One block at the next slot: header, RANDAO, eth1 vote, 16 attestations.
    let mut post = pre.clone();
    process_slots(&mut post, pre.slot + 1, &config).expect("slot");
    let mut block = BeaconBlock {
        slot: post.slot,
        parent_root: post.latest_block_header.signing_root(),
        ..BeaconBlock::default()
    };
    block.body.eth1_data = post.eth1_data.clone();
    for a in block_attestations(&post, &config) {
        block.body.attestations.push(a);
    }
    assert_eq!(block.body.attestations.len(), 16);
    let _ = get_beacon_proposer_index(&post, &config).expect("proposer");
    process_block(&mut post, &block, &config, Crypto::fake_for_simulation()).expect("valid block");
    // Warm the cache on the parent's post-slot state, as a node does before the block arrives.
    let mut parent = pre.clone();
    process_slots(&mut parent, pre.slot + 1, &config).expect("slot");
    let mut warm = StateRootCache::new();
    let _ = warm.root(&parent);
    let mut check = warm.clone();
    assert_eq!(
        check.root(&post),
        hash_tree_root(&post),
        "incremental root equals ssz_rs"
    );

    let mut g = c.benchmark_group("state_root_131072");
    g.sample_size(10).measurement_time(Duration::from_secs(6));
    g.throughput(Throughput::Elements(N));
    g.bench_function("full", |b| {
        b.iter(|| black_box(StateRootCache::new().root(&pre)))
    });
    let count = state_root_hash_count(&pre);
    g.bench_function("raw_sha256_floor", |b| {
        b.iter(|| black_box(common::sha256_floor(count)))
    });
    g.bench_function("after_one_block", |b| {
        b.iter_batched_ref(
            || warm.clone(),
            |cache| black_box(cache.root(&post)),
            BatchSize::LargeInput,
        )
    });
    g.finish();
    println!("state tree of {N} validators: {count} hashes of 64 bytes");
}

criterion_group!(benches, roots);

fn main() {
    benches();
    criterion::Criterion::default()
        .configure_from_args()
        .final_summary();
    common::print_against_limits(
        "State root",
        &[("state_root_131072", "full", "raw_sha256_floor")],
    );
    if let Some(ns) = common::mean_ns("state_root_131072", "after_one_block") {
        println!(
            "  state root after one block: {:.3} ms (target 5 ms)",
            ns / 1e6
        );
    }
}
