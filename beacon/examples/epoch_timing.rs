//! Rough timing of `process_epoch` (and `process_slot`'s state root) on mainnet-preset states
//! with full participation: `cargo run --release -p beacon --example epoch_timing [validators..]`.
//! The criterion benchmarks live in `benches/`; this is a quick check while developing.

#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use beacon::epoch::process_epoch;
use beacon::state_root::state_root;
use consensus::committees::EpochShuffling;
use consensus::primitives::{BlsPublicKeyBytes, Root};
use consensus::sszx::{hash_tree_root, SszList};
use consensus::{
    AttestationData, BeaconState, ChainConfig, Checkpoint, CommitteeBits, Crosslink, Mainnet,
    PendingAttestation, Preset, Validator,
};
use std::time::Instant;

type P = Mainnet;

fn state_with(n: u64) -> BeaconState<P> {
    let mut state = BeaconState::<P>::default();
    for i in 0..n {
        let mut pubkey = [0u8; 48];
        pubkey[..8].copy_from_slice(&i.to_le_bytes());
        state
            .validators
            .try_push(Validator {
                pubkey: BlsPublicKeyBytes::new(pubkey),
                effective_balance: 32_000_000_000,
                exit_epoch: u64::MAX,
                withdrawable_epoch: u64::MAX,
                ..Validator::default()
            })
            .unwrap();
        state.balances.try_push(32_000_000_000 + i % 7).unwrap();
    }
    // Epoch 3, last slot.
    state.slot = 4 * P::SLOTS_PER_EPOCH - 1;
    for i in 0..P::SLOTS_PER_HISTORICAL_ROOT as usize {
        state.block_roots[i] = Root::new([i as u8; 32]);
    }
    state.current_justified_checkpoint = Checkpoint {
        epoch: 2,
        root: state.block_roots[(2 * P::SLOTS_PER_EPOCH) as usize],
    };
    state.previous_justified_checkpoint = state.current_justified_checkpoint.clone();
    state
}

fn attestations(
    state: &BeaconState<P>,
    epoch: u64,
    config: &ChainConfig,
) -> Vec<PendingAttestation> {
    let shuffling = EpochShuffling::new(state, epoch, config).unwrap();
    let per_slot = shuffling.committee_count / P::SLOTS_PER_EPOCH;
    let mut out = Vec::new();
    for (k, shard) in shuffling.shards().enumerate() {
        let committee = shuffling.committee(shard).unwrap();
        let slot = epoch * P::SLOTS_PER_EPOCH + k as u64 / per_slot;
        let parent = &state.current_crosslinks[shard as usize];
        let bits = CommitteeBits::try_from(vec![true; committee.len()].as_slice()).unwrap();
        out.push(PendingAttestation {
            aggregation_bits: bits,
            data: AttestationData {
                beacon_block_root: state.block_roots[slot as usize % 8192],
                source: state.current_justified_checkpoint.clone(),
                target: Checkpoint {
                    epoch,
                    root: state.block_roots[(epoch * P::SLOTS_PER_EPOCH) as usize],
                },
                crosslink: Crosslink {
                    shard,
                    parent_root: hash_tree_root(parent),
                    start_epoch: parent.end_epoch,
                    end_epoch: epoch.min(parent.end_epoch + 64),
                    data_root: Root::new([7; 32]),
                },
            },
            inclusion_delay: 1,
            proposer_index: k as u64,
        });
    }
    out
}

fn main() {
    let counts: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let counts = if counts.is_empty() {
        vec![16_384, 131_072]
    } else {
        counts
    };
    let config = ChainConfig::reference::<P>();
    for n in counts {
        let mut state = state_with(n);
        for a in attestations(&state, 2, &config) {
            state.previous_epoch_attestations.try_push(a).unwrap();
        }
        for a in attestations(&state, 3, &config) {
            state.current_epoch_attestations.try_push(a).unwrap();
        }
        let runs = 5;
        let mut best = f64::MAX;
        for _ in 0..runs {
            let mut s = state.clone();
            let start = Instant::now();
            process_epoch(&mut s, &config).unwrap();
            best = best.min(start.elapsed().as_secs_f64());
        }
        let start = Instant::now();
        let _ = EpochShuffling::new(&state, 3, &config).unwrap();
        let shuffle_time = start.elapsed().as_secs_f64();
        let start = Instant::now();
        let _ = beacon::epoch::EpochContext::new(&state, &config).unwrap();
        let ctx_time = start.elapsed().as_secs_f64();
        let start = Instant::now();
        let _ =
            beacon::compact_committees::get_compact_committees_root(&state, 3, &config).unwrap();
        let ccr_time = start.elapsed().as_secs_f64();
        println!(
            "  compact committees root (with its shuffling) {:.2} ms",
            ccr_time * 1e3
        );
        println!(
            "  one shuffling {:.2} ms, epoch context {:.2} ms",
            shuffle_time * 1e3,
            ctx_time * 1e3
        );
        let start = Instant::now();
        let root = state_root(&state);
        let root_time = start.elapsed().as_secs_f64();
        let mut cache = beacon::state_root_cache::StateRootCache::new();
        let start = Instant::now();
        let full = cache.root(&state);
        let first = start.elapsed().as_secs_f64();
        let mut next = state.clone();
        beacon::slots::process_slot(&mut next);
        let start = Instant::now();
        let incremental = cache.root(&next);
        let again = start.elapsed().as_secs_f64();
        assert_eq!(full, root);
        assert_eq!(incremental, state_root(&next));
        println!(
            "  state root cache: first {:.2} ms, next slot {:.2} ms",
            first * 1e3,
            again * 1e3
        );
        println!(
            "{n:>8} validators: process_epoch {:8.2} ms = {:.3} us/validator; state_root {:8.2} ms ({root})",
            best * 1e3,
            best * 1e6 / n as f64,
            root_time * 1e3
        );
    }
}
