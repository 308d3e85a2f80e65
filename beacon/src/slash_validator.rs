//! `slash_validator` (reference 4.5): exit, mark slashed, extend withdrawability, record the
//! slashed balance, penalize, and reward the whistleblower and the proposer.

use crate::balances::{decrease_balance, increase_balance};
use crate::errors::HelperError;
use crate::shuffling_cache::ShufflingCache;
use crate::util::{get_mut, to_usize};
use crate::validator_exit::{initiate_validator_exit_with, ExitQueue};
use consensus::accessors::get_current_epoch;
use consensus::errors::Error as ConsensusError;
use consensus::primitives::ValidatorIndex;
use consensus::{BeaconState, ChainConfig, Preset};

/// `slash_validator(state, index, whistleblower)`. The proposer of the state's slot gets
/// `wr / PROPOSER_REWARD_QUOTIENT` and the whistleblower (the proposer when `None`) the rest of
/// the whistleblower reward `wr`.
pub fn slash_validator<P: Preset>(
    state: &mut BeaconState<P>,
    index: ValidatorIndex,
    whistleblower: Option<ValidatorIndex>,
    config: &ChainConfig,
) -> Result<(), HelperError> {
    let mut shufflings = ShufflingCache::new();
    let proposer = shufflings
        .ensure(state, get_current_epoch(state), config)?
        .proposer::<P>(&state.validators, state.slot)?;
    let mut queue = ExitQueue::of_state(state);
    slash_validator_with(state, index, whistleblower, proposer, &mut queue)
}

/// [`slash_validator`] with the proposer index and the exit queue supplied by the caller (both
/// are constant, respectively incrementally kept, within one block).
pub fn slash_validator_with<P: Preset>(
    state: &mut BeaconState<P>,
    index: ValidatorIndex,
    whistleblower: Option<ValidatorIndex>,
    proposer: ValidatorIndex,
    queue: &mut ExitQueue,
) -> Result<(), HelperError> {
    let epoch = get_current_epoch(state);
    initiate_validator_exit_with(state, index, queue)?;
    let len = state.validators.len();
    let validator = get_mut(&mut state.validators, to_usize(index)).ok_or(
        HelperError::Consensus(ConsensusError::UnknownValidator { index, len }),
    )?;
    validator.slashed = true;
    let slashing_end =
        epoch
            .checked_add(P::EPOCHS_PER_SLASHINGS_VECTOR)
            .ok_or(HelperError::Overflow {
                rule: "slash_validator",
            })?;
    validator.withdrawable_epoch = validator.withdrawable_epoch.max(slashing_end);
    let effective_balance = validator.effective_balance;

    let position = (epoch % P::EPOCHS_PER_SLASHINGS_VECTOR) as usize;
    let slashed = get_mut(&mut state.slashings, position).ok_or(HelperError::Overflow {
        rule: "slash_validator: slashings position",
    })?;
    *slashed = slashed
        .checked_add(effective_balance)
        .ok_or(HelperError::Overflow {
            rule: "slash_validator",
        })?;
    decrease_balance(
        state,
        index,
        effective_balance / P::MIN_SLASHING_PENALTY_QUOTIENT,
    )?;

    let whistleblower = whistleblower.unwrap_or(proposer);
    let whistleblower_reward = effective_balance / P::WHISTLEBLOWER_REWARD_QUOTIENT;
    let proposer_reward = whistleblower_reward / P::PROPOSER_REWARD_QUOTIENT;
    increase_balance(state, proposer, proposer_reward)?;
    increase_balance(state, whistleblower, whistleblower_reward - proposer_reward)?;
    Ok(())
}
