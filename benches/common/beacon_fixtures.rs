//! Beacon states for the benches: a mainnet-preset registry of `n` validators (synthetic public
//! keys: these states are never signed), justified at the previous epoch, and full-participation
//! attestations built from the real committees.

use consensus::committees::EpochShuffling;
use consensus::primitives::{BlsPublicKeyBytes, Root, Slot};
use consensus::sszx::{hash_tree_root, SszList};
use consensus::{
    Attestation, AttestationData, BeaconState, ChainConfig, Checkpoint, CommitteeBits, Crosslink,
    PendingAttestation, Preset, Validator,
};

/// A state at `slot` with `n` active validators at 32 ETH and every block root distinct.
pub fn synthetic_state<P: Preset>(n: u64, slot: Slot) -> BeaconState<P> {
    let mut state = BeaconState::<P>::default();
    for i in 0..n {
        let mut pubkey = [0u8; 48];
        pubkey[..8].copy_from_slice(&i.to_le_bytes());
        let validator = Validator {
            pubkey: BlsPublicKeyBytes::new(pubkey),
            effective_balance: P::MAX_EFFECTIVE_BALANCE,
            exit_epoch: u64::MAX,
            withdrawable_epoch: u64::MAX,
            ..Validator::default()
        };
        state.validators.try_push(validator).expect("registry fits");
        state
            .balances
            .try_push(P::MAX_EFFECTIVE_BALANCE + i % 7)
            .expect("registry fits");
    }
    state.slot = slot;
    for i in 0..P::SLOTS_PER_HISTORICAL_ROOT as usize {
        let mut root = [0u8; 32];
        root[..8].copy_from_slice(&(i as u64 + 1).to_le_bytes());
        state.block_roots[i] = Root::new(root);
    }
    let epoch = slot / P::SLOTS_PER_EPOCH;
    let justified = epoch.saturating_sub(1);
    state.current_justified_checkpoint = Checkpoint {
        epoch: justified,
        root: state.block_roots
            [((justified * P::SLOTS_PER_EPOCH) % P::SLOTS_PER_HISTORICAL_ROOT) as usize],
    };
    state.previous_justified_checkpoint = state.current_justified_checkpoint.clone();
    state
}

/// One full-participation pending attestation per committee of `epoch`, included one slot late.
pub fn full_participation<P: Preset>(
    state: &BeaconState<P>,
    epoch: u64,
    config: &ChainConfig,
) -> Vec<PendingAttestation> {
    let shuffling = EpochShuffling::new(state, epoch, config).expect("epoch within reach");
    let per_slot = shuffling.committee_count / P::SLOTS_PER_EPOCH;
    let shr = P::SLOTS_PER_HISTORICAL_ROOT;
    let mut out = Vec::new();
    for (k, shard) in shuffling.shards().enumerate() {
        let committee = shuffling.committee(shard).expect("active shard");
        let slot = epoch * P::SLOTS_PER_EPOCH + k as u64 / per_slot;
        let parent = &state.current_crosslinks[shard as usize];
        let bits = CommitteeBits::try_from(vec![true; committee.len()].as_slice()).expect("fits");
        out.push(PendingAttestation {
            aggregation_bits: bits,
            data: AttestationData {
                beacon_block_root: state.block_roots[(slot % shr) as usize],
                source: state.current_justified_checkpoint.clone(),
                target: Checkpoint {
                    epoch,
                    root: state.block_roots[((epoch * P::SLOTS_PER_EPOCH) % shr) as usize],
                },
                crosslink: Crosslink {
                    shard,
                    parent_root: hash_tree_root(parent),
                    start_epoch: parent.end_epoch,
                    end_epoch: epoch.min(parent.end_epoch + P::MAX_EPOCHS_PER_CROSSLINK),
                    data_root: Root::new([7; 32]),
                },
            },
            inclusion_delay: 1,
            proposer_index: k as u64,
        });
    }
    out
}

