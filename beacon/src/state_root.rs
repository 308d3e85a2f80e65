//! `hash_tree_root(BeaconState)` without cloning the state: each field's root is hashed
//! straight from its data (the registry with the consensus crate's fast validator roots, the
//! big root vectors as chunk layers), then the 25 field roots are merkleized.
//!
//! [`merkleize_state`] lists the fields once, in the reference's order; [`state_root`] hashes
//! every large field from scratch, and the incremental
//! [`crate::state_root_cache::StateRootCache`] hashes them from its trees. Equal to the
//! `ssz_rs` root (tested).

use consensus::chunked_roots::RootVector;
use consensus::containers::registry_root;
use consensus::hash::{
    hash_pair, merkleize_in_place, mix_in_length, packed_u64_root, tree_depth, u64_list_root,
};
use consensus::primitives::Root;
use consensus::sszx::hash_tree_root;
use consensus::{BeaconState, Preset};

/// Root of a `Vector[Hash, N]` (`roots.len() == N`) or, with `limit`, the data root of a
/// `List[Hash, limit]` before the length mix-in.
fn roots_root(roots: &[Root], limit: usize) -> Root {
    let mut layer: Vec<[u8; 32]> = roots.iter().map(|r| r.0).collect();
    merkleize_in_place(&mut layer, tree_depth(limit))
}

/// `hash_tree_root(List[T, limit](items))` for composite `T`, from the items' roots.
fn composite_list_root(item_roots: Vec<[u8; 32]>, limit: usize) -> Root {
    let len = item_roots.len() as u64;
    let mut layer = item_roots;
    mix_in_length(&merkleize_in_place(&mut layer, tree_depth(limit)), len)
}

pub(crate) fn uint_leaf(value: u64) -> [u8; 32] {
    let mut chunk = [0u8; 32];
    chunk[..8].copy_from_slice(&value.to_le_bytes());
    chunk
}

/// `hash_tree_root(HistoricalBatch{block_roots, state_roots})`.
pub fn historical_batch_root<P: Preset>(state: &BeaconState<P>) -> Root {
    Root::new(hash_pair(
        &state.block_roots.root().0,
        &state.state_roots.root().0,
    ))
}

/// The roots of a state's large fields, in the form each hasher keeps them: computed from
/// scratch ([`state_root`]) or kept incrementally ([`crate::state_root_cache::StateRootCache`]).
/// Lists' roots include their length mix-in.
pub(crate) trait LargeFieldRoots<P: Preset> {
    fn block_roots(&mut self, state: &BeaconState<P>) -> Root;
    fn state_roots(&mut self, state: &BeaconState<P>) -> Root;
    fn historical_roots(&mut self, state: &BeaconState<P>) -> Root;
    fn validators(&mut self, state: &BeaconState<P>) -> Root;
    fn balances(&mut self, state: &BeaconState<P>) -> Root;
    fn randao_mixes(&mut self, state: &BeaconState<P>) -> Root;
    fn active_index_roots(&mut self, state: &BeaconState<P>) -> Root;
    fn compact_committees_roots(&mut self, state: &BeaconState<P>) -> Root;
    fn slashings(&mut self, state: &BeaconState<P>) -> Root;
    fn previous_epoch_attestations(&mut self, state: &BeaconState<P>) -> Root;
    fn current_epoch_attestations(&mut self, state: &BeaconState<P>) -> Root;
    fn previous_crosslinks(&mut self, state: &BeaconState<P>) -> Root;
    fn current_crosslinks(&mut self, state: &BeaconState<P>) -> Root;
}

/// `hash_tree_root(state)` from its 25 field roots in the reference's field order: the one
/// list of the fields, whichever way the large ones are hashed.
pub(crate) fn merkleize_state<P: Preset>(
    state: &BeaconState<P>,
    large: &mut impl LargeFieldRoots<P>,
) -> Root {
    let mut fields: Vec<[u8; 32]> = vec![
        uint_leaf(state.genesis_time),
        uint_leaf(state.slot),
        hash_tree_root(&state.fork).0,
        hash_tree_root(&state.latest_block_header).0,
        large.block_roots(state).0,
        large.state_roots(state).0,
        large.historical_roots(state).0,
        hash_tree_root(&state.eth1_data).0,
        composite_list_root(
            state
                .eth1_data_votes
                .iter()
                .map(|d| hash_tree_root(d).0)
                .collect(),
            P::SLOTS_PER_ETH1_VOTING_PERIOD as usize,
        )
        .0,
        uint_leaf(state.eth1_deposit_index),
        large.validators(state).0,
        large.balances(state).0,
        uint_leaf(state.start_shard),
        large.randao_mixes(state).0,
        large.active_index_roots(state).0,
        large.compact_committees_roots(state).0,
        large.slashings(state).0,
        large.previous_epoch_attestations(state).0,
        large.current_epoch_attestations(state).0,
        large.previous_crosslinks(state).0,
        large.current_crosslinks(state).0,
        hash_tree_root(&state.justification_bits).0,
        hash_tree_root(&state.previous_justified_checkpoint).0,
        hash_tree_root(&state.current_justified_checkpoint).0,
        hash_tree_root(&state.finalized_checkpoint).0,
    ];
    let depth = tree_depth(fields.len());
    merkleize_in_place(&mut fields, depth)
}

