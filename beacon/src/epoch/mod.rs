//! Epoch processing (reference 6.2): `process_epoch` and its six steps, each a public function
//! named as in the reference, plus the shared helpers (matching attestations, attesting
//! balances, winning crosslinks, base rewards and deltas).
//!
//! `process_epoch` builds one [`EpochContext`] (shufflings of the previous and current epochs,
//! total active balance, attesting indices of every pending attestation) and one participation
//! summary, and hands them to every step; each public step function called alone builds its own.

mod context;
mod crosslinks;
mod final_updates;
mod justification;
mod matching;
mod registry;
mod rewards;
mod slashings;
mod winning_crosslink;

pub use context::EpochContext;
pub use crosslinks::process_crosslinks;
pub use final_updates::process_final_updates;
pub use justification::process_justification_and_finalization;
pub use matching::{
    get_attesting_balance, get_matching_head_attestations, get_matching_source_attestations,
    get_matching_target_attestations, get_unslashed_attesting_indices,
};
pub use registry::process_registry_updates;
pub use rewards::{
    get_attestation_deltas, get_base_reward, get_crosslink_deltas, process_rewards_and_penalties,
    Deltas,
};
pub use slashings::process_slashings;
pub use winning_crosslink::{get_winning_crosslink_and_attesting_indices, WinningCrosslink};

use crate::errors::EpochError;
use consensus::preset::GENESIS_EPOCH;
use consensus::{BeaconState, ChainConfig, Preset};

/// `process_epoch(state)`: the six steps in order, each seeing the previous steps' changes.
pub fn process_epoch<P: Preset>(
    state: &mut BeaconState<P>,
    config: &ChainConfig,
) -> Result<(), EpochError> {
    let ctx = EpochContext::new(state, config)?;
    // The previous epoch's participation feeds both finality and rewards; like the reference,
    // it is evaluated only when one of them runs (not in the genesis epoch).
    let previous = if ctx.current_epoch > GENESIS_EPOCH {
        Some(matching::participation(
            state,
            &ctx,
            ctx.previous_epoch,
            true,
        )?)
    } else {
        None
    };
    if let (Some(previous), true) = (&previous, ctx.current_epoch > GENESIS_EPOCH + 1) {
        let current = matching::participation(state, &ctx, ctx.current_epoch, false)?;
        justification::apply_justification_and_finalization(
            state,
            &ctx,
            previous.target_balance,
            current.target_balance,
        )?;
    }
    crosslinks::process_crosslinks_with(state, &ctx)?;
    if let Some(previous) = &previous {
        rewards::process_rewards_and_penalties_with(state, &ctx, previous)?;
    }
    registry::process_registry_updates_with(state, &ctx)?;
    slashings::process_slashings_with(state, &ctx)?;
    final_updates::process_final_updates_with(state, &ctx)?;
    Ok(())
}
