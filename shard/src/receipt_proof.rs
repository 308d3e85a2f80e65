//! Incoming receipts and their proofs (design 3.2): a receipt is credited on its destination
//! shard only with a Merkle proof chain
//!
//! `receipt -> outgoing_receipts_root -> shard block root -> ShardCrosslinkData root`
//!
//! where the last root must be a crosslink data root the beacon chain has recorded for the
//! source shard (checked through [`CrosslinkOracle`]).
//!
//! Proof layout ([`ReceiptProof`]): the receipt's position in its block's outgoing receipts and
//! the 17-node branch to `outgoing_receipts_root` (16 siblings + length); the source block's
//! header, whose signing root is the block root and which carries `outgoing_receipts_root`; the
//! block's position in `ShardCrosslinkData.block_roots` and the 16-node branch to the crosslink
//! data root (12 siblings + length + 3 field-tree siblings); and that data root.

use crate::crosslink_data::{block_root_branch_index, CROSSLINK_BLOCK_BRANCH_LENGTH};
use crate::header::ShardBlockHeader;
use crate::receipt::Receipt;
use crate::types::{Address, OUTGOING_RECEIPTS_TREE_DEPTH};
use consensus::hash::is_valid_merkle_branch;
use consensus::primitives::{Root, Shard};
use consensus::sszx::SigningRoot;
use ssz_rs::prelude::*;

/// Length of the branch from a receipt to its block's outgoing receipts root.
pub const RECEIPT_BRANCH_LENGTH: usize = OUTGOING_RECEIPTS_TREE_DEPTH + 1;

#[derive(
    Clone, Debug, Default, PartialEq, Eq, SimpleSerialize, serde::Serialize, serde::Deserialize,
)]
pub struct ReceiptProof {
    pub receipt_position: u64,
    pub receipt_branch: Vector<Root, RECEIPT_BRANCH_LENGTH>,
    pub block_header: ShardBlockHeader,
    pub block_position: u64,
    pub block_branch: Vector<Root, CROSSLINK_BLOCK_BRANCH_LENGTH>,
    pub crosslink_data_root: Root,
}

#[derive(
    Clone, Debug, Default, PartialEq, Eq, SimpleSerialize, serde::Serialize, serde::Deserialize,
)]
pub struct IncomingReceipt {
    pub receipt: Receipt,
    pub proof: ReceiptProof,
}

/// Which crosslink data roots the beacon chain has recorded. The beacon node implements it
/// over the beacon state the destination block points at.
pub trait CrosslinkOracle: Sync {
    fn is_crosslinked(&self, shard: Shard, data_root: &Root) -> bool;
}

/// Knows no crosslink: every incoming receipt is refused.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoCrosslinks;

impl CrosslinkOracle for NoCrosslinks {
    fn is_crosslinked(&self, _shard: Shard, _data_root: &Root) -> bool {
        false
    }
}

impl<F: Fn(Shard, &Root) -> bool + Sync> CrosslinkOracle for F {
    fn is_crosslinked(&self, shard: Shard, data_root: &Root) -> bool {
        self(shard, data_root)
    }
}

/// Why an incoming receipt is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReceiptError {
    #[error("process_incoming_receipt: receipt ({source_shard}, {index}) pays {to}, whose home is shard {home}, not {shard}")]
    NotForThisShard {
        source_shard: Shard,
        index: u64,
        to: Address,
        home: Shard,
        shard: Shard,
    },
    #[error(
        "verify_receipt_proof: receipt says source shard {receipt}, its block header says {header}"
    )]
    SourceShardMismatch { receipt: Shard, header: Shard },
    #[error("verify_receipt_proof: receipt ({source_shard}, {index}) is not in the outgoing receipts of its block")]
    BadReceiptBranch { source_shard: Shard, index: u64 },
    #[error("verify_receipt_proof: the block of receipt ({source_shard}, {index}) is not in the crosslink data {data_root}")]
    BadBlockBranch {
        source_shard: Shard,
        index: u64,
        data_root: Root,
    },
    #[error("verify_receipt_proof: crosslink data root {data_root} of shard {source_shard} is not recorded by the beacon chain")]
    UnknownCrosslink {
        source_shard: Shard,
        data_root: Root,
    },
    #[error("process_incoming_receipt: receipt ({source_shard}, {index}) was already credited (next expected {expected})")]
    AlreadyCredited {
        source_shard: Shard,
        index: u64,
        expected: u64,
    },
    #[error("process_incoming_receipt: receipt ({source_shard}, {index}) comes before receipt {expected} from that shard is credited")]
    OutOfOrder {
        source_shard: Shard,
        index: u64,
        expected: u64,
    },
}