/// The attestations a block at `state.slot` carries: every committee of the previous slot,
/// full participation, unsigned (the benches that use them run under fake crypto).
pub fn block_attestations<P: Preset>(
    state: &BeaconState<P>,
    config: &ChainConfig,
) -> Vec<Attestation> {
    let epoch = state.slot / P::SLOTS_PER_EPOCH;
    let data_slot = state.slot - 1;
    let shuffling = EpochShuffling::new(state, epoch, config).expect("current epoch");
    let per_slot = shuffling.committee_count / P::SLOTS_PER_EPOCH;
    full_participation(state, epoch, config)
        .into_iter()
        .enumerate()
        .filter(|(k, _)| epoch * P::SLOTS_PER_EPOCH + *k as u64 / per_slot == data_slot)
        .map(|(_, pending)| {
            let len = pending.aggregation_bits.len();
            Attestation {
                aggregation_bits: pending.aggregation_bits,
                data: pending.data,
                custody_bits: CommitteeBits::try_from(vec![false; len].as_slice()).expect("fits"),
                signature: Default::default(),
            }
        })
        .collect()
}

/// Hashes `merkleize` does for `leaves` chunks under a tree of `depth`: one per parent that has
/// a real child, level by level (zero subtrees are precomputed).
pub fn merkleize_cost(leaves: u64, depth: u32) -> u64 {
    if leaves == 0 {
        return 0;
    }
    let mut n = leaves;
    let mut total = 0;
    for _ in 0..depth {
        n = n.div_ceil(2);
        total += n;
    }
    total
}

fn depth_of(limit: u64) -> u32 {
    limit.max(1).next_power_of_two().trailing_zeros()
}

/// 64-byte hashes of `hash_tree_root(state)` by its structure (reference 2.3): what any
/// implementation must compute from scratch. The floor of the full state root.
pub fn state_root_hash_count<P: Preset>(state: &BeaconState<P>) -> u64 {
    let shr = P::SLOTS_PER_HISTORICAL_ROOT;
    let ehv = P::EPOCHS_PER_HISTORICAL_VECTOR;
    let n = state.validators.len() as u64;
    let checkpoint = 1;
    let crosslink = merkleize_cost(5, 3);
    let header = 3 + merkleize_cost(5, 3); // signature: 3 chunks under depth 2, then 5 fields
    let eth1 = merkleize_cost(3, 2);
    let data = 2 * checkpoint + crosslink + merkleize_cost(4, 2);
    let pending = |list: &[PendingAttestation]| -> u64 {
        let each: u64 = list
            .iter()
            .map(|a| {
                let chunks = (a.aggregation_bits.len() as u64).div_ceil(256);
                merkleize_cost(chunks, depth_of(16)) + 1 + data + merkleize_cost(4, 2)
            })
            .sum();
        each + merkleize_cost(
            list.len() as u64,
            depth_of(P::MAX_ATTESTATIONS * P::SLOTS_PER_EPOCH),
        ) + 1
    };
    let fields = 3 // fork
        + header
        + 2 * merkleize_cost(shr, depth_of(shr))
        + merkleize_cost(state.historical_roots.len() as u64, 24) + 1
        + eth1
        + state.eth1_data_votes.len() as u64 * eth1
        + merkleize_cost(state.eth1_data_votes.len() as u64, depth_of(P::SLOTS_PER_ETH1_VOTING_PERIOD)) + 1
        + 8 * n + merkleize_cost(n, 40) + 1
        + merkleize_cost(n.div_ceil(4), 38) + 1
        + 3 * merkleize_cost(ehv, depth_of(ehv))
        + merkleize_cost(P::EPOCHS_PER_SLASHINGS_VECTOR / 4, depth_of(P::EPOCHS_PER_SLASHINGS_VECTOR / 4))
        + pending(&state.previous_epoch_attestations)
        + pending(&state.current_epoch_attestations)
        + 2 * (P::SHARD_COUNT * crosslink + merkleize_cost(P::SHARD_COUNT, depth_of(P::SHARD_COUNT)))
        + 3 * checkpoint;
    fields + merkleize_cost(25, 5)
}
