//! Type-level presets: every v0.8.4 constant, in `minimal` and `mainnet` flavours.
//!
//! A preset fixes the SSZ limits of the preset-dependent containers (the beacon state and the
//! historical batch), so it is a type, not a value: `BeaconState<Minimal>` and
//! `BeaconState<Mainnet>` are different types. The associated types name the exact `ssz_rs`
//! vectors and lists with the preset's lengths; `tests::associated_types_match_constants`
//! checks that they agree with the constants.
//!
//! Everything that may change between runs without recompiling (active shard count, validator
//! count, slot duration, ...) is runtime configuration: see [`crate::config`].

use crate::chunked_roots::{ChunkedRoots, RootVector};
use crate::containers::{Crosslink, Eth1Data, PendingAttestation};
use crate::primitives::{DomainType, Epoch, Gwei, Slot};
use crate::shared::Shared;
use crate::sszx::{SszList, SszVector};
use ssz_rs::{List, Vector};
use std::fmt::Debug;

/// The constants of one preset (reference section 1) and the SSZ types they shape.
pub trait Preset:
    'static + Copy + Clone + Debug + Default + PartialEq + Eq + Send + Sync + Ord
{
    /// `"minimal"` or `"mainnet"`.
    const NAME: &'static str;

    // Misc.
    const SHARD_COUNT: u64;
    const TARGET_COMMITTEE_SIZE: u64;
    const MAX_VALIDATORS_PER_COMMITTEE: u64;
    const MIN_PER_EPOCH_CHURN_LIMIT: u64;
    const CHURN_LIMIT_QUOTIENT: u64;
    const SHUFFLE_ROUND_COUNT: u8;
    const MIN_GENESIS_ACTIVE_VALIDATOR_COUNT: u64;
    const MIN_GENESIS_TIME: u64;

    // Gwei values.
    const MIN_DEPOSIT_AMOUNT: Gwei = 1_000_000_000;
    const MAX_EFFECTIVE_BALANCE: Gwei = 32_000_000_000;
    const EJECTION_BALANCE: Gwei = 16_000_000_000;
    const EFFECTIVE_BALANCE_INCREMENT: Gwei = 1_000_000_000;

    // Time parameters.
    const SECONDS_PER_SLOT: u64 = 6;
    const MIN_ATTESTATION_INCLUSION_DELAY: Slot = 1;
    const SLOTS_PER_EPOCH: u64;
    const MIN_SEED_LOOKAHEAD: Epoch = 1;
    const ACTIVATION_EXIT_DELAY: Epoch = 4;
    const SLOTS_PER_ETH1_VOTING_PERIOD: u64;
    const SLOTS_PER_HISTORICAL_ROOT: u64;
    const MIN_VALIDATOR_WITHDRAWABILITY_DELAY: Epoch = 256;
    const PERSISTENT_COMMITTEE_PERIOD: Epoch = 2048;
    const MAX_EPOCHS_PER_CROSSLINK: Epoch;
    const MIN_EPOCHS_TO_INACTIVITY_PENALTY: Epoch = 4;
    const EARLY_DERIVED_SECRET_PENALTY_MAX_FUTURE_EPOCHS: Epoch;

    // State list lengths.
    const EPOCHS_PER_HISTORICAL_VECTOR: u64;
    const EPOCHS_PER_SLASHINGS_VECTOR: u64;
    const HISTORICAL_ROOTS_LIMIT: u64 = 1 << 24;
    const VALIDATOR_REGISTRY_LIMIT: u64 = 1 << 40;

    // Rewards and penalties.
    const BASE_REWARD_FACTOR: u64 = 64;
    const WHISTLEBLOWER_REWARD_QUOTIENT: u64 = 512;
    const PROPOSER_REWARD_QUOTIENT: u64 = 8;
    const INACTIVITY_PENALTY_QUOTIENT: u64 = 1 << 25;
    const MIN_SLASHING_PENALTY_QUOTIENT: u64 = 32;

    // Max operations per block.
    const MAX_PROPOSER_SLASHINGS: u64 = 16;
    const MAX_ATTESTER_SLASHINGS: u64 = 1;
    const MAX_ATTESTATIONS: u64 = 128;
    const MAX_DEPOSITS: u64 = 16;
    const MAX_VOLUNTARY_EXITS: u64 = 16;
    const MAX_TRANSFERS: u64 = 0;

    /// `Vector[Hash, SLOTS_PER_HISTORICAL_ROOT]`: block and state roots (chunked: a slot writes
    /// one root of each, and copies of a state share the rest).
    type HistoricalRoots: RootVector;
    /// `Vector[Hash, EPOCHS_PER_HISTORICAL_VECTOR]`: randao mixes, active index roots,
    /// compact committee roots (chunked: a block writes one RANDAO mix).
    type EpochRoots: RootVector;
    /// `Vector[Gwei, EPOCHS_PER_SLASHINGS_VECTOR]`.
    type Slashings: SszVector<Gwei>;
    /// `Vector[Crosslink, SHARD_COUNT]`.
    type Crosslinks: SszVector<Crosslink>;
    /// `List[Eth1Data, SLOTS_PER_ETH1_VOTING_PERIOD]`.
    type Eth1DataVotes: SszList<Eth1Data>;
    /// `List[PendingAttestation, MAX_ATTESTATIONS * SLOTS_PER_EPOCH]`.
    type PendingAttestations: SszList<PendingAttestation>;
}