/// `verify_receipt_proof(incoming, oracle)`: the whole chain up to a recorded crosslink.
pub fn verify_receipt_proof(
    incoming: &IncomingReceipt,
    oracle: &dyn CrosslinkOracle,
) -> Result<(), ReceiptError> {
    let receipt = &incoming.receipt;
    let proof = &incoming.proof;
    let header = &proof.block_header;
    if header.shard != receipt.source_shard {
        return Err(ReceiptError::SourceShardMismatch {
            receipt: receipt.source_shard,
            header: header.shard,
        });
    }
    if proof.receipt_position >= 1 << OUTGOING_RECEIPTS_TREE_DEPTH
        || !is_valid_merkle_branch(
            &receipt.root(),
            &proof.receipt_branch,
            RECEIPT_BRANCH_LENGTH as u64,
            proof.receipt_position,
            &header.outgoing_receipts_root,
        )
    {
        return Err(ReceiptError::BadReceiptBranch {
            source_shard: receipt.source_shard,
            index: receipt.index,
        });
    }
    if proof.block_position >= 1 << crate::types::CROSSLINK_BLOCK_ROOTS_TREE_DEPTH
        || !is_valid_merkle_branch(
            &header.signing_root(),
            &proof.block_branch,
            CROSSLINK_BLOCK_BRANCH_LENGTH as u64,
            block_root_branch_index(proof.block_position),
            &proof.crosslink_data_root,
        )
    {
        return Err(ReceiptError::BadBlockBranch {
            source_shard: receipt.source_shard,
            index: receipt.index,
            data_root: proof.crosslink_data_root,
        });
    }
    if !oracle.is_crosslinked(receipt.source_shard, &proof.crosslink_data_root) {
        return Err(ReceiptError::UnknownCrosslink {
            source_shard: receipt.source_shard,
            data_root: proof.crosslink_data_root,
        });
    }
    Ok(())
}

/// Builds the proof of `receipts[receipt_position]` from a branch already computed (see
/// [`crate::receipt::outgoing_receipt_branches`]) and the block's branch in `data`.
pub fn assemble_receipt_proof(
    receipt: Receipt,
    receipt_position: usize,
    receipt_branch: Vec<Root>,
    header: &ShardBlockHeader,
    block_position: usize,
    block_branch: Vec<Root>,
    crosslink_data_root: Root,
) -> Option<IncomingReceipt> {
    Some(IncomingReceipt {
        receipt,
        proof: ReceiptProof {
            receipt_position: receipt_position as u64,
            receipt_branch: Vector::try_from(receipt_branch).ok()?,
            block_header: header.clone(),
            block_position: block_position as u64,
            block_branch: Vector::try_from(block_branch).ok()?,
            crosslink_data_root,
        },
    })
}

/// Builds the proof of `receipts[receipt_position]` of the block `header`, which sits at
/// `block_position` of `data`. `None` if a position is out of range.
pub fn build_receipt_proof(
    receipts: &[Receipt],
    receipt_position: usize,
    header: &ShardBlockHeader,
    data: &crate::crosslink_data::ShardCrosslinkData,
    block_position: usize,
) -> Option<IncomingReceipt> {
    let receipt = receipts.get(receipt_position)?.clone();
    let receipt_branch = crate::receipt::outgoing_receipt_branch(receipts, receipt_position)?;
    let block_branch = data.block_root_branch(block_position)?;
    assemble_receipt_proof(
        receipt,
        receipt_position,
        receipt_branch,
        header,
        block_position,
        block_branch,
        data.root(),
    )
}
