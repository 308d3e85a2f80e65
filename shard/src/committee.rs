//! Shard committees and shard proposers (design 3.2), on top of the consensus committees.
//!
//! - `get_shard_committee(epoch, s)`: the crosslink committee of `s` at `epoch` if `s` has one
//!   that epoch, else the one of the most recent earlier epoch that does.
//! - `get_shard_proposer_index(slot, s)`: the effective-balance-weighted pick of
//!   `get_beacon_proposer_index` (`compute_proposer_index`) from that committee, seeded by
//!   `seed = sha256(get_seed(epoch) ‖ le64(s) ‖ le64(slot))`. The walk starts at candidate
//!   `le64(seed[0..8]) mod len` rather than the reference's `epoch`: with full effective
//!   balances the first candidate is always taken, and a start fixed for the epoch would give
//!   the shard one proposer for the whole epoch.

use consensus::committees::{compute_proposer_index, EpochShuffling};
use consensus::containers::Validator;
use consensus::errors::Error as ConsensusError;
use consensus::hash::hash;
use consensus::preset::Preset;
use consensus::primitives::{Epoch, Root, Shard, Slot, ValidatorIndex};
use std::collections::BTreeMap;

/// Where earlier epochs' shufflings come from (a cache in the beacon node).
pub trait ShufflingSource {
    fn shuffling(&self, epoch: Epoch) -> Option<&EpochShuffling>;
}

impl ShufflingSource for BTreeMap<Epoch, EpochShuffling> {
    fn shuffling(&self, epoch: Epoch) -> Option<&EpochShuffling> {
        self.get(&epoch)
    }
}

impl ShufflingSource for [EpochShuffling] {
    fn shuffling(&self, epoch: Epoch) -> Option<&EpochShuffling> {
        self.iter().find(|s| s.epoch == epoch)
    }
}

/// Why a shard committee or proposer cannot be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommitteeError {
    #[error("get_shard_committee: shard {shard} is not below the active shard count {active}")]
    ShardOutOfRange { shard: Shard, active: u64 },
    #[error("get_shard_committee: no shuffling of epoch {epoch} to look in")]
    MissingShuffling { epoch: Epoch },
    #[error("get_shard_committee: shard {shard} has no committee at or before epoch {epoch}")]
    NoCommittee { shard: Shard, epoch: Epoch },
    #[error("get_shard_proposer_index: {0}")]
    Consensus(#[from] ConsensusError),
}

/// A shard committee and the epoch whose crosslink committee it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShardCommittee {
    pub from_epoch: Epoch,
    pub members: Vec<ValidatorIndex>,
}

/// Whether `shard` has a crosslink committee in `shuffling`'s epoch.
pub fn has_crosslink_committee(shuffling: &EpochShuffling, shard: Shard) -> bool {
    let csc = shuffling.committee_shard_count;
    shard < shuffling.active_shard_count
        && (shard + csc - shuffling.start_shard % csc.max(1)) % csc < shuffling.committee_count
}

/// `get_shard_committee(epoch, shard)`: walks back from `epoch` until a shuffling gives `shard`
/// a committee.
pub fn get_shard_committee<S: ShufflingSource + ?Sized>(
    source: &S,
    epoch: Epoch,
    shard: Shard,
) -> Result<ShardCommittee, CommitteeError> {
    let mut at = epoch;
    loop {
        let shuffling = source
            .shuffling(at)
            .ok_or(CommitteeError::MissingShuffling { epoch: at })?;
        if shard >= shuffling.active_shard_count {
            return Err(CommitteeError::ShardOutOfRange {
                shard,
                active: shuffling.active_shard_count,
            });
        }
        if has_crosslink_committee(shuffling, shard) {
            let members = shuffling.committee(shard)?.to_vec();
            return Ok(ShardCommittee {
                from_epoch: at,
                members,
            });
        }
        at = at
            .checked_sub(1)
            .ok_or(CommitteeError::NoCommittee { shard, epoch })?;
    }
}

/// `sha256(seed ‖ le64(shard) ‖ le64(slot))`.
pub fn shard_proposer_seed(epoch_seed: &Root, shard: Shard, slot: Slot) -> Root {
    let mut preimage = [0u8; 48];
    preimage[..32].copy_from_slice(&epoch_seed.0);
    preimage[32..40].copy_from_slice(&shard.to_le_bytes());
    preimage[40..].copy_from_slice(&slot.to_le_bytes());
    hash(&preimage)
}

/// `get_shard_proposer_index(slot, shard)` from the shard committee and `get_seed(epoch)`.
pub fn get_shard_proposer_index<P: Preset>(
    validators: &[Validator],
    committee: &[ValidatorIndex],
    epoch_seed: &Root,
    shard: Shard,
    slot: Slot,
) -> Result<ValidatorIndex, CommitteeError> {
    let seed = shard_proposer_seed(epoch_seed, shard, slot);
    let mut start = [0u8; 8];
    start.copy_from_slice(&seed.0[..8]);
    Ok(compute_proposer_index::<P>(
        validators,
        committee,
        &seed,
        u64::from_le_bytes(start),
    )?)
}

/// Committee and proposer of `(slot, shard)` in one call: the slot's epoch must be in `source`.
pub fn shard_proposer<P: Preset, S: ShufflingSource + ?Sized>(
    source: &S,
    validators: &[Validator],
    shard: Shard,
    slot: Slot,
) -> Result<ValidatorIndex, CommitteeError> {
    let epoch = slot / P::SLOTS_PER_EPOCH;
    let seed = source
        .shuffling(epoch)
        .ok_or(CommitteeError::MissingShuffling { epoch })?
        .seed;
    let committee = get_shard_committee(source, epoch, shard)?;
    get_shard_proposer_index::<P>(validators, &committee.members, &seed, shard, slot)
}
