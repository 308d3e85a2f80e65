//! Typed errors of fork choice: each variant names the reference 7 rule (or the rule of this
//! implementation, such as the bounded attestation queue) that failed, with the offending value.

use super::proto_array::ProtoArrayError;
use crate::errors::{HelperError, IndexedAttestationError, SlotError, TransitionError};
use consensus::errors::Error as ConsensusError;
use consensus::primitives::{Epoch, Root, Slot};
use consensus::ConfigError;

/// A failed fork-choice step.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ForkChoiceError {
    #[error("get_genesis_store: the anchor state is at slot {slot}, not the genesis slot")]
    NotGenesis { slot: Slot },
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("{rule}: arithmetic overflow")]
    Overflow { rule: &'static str },

    // on_block
    #[error("on_block: block {root} is already in the store")]
    BlockAlreadyKnown { root: Root },
    #[error("on_block: parent {parent} of block {root} is not in block_states (queue the block until it arrives)")]
    UnknownParent { root: Root, parent: Root },
    #[error("on_block: block {root} at slot {slot} starts at {slot_start_ms} ms, after the store time {now_ms} ms")]
    BlockFromFuture {
        root: Root,
        slot: Slot,
        slot_start_ms: u64,
        now_ms: u64,
    },
    #[error("on_block: block {root} does not descend from the finalized block {finalized_root} (its ancestor at slot {finalized_slot} is {ancestor:?})")]
    NotDescendantOfFinalized {
        root: Root,
        finalized_root: Root,
        finalized_slot: Slot,
        ancestor: Option<Root>,
    },
    #[error("on_block: block {root} at slot {slot} is not after the finalized epoch's start slot {finalized_start}")]
    NotAfterFinalizedEpoch {
        root: Root,
        slot: Slot,
        finalized_start: Slot,
    },
    #[error("on_block: state_transition of block {root} failed: {source}")]
    Transition {
        root: Root,
        source: Box<TransitionError>,
    },

    // on_attestation
    #[error(
        "on_attestation: the attestation queue is full ({capacity} attestations wait for blocks)"
    )]
    AttestationQueueFull { capacity: usize },
    #[error("on_attestation: target root {root} is unknown and its epoch {epoch} is before the finalized epoch {finalized_epoch}, so it can never arrive")]
    UnknownTargetBeforeFinalized {
        root: Root,
        epoch: Epoch,
        finalized_epoch: Epoch,
    },
    #[error("on_attestation: target epoch {epoch} starts at {epoch_start_ms} ms, after the store time {now_ms} ms")]
    TargetEpochInFuture {
        epoch: Epoch,
        epoch_start_ms: u64,
        now_ms: u64,
    },
    #[error("on_attestation: checkpoint state of epoch {epoch} root {root}: {source}")]
    CheckpointState {
        epoch: Epoch,
        root: Root,
        source: Box<SlotError>,
    },
    #[error("on_attestation: get_attestation_data_slot: {0}")]
    AttestationSlot(ConsensusError),
    #[error("on_attestation: attestation slot {slot} + 1 is reached at {earliest_ms} ms (without genesis_time, as v0.8.4), after the store time {now_ms} ms")]
    AttestationSlotInFuture {
        slot: Slot,
        earliest_ms: u64,
        now_ms: u64,
    },
    #[error("on_attestation: get_indexed_attestation: {0}")]
    IndexedAttestation(HelperError),
    #[error("on_attestation: {0}")]
    InvalidIndexedAttestation(IndexedAttestationError),

    // get_head, get_ancestor, pruning
    #[error("{rule}: block {root} is not in the store")]
    UnknownBlock { rule: &'static str, root: Root },
    #[error(transparent)]
    ProtoArray(#[from] ProtoArrayError),
}
