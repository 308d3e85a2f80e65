//! `initiate_validator_exit` (reference 4.5) and [`ExitQueue`], the exit queue it reads,
//! maintained incrementally so that many exits in one block or epoch cost O(1) each.

use crate::errors::HelperError;
use crate::util::{get_mut, to_usize};
use consensus::accessors::{
    compute_activation_exit_epoch, get_active_validator_indices, get_current_epoch,
};
use consensus::errors::Error as ConsensusError;
use consensus::preset::FAR_FUTURE_EPOCH;
use consensus::primitives::{Epoch, ValidatorIndex};
use consensus::{BeaconState, Preset, Validator};

/// The latest scheduled exit epoch, how many validators exit then, and the churn limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExitQueue {
    latest: Option<Epoch>,
    count_at_latest: u64,
    churn_limit: u64,
}

/// `get_validator_churn_limit` from the number of active validators of the current epoch.
pub fn churn_limit<P: Preset>(active_validators: u64) -> u64 {
    P::MIN_PER_EPOCH_CHURN_LIMIT.max(active_validators / P::CHURN_LIMIT_QUOTIENT)
}

impl ExitQueue {
    /// Scans the registry once; `churn_limit` is `get_validator_churn_limit(state)`.
    pub fn new(validators: &[Validator], churn_limit: u64) -> Self {
        let mut queue = Self {
            latest: None,
            count_at_latest: 0,
            churn_limit,
        };
        for v in validators {
            if v.exit_epoch != FAR_FUTURE_EPOCH {
                queue.record(v.exit_epoch);
            }
        }
        queue
    }

    /// The queue of `state`, with the churn limit computed from its current active set.
    pub fn of_state<P: Preset>(state: &BeaconState<P>) -> Self {
        let active = get_active_validator_indices(state, get_current_epoch(state)).len() as u64;
        Self::new(&state.validators, churn_limit::<P>(active))
    }

    fn record(&mut self, epoch: Epoch) {
        match self.latest {
            Some(latest) if latest == epoch => self.count_at_latest += 1,
            Some(latest) if latest > epoch => {}
            _ => {
                self.latest = Some(epoch);
                self.count_at_latest = 1;
            }
        }
    }

    /// The exit epoch the next exiting validator gets at `current_epoch`.
    fn next_exit_epoch<P: Preset>(&self, current_epoch: Epoch) -> Result<Epoch, HelperError> {
        let floor = compute_activation_exit_epoch::<P>(current_epoch)?;
        let epoch = self.latest.map_or(floor, |latest| latest.max(floor));
        let count = if self.latest == Some(epoch) {
            self.count_at_latest
        } else {
            0
        };
        if count >= self.churn_limit {
            epoch.checked_add(1).ok_or(HelperError::Overflow {
                rule: "initiate_validator_exit",
            })
        } else {
            Ok(epoch)
        }
    }
}

/// `initiate_validator_exit(state, index)`: schedules the exit through the exit queue, unless
/// the validator already exits. Scans the registry for the queue; see
/// [`initiate_validator_exit_with`] for repeated calls.
pub fn initiate_validator_exit<P: Preset>(
    state: &mut BeaconState<P>,
    index: ValidatorIndex,
) -> Result<(), HelperError> {
    let mut queue = ExitQueue::of_state(state);
    initiate_validator_exit_with(state, index, &mut queue)
}

/// [`initiate_validator_exit`] with a queue kept by the caller across calls.
pub fn initiate_validator_exit_with<P: Preset>(
    state: &mut BeaconState<P>,
    index: ValidatorIndex,
    queue: &mut ExitQueue,
) -> Result<(), HelperError> {
    let current_epoch = get_current_epoch(state);
    let len = state.validators.len();
    let validator = get_mut(&mut state.validators, to_usize(index)).ok_or(
        HelperError::Consensus(ConsensusError::UnknownValidator { index, len }),
    )?;
    if validator.exit_epoch != FAR_FUTURE_EPOCH {
        return Ok(());
    }
    let exit_epoch = queue.next_exit_epoch::<P>(current_epoch)?;
    let withdrawable_epoch = exit_epoch
        .checked_add(P::MIN_VALIDATOR_WITHDRAWABILITY_DELAY)
        .ok_or(HelperError::Overflow {
            rule: "initiate_validator_exit",
        })?;
    validator.exit_epoch = exit_epoch;
    validator.withdrawable_epoch = withdrawable_epoch;
    queue.record(exit_epoch);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use consensus::Minimal;

    fn active_state(n: usize) -> BeaconState<Minimal> {
        let mut state = BeaconState::<Minimal>::default();
        for _ in 0..n {
            state.validators.make_mut().push(Validator {
                effective_balance: 32_000_000_000,
                activation_epoch: 0,
                exit_epoch: FAR_FUTURE_EPOCH,
                withdrawable_epoch: FAR_FUTURE_EPOCH,
                ..Validator::default()
            });
            state.balances.make_mut().push(32_000_000_000);
        }
        state
    }

    #[test]
    fn exit_queue_respects_churn_and_matches_rescan() {
        // Churn limit 4 (minimal): exits 0..3 at epoch 5, 4..7 at 6, 8 at 7.
        let mut fast = active_state(10);
        let mut slow = fast.clone();
        let mut queue = ExitQueue::of_state(&fast);
        for i in 0..9 {
            initiate_validator_exit_with(&mut fast, i, &mut queue).unwrap();
            initiate_validator_exit(&mut slow, i).unwrap();
        }
        assert_eq!(fast, slow);
        let exits: Vec<u64> = fast.validators.iter().map(|v| v.exit_epoch).collect();
        assert_eq!(&exits[..9], &[5, 5, 5, 5, 6, 6, 6, 6, 7]);
        assert_eq!(fast.validators[0].withdrawable_epoch, 5 + 256);
        // An exiting validator keeps its exit epoch.
        initiate_validator_exit(&mut slow, 0).unwrap();
        assert_eq!(slow.validators[0].exit_epoch, 5);
        assert!(initiate_validator_exit(&mut slow, 10).is_err());
    }
}
