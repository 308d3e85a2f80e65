//! Typed errors of the state transition: every variant names the reference rule that failed
//! and the offending index or value.
//!
//! The hierarchy follows the call tree: [`HelperError`] (shared helpers of reference 4.4–4.5),
//! [`EpochError`] (6.2), [`SlotError`] (6.1), one error per block operation (6.4), [`BlockError`]
//! (6.3, wrapping the operation errors with the operation's position in the block),
//! [`SignatureError`] (design D1) and [`TransitionError`] (the whole `state_transition`).
//! [`GenesisError`] covers reference 5 and design D3.

use crate::signed_object::SignedObject;
use consensus::errors::Error as ConsensusError;
use consensus::primitives::{Epoch, Gwei, Root, Shard, Slot, ValidatorIndex};
use consensus::ConfigError;

/// A failure of a shared helper (attesting indices, balances, exits, slashing, committees).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HelperError {
    /// A committee or accessor rule of the consensus crate failed.
    #[error(transparent)]
    Consensus(#[from] ConsensusError),
    #[error("{rule}: validator index {index} has no balance (balances has {len} entries)")]
    UnknownBalance {
        rule: &'static str,
        index: ValidatorIndex,
        len: usize,
    },
    #[error("{rule}: arithmetic overflow")]
    Overflow { rule: &'static str },
    #[error("get_indexed_attestation: validator {index} has a custody bit but no aggregation bit")]
    CustodyBitsNotSubset { index: ValidatorIndex },
    #[error("{rule}: the list `{list}` is full (limit {limit})")]
    ListFull {
        rule: &'static str,
        list: &'static str,
        limit: usize,
    },
}

/// Why `is_valid_indexed_attestation` is false (reference 4.2), in the reference's order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IndexedAttestationError {
    #[error("is_valid_indexed_attestation: custody_bit_1_indices must be empty in phase 0 (has {count})")]
    CustodyBit1NotEmpty { count: usize },
    #[error(
        "is_valid_indexed_attestation: {count} indices exceed MAX_VALIDATORS_PER_COMMITTEE ({max})"
    )]
    TooManyIndices { count: usize, max: u64 },
    #[error("is_valid_indexed_attestation: validator {index} is in both custody bit sets")]
    IndicesIntersect { index: ValidatorIndex },
    #[error("is_valid_indexed_attestation: custody_bit_{custody_bit}_indices not sorted at position {position}")]
    NotSorted { custody_bit: u8, position: usize },
    #[error(
        "is_valid_indexed_attestation: validator index {index} is not in the registry of {len}"
    )]
    UnknownValidator { index: ValidatorIndex, len: usize },
    #[error(transparent)]
    Signature(#[from] SignatureError),
}

/// A signature rule of design D1 that failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("signature of {object}: public key of {signer} does not decode")]
    BadPublicKey {
        object: SignedObject,
        signer: Signer,
    },
    #[error("signature of {object}: the signature bytes do not decode")]
    BadSignature { object: SignedObject },
    #[error("signature of {object}: no signing key (an empty aggregate cannot verify)")]
    NoSigningKeys { object: SignedObject },
    #[error("signature of {object} does not verify")]
    Invalid { object: SignedObject },
    #[error("the batch of {sets} signature sets does not verify, though each set does alone")]
    BatchInvalid { sets: usize },
}

/// Who holds the key of a signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signer {
    /// A validator of the registry.
    Validator(ValidatorIndex),
    /// A key carried by the operation itself (a transfer's `pubkey`).
    OperationKey,
}

impl std::fmt::Display for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Signer::Validator(index) => write!(f, "validator {index}"),
            Signer::OperationKey => f.write_str("the operation's own key"),
        }
    }
}

/// A failure of epoch processing (reference 6.2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EpochError {
    #[error(transparent)]
    Helper(#[from] HelperError),
    #[error("{rule}: epoch {epoch} is neither the previous ({previous}) nor the current ({current}) epoch")]
    EpochOutOfRange {
        rule: &'static str,
        epoch: Epoch,
        previous: Epoch,
        current: Epoch,
    },
    #[error(
        "{rule}: attestation {position} names proposer {proposer}, not in the registry of {len}"
    )]
    UnknownProposer {
        rule: &'static str,
        position: usize,
        proposer: ValidatorIndex,
        len: usize,
    },
    #[error("{rule}: registry has {validators} validators but {balances} balances")]
    BalancesLength {
        rule: &'static str,
        validators: usize,
        balances: usize,
    },
}

impl From<ConsensusError> for EpochError {
    fn from(err: ConsensusError) -> Self {
        EpochError::Helper(HelperError::Consensus(err))
    }
}

