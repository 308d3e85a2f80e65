//! Matching attestations and who made them (reference 6.2, shared helpers):
//! `get_matching_source_attestations`, `get_matching_target_attestations`,
//! `get_matching_head_attestations`, `get_unslashed_attesting_indices`,
//! `get_attesting_balance`, and [`Participation`], the per-validator form the epoch steps use.

use super::context::{Attesters, EpochContext};
use crate::attesting::attestation_data_slot;
use crate::balances::gwei_at_least_one;
use crate::errors::EpochError;
use crate::util::{to_usize, Marker};
use consensus::accessors::validator_at;
use consensus::accessors::{get_block_root, get_block_root_at_slot};
use consensus::errors::Error as ConsensusError;
use consensus::primitives::{Epoch, Gwei, ValidatorIndex};
use consensus::{BeaconState, ChainConfig, PendingAttestation, Preset};

/// The validator attested in a matching-source attestation (unslashed only).
pub(crate) const SOURCE: u8 = 1;
/// ... in a matching-target attestation.
pub(crate) const TARGET: u8 = 2;
/// ... in a matching-head attestation.
pub(crate) const HEAD: u8 = 4;

/// Which pending list `get_matching_source_attestations(epoch)` returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SourceList {
    Current,
    Previous,
}

/// `epoch` must be the previous or the current epoch; the current list wins when both are
/// equal (genesis aliasing).
pub(crate) fn source_list(
    previous: Epoch,
    current: Epoch,
    epoch: Epoch,
    rule: &'static str,
) -> Result<SourceList, EpochError> {
    if epoch == current {
        Ok(SourceList::Current)
    } else if epoch == previous {
        Ok(SourceList::Previous)
    } else {
        Err(EpochError::EpochOutOfRange {
            rule,
            epoch,
            previous,
            current,
        })
    }
}

/// The pending attestations and their attesting indices that match the source of `epoch`.
pub(crate) fn matching_source<'a, P: Preset>(
    state: &'a BeaconState<P>,
    ctx: &'a EpochContext,
    epoch: Epoch,
) -> Result<(&'a [PendingAttestation], &'a [Attesters]), EpochError> {
    let which = source_list(
        ctx.previous_epoch,
        ctx.current_epoch,
        epoch,
        "get_matching_source_attestations",
    )?;
    Ok(match which {
        SourceList::Current => (&state.current_epoch_attestations, &ctx.current_attesters),
        SourceList::Previous => (&state.previous_epoch_attestations, &ctx.previous_attesters),
    })
}

/// `get_matching_source_attestations(state, epoch)`.
pub fn get_matching_source_attestations<P: Preset>(
    state: &BeaconState<P>,
    epoch: Epoch,
) -> Result<&[PendingAttestation], EpochError> {
    let previous = consensus::accessors::get_previous_epoch(state);
    let current = consensus::accessors::get_current_epoch(state);
    Ok(
        match source_list(previous, current, epoch, "get_matching_source_attestations")? {
            SourceList::Current => &state.current_epoch_attestations,
            SourceList::Previous => &state.previous_epoch_attestations,
        },
    )
}

/// `get_matching_target_attestations(state, epoch)`: source matches whose target root is the
/// epoch's block root.
pub fn get_matching_target_attestations<P: Preset>(
    state: &BeaconState<P>,
    epoch: Epoch,
) -> Result<Vec<&PendingAttestation>, EpochError> {
    let source = get_matching_source_attestations(state, epoch)?;
    if source.is_empty() {
        return Ok(Vec::new());
    }
    let root = get_block_root(state, epoch)?;
    Ok(source
        .iter()
        .filter(|a| a.data.target.root == root)
        .collect())
}

/// `get_matching_head_attestations(state, epoch)`: source matches whose beacon block root is
/// the block root at their attestation slot.
pub fn get_matching_head_attestations<'a, P: Preset>(
    state: &'a BeaconState<P>,
    epoch: Epoch,
    config: &ChainConfig,
) -> Result<Vec<&'a PendingAttestation>, EpochError> {
    let source = get_matching_source_attestations(state, epoch)?;
    let ctx = EpochContext::new(state, config)?;
    let mut out = Vec::new();
    for a in source {
        let slot = attestation_data_slot::<P>(ctx.shuffling(a.data.target.epoch)?, &a.data)?;
        if a.data.beacon_block_root == get_block_root_at_slot(state, slot)? {
            out.push(a);
        }
    }
    Ok(out)
}