/// Non-configurable constants (reference section 1).
pub const FAR_FUTURE_EPOCH: Epoch = u64::MAX;
pub const BASE_REWARDS_PER_EPOCH: u64 = 5;
pub const DEPOSIT_CONTRACT_TREE_DEPTH: u64 = 32;
pub const SECONDS_PER_DAY: u64 = 86_400;
pub const JUSTIFICATION_BITS_LENGTH: usize = 4;
pub const GENESIS_SLOT: Slot = 0;
pub const GENESIS_EPOCH: Epoch = 0;
pub const BLS_WITHDRAWAL_PREFIX: u8 = 0x00;

/// Domain types (identical in both presets), as the 4 little-endian bytes of the integer.
pub const DOMAIN_BEACON_PROPOSER: DomainType = DomainType::new([0, 0, 0, 0]);
pub const DOMAIN_RANDAO: DomainType = DomainType::new([1, 0, 0, 0]);
pub const DOMAIN_ATTESTATION: DomainType = DomainType::new([2, 0, 0, 0]);
pub const DOMAIN_DEPOSIT: DomainType = DomainType::new([3, 0, 0, 0]);
pub const DOMAIN_VOLUNTARY_EXIT: DomainType = DomainType::new([4, 0, 0, 0]);
pub const DOMAIN_TRANSFER: DomainType = DomainType::new([5, 0, 0, 0]);
pub const DOMAIN_CUSTODY_BIT_CHALLENGE: DomainType = DomainType::new([6, 0, 0, 0]);
/// Signs shard blocks (design 3.2).
pub const DOMAIN_SHARD_PROPOSER: DomainType = DomainType::new([128, 0, 0, 0]);
pub const DOMAIN_SHARD_ATTESTER: DomainType = DomainType::new([129, 0, 0, 0]);

/// The `minimal` preset: small committees and short epochs, for tests and simulations.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Minimal;

/// The `mainnet` preset.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Mainnet;

impl Preset for Minimal {
    const NAME: &'static str = "minimal";
    const SHARD_COUNT: u64 = 8;
    const TARGET_COMMITTEE_SIZE: u64 = 4;
    const MAX_VALIDATORS_PER_COMMITTEE: u64 = 4096;
    const MIN_PER_EPOCH_CHURN_LIMIT: u64 = 4;
    const CHURN_LIMIT_QUOTIENT: u64 = 65_536;
    const SHUFFLE_ROUND_COUNT: u8 = 10;
    const MIN_GENESIS_ACTIVE_VALIDATOR_COUNT: u64 = 64;
    const MIN_GENESIS_TIME: u64 = 1_578_009_600;
    const SLOTS_PER_EPOCH: u64 = 8;
    const SLOTS_PER_ETH1_VOTING_PERIOD: u64 = 16;
    const SLOTS_PER_HISTORICAL_ROOT: u64 = 64;
    const MAX_EPOCHS_PER_CROSSLINK: Epoch = 4;
    const EARLY_DERIVED_SECRET_PENALTY_MAX_FUTURE_EPOCHS: Epoch = 4096;
    const EPOCHS_PER_HISTORICAL_VECTOR: u64 = 64;
    const EPOCHS_PER_SLASHINGS_VECTOR: u64 = 64;