/// A failure of `process_slots` (reference 6.1).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlotError {
    #[error("process_slots: target slot {target} is before the state's slot {state_slot}")]
    TargetSlotInPast { state_slot: Slot, target: Slot },
    #[error("process_epoch at the end of epoch {epoch}: {source}")]
    Epoch { epoch: Epoch, source: EpochError },
    #[error("process_slots: slot overflow")]
    Overflow,
}

/// A failed proposer slashing (reference 6.4.1).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProposerSlashingError {
    #[error("process_proposer_slashing: proposer index {index} is not in the registry of {len}")]
    UnknownProposer { index: ValidatorIndex, len: usize },
    #[error("process_proposer_slashing: headers are from epochs {epoch_1} and {epoch_2}")]
    EpochsDiffer { epoch_1: Epoch, epoch_2: Epoch },
    #[error("process_proposer_slashing: the two headers are identical")]
    HeadersIdentical,
    #[error("process_proposer_slashing: validator {index} is not slashable at epoch {epoch}")]
    NotSlashable { index: ValidatorIndex, epoch: Epoch },
    #[error(transparent)]
    Signature(#[from] SignatureError),
    #[error(transparent)]
    Helper(#[from] HelperError),
}

/// A failed attester slashing (reference 6.4.2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AttesterSlashingError {
    #[error(
        "process_attester_slashing: the attestation data is neither a double nor a surround vote"
    )]
    NotSlashable,
    #[error("process_attester_slashing: attestation_{which} is invalid: {source}")]
    InvalidAttestation {
        which: u8,
        source: IndexedAttestationError,
    },
    #[error("process_attester_slashing: no validator in the intersection was slashable")]
    NoneSlashed,
    #[error(transparent)]
    Signature(#[from] SignatureError),
    #[error(transparent)]
    Helper(#[from] HelperError),
}

/// A failed attestation (reference 6.4.3; the data-root rule is dropped by design D2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AttestationError {
    #[error("process_attestation: shard {shard} is not below the committee shard count {active}")]
    ShardOutOfRange { shard: Shard, active: u64 },
    #[error("process_attestation: committee shard {shard} is attestation-only (at or above the active shard count {active}, design D7) but its crosslink data_root is {data_root}, not zero")]
    AttestationOnlyDataRoot {
        shard: Shard,
        active: u64,
        data_root: Root,
    },
    #[error("process_attestation: target epoch {target} is neither previous ({previous}) nor current ({current})")]
    TargetEpochOutOfRange {
        target: Epoch,
        previous: Epoch,
        current: Epoch,
    },
    #[error("process_attestation: attestation slot {attestation_slot} needs state slot in [{earliest}, {latest}], state is at {state_slot}")]
    InclusionWindow {
        attestation_slot: Slot,
        earliest: Slot,
        latest: Slot,
        state_slot: Slot,
    },
    #[error("process_attestation: aggregation_bits has {aggregation} bits, custody_bits {custody}, committee {committee} members")]
    BitsLength {
        aggregation: usize,
        custody: usize,
        committee: usize,
    },
    #[error("process_attestation: source {got_epoch}/{got_root} is not the {which} justified checkpoint {want_epoch}/{want_root}")]
    SourceMismatch {
        which: &'static str,
        got_epoch: Epoch,
        got_root: Root,
        want_epoch: Epoch,
        want_root: Root,
    },
    #[error("process_attestation: crosslink parent_root {got} is not the root of the parent crosslink {want}")]
    ParentRootMismatch { got: Root, want: Root },
    #[error(
        "process_attestation: crosslink start_epoch {got} is not the parent's end_epoch {want}"
    )]
    StartEpochMismatch { got: Epoch, want: Epoch },
    #[error("process_attestation: crosslink end_epoch {got}, expected {want}")]
    EndEpochMismatch { got: Epoch, want: Epoch },
    #[error("process_attestation: indexed attestation is invalid: {0}")]
    InvalidIndexedAttestation(IndexedAttestationError),
    #[error(transparent)]
    Helper(#[from] HelperError),
}

impl From<ConsensusError> for AttestationError {
    fn from(err: ConsensusError) -> Self {
        AttestationError::Helper(HelperError::Consensus(err))
    }
}

/// A failed deposit (reference 6.4.4). A bad proof-of-possession signature is not an error:
/// the deposit is consumed and ignored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DepositError {
    #[error("process_deposit: Merkle proof does not prove deposit {deposit_index} against deposit root {root}")]
    InvalidProof { deposit_index: u64, root: Root },
    #[error(transparent)]
    Helper(#[from] HelperError),
}