/// `get_unslashed_attesting_indices(state, attestations)`, ascending.
pub fn get_unslashed_attesting_indices<P: Preset>(
    state: &BeaconState<P>,
    attestations: &[&PendingAttestation],
    config: &ChainConfig,
) -> Result<Vec<ValidatorIndex>, EpochError> {
    let mut cache = crate::shuffling_cache::ShufflingCache::new();
    let mut marker = Marker::new(state.validators.len());
    let mut out = Vec::new();
    for a in attestations {
        let shuffling = cache.ensure(state, a.data.target.epoch, config)?;
        let members = shuffling.committee(a.data.crosslink.shard)?;
        for index in crate::attesting::attesting_indices_in(members, &a.aggregation_bits)? {
            if marker.insert(index) && !is_slashed(state, index)? {
                out.push(index);
            }
        }
    }
    out.sort_unstable();
    Ok(out)
}

/// `get_attesting_balance(state, attestations)` (at least 1 Gwei).
pub fn get_attesting_balance<P: Preset>(
    state: &BeaconState<P>,
    attestations: &[&PendingAttestation],
    config: &ChainConfig,
) -> Result<Gwei, EpochError> {
    let indices = get_unslashed_attesting_indices(state, attestations, config)?;
    Ok(crate::balances::get_total_balance(state, indices)?)
}

fn is_slashed<P: Preset>(
    state: &BeaconState<P>,
    index: ValidatorIndex,
) -> Result<bool, EpochError> {
    Ok(validator_at(state, index)?.slashed)
}

/// Inclusion of a validator's earliest matching-source attestation of the previous epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Inclusion {
    /// `u64::MAX` when the validator has none.
    pub delay: u64,
    pub proposer: ValidatorIndex,
}

/// Per-validator participation in one epoch's matching attestations (unslashed attesters only)
/// and the attesting balances of the three matches.
#[derive(Clone, Debug)]
pub(crate) struct Participation {
    pub flags: Vec<u8>,
    pub source_balance: Gwei,
    pub target_balance: Gwei,
    /// Only computed with `with_head`.
    pub head_balance: Gwei,
    /// Only computed with `with_head`: indexed by validator.
    pub inclusion: Vec<Inclusion>,
}

/// Participation in the attestations matching `epoch`. `with_head` also evaluates the head
/// matches and the inclusion delays (what the rewards need; the reference evaluates the head
/// block roots only there).
pub(crate) fn participation<P: Preset>(
    state: &BeaconState<P>,
    ctx: &EpochContext,
    epoch: Epoch,
    with_head: bool,
) -> Result<Participation, EpochError> {
    let (attestations, attesters) = matching_source(state, ctx, epoch)?;
    let n = state.validators.len();
    let mut flags = vec![0u8; n];
    let mut inclusion = if with_head {
        vec![
            Inclusion {
                delay: u64::MAX,
                proposer: 0,
            };
            n
        ]
    } else {
        Vec::new()
    };
    let target_root = if attestations.is_empty() {
        None
    } else {
        Some(get_block_root(state, epoch)?)
    };
    for (a, indices) in attestations.iter().zip(attesters) {
        let indices = indices
            .as_ref()
            .map_err(|e| EpochError::Helper(e.clone()))?;
        let mut bits = SOURCE;
        if Some(a.data.target.root) == target_root {
            bits |= TARGET;
        }
        if with_head {
            let slot = attestation_data_slot::<P>(ctx.shuffling(a.data.target.epoch)?, &a.data)?;
            if a.data.beacon_block_root == get_block_root_at_slot(state, slot)? {
                bits |= HEAD;
            }
        }
        for &index in indices {
            let i = to_usize(index);
            let validator = state
                .validators
                .get(i)
                .ok_or(ConsensusError::UnknownValidator { index, len: n })?;
            if validator.slashed {
                continue;
            }
            flags[i] |= bits;
            if with_head && a.inclusion_delay < inclusion[i].delay {
                inclusion[i] = Inclusion {
                    delay: a.inclusion_delay,
                    proposer: a.proposer_index,
                };
            }
        }
    }
    let mut sums = [0u128; 3];
    for (validator, f) in state.validators.iter().zip(&flags) {
        for (k, flag) in [SOURCE, TARGET, HEAD].into_iter().enumerate() {
            if f & flag != 0 {
                sums[k] += u128::from(validator.effective_balance);
            }
        }
    }
    Ok(Participation {
        flags,
        source_balance: gwei_at_least_one(sums[0], "get_attesting_balance")?,
        target_balance: gwei_at_least_one(sums[1], "get_attesting_balance")?,
        head_balance: gwei_at_least_one(sums[2], "get_attesting_balance")?,
        inclusion,
    })
}
