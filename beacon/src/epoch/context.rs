//! [`EpochContext`]: what every step of one `process_epoch` call shares, computed once at its
//! start — the previous and current shufflings, the total active balance, and the attesting
//! indices of every pending attestation.
//!
//! Valid for the whole call: epoch processing never changes what these depend on before the
//! final updates (active sets of the previous and current epochs, seeds, start shard,
//! effective balances, slashed flags, the pending attestation lists), and the final updates
//! read none of it except the current shuffling's committee count and the next epoch's
//! shuffling. The next epoch's shuffling is fixed from the start too: registry updates schedule
//! activations and exits at `current + 1 + ACTIVATION_EXIT_DELAY` or later, so the next
//! epoch's active set does not change; its seed reads the mix of `next - 2` and the
//! active-index root of `next`, which the final updates do not write (they write `next` and
//! `next + ACTIVATION_EXIT_DELAY`); and its start shard is computed from the unrotated
//! `start_shard`, as the final updates use it.

use crate::attesting::attesting_indices_in;
use crate::balances::gwei_at_least_one;
use crate::errors::{EpochError, HelperError};
use crate::shuffling_cache::ShufflingCache;
use consensus::accessors::validator_at;
use consensus::accessors::{get_current_epoch, get_previous_epoch};
use consensus::committees::EpochShuffling;
use consensus::errors::Error as ConsensusError;
use consensus::primitives::{Epoch, Gwei, ValidatorIndex};
use consensus::{BeaconState, ChainConfig, PendingAttestation, Preset};

/// Attesting indices of one pending attestation (committee order), or why they cannot be
/// computed (reported only if a rule reads them, as in the reference).
pub(crate) type Attesters = Result<Vec<ValidatorIndex>, HelperError>;

/// Shared state of one epoch-processing call.
#[derive(Clone, Debug)]
pub struct EpochContext {
    pub previous_epoch: Epoch,
    pub current_epoch: Epoch,
    pub config: ChainConfig,
    pub(crate) shufflings: ShufflingCache,
    /// `get_total_active_balance(state)`.
    pub total_active_balance: Gwei,
    /// `|get_active_validator_indices(state, current_epoch)|`.
    pub current_active_count: u64,
    pub(crate) previous_attesters: Vec<Attesters>,
    pub(crate) current_attesters: Vec<Attesters>,
}

impl EpochContext {
    pub fn new<P: Preset>(
        state: &BeaconState<P>,
        config: &ChainConfig,
    ) -> Result<Self, EpochError> {
        let previous_epoch = get_previous_epoch(state);
        let current_epoch = get_current_epoch(state);
        let next_epoch = current_epoch.checked_add(1).ok_or(HelperError::Overflow {
            rule: "process_epoch: next epoch",
        })?;
        let mut shufflings = ShufflingCache::new();
        shufflings.ensure_all(state, &[previous_epoch, current_epoch, next_epoch], config)?;
        let current = shufflings.ensure(state, current_epoch, config)?;
        let current_active_count = current.shuffled.len() as u64;
        let mut sum: u128 = 0;
        for &index in &current.shuffled {
            let validator = validator_at(state, index)?;
            sum += u128::from(validator.effective_balance);
        }
        let total_active_balance = gwei_at_least_one(sum, "get_total_active_balance")?;
        let previous_attesters = attesters_of(
            state,
            &state.previous_epoch_attestations,
            &mut shufflings,
            config,
        );
        let current_attesters = attesters_of(
            state,
            &state.current_epoch_attestations,
            &mut shufflings,
            config,
        );
        Ok(Self {
            previous_epoch,
            current_epoch,
            config: config.clone(),
            shufflings,
            total_active_balance,
            current_active_count,
            previous_attesters,
            current_attesters,
        })
    }

    /// The shuffling of the previous or current epoch (or of a pending attestation's target).
    pub fn shuffling(&self, epoch: Epoch) -> Result<&EpochShuffling, ConsensusError> {
        self.shufflings
            .get(epoch)
            .ok_or(ConsensusError::StartShardEpochTooLate {
                epoch,
                max: self.current_epoch.saturating_add(1),
            })
    }
}

fn attesters_of<P: Preset>(
    state: &BeaconState<P>,
    attestations: &[PendingAttestation],
    shufflings: &mut ShufflingCache,
    config: &ChainConfig,
) -> Vec<Attesters> {
    attestations
        .iter()
        .map(|a| {
            let shuffling = shufflings.ensure(state, a.data.target.epoch, config)?;
            attesting_indices_in(
                shuffling.committee(a.data.crosslink.shard)?,
                &a.aggregation_bits,
            )
        })
        .collect()
}
