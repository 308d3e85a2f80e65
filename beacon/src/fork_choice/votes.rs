//! Latest messages as votes: for each validator the root its weight currently sits on in the
//! proto-array and the root it should move to, turned into per-node weight deltas.
//!
//! **Owns** reference 7's `latest_messages` (`{epoch, root}` per validator, updated only for a
//! newer target epoch) and the bookkeeping that makes `get_latest_attesting_balance`
//! incremental: the balances last applied, so a change of balances (a new justified
//! checkpoint state) moves exactly the difference.

use super::proto_array::{ProtoArray, ProtoArrayError};
use consensus::primitives::{Epoch, Gwei, Root, ValidatorIndex};

/// One validator's latest message and where its weight currently sits.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Vote {
    /// The root whose subtree weight includes this validator's balance (as of the last
    /// `compute_deltas`), if any.
    pub current_root: Option<Root>,
    /// `latest_messages[i].root`, if the validator has a latest message.
    pub next_root: Option<Root>,
    /// `latest_messages[i].epoch`.
    pub next_epoch: Epoch,
}

/// The latest messages of all validators, indexed by validator index.
#[derive(Clone, Debug, Default)]
pub struct VoteTracker {
    votes: Vec<Vote>,
}

impl VoteTracker {
    pub fn new() -> Self {
        Self::default()
    }

    /// Reference 7 `on_attestation`'s last step for one validator: record `{epoch, root}` if
    /// the validator has no message yet or `epoch` is newer. Returns whether it did.
    /// `validator` is bounded by the registry the caller checked it against.
    pub fn record_latest_message(
        &mut self,
        validator: ValidatorIndex,
        root: Root,
        epoch: Epoch,
    ) -> bool {
        let Ok(index) = usize::try_from(validator) else {
            return false;
        };
        if index >= self.votes.len() {
            self.votes.resize(index + 1, Vote::default());
        }
        let vote = &mut self.votes[index];
        if vote.next_root.is_none() || epoch > vote.next_epoch {
            vote.next_root = Some(root);
            vote.next_epoch = epoch;
            true
        } else {
            false
        }
    }

    /// `latest_messages[validator]` as `(epoch, root)`.
    pub fn latest_message(&self, validator: ValidatorIndex) -> Option<(Epoch, Root)> {
        let vote = self.votes.get(usize::try_from(validator).ok()?)?;
        vote.next_root.map(|root| (vote.next_epoch, root))
    }

    pub fn votes(&self) -> &[Vote] {
        &self.votes
    }

    /// The per-node deltas that move every vote from its current root (weighted by
    /// `old_balances`) to its next root (weighted by `new_balances`). Roots not in `array`
    /// (pruned) contribute nothing: no remaining node counted them. Validators beyond a
    /// balance list have balance zero there. Once the deltas are applied, call
    /// [`VoteTracker::mark_applied`].
    pub fn compute_deltas(
        &self,
        array: &ProtoArray,
        old_balances: &[Gwei],
        new_balances: &[Gwei],
    ) -> Result<Vec<i128>, ProtoArrayError> {
        let mut deltas = vec![0i128; array.len()];
        for (validator, vote) in self.votes.iter().enumerate() {
            let old = old_balances.get(validator).copied().unwrap_or(0);
            let new = new_balances.get(validator).copied().unwrap_or(0);
            if vote.current_root == vote.next_root && old == new {
                continue;
            }
            if let Some(index) = vote.current_root.and_then(|r| array.index_of(&r)) {
                deltas[index] = deltas[index]
                    .checked_sub(i128::from(old))
                    .ok_or(ProtoArrayError::DeltaOverflow)?;
            }
            if let Some(index) = vote.next_root.and_then(|r| array.index_of(&r)) {
                deltas[index] = deltas[index]
                    .checked_add(i128::from(new))
                    .ok_or(ProtoArrayError::DeltaOverflow)?;
            }
        }
        Ok(deltas)
    }

    /// Records that the deltas of [`VoteTracker::compute_deltas`] were applied: every vote's
    /// weight now sits on its next root.
    pub fn mark_applied(&mut self) {
        for vote in &mut self.votes {
            vote.current_root = vote.next_root;
        }
    }
}
