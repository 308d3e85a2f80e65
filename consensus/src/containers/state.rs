//! `BeaconState`, generic over the preset that fixes its vector lengths and list limits.

use super::header::BeaconBlockHeader;
use super::misc::{Checkpoint, Eth1Data, Fork, Validator};
use crate::preset::Preset;
use crate::primitives::{Gwei, Root, Shard, Slot};
use crate::shared::Shared;

use ssz_rs::prelude::*;

/// `HISTORICAL_ROOTS_LIMIT` (2^24 in both presets).
pub const HISTORICAL_ROOTS_LIMIT: usize = 1 << 24;
/// `VALIDATOR_REGISTRY_LIMIT` (2^40 in both presets).
pub const VALIDATOR_REGISTRY_LIMIT: usize = 1 << 40;

/// The beacon state, fields in reference order (section 3).
///
/// Copies share structure: the root vectors are chunked ([`crate::chunked_roots`]), and every
/// other large field is [`Shared`] (copied only by the first write after a copy, which for the
/// registry, balances, slashings and crosslinks happens once per epoch, not per block).
#[derive(
    Clone, Debug, Default, PartialEq, Eq, SimpleSerialize, serde::Serialize, serde::Deserialize,
)]
pub struct BeaconState<P: Preset> {
    // Versioning
    pub genesis_time: u64,
    pub slot: Slot,
    pub fork: Fork,
    // History
    pub latest_block_header: BeaconBlockHeader,
    pub block_roots: P::HistoricalRoots,
    pub state_roots: P::HistoricalRoots,
    pub historical_roots: Shared<List<Root, HISTORICAL_ROOTS_LIMIT>>,
    // Eth1
    pub eth1_data: Eth1Data,
    pub eth1_data_votes: P::Eth1DataVotes,
    pub eth1_deposit_index: u64,
    // Registry
    pub validators: Shared<List<Validator, VALIDATOR_REGISTRY_LIMIT>>,
    pub balances: Shared<List<Gwei, VALIDATOR_REGISTRY_LIMIT>>,
    // Shuffling
    pub start_shard: Shard,
    pub randao_mixes: P::EpochRoots,
    pub active_index_roots: P::EpochRoots,
    pub compact_committees_roots: P::EpochRoots,
    // Slashings
    pub slashings: P::Slashings,
    // Attestations
    pub previous_epoch_attestations: P::PendingAttestations,
    pub current_epoch_attestations: P::PendingAttestations,
    // Crosslinks
    pub previous_crosslinks: P::Crosslinks,
    pub current_crosslinks: P::Crosslinks,
    // Finality
    pub justification_bits: Bitvector<4>,
    pub previous_justified_checkpoint: Checkpoint,
    pub current_justified_checkpoint: Checkpoint,
    pub finalized_checkpoint: Checkpoint,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::preset::{Mainnet, Minimal};
    use crate::sszx::{encode, hash_tree_root};

    #[test]
    fn default_state_matches_reference() {
        let minimal = BeaconState::<Minimal>::default();
        assert_eq!(encode(&minimal).unwrap().len(), 12_625);
        assert_eq!(
            hash_tree_root(&minimal).to_hex(),
            "0x77eda374c26be6939b247bcb706f1211ab1fc4b805131dfdb5a8fb3bae8c7ef0"
        );
        let mainnet = BeaconState::<Mainnet>::default();
        assert_eq!(encode(&mainnet).unwrap().len(), 7_061_969);
        assert_eq!(
            hash_tree_root(&mainnet).to_hex(),
            "0x5a30e3638e823092a67341f6378a98757e88b60eed0e7d3a3e4c0ff1af46d329"
        );
    }
}