    type HistoricalRoots = ChunkedRoots<64>;
    type EpochRoots = ChunkedRoots<64>;
    type Slashings = Shared<Vector<Gwei, 64>>;
    type Crosslinks = Shared<Vector<Crosslink, 8>>;
    type Eth1DataVotes = Shared<List<Eth1Data, 16>>;
    type PendingAttestations = Shared<List<PendingAttestation, 1024>>;
}

impl Preset for Mainnet {
    const NAME: &'static str = "mainnet";
    const SHARD_COUNT: u64 = 1024;
    const TARGET_COMMITTEE_SIZE: u64 = 128;
    const MAX_VALIDATORS_PER_COMMITTEE: u64 = 4096;
    const MIN_PER_EPOCH_CHURN_LIMIT: u64 = 4;
    const CHURN_LIMIT_QUOTIENT: u64 = 65_536;
    const SHUFFLE_ROUND_COUNT: u8 = 90;
    const MIN_GENESIS_ACTIVE_VALIDATOR_COUNT: u64 = 65_536;
    const MIN_GENESIS_TIME: u64 = 1_578_009_600;
    const SLOTS_PER_EPOCH: u64 = 64;
    const SLOTS_PER_ETH1_VOTING_PERIOD: u64 = 1024;
    const SLOTS_PER_HISTORICAL_ROOT: u64 = 8192;
    const MAX_EPOCHS_PER_CROSSLINK: Epoch = 64;
    const EARLY_DERIVED_SECRET_PENALTY_MAX_FUTURE_EPOCHS: Epoch = 16_384;
    const EPOCHS_PER_HISTORICAL_VECTOR: u64 = 65_536;
    const EPOCHS_PER_SLASHINGS_VECTOR: u64 = 8192;

    type HistoricalRoots = ChunkedRoots<8192>;
    type EpochRoots = ChunkedRoots<65_536>;
    type Slashings = Shared<Vector<Gwei, 8192>>;
    type Crosslinks = Shared<Vector<Crosslink, 1024>>;
    type Eth1DataVotes = Shared<List<Eth1Data, 1024>>;
    type PendingAttestations = Shared<List<PendingAttestation, 8192>>;
}

/// The preset chosen at run time by name (configuration files name it; code is generic).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PresetName {
    Minimal,
    Mainnet,
}

impl PresetName {
    pub fn as_str(self) -> &'static str {
        match self {
            PresetName::Minimal => Minimal::NAME,
            PresetName::Mainnet => Mainnet::NAME,
        }
    }

    /// `SHARD_COUNT` of the named preset.
    pub fn shard_count(self) -> u64 {
        match self {
            PresetName::Minimal => Minimal::SHARD_COUNT,
            PresetName::Mainnet => Mainnet::SHARD_COUNT,
        }
    }

    /// `SLOTS_PER_EPOCH` of the named preset.
    pub fn slots_per_epoch(self) -> u64 {
        match self {
            PresetName::Minimal => Minimal::SLOTS_PER_EPOCH,
            PresetName::Mainnet => Mainnet::SLOTS_PER_EPOCH,
        }
    }
}

impl std::fmt::Display for PresetName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check<P: Preset>() {
        assert_eq!(
            P::HistoricalRoots::default().len() as u64,
            P::SLOTS_PER_HISTORICAL_ROOT
        );
        assert_eq!(
            P::EpochRoots::default().len() as u64,
            P::EPOCHS_PER_HISTORICAL_VECTOR
        );
        assert_eq!(
            P::Slashings::default().len() as u64,
            P::EPOCHS_PER_SLASHINGS_VECTOR
        );
        assert_eq!(P::Crosslinks::default().len() as u64, P::SHARD_COUNT);
        assert_eq!(
            P::Eth1DataVotes::limit() as u64,
            P::SLOTS_PER_ETH1_VOTING_PERIOD
        );
        assert_eq!(
            P::PendingAttestations::limit() as u64,
            P::MAX_ATTESTATIONS * P::SLOTS_PER_EPOCH
        );
        // Derived relations the reference relies on.
        assert_eq!(P::SLOTS_PER_HISTORICAL_ROOT % P::SLOTS_PER_EPOCH, 0);
        assert!(P::SHARD_COUNT >= P::SLOTS_PER_EPOCH);
    }

    #[test]
    fn associated_types_match_constants() {
        check::<Minimal>();
        check::<Mainnet>();
    }
}
