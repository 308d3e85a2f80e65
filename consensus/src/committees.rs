//! Committees and proposers (reference 4.3–4.4) with the active shard count of design D4:
//! every `SHARD_COUNT` in the committee formulas reads the *committee shard count*
//! `max(active_shard_count, SLOTS_PER_EPOCH)` ([`committee_shard_count`]), so with all shards
//! active the functions are exactly v0.8.4. With fewer active shards than slots per epoch
//! (design D7), the committees numbered `active_shard_count ..` are attestation-only: they
//! vote for finality and fork choice like any other, and crosslink no shard data.
//!
//! [`EpochShuffling`] shuffles an epoch's active set once with the whole-list shuffle and
//! slices every committee out of it; `compute_committee` is the reference's per-index form.
//! Tests check that both give the same committees.

use crate::accessors::{get_active_validator_indices, get_current_epoch, get_seed, validator_at};
use crate::config::ChainConfig;
use crate::containers::{AttestationData, BeaconState, Validator};
use crate::errors::Error;
use crate::hash::hash;
use crate::preset::Preset;
use crate::primitives::{Epoch, Root, Shard, Slot, ValidatorIndex};
use crate::shuffle::{compute_shuffled_index, shuffle_list};

/// The `SHARD_COUNT` of the committee formulas (design D4, D7): the active shard count, or
/// `SLOTS_PER_EPOCH` when fewer shards are active, so that every slot keeps a committee.
/// Committee "shards" at or above `active_shard_count` are attestation-only.
pub fn committee_shard_count<P: Preset>(config: &ChainConfig) -> u64 {
    config.active_shard_count.max(P::SLOTS_PER_EPOCH)
}

/// `get_committee_count(state, epoch)` = `committees_per_slot(epoch) · SLOTS_PER_EPOCH` with
/// `committees_per_slot = max(1, min(CSC // SPE, |active(epoch)| // SPE // TCS))`, where `CSC`
/// is the committee shard count.
pub fn committee_count_for<P: Preset>(active_validators: u64, committee_shard_count: u64) -> u64 {
    let per_slot = (committee_shard_count / P::SLOTS_PER_EPOCH)
        .min(active_validators / P::SLOTS_PER_EPOCH / P::TARGET_COMMITTEE_SIZE)
        .max(1);
    per_slot * P::SLOTS_PER_EPOCH
}

/// `get_committee_count(state, epoch)`.
pub fn get_committee_count<P: Preset>(
    state: &BeaconState<P>,
    epoch: Epoch,
    config: &ChainConfig,
) -> u64 {
    let active = get_active_validator_indices(state, epoch).len() as u64;
    committee_count_for::<P>(active, committee_shard_count::<P>(config))
}

/// `get_shard_delta(state, epoch)` = `min(committee_count, CSC - CSC // SPE)`.
pub fn get_shard_delta<P: Preset>(
    state: &BeaconState<P>,
    epoch: Epoch,
    config: &ChainConfig,
) -> u64 {
    let csc = committee_shard_count::<P>(config);
    get_committee_count(state, epoch, config).min(csc - csc / P::SLOTS_PER_EPOCH)
}

/// `get_start_shard(state, epoch)`: walks back from `current + 1`; refuses later epochs.
pub fn get_start_shard<P: Preset>(
    state: &BeaconState<P>,
    epoch: Epoch,
    config: &ChainConfig,
) -> Result<Shard, Error> {
    let asc = committee_shard_count::<P>(config);
    let current = get_current_epoch(state);
    let max = current.checked_add(1).ok_or(Error::Overflow {
        rule: "get_start_shard",
    })?;
    if epoch > max {
        return Err(Error::StartShardEpochTooLate { epoch, max });
    }
    let mut check_epoch = max;
    let mut shard = (state.start_shard + get_shard_delta(state, current, config)) % asc;
    while check_epoch > epoch {
        check_epoch -= 1;
        shard = (shard + asc - get_shard_delta(state, check_epoch, config)) % asc;
    }
    Ok(shard)
}

/// `compute_committee(indices, seed, index, count)`: slice `index` of `count` of the shuffled
/// indices, through the per-index shuffle.
pub fn compute_committee(
    indices: &[ValidatorIndex],
    seed: &Root,
    index: u64,
    count: u64,
    rounds: u8,
) -> Result<Vec<ValidatorIndex>, Error> {
    let (start, end) = committee_bounds(indices.len() as u64, index, count)?;
    (start..end)
        .map(|j| {
            let source = compute_shuffled_index(j, indices.len() as u64, seed, rounds)?;
            Ok(indices[source as usize])
        })
        .collect()
}

/// `[len · index // count, len · (index + 1) // count)`, in u128 so it cannot overflow.
fn committee_bounds(len: u64, index: u64, count: u64) -> Result<(u64, u64), Error> {
    if count == 0 || index >= count {
        return Err(Error::Overflow {
            rule: "compute_committee: index must be below count",
        });
    }
    let len = u128::from(len);
    let start = len * u128::from(index) / u128::from(count);
    let end = len * (u128::from(index) + 1) / u128::from(count);
    Ok((start as u64, end as u64))
}