/// A failed voluntary exit (reference 6.4.5).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VoluntaryExitError {
    #[error("process_voluntary_exit: validator index {index} is not in the registry of {len}")]
    UnknownValidator { index: ValidatorIndex, len: usize },
    #[error("process_voluntary_exit: validator {index} is not active at epoch {epoch}")]
    NotActive { index: ValidatorIndex, epoch: Epoch },
    #[error("process_voluntary_exit: validator {index} already exits at epoch {exit_epoch}")]
    AlreadyExiting {
        index: ValidatorIndex,
        exit_epoch: Epoch,
    },
    #[error(
        "process_voluntary_exit: exit epoch {exit_epoch} is after the current epoch {current}"
    )]
    FutureEpoch { exit_epoch: Epoch, current: Epoch },
    #[error("process_voluntary_exit: validator {index} active since {activation_epoch} cannot exit before epoch {earliest} (current {current})")]
    NotActiveLongEnough {
        index: ValidatorIndex,
        activation_epoch: Epoch,
        earliest: Epoch,
        current: Epoch,
    },
    #[error(transparent)]
    Signature(#[from] SignatureError),
    #[error(transparent)]
    Helper(#[from] HelperError),
}

/// A failed transfer (reference 6.4.6).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransferError {
    #[error("process_transfer: sender {index} is not in the registry of {len}")]
    UnknownSender { index: ValidatorIndex, len: usize },
    #[error("process_transfer: sender {sender} balance {balance} does not cover amount {amount} + fee {fee}")]
    InsufficientBalance {
        sender: ValidatorIndex,
        balance: Gwei,
        amount: Gwei,
        fee: Gwei,
    },
    #[error("process_transfer: transfer slot {transfer_slot} is not the state slot {state_slot}")]
    SlotMismatch {
        transfer_slot: Slot,
        state_slot: Slot,
    },
    #[error("process_transfer: sender {sender} is neither unactivated, withdrawable, nor above MAX_EFFECTIVE_BALANCE after the transfer")]
    NotTransferable { sender: ValidatorIndex },
    #[error("process_transfer: sender {sender}'s withdrawal credentials do not commit to the transfer pubkey")]
    WithdrawalCredentialsMismatch { sender: ValidatorIndex },
    #[error("process_transfer: {who} {index} would be left with dust balance {balance}")]
    DustBalance {
        who: &'static str,
        index: ValidatorIndex,
        balance: Gwei,
    },
    #[error(transparent)]
    Signature(#[from] SignatureError),
    #[error(transparent)]
    Helper(#[from] HelperError),
}

/// A failed block (reference 6.3): the header, RANDAO and eth1 rules, the operation-list rules,
/// or one operation (with its position in its list).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BlockError {
    #[error("process_block_header: block slot {block_slot} is not the state slot {state_slot}")]
    SlotMismatch { block_slot: Slot, state_slot: Slot },
    #[error("process_block_header: parent_root {got} is not the latest block header's signing root {want}")]
    ParentRootMismatch { got: Root, want: Root },
    #[error("process_block_header: proposer {index} is slashed")]
    ProposerSlashed { index: ValidatorIndex },
    #[error("process_operations: block carries {got} deposits, expected {expected}")]
    DepositCount { got: usize, expected: u64 },
    #[error("process_operations: transfer {index} repeats an earlier transfer of the block")]
    DuplicateTransfer { index: usize },
    #[error("proposer slashing {index}: {source}")]
    ProposerSlashing {
        index: usize,
        source: ProposerSlashingError,
    },
    #[error("attester slashing {index}: {source}")]
    AttesterSlashing {
        index: usize,
        source: AttesterSlashingError,
    },
    #[error("attestation {index}: {source}")]
    Attestation {
        index: usize,
        source: AttestationError,
    },
    #[error("deposit {index}: {source}")]
    Deposit { index: usize, source: DepositError },
    #[error("voluntary exit {index}: {source}")]
    VoluntaryExit {
        index: usize,
        source: VoluntaryExitError,
    },
    #[error("transfer {index}: {source}")]
    Transfer { index: usize, source: TransferError },
    #[error(transparent)]
    Signature(#[from] SignatureError),
    #[error(transparent)]
    Helper(#[from] HelperError),
}

impl From<ConsensusError> for BlockError {
    fn from(err: ConsensusError) -> Self {
        BlockError::Helper(HelperError::Consensus(err))
    }
}

/// A failed `state_transition`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error(transparent)]
    Slots(#[from] SlotError),
    #[error("block at slot {slot}: {source}")]
    Block { slot: Slot, source: BlockError },
    #[error("state_transition: block state_root {block} is not the post-state root {computed}")]
    StateRootMismatch { block: Root, computed: Root },
}

/// A failed genesis (reference 5 and design D3).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GenesisError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("genesis deposit {index}: {source}")]
    Deposit { index: usize, source: DepositError },
    #[error("genesis: more deposits ({count}) than the deposit tree holds")]
    TooManyDeposits { count: usize },
    #[error(transparent)]
    Helper(#[from] HelperError),
}

impl From<ConsensusError> for GenesisError {
    fn from(err: ConsensusError) -> Self {
        GenesisError::Helper(HelperError::Consensus(err))
    }
}
