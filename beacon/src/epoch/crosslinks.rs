//! `process_crosslinks` (reference 6.2.2): for the previous then the current epoch, every
//! shard with a committee takes its winning crosslink when 2/3 of the committee's balance
//! attested to it. Shards come from the active shard count (design D4).

use super::context::EpochContext;
use super::winning_crosslink::CrosslinkVotes;
use crate::balances::total_balance;
use crate::errors::EpochError;
use crate::util::{get_mut, to_usize, Marker};
use consensus::errors::Error as ConsensusError;
use consensus::{BeaconState, ChainConfig, Preset};

/// `process_crosslinks(state)`.
pub fn process_crosslinks<P: Preset>(
    state: &mut BeaconState<P>,
    config: &ChainConfig,
) -> Result<(), EpochError> {
    let ctx = EpochContext::new(state, config)?;
    process_crosslinks_with(state, &ctx)
}

pub(crate) fn process_crosslinks_with<P: Preset>(
    state: &mut BeaconState<P>,
    ctx: &EpochContext,
) -> Result<(), EpochError> {
    state.previous_crosslinks = state.current_crosslinks.clone();
    let mut marker = Marker::new(state.validators.len());
    for epoch in [ctx.previous_epoch, ctx.current_epoch] {
        let votes = CrosslinkVotes::new(state, ctx, epoch)?;
        let shuffling = ctx.shuffling(epoch)?;
        for shard in shuffling.shards() {
            let committee = shuffling.committee(shard)?;
            let winner = votes.winning(state, ctx, shard, &mut marker)?;
            let committee_balance = total_balance(&state.validators, committee.iter().copied())?;
            if 3 * u128::from(winner.attesting_balance) >= 2 * u128::from(committee_balance) {
                let slot = get_mut(&mut state.current_crosslinks, to_usize(shard)).ok_or(
                    ConsensusError::ShardOutOfRange {
                        shard,
                        active: P::SHARD_COUNT,
                    },
                )?;
                *slot = winner.crosslink;
            }
        }
    }
    Ok(())
}