/// `get_crosslink_committee(state, epoch, shard)`; `shard` may be an attestation-only committee
/// shard (below the committee shard count).
pub fn get_crosslink_committee<P: Preset>(
    state: &BeaconState<P>,
    epoch: Epoch,
    shard: Shard,
    config: &ChainConfig,
) -> Result<Vec<ValidatorIndex>, Error> {
    let asc = committee_shard_count::<P>(config);
    if shard >= asc {
        return Err(Error::ShardOutOfRange { shard, active: asc });
    }
    let indices = get_active_validator_indices(state, epoch);
    let start_shard = get_start_shard(state, epoch, config)?;
    let count = committee_count_for::<P>(indices.len() as u64, asc);
    compute_committee(
        &indices,
        &get_seed(state, epoch),
        (shard + asc - start_shard) % asc,
        count,
        P::SHUFFLE_ROUND_COUNT,
    )
}

/// The shard whose committee attests at `slot`'s first position, as `get_beacon_proposer_index`
/// picks it: `(start_shard + committees_per_slot · (slot % SPE)) % CSC`.
fn proposer_shard<P: Preset>(
    start_shard: Shard,
    committee_count: u64,
    slot: Slot,
    asc: u64,
) -> Shard {
    let per_slot = committee_count / P::SLOTS_PER_EPOCH;
    (start_shard + per_slot * (slot % P::SLOTS_PER_EPOCH)) % asc
}

/// Effective-balance-weighted sampling from `candidates` (the loop of
/// `get_beacon_proposer_index`): candidate `C[(offset + i) % |C|]` is taken when
/// `eff · 255 >= MAX_EFFECTIVE_BALANCE · H(seed ‖ LE8(i // 32))[i % 32]`.
///
/// Design 3.2 reuses it for shard proposers. The reference loops for ever when no candidate
/// has a positive effective balance; this returns an error after `2^16` rounds over the list.
pub fn compute_proposer_index<P: Preset>(
    validators: &[Validator],
    candidates: &[ValidatorIndex],
    seed: &Root,
    offset: u64,
) -> Result<ValidatorIndex, Error> {
    if candidates.is_empty() {
        return Err(Error::EmptyCommittee {
            epoch: offset,
            shard: 0,
        });
    }
    let len = candidates.len() as u64;
    let limit = len.saturating_mul(1 << 16);
    let mut random = [0u8; 32];
    for i in 0..limit {
        if i % 32 == 0 {
            let mut preimage = [0u8; 40];
            preimage[..32].copy_from_slice(&seed.0);
            preimage[32..].copy_from_slice(&(i / 32).to_le_bytes());
            random = hash(&preimage).0;
        }
        let candidate = candidates[((offset % len + i % len) % len) as usize];
        let validator = validators
            .get(candidate as usize)
            .ok_or(Error::UnknownValidator {
                index: candidate,
                len: validators.len(),
            })?;
        let random_byte = u128::from(random[(i % 32) as usize]);
        if u128::from(validator.effective_balance) * 255
            >= u128::from(P::MAX_EFFECTIVE_BALANCE) * random_byte
        {
            return Ok(candidate);
        }
    }
    Err(Error::Overflow {
        rule: "compute_proposer_index: no candidate has a positive balance",
    })
}

/// `get_beacon_proposer_index(state)` for the state's current slot.
pub fn get_beacon_proposer_index<P: Preset>(
    state: &BeaconState<P>,
    config: &ChainConfig,
) -> Result<ValidatorIndex, Error> {
    let epoch = get_current_epoch(state);
    let count = get_committee_count(state, epoch, config);
    let start = get_start_shard(state, epoch, config)?;
    let shard = proposer_shard::<P>(start, count, state.slot, committee_shard_count::<P>(config));
    let committee = get_crosslink_committee(state, epoch, shard, config)?;
    if committee.is_empty() {
        return Err(Error::EmptyCommittee { epoch, shard });
    }
    compute_proposer_index::<P>(
        &state.validators,
        &committee,
        &get_seed(state, epoch),
        epoch,
    )
}

/// `get_attestation_data_slot(state, data)`.
pub fn get_attestation_data_slot<P: Preset>(
    state: &BeaconState<P>,
    data: &AttestationData,
    config: &ChainConfig,
) -> Result<Slot, Error> {
    let asc = committee_shard_count::<P>(config);
    let epoch = data.target.epoch;
    if data.crosslink.shard >= asc {
        return Err(Error::ShardOutOfRange {
            shard: data.crosslink.shard,
            active: asc,
        });
    }
    let committee_count = get_committee_count(state, epoch, config);
    let offset = (data.crosslink.shard + asc - get_start_shard(state, epoch, config)?) % asc;
    committee_index_slot::<P>(epoch, offset, committee_count).ok_or(Error::Overflow {
        rule: "get_attestation_data_slot",
    })
}

