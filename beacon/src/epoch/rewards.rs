//! `process_rewards_and_penalties` (reference 6.2.3) with `get_base_reward`,
//! `get_attestation_deltas` and `get_crosslink_deltas`.
//!
//! Products the reference computes on unbounded integers (`base · balance`, `eff · delay`) are
//! computed in u128; sums of deltas are checked.

use super::context::EpochContext;
use super::matching::{participation, Participation, HEAD, SOURCE, TARGET};
use super::winning_crosslink::CrosslinkVotes;
use crate::balances::total_balance;
use crate::errors::{EpochError, HelperError};
use crate::util::{get_mut, to_usize, Marker};
use consensus::accessors::is_active_validator;
use consensus::errors::Error as ConsensusError;
use consensus::math::integer_squareroot;
use consensus::preset::{BASE_REWARDS_PER_EPOCH, GENESIS_EPOCH};
use consensus::primitives::{Gwei, ValidatorIndex};
use consensus::{BeaconState, ChainConfig, Preset, Validator};

/// Rewards and penalties per validator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deltas {
    pub rewards: Vec<Gwei>,
    pub penalties: Vec<Gwei>,
}

impl Deltas {
    fn new(n: usize) -> Self {
        Self {
            rewards: vec![0; n],
            penalties: vec![0; n],
        }
    }

    fn reward(&mut self, index: ValidatorIndex, amount: u128) -> Result<(), EpochError> {
        add(&mut self.rewards, index, amount)
    }

    fn penalize(&mut self, index: ValidatorIndex, amount: u128) -> Result<(), EpochError> {
        add(&mut self.penalties, index, amount)
    }
}

fn add(list: &mut [Gwei], index: ValidatorIndex, amount: u128) -> Result<(), EpochError> {
    let len = list.len();
    let slot = list
        .get_mut(to_usize(index))
        .ok_or(ConsensusError::UnknownValidator { index, len })?;
    let amount = Gwei::try_from(amount).map_err(|_| overflow())?;
    *slot = slot.checked_add(amount).ok_or_else(overflow)?;
    Ok(())
}

fn overflow() -> EpochError {
    EpochError::Helper(HelperError::Overflow {
        rule: "process_rewards_and_penalties",
    })
}

/// `get_base_reward` given `integer_squareroot(total_active_balance)`.
fn base_reward<P: Preset>(validator: &Validator, sqrt_total: u64) -> Result<Gwei, EpochError> {
    let reward = u128::from(validator.effective_balance) * u128::from(P::BASE_REWARD_FACTOR)
        / u128::from(sqrt_total.max(1))
        / u128::from(BASE_REWARDS_PER_EPOCH);
    Gwei::try_from(reward).map_err(|_| overflow())
}

/// `get_base_reward(state, index)` = `eff · BASE_REWARD_FACTOR // isqrt(total active balance)
/// // BASE_REWARDS_PER_EPOCH`.
pub fn get_base_reward<P: Preset>(
    state: &BeaconState<P>,
    index: ValidatorIndex,
) -> Result<Gwei, EpochError> {
    let total = crate::balances::get_total_active_balance(state)?;
    let validator = consensus::accessors::validator_at(state, index)?;
    base_reward::<P>(validator, integer_squareroot(total))
}

/// `get_attestation_deltas(state)`.
pub fn get_attestation_deltas<P: Preset>(
    state: &BeaconState<P>,
    config: &ChainConfig,
) -> Result<Deltas, EpochError> {
    let ctx = EpochContext::new(state, config)?;
    let previous = participation(state, &ctx, ctx.previous_epoch, true)?;
    attestation_deltas(state, &ctx, &previous)
}

/// `get_crosslink_deltas(state)`.
pub fn get_crosslink_deltas<P: Preset>(
    state: &BeaconState<P>,
    config: &ChainConfig,
) -> Result<Deltas, EpochError> {
    let ctx = EpochContext::new(state, config)?;
    crosslink_deltas(state, &ctx)
}

