//! `process_registry_updates` (reference 6.2.4): activation eligibility, ejections, and the
//! churn-limited activation queue.

use super::context::EpochContext;
use crate::errors::EpochError;
use crate::util::get_mut;
use crate::validator_exit::{churn_limit, initiate_validator_exit_with, ExitQueue};
use consensus::accessors::{compute_activation_exit_epoch, is_active_validator};
use consensus::preset::FAR_FUTURE_EPOCH;
use consensus::primitives::ValidatorIndex;
use consensus::{BeaconState, ChainConfig, Preset};

/// `process_registry_updates(state)`.
pub fn process_registry_updates<P: Preset>(
    state: &mut BeaconState<P>,
    config: &ChainConfig,
) -> Result<(), EpochError> {
    let ctx = EpochContext::new(state, config)?;
    process_registry_updates_with(state, &ctx)
}

pub(crate) fn process_registry_updates_with<P: Preset>(
    state: &mut BeaconState<P>,
    ctx: &EpochContext,
) -> Result<(), EpochError> {
    let current_epoch = ctx.current_epoch;
    // Exits scheduled here are at least current + 1 + ACTIVATION_EXIT_DELAY, so the current
    // active set, and with it the churn limit, stays as it was.
    let churn = churn_limit::<P>(ctx.current_active_count);
    let mut queue = ExitQueue::new(&state.validators, churn);

    // Activation eligibility and ejections.
    for i in 0..state.validators.len() {
        let Some(validator) = get_mut(&mut state.validators, i) else {
            break;
        };
        if validator.activation_eligibility_epoch == FAR_FUTURE_EPOCH
            && validator.effective_balance == P::MAX_EFFECTIVE_BALANCE
        {
            validator.activation_eligibility_epoch = current_epoch;
        }
        if is_active_validator(validator, current_epoch)
            && validator.effective_balance <= P::EJECTION_BALANCE
        {
            initiate_validator_exit_with(state, i as ValidatorIndex, &mut queue)?;
        }
    }

    // Queue validators eligible for activation and not yet dequeued before finality.
    let finality_floor = compute_activation_exit_epoch::<P>(state.finalized_checkpoint.epoch)?;
    let mut activation_queue: Vec<(u64, usize)> = state
        .validators
        .iter()
        .enumerate()
        .filter(|(_, v)| {
            v.activation_eligibility_epoch != FAR_FUTURE_EPOCH
                && v.activation_epoch >= finality_floor
        })
        .map(|(i, v)| (v.activation_eligibility_epoch, i))
        .collect();
    // Stable by eligibility epoch: ties keep index order.
    activation_queue.sort_unstable();

    // Dequeue up to the churn limit; already scheduled validators keep their epoch.
    let activation_epoch = compute_activation_exit_epoch::<P>(current_epoch)?;
    for &(_, i) in activation_queue.iter().take(churn as usize) {
        if let Some(validator) = get_mut(&mut state.validators, i) {
            if validator.activation_epoch == FAR_FUTURE_EPOCH {
                validator.activation_epoch = activation_epoch;
            }
        }
    }
    Ok(())
}
