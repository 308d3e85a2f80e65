//! `process_slashings` (reference 6.2.5): the correlated penalty, halfway through a slashed
//! validator's withdrawability delay.

use super::context::EpochContext;
use crate::errors::{EpochError, HelperError};
use crate::util::get_mut;
use consensus::{BeaconState, ChainConfig, Preset};

/// `process_slashings(state)`.
pub fn process_slashings<P: Preset>(
    state: &mut BeaconState<P>,
    config: &ChainConfig,
) -> Result<(), EpochError> {
    let ctx = EpochContext::new(state, config)?;
    process_slashings_with(state, &ctx)
}

pub(crate) fn process_slashings_with<P: Preset>(
    state: &mut BeaconState<P>,
    ctx: &EpochContext,
) -> Result<(), EpochError> {
    let overflow = || {
        EpochError::Helper(HelperError::Overflow {
            rule: "process_slashings",
        })
    };
    let total = u128::from(ctx.total_active_balance);
    let slashed_sum: u128 = state.slashings.iter().map(|s| u128::from(*s)).sum();
    let adjusted = (3 * slashed_sum).min(total);
    let penalty_epoch = ctx
        .current_epoch
        .checked_add(P::EPOCHS_PER_SLASHINGS_VECTOR / 2)
        .ok_or_else(overflow)?;
    let increment = u128::from(P::EFFECTIVE_BALANCE_INCREMENT);
    for i in 0..state.validators.len() {
        let validator = &state.validators[i];
        if !(validator.slashed && validator.withdrawable_epoch == penalty_epoch) {
            continue;
        }
        let numerator = u128::from(validator.effective_balance) / increment * adjusted;
        let penalty = u64::try_from(numerator / total * increment).map_err(|_| overflow())?;
        let len = state.balances.len();
        let balance = get_mut(&mut state.balances, i).ok_or(HelperError::UnknownBalance {
            rule: "process_slashings",
            index: i as u64,
            len,
        })?;
        *balance = balance.saturating_sub(penalty);
    }
    Ok(())
}
