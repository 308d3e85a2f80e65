//! `process_justification_and_finalization` (reference 6.2.1): Casper FFG over the previous
//! and current epochs' target votes.

use super::context::EpochContext;
use super::matching::participation;
use crate::errors::EpochError;
use crate::util::{bits_to_byte, byte_to_bits};
use consensus::accessors::get_block_root;
use consensus::preset::GENESIS_EPOCH;
use consensus::primitives::Gwei;
use consensus::{BeaconState, ChainConfig, Checkpoint, Preset};

/// `process_justification_and_finalization(state)`.
pub fn process_justification_and_finalization<P: Preset>(
    state: &mut BeaconState<P>,
    config: &ChainConfig,
) -> Result<(), EpochError> {
    if state.slot / P::SLOTS_PER_EPOCH <= GENESIS_EPOCH + 1 {
        return Ok(());
    }
    let ctx = EpochContext::new(state, config)?;
    let previous_target = participation(state, &ctx, ctx.previous_epoch, false)?.target_balance;
    let current_target = participation(state, &ctx, ctx.current_epoch, false)?.target_balance;
    apply_justification_and_finalization(state, &ctx, previous_target, current_target)
}

/// The rule itself, given the target attesting balances of the previous and current epochs.
pub(crate) fn apply_justification_and_finalization<P: Preset>(
    state: &mut BeaconState<P>,
    ctx: &EpochContext,
    previous_target_balance: Gwei,
    current_target_balance: Gwei,
) -> Result<(), EpochError> {
    let previous_epoch = ctx.previous_epoch;
    let current_epoch = ctx.current_epoch;
    if current_epoch <= GENESIS_EPOCH + 1 {
        return Ok(());
    }
    let total = u128::from(ctx.total_active_balance);
    let old_previous_justified = state.previous_justified_checkpoint.clone();
    let old_current_justified = state.current_justified_checkpoint.clone();

    // Process justifications.
    state.previous_justified_checkpoint = state.current_justified_checkpoint.clone();
    let mut bits = (bits_to_byte(&state.justification_bits) << 1) & 0x0f;
    if 3 * u128::from(previous_target_balance) >= 2 * total {
        state.current_justified_checkpoint = Checkpoint {
            epoch: previous_epoch,
            root: get_block_root(state, previous_epoch)?,
        };
        bits |= 0b10;
    }
    if 3 * u128::from(current_target_balance) >= 2 * total {
        state.current_justified_checkpoint = Checkpoint {
            epoch: current_epoch,
            root: get_block_root(state, current_epoch)?,
        };
        bits |= 0b01;
    }
    state.justification_bits = byte_to_bits(bits);

    // Process finalizations: later rules overwrite earlier ones.
    let all_set = |mask: u8| bits & mask == mask;
    let plus = |epoch: u64, k: u64| epoch.checked_add(k);
    // 2nd/3rd/4th most recent epochs justified, the 2nd using the 4th as source.
    if all_set(0b1110) && plus(old_previous_justified.epoch, 3) == Some(current_epoch) {
        state.finalized_checkpoint = old_previous_justified.clone();
    }
    // 2nd/3rd most recent epochs justified, the 2nd using the 3rd as source.
    if all_set(0b0110) && plus(old_previous_justified.epoch, 2) == Some(current_epoch) {
        state.finalized_checkpoint = old_previous_justified;
    }
    // 1st/2nd/3rd most recent epochs justified, the 1st using the 3rd as source.
    if all_set(0b0111) && plus(old_current_justified.epoch, 2) == Some(current_epoch) {
        state.finalized_checkpoint = old_current_justified.clone();
    }
    // 1st/2nd most recent epochs justified, the 1st using the 2nd as source.
    if all_set(0b0011) && plus(old_current_justified.epoch, 1) == Some(current_epoch) {
        state.finalized_checkpoint = old_current_justified;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::genesis::genesis_from_config;
    use consensus::primitives::Root;
    use consensus::Minimal;

    /// The interop genesis of 64 validators moved to the last slot of `epoch`, with distinct
    /// block roots and checkpoints justified at epochs 2 (previous) and 3 (current).
    fn state_at(epoch: u64) -> (BeaconState<Minimal>, EpochContext) {
        let config = ChainConfig {
            validator_count: 64,
            ..ChainConfig::reference::<Minimal>()
        };
        let mut state = genesis_from_config::<Minimal>(&config).unwrap();
        state.slot = epoch * 8 + 7;
        for i in 0..64 {
            state.block_roots[i] = Root::new([i as u8 + 1; 32]);
        }
        state.previous_justified_checkpoint = Checkpoint {
            epoch: 2,
            root: Root::new([2; 32]),
        };
        state.current_justified_checkpoint = Checkpoint {
            epoch: 3,
            root: Root::new([3; 32]),
        };
        state.justification_bits = byte_to_bits(0b0011);
        let ctx = EpochContext::new(&state, &config).unwrap();
        (state, ctx)
    }

    #[test]
    fn rule_123_finalizes_the_old_current_justified() {
        let (mut state, ctx) = state_at(5);
        let total = ctx.total_active_balance;
        apply_justification_and_finalization(&mut state, &ctx, total, total).unwrap();
        assert_eq!(bits_to_byte(&state.justification_bits), 0b0111);
        assert_eq!(state.previous_justified_checkpoint.epoch, 3);
        assert_eq!(
            state.current_justified_checkpoint,
            Checkpoint {
                epoch: 5,
                root: get_block_root(&state, 5).unwrap()
            }
        );
        // Rule 123: bits 0, 1, 2 set and the old current justified epoch + 2 == 5.
        assert_eq!(
            state.finalized_checkpoint,
            Checkpoint {
                epoch: 3,
                root: Root::new([3; 32])
            }
        );
    }

    #[test]
    fn two_thirds_threshold_is_inclusive() {
        let (state, ctx) = state_at(5);
        let total = ctx.total_active_balance;
        assert_eq!(total, 64 * 32_000_000_000);
        let just_enough = (2 * total).div_ceil(3);
        let mut justified = state.clone();
        apply_justification_and_finalization(&mut justified, &ctx, 1, just_enough).unwrap();
        assert_eq!(bits_to_byte(&justified.justification_bits), 0b0111);
        let mut short = state;
        apply_justification_and_finalization(&mut short, &ctx, 1, just_enough - 1).unwrap();
        assert_eq!(bits_to_byte(&short.justification_bits), 0b0110);
        assert_eq!(
            short.current_justified_checkpoint.epoch, 3,
            "nothing new justified"
        );
        // Rule 23 needs the old previous justified epoch + 2 == 5: not met, nothing final.
        assert_eq!(short.finalized_checkpoint, Checkpoint::default());
    }

    #[test]
    fn skipped_in_the_first_two_epochs() {
        let (mut state, ctx) = state_at(1);
        let before = state.clone();
        let total = ctx.total_active_balance;
        apply_justification_and_finalization(&mut state, &ctx, total, total).unwrap();
        assert_eq!(state, before);
    }
}