pub(crate) fn attestation_deltas<P: Preset>(
    state: &BeaconState<P>,
    ctx: &EpochContext,
    previous: &Participation,
) -> Result<Deltas, EpochError> {
    let n = state.validators.len();
    let previous_epoch = ctx.previous_epoch;
    let total = u128::from(ctx.total_active_balance);
    let sqrt_total = integer_squareroot(ctx.total_active_balance);
    let mut deltas = Deltas::new(n);

    let matches = [
        (SOURCE, previous.source_balance),
        (TARGET, previous.target_balance),
        (HEAD, previous.head_balance),
    ];
    let finality_delay = previous_epoch
        .checked_sub(state.finalized_checkpoint.epoch)
        .ok_or_else(overflow)?;
    let inactivity_leak = finality_delay > P::MIN_EPOCHS_TO_INACTIVITY_PENALTY;

    for (i, validator) in state.validators.iter().enumerate() {
        let index = i as ValidatorIndex;
        let flags = previous.flags.get(i).copied().unwrap_or(0);
        let base = base_reward::<P>(validator, sqrt_total)?;
        let eligible = is_active_validator(validator, previous_epoch)
            || (validator.slashed
                && u128::from(previous_epoch) + 1 < u128::from(validator.withdrawable_epoch));
        if eligible {
            // Micro-incentives for matching FFG source, FFG target, and head.
            for (flag, attesting_balance) in matches {
                if flags & flag != 0 {
                    deltas.reward(
                        index,
                        u128::from(base) * u128::from(attesting_balance) / total,
                    )?;
                } else {
                    deltas.penalize(index, u128::from(base))?;
                }
            }
            // Inactivity penalty.
            if inactivity_leak {
                deltas.penalize(index, u128::from(BASE_REWARDS_PER_EPOCH) * u128::from(base))?;
                if flags & TARGET == 0 {
                    deltas.penalize(
                        index,
                        u128::from(validator.effective_balance) * u128::from(finality_delay)
                            / u128::from(P::INACTIVITY_PENALTY_QUOTIENT),
                    )?;
                }
            }
        }
        // Proposer and inclusion delay micro-rewards.
        if flags & SOURCE != 0 {
            let inclusion = previous.inclusion.get(i).copied().ok_or_else(overflow)?;
            let proposer_reward = base / P::PROPOSER_REWARD_QUOTIENT;
            if to_usize(inclusion.proposer) >= n {
                return Err(EpochError::UnknownProposer {
                    rule: "get_attestation_deltas",
                    position: i,
                    proposer: inclusion.proposer,
                    len: n,
                });
            }
            deltas.reward(inclusion.proposer, u128::from(proposer_reward))?;
            let max_attester_reward = base - proposer_reward;
            let factor = (P::SLOTS_PER_EPOCH + P::MIN_ATTESTATION_INCLUSION_DELAY)
                .checked_sub(inclusion.delay)
                .ok_or_else(overflow)?;
            deltas.reward(
                index,
                u128::from(max_attester_reward) * u128::from(factor)
                    / u128::from(P::SLOTS_PER_EPOCH),
            )?;
        }
    }
    Ok(deltas)
}

pub(crate) fn crosslink_deltas<P: Preset>(
    state: &BeaconState<P>,
    ctx: &EpochContext,
) -> Result<Deltas, EpochError> {
    let n = state.validators.len();
    let sqrt_total = integer_squareroot(ctx.total_active_balance);
    let mut deltas = Deltas::new(n);
    let votes = CrosslinkVotes::new(state, ctx, ctx.previous_epoch)?;
    let shuffling = ctx.shuffling(ctx.previous_epoch)?;
    let mut marker = Marker::new(n);
    for shard in shuffling.shards() {
        let committee = shuffling.committee(shard)?;
        let winner = votes.winning(state, ctx, shard, &mut marker)?;
        let attesting_balance = u128::from(winner.attesting_balance);
        let committee_balance =
            u128::from(total_balance(&state.validators, committee.iter().copied())?);
        marker.clear();
        for &index in &winner.attesting_indices {
            marker.insert(index);
        }
        for &index in committee {
            let validator = state
                .validators
                .get(to_usize(index))
                .ok_or(ConsensusError::UnknownValidator { index, len: n })?;
            let base = base_reward::<P>(validator, sqrt_total)?;
            if marker.contains(index) {
                deltas.reward(
                    index,
                    u128::from(base) * attesting_balance / committee_balance,
                )?;
            } else {
                deltas.penalize(index, u128::from(base))?;
            }
        }
    }
    Ok(deltas)
}

/// `process_rewards_and_penalties(state)`: nothing in the genesis epoch.
pub fn process_rewards_and_penalties<P: Preset>(
    state: &mut BeaconState<P>,
    config: &ChainConfig,
) -> Result<(), EpochError> {
    if state.slot / P::SLOTS_PER_EPOCH == GENESIS_EPOCH {
        return Ok(());
    }
    let ctx = EpochContext::new(state, config)?;
    let previous = participation(state, &ctx, ctx.previous_epoch, true)?;
    process_rewards_and_penalties_with(state, &ctx, &previous)
}

pub(crate) fn process_rewards_and_penalties_with<P: Preset>(
    state: &mut BeaconState<P>,
    ctx: &EpochContext,
    previous: &Participation,
) -> Result<(), EpochError> {
    if ctx.current_epoch == GENESIS_EPOCH {
        return Ok(());
    }
    let attestation = attestation_deltas(state, ctx, previous)?;
    let crosslink = crosslink_deltas(state, ctx)?;
    let n = state.validators.len();
    if state.balances.len() < n {
        return Err(EpochError::BalancesLength {
            rule: "process_rewards_and_penalties",
            validators: n,
            balances: state.balances.len(),
        });
    }
    for i in 0..n {
        let reward = attestation.rewards[i]
            .checked_add(crosslink.rewards[i])
            .ok_or_else(overflow)?;
        let penalty = attestation.penalties[i]
            .checked_add(crosslink.penalties[i])
            .ok_or_else(overflow)?;
        let balance = get_mut(&mut state.balances, i).ok_or_else(overflow)?;
        *balance = balance.checked_add(reward).ok_or_else(overflow)?;
        *balance = balance.saturating_sub(penalty);
    }
    Ok(())
}
