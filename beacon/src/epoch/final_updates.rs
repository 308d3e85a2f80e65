//! `process_final_updates` (reference 6.2.6): eth1 vote reset, effective balances with
//! hysteresis, the next active-index and compact-committees roots, slashings and RANDAO
//! rotation, the historical accumulator, the start shard (design D4: modulo the active shard
//! count) and the attestation lists.

use super::context::EpochContext;
use crate::compact_committees::compact_committees_root;
use crate::errors::{EpochError, HelperError};
use crate::state_root::historical_batch_root;
use crate::util::get_mut;
use consensus::accessors::{get_active_validator_indices, get_randao_mix};
use consensus::committees::committee_shard_count;
use consensus::hash::u64_list_root;
use consensus::sszx::SszList;
use consensus::{BeaconState, ChainConfig, Preset};

/// `process_final_updates(state)`.
pub fn process_final_updates<P: Preset>(
    state: &mut BeaconState<P>,
    config: &ChainConfig,
) -> Result<(), EpochError> {
    let ctx = EpochContext::new(state, config)?;
    process_final_updates_with(state, &ctx)
}

pub(crate) fn process_final_updates_with<P: Preset>(
    state: &mut BeaconState<P>,
    ctx: &EpochContext,
) -> Result<(), EpochError> {
    let overflow = |rule: &'static str| EpochError::Helper(HelperError::Overflow { rule });
    let current_epoch = ctx.current_epoch;
    let next_epoch = current_epoch
        .checked_add(1)
        .ok_or_else(|| overflow("process_final_updates: next epoch"))?;
    let ehv = P::EPOCHS_PER_HISTORICAL_VECTOR;

    // Reset eth1 data votes.
    if state
        .slot
        .wrapping_add(1)
        .is_multiple_of(P::SLOTS_PER_ETH1_VOTING_PERIOD)
    {
        state.eth1_data_votes.clear();
    }

    // Update effective balances with hysteresis.
    let n = state.validators.len();
    if state.balances.len() < n {
        return Err(EpochError::BalancesLength {
            rule: "process_final_updates",
            validators: n,
            balances: state.balances.len(),
        });
    }
    let half_increment = P::EFFECTIVE_BALANCE_INCREMENT / 2;
    for (validator, &balance) in state
        .validators
        .make_mut()
        .iter_mut()
        .zip(state.balances.iter())
    {
        let upper = validator
            .effective_balance
            .checked_add(3 * half_increment)
            .ok_or_else(|| overflow("process_final_updates: hysteresis"))?;
        if balance < validator.effective_balance || upper < balance {
            validator.effective_balance =
                (balance - balance % P::EFFECTIVE_BALANCE_INCREMENT).min(P::MAX_EFFECTIVE_BALANCE);
        }
    }

    // Set active index root.
    let index_epoch = next_epoch
        .checked_add(P::ACTIVATION_EXIT_DELAY)
        .ok_or_else(|| overflow("process_final_updates: index epoch"))?;
    let active = get_active_validator_indices(state, index_epoch);
    let active_index_root = u64_list_root(&active, P::VALIDATOR_REGISTRY_LIMIT as usize);
    state.active_index_roots[(index_epoch % ehv) as usize] = active_index_root;

    // Set committees root (new effective balances, start shard not yet rotated).
    let next_shuffling = ctx.shuffling(next_epoch)?;
    let committees_root = compact_committees_root::<P>(&state.validators, next_shuffling)?;
    state.compact_committees_roots[(next_epoch % ehv) as usize] = committees_root;

    // Reset slashings.
    if let Some(slashed) = get_mut(
        &mut state.slashings,
        (next_epoch % P::EPOCHS_PER_SLASHINGS_VECTOR) as usize,
    ) {
        *slashed = 0;
    }

    // Set randao mix.
    state.randao_mixes[(next_epoch % ehv) as usize] = get_randao_mix(state, current_epoch);

    // Set historical root accumulator.
    if next_epoch.is_multiple_of(P::SLOTS_PER_HISTORICAL_ROOT / P::SLOTS_PER_EPOCH) {
        let root = historical_batch_root(state);
        state
            .historical_roots
            .try_push(root)
            .map_err(|e| HelperError::ListFull {
                rule: "process_final_updates",
                list: "historical_roots",
                limit: e.limit,
            })?;
    }

    // Update start shard.
    let asc = committee_shard_count::<P>(&ctx.config);
    let current = ctx.shuffling(current_epoch)?;
    let shard_delta = current.committee_count.min(asc - asc / P::SLOTS_PER_EPOCH);
    state.start_shard = (state.start_shard % asc + shard_delta) % asc;

    // Rotate current/previous epoch attestations.
    state.previous_epoch_attestations = std::mem::take(&mut state.current_epoch_attestations);
    Ok(())
}