/// The large fields hashed from scratch.
struct FromScratch;

fn pending_root<P: Preset>(list: &[consensus::PendingAttestation]) -> Root {
    composite_list_root(
        list.iter().map(|a| hash_tree_root(a).0).collect(),
        (P::MAX_ATTESTATIONS * P::SLOTS_PER_EPOCH) as usize,
    )
}

fn crosslinks_root<P: Preset>(list: &[consensus::Crosslink]) -> Root {
    let mut layer: Vec<[u8; 32]> = list.iter().map(|c| hash_tree_root(c).0).collect();
    merkleize_in_place(&mut layer, tree_depth(P::SHARD_COUNT as usize))
}

impl<P: Preset> LargeFieldRoots<P> for FromScratch {
    fn block_roots(&mut self, state: &BeaconState<P>) -> Root {
        state.block_roots.root()
    }

    fn state_roots(&mut self, state: &BeaconState<P>) -> Root {
        state.state_roots.root()
    }

    fn historical_roots(&mut self, state: &BeaconState<P>) -> Root {
        mix_in_length(
            &roots_root(&state.historical_roots, P::HISTORICAL_ROOTS_LIMIT as usize),
            state.historical_roots.len() as u64,
        )
    }

    fn validators(&mut self, state: &BeaconState<P>) -> Root {
        registry_root(&state.validators, P::VALIDATOR_REGISTRY_LIMIT)
    }

    fn balances(&mut self, state: &BeaconState<P>) -> Root {
        u64_list_root(&state.balances, P::VALIDATOR_REGISTRY_LIMIT as usize)
    }

    fn randao_mixes(&mut self, state: &BeaconState<P>) -> Root {
        state.randao_mixes.root()
    }

    fn active_index_roots(&mut self, state: &BeaconState<P>) -> Root {
        state.active_index_roots.root()
    }

    fn compact_committees_roots(&mut self, state: &BeaconState<P>) -> Root {
        state.compact_committees_roots.root()
    }

    fn slashings(&mut self, state: &BeaconState<P>) -> Root {
        packed_u64_root(&state.slashings, P::EPOCHS_PER_SLASHINGS_VECTOR as usize)
    }

    fn previous_epoch_attestations(&mut self, state: &BeaconState<P>) -> Root {
        pending_root::<P>(&state.previous_epoch_attestations)
    }

    fn current_epoch_attestations(&mut self, state: &BeaconState<P>) -> Root {
        pending_root::<P>(&state.current_epoch_attestations)
    }

    fn previous_crosslinks(&mut self, state: &BeaconState<P>) -> Root {
        crosslinks_root::<P>(&state.previous_crosslinks)
    }

    fn current_crosslinks(&mut self, state: &BeaconState<P>) -> Root {
        crosslinks_root::<P>(&state.current_crosslinks)
    }
}

/// `hash_tree_root(state)`, every field hashed from scratch.
pub fn state_root<P: Preset>(state: &BeaconState<P>) -> Root {
    merkleize_state(state, &mut FromScratch)
}

#[cfg(test)]
mod tests {
    use super::*;
    use consensus::{Mainnet, Minimal, PendingAttestation, Validator};

    fn busy_state() -> BeaconState<Minimal> {
        let mut state = BeaconState::<Minimal> {
            slot: 77,
            ..BeaconState::default()
        };
        for i in 0..5u64 {
            state.validators.make_mut().push(Validator {
                effective_balance: i * 1_000,
                ..Validator::default()
            });
            state.balances.make_mut().push(i * 7);
        }
        state.historical_roots.make_mut().push(Root::new([3; 32]));
        state
            .eth1_data_votes
            .make_mut()
            .push(consensus::Eth1Data::default());
        state.slashings[3] = 99;
        state.randao_mixes[5] = Root::new([9; 32]);
        state
            .previous_epoch_attestations
            .make_mut()
            .push(PendingAttestation::default());
        state.current_crosslinks[2].start_epoch = 4;
        state.justification_bits.set(1, true);
        state
    }

    #[test]
    fn equals_ssz_rs_root() {
        let state = busy_state();
        assert_eq!(state_root(&state), hash_tree_root(&state));
        let minimal = BeaconState::<Minimal>::default();
        assert_eq!(state_root(&minimal), hash_tree_root(&minimal));
        let mainnet = BeaconState::<Mainnet>::default();
        assert_eq!(
            state_root(&mainnet).to_hex(),
            "0x5a30e3638e823092a67341f6378a98757e88b60eed0e7d3a3e4c0ff1af46d329"
        );
    }

    #[test]
    fn historical_batch_root_equals_ssz_rs() {
        let state = busy_state();
        let batch = consensus::HistoricalBatch::<Minimal> {
            block_roots: state.block_roots.clone(),
            state_roots: state.state_roots.clone(),
        };
        assert_eq!(historical_batch_root(&state), hash_tree_root(&batch));
    }
}
