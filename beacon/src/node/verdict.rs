//! How a gossip message was judged (gossipsub's accept / ignore / reject) and why, as types.
//!
//! A runtime turns a [`Verdict`] into gossipsub's validation result (and so into peer scores)
//! and counts it by [`Verdict::label`]; the simulator counts the same verdicts. [`Refusal`] is
//! the node's inner form: a block or attestation that was not taken, including the case where
//! it waits for a missing block.

use super::errors::{AttestationRejection, Object, ShardBlockRejection};
use crate::fork_choice::ForkChoiceError;
use consensus::errors::Error as ConsensusError;
use consensus::primitives::{Epoch, Root, Slot};
use networking::WireError;

/// One verdict per gossip message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Valid and new: forward it.
    Accept,
    /// Not forwarded, no penalty (duplicate, too old, not useful now).
    Ignore(IgnoreReason),
    /// Invalid: not forwarded, and the sender is penalised. The reason names the failed rule.
    Reject(RejectReason),
}

impl Verdict {
    pub fn is_reject(&self) -> bool {
        matches!(self, Verdict::Reject(_))
    }

    /// `accept`, `ignore` or `reject`.
    pub fn kind(&self) -> &'static str {
        match self {
            Verdict::Accept => "accept",
            Verdict::Ignore(_) => "ignore",
            Verdict::Reject(_) => "reject",
        }
    }

    /// A short stable name of the reason (`accept` for an accepted message), for metric labels.
    pub fn label(&self) -> &'static str {
        match self {
            Verdict::Accept => "accept",
            Verdict::Ignore(reason) => reason.label(),
            Verdict::Reject(reason) => reason.label(),
        }
    }
}

/// Why a message is not forwarded, without blame.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IgnoreReason {
    #[error("{object} already known")]
    Known { object: Object },
    #[error("{object} of future slot {slot} (the current slot is {current})")]
    FutureSlot {
        object: Object,
        slot: Slot,
        current: Slot,
    },
    #[error("{object} of slot {slot} is not after the finalized slot {finalized_slot}")]
    NotAfterFinalized {
        object: Object,
        slot: Slot,
        finalized_slot: Slot,
    },
    #[error("{object} builds on block {parent}, which is below the finalized block")]
    ParentBelowFinalized { object: Object, parent: Root },
    #[error("{object} waits for block {root}: fetching it")]
    MissingBlock { object: Object, root: Root },
    #[error(
        "attestation target epoch {target} is neither the current ({current}) nor the previous"
    )]
    TargetEpochOutOfRange { target: Epoch, current: Epoch },
    #[error("every attester already known")]
    AttestersKnown,
    #[error("no new admissible transaction")]
    NoNewTransactions,
    /// A slashing or exit already pooled, or one that adds nothing (every offender already
    /// slashed, the validator already exiting): nothing to forward.
    #[error("{kind}: already pooled or already applied")]
    OperationKnown { kind: &'static str },
    #[error("{object}: the state of block {root} is unavailable")]
    StateUnavailable { object: Object, root: Root },
    #[error("{object}: the shuffling cannot be computed: {source}")]
    Shuffling {
        object: Object,
        source: ConsensusError,
    },
    /// Fork choice will not take the block now (not a descendant of the finalized block).
    #[error("beacon block: {0}")]
    ForkChoice(ForkChoiceError),
}

impl IgnoreReason {
    pub fn label(&self) -> &'static str {
        match self {
            IgnoreReason::Known { .. } => "known",
            IgnoreReason::FutureSlot { .. } => "future_slot",
            IgnoreReason::NotAfterFinalized { .. } => "not_after_finalized",
            IgnoreReason::ParentBelowFinalized { .. } => "parent_below_finalized",
            IgnoreReason::MissingBlock { .. } => "missing_block",
            IgnoreReason::TargetEpochOutOfRange { .. } => "target_epoch_out_of_range",
            IgnoreReason::AttestersKnown => "attesters_known",
            IgnoreReason::NoNewTransactions => "no_new_transactions",
            IgnoreReason::OperationKnown { .. } => "operation_known",
            IgnoreReason::StateUnavailable { .. } => "state_unavailable",
            IgnoreReason::Shuffling { .. } => "shuffling_unavailable",
            IgnoreReason::ForkChoice(_) => "not_descendant_of_finalized",
        }
    }
}