/// The slot of the committee at position `index` (counted from the epoch's start shard) of an
/// epoch with `committee_count` committees: the epoch's slots share the committees evenly, in
/// order (the rule of `get_attestation_data_slot`). `None` on overflow.
pub fn committee_index_slot<P: Preset>(
    epoch: Epoch,
    index: u64,
    committee_count: u64,
) -> Option<Slot> {
    let per_slot = (committee_count / P::SLOTS_PER_EPOCH).max(1);
    epoch
        .checked_mul(P::SLOTS_PER_EPOCH)?
        .checked_add(index / per_slot)
}

/// One epoch's committees, shuffled once with the whole-list shuffle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EpochShuffling {
    pub epoch: Epoch,
    pub seed: Root,
    pub start_shard: Shard,
    pub committee_count: u64,
    /// Shards with a chain (`config.active_shard_count`).
    pub active_shard_count: u64,
    /// The `SHARD_COUNT` of the committee formulas ([`committee_shard_count`]): committee
    /// shards at or above `active_shard_count` are attestation-only.
    pub committee_shard_count: u64,
    /// `shuffled[j] = active[compute_shuffled_index(j)]`.
    pub shuffled: Vec<ValidatorIndex>,
}

impl EpochShuffling {
    /// Shuffles the active set of `epoch` (which must be at most `current + 1`).
    pub fn new<P: Preset>(
        state: &BeaconState<P>,
        epoch: Epoch,
        config: &ChainConfig,
    ) -> Result<Self, Error> {
        let mut shuffled = get_active_validator_indices(state, epoch);
        let seed = get_seed(state, epoch);
        let csc = committee_shard_count::<P>(config);
        let committee_count = committee_count_for::<P>(shuffled.len() as u64, csc);
        let start_shard = get_start_shard(state, epoch, config)?;
        shuffle_list(&mut shuffled, &seed, P::SHUFFLE_ROUND_COUNT);
        Ok(Self {
            epoch,
            seed,
            start_shard,
            committee_count,
            active_shard_count: config.active_shard_count,
            committee_shard_count: csc,
            shuffled,
        })
    }

    /// The crosslink committee of `shard` (a committee shard): as `get_crosslink_committee`.
    pub fn committee(&self, shard: Shard) -> Result<&[ValidatorIndex], Error> {
        let asc = self.committee_shard_count;
        if shard >= asc {
            return Err(Error::ShardOutOfRange { shard, active: asc });
        }
        let index = (shard + asc - self.start_shard) % asc;
        let (start, end) =
            committee_bounds(self.shuffled.len() as u64, index, self.committee_count)?;
        Ok(&self.shuffled[start as usize..end as usize])
    }

    /// The committee shards that have a committee this epoch, in committee order (with fewer
    /// active shards than slots, attestation-only ones included).
    pub fn shards(&self) -> impl Iterator<Item = Shard> + '_ {
        (0..self.committee_count).map(|k| (self.start_shard + k) % self.committee_shard_count)
    }

    /// Whether `shard`'s committee crosslinks a shard chain (it is below the active shard
    /// count) rather than being attestation-only (design D7).
    pub fn crosslinks_data(&self, shard: Shard) -> bool {
        shard < self.active_shard_count
    }

    /// The slot at which `shard`'s committee attests this epoch (`get_attestation_data_slot`),
    /// or `None` if the shard has no committee this epoch.
    pub fn committee_slot<P: Preset>(&self, shard: Shard) -> Option<Slot> {
        let asc = self.committee_shard_count;
        if asc == 0 || shard >= asc {
            return None;
        }
        let index = (shard + asc - self.start_shard % asc) % asc;
        if index >= self.committee_count {
            return None;
        }
        committee_index_slot::<P>(self.epoch, index, self.committee_count)
    }

    /// The shards whose committees attest at `slot` (a slot of this epoch), in committee order.
    pub fn shards_at_slot<P: Preset>(&self, slot: Slot) -> impl Iterator<Item = Shard> + '_ {
        self.shards()
            .filter(move |&shard| self.committee_slot::<P>(shard) == Some(slot))
    }

    /// `get_beacon_proposer_index` for `slot` of this epoch.
    pub fn proposer<P: Preset>(
        &self,
        validators: &[Validator],
        slot: Slot,
    ) -> Result<ValidatorIndex, Error> {
        let shard = proposer_shard::<P>(
            self.start_shard,
            self.committee_count,
            slot,
            self.committee_shard_count,
        );
        let committee = self.committee(shard)?;
        if committee.is_empty() {
            return Err(Error::EmptyCommittee {
                epoch: self.epoch,
                shard,
            });
        }
        compute_proposer_index::<P>(validators, committee, &self.seed, self.epoch)
    }
}

/// The validator's effective balance, or the error naming the index.
pub fn effective_balance<P: Preset>(
    state: &BeaconState<P>,
    index: ValidatorIndex,
) -> Result<u64, Error> {
    validator_at(state, index).map(|v| v.effective_balance)
}
