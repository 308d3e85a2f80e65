//! `get_winning_crosslink_and_attesting_indices` (reference 6.2): among one epoch's matching
//! source attestations for a shard, the candidate crosslink with the most unslashed attesting
//! balance (ties: larger `data_root`, then first seen).
//!
//! [`CrosslinkVotes`] groups an epoch's votes by shard once; it copies the crosslinks it needs,
//! so `process_crosslinks` can update `current_crosslinks` between shards, as the reference does
//! (the candidate filter reads the crosslinks as they are at each shard's turn).

use super::context::EpochContext;
use super::matching::matching_source;
use crate::balances::gwei_at_least_one;
use crate::errors::EpochError;
use crate::util::{to_usize, Marker};
use consensus::accessors::validator_at;
use consensus::errors::Error as ConsensusError;
use consensus::primitives::{Epoch, Gwei, Root, Shard, ValidatorIndex};
use consensus::sszx::hash_tree_root;
use consensus::{BeaconState, ChainConfig, Crosslink, Preset};
use std::collections::BTreeMap;

/// One matching-source attestation's crosslink vote.
#[derive(Clone, Debug)]
struct Vote {
    crosslink: Crosslink,
    crosslink_root: Root,
    /// Position in the matching-source list (and in the context's attesters).
    position: usize,
}

/// The crosslink votes of one epoch, grouped by shard (list order kept within a shard).
#[derive(Clone, Debug)]
pub(crate) struct CrosslinkVotes {
    epoch: Epoch,
    by_shard: BTreeMap<Shard, Vec<Vote>>,
}

/// The winning crosslink of a shard and its unslashed attesting indices.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WinningCrosslink {
    pub crosslink: Crosslink,
    pub attesting_indices: Vec<ValidatorIndex>,
    /// `get_total_balance(attesting_indices)`.
    pub attesting_balance: Gwei,
}

impl CrosslinkVotes {
    pub(crate) fn new<P: Preset>(
        state: &BeaconState<P>,
        ctx: &EpochContext,
        epoch: Epoch,
    ) -> Result<Self, EpochError> {
        let (attestations, _) = matching_source(state, ctx, epoch)?;
        let mut by_shard: BTreeMap<Shard, Vec<Vote>> = BTreeMap::new();
        for (position, a) in attestations.iter().enumerate() {
            by_shard
                .entry(a.data.crosslink.shard)
                .or_default()
                .push(Vote {
                    crosslink: a.data.crosslink.clone(),
                    crosslink_root: hash_tree_root(&a.data.crosslink),
                    position,
                });
        }
        Ok(Self { epoch, by_shard })
    }

    /// `get_winning_crosslink_and_attesting_indices(state, epoch, shard)` against the state's
    /// current crosslinks as they are now.
    pub(crate) fn winning<P: Preset>(
        &self,
        state: &BeaconState<P>,
        ctx: &EpochContext,
        shard: Shard,
        marker: &mut Marker,
    ) -> Result<WinningCrosslink, EpochError> {
        let empty = Vec::new();
        let votes = self.by_shard.get(&shard).unwrap_or(&empty);
        let current = state.current_crosslinks.get(to_usize(shard)).ok_or(
            ConsensusError::ShardOutOfRange {
                shard,
                active: P::SHARD_COUNT,
            },
        )?;
        let current_root = hash_tree_root(current);
        // Distinct candidates in first-seen order; Python's max keeps the first maximum.
        let mut best: Option<(Gwei, &Crosslink)> = None;
        let mut seen: Vec<&Crosslink> = Vec::new();
        for vote in votes {
            let candidate =
                vote.crosslink.parent_root == current_root || vote.crosslink_root == current_root;
            if !candidate || seen.contains(&&vote.crosslink) {
                continue;
            }
            seen.push(&vote.crosslink);
            let (_, balance) = self.supporters(state, ctx, votes, &vote.crosslink, marker)?;
            let better = match best {
                None => true,
                Some((best_balance, best_crosslink)) => {
                    (balance, vote.crosslink.data_root) > (best_balance, best_crosslink.data_root)
                }
            };
            if better {
                best = Some((balance, &vote.crosslink));
            }
        }
        let crosslink = best.map(|(_, c)| c.clone()).unwrap_or_default();
        let (attesting_indices, attesting_balance) =
            self.supporters(state, ctx, votes, &crosslink, marker)?;
        Ok(WinningCrosslink {
            crosslink,
            attesting_indices,
            attesting_balance,
        })
    }

    /// Unslashed attesting indices (and their total balance) of the votes for `crosslink`.
    fn supporters<P: Preset>(
        &self,
        state: &BeaconState<P>,
        ctx: &EpochContext,
        votes: &[Vote],
        crosslink: &Crosslink,
        marker: &mut Marker,
    ) -> Result<(Vec<ValidatorIndex>, Gwei), EpochError> {
        let (_, attesters) = matching_source(state, ctx, self.epoch)?;
        marker.clear();
        let mut indices = Vec::new();
        let mut sum: u128 = 0;
        for vote in votes.iter().filter(|v| &v.crosslink == crosslink) {
            let members = attesters
                .get(vote.position)
                .ok_or(ConsensusError::Overflow {
                    rule: "get_winning_crosslink_and_attesting_indices: vote position",
                })?
                .as_ref()
                .map_err(|e| EpochError::Helper(e.clone()))?;
            for &index in members {
                let validator = validator_at(state, index)?;
                if !validator.slashed && marker.insert(index) {
                    indices.push(index);
                    sum += u128::from(validator.effective_balance);
                }
            }
        }
        let balance = gwei_at_least_one(sum, "get_attesting_balance")?;
        Ok((indices, balance))
    }
}

/// `get_winning_crosslink_and_attesting_indices(state, epoch, shard)`: the winner and its
/// unslashed attesting indices, ascending.
pub fn get_winning_crosslink_and_attesting_indices<P: Preset>(
    state: &BeaconState<P>,
    epoch: Epoch,
    shard: Shard,
    config: &ChainConfig,
) -> Result<(Crosslink, Vec<ValidatorIndex>), EpochError> {
    let ctx = EpochContext::new(state, config)?;
    let votes = CrosslinkVotes::new(state, &ctx, epoch)?;
    let mut marker = Marker::new(state.validators.len());
    let mut winner = votes.winning(state, &ctx, shard, &mut marker)?;
    winner.attesting_indices.sort_unstable();
    Ok((winner.crosslink, winner.attesting_indices))
}