/// Why a message is invalid; its sender is penalised.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RejectReason {
    /// The bytes do not decode within the topic's limit, or belong on another topic.
    #[error(transparent)]
    Decode(#[from] WireError),
    /// The state transition (or fork choice's `on_block`) refused the block.
    #[error("beacon block: {0}")]
    BeaconBlock(ForkChoiceError),
    #[error(transparent)]
    Attestation(#[from] AttestationRejection),
    #[error(transparent)]
    ShardBlock(#[from] ShardBlockRejection),
    #[error("verify_transaction_signature: transaction {position} of the message does not verify")]
    TransactionSignature { position: usize },
    /// `process_proposer_slashing` refused it on the head state.
    #[error(transparent)]
    ProposerSlashing(#[from] crate::errors::ProposerSlashingError),
    /// `process_attester_slashing` refused it on the head state.
    #[error(transparent)]
    AttesterSlashing(#[from] crate::errors::AttesterSlashingError),
    /// `process_voluntary_exit` refused it on the head state.
    #[error(transparent)]
    VoluntaryExit(#[from] crate::errors::VoluntaryExitError),
}

impl RejectReason {
    pub fn label(&self) -> &'static str {
        match self {
            RejectReason::Decode(error) => error.label(),
            RejectReason::BeaconBlock(_) => "beacon_block_invalid",
            RejectReason::Attestation(reason) => reason.label(),
            RejectReason::ShardBlock(reason) => reason.label(),
            RejectReason::TransactionSignature { .. } => "transaction_bad_signature",
            RejectReason::ProposerSlashing(_) => "proposer_slashing_invalid",
            RejectReason::AttesterSlashing(_) => "attester_slashing_invalid",
            RejectReason::VoluntaryExit(_) => "voluntary_exit_invalid",
        }
    }
}

/// Why the node did not take a block or an attestation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// A block it needs is missing (a block waits for it; an attestation is dropped).
    Missing(Root),
    Ignore(IgnoreReason),
    Reject(RejectReason),
}

impl Refusal {
    /// The verdict for a message refused for this reason; `object` names it when it waits.
    pub fn verdict(self, object: Object) -> Verdict {
        match self {
            Refusal::Missing(root) => Verdict::Ignore(IgnoreReason::MissingBlock { object, root }),
            Refusal::Ignore(reason) => Verdict::Ignore(reason),
            Refusal::Reject(reason) => Verdict::Reject(reason),
        }
    }
}

impl From<IgnoreReason> for Refusal {
    fn from(reason: IgnoreReason) -> Self {
        Refusal::Ignore(reason)
    }
}

impl From<RejectReason> for Refusal {
    fn from(reason: RejectReason) -> Self {
        Refusal::Reject(reason)
    }
}

impl From<ShardBlockRejection> for Refusal {
    fn from(reason: ShardBlockRejection) -> Self {
        Refusal::Reject(reason.into())
    }
}

impl From<AttestationRejection> for Refusal {
    fn from(reason: AttestationRejection) -> Self {
        Refusal::Reject(reason.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_stable_names() {
        let verdicts = [
            (Verdict::Accept, "accept", "accept"),
            (
                Verdict::Ignore(IgnoreReason::Known {
                    object: Object::ShardBlock,
                }),
                "ignore",
                "known",
            ),
            (
                Verdict::Reject(RejectReason::Decode(WireError::ZeroStep)),
                "reject",
                "zero_step",
            ),
            (
                Verdict::Reject(RejectReason::TransactionSignature { position: 3 }),
                "reject",
                "transaction_bad_signature",
            ),
        ];
        for (verdict, kind, label) in verdicts {
            assert_eq!(verdict.kind(), kind);
            assert_eq!(verdict.label(), label);
            assert!(label.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
        }
        assert_eq!(
            Refusal::Missing(Root::zero())
                .verdict(Object::BeaconBlock)
                .label(),
            "missing_block"
        );
    }
}
