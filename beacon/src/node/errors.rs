//! Why the node refused something, as types: a block or attestation that breaks a rule, a
//! committee or proposer it could not look up, a peer that misbehaved, a node that could not
//! start. Each reason has a stable `label()` for metrics and wraps the state transition's or
//! the shard's own error where one exists, so the rule that failed is named once.

use crate::errors::{HelperError, IndexedAttestationError};
use crate::fork_choice::ForkChoiceError;
use crate::store::StoreError;
use consensus::bls::BlsError;
use consensus::errors::Error as ConsensusError;
use consensus::primitives::{Epoch, Root, Shard, ValidatorIndex};
use networking::rpc::Protocol;
use networking::WireError;
use shard::committee::CommitteeError;

/// Why a node could not start.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    #[error("node: store: {0}")]
    Store(#[from] StoreError),
    #[error("node: fork choice at genesis: {0}")]
    ForkChoice(#[from] ForkChoiceError),
    #[error("node: the genesis has {got} shard states, the chain {expected} active shards")]
    ShardCount { got: usize, expected: u64 },
    #[error("node: the stored restart anchor does not decode: {0}")]
    AnchorDecode(consensus::sszx::DecodeError),
    #[error(
        "node: the stored restart anchor is inconsistent (its block, shards or states disagree)"
    )]
    AnchorInconsistent,
    #[error(
        "node: the data dir holds another chain (genesis block {stored}, this chain's is {ours}); \
         use an empty data dir for this chain"
    )]
    OtherChain { stored: String, ours: String },
}

/// What a gossip message or a request was about, for messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Object {
    BeaconBlock,
    ShardBlock,
    Attestation,
}

impl std::fmt::Display for Object {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Object::BeaconBlock => "beacon block",
            Object::ShardBlock => "shard block",
            Object::Attestation => "attestation",
        })
    }
}

/// A shuffling the node could not compute for a block's fork.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LookupError {
    /// Fork choice holds no state for the block (unknown, or pruned below finality).
    #[error("block {root} has no state here")]
    UnknownBlock { root: Root },
    /// The shuffling of the epoch cannot be computed from the block's state.
    #[error("shuffling: {0}")]
    Shuffling(ConsensusError),
}

/// A shard proposer the node could not compute for a block's fork.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProposerLookupError {
    #[error(transparent)]
    Lookup(#[from] LookupError),
    /// `get_shard_committee` or `get_shard_proposer_index` failed.
    #[error(transparent)]
    Committee(#[from] CommitteeError),
}

/// Why an attestation or aggregate is invalid (its sender is penalised).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AttestationRejection {
    #[error("attestation: shard {shard} has no committee in epoch {epoch}")]
    NoCommittee { shard: Shard, epoch: Epoch },
    #[error("attestation committee: {0}")]
    Committee(ConsensusError),
    #[error("get_indexed_attestation: {0}")]
    Indexed(HelperError),
    #[error(transparent)]
    Invalid(IndexedAttestationError),
}

impl AttestationRejection {
    pub fn label(&self) -> &'static str {
        match self {
            AttestationRejection::NoCommittee { .. } => "attestation_no_committee",
            AttestationRejection::Committee(_) => "attestation_bad_committee",
            AttestationRejection::Indexed(_) => "attestation_bad_bits",
            AttestationRejection::Invalid(IndexedAttestationError::Signature(_)) => {
                "attestation_bad_signature"
            }
            AttestationRejection::Invalid(_) => "attestation_invalid_indices",
        }
    }
}

/// Why a shard block is invalid (its sender is penalised).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ShardBlockRejection {
    #[error("shard block: shard {shard} is not below the active shard count {active}")]
    ShardOutOfRange { shard: Shard, active: u64 },
    #[error("shard block: verify_transaction_signatures: transaction {position} of the unseen ones does not verify")]
    TransactionSignature { position: usize },
    #[error("shard block: {0}")]
    Proposer(CommitteeError),
    #[error("shard block: proposer {index} is not in the registry of {len}")]
    ProposerNotInRegistry { index: ValidatorIndex, len: usize },
    #[error("shard block: the key of proposer {index}: {source}")]
    ProposerKey {
        index: ValidatorIndex,
        source: BlsError,
    },
    #[error("shard block: {0}")]
    Execution(shard::BlockError),
}

impl ShardBlockRejection {
    pub fn label(&self) -> &'static str {
        match self {
            ShardBlockRejection::ShardOutOfRange { .. } => "shard_block_shard_out_of_range",
            ShardBlockRejection::TransactionSignature { .. } => {
                "shard_block_bad_transaction_signature"
            }
            ShardBlockRejection::Proposer(_) => "shard_block_no_proposer",
            ShardBlockRejection::ProposerNotInRegistry { .. } => "shard_block_unknown_proposer",
            ShardBlockRejection::ProposerKey { .. } => "shard_block_bad_proposer_key",
            ShardBlockRejection::Execution(
                shard::BlockError::ProposerSignature(_) | shard::BlockError::Signatures(_),
            ) => "shard_block_bad_signature",
            ShardBlockRejection::Execution(shard::BlockError::WrongProposer { .. }) => {
                "shard_block_wrong_proposer"
            }
            ShardBlockRejection::Execution(_) => "shard_block_invalid_execution",
        }
    }
}

/// Something a peer sent on request/response that it should not have.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Misbehaviour {
    #[error("bad {} request: {source}", protocol.name())]
    BadRequest {
        protocol: Protocol,
        source: WireError,
    },
    #[error("bad {} response: {source}", protocol.name())]
    BadResponse {
        protocol: Protocol,
        source: WireError,
    },
    #[error("a {} response of the wrong kind", protocol.name())]
    WrongResponseKind { protocol: Protocol },
    #[error("status: genesis {theirs}, not ours {ours}")]
    OtherGenesis { theirs: Root, ours: Root },
}

impl Misbehaviour {
    pub fn label(&self) -> &'static str {
        match self {
            Misbehaviour::BadRequest { .. } => "bad_request",
            Misbehaviour::BadResponse { .. } => "bad_response",
            Misbehaviour::WrongResponseKind { .. } => "wrong_response_kind",
            Misbehaviour::OtherGenesis { .. } => "other_genesis",
        }
    }
}
