//! State accessors and predicates of reference 4.2–4.4 that do not involve committees.

use crate::containers::{BeaconState, Validator};
use crate::errors::Error;
use crate::hash::hash;
use crate::preset::Preset;
use crate::primitives::{Epoch, Root, Slot, ValidatorIndex};

/// `is_active_validator(v, epoch)`: `activation_epoch <= epoch < exit_epoch`.
pub fn is_active_validator(validator: &Validator, epoch: Epoch) -> bool {
    validator.activation_epoch <= epoch && epoch < validator.exit_epoch
}

/// `is_slashable_validator(v, epoch)`.
pub fn is_slashable_validator(validator: &Validator, epoch: Epoch) -> bool {
    !validator.slashed
        && validator.activation_epoch <= epoch
        && epoch < validator.withdrawable_epoch
}

/// `compute_epoch_of_slot(slot)`.
pub fn compute_epoch_of_slot<P: Preset>(slot: Slot) -> Epoch {
    slot / P::SLOTS_PER_EPOCH
}

/// `compute_start_slot_of_epoch(epoch)`, saturating at the largest slot.
pub fn compute_start_slot_of_epoch<P: Preset>(epoch: Epoch) -> Slot {
    epoch.saturating_mul(P::SLOTS_PER_EPOCH)
}

/// `compute_activation_exit_epoch(epoch)` = `epoch + 1 + ACTIVATION_EXIT_DELAY`.
pub fn compute_activation_exit_epoch<P: Preset>(epoch: Epoch) -> Result<Epoch, Error> {
    epoch
        .checked_add(1 + P::ACTIVATION_EXIT_DELAY)
        .ok_or(Error::Overflow {
            rule: "compute_activation_exit_epoch",
        })
}

/// `get_current_epoch(state)`.
pub fn get_current_epoch<P: Preset>(state: &BeaconState<P>) -> Epoch {
    compute_epoch_of_slot::<P>(state.slot)
}

/// `get_previous_epoch(state)`: the current epoch minus one, but 0 at genesis.
pub fn get_previous_epoch<P: Preset>(state: &BeaconState<P>) -> Epoch {
    get_current_epoch(state).saturating_sub(1)
}

/// `get_block_root_at_slot(state, slot)`: requires `slot < state.slot <= slot + SHR`.
pub fn get_block_root_at_slot<P: Preset>(
    state: &BeaconState<P>,
    slot: Slot,
) -> Result<Root, Error> {
    let in_range =
        slot < state.slot && state.slot <= slot.saturating_add(P::SLOTS_PER_HISTORICAL_ROOT);
    if !in_range {
        return Err(Error::BlockRootSlotOutOfRange {
            slot,
            min: state.slot.saturating_sub(P::SLOTS_PER_HISTORICAL_ROOT),
            state_slot: state.slot,
        });
    }
    Ok(state.block_roots[(slot % P::SLOTS_PER_HISTORICAL_ROOT) as usize])
}

/// `get_block_root(state, epoch)`: the root at the epoch's start slot.
pub fn get_block_root<P: Preset>(state: &BeaconState<P>, epoch: Epoch) -> Result<Root, Error> {
    get_block_root_at_slot(state, compute_start_slot_of_epoch::<P>(epoch))
}

/// `get_randao_mix(state, epoch)`.
pub fn get_randao_mix<P: Preset>(state: &BeaconState<P>, epoch: Epoch) -> Root {
    state.randao_mixes[(epoch % P::EPOCHS_PER_HISTORICAL_VECTOR) as usize]
}

/// `get_active_validator_indices(state, epoch)`, ascending.
pub fn get_active_validator_indices<P: Preset>(
    state: &BeaconState<P>,
    epoch: Epoch,
) -> Vec<ValidatorIndex> {
    state
        .validators
        .iter()
        .enumerate()
        .filter(|(_, v)| is_active_validator(v, epoch))
        .map(|(i, _)| i as ValidatorIndex)
        .collect()
}

/// `get_seed(state, epoch)` = `H(mix(epoch - MIN_SEED_LOOKAHEAD - 1) ‖ active_index_root(epoch)
/// ‖ LE32(epoch))`, the mix index taken modulo the vector length (so it never underflows).
pub fn get_seed<P: Preset>(state: &BeaconState<P>, epoch: Epoch) -> Root {
    let ehv = P::EPOCHS_PER_HISTORICAL_VECTOR;
    let lookback = (P::MIN_SEED_LOOKAHEAD + 1) % ehv;
    let mix_index = ((epoch % ehv) + ehv - lookback) % ehv;
    let mix = state.randao_mixes[mix_index as usize];
    let active_index_root = state.active_index_roots[(epoch % ehv) as usize];
    let mut preimage = [0u8; 96];
    preimage[..32].copy_from_slice(&mix.0);
    preimage[32..64].copy_from_slice(&active_index_root.0);
    preimage[64..72].copy_from_slice(&epoch.to_le_bytes());
    hash(&preimage)
}

/// `get_validator_churn_limit(state)`.
pub fn get_validator_churn_limit<P: Preset>(state: &BeaconState<P>) -> u64 {
    let active = get_active_validator_indices(state, get_current_epoch(state)).len() as u64;
    P::MIN_PER_EPOCH_CHURN_LIMIT.max(active / P::CHURN_LIMIT_QUOTIENT)
}

/// The validator at `index`, or the error naming the index.
pub fn validator_at<P: Preset>(
    state: &BeaconState<P>,
    index: ValidatorIndex,
) -> Result<&Validator, Error> {
    validator_in(&state.validators, index)
}

/// [`validator_at`] in a registry slice.
pub fn validator_in(validators: &[Validator], index: ValidatorIndex) -> Result<&Validator, Error> {
    usize::try_from(index)
        .ok()
        .and_then(|i| validators.get(i))
        .ok_or(Error::UnknownValidator {
            index,
            len: validators.len(),
        })
}
